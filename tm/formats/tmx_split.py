"""A TMX file read in parts, by several processes at once (the large imports of `tm import`).

Parsing takes most of a large import's time and one process parses on one core. A TMX body is
a run of `<tu>` elements, so a file can be cut after a `</tu>` into parts that each parse as a
TMX file of their own: a part is the file's own bytes up to and including `<body>` (prolog,
`<tmx>`, header), then its stretch of units, then `</body></tmx>` where the file's end is not
in it. A part parses to exactly the units the whole file has in that stretch when the cut falls
between two units of the body; a cut anywhere else (a `</tu>` in a comment, CDATA, a processing
instruction, or a unit nested in another element) makes a part malformed, and the importer then
reads the whole file in one process, whose error (or success) is the file's. So the file is
split only when its body holds none of `<!`, `<?` and `<header` and its head no `<tu`, and any
format error of a part means "read it whole".

`TMXFile` is what `tm import` hands the store: iterating it reads the whole file as
`read_tmx` does; `split(n)` plans the parts (the store's import reads part 0 itself and starts a
process per other part: tm/store/sqlite/import_split.py); `merge` adds the parts' reports.
"""

from __future__ import annotations

import mmap
import os
import re
from collections.abc import Callable, Iterator
from itertools import accumulate
from typing import Any

import numpy as np

from tm.formats.tmx import ReadReport, read_tmx
from tm.store.records import NewUnit

# Files smaller than this are read in one process: starting another costs some 0.4 s.
SPLIT_MIN_BYTES = 8 << 20
# The share of the units read by the process that starts the others, over an even share: none,
# as forked parts start reading at once (`tm import`); a new interpreter (a server's import)
# starts some 0.2 s later, and swapping the parts in waits for it.
_FIRST_EXTRA = 0.0
_BODY = re.compile(rb"<body[\s>/]")
_ENCODING = re.compile(rb"""^<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)""")
_END = b"</body></tmx>\n"
# Bytes scanned at a time for markup a part cannot hold, and for newlines (_odd_markup)
_SCAN = 16 << 20


class TMXFile:
    """The units of one TMX file for one language pair: iterable, and splittable into parts."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        name: str | None = None,
        source_lang: str = "ar",
        target_lang: str = "en",
        report: ReadReport | None = None,
        progress: Callable[[int], None] | None = None,
    ):
        self.path = os.fspath(path)
        self.name = name or self.path
        self.source_lang, self.target_lang = source_lang, target_lang
        self.report = report if report is not None else ReadReport()
        self.progress = progress

    def __iter__(self) -> Iterator[NewUnit]:
        with open(self.path, "rb") as f:
            yield from read_tmx(
                f,
                path=self.name,
                source_lang=self.source_lang,
                target_lang=self.target_lang,
                report=self.report,
                progress=self.progress,
            )

    def split(self, n: int) -> list[dict[str, Any]] | None:
        """Return the specs of n parts (JSON; see open_part), None when the file is not split."""
        if n < 2 or os.path.getsize(self.path) < SPLIT_MIN_BYTES:
            return None
        with open(self.path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            cuts = _cuts(data, n)
            if cuts is None:
                return None
            body, points = cuts
            # each part's first line: the newlines before its start, counted once, cut to cut
            starts = [body, *points[:-1]]
            lines = list(accumulate(_newlines(data, a, b) for a, b in zip(starts, points, strict=True)))
        common = {
            "module": __name__,  # where the importer finds open_part
            "path": self.path,
            "name": self.name,
            "source_lang": self.source_lang,
            "target_lang": self.target_lang,
            "body": body,
        }
        bounds = [body, *points, None]
        return [
            {
                **common,
                "start": bounds[i],
                "end": bounds[i + 1],
                "line_offset": 0 if i == 0 else lines[i - 1],
            }
            for i in range(n)
        ]

    def merge(self, summaries: list[dict[str, Any]]) -> None:
        """Add the reports of the parts (in file order) to this file's report."""
        for summary in summaries:
            if summary.get("header") and not self.report.header:
                self.report.header = summary["header"]
            self.report.refused += summary["refused"]
            room = 20 - len(self.report.messages)
            self.report.messages += summary["messages"][: max(room, 0)]


