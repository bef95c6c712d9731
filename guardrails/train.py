"""Fit the injection classifier on guardrails/data/injection_train.jsonl and write injection_model.json.

    python -m guardrails.train [--encoder sentence-transformers/all-MiniLM-L6-v2]

Logistic regression over [embedding ; hashed n-grams] of each example's detector text; the threshold is the lowest
score that keeps the cross-validated false-positive rate on the corpus' benign half at or under --target-fpr.
Needs scikit-learn (installed with sentence-transformers). Deterministic for a given corpus and encoder.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from importlib import resources
from pathlib import Path

import msgspec
import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from guardrails.encoders import load_sentence_encoder
from guardrails.injection import CORPUS_RESOURCE, MODEL_RESOURCE, InjectionModel, detector_text, lexical_features

DEFAULT_ENCODER = "sentence-transformers/all-MiniLM-L6-v2"


def corpus_bytes() -> bytes:
    return resources.files("guardrails.data").joinpath(CORPUS_RESOURCE).read_bytes()


def corpus_sha256() -> str:
    return hashlib.sha256(corpus_bytes()).hexdigest()


def fit(encoder_id: str, target_fpr: float, regularisation: float) -> InjectionModel:
    rows = [json.loads(line) for line in corpus_bytes().decode("utf-8").splitlines() if line.strip()]
    labels = np.array([row["label"] for row in rows])
    encoder = load_sentence_encoder(encoder_id)
    # The detector's own text view, so training sees exactly what scoring sees.
    texts = [detector_text(row["text"]) for row in rows]
    embeddings = np.array(encoder.encode(texts))
    features = sparse.hstack([sparse.csr_matrix(embeddings), lexical_features(texts)]).tocsr()
    classifier = LogisticRegression(C=regularisation, max_iter=5000, class_weight="balanced")
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    held_out = cross_val_predict(classifier, features, labels, cv=folds, method="predict_proba")[:, 1]
    benign = np.sort(held_out[labels == 0])
    allowed = int(np.floor(target_fpr * len(benign)))
    threshold = float(benign[len(benign) - allowed - 1]) + 1e-6 if allowed < len(benign) else 0.5
    threshold = max(threshold, 0.5)
    classifier.fit(features, labels)
    coefficients = classifier.coef_[0]
    dimension = embeddings.shape[1]
    return InjectionModel(
        encoder_id=encoder.model_id,
        weights=tuple(round(float(w), 7) for w in coefficients[:dimension]),
        lexical_weights={
            int(column): round(float(weight), 6)
            for column, weight in enumerate(coefficients[dimension:])
            if abs(weight) >= 1e-4
        },
        bias=round(float(classifier.intercept_[0]), 7),
        threshold=round(threshold, 6),
        corpus_sha256=corpus_sha256(),
        training_examples=len(rows),
        cross_validated_fpr=round(float(np.mean(held_out[labels == 0] >= threshold)), 4),
        cross_validated_tpr=round(float(np.mean(held_out[labels == 1] >= threshold)), 4),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--encoder", default=DEFAULT_ENCODER)
    parser.add_argument("--target-fpr", type=float, default=0.03)
    parser.add_argument("--c", type=float, default=16.0, help="inverse regularisation strength")
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
