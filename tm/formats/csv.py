"""CSV and TSV translation memories with a header row, read and written as streams."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from typing import IO

from tm.errors import CSVFormatError, FormatError
from tm.formats.text import NOT_TEXT, decode, sniff_utf16
from tm.store.records import ORIGINS, NewUnit, Unit

SOURCE_NAMES = ("source", "ar", "arabic", "src", "source_text")
TARGET_NAMES = ("target", "en", "english", "tgt", "target_text", "translation")
KNOWN = (
    "origin",
    "author",
    "created_at",
    "changed_at",
    "mt_draft",
    "context",
    "source_lang",
    "target_lang",
)
EXPORT_COLUMNS = (
    "id",
    "source",
    "target",
    "origin",
    "author",
    "created_at",
    "changed_at",
    "mt_draft",
    "source_lang",
    "target_lang",
)
# A row of a memory or a glossary is a sentence or two; one far longer is not a CSV of those
# (a wrong delimiter, an unclosed quote, a binary file) and is refused before it fills memory.
MAX_ROW_CHARS = 1 << 20
# Bytes the codec cannot decode, kept as U+DC80-U+DCFF ("surrogateescape") until their line is
# read: the decoder runs ahead in 8 KB chunks, so its own error would name the wrong line.
_UNDECODED = re.compile("[\udc80-\udcff]")


def sniff_encoding(head: bytes, path: str) -> str:
    """Pick the encoding of a file from its first bytes (see formats.text.decode)."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    utf16 = sniff_utf16(head)
    if utf16:
        return utf16
    try:
        # not final: a character cut at the end of the sample is not an error
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    cut = head.rfind(b"\n")
    decode(head[: cut + 1] if cut > 0 else head, path=path)  # a clear error unless Windows-1256 Arabic
    return "cp1256"


