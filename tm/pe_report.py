"""The post-editing report: how the confirmed English came to be, the edits it took, and how fast.

Over the sentences confirmed (or approved) in a document, by a translator, in a range of days:

- **Honest origin.** The share of sentences and of source words by provenance (tm/editing.py
  `provenance()`): MT unchanged or edited, memory match unchanged or edited, written anew.
- **Edit effort** from what the translator started from to the final English. TER (HTER in
  the MT post-editing literature) is sacrebleu's with its default settings, TERCOM's: the
  insertions, deletions, substitutions and shifts of word runs that turn the start into the
  final English, divided by the final English's words; words are split at spaces, case is
  ignored and punctuation kept. The character edit rate is the Levenshtein distance in
  characters between the start and the final English, divided by the final English's
  characters; it counts case and punctuation. Differences of spacing alone are no edit.
  Pooled figures (per origin, translator, document and overall) are total edits over total
  length, never a mean of ratios, so a long sentence weighs as much as its words.
- **What the translator started from.** The draft (MT or a memory match); when the final
  English is nearer another text the editor offered them (the MT draft, or a match inserted
  from the panel), that text: a match taken from the panel and kept is no edit, as its
  provenance says. A sentence with nothing offered (no draft: written from scratch) counts
  100%: every word was typed (sacrebleu's own score for an empty start). It is counted, not
  left out, so that the overall effort includes that work.
- **Active time.** What the editor recorded while the sentence's box had the focus and its
  translator was active (tm/timing.py), on any day, not only the days of the range. Others'
  time on it (a reviewer's) is shown apart as review time and is not in words per hour.
- **Words per hour.** Source words (as CAT tools count them) over hours of active time, over
  every sentence of the group: sentences confirmed without recorded time (repetitions filled
  in by a confirm, work from before the editor recorded time) count their words, and the
  "timed" count says how many had time. None (shown "—") when no time was recorded at all.

A sentence's translator is who confirmed it: the author of its newest confirm (a reviewer
who approves it unchanged does not become its translator), or of its approval when it was
approved without a confirm; its day is that entry's (UTC). No Flask here: web/reports.py and
web/v1/reports.py show it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rapidfuzz.distance import Levenshtein
from sacrebleu.metrics import TER

from tm.documents import word_count
from tm.errors import Forbidden, TMError
from tm.store.records import PROVENANCES, SegmentChange, SegmentRow, User

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from tm.store.base import Store

DEFAULT_DAYS = 30  # without a document or dates, the report covers this many days up to today
UNKNOWN = "unknown"  # the origin of sentences confirmed before tm recorded provenances
CSV_COLUMNS = (
    "document_id", "document", "sentence", "translator", "confirmed_at", "status", "provenance",
    "source_words", "ter", "char_edit_rate", "active_seconds", "review_seconds", "source", "start", "target",
)  # fmt: skip
MAX_ID = 2**63 - 1

_TER = TER()


@lru_cache(maxsize=32768)
def _ter(start: str, final: str) -> tuple[float, float, float]:
    """Return sacrebleu's TER of start against final: (score in %, edits, words of final).

    Cached: sacrebleu's shift search takes a few milliseconds a sentence, and the same
    confirmed sentences are reported again and again. A start kept as it was, or nothing to
    start from, is answered without it, as sacrebleu scores them: its default tokenizer only
    lowercases and splits at spaces, so the same words are no edit and an empty start is one
    insertion per word.
    """
    words, started = final.lower().split(), start.lower().split()
    if started == words or not started:
        edits = 0 if started == words else len(words)
        return (100.0 * edits / len(words) if words else 0.0), float(edits), float(len(words))
    score = _TER.sentence_score(start, [final])
    return score.score, float(score.num_edits), float(score.ref_length)


def ter(start: str, final: str) -> float:
    """Return the TER (in %) of the final English against the start, as sacrebleu counts it."""
    return _ter(spaces(start), spaces(final))[0]


def char_edit_rate(start: str, final: str) -> float:
    """Return the character edit rate (in %): edits turning start into final / characters of final.

    Levenshtein distance in characters (insertions, deletions, substitutions; case and
    punctuation count), spacing differences aside; 0 for two empty texts.
    """
    a, b = spaces(start), spaces(final)
    distance = Levenshtein.distance(a, b)
    return 100.0 * distance / len(b) if b else (100.0 if distance else 0.0)


def spaces(text: str) -> str:
    """Return text with its runs of white space as single spaces, trimmed (spacing is no edit)."""
    return " ".join(text.split())


def start_of(seg: SegmentRow) -> str:
    """Return what the translator started from: the draft, or another offered text nearer the final.

    The offers are the draft, the MT draft and the memory matches the editor showed; of those
    equally near, the draft. Empty when nothing was offered.
    """
    offered: list[Any] = [seg.draft, seg.mt_draft]
    offered += [m.get("target") for m in seg.info.get("matches", []) if isinstance(m, dict)]
    texts = [spaces(t) for t in offered if isinstance(t, str) and t.strip()]
    if not texts:
        return ""
    final = spaces(seg.target)
    return min(texts, key=lambda t: Levenshtein.distance(t, final))


# -- the filter -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    """Which confirmed sentences a report covers: a document, a translator, days (both included)."""

    document: int | None = None
    translator: str | None = None
    since: str | None = None  # YYYY-MM-DD, UTC
    until: str | None = None

    def query(self) -> dict[str, str]:
        """Return the filter as the report's address takes it (document, translator, from, to)."""
        return {
            "document": "" if self.document is None else str(self.document),
            "translator": self.translator or "",
            "from": self.since or "",
            "to": self.until or "",
        }

    def to_json(self) -> dict[str, Any]:
        """Return the JSON shape of the filter."""
        return {
            "document": self.document,
            "translator": self.translator,
            "from": self.since,
            "to": self.until,
        }


