"""HTML pages (.html, .htm, pasted HTML): text and translatable attributes out, English back in.

The page is never re-serialized: a linear, non-recursive tokenizer records where each piece of
the original text sits, and `merge` splices the English into those places, so every other byte
stays. A block is the text of a block element (p, h1, li, td, title, a div holding text...) with
inline elements (b, a, span, br, img...) as tags carrying their exact original markup; two <br>
in a row also end a block (CMS copy separates paragraphs so). Tags that wrap a whole block stay
outside it. Attributes alt, title, placeholder, aria-label and the content of <meta> description,
keywords and og:/twitter: title, description, image:alt are blocks of kind "attribute".
script, style, code, pre, textarea, noscript, template, svg, math, iframe, kbd, samp, var,
comments and anything marked translate="no" are never touched; inside a sentence such an element
is one empty tag that carries all of its markup and content. Sloppy markup is read as browsers
read it where it matters (a new block closes an open p, li, td, tr, option); pages nested deeper
than MAX_DEPTH or larger than MAX_HTML_BYTES are refused.

Encoding: a byte-order mark, else UTF-8 when the bytes are UTF-8 with non-ASCII characters (pasted
source keeps a <meta> that no longer holds), else <meta charset> (or http-equiv), else UTF-8, else
Windows-1256 Arabic. The English is written in the page's own encoding, a character it cannot hold as a
character reference, so the rest of the page (its <meta charset> too) is unchanged.

Repair on merge, so the page stays whole whatever the translator did to the tags: a span opened
and closed within the Arabic block is closed at the end of the block if the English lacks its
close, and a close before (or without) its open is dropped; other tags the English left out are
left out, except invisible ones (comments, scripts, <meta>), which go back at the end of the
block. dir="rtl" and lang="ar" become "ltr" and "en" on every element that holds translated text.
"""

from __future__ import annotations

import bisect
import codecs
import re
from collections.abc import Callable

from tm import tags
from tm.errors import FormatError
from tm.formats.blocks import Block, Translated
from tm.formats.html_scan import CHARSET, MAX_HTML_BYTES, PIECES, Edit, Page, Source
from tm.lang import ARABIC_LETTER
from tm.tags import CLOSE, EMPTY, OPEN


