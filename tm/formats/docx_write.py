"""Writing English into a DOCX paragraph, and making a translated paragraph left-to-right.

The paragraph keeps its w:pPr; its content is rebuilt from the tagged English: text in the
formatting of the innermost open span (a formatting span's w:rPr, or a container's base, or the
paragraph's base), a hyperlink or content control around the runs between its OPEN and CLOSE,
and each EMPTY tag as the very elements it came from. Repairs, so the file is always valid:
a CLOSE without its OPEN is dropped, a span still open at the end is closed there, a container
closed while a span opened inside it is open closes that span's wrapper too; an EMPTY tag used
twice is written once (a footnote mark or a picture must stay unique), and one the English lacks
is written at the end of the paragraph, so no footnote, picture or field is ever lost. Bookmark
and comment starts go first, their ends and comment marks last. A tab in the English becomes
w:tab, a line break w:br.

Right-to-left to left-to-right, in translated paragraphs only. Word reads w:jc and w:ind
left/right of a w:bidi paragraph as start/end (so does LibreOffice, which follows Word), so
dropping w:bidi mirrors the paragraph as Word's own "Left-to-right text direction" command
does: an Arabic paragraph on the right (jc left, or none) becomes English on the left, one on
the left (jc right) goes right. The rules:

* w:bidi is removed from the paragraph, or written off (w:val="0") when its style or the
  document defaults set it; Arabic kashida justification becomes plain justification;
* a paragraph that was left-to-right but held Arabic text and was set right (jc right/end) by
  hand is set left (start);
* w:rtl and w:cs are removed from the runs (off when the style sets them), so English is not
  laid out and sized as complex script; an Arabic w:lang w:val is dropped (w:bidi stays), and
  so is w:rFonts' hint="cs";
* tables whose cells were translated lose w:bidiVisual (their columns run left to right, so the
  first column, the Arabic rightmost, comes leftmost) and sections in a translated body lose
  w:bidi; w:rtlGutter is kept.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from lxml import etree

from tm.formats.docx_read import PROPS, PUA, XML_SPACE, Action, Bit, Container, Plan
from tm.formats.docx_styles import on, w
from tm.formats.xmlsafe import XML_FORBIDDEN
from tm.tags import CLOSE, EMPTY, OPEN, TAG, parse

_BREAKS = re.compile(r"(\r\n|\r|\n|\t)")
_PPR_ORDER = [
    w(n)
    for n in (
        "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr "
        "shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN "
        "bidi adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc "
        "textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange"
    ).split()
]
_RPR_ORDER = [
    w(n)
    for n in (
        "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof "
        "snapToGrid vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd "
        "fitText vertAlign rtl cs em lang eastAsianLayout specVanish oMath rPrChange"
    ).split()
]
_KASHIDA = {"lowKashida", "mediumKashida", "highKashida"}
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


@dataclass
class Direction:
    """What a paragraph inherits that decides how it is made left-to-right."""

    bidi: bool = False  # its style or the document defaults set w:bidi
    rtl: bool = False  # ... set w:rtl on its runs
    cs: bool = False  # ... set w:cs on its runs
    jc: str | None = None  # ... set this w:jc
    arabic: bool = False  # its source text has Arabic letters


def has_arabic(text: str) -> bool:
    """Say whether a text holds Arabic script."""
    return _ARABIC.search(text) is not None


def _put(parent: etree._Element, name: str, order: list[str], val: str) -> etree._Element:
    """Set child `name` of parent to w:val=val, inserting it where the schema order wants it."""
    el = parent.find(name)
    if el is None:
        el = etree.Element(name)
        rank = order.index(name) if name in order else len(order)
        pos = len(parent)
        for i, child in enumerate(parent):
            if child.tag in order and order.index(child.tag) > rank:
                pos = i
                break
        parent.insert(pos, el)
    el.attrib.clear()
    el.set(w("val"), val)
    return el


def ltr_rpr(rpr: etree._Element | None, direction: Direction) -> etree._Element | None:
    """Return a copy of run properties for English text (None when nothing is left)."""
    if rpr is None and not (direction.rtl or direction.cs):
        return None
    out = copy.deepcopy(rpr) if rpr is not None else etree.Element(w("rPr"))
    for name, inherited in (("rtl", direction.rtl), ("cs", direction.cs)):
        el = out.find(w(name))
        if inherited:
            _put(out, w(name), _RPR_ORDER, "0")
        elif el is not None:
            out.remove(el)
    for el in out.findall(w("rPrChange")):
        out.remove(el)
    lang = out.find(w("lang"))
    if lang is not None and lang.get(w("val"), "").lower().startswith("ar"):
        del lang.attrib[w("val")]
    fonts = out.find(w("rFonts"))
    if fonts is not None and fonts.get(w("hint")) == "cs":
        del fonts.attrib[w("hint")]
    for el in (lang, fonts):
        if el is not None and not el.attrib and el.getparent() is out:
            out.remove(el)
    return out if len(out) or out.attrib else None


def make_ltr(p: etree._Element, direction: Direction) -> None:
    """Make a translated paragraph's own properties left-to-right (see the module doc)."""
    ppr = p.find(w("pPr"))
    direct = ppr.find(w("bidi")) if ppr is not None else None
    was_rtl = on(direct) if direct is not None else direction.bidi
    jc_el = ppr.find(w("jc")) if ppr is not None else None
    jc = jc_el.get(w("val")) if jc_el is not None else direction.jc
    new_jc = None
    if was_rtl and jc in _KASHIDA:
        new_jc = "both"
    elif not was_rtl and direction.arabic and jc in ("right", "end"):
        new_jc = "left" if jc == "right" else "start"
    if not (was_rtl or new_jc) and (ppr is None or ppr.find(w("rPr")) is None):
        return
    if ppr is None:
        ppr = etree.Element(w("pPr"))
        p.insert(0, ppr)
    if was_rtl:
        if direction.bidi:
            _put(ppr, w("bidi"), _PPR_ORDER, "0")
        elif direct is not None:
            ppr.remove(direct)
    if new_jc:
        _put(ppr, w("jc"), _PPR_ORDER, new_jc)
    mark = ppr.find(w("rPr"))
    if mark is not None:
        fixed = ltr_rpr(mark, direction)
        if fixed is None:
            fixed = etree.Element(w("rPr"))
        ppr.replace(mark, fixed)