def _day(value: str, name: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    try:
        if len(value) == 10 and date.fromisoformat(value).isoformat() == value:
            return value
    except ValueError:
        pass
    raise TMError(f"{name} must be a day written YYYY-MM-DD (2026-03-31), not {value[:40]!r}")


def parse_filter(args: Mapping[str, str], *, today: date | None = None) -> Filter:
    """Read a filter from the report's query (document, translator, from, to); TMError if malformed.

    Without a document and without from and to, the report covers the last DEFAULT_DAYS days up
    to today (UTC); an empty from or to is an open end (from="" and to="": all time).
    """
    raw_doc = args.get("document", "").strip()
    document = None
    if raw_doc:
        if not (raw_doc.isascii() and raw_doc.isdigit()) or not 1 <= int(raw_doc) <= MAX_ID:
            raise TMError(f"document must be a document's number (as in its address), not {raw_doc[:40]!r}")
        document = int(raw_doc)
    translator = args.get("translator", "").strip() or None
    if document is None and "from" not in args and "to" not in args:
        end = today or datetime.now(UTC).date()
        return Filter(None, translator, (end - timedelta(days=DEFAULT_DAYS - 1)).isoformat(), end.isoformat())
    since, until = _day(args.get("from", ""), "from"), _day(args.get("to", ""), "to")
    if since and until and since > until:
        raise TMError(f"the range ends ({until}) before it starts ({since}); swap from and to")
    return Filter(document, translator, since, until)


def sees_everyone(user: User) -> bool:
    """Tell whether a user sees everyone's figures (admins and reviewers) or only their own."""
    return user.role in ("admin", "reviewer")


def scope(user: User, f: Filter) -> Filter:
    """Return the filter a user may have: a translator's figures are their own.

    Admins and reviewers see everyone's. A translator's report is limited to the sentences
    they confirmed; asking for another translator's is Forbidden, not silently changed.
    """
    if sees_everyone(user):
        return f
    if f.translator not in (None, user.name):
        raise Forbidden("translators see their own figures; ask a reviewer or an admin for someone else's")
    return replace(f, translator=user.name)


# -- the figures ------------------------------------------------------------------------------


@dataclass
class Sentence:
    """One confirmed sentence: its origin, the edits from its start to its English, its time."""

    document_id: int
    document: str
    idx: int
    translator: str | None
    confirmed_at: str
    status: str
    provenance: str | None
    words: int  # of the Arabic source
    source: str
    start: str  # what the edit effort is measured from
    target: str
    ter: float  # %
    edits: float  # TER edits
    ref_words: float  # words of the final English, as TER counts them
    char_edits: int
    chars: int  # characters of the final English (spacing normalized)
    ms: int = 0  # its translator's active time
    review_ms: int = 0  # everyone else's

    @property
    def number(self) -> int:
        """Return the sentence's number as people count (from 1)."""
        return self.idx + 1

    @property
    def origin(self) -> str:
        """Return the sentence's provenance, or "unknown" when it was confirmed before tm kept them."""
        return self.provenance or UNKNOWN

    @property
    def char_edit_rate(self) -> float:
        """Return the character edit rate in %."""
        return 100.0 * self.char_edits / self.chars if self.chars else (100.0 if self.char_edits else 0.0)

    def to_json(self) -> dict[str, Any]:
        """Return the JSON shape of a sentence's figures."""
        return {
            "document_id": self.document_id,
            "document": self.document,
            "idx": self.idx,
            "translator": self.translator,
            "confirmed_at": self.confirmed_at,
            "status": self.status,
            "provenance": self.provenance,
            "source_words": self.words,
            "ter": round(self.ter, 2),
            "char_edit_rate": round(self.char_edit_rate, 2),
            "active_seconds": round(self.ms / 1000, 1),
            "review_seconds": round(self.review_ms / 1000, 1),
            "source": self.source,
            "start": self.start,
            "target": self.target,
        }


@dataclass
class Group:
    """The pooled figures of a set of sentences (an origin, a translator, a document, all)."""

    key: str
    label: str
    segments: int = 0
    words: int = 0
    edits: float = 0.0
    ref_words: float = 0.0
    char_edits: int = 0
    chars: int = 0
    ms: int = 0
    review_ms: int = 0
    timed: int = 0  # sentences with active time of their translator
    share: float = 0.0  # % of the report's sentences
    word_share: float = 0.0  # % of the report's words

    def add(self, s: Sentence) -> None:
        """Count a sentence in."""
        self.segments += 1
        self.words += s.words
        self.edits += s.edits
        self.ref_words += s.ref_words
        self.char_edits += s.char_edits
        self.chars += s.chars
        self.ms += s.ms
        self.review_ms += s.review_ms
        self.timed += s.ms > 0

    @property
    def ter(self) -> float | None:
        """Return the pooled TER in % (total edits / total words of the final English); None if empty."""
        if not self.segments:
            return None
        if not self.ref_words:
            return 100.0 if self.edits else 0.0
        return 100.0 * self.edits / self.ref_words

    @property
    def char_edit_rate(self) -> float | None:
        """Return the pooled character edit rate in %; None if empty."""
        if not self.segments:
            return None
        return 100.0 * self.char_edits / self.chars if self.chars else (100.0 if self.char_edits else 0.0)

    @property
    def hours(self) -> float:
        """Return the active time in hours."""
        return self.ms / 3_600_000

    @property
    def words_per_hour(self) -> float | None:
        """Return source words per hour of active time; None when no time was recorded."""
        return self.words / self.hours if self.ms else None

    def to_json(self) -> dict[str, Any]:
        """Return the JSON shape of a group's figures (percentages rounded to 2 decimals)."""
        ter, cer, wph = self.ter, self.char_edit_rate, self.words_per_hour
        return {
            "key": self.key,
            "label": self.label,
            "segments": self.segments,
            "share": round(self.share, 2),
            "source_words": self.words,
            "word_share": round(self.word_share, 2),
            "ter": None if ter is None else round(ter, 2),
            "char_edit_rate": None if cer is None else round(cer, 2),
            "active_seconds": round(self.ms / 1000, 1),
            "review_seconds": round(self.review_ms / 1000, 1),
            "timed_segments": self.timed,
            "words_per_hour": None if wph is None else round(wph, 1),
        }


@dataclass
class Report:
    """A post-editing report: totals, figures by origin, translator and document, and every sentence."""

    filter: Filter
    total: Group
    origins: list[Group]  # every provenance in PROVENANCES order, then "unknown" when there are such
    translators: list[Group]  # by name
    documents: list[Group]  # by document number; key: the number, label: the title
    sentences: list[Sentence] = field(default_factory=list)

    def to_json(self, *, sentences: bool = True) -> dict[str, Any]:
        """Return the JSON shape of the report (with every sentence's figures unless told not to)."""
        out: dict[str, Any] = {
            "filter": self.filter.to_json(),
            "total": self.total.to_json(),
            "origins": [g.to_json() for g in self.origins],
            "translators": [g.to_json() for g in self.translators],
            "documents": [g.to_json() for g in self.documents],
        }
        if sentences:
            out["sentences"] = [s.to_json() for s in self.sentences]
        return out

    def to_csv(self) -> str:
        """Return the report as CSV: one row per sentence, in document and sentence order."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for s in self.sentences:
            row = (
                s.document_id, s.document, s.number, s.translator or "", s.confirmed_at, s.status,
                s.provenance or "", s.words, f"{s.ter:.2f}", f"{s.char_edit_rate:.2f}",
                f"{s.ms / 1000:.1f}", f"{s.review_ms / 1000:.1f}", s.source, s.start, s.target,
            )  # fmt: skip
            writer.writerow([_cell(v) for v in row])
        return out.getvalue()


def _cell(value: object) -> str:
    """Return a CSV cell a spreadsheet shows as text: a leading = + - @ would start a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def figures(
    seg: SegmentRow, confirmed: SegmentChange, title: str, times: Mapping[str, int] | None = None
) -> Sentence:
    """Return a confirmed sentence's figures; times: the ms each person spent on it."""
    start = start_of(seg)
    final = spaces(seg.target)
    score, edits, ref_words = _ter(start, final)
    times = times or {}
    own = times.get(confirmed.author or "", 0)
    return Sentence(
        document_id=seg.document_id,
        document=title,
        idx=seg.idx,
        translator=confirmed.author,
        confirmed_at=confirmed.at,
        status=seg.status,
        provenance=seg.provenance,
        words=word_count(seg.source),
        source=seg.source,
        start=start,
        target=seg.target,
        ter=score,
        edits=edits,
        ref_words=ref_words,
        char_edits=Levenshtein.distance(start, final),
        chars=len(final),
        ms=own,
        review_ms=sum(times.values()) - own,
    )


def summarize(f: Filter, sentences: Iterable[Sentence]) -> Report:
    """Pool sentences' figures into a report: totals, by origin, by translator, by document."""
    listed = list(sentences)
    total = Group("total", "Total")
    origins = {p: Group(p, p) for p in PROVENANCES}
    translators: dict[str, Group] = {}
    documents: dict[int, Group] = {}
    for s in listed:
        total.add(s)
        origins.setdefault(s.origin, Group(s.origin, s.origin)).add(s)
        who = s.translator or UNKNOWN
        translators.setdefault(who, Group(who, who)).add(s)
        documents.setdefault(s.document_id, Group(str(s.document_id), s.document)).add(s)
    groups = [*origins.values(), *translators.values(), *documents.values(), total]
    for g in groups:
        g.share = 100.0 * g.segments / total.segments if total.segments else 0.0
        g.word_share = 100.0 * g.words / total.words if total.words else 0.0
    return Report(
        f,
        total,
        list(origins.values()),
        [translators[k] for k in sorted(translators)],
        [documents[k] for k in sorted(documents)],
        listed,
    )


def build(store: Store, f: Filter) -> Report:
    """Gather the sentences a filter covers from the store and compute the report.

    NotFound when the filter names a document that is not there.
    """
    if f.document is not None:
        store.documents.get(f.document, layout=False)
    pairs = store.documents.confirmations(
        document=f.document, author=f.translator, since=f.since, until=f.until
    )
    titles: dict[int, str] = {}
    spent: dict[tuple[int, int], dict[str, int]] = {}
    for doc_id in sorted({seg.document_id for seg, _ in pairs}):
        titles[doc_id] = store.documents.get(doc_id, layout=False).title
        for (d, idx, who), ms in store.timing.totals(document=doc_id).items():
            spent.setdefault((d, idx), {})[who] = ms
    return summarize(
        f,
        (
            figures(seg, change, titles[seg.document_id], spent.get((seg.document_id, seg.idx)))
            for seg, change in pairs
        ),
    )
