"""Prompt-injection detection for the user turn and for retrieved documents.

Two detectors, either of which can flag a text:
- rules (`injection_rules`) for the known attack families, on text with disguises folded away (`normalize`), and on
  anything hidden in base64, hex or %-escapes;
- a logistic regression over a sentence embedding joined with hashed character and word n-grams, trained on the
  corpus in guardrails/data (see `train`), which catches paraphrases no rule anticipates. The embedding carries the
  meaning, the n-grams the wording; together they beat either alone on bench/eval/injection_eval.jsonl (AUROC 0.994
  vs 0.971 and 0.978). Its weights ship as JSON next to the corpus they came from.

The score is the stronger of the two; a text is flagged when it reaches the model's calibrated threshold. A client
turn also scores as a rule hit (family `adversarial_suffix`) when it holds a machine-made run (`machine_text`),
which neither detector reads as an instruction; documents are never judged that way (the retrieval stage's detector
gets no `machine_text`). Long texts
(pasted documents, retrieved chunks) are also scored sentence by sentence (`segments`), so that an instruction
planted in a résumé is not drowned by the résumé around it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from importlib import resources
from typing import Any, Protocol

import msgspec
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from guardrails.injection_rules import match_rules, quoted_example
from guardrails.machine_text import MachineTextScorer
from guardrails.normalize import canonical, hidden_payloads, smuggling_marks
from guardrails.segments import segments
from guardrails.types import Action, Finding, GuardContext, GuardOutcome, Reason

__all__ = [
    "ADVERSARIAL_SUFFIX",
    "FLAG_MARGIN",
    "InjectionDetector",
    "InjectionGuard",
    "InjectionModel",
    "InjectionScore",
    "InjectionScorer",
    "TextEncoder",
    "default_flag_threshold",
    "detector_text",
    "is_short",
    "lexical_features",
    "load_injection_model",
]

FLAG_MARGIN = 0.15
"""How far below the blocking threshold the `flag` tier starts by default: a turn that scores there is answered and
recorded (decision action `flag`, reason `suspected_injection`), so an operator sees near misses and campaigns
probing the threshold without benign users being refused."""

ADVERSARIAL_SUFFIX = "adversarial_suffix"
"""The finding kind of a client turn refused for a machine-made run."""

RULE_SCORE = 0.99
"""The score a rule hit carries: rules are written for precision, so a hit is near-certain."""
SHORT_MARGIN = 0.1
"""How far a short text (`is_short`) must score above the threshold: a few words carry little evidence, and a terse
follow-up ("thx. one sentence summary?", 0.84) read as a command misfired on a sealed set. It is flagged instead."""
SHORT_WORDS = 6
SHORT_CHARACTERS = 40


def is_short(readable: str) -> bool:
    """A few words: at most `SHORT_WORDS` and under `SHORT_CHARACTERS` (scripts without spaces count by length)."""
    return len(readable) < SHORT_CHARACTERS and len(readable.split()) <= SHORT_WORDS


SEGMENT_MARGIN = 0.1
"""How far a single segment of a long text must score above the threshold to flag the text. Chosen on an
intermediate model while building segment scoring: on 300-word man-page pastes the margin cut false alarms from
1.9 % to 0.6 %, and recall of planted instructions from a family left out of training fell from 0.82 to 0.79. The
shipped model's figures are in docs/benchmarks.md."""


class TextEncoder(Protocol):
    model_id: str

    def encode(self, texts: Sequence[str]) -> list[list[float]]:
        """Unit-length sentence embeddings, in order."""
        ...


LEXICAL_FEATURES = 2**18
"""Hash buckets for each of the two n-gram views (characters 3–5 within words, words 1–2)."""


def _vectorizers() -> tuple[HashingVectorizer, HashingVectorizer]:
    common = {"n_features": LEXICAL_FEATURES, "alternate_sign": False, "norm": "l2"}
    return (
        HashingVectorizer(analyzer="char_wb", ngram_range=(3, 5), **common),
        HashingVectorizer(analyzer="word", ngram_range=(1, 2), **common),
    )