class _Writer:
    """Rebuilds one paragraph's content from tagged English and the paragraph's plan."""

    def __init__(self, p: etree._Element, plan: Plan, direction: Direction):
        self.p, self.plan, self.direction = p, plan, direction
        self.opened: list[int] = []  # open tags, outermost first
        self.wrappers: list[tuple[int, Container, etree._Element]] = []  # open containers
        self.used: set[int] = set()
        self.noop: set[int] = set()  # a content control or field opened again: no second copy

    def parent(self) -> etree._Element:
        return self.wrappers[-1][2] if self.wrappers else self.p

    def rpr(self) -> etree._Element | None:
        for n in reversed(self.opened):
            action = self.plan.actions[n]
            if action.kind == "format":
                return action.rpr
            if action.container in self.plan.base:
                return self.plan.base[action.container]
        return self.plan.base.get(None)

    def bits(self, bits: list[Bit], parent: etree._Element) -> None:
        for bit in bits:
            if bit.in_run:
                run = etree.SubElement(parent, w("r"))
                rpr = ltr_rpr(bit.rpr, self.direction)
                if rpr is not None:
                    run.append(rpr)
                run.append(bit.el)
            else:
                parent.append(bit.el)

    def text(self, text: str) -> None:
        text = PUA.sub("", XML_FORBIDDEN.sub("", text))
        if not text:
            return
        run = etree.SubElement(self.parent(), w("r"))
        rpr = ltr_rpr(self.rpr(), self.direction)
        if rpr is not None:
            run.append(rpr)
        for piece in _BREAKS.split(text):
            if piece == "\t":
                etree.SubElement(run, w("tab"))
            elif piece in ("\r\n", "\r", "\n"):
                etree.SubElement(run, w("br"))
            elif piece:
                t = etree.SubElement(run, w("t"))
                t.text = piece
                if piece != piece.strip() or "  " in piece:
                    t.set(XML_SPACE, "preserve")

    def open(self, n: int, action: Action) -> None:
        if n in self.opened:
            return
        self.opened.append(n)
        c = action.container
        if c is None:
            return
        if c.kind != "link" and n in self.used:
            self.noop.add(n)
            return
        self.used.add(n)
        parent = self.parent()
        if c.kind == "field":
            self.bits(c.code, parent)
            inner = parent
        elif c.kind == "sdt" and c.el is not None:
            outer = etree.SubElement(parent, w("sdt"))
            for child in c.el:
                if child.tag in (w("sdtPr"), w("sdtEndPr")):
                    outer.append(copy.deepcopy(child))
            inner = etree.SubElement(outer, w("sdtContent"))
        else:
            assert c.el is not None
            inner = etree.SubElement(parent, c.el.tag)
            for key, value in c.el.attrib.items():
                inner.set(key, value)
            for child in c.el:
                if child.tag in PROPS:
                    inner.append(copy.deepcopy(child))
        self.wrappers.append((n, c, inner))

    def close(self, n: int) -> None:
        if n not in self.opened:
            return  # a CLOSE without its OPEN: dropped
        if self.plan.actions[n].kind == "format" or n in self.noop:
            self.opened.remove(n)
            self.noop.discard(n)
            return
        while self.wrappers:
            m, c, inner = self.wrappers.pop()
            if m in self.opened:
                self.opened.remove(m)
            if c.kind == "field":
                self.bits(c.end, inner)
            if m == n:
                break

    def empty(self, n: int) -> None:
        if n not in self.used:
            self.used.add(n)
            self.bits(self.plan.actions[n].bits, self.parent())

    def write(self, english: str) -> None:
        ppr = self.p.find(w("pPr"))
        for child in list(self.p):
            if child is not ppr:
                self.p.remove(child)
        for el in self.plan.starts:
            self.p.append(el)
        pos = 0
        for m in TAG.finditer(english):
            self.text(english[pos : m.start()])
            pos = m.end()
            parsed = parse(m.group())
            action = self.plan.actions.get(parsed[0]) if parsed else None
            if parsed is None or action is None:
                continue
            n, kind = parsed
            if kind == EMPTY and action.kind == "empty":
                self.empty(n)
            elif kind == OPEN and action.kind != "empty":
                self.open(n, action)
            elif kind == CLOSE and action.kind != "empty":
                self.close(n)
        self.text(english[pos:])
        while self.wrappers:  # containers still open at the end close there
            _, c, inner = self.wrappers.pop()
            if c.kind == "field":
                self.bits(c.end, inner)
        for n, action in self.plan.actions.items():
            if action.kind == "empty" and n not in self.used:
                self.empty(n)
        for el in self.plan.ends:
            self.p.append(el)
        self.bits(self.plan.tails, self.p)


def write(p: etree._Element, plan: Plan, english: str, direction: Direction) -> None:
    """Replace a paragraph's content with tagged English and make it left-to-right."""
    _Writer(p, plan, direction).write(english)
    make_ltr(p, direction)
