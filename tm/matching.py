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

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz.distance import Indel, Levenshtein

from tm.lang import _TOKEN, NUMBER_SLOT, normalize, normalize_with_map, punctuation, words_and_numbers

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


def base_score(key_a: Sequence[str], key_b: Sequence[str]) -> float:
    """Return 100 x (1 - edit distance / longer length) over two token sequences."""
    longest = max(len(key_a), len(key_b))
    if longest == 0:
        return 100.0
    return 100.0 * (1 - Levenshtein.distance(key_a, key_b) / longest)


def _surplus(a: Sequence[str], b: Sequence[str]) -> list[str]:
    """Return list((Counter(a) - Counter(b)).elements()), for the few numbers of a sentence."""
    count: dict[str, int] = {}
    for x in a:
        count[x] = count.get(x, 0) + 1
    for x in b:
        if x in count:
            count[x] -= 1
    out: list[str] = []
    for x, k in count.items():
        if k > 0:
            out += [x] * k
    return out


def _number_changes(memory: Sequence[str], query: Sequence[str]) -> list[tuple[str, str]]:
    """Pair up numbers that differ between the memory source and the query."""
    if len(memory) == len(query):
        if memory == query:
            return []
        return [(m, q) for m, q in zip(memory, query, strict=True) if m != q]
    only_m, only_q = _surplus(memory, query), _surplus(query, memory)
    pairs = list(zip(only_m, only_q, strict=False))
    pairs += [(m, "") for m in only_m[len(pairs) :]]
    pairs += [("", q) for q in only_q[len(pairs) :]]
    return pairs


_MARK = re.compile(r"[^\w\s]")


def _punctuation(norm: str) -> tuple[str, ...]:
    """Return punctuation(norm): the marks ([^\\w\\s]) that are not inside a token.

    Only ' and - between letters (فلان-علان) and . and , between digits (1,500) are inside
    one; when no mark of those is, every mark is punctuation, found without tokenizing.
    """
    marks = _MARK.findall(norm)
    for mark in ("'", "-", ".", ","):
        if mark not in marks:
            continue
        letters = mark in "'-"  # else digits
        i = norm.find(mark)
        while i != -1:
            if 0 < i < len(norm) - 1:
                a, b = norm[i - 1], norm[i + 1]
                if letters and a.isalnum() and not a.isdecimal() and b.isalnum() and not b.isdecimal():
                    return tuple(punctuation(norm))
                if not letters and a.isdecimal() and b.isdecimal():
                    return tuple(punctuation(norm))
            i = norm.find(mark, i + 1)
    return tuple(marks)


@lru_cache(maxsize=1024)
def _features(norm: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Return the match key, numbers and punctuation of normalized text.

    The same as match_key, numbers and punctuation, with one pass for the words and numbers:
    a number token starts with a decimal digit (\\d), a word token never does. Cached: a
    lookup scores one query against a few dozen units, and the units found for a document's
    sentences and its repeated sentences come back.
    """
    tokens = words_and_numbers(norm)
    if "".join(tokens).isalpha():  # no digit: no number, no slot
        return tuple(tokens), (), _punctuation(norm)
    key = tuple([NUMBER_SLOT if t[0].isdigit() else t for t in tokens])
    return key, tuple([t for t in tokens if t[0].isdecimal()]), _punctuation(norm)


@lru_cache(maxsize=1024)
def _tokens(text: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Return the normalized texts and original starts of tokenize(text)'s tokens.

    Only what a diff uses, without a Token for each, which is most of the cost of tokenize.
    Cached: a query is diffed against each of its matches, and the units that match one
    sentence of a document often match others.
    """
    norm, index = normalize_with_map(text)
    found = list(_TOKEN.finditer(norm))
    return tuple([m.group() for m in found]), tuple([index[m.start()] for m in found])


def score(memory_norm: str, query_norm: str) -> Score:
    """Score a memory source against a query, both normalized; 100 only when identical."""
    if memory_norm == query_norm:
        return Score(100, 100.0)
    (key_m, num_m, punct_m), (key_q, num_q, punct_q) = _features(memory_norm), _features(query_norm)
    if key_m or key_q:
        base = base_score(key_m, key_q)
    else:  # only numbers and punctuation on both sides: compare characters
        base = 100.0 * Indel.normalized_similarity(memory_norm, query_norm)
    changes = _number_changes(num_m, num_q)
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


def _slices(text: str, starts: Sequence[int], i: int, j: int) -> str:
    """Return the original text of tokens i..j-1 with the space between them."""
    if i >= j:
        return ""
    end = starts[j] if j < len(starts) else len(text)
    return text[starts[i] : end]


def diff(memory: str, query: str) -> list[DiffChunk]:
    """Return a token diff of the memory source against the query, in original spellings.

    `delete` chunks are in the memory source and not in the query; `insert` chunks are in
    the query only; `equal` chunks are shown in the memory's spelling.
    """
    (a, tm), (b, tq) = _tokens(memory), _tokens(query)
    chunks: list[DiffChunk] = []
    lead = memory[: tm[0]] if tm else memory
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
            gap = query[: tq[op.dest_start]]
            if chunks and not chunks[-1].text[-1:].isspace() and gap[-1:].isspace():
                text = " " + text
            chunks.append(DiffChunk("insert", text))
    return chunks
