"""XML in and out: checks that make input safe before a parser sees it (no DTD subsets, no
entities), and escapes that keep every character of the text when writing.

Writing text byte for byte: XML 1.0 cannot hold U+0000-U+0008, U+000B, U+000C,
U+000E-U+001F, U+FFFE, U+FFFF or lone surrogates, not even as `&#...;` references, and a
parser turns a literal CR (and CR LF) into LF. So:

* CR is written as `&#13;`, a character reference that every parser keeps as CR.
* In a TMX segment, each forbidden character becomes `<ph type="x-tm-char">U+000B</ph>`.
  `<ph>` is TMX's own element for something in a segment that is not translatable text,
  so other tools keep it as a placeholder tag in a valid file, and a person reading the
  file sees which character it was; tm's reader turns it back into the character. A
  private escape inside the text (a private-use character, a `\x0b`) would instead be
  imported by other tools as words of the sentence.
* Props and notes cannot hold elements, so there the forbidden characters are dropped.
"""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from tm.errors import FormatError

PROLOG_LIMIT = 1 << 20
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
CHAR_PH = "x-tm-char"
_CHAR_NAME = re.compile(r"U\+([0-9A-Fa-f]{4,6})")


def xml_text(text: str) -> str:
    """Escape text for XML content: CR as a reference, characters XML cannot hold dropped."""
    return escape(XML_FORBIDDEN.sub("", text)).replace("\r", "&#13;")


def xml_attr(value: str) -> str:
    """Quote an attribute value for XML, dropping characters XML cannot hold."""
    return quoteattr(XML_FORBIDDEN.sub("", value))


def seg_text(text: str) -> str:
    """Escape segment text for TMX, writing characters XML cannot hold as <ph type="x-tm-char">."""
    return XML_FORBIDDEN.sub(
        lambda m: f'<ph type="{CHAR_PH}">U+{ord(m.group()):04X}</ph>',
        escape(text).replace("\r", "&#13;"),
    )


def char_of_ph(el: Any) -> str | None:
    """Return the character a <ph type="x-tm-char"> element stands for, else None."""
    if el.tag != "ph" or el.get("type") != CHAR_PH or len(el):
        return None
    m = _CHAR_NAME.fullmatch((el.text or "").strip())
    if m is None or int(m.group(1), 16) > 0x10FFFF:
        return None
    return chr(int(m.group(1), 16))


def check_prolog(head: bytes, path: str, error: type[FormatError], roots: tuple[str, ...]) -> None:
    """Refuse inline DTDs and entity declarations, and files whose root is not one of roots.

    `head` is the start of the file (up to PROLOG_LIMIT bytes); the root element must start
    in it. Raises `error` with the line number of the problem.
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="replace")
    else:
        text = head.decode("latin-1")
    first = re.search(r"<([A-Za-z_][\w.:-]*)", text)
    if first is None:
        raise error(
            f"no XML element in the first {PROLOG_LIMIT >> 20} MB; this is not a {roots[0]} file", path=path
        )
    name = first.group(1).split(":")[-1]
    if name not in roots:
        line = text.count("\n", 0, first.start()) + 1
        raise error(
            f"this is not a {'/'.join(roots)} file (the root element is <{first.group(1)}>)",
            path=path,
            line=line,
        )
    prolog = text[: first.start()]
    for pattern, why in (
        (r"<!ENTITY", "declares XML entities, which tm refuses (entity expansion attacks)"),
        (r"<!DOCTYPE[^>\[]*\[", "has an inline DTD, which tm refuses (entity expansion attacks)"),
    ):
        m = re.search(pattern, prolog)
        if m:
            line = prolog.count("\n", 0, m.start()) + 1
            raise error(f"{why}; remove the DOCTYPE", path=path, line=line)
