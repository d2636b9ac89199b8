"""XLIFF inline codes as tm tags (tm.formats.xliff_render writes them back).

Reading a segment turns its codes into tm.tags characters numbered from 1 in order of
appearance, with a Tag for each (its name, its markup, a title to show) and a Code that
keeps the elements themselves, so merge writes back exactly what was there:

    1.2                                      2.x                  tag
    <g>…</g>, <mrk>…</mrk>                   <pc>…</pc>, <mrk>    OPEN … CLOSE (markup: start tag)
    <bpt/>…<ept/> (paired by rid, else id)   <sc/>…<ec/>          OPEN … CLOSE (markup: both codes)
    <bx/>…<ex/> (paired by rid, else id)     <sm/>…<em/>          OPEN … CLOSE
    <bx/>, <it pos="open"/> alone            <sc/> alone          OPEN
    <ex/>, <it pos="close"/> alone           <ec/> alone          CLOSE
    <x/>, <ph>…</ph>                         <ph/>                EMPTY (markup: the element)
                                             <cp hex="0001"/>     the character itself

A target's codes take the number of the source code with the same id (an <it>, <bx/>/<ex/>
or <sc/>/<ec/> counts as the <bpt>, <g> or <pc> it stands in for), so a pre-translated
target reads in the source's numbering; codes only the target has get the next numbers.
An element of another namespace is a span when it holds text, else an EMPTY tag. A file
that tm wrote (tm.formats.xliff_write) gives back the name, markup and title tm put in it.
Nothing here recurses: nesting is walked with an explicit stack.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from tm.errors import FormatError
from tm.formats.xliff_state import TM_NS
from tm.formats.xmlsafe import xml_attr, xml_text
from tm.tags import CLOSE, EMPTY, OPEN, Tag, char

FAMILY = {
    "1.2": {
        "g": "g",
        "bx": "g",
        "ex": "g",
        "x": "x",
        "ph": "ph",
        "bpt": "bpt",
        "ept": "bpt",
        "it": "bpt",  # an <it> is a <bpt> or <ept> without its partner
        "mrk": "mrk",
    },
    "2.0": {"pc": "pc", "sc": "pc", "ec": "pc", "ph": "ph", "mrk": "mrk", "sm": "mrk", "em": "mrk"},
}
WRAPPING = {"1.2": {"g", "mrk"}, "2.0": {"pc", "mrk"}}
PAIR_OPEN = {"bx", "bpt", "sc", "sm"}
PAIR_CLOSE = {"ex": "bx", "ept": "bpt", "ec": "sc", "em": "sm"}
STRICT_PAIRS = {"bpt"}  # 1.2: a <bpt> and its <ept> must be in the same segment
_KINDS = ("open", "close", "empty")


class XLIFFError(FormatError):
    """An XLIFF file that is malformed, unsafe, not XLIFF, or not for Arabic."""


@dataclass
class Code:
    """The elements a tag stands for in the file."""

    family: str
    start: Any = None  # the wrapping element (g, pc, mrk) or the opening/empty code
    end: Any = None  # the closing code of a pair (ept, ex, ec, em) or a lone closing code
    wrapping: bool = False


def local(el: Any) -> str:
    """Return an element's name without its namespace ("" for comments and PIs)."""
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def ns_of(el: Any) -> str:
    """Return an element's namespace URI ("" for none)."""
    tag = el.tag
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def clean_markup(el: Any, ns: str, *, start_only: bool = False) -> str:
    """Return an element as XML without the XLIFF namespace: the whole element or its start tag."""
    if all("{" not in k for k in el.attrib) and (start_only or not len(el)):
        # the usual code: plain attributes, no children (written directly: this runs for every code)
        head = "<" + local(el) + "".join(f" {k}={xml_attr(v)}" for k, v in el.attrib.items())
        if start_only:
            return head + ">"
        return head + (f">{xml_text(el.text)}</{local(el)}>" if el.text else "/>")
    if start_only:
        dup = etree.Element(el.tag, nsmap=el.nsmap)
        for k, v in el.attrib.items():
            dup.set(k, v)
    else:
        dup = copy.deepcopy(el)
        dup.tail = None
    prefix = f"{{{ns}}}" if ns else None
    for e in dup.iter():
        if prefix and isinstance(e.tag, str) and e.tag.startswith(prefix):
            e.tag = e.tag[len(prefix) :]
    etree.cleanup_namespaces(dup)
    text = etree.tostring(dup, encoding="unicode", with_tail=False)
    if start_only and text.endswith("/>"):
        text = text[:-2].rstrip() + ">"
    return text


