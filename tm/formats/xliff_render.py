"""Tags back into XLIFF inline codes: a segment's English written with the codes it came from.

Each tag is written as the element recorded for its number when the source was read
(tm.formats.xliff_inline.Code): a span's element around its text, a code as a copy. A
span whose tags the translation reordered so that they cross, or that lost one of its
halves, is written in the isolated form the standard has for it: <bx/>/<ex/> for a 1.2
<g>, <sc/>/<ec/> for a 2.x <pc>, <sm/>/<em/> for a 2.x <mrk>, <it> for a <bpt>/<ept>
whose partner is gone; a 1.2 <mrk> without a partner is left out (its words stay). A
tag the source does not have is dropped. Characters XML cannot hold become <cp> in 2.x
and are dropped in 1.2, which has no element for them. Nothing here recurses.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from tm.formats.xliff_inline import Code, local
from tm.formats.xmlsafe import XML_FORBIDDEN
from tm.tags import CLOSE, EMPTY, OPEN, TAG, parse


@dataclass
class _Builder:
    """Appends text and elements into an element, keeping track of where text goes."""

    version: str
    ns: str
    stack: list[Any] = field(default_factory=list)
    last: list[Any] = field(default_factory=list)

    def text(self, s: str) -> None:
        if self.version == "2.0":
            pos = 0
            for m in XML_FORBIDDEN.finditer(s):
                self._text(s[pos : m.start()])
                if not 0xD800 <= ord(m.group()) <= 0xDFFF:
                    cp = etree.Element(_q(self.ns, "cp"), hex=f"{ord(m.group()):04X}")
                    self.empty(cp)
                pos = m.end()
            self._text(s[pos:])
        else:
            self._text(XML_FORBIDDEN.sub("", s))

    def _text(self, s: str) -> None:
        if not s:
            return
        last = self.last[-1]
        if last is None:
            cur = self.stack[-1]
            cur.text = (cur.text or "") + s
        else:
            last.tail = (last.tail or "") + s

    def empty(self, template: Any, *, deep: bool = True) -> Any:
        """Append a copy of an element (made in place: no document per copy), with its content when deep."""
        el = etree.SubElement(self.stack[-1], template.tag, dict(template.attrib))
        if deep:
            el.text = template.text
            for child in template:
                dup = copy.deepcopy(child)
                dup.tail = child.tail
                el.append(dup)
        self.last[-1] = el
        return el

    def push(self, template: Any) -> None:
        """Append a copy of a span's element without its content, and write into it."""
        el = self.empty(template, deep=False)
        self.stack.append(el)
        self.last.append(None)

    def pop(self) -> None:
        self.stack.pop()
        self.last.pop()


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}" if ns else name


def _shallow(el: Any, tag: str | None = None, drop: tuple[str, ...] = (), **extra: str) -> Any:
    out = etree.Element(tag or el.tag)
    for k, v in el.attrib.items():
        if k not in drop:
            out.set(k, v)
    for k, v in extra.items():
        out.set(k, v)
    return out


_PC_TO_SC = {
    "dataRefStart": "dataRef",
    "subFlowsStart": "subFlows",
    "dispStart": "disp",
    "equivStart": "equiv",
}
_PC_TO_EC = {"dataRefEnd": "dataRef", "subFlowsEnd": "subFlows", "dispEnd": "disp", "equivEnd": "equiv"}
_PC_SHARED = ("canCopy", "canDelete", "canOverlap", "canReorder", "copyOf", "type", "subType", "dir")


def _pc_half(pc: Any, ns: str, name: str, *, isolated: bool) -> Any:
    """Return the <sc/> or <ec/> that stands for one half of a <pc>."""
    out = etree.Element(_q(ns, name))
    mapping = _PC_TO_SC if name == "sc" else _PC_TO_EC
    pid = pc.get("id", "")
    if name == "sc" or isolated:
        out.set("id", pid)
    else:
        out.set("startRef", pid)
    if isolated:
        out.set("isolated", "yes")
    for k, v in pc.attrib.items():
        if k in mapping:
            out.set(mapping[k], v)
        elif k in _PC_SHARED and not (name == "ec" and k == "canOverlap"):
            out.set(k, v)
    return out


def _ec_isolated(ec: Any, sc: Any | None) -> Any:
    out = _shallow(ec, drop=("startRef",))
    out.set("id", ec.get("startRef") or ec.get("id") or (sc.get("id") if sc is not None else ""))
    out.set("isolated", "yes")
    return out