def read_csv(
    stream: IO[bytes],
    *,
    path: str = "<csv>",
    delimiter: str | None = None,
    encoding: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[NewUnit]:
    """Yield units from a CSV/TSV file whose header names a source and a target column."""
    head = stream.read(65536)
    enc = encoding or sniff_encoding(head, path)
    raw = io.BufferedReader(_Prefixed(head, stream, progress))
    rows = csv_rows(raw, encoding=enc, delimiter=delimiter or guess_delimiter(head), path=path)
    first = next(rows, None)
    if first is None:
        raise CSVFormatError(
            "the file is empty; it needs a header row with source and target",
            path=path,
        )
    header = first[1]
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    try:
        si = next(i for i, n in enumerate(names) if n in SOURCE_NAMES)
        ti = next(i for i, n in enumerate(names) if n in TARGET_NAMES)
    except StopIteration:
        raise CSVFormatError(
            f"the header row ({', '.join(header)}) has no source and target column; "
            "name them source and target (or ar and en)",
            path=path,
            line=1,
        ) from None
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(si, ti):
            raise CSVFormatError(
                f"the row has {len(row)} columns, the header {len(names)}",
                path=path,
                line=line,
            )
        fields = dict(zip(names, row, strict=False))
        origin = fields.get("origin") or "import"
        if origin not in ORIGINS:
            raise CSVFormatError(
                f"origin {origin!r} is not one of {', '.join(ORIGINS)}",
                path=path,
                line=line,
            )
        extra = {
            n: v
            for i, (n, v) in enumerate(zip(names, row, strict=False))
            if i not in (si, ti) and n not in KNOWN and n != "id" and v
        }
        yield NewUnit(
            row[si],
            row[ti],
            origin=origin,
            source_lang=fields.get("source_lang") or "ar",
            target_lang=fields.get("target_lang") or "en",
            author=fields.get("author") or None,
            mt_draft=fields.get("mt_draft") or None,
            context=fields.get("context") or None,
            created_at=fields.get("created_at") or None,
            changed_at=fields.get("changed_at") or None,
            meta={"csv": extra} if extra else {},
        )


def guess_delimiter(head: bytes) -> str:
    """Return a tab when the first line of the file has more tabs than commas, else a comma."""
    first = head.split(b"\n", 1)[0]
    return "\t" if first.count(b"\t") > first.count(b",") else ","


def csv_rows(raw: IO[bytes], *, encoding: str, delimiter: str, path: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, row) from a CSV byte stream, holding at most one bounded row in memory.

    Raises FormatError with the line for NUL characters (not a text file), a row longer than
    MAX_ROW_CHARS, bytes that are not `encoding` and broken CSV.
    """
    text = io.TextIOWrapper(raw, encoding=encoding, errors="surrogateescape", newline="")
    lines = _Lines(text, path, encoding)
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        for row in reader:
            lines.row_chars = 0
            yield reader.line_num, row
    except UnicodeDecodeError:
        raise FormatError(
            f"the file is not valid {encoding} after line {lines.count}; pass --encoding",
            path=path,
            line=lines.count + 1,
        ) from None
    except csv.Error as e:
        why = f"broken CSV: {e}"
        if "field limit" in str(e):
            why = (
                f"a field is longer than {csv.field_size_limit()} characters; "
                "check the delimiter and the quotes (an unclosed quote swallows the rest of the file)"
            )
        raise CSVFormatError(why, path=path, line=lines.row_start) from None


class _Lines:
    """The lines of a text stream for csv.reader, read in bounded pieces.

    readline() without a limit would build a whole line in memory first, and one line of a
    broken file can be gigabytes; here no row (one or more lines) may exceed MAX_ROW_CHARS.
    """

    def __init__(self, text: IO[str], path: str, encoding: str):
        self.text, self.path, self.encoding = text, path, encoding
        self.count = self.row_start = self.row_chars = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.text.readline(MAX_ROW_CHARS + 1)
        if not line:
            raise StopIteration
        self.count += 1
        if not self.row_chars:
            self.row_start = self.count
        self.row_chars += len(line)
        if self.row_chars > MAX_ROW_CHARS:
            raise CSVFormatError(
                f"a row is longer than {MAX_ROW_CHARS} characters; this is not a CSV of sentences "
                "(check the delimiter and the quotes: an unclosed quote swallows the rest of the file)",
                path=self.path,
                line=self.row_start,
            )
        if _UNDECODED.search(line):
            raise FormatError(
                f"the file is not valid {self.encoding} on this line; save it as UTF-8 or pass --encoding",
                path=self.path,
                line=self.count,
            )
        if "\x00" in line:
            raise FormatError(NOT_TEXT, path=self.path, line=self.count)
        return line


class _Prefixed(io.RawIOBase):
    """A raw stream: bytes already read, then the rest of the file."""

    def __init__(self, head: bytes, rest: IO[bytes], progress: Callable[[int], None] | None):
        self.head, self.rest, self.progress = head, rest, progress
        if progress is not None:
            progress(len(head))

    def readable(self) -> bool:
        return True

    def readinto(self, buf: memoryview) -> int:  # type: ignore[override]
        if self.head:
            n = min(len(buf), len(self.head))
            buf[:n], self.head = self.head[:n], self.head[n:]
            return n
        data = self.rest.read(len(buf))
        if self.progress is not None and data:
            self.progress(len(data))
        buf[: len(data)] = data
        return len(data)


def write_csv(
    out: IO[str],
    units: Iterable[Unit],
    *,
    delimiter: str = ",",
    progress: Callable[[int], None] | None = None,
    header: bool = True,
) -> int:
    """Write units, after a header row unless header is false; return how many were written."""
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    if header:
        writer.writerow(EXPORT_COLUMNS)
    n = 0
    for u in units:
        writer.writerow(
            [
                u.id,
                u.source,
                u.target,
                u.origin,
                u.author or "",
                u.created_at,
                u.changed_at,
                u.mt_draft or "",
                u.source_lang,
                u.target_lang,
            ]
        )
        n += 1
        if progress is not None:
            progress(1)
    return n