def _decode(data: bytes, name: str) -> tuple[str, str, bytes]:
    """Return the page's text, the encoding to write it back in and its byte-order mark."""
    if len(data) > MAX_HTML_BYTES:
        raise FormatError(
            f"the page is {len(data) >> 20} MB; tm reads HTML up to {MAX_HTML_BYTES >> 20} MB", path=name
        )
    if not data.strip():
        raise FormatError("the page is empty: no text to translate", path=name)
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return (
                _strict(data[len(bom) :], codec, f"its byte-order mark says {codec.upper()}", name),
                codec,
                bom,
            )
    if b"\x00" in data:
        raise FormatError("this is not an HTML page (it holds NUL bytes); save the page as HTML", path=name)
    m = CHARSET.search(data[:4096])
    if m and not data.isascii() and _is_utf8(data):
        m = None  # pasted source, or a page saved again as UTF-8: its bytes say more than its <meta>
    if m:
        declared = m.group(1).decode("ascii").lower()
        try:
            codec = codecs.lookup(declared).name
        except LookupError:
            raise FormatError(
                f"the page declares the unknown encoding {declared!r}; save it as UTF-8", path=name
            ) from None
        # as browsers read it: Latin-1 and ASCII mean Windows-1252, UTF-16 in a meta means UTF-8
        codec = (
            "cp1252" if codec in ("iso8859-1", "ascii") else "utf-8" if codec.startswith("utf-16") else codec
        )
        text = _strict(data, codec, f"its <meta charset> says {declared}", name)
        if codec not in ("utf-8", "cp1256") and text.encode(codec) != data:
            raise FormatError(
                f"tm cannot write {declared} back byte for byte; save the page as UTF-8", path=name
            )
        return text, codec, b""
    try:
        return data.decode("utf-8"), "utf-8", b""
    except UnicodeDecodeError as e:
        bad = e.start
    text = data.decode("cp1256")  # every byte is a character in Windows-1256
    letters = sum(1 for ch in text if not ch.isascii())
    if letters and len(ARABIC_LETTER.findall(text)) / letters > 0.6:
        return text, "cp1256", b""
    raise FormatError(
        "this page is neither UTF-8 nor Windows-1256 Arabic and declares no <meta charset>; "
        "save it as UTF-8 or declare its encoding in <meta charset>",
        path=name,
        line=data.count(b"\n", 0, bad) + 1,
    )


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _strict(data: bytes, codec: str, why: str, name: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as e:
        raise FormatError(
            f"{why}, but byte {e.start} is not {codec.upper()}; save the page in the encoding it declares",
            path=name,
            line=data.count(b"\n", 0, e.start) + 1,
        ) from None


def _read(data: bytes, name: str) -> tuple[Page, str, bytes]:
    text, codec, bom = _decode(data, name)
    page = Page(text, name).run()
    if not page.sources:
        raise FormatError(
            "no text to translate in this page (only markup, scripts or untranslatable parts)", path=name
        )
    return page, codec, bom


def extract(data: bytes, *, name: str) -> list[Block]:
    """Return the blocks of an HTML page in document order, an inline element's attributes after its block."""
    return [Block(src.text, src.table, src.kind, id=src.id) for src in _read(data, name)[0].sources]


def merge(data: bytes, translated: list[Translated], *, name: str) -> bytes:
    """Return the page with each block's English in its place and every other byte as it was."""
    page, codec, bom = _read(data, name)
    if len(translated) != len(page.sources):
        raise FormatError(
            f"the page has {len(page.sources)} blocks but {len(translated)} translations came back; "
            "was the page changed since it was read?",
            path=name,
        )
    if all(t.text is None for t in translated):
        return data
    s = page.s
    small: list[Edit] = []
    big: list[tuple[Source, str]] = []
    for src, t in zip(page.sources, translated, strict=True):
        if t.text is not None and src.kind == "attribute":
            small.append((src.start, src.end, _attribute(t.text, src)))
        elif t.text is not None:
            big.append((src, t.text))
    done = [0]  # how many blocks have English, up to each block
    for t in translated:
        done.append(done[-1] + (t.text is not None))
    small += [e for el in page.directed if done[el.blocks[1]] > done[el.blocks[0]] for e in el.edits]
    small.sort()
    starts = [e[0] for e in small]

    def patch(a: int, b: int) -> str:
        """Return page[a:b] with the small edits inside it made."""
        out, pos, i = [], a, bisect.bisect_left(starts, a)
        while i < len(small) and small[i][0] < b:
            if small[i][1] <= b:
                out += [s[pos : small[i][0]], small[i][2]]
                pos = small[i][1]
            i += 1
        return "".join(out) + s[pos:b]

    out, pos = [], 0
    for src, english in big:
        out += [patch(pos, src.start), _render(src, english, s, patch)]
        pos = src.end
    out.append(patch(pos, len(s)))
    return bom + "".join(out).encode(codec, errors="xmlcharrefreplace")


def _render(src: Source, english: str, s: str, patch: Callable[[int, int], str]) -> str:
    """Return the markup of a block's English: its words escaped, its tags as the page wrote them."""
    out: list[str] = []
    stack: list[int] = []  # spans open in the English that the Arabic closes in this block
    used: set[int] = set()
    for piece in PIECES.split(english):
        parsed = tags.parse(piece) if len(piece) == 1 else None
        if parsed is None or parsed[0] not in src.table:  # words, or a tag this block does not have
            out.append("" if tags.TAG.fullmatch(piece) else _escape(piece))
            continue
        n, kind = parsed
        a, b, c, d, _ = src.spans[n]
        have = src.table[n].kind
        if kind == OPEN and have == "open":
            out.append(patch(a, b))
            stack += [n] if c >= 0 else []
        elif kind == CLOSE and have == "open" and n in stack:
            out.append(s[c:d])
            del stack[len(stack) - 1 - stack[::-1].index(n)]
        elif (kind == CLOSE and have == "close") or (kind == EMPTY and have == "empty"):
            out.append(patch(a, b))
            used.add(n)
    out += [s[src.spans[n][2] : src.spans[n][3]] for n in reversed(stack)]
    out += [patch(a, b) for n, (a, b, _, _, invisible) in src.spans.items() if invisible and n not in used]
    return "".join(out)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attribute(english: str, src: Source) -> str:
    """Return an attribute value holding the English, quoted as the page quoted it."""

    def markup(m: re.Match[str]) -> str:
        parsed = tags.parse(m.group())
        return src.table[parsed[0]].markup if parsed and parsed[0] in src.table else ""

    value = _escape(tags.TAG.sub(markup, english))
    if src.quote == "'":
        return value.replace("'", "&#39;")
    value = value.replace('"', "&quot;")
    return value if src.quote else f'"{value}"'


def looks_like_html(text: str) -> bool:
    """Tell whether pasted text is HTML (a page, or copy with block tags) rather than plain text."""
    if text.lstrip("\ufeff \t\r\n")[:20].lower().startswith(("<!doctype html", "<html", "<!--")):
        return True
    return (
        re.search(r"<(p|div|h[1-6]|ul|ol|li|table|article|section|blockquote|br)(\s[^<>]*)?/?>", text, re.I)
        is not None
    )
