"""Match analysis of a document against the memory, as desks price work (Trados, MateCat).

Every sentence, in document order, falls in one band: in context (101%, a unit with the same
source and the same neighbouring sentences), 100%, 95-99%, 85-94%, 75-84%, 50-74% or no match.
A sentence whose normalized source already appeared earlier in the same document is a
repetition instead, whatever the memory holds, as Trados counts it: the first occurrence counts
in its band, the later ones are translated once the first is. Words are counted as CAT tools
count them (numbers count, punctuation does not); characters are the source's characters
without white space. Nothing in the memory changes.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tm.documents import word_count
from tm.lang import normalize
from tm.memory import CONTEXT, EXACT, TranslationMemory

# the lowest fuzzy score that counts as a match; below it a sentence is "no match"
MIN_SCORE = 50

CONTEXT_BAND, REPETITION, EXACT_BAND, NONE = "context", "repetition", "exact", "none"
# (key, label, lowest score): in the order a Trados analysis lists them
BANDS: tuple[tuple[str, str, int], ...] = (
    (CONTEXT_BAND, "In context (101%)", 101),
    (REPETITION, "Repetitions", 0),
    (EXACT_BAND, "100%", 100),
    ("95-99", "95–99%", 95),
    ("85-94", "85–94%", 85),
    ("75-84", "75–84%", 75),
    ("50-74", "50–74%", MIN_SCORE),
    (NONE, "No match", 0),
)
LABELS = {key: label for key, label, _ in BANDS}
CSV_COLUMNS = ("band", "segments", "words", "characters", "percent_of_words")


def band_of(kind: str | None, score: int | None) -> str:
    """Return the band of a sentence's best match (its kind and score), or "none" without one."""
    if kind == CONTEXT:
        return CONTEXT_BAND
    if kind == EXACT:
        return EXACT_BAND
    if kind is None or score is None or score < MIN_SCORE:
        return NONE
    for key, _, low in BANDS[3:7]:
        if score >= low:
            return key
    return NONE  # pragma: no cover - the last fuzzy band starts at MIN_SCORE


def characters(text: str) -> int:
    """Count a sentence's characters without white space, as CAT analyses do."""
    return sum(1 for ch in text if not ch.isspace())


@dataclass
class Sentence:
    """One sentence of the analysed document and the band it falls in."""

    idx: int
    source: str
    band: str
    words: int
    characters: int
    score: int | None = None  # the best match's score (101 in context), None without one
    unit_id: int | None = None  # the memory unit of the best match
    repeat_of: int | None = None  # for a repetition, the index of the first occurrence

    def to_json(self) -> dict[str, Any]:
        """Return the stable JSON shape of an analysed sentence."""
        return {
            "idx": self.idx,
            "band": self.band,
            "score": self.score,
            "unit_id": self.unit_id,
            "repeat_of": self.repeat_of,
            "words": self.words,
            "characters": self.characters,
            "source": self.source,
        }


@dataclass
class Band:
    """The totals of one band."""

    key: str
    label: str
    segments: int = 0
    words: int = 0
    characters: int = 0
    percent: float = 0.0  # of the document's words, to one decimal


@dataclass
class Analysis:
    """A document's match analysis: the bands in a fixed order, the totals and every sentence."""

    bands: list[Band]
    sentences: list[Sentence] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def segments(self) -> int:
        """Return how many sentences the document has."""
        return len(self.sentences)

    @property
    def words(self) -> int:
        """Return the document's words."""
        return sum(b.words for b in self.bands)

    @property
    def characters(self) -> int:
        """Return the document's characters without white space."""
        return sum(b.characters for b in self.bands)

    def band(self, key: str) -> Band:
        """Return the band with this key."""
        return next(b for b in self.bands if b.key == key)

    def to_json(self, *, sentences: bool = True) -> dict[str, Any]:
        """Return the stable JSON shape: bands in order, totals, and (optionally) every sentence."""
        data: dict[str, Any] = {
            "bands": [
                {
                    "band": b.key,
                    "label": b.label,
                    "segments": b.segments,
                    "words": b.words,
                    "characters": b.characters,
                    "percent": b.percent,
                }
                for b in self.bands
            ],
            "total": {"segments": self.segments, "words": self.words, "characters": self.characters},
            "min_score": MIN_SCORE,
        }
        if sentences:
            data["sentences"] = [s.to_json() for s in self.sentences]
        return data

    def to_csv(self) -> str:
        """Return the bands and a total row as CSV."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for b in self.bands:
            writer.writerow([b.label, b.segments, b.words, b.characters, f"{b.percent:.1f}"])
        writer.writerow(
            ["Total", self.segments, self.words, self.characters, "100.0" if self.words else "0.0"]
        )
        return out.getvalue()


def analyse(
    sources: Sequence[str],
    memory: TranslationMemory,
    *,
    progress: Callable[[int], None] | None = None,
) -> Analysis:
    """Analyse a document's sentences, in order, against the memory as it is now (read only)."""
    started = time.perf_counter()
    first: dict[str, int] = {}
    sentences: list[Sentence] = []
    for i, text in enumerate(sources):
        words, chars = word_count(text), characters(text)
        key = normalize(text)
        if key in first:
            # a repetition is translated once its first occurrence is: no lookup needed
            sentences.append(Sentence(i, text, REPETITION, words, chars, repeat_of=first[key]))
        else:
            first[key] = i
            context = (sources[i - 1] if i else None, sources[i + 1] if i + 1 < len(sources) else None)
            # limit 5 as pre-translation asks: the index ranks candidates by words, the score decides
            matches = memory.lookup(text, context=context, min_score=MIN_SCORE, limit=5)
            best = matches[0] if matches else None
            sentences.append(
                Sentence(
                    i,
                    text,
                    band_of(best.kind if best else None, best.score if best else None),
                    words,
                    chars,
                    score=best.score if best else None,
                    unit_id=best.unit.id if best else None,
                )
            )
        if progress:
            progress(1)
    return Analysis(_totals(sentences), sentences, time.perf_counter() - started)


def _totals(sentences: list[Sentence]) -> list[Band]:
    bands = {key: Band(key, label) for key, label, _ in BANDS}
    for s in sentences:
        b = bands[s.band]
        b.segments += 1
        b.words += s.words
        b.characters += s.characters
    total = sum(b.words for b in bands.values())
    for b in bands.values():
        b.percent = round(100 * b.words / total, 1) if total else 0.0
    return list(bands.values())


def analyse_text(text: str, memory: TranslationMemory, **kw: Any) -> Analysis:
    """Segment a text as documents are segmented and analyse its sentences."""
    from tm.segment import segment

    return analyse([s.text for s in segment(text).segments()], memory, **kw)