def lexical_features(texts: Sequence[str]) -> Any:
    """Sparse hashed n-grams (a scipy CSR matrix), `2 * LEXICAL_FEATURES` columns; stateless, no vocabulary."""
    characters, words = _vectorizers()
    return sparse.hstack([characters.transform(texts), words.transform(texts)]).tocsr()


class InjectionModel(msgspec.Struct, frozen=True, kw_only=True):
    """A trained classifier over [embedding ; hashed n-grams], and the threshold chosen for it."""

    encoder_id: str
    weights: tuple[float, ...]
    """One per embedding dimension."""
    lexical_weights: dict[int, float]
    """Non-zero weights of the hashed n-gram columns, by column."""
    bias: float
    threshold: float
    corpus_sha256: str
    """Of the training corpus it was fitted on; a test fails when the corpus changes and the model does not."""
    training_examples: int
    cross_validated_fpr: float
    cross_validated_tpr: float

    def probability(self, embedding: Sequence[float], lexical: Any) -> float:
        """`lexical` is one row of `lexical_features`."""
        if len(embedding) != len(self.weights):
            raise ValueError(f"embedding has {len(embedding)} dimensions, the model expects {len(self.weights)}")
        logit = self.bias + math.fsum(w * x for w, x in zip(self.weights, embedding, strict=True))
        get = self.lexical_weights.get
        logit += math.fsum(
            get(int(column), 0.0) * value for column, value in zip(lexical.indices, lexical.data, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(min(logit, 60.0), -60.0)))


MODEL_RESOURCE = "injection_model.json"
CORPUS_RESOURCE = "injection_train.jsonl"


def load_injection_model() -> InjectionModel:
    raw = resources.files("guardrails.data").joinpath(MODEL_RESOURCE).read_bytes()
    return msgspec.json.decode(raw, type=InjectionModel)


def detector_text(text: str) -> str:
    """What both detectors read: the canonical text plus whatever was hidden in encodings."""
    return "\n".join([canonical(text), *(canonical(payload) for payload in hidden_payloads(text))])


class InjectionScore(msgspec.Struct, frozen=True):
    score: float
    classifier_score: float
    families: tuple[str, ...]
    """Rule families that matched; `semantic` when only the classifier fired."""


class InjectionScorer(Protocol):
    """What the injection guard needs from a detector (the classifier below, or a test's)."""

    @property
    def threshold(self) -> float:
        """Scores at or above it are attacks."""
        ...

    def score(self, text: str, embedding: Sequence[float] | None = None) -> InjectionScore:
        """`embedding`: the encoder's vector for `text` when the caller has it."""
        ...

    def score_many(self, texts: Sequence[str]) -> list[InjectionScore]:
        """Each text's score, in order; one encoder call for all of them where the detector can batch."""
        ...


