"""Checks that make XML input safe before a parser sees it: no DTD subsets, no entities."""

from __future__ import annotations

import re

from tm.errors import FormatError

PROLOG_LIMIT = 1 << 20


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
