"""Fit the injection classifier on guardrails/data/injection_train.jsonl and write injection_model.json.

    python -m guardrails.train [--encoder sentence-transformers/all-MiniLM-L6-v2]

Logistic regression over [embedding ; hashed n-grams] of each example's detector text; the threshold is the lowest
score that keeps the cross-validated false-positive rate on the corpus' benign half at or under --target-fpr, over
the held-out scores of CALIBRATION_REPEATS five-fold splits pooled: one split's threshold moved by up to 0.05 with its
seed (0.814-0.871 on the 8,791-row corpus), the pooled one by far less.
`make bench` refits with the same procedure leaving one attack family out (bench/injection_generalisation.py).
Needs scikit-learn (installed with sentence-transformers). Deterministic for a given corpus and encoder.
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import msgspec
import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from guardrails.encoders import load_sentence_encoder
from guardrails.injection import (
    CORPUS_RESOURCE,
    LEXICAL_FEATURES,
    MODEL_RESOURCE,
    InjectionModel,
    TextEncoder,
    detector_text,
    lexical_features,
)

DEFAULT_ENCODER = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_TARGET_FPR = 0.01
DEFAULT_REGULARISATION = 16.0
"""Inverse regularisation strength (scikit-learn's C) of the shipped model."""


def corpus_bytes() -> bytes:
    return resources.files("guardrails.data").joinpath(CORPUS_RESOURCE).read_bytes()


def corpus_sha256() -> str:
    return hashlib.sha256(corpus_bytes()).hexdigest()


class CorpusRow(msgspec.Struct, frozen=True):
    text: str
    label: int
    family: str
    source: str = ""


def corpus_rows() -> list[CorpusRow]:
    lines = corpus_bytes().decode("utf-8").splitlines()
    return [msgspec.json.decode(line, type=CorpusRow) for line in lines if line.strip()]


def corpus_features(texts: Sequence[str], encoder: TextEncoder) -> Any:
    """[embedding ; hashed n-grams] of each text's detector view, so training sees exactly what scoring sees."""
    readable = [detector_text(text) for text in texts]
    embeddings = np.array(encoder.encode(readable))
    return sparse.hstack([sparse.csr_matrix(embeddings), lexical_features(readable)]).tocsr()


class FittedClassifier(NamedTuple):
    classifier: LogisticRegression
    threshold: float
    held_out: Any
    """Cross-validated probability of each training row (numpy array)."""


CALIBRATION_REPEATS = 5
"""Five-fold splits, each with its own seed, whose held-out benign scores are pooled to place the threshold."""


def fit_classifier(
    features: Any, labels: Any, target_fpr: float, regularisation: float, repeats: int = CALIBRATION_REPEATS
) -> FittedClassifier:
    """Logistic regression, and the lowest threshold (at least 0.5) whose cross-validated benign FPR <= target,
    over `repeats` differently seeded five-fold splits pooled. `held_out` is the first split's scores."""
    classifier = LogisticRegression(C=regularisation, max_iter=5000, class_weight="balanced")
    splits = [
        cross_val_predict(
            classifier,
            features,
            labels,
            cv=StratifiedKFold(n_splits=5, shuffle=True, random_state=seed),
            method="predict_proba",
        )[:, 1]
        for seed in range(repeats)
    ]
    benign = np.sort(np.concatenate([scores[labels == 0] for scores in splits]))
    allowed = int(np.floor(target_fpr * len(benign)))
    threshold = float(benign[len(benign) - allowed - 1]) + 1e-6 if allowed < len(benign) else 0.5
    classifier.fit(features, labels)
    return FittedClassifier(classifier, max(threshold, 0.5), splits[0])


def fit(encoder_id: str, target_fpr: float, regularisation: float) -> InjectionModel:
    rows = corpus_rows()
    labels = np.array([row.label for row in rows])
    encoder = load_sentence_encoder(encoder_id)
    fitted = fit_classifier(corpus_features([row.text for row in rows], encoder), labels, target_fpr, regularisation)
    coefficients = fitted.classifier.coef_[0]
    dimension = len(coefficients) - 2 * LEXICAL_FEATURES
    held_out, threshold = fitted.held_out, fitted.threshold
    return InjectionModel(
        encoder_id=encoder.model_id,
        weights=tuple(round(float(w), 7) for w in coefficients[:dimension]),
        lexical_weights={
            int(column): round(float(weight), 6)
            for column, weight in enumerate(coefficients[dimension:])
            if abs(weight) >= 1e-4
        },
        bias=round(float(fitted.classifier.intercept_[0]), 7),
        threshold=round(threshold, 6),
        corpus_sha256=corpus_sha256(),
        training_examples=len(rows),
        cross_validated_fpr=round(float(np.mean(held_out[labels == 0] >= threshold)), 4),
        cross_validated_tpr=round(float(np.mean(held_out[labels == 1] >= threshold)), 4),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--encoder", default=DEFAULT_ENCODER)
    parser.add_argument("--target-fpr", type=float, default=DEFAULT_TARGET_FPR)
    parser.add_argument("--c", type=float, default=DEFAULT_REGULARISATION, help="inverse regularisation strength")
    parser.add_argument("--output", type=Path, default=Path(str(resources.files("guardrails.data"))) / MODEL_RESOURCE)
    args = parser.parse_args()
    model = fit(args.encoder, args.target_fpr, args.c)
    args.output.write_bytes(msgspec.json.format(msgspec.json.encode(model), indent=1) + b"\n")
    print(
        f"wrote {args.output}: threshold {model.threshold:.3f}, cross-validated TPR {model.cross_validated_tpr:.3f} "
        f"at FPR {model.cross_validated_fpr:.3f} over {model.training_examples} examples"
    )


if __name__ == "__main__":
    main()
