"""Groundedness: is each sentence of an answer supported by the passages the model was given?

The "confident hallucination" rail. Two signals per sentence, cheapest first:
1. **Exact facts.** Every figure (numbers, amounts, dates, versions) and every distinctive term (a name written
   with capitals mid-sentence, an option like `--force`, a path, an identifier with `_`, `.` or `/`, quoted text)
   must appear in some passage. A changed number or a swapped name fails here, however fluent the sentence.
2. **Meaning.** The sentence's embedding must be close to some sentence of the passages (cosine with the same
   encoder retrieval uses), or most of its content words must appear in one passage. A claim the passages never
   make fails here.
Sentences too short to judge, refusals ("I could not find that in the documents") and questions are skipped.
The verdicts carry offsets, never text; the host decides whether to annotate or to block.
"""

from __future__ import annotations

import enum
import functools
import itertools
import re
from collections.abc import Callable, Sequence

import msgspec
import numpy as np
import numpy.typing as npt

__all__ = [
    "Encode",
    "Evidence",
    "GroundednessScorer",
    "SentenceVerdict",
    "Support",
    "Window",
    "best_passage",
    "passage_windows",
    "split_sentences",
]


Encode = Callable[[Sequence[str]], "Sequence[Sequence[float]] | npt.NDArray[np.float32]"]
"""Unit-length sentence embeddings, in order (the retrieval embedder's `embed_documents`, or a `VectorCache` in
front of it)."""


class Support(enum.StrEnum):
    SUPPORTED = "supported"
    UNSUPPORTED_FIGURE = "unsupported_figure"
    """A number, amount, date or version that no passage holds."""
    UNSUPPORTED_TERM = "unsupported_term"
    """A name, option, path or identifier that no passage holds."""
    UNRELATED = "unrelated"
    """Nothing in the passages says anything close to it."""
    CONTRADICTED = "contradicted"
    """Every passage sentence close to it says it with the opposite polarity (one negated, the other not)."""
    SKIPPED = "skipped"
    """Too short to judge, a refusal, or a question."""

    @property
    def unsupported(self) -> bool:
        return self in (Support.UNSUPPORTED_FIGURE, Support.UNSUPPORTED_TERM, Support.UNRELATED, Support.CONTRADICTED)


class SentenceVerdict(msgspec.Struct, frozen=True, kw_only=True):
    start: int
    end: int
    """Character offsets of the sentence in the answer."""
    support: Support
    similarity: float
    """Cosine of the sentence with the closest passage sentence (0 when not computed)."""


_MARKERS = re.compile(r"\s*\[\d{1,3}(?:\s*,\s*\d{1,3})*\]")
# A sentence ends at . ! ? (then optional closing quotes/brackets and citation markers) before whitespace, or at a
# line break. Abbreviations and decimals do not end one: "e.g. the", "2.5 days".
_END = re.compile(r"(?<=[.!?])[\"')\]]*(?:\s*\[\d{1,3}(?:\s*,\s*\d{1,3})*\])*(?=\s)|\n+")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "mr.", "mrs.", "ms.", "dr.", "no.", "approx.", "incl.", "cf.")
_LONGEST_ABBREVIATION = max(len(abbreviation) for abbreviation in _ABBREVIATIONS)
_FIGURE = re.compile(r"(?<![\w.])\d+(?:[.,:/-]\d+)*(?![\w])")
_CODEISH = re.compile(r"`([^`]{2,60})`|(?<![\w-])(--?[A-Za-z][\w-]+)|(\b[\w.-]*[\w][_/.\\][\w/.\\-]*\w)")
_QUOTED = re.compile(r"[\"\u201c]([^\"\u201d]{3,60})[\"\u201d]")
_CAPITALISED = re.compile(r"(?<![\w.-])([A-Z][\w&-]*(?:\s+[A-Z][\w&-]*)*)")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_REFUSAL = re.compile(
    r"(could ?n[o']t|can ?n[o']t|cannot|unable to|did ?n[o']t|do ?n[o']t|does ?n[o']t) (find|locate|see|contain|"
    r"mention|include|say|cover|specify)|not (found|mentioned|covered|specified|included|stated) in",
    re.IGNORECASE,
)


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_STOPWORDS = _word_set(
    """a an the and or but if then than so of to in on at by for with from as is are was were be been being it its
    this that these those there their they them you your yours we our us i me my he she his her not no do does did
    done can could should would will shall may might must have has had which who whom whose what when where why how
    all any each every some such more most other own same only also just very too into over under about after before
    between through during above below up down out off again further once here both few nor per via please yes
    one get gets got use used using need needs make makes see"""
)
_COMMON_CAPITALISED = _word_set(
    "i you yes no please note however if the this that these for to in on at as and or but so also here there it "
    "we our your they then when where what which who how after before each every all any one first second"
)
_ACRONYM = re.compile(r"[A-Z]{2,4}s?")
"""VPN, US, MFA: often spelled out in the passages, so a short acronym alone proves nothing."""
_NEGATION = re.compile(r"\b(not|no|never|none|nothing|cannot|without|neither|nor)\b|n't\b", re.IGNORECASE)
_MIN_WORDS = 4


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, whitespace trimmed; the last one may be unfinished."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _END.finditer(text):
        end = match.end() if match.group(0).strip() else match.start()
        before = text[max(0, end - _LONGEST_ABBREVIATION) : end].lower()
        if any(before.endswith(abbreviation) for abbreviation in _ABBREVIATIONS):
            continue
        _append(spans, text, start, end)
        start = match.end()
    _append(spans, text, start, len(text))
    return spans