class InjectionDetector:
    """`machine_text`: also mark texts holding a machine-made run (client turns; leave it out for documents)."""

    def __init__(
        self, model: InjectionModel, encoder: TextEncoder, machine_text: MachineTextScorer | None = None
    ) -> None:
        if encoder.model_id != model.encoder_id:
            raise ValueError(
                f"the injection model was trained on {model.encoder_id!r} embeddings, not {encoder.model_id!r}; "
                "retrain it with `python -m guardrails.train --encoder ...`"
            )
        self.model = model
        self._encoder = encoder
        self._machine_text = machine_text

    @property
    def threshold(self) -> float:
        return self.model.threshold

    def score(self, text: str, embedding: Sequence[float] | None = None) -> InjectionScore:
        """`embedding`, when given, must be the encoder's vector for `detector_text(text)`."""
        return self._score_all([text], None if embedding is None else [embedding])[0]

    def score_many(self, texts: Sequence[str]) -> list[InjectionScore]:
        """Batch form for ingestion and conversation history: one encoder call for the texts, one for their segments."""
        return self._score_all(texts, None)

    def _score_all(self, texts: Sequence[str], embeddings: Sequence[Sequence[float]] | None) -> list[InjectionScore]:
        """Whole texts and the segments of long ones (`guardrails.segments`).

        Segments are encoded in a call of their own: batched with a long text, every short sentence would be padded
        to its length (24 segments of a 256-word paste took 1.1 s beside it, 0.1 s alone).
        """
        readable = [detector_text(text) for text in texts]
        pieces = [[detector_text(piece) for piece in segments(text)] for text in texts]
        flat = [piece for text_pieces in pieces for piece in text_pieces]
        whole = list(embeddings) if embeddings is not None else self._encoder.encode(readable)
        segment_vectors = iter(self._encoder.encode(flat) if flat else [])
        results = []
        for text, text_readable, embedding, text_pieces in zip(texts, readable, whole, pieces, strict=True):
            classifier = self.model.probability(embedding, lexical_features([text_readable]))
            if text_pieces:
                lexical = lexical_features(text_pieces)
                planted = max(
                    self.model.probability(next(segment_vectors), lexical[row]) for row in range(len(text_pieces))
                )
                # A segment must clear the threshold by a margin: a long paste offers many chances to misfire.
                classifier = max(classifier, planted - SEGMENT_MARGIN)
            elif is_short(text_readable):
                classifier = max(0.0, classifier - SHORT_MARGIN)
            results.append(self._verdict(text, text_readable, classifier))
        return results

    def _verdict(self, text: str, readable: str, classifier: float) -> InjectionScore:
        hits = match_rules(readable)
        quoted = [hit for hit in hits if quoted_example(readable, hit)]
        families = (*smuggling_marks(text), *(hit.family for hit in hits if hit not in quoted))
        if self._machine_text is not None and self._machine_text.is_machine_made(text):
            families = (*families, ADVERSARIAL_SUFFIX)
        if families:
            return InjectionScore(max(RULE_SCORE, classifier), classifier, families)
        if quoted and classifier < self.model.threshold:
            # Only quoted as an example ("text such as 'ignore all previous instructions'"): a security trainer
            # talking about attacks. Answered and recorded (the flag tier); the output rails still guard the prompt.
            return InjectionScore(max(classifier, default_flag_threshold(self.model.threshold)), classifier, ())
        semantic = ("semantic",) if classifier >= self.model.threshold else ()
        return InjectionScore(classifier, classifier, semantic)


def default_flag_threshold(threshold: float) -> float:
    """`FLAG_MARGIN` below the blocking threshold, but never below half of it (a low blocking threshold would
    otherwise flag every turn)."""
    return max(threshold / 2, threshold - FLAG_MARGIN)


class InjectionGuard:
    """Input and retrieval rail: blocks a user turn (or drops a chunk) that scores at or above the threshold, and
    flags one that scores in the band just below it (answered, recorded as suspicious)."""

    name = "injection"

    def __init__(
        self, detector: InjectionScorer, threshold: float | None = None, flag_threshold: float | None = None
    ) -> None:
        self._detector = detector
        self.threshold = detector.threshold if threshold is None else threshold
        self.flag_threshold = default_flag_threshold(self.threshold) if flag_threshold is None else flag_threshold
        """Scores from here up to the blocking threshold are flagged; at or above the blocking threshold: no band."""

    @property
    def detector(self) -> InjectionScorer:
        return self._detector

    def check(
        self,
        text: str,
        context: GuardContext,
        *,
        embedding: Sequence[float] | None = None,
        block_action: Action = Action.BLOCK,
    ) -> GuardOutcome:
        """`embedding`: the encoder's vector for this text (or its PII-masked form), when the caller has one."""
        result = self._detector.score(text, embedding)
        return self.outcome(result, len(text), block_action)

    def outcome(self, result: InjectionScore, length: int, block_action: Action = Action.BLOCK) -> GuardOutcome:
        flagged = result.score >= self.threshold
        findings = (
            tuple(
                Finding(guard=self.name, kind=family, start=0, end=length, score=result.score, action=block_action)
                for family in result.families
            )
            if flagged
            else ()
        )
        if flagged:
            action, reason = block_action, Reason.PROMPT_INJECTION
        elif result.score >= self.flag_threshold:  # below the block: a flag threshold at or above it never gets here
            action, reason = Action.FLAG, Reason.SUSPECTED_INJECTION
        else:
            action, reason = Action.ALLOW, Reason.NONE
        return GuardOutcome(
            guard=self.name,
            action=action,
            score=result.score,
            threshold=self.threshold,
            findings=findings,
            reason=reason,
        )