def _it(code_el: Any, ns: str, pos: str) -> Any:
    """Return a 1.2 <it> with the content of a <bpt> or <ept> whose partner is missing."""
    out = etree.Element(_q(ns, "it"))
    out.set("id", code_el.get("rid") or code_el.get("id", ""))
    out.set("pos", pos)
    for k, v in code_el.attrib.items():
        if k not in ("id", "rid"):
            out.set(k, v)
    out.text = code_el.text
    for child in code_el:
        out.append(copy.deepcopy(child))
    return out


def tokens(text: str) -> list[str | tuple[int, int]]:
    """Return a tagged text as plain strings and (number, kind) pairs, in order."""
    out: list[str | tuple[int, int]] = []
    pos = 0
    for m in TAG.finditer(text):
        parsed = parse(m.group())
        if parsed is None:
            continue
        if m.start() > pos:
            out.append(text[pos : m.start()])
        out.append(parsed)
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return out


def _nesting(toks: list[str | tuple[int, int]], codes: dict[int, Code]) -> tuple[set[int], set[int]]:
    """Return the wrapping spans that nest properly, and the code pairs whose halves are both in order."""
    stack: list[int] = []
    opened: set[int] = set()
    ok: set[int] = set()
    bad: set[int] = set()
    seen: dict[int, list[int]] = {}
    for t in toks:
        if isinstance(t, str) or t[0] not in codes:
            continue
        n, kind = t
        seen.setdefault(n, []).append(kind)
        if not codes[n].wrapping:
            continue
        if kind == OPEN:
            if n in opened:
                bad.add(n)
                continue
            opened.add(n)
            stack.append(n)
        elif kind == CLOSE:
            if stack and stack[-1] == n:
                stack.pop()
                ok.add(n)
            else:
                if n in stack:
                    stack.remove(n)
                bad.add(n)
    bad.update(stack)
    pairs = {n for n, kinds in seen.items() if kinds == [OPEN, CLOSE]}
    return ok - bad, pairs


def write(container: Any, text: str, codes: dict[int, Code], *, version: str, ns: str) -> None:
    """Replace an element's content with a tagged text, each tag written as the code it stands for."""
    container.text = None
    for child in list(container):
        container.remove(child)
    b = _Builder(version, ns, [container], [None])
    toks = tokens(text)
    nested, pairs = _nesting(toks, codes)
    for t in toks:
        if isinstance(t, str):
            b.text(t)
            continue
        n, kind = t
        code = codes.get(n)
        if code is None:
            continue  # a tag the source does not have: nothing to write it as
        if code.wrapping:
            _write_wrapping(b, code, n, kind, n in nested, n in pairs, version, ns)
        elif kind == EMPTY:
            if code.start is not None:
                b.empty(code.start)
        elif kind == OPEN and code.start is not None:
            whole = n in pairs or code.end is None
            name = local(code.start)
            if whole or name == "bx":
                b.empty(code.start)
            elif name == "bpt":
                b.empty(_it(code.start, ns, "open"))
            elif name == "sc":
                b.empty(_shallow(code.start, isolated="yes"))
        elif kind == CLOSE and code.end is not None:
            name = local(code.end)
            if n in pairs or code.start is None or name == "ex":
                b.empty(code.end)
            elif name == "ept":
                b.empty(_it(code.end, ns, "close"))
            elif name == "ec":
                b.empty(_ec_isolated(code.end, code.start))


def _write_wrapping(
    b: _Builder, code: Code, n: int, kind: int, nested: bool, paired: bool, version: str, ns: str
) -> None:
    el = code.start
    if el is None:
        return
    name = local(el)
    if nested:
        if kind == OPEN:
            b.push(el)
        elif kind == CLOSE:
            b.pop()
        return
    # the span crosses another or lost a half: its isolated form, where the standard has one
    if version == "1.2" and name == "g":
        gid = el.get("id", "")
        if kind == OPEN:
            b.empty(_shallow(el, _q(ns, "bx"), rid=gid))
        elif kind == CLOSE:
            b.empty(etree.Element(_q(ns, "ex"), id=gid, rid=gid))
    elif version == "2.0" and name == "pc" and kind in (OPEN, CLOSE):
        b.empty(_pc_half(el, ns, "sc" if kind == OPEN else "ec", isolated=not paired))
    elif version == "2.0" and name == "mrk" and kind in (OPEN, CLOSE):
        if kind == OPEN:
            b.empty(_shallow(el, _q(ns, "sm")))
        else:
            b.empty(etree.Element(_q(ns, "em"), startRef=el.get("id", "")))