def _cuts(data: mmap.mmap, n: int) -> tuple[int, list[int]] | None:
    """Return where the body's units start and the n - 1 cut points, None if it cannot be cut."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:1] == b"\x00":
        return None  # UTF-16 and the like: the cut and the closing tags are ASCII bytes
    declared = _ENCODING.match(data[:200])
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8", b"us-ascii", b"ascii"):
        return None
    m = _BODY.search(data, 0, 1 << 20)
    if m is None:
        return None
    body = data.find(b">", m.start()) + 1
    if body <= 0 or data[body - 2 : body] == b"/>":
        return None
    # every part reads the file's head again: a unit there would be read once per part, and a
    # header in the body would change the language ranking of only the parts after it; a
    # comment, CDATA section, DOCTYPE or processing instruction after <body> could hold a
    # "</tu>" that is no end of a unit: such files are read whole
    if data.find(b"<tu", 0, m.start()) != -1 or _odd_markup(data, body):
        return None
    size = len(data) - body
    first = 1 / n + _FIRST_EXTRA
    shares = [first + (1 - first) * k / (n - 1) for k in range(n - 1)]
    points: list[int] = []
    for share in shares:
        end = data.find(b"</tu>", body + int(size * share), len(data))
        if end == -1:
            return None
        point = end + len(b"</tu>")
        if points and point <= points[-1]:
            return None
        points.append(point)
    return body, points


def _odd_markup(data: mmap.mmap, start: int) -> bool:
    """Tell whether the bytes from start hold `<!`, `<?` or `<header`.

    One pass over the '<' of a chunk at a time: searching each of those strings in turn stops
    at every '<' of the file (some 0.14 s for 36 MB, before any part can start).
    """
    raw = np.frombuffer(data, dtype=np.uint8)  # the mmap's bytes, not a copy
    try:
        last = len(raw) - 1
        for at in range(start, last, _SCAN):
            # the byte after each '<' of the chunk (and of its last byte: the next chunk's first)
            after = np.flatnonzero(raw[at : min(at + _SCAN, last)] == 0x3C) + at + 1
            nxt = raw[after]
            if np.any((nxt == 0x21) | (nxt == 0x3F)):  # ! ?
                return True
            # <h: <header, or <hi> (an inline code, maybe on every line) and the like
            maybe = after[(nxt == 0x68) & (after + 5 <= last)]
            for k, byte in enumerate(b"eader", 1):
                maybe = maybe[raw[maybe + k] == byte]
            if len(maybe):
                return True
        return False
    finally:
        del raw  # the mmap closes only once no array looks into it, whatever ended the scan


def _newlines(data: mmap.mmap, start: int, end: int) -> int:
    """Return the number of newlines from start to end (a chunk at a time: no copy of it all)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    try:
        count = 0
        for at in range(start, end, _SCAN):
            count += int(np.count_nonzero(raw[at : min(at + _SCAN, end)] == 0x0A))
        return count
    finally:
        del raw


class _PartStream:
    """The bytes of one part: the file up to `body`, the part's stretch, then the closing tags.

    Progress counts the part's own bytes: the file's head, read again by every other part, only
    for the first.
    """

    def __init__(
        self, f: Any, body: int, start: int, end: int | None, progress: Callable[[int], None] | None
    ):
        self.f, self.progress = f, progress
        # (from, to, counted): to None for the file's end
        self.pieces: list[tuple[int, int | None, bool]] = (
            [(0, end, True)] if start == body else [(0, body, False), (start, end, True)]
        )
        self.tail = _END if end is not None else b""
        self.left: int | None = None  # bytes left of the piece being read; -1: to the file's end
        self.counted = False

    def read(self, n: int = -1) -> bytes:
        if n < 0:
            n = 1 << 20
        while True:
            if self.left is None:
                if not self.pieces:
                    out, self.tail = self.tail, b""
                    return out
                start, end, self.counted = self.pieces.pop(0)
                self.f.seek(start)
                self.left = end - start if end is not None else -1
            data = self.f.read(n if self.left < 0 else min(n, self.left)) if self.left else b""
            if data:
                if self.left > 0:
                    self.left -= len(data)
                if self.counted and self.progress is not None:
                    self.progress(len(data))
                return data
            self.left = None


def open_part(
    spec: dict[str, Any], progress: Callable[[int], None] | None = None
) -> tuple[Iterator[NewUnit], Callable[[], dict[str, Any]]]:
    """Return the units of one part and a function giving its report once they are read.

    The report is JSON: the header (part 0's), the refused count and the first messages, with
    the lines of the file, not of the part.
    """
    report = ReadReport(line_offset=spec["line_offset"])

    def units() -> Iterator[NewUnit]:
        with open(spec["path"], "rb") as f:
            stream = _PartStream(f, spec["body"], spec["start"], spec["end"], progress)
            yield from read_tmx(
                stream,  # type: ignore[arg-type]  # read() is all read_tmx uses
                path=spec["name"],
                source_lang=spec["source_lang"],
                target_lang=spec["target_lang"],
                report=report,
            )

    def summary() -> dict[str, Any]:
        return {
            "header": report.header if spec["start"] == spec["body"] else {},
            "refused": report.refused,
            "messages": report.messages,
        }

    return units(), summary
