"""Reading text files whose encoding the user may not know: UTF-8, UTF-16, Windows-1256."""

from __future__ import annotations

import codecs
from pathlib import Path

from tm.errors import FormatError
from tm.lang import ARABIC_LETTER

# Beyond this, a plain-text file is not an article: refuse before reading it into memory.
MAX_TEXT_BYTES = 50 * 1024 * 1024


def decode(data: bytes, *, encoding: str | None = None, path: str = "<text>") -> str:
    """Decode bytes: the given encoding, else a BOM, else UTF-8, else Windows-1256 Arabic."""
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
            return decode(data, encoding=name, path=path)
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
