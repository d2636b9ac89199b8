"""Pure scoring of a memory source against a query: CAT fuzzy %, penalties, display diffs.

The fuzzy percentage follows OmegaT and Translate Toolkit: 100 x (1 - token edit distance /
number of tokens of the longer sentence), computed on normalized word tokens. Numbers and
punctuation do not count as words:

* every number is one slot in the word sequence, so a *changed* number costs nothing there
  and instead costs NUMBER_PENALTY points (and the match names it); an added or removed
  number costs a full word, as any added word does;
* punctuation is left out of the word sequence; each punctuation mark added, removed or
  changed costs PUNCT_PENALTY points, at most PUNCT_PENALTY_MAX in all.

Anything that is not identical after normalization scores at most 99.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz.distance import Indel, Levenshtein

from tm.lang import Token, match_key, normalize, numbers, punctuation, tokenize

NUMBER_PENALTY = 2
PUNCT_PENALTY = 1
PUNCT_PENALTY_MAX = 3


@dataclass
class Score:
    """A fuzzy score and what it is made of."""

    score: int
    base: float
    changed_numbers: list[tuple[str, str]] = field(default_factory=list)
    punct_changes: int = 0


def base_score(key_a: list[str], key_b: list[str]) -> float:
    """Return 100 x (1 - edit distance / longer length) over two token sequences."""
    longest = max(len(key_a), len(key_b))
    if longest == 0:
        return 100.0
    return 100.0 * (1 - Levenshtein.distance(key_a, key_b) / longest)


def _number_changes(memory: list[str], query: list[str]) -> list[tuple[str, str]]:
    """Pair up numbers that differ between the memory source and the query."""
    if len(memory) == len(query):
        return [(m, q) for m, q in zip(memory, query, strict=True) if m != q]
    only_m = list((Counter(memory) - Counter(query)).elements())
    only_q = list((Counter(query) - Counter(memory)).elements())
    pairs = list(zip(only_m, only_q, strict=False))
    pairs += [(m, "") for m in only_m[len(pairs) :]]
    pairs += [("", q) for q in only_q[len(pairs) :]]
    return pairs


@lru_cache(maxsize=256)
def _features(norm: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Return the match key, numbers and punctuation of normalized text.

    Cached: a lookup scores one query against a few dozen units, and a document's
    repeated sentences come back.
    """
    return tuple(match_key(norm)), tuple(numbers(norm)), tuple(punctuation(norm))


@lru_cache(maxsize=64)
def _tokens(text: str) -> tuple[Token, ...]:
    """Return tokenize(text), cached (a query is diffed against each of its matches)."""
    return tuple(tokenize(text))


def score(memory_norm: str, query_norm: str) -> Score:
    """Score a memory source against a query, both normalized; 100 only when identical."""
    if memory_norm == query_norm:
        return Score(100, 100.0)
    (key_m, num_m, punct_m), (key_q, num_q, punct_q) = _features(memory_norm), _features(query_norm)
    if key_m or key_q:
        base = base_score(list(key_m), list(key_q))
    else:  # only numbers and punctuation on both sides: compare characters
        base = 100.0 * Indel.normalized_similarity(memory_norm, query_norm)
    changes = _number_changes(list(num_m), list(num_q))
    punct = Levenshtein.distance(punct_m, punct_q)
    penalty = NUMBER_PENALTY * sum(1 for m, q in changes if m and q)
    penalty += min(PUNCT_PENALTY_MAX, PUNCT_PENALTY * punct)
    value = int(base - penalty + 0.5) if base > penalty else 0
    if value >= 100:
        # Differences hidden by normalization (spacing, letter case) still cost a point.
        value = 99
    return Score(value, base, changes, punct)


def score_text(memory: str, query: str) -> Score:
    """Score two original texts."""
    return score(normalize(memory), normalize(query))


@dataclass(frozen=True)
class DiffChunk:
    """A piece of a display diff: `equal`, `delete` (only in memory) or `insert` (only in query)."""

    op: str
    text: str

    def to_json(self) -> dict:
        """Return the JSON shape of the chunk."""
        return {"op": self.op, "text": self.text}


def _slices(text: str, tokens: Sequence[Token], i: int, j: int) -> str:
    """Return the original text of tokens i..j-1 with the space between them."""
    if i >= j:
        return ""
    end = tokens[j].start if j < len(tokens) else len(text)
    return text[tokens[i].start : end]


def diff(memory: str, query: str) -> list[DiffChunk]:
    """Return a token diff of the memory source against the query, in original spellings.

    `delete` chunks are in the memory source and not in the query; `insert` chunks are in
    the query only; `equal` chunks are shown in the memory's spelling.
    """
    tm, tq = _tokens(memory), _tokens(query)
    a, b = [t.text for t in tm], [t.text for t in tq]
    chunks: list[DiffChunk] = []
    lead = memory[: tm[0].start] if tm else memory
    if lead:
        chunks.append(DiffChunk("equal", lead))
    for op in Levenshtein.opcodes(a, b):
        if op.tag == "equal":
            chunks.append(DiffChunk("equal", _slices(memory, tm, op.src_start, op.src_end)))
            continue
        if op.src_end > op.src_start:
            chunks.append(DiffChunk("delete", _slices(memory, tm, op.src_start, op.src_end)))
        if op.dest_end > op.dest_start:
            text = _slices(query, tq, op.dest_start, op.dest_end)
            # keep the space before an inserted word when the memory side has none there
            gap = query[: tq[op.dest_start].start]
            if chunks and not chunks[-1].text[-1:].isspace() and gap[-1:].isspace():
                text = " " + text
            chunks.append(DiffChunk("insert", text))
    return chunks
