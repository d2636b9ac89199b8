"""Sentence segmentation of Arabic news text that keeps the layout for rebuilding.

Every non-blank line is a paragraph (news copy puts one paragraph a line; headlines,
kickers and bylines are lines without a full stop). Lines split into sentences at
`. ! ? ؟ …` followed by white space, except after abbreviations and initials, inside
numbers and inside «…» or “…” quotes. Nothing is lost: every character of the input is
either inside a segment or in a separator, so `Document.rebuild()` gives the input back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from tm.lang import normalize


@dataclass
class Segment:
    """One sentence and the white space that follows it inside its paragraph."""

    text: str
    after: str = ""


@dataclass
class Paragraph:
    """One line of the document: its leading white space, sentences and line break."""

    segments: list[Segment]
    before: str = ""
    after: str = ""

    def rebuild(self, texts: Iterable[str] | None = None) -> str:
        """Return the paragraph text, optionally with each segment's text replaced."""
        parts = [self.before]
        it = iter(texts) if texts is not None else None
        for seg in self.segments:
            parts.append(next(it) if it is not None else seg.text)
            parts.append(seg.after)
        parts.append(self.after)
        return "".join(parts)


@dataclass
class Document:
    """A segmented document that can be rebuilt exactly or with translated segments."""

    paragraphs: list[Paragraph] = field(default_factory=list)
    before: str = ""

    def segments(self) -> Iterator[Segment]:
        """Yield every segment in document order."""
        for p in self.paragraphs:
            yield from p.segments

    def rebuild(self, texts: Iterable[str] | None = None) -> str:
        """Return the document text; with `texts`, segment i is replaced by texts[i]."""
        it = iter(texts) if texts is not None else None
        out = [self.before]
        for p in self.paragraphs:
            if it is None:
                out.append(p.rebuild())
            else:
                out.append(p.rebuild([next(it) for _ in p.segments]))
        return "".join(out)

    def contexts(self) -> list[tuple[str | None, str | None]]:
        """Return (previous, next) source segment for every segment, for in-context matches."""
        texts = [s.text for s in self.segments()]
        return [
            (
                texts[i - 1] if i > 0 else None,
                texts[i + 1] if i + 1 < len(texts) else None,
            )
            for i in range(len(texts))
        ]

    def to_json(self) -> list[dict]:
        """Return the stable JSON shape: paragraphs, each with its segments."""
        return [
            {
                "index": i,
                "before": p.before,
                "after": p.after,
                "segments": [{"text": s.text, "after": s.after} for s in p.segments],
            }
            for i, p in enumerate(self.paragraphs)
        ]


# Abbreviations after which a full stop does not end a sentence, compared without
# diacritics and in lower case. Single letters (initials, أ. د.) are handled apart.
ABBREVIATIONS = {
    # Arabic
    "د",
    "أ",
    "ا",
    "م",
    "ص.ب",
    "ص ب",
    "ق.م",
    "ه",
    "هـ",
    "ج",
    "ص",
    "ت",
    "ش",
    "ع",
    "س",
    "ق",
    "ط",
    "إلخ",
    "الخ",
    "اه",
    "ج.م.ع",
    # English, for mixed copy
    "dr",
    "mr",
    "mrs",
    "ms",
    "prof",
    "st",
    "no",
    "jr",
    "sr",
    "vs",
    "etc",
    "e.g",
    "i.e",
    "u.s",
    "u.n",
    "gen",
    "col",
    "lt",
    "sgt",
    "capt",
    "gov",
    "sen",
    "rep",
    "jan",
    "feb",
    "mar",
    "apr",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
}
_ABBREV_NORM = {normalize(a) for a in ABBREVIATIONS}

# closing quotes and brackets, and inline tags (tm.tags) right after the stop, stay with the
# sentence they end
_BOUNDARY = re.compile(r"([.!?؟…]+)([»”\"'’)\]\ue000-\uf8ff]*)(\s+)")
# The word (with inner dots, as in ص.ب) that stands before a full stop.
_WORD_BEFORE = re.compile(r"([^\s.]+(?:\.[^\s.]+)*)$")
_OPENERS = {"«": "»", "“": "”"}
_LINE = re.compile(r"[^\r\n]*\S[^\r\n]*")


def _quote_depth(text: str, end: int) -> int:
    """Return how many «/“ quotes are open before position end."""
    depth = 0
    for ch in text[:end]:
        if ch in _OPENERS:
            depth += 1
        elif ch in ("»", "”") and depth:
            depth -= 1
    return depth


def _is_abbreviation(text: str, dot: int) -> bool:
    """Tell whether the full stop at position dot closes an abbreviation or initial."""
    m = _WORD_BEFORE.search(text[:dot])
    if not m:
        return False
    word = normalize(m.group(1)).strip("(«\"'“")
    if not word:
        return False
    if word.isdigit():
        return False
    letters = word.replace(".", "")
    return (len(letters) == 1 and letters.isalpha()) or word in _ABBREV_NORM


def split_sentences(line: str, *, respect_quotes: bool = True) -> list[Segment]:
    """Split one line (no line breaks, no surrounding space) into sentence segments."""
    segments: list[Segment] = []
    start = 0
    for m in _BOUNDARY.finditer(line):
        punct = m.group(1)
        if punct == "." and _is_abbreviation(line, m.start(1)):
            continue
        nxt = line[m.end() : m.end() + 1]
        # "... and" or "etc. the": a lower-case Latin letter continues the sentence.
        if nxt.islower() and nxt.isascii():
            continue
        if respect_quotes and _quote_depth(line, m.end(2)) > 0:
            continue
        segments.append(Segment(line[start : m.end(2)], m.group(3)))
        start = m.end()
    if start < len(line):
        segments.append(Segment(line[start:], ""))
    if respect_quotes and _quote_depth(line, len(line)) > 0 and len(segments) == 1:
        # An unclosed quote would swallow the whole line: split as if there were none.
        return split_sentences(line, respect_quotes=False)
    return segments


def segment(text: str) -> Document:
    """Segment text into paragraphs (lines) and sentences, keeping every separator."""
    doc = Document()
    pos = 0
    for m in _LINE.finditer(text):
        gap = text[pos : m.start()]
        if doc.paragraphs:
            doc.paragraphs[-1].after += gap
        else:
            doc.before = gap
        raw = m.group()
        stripped = raw.strip()
        lead = raw[: len(raw) - len(raw.lstrip())]
        trail = raw[len(raw.rstrip()) :]
        doc.paragraphs.append(Paragraph(split_sentences(stripped), before=lead, after=trail))
        pos = m.end()
    tail = text[pos:]
    if doc.paragraphs:
        doc.paragraphs[-1].after += tail
    else:
        doc.before = tail
    return doc