def _append(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def _normalise(text: str) -> str:
    return " ".join(text.lower().replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-").split())


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def _figures(text: str) -> set[str]:
    return {figure.replace(",", "") for figure in _FIGURE.findall(text)}


@functools.lru_cache(maxsize=1 << 16)
def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _content_words(text: str) -> set[str]:
    return {_stem(word) for word in _WORD.findall(text.lower()) if word not in _STOPWORDS and len(word) > 2}


def _terms(sentence: str) -> list[str]:
    """Distinctive terms a supported sentence must take from the passages (lowercased)."""
    terms = [next(group for group in match.groups() if group) for match in _CODEISH.finditer(sentence)]
    terms += _QUOTED.findall(sentence)
    first_word = re.match(r"\W*\w+", sentence)
    skip_until = first_word.end() if first_word else 0
    for match in _CAPITALISED.finditer(sentence):
        words = match.group(1).split()[1 if match.start() < skip_until else 0 :]
        words = [word for word in words if word.lower() not in _COMMON_CAPITALISED and not _ACRONYM.fullmatch(word)]
        if words:
            terms.append(" ".join(words))
    return [term.lower().strip(".,;:") for term in terms if not _FIGURE.fullmatch(term)]


def _exact_facts(claim: str, evidence: Evidence) -> Support | None:
    """A figure or a distinctive term the passages do not hold; None when every one is there."""
    if not _figures(_normalise(claim)) <= evidence.figures:  # dashes normalised as the passages' are
        return Support.UNSUPPORTED_FIGURE
    if not all(evidence.holds(term) for term in _terms(claim)):
        return Support.UNSUPPORTED_TERM
    return None


def _holds(text: str, squashed: str, term: str) -> bool:
    if re.search(rf"(?<!\w){re.escape(_normalise(term))}(?!\w)", text) is not None:
        return True
    return len(squashed_term := _squash(term)) > 3 and squashed_term in squashed


class Window:
    """A sentence of a passage, or two adjacent ones: the unit a citation is placed for."""

    def __init__(self, passage: int, text: str, words: set[str], figures: set[str], *, negated: bool) -> None:
        self.passage = passage
        self.text = text
        """Normalised."""
        self.words = words
        self.figures = figures
        self.negated = negated

    @classmethod
    def of(cls, passage: int, sentence: str) -> Window:
        text = _normalise(sentence)
        negated = bool(_NEGATION.search(text))
        return cls(passage, text, _content_words(text), _figures(text), negated=negated)

    def joined(self, following: Window) -> Window:
        """This sentence and the next as one window."""
        text, words = f"{self.text} {following.text}", self.words | following.words
        negated = self.negated or following.negated
        return Window(self.passage, text, words, self.figures | following.figures, negated=negated)

    @functools.cached_property
    def squashed(self) -> str:
        return _squash(self.text)

    def holds(self, term: str) -> bool:
        return _holds(self.text, self.squashed, term)


class Evidence:
    """What one answer is judged against: the passages, normalised, with vectors for their sentences, pairs of
    adjacent sentences and whole passages (computed on first use).

    Only the sentences go through the encoder, in one batch. A pair's or a whole passage's vector is the mean of its
    sentences' vectors weighted by their words, normalised: the encoder mean-pools its tokens, so that is close to
    embedding the joined text, for a quarter of the encoder work (the pairs and passages were three quarters of the
    tokens, and the longest). On the 154 labelled sentences (bench/eval/grounding_labelled.toml) no verdict changed;
    similarities moved by 0.008 at the median."""

    def __init__(self, passages: Sequence[str], encode: Encode | None) -> None:
        self.text = " \n ".join(_normalise(passage) for passage in passages)
        self.squashed = _squash(self.text)
        self.figures = _figures(self.text)
        self.passage_words = [_content_words(passage) for passage in passages]
        self._sentences: list[str] = []
        self._members: list[tuple[int, ...]] = []
        """Each unit (a sentence, two adjacent ones, or a whole passage of three or more) as its sentences'
        indices into `_sentences`."""
        self.sentence_units: list[int] = []
        """Which units are single sentences (the polarity check compares with those only)."""
        for passage in passages:
            sentences = [passage[start:end] for start, end in split_sentences(passage) if end - start > 12]
            indices = range(len(self._sentences), len(self._sentences) + len(sentences))
            self._sentences += sentences
            self.sentence_units += range(len(self._members), len(self._members) + len(sentences))
            self._members += [(index,) for index in indices]
            self._members += itertools.pairwise(indices)
            if len(sentences) > 2:
                self._members.append(tuple(indices))
        self._encode = encode
        self._vectors: npt.NDArray[np.float32] | None = None

    def vectors(self) -> npt.NDArray[np.float32]:
        """One row per unit (no rows without an encoder or units)."""
        if self._vectors is None:
            if self._encode is None or not self._sentences:
                self._vectors = np.zeros((0, 0), dtype=np.float32)
                return self._vectors
            sentences = _rows(self._encode(self._sentences), len(self._sentences))
            weights = np.array([len(sentence.split()) for sentence in self._sentences], dtype=np.float32)
            rows = np.zeros((len(self._members), sentences.shape[1]), dtype=np.float32)
            for row, members in enumerate(self._members):
                if len(members) == 1:
                    rows[row] = sentences[members[0]]
                    continue
                # A loop of weighted adds, not a matrix product: BLAS worker threads busy-wait after each call and
                # take the cores from the engine (see `GroundednessScorer._similarities`).
                mean = np.zeros(sentences.shape[1], dtype=np.float32)
                for index in members:
                    mean += weights[index] * sentences[index]
                rows[row] = mean / max(float(np.sqrt((mean * mean).sum())), 1e-12)
            self._vectors = rows
        return self._vectors

    def unit(self, index: int) -> str:
        return " ".join(self._sentences[member] for member in self._members[index])

    def holds(self, term: str) -> bool:
        """The term in the passages, as a whole word, or with spaces, hyphens and underscores ignored
        (PyrateLimiter / pyrate-limiter / pyrate_limiter)."""
        return _holds(self.text, self.squashed, term)


def passage_windows(passages: Sequence[str]) -> list[Window]:
    """Each passage's sentences and pairs of adjacent sentences, in passage order: what `best_passage` matches."""
    found = []
    for index, passage in enumerate(passages):
        sentences = [Window.of(index, passage[start:end]) for start, end in split_sentences(passage)]
        found += [*sentences, *(one.joined(two) for one, two in itertools.pairwise(sentences))]
    return found


def _is_claim(claim: str) -> bool:
    """Long enough to judge, and neither a question nor a refusal."""
    return len(_WORD.findall(claim.lower())) >= _MIN_WORDS and not claim.endswith("?") and not _REFUSAL.search(claim)


def best_passage(sentence: str, windows: Sequence[Window], *, coverage: float) -> int | None:
    """The passage (index, from 0) with a sentence, or two adjacent ones, that holds every figure and distinctive
    term of `sentence`, at least `coverage` of its content words (the most of any such), and says it with the same
    polarity (both negated or neither); the first on a tie. None for a sentence that is not a claim, or that no
    such window holds. Words only, no embeddings: cheap enough to run on every sentence of the stream. Precision
    first: a citation on an invented sentence lends it authority (docs/benchmarks.md, answers)."""
    claim = _MARKERS.sub("", sentence).strip()
    words = _content_words(claim)
    if not words or not _is_claim(claim):
        return None
    figures, terms, negated = _figures(_normalise(claim)), _terms(claim), bool(_NEGATION.search(claim))
    best, best_share = None, coverage
    for window in windows:
        share = len(words & window.words) / len(words)
        if share < best_share or (best is not None and share == best_share) or window.negated != negated:
            continue
        if figures <= window.figures and all(window.holds(term) for term in terms):
            best, best_share = window.passage, share
    return best


def _rows(found: Sequence[Sequence[float]] | npt.NDArray[np.float32], count: int) -> npt.NDArray[np.float32]:
    """The encoder's vectors as a (count, dimension) array; an encoder that answers with another number of rows is
    an error here, not a broadcasting error later."""
    rows = np.asarray(found, dtype=np.float32)
    if rows.ndim != 2 or rows.shape[0] != count:
        raise ValueError(f"the encoder returned {rows.shape} for {count} texts")
    return rows


class GroundednessScorer:
    """Thread-safe (no state changes after construction); `judge` and `judge_many` block on the encoder: call them
    off the event loop."""

    def __init__(
        self,
        encode: Encode | None,
        *,
        similarity: float = 0.65,
        coverage: float = 0.75,
        evidence_encode: Encode | None = None,
    ) -> None:
        self._encode = encode
        self._evidence_encode = evidence_encode or encode
        """What embeds the passages' sentences: a cache in front of `encode` on the server."""
        self.similarity = similarity
        """A sentence whose closest passage sentence is at least this similar is supported in meaning."""
        self.coverage = coverage
        """... or one whose content words appear in a single passage at least this much."""

    def evidence(self, passages: Sequence[str]) -> Evidence:
        return Evidence(passages, self._evidence_encode)

    def judge(self, sentence: str, evidence: Evidence) -> tuple[Support, float]:
        """The sentence's support and its best similarity (0 when the exact checks decided)."""
        return self.judge_many([sentence], evidence)[0]

    def judge_many(self, sentences: Sequence[str], evidence: Evidence) -> list[tuple[Support, float]]:
        """`judge` for each sentence, in order; those the exact checks leave open are embedded in one batch."""
        verdicts: list[tuple[Support, float]] = []
        open_claims: list[tuple[int, str, set[str]]] = []
        for index, sentence in enumerate(sentences):
            claim = _MARKERS.sub("", sentence).strip()
            words = _content_words(claim)
            decided = self._without_meaning(claim, words, evidence)
            if decided is None:
                open_claims.append((index, claim, words))
            verdicts.append(decided or (Support.SKIPPED, 0.0))  # an open claim's is replaced below
        queries = self._queries([claim for _, claim, _ in open_claims], evidence)
        for (index, claim, words), query in zip(open_claims, queries, strict=True):
            verdicts[index] = self._meaning(claim, words, evidence, query)
        return verdicts

    @staticmethod
    def _without_meaning(claim: str, words: set[str], evidence: Evidence) -> tuple[Support, float] | None:
        """The verdict the cheap checks reach alone (not a claim, a figure or term the passages lack), or None."""
        if not _is_claim(claim):
            return Support.SKIPPED, 0.0
        exact = _exact_facts(claim, evidence)
        if exact is not None:
            return exact, 0.0
        if not words:  # "No, we do not.": nothing to check against the passages
            return Support.SKIPPED, 0.0
        return None

    def _meaning(
        self, claim: str, words: set[str], evidence: Evidence, query: npt.NDArray[np.float32] | None
    ) -> tuple[Support, float]:
        coverage = max((len(words & passage) / len(words) for passage in evidence.passage_words), default=0.0)
        similarities = self._similarities(query, evidence)
        similarity = max(similarities, default=0.0)
        if similarity < self.similarity and coverage < self.coverage:
            return Support.UNRELATED, similarity
        close = [i for i in evidence.sentence_units if similarities and similarities[i] >= self.similarity]
        negated = bool(_NEGATION.search(claim))
        if close and all(bool(_NEGATION.search(evidence.unit(i))) != negated for i in close):
            return Support.CONTRADICTED, similarity
        return Support.SUPPORTED, similarity

    def judge_spans(self, text: str, spans: Sequence[tuple[int, int]], evidence: Evidence) -> list[SentenceVerdict]:
        """A verdict for each (start, end) sentence of `text`, in order."""
        judged = self.judge_many([text[start:end] for start, end in spans], evidence)
        return [
            SentenceVerdict(start=start, end=end, support=support, similarity=round(similarity, 3))
            for (start, end), (support, similarity) in zip(spans, judged, strict=True)
        ]

    def _queries(self, claims: Sequence[str], evidence: Evidence) -> list[npt.NDArray[np.float32] | None]:
        """The claims' vectors, in one encoder call; None each without an encoder or passage sentences."""
        if not claims or self._encode is None or not len(evidence.vectors()):
            return [None] * len(claims)
        return list(_rows(self._encode(claims), len(claims)))

    @staticmethod
    def _similarities(query: npt.NDArray[np.float32] | None, evidence: Evidence) -> list[float]:
        """Cosine of the claim with each evidence unit (empty without a vector)."""
        if query is None:
            return []
        # Multiply and sum, not `vectors @ query`: a matrix product goes to BLAS, whose worker threads busy-wait
        # after each call and took the cores from the engine (a restarting replica next to a loaded one stalled).
        return [float(value) for value in (evidence.vectors() * query).sum(axis=1)]
