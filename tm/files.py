"""Documents from files: which format a file is, its text as tm's segmented document, and the
file rebuilt with the English.

A file's blocks (tm/formats/blocks.py) become the document's paragraphs; a block is split into
sentences unless it is one segment already (XLIFF). The layout tm stores keeps, per paragraph,
the block's kind, id, note and tag table, so the editor can name the tags and `rebuild` can give
each block its English; the file itself is kept beside the document (the store's `file`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from tm import tags
from tm.errors import FormatError
from tm.formats.blocks import Block, Format, Translated
from tm.formats.text import decode
from tm.segment import Document, Paragraph, Segment, segment, split_sentences

# extension -> format; "text" documents are segmented from their text and rebuilt as text
EXTENSIONS = {
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".xlf": "xliff",
    ".xliff": "xliff",
}
MEDIA_TYPES = {
    "text": "text/plain",
    "html": "text/html",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xliff": "application/xliff+xml",
}


def format_of(name: str) -> str:
    """Return the format of a file by its name (FormatError naming what tm reads otherwise)."""
    ext = Path(name).suffix.lower()
    if ext not in EXTENSIONS:
        if ext == ".doc":
            raise FormatError("tm reads Word files saved as .docx; save it as .docx and try again", path=name)
        raise FormatError(f"tm reads {', '.join(sorted(EXTENSIONS))} files", path=name)
    return EXTENSIONS[ext]


def module(fmt: str) -> Format:
    """Return the module that reads and writes a format (imported on first use)."""
    return cast(Format, importlib.import_module(f"tm.formats.{fmt}"))


@dataclass
class Parsed:
    """A file read as a document: the sentences in their paragraphs, and what each block was."""

    format: str
    document: Document
    blocks: list[dict[str, Any]] = field(default_factory=list)  # per paragraph, as stored in the layout
    # per sentence: the translation the file holds (XLIFF) and its state there, or (None, None)
    targets: list[tuple[str | None, str | None]] = field(default_factory=list)

    def sources(self) -> list[tuple[int, str]]:
        """Return (paragraph, sentence) for every sentence, in order."""
        return [(i, s.text) for i, p in enumerate(self.document.paragraphs) for s in p.segments]

    def layout(self) -> dict[str, Any]:
        """Return the layout to store: paragraphs with their separators, and the blocks."""
        out: dict[str, Any] = {"before": self.document.before, "paragraphs": self.document.to_json()}
        if self.format != "text":
            out["format"] = self.format
            out["blocks"] = self.blocks
        return out


# the most a document of a format may weigh: far beyond a news story (a 5,000-sentence limit
# applies after reading), small enough that reading a hostile file cannot hold a server for long
MAX_BYTES = {"html": 5 * 2**20, "xliff": 50 * 2**20}


def read(name: str, data: bytes) -> Parsed:
    """Read a file tm takes (by its name's extension) as a document; FormatError for anything else."""
    fmt = format_of(name)
    limit = MAX_BYTES.get(fmt)
    if limit is not None and len(data) > limit:
        raise FormatError(
            f"tm takes {fmt.upper()} documents up to {limit >> 20} MB; split this one into parts", path=name
        )
    if fmt == "text":
        doc = segment(decode(data, path=name))
        return Parsed(fmt, doc, targets=[(None, None)] * sum(len(p.segments) for p in doc.paragraphs))
    return from_blocks(fmt, module(fmt).extract(data, name=name))


def from_blocks(fmt: str, blocks: list[Block]) -> Parsed:
    """Return a document whose paragraphs are the blocks, split into sentences where they may be."""
    doc = Document()
    parsed = Parsed(fmt, doc)
    for block in blocks:
        if block.segmented:
            text = block.text.strip()
            lead = block.text[: len(block.text) - len(block.text.lstrip())]
            trail = block.text[len(block.text.rstrip()) :]
            sentences = split_sentences(text) if text else []
            paragraph = Paragraph(sentences, before=lead, after=trail)
        else:
            paragraph = Paragraph([Segment(block.text)])
        doc.paragraphs.append(paragraph)
        parsed.blocks.append(
            {
                "kind": block.kind,
                "id": block.id,
                "note": block.note,
                "segmented": block.segmented,
                "tags": tags.table_json(block.tags),
            }
        )
        # a translation the file holds belongs to an unsplit segment (XLIFF); a split block has none
        held = (block.target, block.state) if not block.segmented else (None, None)
        parsed.targets.extend([held] * len(paragraph.segments))
    return parsed


def block_tags(layout: dict[str, Any], paragraph: int) -> dict[int, tags.Tag]:
    """Return the tag table of a paragraph of a stored layout (empty for a text document)."""
    blocks = layout.get("blocks") or []
    return tags.table_from_json(blocks[paragraph]["tags"]) if paragraph < len(blocks) else {}


@dataclass
class SentenceEnglish:
    """What rebuild needs of one sentence: its English (None: none yet) and how it came to be."""

    text: str | None
    status: str = "draft"
    origin: str | None = None
    score: int | None = None


def rebuild(layout: dict[str, Any], original: bytes, name: str, english: list[SentenceEnglish]) -> bytes:
    """Return the original file with each block's English in its place.

    A block gets the English of its sentences joined with the separators of the Arabic; a
    sentence with no English keeps its Arabic, so that a partly translated file is still whole.
    A block none of whose sentences has English is left as it was.
    """
    fmt = layout.get("format", "text")
    it = iter(english)
    translated: list[Translated] = []
    for p in layout["paragraphs"]:
        parts = [p["before"]]
        any_english = False
        statuses, origins, scores = [], [], []
        for s in p["segments"]:
            e = next(it)
            any_english = any_english or e.text is not None
            parts += [e.text if e.text is not None else s["text"], s["after"]]
            statuses.append(e.status)
            origins.append(e.origin)
            scores.append(e.score)
        parts.append(p["after"])
        if not p["segments"] or not any_english:
            translated.append(Translated(None))
            continue
        # a block with several sentences is as far along as its least advanced sentence
        order = ("draft", "confirmed", "approved")
        status = min(statuses, key=order.index)
        single = len(p["segments"]) == 1
        translated.append(
            Translated("".join(parts), status, origins[0] if single else None, scores[0] if single else None)
        )
    if fmt == "text":
        raise FormatError("a text document is rebuilt from its layout, not from a file", path=name)
    return module(fmt).merge(original, translated, name=name)
