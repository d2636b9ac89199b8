"""What every document format gives tm and takes back: blocks of tagged text.

A format module (tm/formats/html.py, docx.py, xliff.py) has two functions:

    extract(data: bytes, *, name: str) -> list[Block]
    merge(data: bytes, translated: list[Translated], *, name: str) -> bytes

`extract` reads a file and returns, in document order, the pieces of text tm translates: a
paragraph, a heading, a list item, a table cell, a footnote, a header, a translatable attribute
(an image's alt), an XLIFF unit. Formatting inside a block is carried as tm.tags characters,
numbered from 1 within the block, with a table of what each stands for. `merge` reads the same
file again, walks the same blocks in the same order, and writes the English of each block in
its place, turning tags back into the file's own markup; everything else of the file is kept
byte for byte where the format allows. Both refuse a hostile or broken file with a FormatError
that says what is wrong, and never write half a file.

tm segments each block into sentences (tm.segment.split_sentences), unless the block says it is
one segment already (an XLIFF segment), and joins the translated sentences of a block with the
separators it found, so `merge` gets one English text per block.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from tm.tags import Tag


@dataclass
class Block:
    """One piece of a file's text to translate, with its inline tags."""

    text: str  # tagged text (tm.tags), tags numbered from 1 within the block
    tags: dict[int, Tag] = field(default_factory=dict)
    kind: str = "paragraph"  # paragraph, heading, item, cell, footnote, header, footer, attribute, unit
    segmented: bool = True  # False: one segment as it is (an XLIFF segment), not split into sentences
    id: str = ""  # where it is in the file (an XLIFF unit's id, "alt of img 3"): kept for round trips
    target: str | None = None  # a translation the file already holds (XLIFF), tagged like text
    state: str | None = None  # that translation's state in the file (XLIFF state / state-qualifier)
    note: str = ""  # what the file tells the translator about it (XLIFF notes)


@dataclass
class Translated:
    """The English of one block and what tm knows about it, for merge."""

    text: str | None  # tagged English in the block's numbering; None: not translated yet
    status: str = "draft"  # draft | confirmed | approved (tm's segment statuses)
    origin: str | None = None  # context, exact, adapted, fuzzy, mt, human: where the English came from
    score: int | None = None  # the match score, for a match


class Format(Protocol):
    """A document format tm reads and writes (a module with these two functions)."""

    def extract(self, data: bytes, *, name: str) -> list[Block]:
        """Return the blocks of a file, in document order (FormatError for a file tm cannot read)."""
        ...

    def merge(self, data: bytes, translated: list[Translated], *, name: str) -> bytes:
        """Return the file with each block's English in its place (one Translated per block)."""
        ...
