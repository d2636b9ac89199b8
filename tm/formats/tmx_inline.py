"""TMX inline codes as tm tags: reading a segment's codes, writing tags back as codes.

Reading (one `Reader` per `<tu>`, its source segment first, then its target):

    <bpt i="1">…</bpt> … <ept i="1">…</ept>   OPEN … CLOSE of one number (paired by i)
    <hi>text</hi>                              OPEN text CLOSE (its text stays text)
    <it pos="begin">, <it pos="end">           OPEN or CLOSE alone
    <ph>, <ut> (a <ut pos=…> as its pos says)  EMPTY
    a <bpt> without its <ept>, an <ept> alone  OPEN or CLOSE alone
    <ph type="x-tm-char">U+000B</ph>           the character itself (tm.formats.xmlsafe)

Source codes are numbered 1, 2, ... in order of appearance (the memory's canonical numbering).
A target code takes the number of the source code with the same `x` (TMX 1.4b: `x` matches
codes across the segments of a unit); without `x`, the next source code of the same element
(and pos) it has not used yet. A target code with no counterpart gets the next free number.
The table says for each number what it stands for: `name` from the code's `type` ("bold" is
"b") or its element name, `markup` the code element(s) as they stood in the file (a pair: the
<bpt> then the <ept>; a <hi>: its start tag), `title` the native code they hold (`<b>`).

Writing: OPEN … CLOSE in one segment is `<bpt i x>native</bpt>` … `<ept i>native</ept>`, an
EMPTY is `<ph x>native</ph>`, an OPEN or CLOSE alone is `<it pos="begin"|"end" x>`; `x` is the
tag's number, so source and target codes match by it. The native code is the content of the
code elements in the markup, else the markup itself escaped (a tag from an HTML document
gives `&lt;b&gt;` … `&lt;/b&gt;`), else nothing. Nothing here recurses.

A unit whose texts still read as the segments it was imported from is written with those
segments byte for byte (both or neither: fresh x values would not match the old ones). tm also
writes the unit's table as a prop (x-tm-tags), so that reading its own file back gives the
table exactly, whatever the tags came from (an HTML or DOCX document); an entry is taken only
where the codes agree with it (an EMPTY for an EMPTY).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, NamedTuple

from lxml import etree

from tm import tags
from tm.errors import TMXError
from tm.formats.xmlsafe import char_of_ph, seg_text, xml_attr, xml_text
from tm.store.records import Unit
from tm.tags import CLOSE, EMPTY, MAX_TAGS, OPEN, TAG, Tag, char, parse

TYPE_NAMES = {"bold": "b", "italic": "i", "ulined": "u", "link": "a", "lb": "br", "image": "img"}
NAME_TYPES = {**{v: k for k, v in TYPE_NAMES.items()}, "strong": "bold", "em": "italic"}
NATIVE = {"bpt", "ept", "ph", "it", "ut"}  # codes whose content is the native code
CODES = NATIVE | {"hi", "sub", "g", "x", "bx", "ex"}  # TMX's and XLIFF 1.2's inline elements
TITLE_MAX = 80
_START_TAG = re.compile(r"<([A-Za-z_][\w.:-]*)(?:\s[^<>]*)?(?<!/)>")  # a start tag, not <br/>
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def markup_of(el: Any) -> str:
    """Return a code element as XML, without its tail."""
    return etree.tostring(el, encoding="unicode", with_tail=False)


def inner_xml(el: Any) -> str:
    """Return an element's content as XML."""
    return xml_text(el.text or "") + "".join(
        etree.tostring(c, encoding="unicode", with_tail=True) for c in el
    )


def _title(el: Any) -> str:
    # itertext() of an element without children is its text (and making that iterator costs
    # more than the rest of reading a code)
    text = " ".join((el.text or "" if not len(el) else "".join(el.itertext())).split())
    text = text or el.get("type") or ""
    return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1] + "…"


