"""A document's QA report: every finding now (with the current glossary), by kind, blocking ones first.

The findings are computed again rather than read from the segments: a term added to the
glossary since a sentence was saved counts. Sentences confirmed over blocking findings are
listed with who overrode them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tm import qa
from tm.glossary import TermHit
from tm.store.records import SegmentRow

# what each kind of finding is called on the report, in the order kinds of equal weight appear
LABELS = {
    qa.EMPTY: "Empty translation",
    qa.UNTRANSLATED: "Not translated",
    qa.NUMBER_MISSING: "Number missing",
    qa.TERM_FORBIDDEN: "Forbidden term used",
    qa.ARABIC_IN_TARGET: "Arabic left in the English",
    qa.TERM_MISSING: "Glossary term not used",
    qa.NUMBER_EXTRA: "Number not in the Arabic",
    qa.DATE_MISMATCH: "Another weekday or month than the Arabic",
    qa.BRACKETS: "Unbalanced brackets",
    qa.QUOTES: "Unbalanced quotation marks",
    qa.ARABIC_PUNCT: "Arabic punctuation in the English",
    qa.DOUBLE_SPACE: "Double space",
}
CSV_COLUMNS = (
    "sentence",
    "kind",
    "blocking",
    "finding",
    "status",
    "arabic",
    "english",
    "confirmed_over_qa_by",
)


@dataclass
class Finding:
    """One QA finding in one sentence."""

    idx: int
    code: str
    message: str
    source: str
    target: str
    status: str
    override_by: str | None = None  # who confirmed the sentence over its blocking findings

    @property
    def number(self) -> int:
        """Return the sentence's number as the editor shows it (from 1)."""
        return self.idx + 1


@dataclass
class Kind:
    """The findings of one kind."""

    code: str
    label: str
    blocking: bool
    findings: list[Finding] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Return how many findings of this kind there are."""
        return len(self.findings)


@dataclass
class Override:
    """A sentence confirmed (or approved) over blocking QA findings."""

    idx: int
    source: str
    target: str
    status: str
    by: str
    at: str
    codes: list[str]

    @property
    def number(self) -> int:
        """Return the sentence's number as the editor shows it (from 1)."""
        return self.idx + 1


@dataclass
class Report:
    """A document's QA findings by kind (blocking kinds first, then the most frequent) and overrides."""

    kinds: list[Kind]
    overrides: list[Override]
    sentences: int  # sentences in the document
    flagged: int  # sentences with at least one finding
    empty: list[int] = field(default_factory=list)  # numbers (1-based) of sentences with no English yet
    unconfirmed: int = 0  # sentences still in draft

    @property
    def blocking(self) -> int:
        """Return the number of blocking findings."""
        return sum(k.count for k in self.kinds if k.blocking)

    @property
    def warnings(self) -> int:
        """Return the number of findings that do not block a confirm."""
        return sum(k.count for k in self.kinds if not k.blocking)


def _override(seg: SegmentRow) -> Override | None:
    found = seg.info.get("override")
    if seg.status not in ("confirmed", "approved") or not isinstance(found, dict):
        return None
    codes = found.get("codes") or []
    return Override(
        seg.idx,
        seg.source,
        seg.target,
        seg.status,
        str(found.get("by") or "someone"),
        str(found.get("at") or ""),
        [str(c) for c in codes],
    )


def report(segments: Iterable[SegmentRow], hits: Callable[[str], list[TermHit]]) -> Report:
    """Check every sentence again with the glossary's current terms (`hits` finds them in the Arabic).

    As in the editor, an empty English of a sentence never touched is not a finding yet.
    """
    order = list(LABELS)
    kinds: dict[str, Kind] = {}
    overrides: list[Override] = []
    total = flagged = unconfirmed = 0
    empty: list[int] = []
    for seg in segments:
        total += 1
        unconfirmed += seg.status == "draft"
        over = _override(seg)
        if over is not None:
            overrides.append(over)
        if not seg.target.strip() and seg.status == "draft":
            empty.append(seg.idx + 1)  # said apart: not checked, and no English to download yet
            continue
        issues = qa.check(seg.source, seg.target, hits(seg.source))
        flagged += bool(issues)
        for issue in issues:
            kind = kinds.get(issue.code)
            if kind is None:
                label = LABELS.get(issue.code, issue.code.replace("-", " ").capitalize())
                kind = kinds[issue.code] = Kind(issue.code, label, issue.code in qa.BLOCKING)
            by = over.by if over is not None and issue.code in over.codes else None
            kind.findings.append(
                Finding(seg.idx, issue.code, issue.message, seg.source, seg.target, seg.status, by)
            )
    ranked = sorted(
        kinds.values(),
        key=lambda k: (not k.blocking, -k.count, order.index(k.code) if k.code in order else len(order)),
    )
    return Report(ranked, overrides, total, flagged, empty, unconfirmed)


def _cell(value: object) -> str:
    """Return a CSV cell a spreadsheet shows as text: a leading = + - @ would start a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def report_csv(rep: Report) -> str:
    """Return the report as CSV: one row per finding, blocking kinds first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for kind in rep.kinds:
        for f in kind.findings:
            row = (
                f.number,
                kind.label,
                "yes" if kind.blocking else "no",
                f.message,
                f.status,
                f.source,
                f.target,
                f.override_by or "",
            )
            writer.writerow([_cell(v) for v in row])
    return out.getvalue()
