"""Reading text files whose encoding the user may not know: UTF-8, UTF-16, Windows-1256."""

from __future__ import annotations

import codecs
from pathlib import Path

from tm.errors import FormatError
from tm.lang import ARABIC_LETTER

# Beyond this, a plain-text file is not an article: refuse before reading it into memory.
MAX_TEXT_BYTES = 50 * 1024 * 1024
# How many bytes sniff_utf16 looks at; enough for a verdict, small enough to be instant.
SNIFF_BYTES = 65536

NOT_TEXT = "this is not a text file (it holds NUL bytes); save it as plain text in UTF-8"


def sniff_utf16(data: bytes) -> str | None:
    """Return "utf-16-le" or "utf-16-be" when bytes without a BOM look like UTF-16, else None.

    In UTF-16, English and Arabic put a 0x00 or 0x06 in the high byte of every code unit
    (0x00-0x08 covers Latin, Arabic and its supplements), while the low bytes are letters,
    spaces and digits. Such bytes are also valid UTF-8, so the pattern has to be checked
    before UTF-8. A file of NULs has the pattern on both sides and is left to the NUL check.
    """
    sample = data[:SNIFF_BYTES]
    units = len(sample) // 2
    if not units:
        return None
    even = sum(sample[0 : 2 * units : 2].count(b) for b in range(9)) / units
    odd = sum(sample[1 : 2 * units : 2].count(b) for b in range(9)) / units
    if odd > 0.5 and even < 0.1:
        return "utf-16-le"
    if even > 0.5 and odd < 0.1:
        return "utf-16-be"
    return None


def decode(data: bytes, *, encoding: str | None = None, path: str = "<text>") -> str:
    """Decode bytes: the given encoding, a BOM, UTF-16 by its pattern, UTF-8 or Windows-1256 Arabic.

    Text holding a NUL character is refused: no article or memory has one, and it is what
    binary files and UTF-16 read with the wrong byte order look like.
    """
    text = _decode(data, encoding, path)
    nul = text.find("\x00")
    if nul >= 0:
        raise FormatError(NOT_TEXT, path=path, line=text.count("\n", 0, nul) + 1)
    return text


def _decode(data: bytes, encoding: str | None, path: str) -> str:
    if encoding:
        try:
            return data.decode(encoding)
        except LookupError:
            raise FormatError(f"unknown encoding {encoding!r}", path=path) from None
        except UnicodeDecodeError as e:
            line = data.count(b"\n", 0, e.start) + 1
            raise FormatError(
                f"this file is not valid {encoding} (byte {e.start}); check --encoding",
                path=path,
                line=line,
            ) from None
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return _decode(data, name, path)
    utf16 = sniff_utf16(data)
    if utf16:
        try:
            return data.decode(utf16)
        except UnicodeDecodeError as e:
            raise FormatError(
                f"this looks like {utf16.upper()} without a byte-order mark but is not valid "
                f"UTF-16 (byte {e.start}); save it as UTF-8 or pass --encoding",
                path=path,
            ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        first_bad = e.start
    if data[1::2].count(0) > len(data) // 4 or data[0::2].count(0) > len(data) // 4:
        raise FormatError(
            "this looks like UTF-16 without a byte-order mark; save it as UTF-8 or pass --encoding utf-16-le",
            path=path,
        )
    try:
        text = data.decode("cp1256")
    except UnicodeDecodeError:
        text = ""
    letters = sum(1 for ch in text if not ch.isascii())
    arabic = len(ARABIC_LETTER.findall(text))
    if text and letters and arabic / letters > 0.6:
        return text
    line = data.count(b"\n", 0, first_bad) + 1
    raise FormatError(
        "this file is neither UTF-8 nor Windows-1256 Arabic; save it as UTF-8 or pass --encoding",
        path=path,
        line=line,
    )


def read_text(path: str | Path, *, encoding: str | None = None) -> str:
    """Read a text file, refusing huge ones and guessing Arabic encodings (see decode)."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise FormatError(
                f"the file is {size // (1024 * 1024)} MB; tm reads text files up to "
                f"{MAX_TEXT_BYTES // (1024 * 1024)} MB, split it first",
                path=str(p),
            )
        data = p.read_bytes()
    except OSError as e:
        raise FormatError(f"cannot read the file: {e.strerror}", path=str(p)) from None
    text = decode(data, encoding=encoding, path=str(p))
    return text