class Reader:
    """Numbers the inline codes of one segment: its source first, then its target."""

    def __init__(
        self,
        version: str,
        ns: str,
        path: str,
        *,
        data: dict[str, str] | None = None,
        extra: dict[str, dict[str, str]] | None = None,
    ):
        self.version, self.ns, self.path = version, ns, path
        self.data = data or {}  # 2.x originalData: id -> the original code
        self.extra = extra or {}  # 2.x <tm:tag>s written by tm: code id -> name, markup, title
        self.tags: dict[int, Tag] = {}
        self.codes: dict[int, Code] = {}
        self.count = 0
        self._known: dict[tuple[str, str | None, int], list[int]] = {}
        self._target = False
        self._used: set[int] = set()
        self._own: set[int] = set()  # tags whose name and markup tm wrote into the file

    def read(self, el: Any, *, target: bool = False) -> str:
        """Return the tagged text of a source or target element (or a segment's <mrk>)."""
        self._target = target
        self._used = set()
        parts = [el.text or ""]
        pending: dict[tuple[str, str | None], int] = {}  # open pair codes awaiting their close
        stack: list[tuple[Iterator[Any], str, Any]] = [(iter(el), "", None)]
        while stack:
            children, closing, owner = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                parts.append(closing)
                if owner is not None:
                    parts.append(owner.tail or "")
                continue
            name = local(child)
            if not name:  # a comment or processing instruction: not text, but its tail is
                parts.append(child.tail or "")
                continue
            known = ns_of(child) == self.ns
            if known and name == "cp" and self.version == "2.0":
                parts.append(self._cp(child))
            elif known and name in WRAPPING[self.version]:
                n = self._number(name, child.get("id") or child.get("mid"), OPEN, child, wrapping=True)
                parts.append(char(n, OPEN) + (child.text or ""))
                stack.append((iter(child), char(n, CLOSE), child))
                continue
            elif not known or name not in FAMILY[self.version]:
                if child.text or len(child):  # an unknown element with text: its text stays visible
                    n = self._number(name, child.get("id"), OPEN, child, wrapping=True, family=name)
                    parts.append(char(n, OPEN) + (child.text or ""))
                    stack.append((iter(child), char(n, CLOSE), child))
                    continue
                parts.append(char(self._number(name, child.get("id"), EMPTY, child, family=name), EMPTY))
            else:
                parts.append(self._code(name, child, pending))
            parts.append(child.tail or "")
        for (family, key), n in pending.items():
            code = self.codes.get(n)
            if family in STRICT_PAIRS and code is not None:
                line = code.start.sourceline if code.start is not None else el.sourceline
                raise XLIFFError(
                    f"a <bpt> (id {key}) has no matching <ept> in its segment", path=self.path, line=line
                )
        return "".join(parts)

    def _code(self, name: str, el: Any, pending: dict[tuple[str, str | None], int]) -> str:
        family = FAMILY[self.version][name]
        if name in PAIR_OPEN:
            if name == "sc" and el.get("isolated") == "yes":
                return char(self._number(name, el.get("id"), OPEN, el), OPEN)
            key = el.get("rid") or el.get("id")
            n = self._number(name, key, OPEN, el, pair=True)
            pending[(family, key)] = n
            return char(n, OPEN)
        if name in PAIR_CLOSE:
            key = el.get("startRef") if self.version == "2.0" else (el.get("rid") or el.get("id"))
            if key is None:
                key = el.get("id")
            n_open = pending.pop((family, key), None)
            if n_open is not None:
                code = self.codes[n_open]
                if code.end is None:
                    code.end = el
                    tag = self.tags[n_open]
                    if n_open not in self._own:
                        tag.markup += clean_markup(el, self.ns)
                        tag.title = tag.title or _title(el, self.data)
                return char(n_open, CLOSE)
            if name in ("ept",):
                raise XLIFFError(
                    f"an <ept> (id {key}) has no matching <bpt> before it in its segment",
                    path=self.path,
                    line=el.sourceline,
                )
            return char(self._number(name, key, CLOSE, el), CLOSE)
        if name == "it":
            kind = CLOSE if el.get("pos") == "close" else OPEN
            return char(self._number(name, el.get("id"), kind, el), kind)
        return char(self._number(name, el.get("id"), EMPTY, el), EMPTY)

    def _cp(self, el: Any) -> str:
        try:
            return chr(int(el.get("hex", ""), 16))
        except (ValueError, OverflowError):
            raise XLIFFError(
                f"a <cp> has hex={el.get('hex')!r}, which is not a character code",
                path=self.path,
                line=el.sourceline,
            ) from None

    def _number(
        self,
        name: str,
        key: str | None,
        kind: int,
        el: Any,
        *,
        wrapping: bool = False,
        pair: bool = False,
        family: str | None = None,
    ) -> int:
        family = family or FAMILY[self.version][name]
        if self._target:
            for k in (kind, OPEN) if kind == CLOSE else (kind,):
                for n in self._known.get((family, key, k), []):
                    if n not in self._used:
                        self._used.add(n)
                        return n
        self.count += 1
        n = self.count
        char(n, kind)  # refuses more tags than tm takes in one block
        self._known.setdefault((family, key, kind), []).append(n)
        self._used.add(n)
        start, end = (None, el) if kind == CLOSE else (el, None)
        self.codes[n] = Code(family, start, end, wrapping)
        self.tags[n] = self._tag(n, name, el, kind, wrapping, pair)
        return n

    def _tag(self, n: int, name: str, el: Any, kind: int, wrapping: bool, pair: bool) -> Tag:
        kind_name = "open" if (wrapping or pair) else _KINDS[kind]
        own = {k: el.get(f"{{{TM_NS}}}{k}") for k in ("name", "markup", "title")}
        extra = self.extra.get(el.get("id") or el.get("startRef") or "", {})
        if self.version == "2.0" and extra:
            own = {k: extra.get(k) for k in ("name", "markup", "title")}
        if own["name"] is not None:
            self._own.add(n)
            return Tag(kind_name, own["name"], own["markup"] or "", own["title"] or "")
        markup = clean_markup(el, self.ns, start_only=wrapping)
        return Tag(kind_name, name, markup, _title(el, self.data))


def _title(el: Any, data: dict[str, str]) -> str:
    """Return what to show for a code on hover: its original code, else what its attributes say."""
    for ref in ("dataRef", "dataRefStart"):
        if el.get(ref) in data:
            return data[el.get(ref)]
    if local(el) in ("ph", "bpt", "ept", "it") and (el.text or len(el)):
        return "".join(el.itertext())
    for attr in (
        "equiv-text",
        "equiv",
        "equivStart",
        "disp",
        "dispStart",
        "comment",
        "value",
        "ctype",
        "mtype",
        "type",
    ):
        if el.get(attr):
            return str(el.get(attr))
    return ""