class Reader:
    """Numbers the inline codes of one <tu>: read its source segment, then its target."""

    def __init__(self) -> None:
        self.table: dict[int, Tag] = {}
        self.codes = False  # the last segment read had inline codes (not only x-tm-char placeholders)
        self._count = 0
        self._target = False
        self._by_x: dict[tuple[bool, str], int] = {}  # (empty?, x) -> source number
        # (element and pos, without x only?) -> source numbers in order, and how far the target took them
        self._queues: dict[tuple[str, bool], list[int]] = {}
        self._cursor: dict[tuple[str, bool], int] = {}
        self._used: set[int] = set()  # numbers the target has taken
        self._fresh: set[int] = set()  # numbers made while reading this segment

    def read(self, seg: Any, *, target: bool = False) -> str:
        """Return the tagged text of a <seg> (or the source when target is False)."""
        self._target, self.codes, self._fresh = target, False, set()
        parts = [seg.text or ""]
        pending: dict[str | None, int] = {}  # <bpt> i -> its number, awaiting the <ept>
        stack: list[tuple[Iterator[Any], str, Any]] = [(iter(seg), "", None)]
        while stack:
            children, closing, owner = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                parts.append(closing)
                if owner is not None:
                    parts.append(owner.tail or "")
                continue
            name = child.tag if isinstance(child.tag, str) else ""
            ch = char_of_ph(child) if name == "ph" else None
            if ch is not None:
                parts.append(ch)
            elif name == "hi":
                self.codes = True
                start = etree.Element("hi", dict(child.attrib))  # its start tag: its text is the text
                n = self._number("hi", OPEN, child, markup_of(start)[:-2] + ">", _title(start))
                parts.append(char(n, OPEN) + (child.text or ""))
                stack.append((iter(child), char(n, CLOSE), child))
                continue
            elif name:
                self.codes = True
                parts.append(self._code(name, child, pending))
            parts.append(child.tail or "")
        return "".join(parts)

    def _code(self, name: str, el: Any, pending: dict[str | None, int]) -> str:
        if name == "bpt":
            n = self._number("bpt", OPEN, el)
            pending[el.get("i")] = n
            return char(n, OPEN)
        if name == "ept":
            n_open = pending.pop(el.get("i"), None)
            if n_open is None:  # no <bpt> before it: a closing code alone, as an <it pos="end">
                return char(self._number("ept", CLOSE, el), CLOSE)
            if n_open in self._fresh:
                tag = self.table[n_open]
                tag.markup += markup_of(el)
                tag.title = tag.title or _title(el)
            return char(n_open, CLOSE)
        if name in ("it", "ut") and el.get("pos") in ("begin", "end"):
            kind = OPEN if el.get("pos") == "begin" else CLOSE
            return char(self._number(f"{name}:{el.get('pos')}", kind, el), kind)
        return char(self._number(name, EMPTY, el), EMPTY)

    def _number(
        self, element: str, kind: int, el: Any, markup: str | None = None, title: str | None = None
    ) -> int:
        x = el.get("x")
        empty = kind == EMPTY
        if self._target:
            n = self._counterpart(element, empty, x)
            if n is not None:
                self._used.add(n)
                return n
        if self._count >= MAX_TAGS:
            raise TMXError(f"a segment holds more than {MAX_TAGS} inline codes; tm takes at most that many")
        self._count += 1
        n = self._count
        self._fresh.add(n)
        if self._target:
            self._used.add(n)
        else:
            if x is not None:
                self._by_x.setdefault((empty, x), n)
            self._queues.setdefault((element, False), []).append(n)
            if x is None:
                self._queues.setdefault((element, True), []).append(n)
        name = TYPE_NAMES.get(el.get("type") or "", element.split(":")[0])
        kinds = "close" if kind == CLOSE else "empty" if empty else "open"
        markup = markup if markup is not None else markup_of(el)
        self.table[n] = Tag(kinds, name, markup, title if title is not None else _title(el))
        return n

    def _counterpart(self, element: str, empty: bool, x: str | None) -> int | None:
        """Return the source number a target code stands for, None when it has none."""
        if x is not None:
            n = self._by_x.get((empty, x))
            if n is not None and n not in self._used:
                return n
        # by order: a code with an x the source lacks matches only source codes without an x
        queue = (element, x is not None)
        numbers = self._queues.get(queue, [])
        i = self._cursor.get(queue, 0)
        while i < len(numbers) and numbers[i] in self._used:
            i += 1
        self._cursor[queue] = i
        return numbers[i] if i < len(numbers) else None

    def use_table(self, table: dict[int, Tag]) -> None:
        """Take what tm wrote about its tags (prop x-tm-tags) over what the codes say."""
        for n, tag in table.items():
            mine = self.table.get(n)
            if mine is not None and (mine.kind == "empty") == (tag.kind == "empty"):
                self.table[n] = tag


def text_and_markup(
    seg: Any, reader: Reader | None = None, *, target: bool = False
) -> tuple[str, str | None]:
    """Return a segment's tagged text and, when it has inline codes, its inner XML as it came."""
    if not len(seg):  # text only, the usual case
        return seg.text or "", None
    reader = reader if reader is not None else Reader()
    text = reader.read(seg, target=target)
    return text, (inner_xml(seg) if reader.codes else None)


def raw_segments(source: str, target: str, raw: tuple[str | None, str | None]) -> tuple[str, str] | None:
    """Return the segments as they came when they still read as the unit's texts, else None.

    Both or neither: a side written anew numbers its codes' x by tag, which the other
    side's original x values would not match. A side without codes must have no tags.
    """
    if raw == (None, None):
        return None
    reader = Reader()
    out = []
    for text, xml, is_target in ((source, raw[0], False), (target, raw[1], True)):
        if xml is None:
            if TAG.search(text):
                return None
            out.append(seg_text(text))
            continue
        try:
            el = etree.fromstring(f"<seg>{xml}</seg>", _PARSER)
            if reader.read(el, target=is_target) != text:
                return None
        except (etree.XMLSyntaxError, TMXError):
            return None
        out.append(xml)
    return out[0], out[1]


