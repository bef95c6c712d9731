"""Every Kubernetes variant renders offline, passes the API schemas strictly on two Kubernetes versions (and the
CRDs' own schemas kept in docker/kubernetes/schemas), and keeps the promises the server's behaviour relies on."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from rag_server.settings import ServerSettings
from tests.deploy.artifacts import KUBERNETES, OVERLAYS, Manifest, adapter_rules, of_kind, one, render

KUBERNETES_VERSIONS = ("1.30.0", "1.34.0")
"""The oldest release still under upstream support when this was written, and a current one."""
CRD_SCHEMAS = KUBERNETES / "schemas"
DRAIN_FLUSH_S = 5
"""After a drain cuts the answers left, their error events get this long to reach clients (rag_server/drain.py)."""
SHUTDOWN_MARGIN_S = 10
"""Time the grace period keeps after the preStop pause, the drain and its flush, for the engine's own shutdown."""


def settings_config_map(manifests: tuple[Manifest, ...]) -> Manifest:
    (source,) = server_container(manifests)["envFrom"]
    name = source["configMapRef"]["name"]
    (config_map,) = [m for m in of_kind(manifests, "ConfigMap") if m["metadata"]["name"] == name]
    return config_map


def settings_of(manifests: tuple[Manifest, ...]) -> dict[str, str]:
    return dict(settings_config_map(manifests)["data"])


def pod_spec(manifests: tuple[Manifest, ...]) -> dict[str, Any]:
    return dict(one(manifests, "Deployment")["spec"]["template"]["spec"])


def server_container(manifests: tuple[Manifest, ...]) -> dict[str, Any]:
    containers = pod_spec(manifests)["containers"]
    assert len(containers) == 1
    return dict(containers[0])


def crd_schema(manifest: Manifest) -> dict[str, Any] | None:
    group, _, version = manifest["apiVersion"].rpartition("/")
    path = CRD_SCHEMAS / group / f"{manifest['kind'].lower()}_{version}.json"
    return json.loads(path.read_text()) if group and path.is_file() else None


def test_there_are_cpu_and_cuda_variants_and_both_autoscalers() -> None:
    assert {"cpu", "cpu-hpa", "cuda", "cuda-tp2"} <= set(OVERLAYS)
    assert of_kind(render("cpu"), "ScaledObject")
    assert not of_kind(render("cpu"), "HorizontalPodAutoscaler")
    assert of_kind(render("cpu-hpa"), "HorizontalPodAutoscaler")
    assert not of_kind(render("cpu-hpa"), "ScaledObject")


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_manifest_is_valid_for_its_schema(overlay: str, version: str) -> None:
    for manifest in render(overlay):
        schema = crd_schema(manifest)
        name = f"{manifest['kind']}/{manifest['metadata']['name']}"
        if schema is not None:
            jsonschema.Draft202012Validator(schema).validate(manifest)
            continue
        try:
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            pytest.fail(f"{name}: neither Kubernetes {version} nor docker/kubernetes/schemas has a schema for it")
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{name} is not valid for Kubernetes {version}: {exc.message} at {list(exc.path)}")


def test_strict_validation_catches_a_misspelt_field() -> None:
    deployment = one(render("cpu"), "Deployment")
    container = {**server_container(render("cpu")), "livenessProbee": {}}
    pod = {**pod_spec(render("cpu")), "containers": [container]}
    broken = {**deployment, "spec": {**deployment["spec"], "template": {"spec": pod}}}
    with pytest.raises(kubernetes_validate.ValidationError, match="livenessProbee"):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[0], strict=True)