class Native(NamedTuple):
    """What a tag is written with: the code's type and assoc, and its native code (XML)."""

    type: str | None
    assoc: str | None
    open: str
    close: str


@lru_cache(maxsize=4096)
def native(kind: str, name: str, markup: str) -> Native:
    """Return how a tag of the table is written as TMX codes."""
    codes = _code_elements(markup)
    if codes:
        first, second = codes[0], (codes[1] if len(codes) > 1 else None)
        a = inner_xml(first) if first.tag in NATIVE else ""
        b = inner_xml(second) if second is not None and second.tag in NATIVE else ""
        typ = first.get("type") or NAME_TYPES.get(name)
        if kind == "close":
            return Native(typ, None, "", a)
        return Native(typ, first.get("assoc") if first.tag == "ph" else None, a, b)
    typ = NAME_TYPES.get(name)
    if not markup:
        return Native(typ, None, "", "")
    if kind == "close":
        return Native(typ, None, "", xml_text(markup))
    m = _START_TAG.fullmatch(markup)
    return Native(typ, None, xml_text(markup), xml_text(f"</{m.group(1)}>") if m else "")


def _code_elements(markup: str) -> list[Any]:
    """Return the TMX (or XLIFF 1.2) code elements a markup holds, [] when it is something else."""
    if not markup.startswith("<"):
        return []
    m = _START_TAG.fullmatch(markup)
    xml = markup + f"</{m.group(1)}>" if m and m.group(1) in CODES else markup  # a <hi>'s start tag
    try:
        wrap = etree.fromstring(f"<m>{xml}</m>", _PARSER)
    except etree.XMLSyntaxError:
        return []
    els = list(wrap)
    if els and not (wrap.text or "").strip() and all(e.tag in CODES for e in els):
        return els
    return []


def seg_xml(text: str, table: dict[int, Tag]) -> str:
    """Return the content of a <seg> for a tagged text: its tags as TMX 1.4b inline codes."""
    found = [(m, parse(m.group())) for m in TAG.finditer(text)]
    opens: dict[int, list[int]] = {}
    partner: dict[int, int] = {}  # index of an OPEN <-> index of its CLOSE
    for idx, (_, p) in enumerate(found):
        if p is not None and p[1] == OPEN:
            opens.setdefault(p[0], []).append(idx)
        elif p is not None and p[1] == CLOSE and opens.get(p[0]):
            o = opens[p[0]].pop()
            partner[o], partner[idx] = idx, o
    out: list[str] = []
    pos = 0
    i_of: dict[int, int] = {}
    for idx, (m, p) in enumerate(found):
        if p is None:
            continue  # a private-use character that is not a tag: text
        out.append(seg_text(text[pos : m.start()]))
        pos = m.end()
        n, kind = p
        tag = table.get(n)
        nat = native(tag.kind, tag.name, tag.markup) if tag is not None else Native(None, None, "", "")
        typ = f" type={xml_attr(nat.type)}" if nat.type else ""
        if kind == EMPTY:
            assoc = f" assoc={xml_attr(nat.assoc)}" if nat.assoc else ""
            out.append(f'<ph x="{n}"{typ}{assoc}>{nat.open}</ph>')
        elif idx not in partner:
            where = "begin" if kind == OPEN else "end"
            out.append(f'<it pos="{where}" x="{n}"{typ}>{nat.open if kind == OPEN else nat.close}</it>')
        elif kind == OPEN:
            i_of[idx] = len(i_of) + 1
            out.append(f'<bpt i="{i_of[idx]}" x="{n}"{typ}>{nat.open}</bpt>')
        else:
            out.append(f'<ept i="{i_of[partner[idx]]}">{nat.close}</ept>')
    out.append(seg_text(text[pos:]))
    return "".join(out)


def own_table(value: str | dict[str, Any] | None) -> dict[int, Tag]:
    """Return a tag table from its JSON (a prop tm wrote, a unit's meta), {} when it is not one."""
    try:
        data = json.loads(value) if isinstance(value, str) else value
        return tags.table_from_json(data) if isinstance(data, dict) else {}
    except (ValueError, TypeError, KeyError, AttributeError):
        return {}


def segs(unit: Unit, tmx: dict[str, Any]) -> tuple[str, str, dict[int, Tag]]:
    """Return the <seg> contents of a unit and the part of its tag table they use."""
    sides = tmx.get("source"), tmx.get("target")
    src = sides[0].get("seg") if isinstance(sides[0], dict) else None
    tgt = sides[1].get("seg") if isinstance(sides[1], dict) else None
    source, target = unit.source, unit.target
    if src is None and tgt is None and not TAG.search(source) and not TAG.search(target):
        return seg_text(source), seg_text(target), {}  # plain text, the usual case
    used = set(tags.numbers(source)) | set(tags.numbers(target))
    table = {n: t for n, t in own_table(unit.meta.get("tags")).items() if n in used}
    kept = raw_segments(source, target, (src, tgt))
    if kept is not None:
        return kept[0], kept[1], table
    return seg_xml(source, table), seg_xml(target, table), table