def test_the_crd_schemas_catch_a_misspelt_field() -> None:
    scaled = one(render("cpu"), "ScaledObject")
    schema = crd_schema(scaled)
    assert schema is not None
    broken = {**scaled, "spec": {**scaled["spec"], "minReplicaCountt": 2}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(broken)


def test_the_crd_schemas_record_where_they_come_from() -> None:
    provenance = tomllib.loads((CRD_SCHEMAS / "PROVENANCE.toml").read_text())
    recorded = json.dumps(provenance)
    for path in CRD_SCHEMAS.rglob("*.json"):
        assert str(path.relative_to(CRD_SCHEMAS)) in recorded, f"{path.name} has no provenance"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_a_replica_drains_before_it_is_killed(overlay: str) -> None:
    manifests = render(overlay)
    pod = pod_spec(manifests)
    drain_s = float(settings_of(manifests).get("RAG_SERVER__DRAIN_TIMEOUT_S", ServerSettings().drain_timeout_s))
    pre_stop = server_container(manifests)["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    needed = float(pre_stop[1]) + drain_s + DRAIN_FLUSH_S + SHUTDOWN_MARGIN_S
    assert pod["terminationGracePeriodSeconds"] >= needed


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rollouts_never_lose_capacity_and_evictions_go_one_at_a_time(overlay: str) -> None:
    manifests = render(overlay)
    deployment = one(manifests, "Deployment")
    rolling = deployment["spec"]["strategy"]["rollingUpdate"]
    assert rolling == {"maxUnavailable": 0, "maxSurge": 1}
    budget = one(manifests, "PodDisruptionBudget")
    assert budget["spec"]["selector"]["matchLabels"].items() <= deployment["spec"]["selector"]["matchLabels"].items()
    assert budget["spec"].get("maxUnavailable") == 1 or budget["spec"].get("minAvailable") is not None
    spread = pod_spec(manifests)["topologySpreadConstraints"]
    assert {constraint["topologyKey"] for constraint in spread} >= {"kubernetes.io/hostname"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_probes_mean_ready_and_alive_and_allow_the_measured_start(overlay: str) -> None:
    container = server_container(render(overlay))
    assert container["startupProbe"]["httpGet"]["path"] == "/readyz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    startup = container["startupProbe"]
    # Start-up measured at 37 s (eager) to 110 s (torch.compile) on 2 CPU cores: allow well over twice that.
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 240


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_run_as_non_root_on_a_read_only_root_with_resources_set(overlay: str) -> None:
    manifests = render(overlay)
    pod = pod_spec(manifests)
    container = server_container(manifests)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    resources = container["resources"]
    assert {"cpu", "memory"} <= resources["requests"].keys()
    assert "memory" in resources["limits"]
    mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
    assert {"/dev/shm", "/tmp", "/var/lib/rag"} <= mounts, "vLLM needs shared memory; caches need somewhere to go"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_images_are_pinned(overlay: str) -> None:
    for manifest in render(overlay):
        for container in manifest.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
            image = container["image"]
            assert re.search(r"(:[\w.-]+|@sha256:[0-9a-f]{64})$", image), f"{image} names no version"
            assert not image.endswith(":latest"), image


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_settings_come_from_a_config_map_and_keys_from_a_secret(overlay: str) -> None:
    manifests = render(overlay)
    container = server_container(manifests)
    assert settings_config_map(manifests)["metadata"]["name"].startswith("rag-server-settings-"), "hashed: rolls out"
    assert not of_kind(manifests, "Secret"), "secrets are created by the operator, never committed"
    secret_volumes = [volume for volume in pod_spec(manifests)["volumes"] if "secret" in volume]
    assert len(secret_volumes) == 1
    mount = next(m for m in container["volumeMounts"] if m["name"] == secret_volumes[0]["name"])
    config_file = settings_of(manifests)["RAG_CONFIG_FILE"]
    assert Path(config_file).parent == Path(mount["mountPath"])
    assert settings_of(manifests)["RAG_RETRIEVAL__QDRANT_URL"], "autoscaled replicas share one index"
    for name in settings_of(manifests):
        assert name.startswith("RAG_"), name


@pytest.mark.parametrize("overlay", ["cpu", "cpu-hpa"])
def test_cpu_replicas_get_whole_cores_to_themselves(overlay: str) -> None:
    """Guaranteed QoS with integer CPUs: with the static CPU manager the engine sees (and binds a thread to) only
    its own cores, not every core of the node."""
    resources = server_container(render(overlay))["resources"]
    assert resources["requests"]["cpu"] == resources["limits"]["cpu"]
    assert float(resources["limits"]["cpu"]).is_integer()
    assert resources["requests"]["memory"] == resources["limits"]["memory"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_image_names_the_model(overlay: str) -> None:
    """The model is baked into the image (the `with-model` targets set RAG_ENGINE__MODEL), so one digest names code
    and model together; a ConfigMap that named a model could point at one the image lacks."""
    assert "RAG_ENGINE__MODEL" not in settings_of(render(overlay))


def test_the_service_monitor_scrapes_the_service_as_job_rag_server() -> None:
    manifests = render("cpu")
    monitor = one(manifests, "ServiceMonitor")
    service = one(manifests, "Service")
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert service["metadata"]["labels"][monitor["spec"]["jobLabel"]] == "rag-server", "the rules select job"
    assert {endpoint["port"] for endpoint in monitor["spec"]["endpoints"]} <= {
        p["name"] for p in service["spec"]["ports"]
    }


def test_the_hpa_reads_metrics_the_adapter_serves() -> None:
    hpa = one(render("cpu-hpa"), "HorizontalPodAutoscaler")
    served = {rule["name"]["as"] for rule in adapter_rules()}
    assert {metric["pods"]["metric"]["name"] for metric in hpa["spec"]["metrics"]} <= served


def test_a_trigger_with_no_series_yet_reads_zero_rather_than_failing() -> None:
    """No engine is ready on a fresh install: the KV-cache series is absent, and a failed query three polls in a
    row would send KEDA to its fallback size."""
    triggers = {t["name"]: t for t in one(render("cpu"), "ScaledObject")["spec"]["triggers"]}
    assert triggers["kv-cache"]["metadata"]["query"].endswith("or vector(0)")


@pytest.mark.parametrize("overlay", ["cuda", "cuda-tp2"])
def test_gpu_replicas_ask_for_as_many_gpus_as_the_engine_splits_over(overlay: str) -> None:
    manifests = render(overlay)
    resources = server_container(manifests)["resources"]
    gpus = int(resources["limits"]["nvidia.com/gpu"])
    assert int(resources["requests"]["nvidia.com/gpu"]) == gpus
    assert int(settings_of(manifests)["RAG_ENGINE__TENSOR_PARALLEL_SIZE"]) == gpus
    assert any(t["key"] == "nvidia.com/gpu" for t in pod_spec(manifests)["tolerations"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_autoscaling_keeps_two_replicas_and_queries_this_deployment(overlay: str) -> None:
    manifests = render(overlay)
    namespace = one(manifests, "Deployment")["metadata"]["namespace"]
    assert "replicas" not in one(manifests, "Deployment")["spec"], "the autoscaler owns the replica count"
    for scaled in of_kind(manifests, "ScaledObject"):
        assert scaled["spec"]["minReplicaCount"] >= 2, "never to zero: a cold start takes minutes"
        assert scaled["spec"]["fallback"]["replicas"] >= scaled["spec"]["minReplicaCount"]
        for trigger in scaled["spec"]["triggers"]:
            assert f'namespace="{namespace}"' in trigger["metadata"]["query"]
            assert trigger["metricType"] == "AverageValue"
    for hpa in of_kind(manifests, "HorizontalPodAutoscaler"):
        assert hpa["spec"]["minReplicas"] >= 2


def test_the_hpa_and_keda_variants_scale_alike() -> None:
    scaled = one(render("cpu"), "ScaledObject")
    hpa = one(render("cpu-hpa"), "HorizontalPodAutoscaler")
    assert hpa["spec"]["behavior"] == scaled["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    assert hpa["spec"]["minReplicas"] == scaled["spec"]["minReplicaCount"]
    assert hpa["spec"]["maxReplicas"] == scaled["spec"]["maxReplicaCount"]
    thresholds = [float(trigger["metadata"]["threshold"]) for trigger in scaled["spec"]["triggers"]]
    targets = [metric["pods"]["target"]["averageValue"] for metric in hpa["spec"]["metrics"]]
    assert [float(t[:-1]) / 1000 if t.endswith("m") else float(t) for t in targets] == thresholds


def test_the_optional_qdrant_chart_is_pinned() -> None:
    kustomization = yaml.safe_load((KUBERNETES / "qdrant" / "kustomization.yaml").read_text())
    (chart,) = kustomization["helmCharts"]
    assert chart["name"] == "qdrant"
    assert re.fullmatch(r"\d+\.\d+\.\d+", chart["version"])
