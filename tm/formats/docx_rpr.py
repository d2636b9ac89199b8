"""Run properties (w:rPr) of a DOCX: which look alike in English, and how a tag names them.

Two runs look alike in English when their w:rPr are equal without what only concerns Arabic
script or bookkeeping: w:rtl, w:cs, w:lang, w:noProof, a tracked w:rPrChange, w:rFonts' hint and
rsid attributes. A formatting span is named by how it differs from its base formatting: b, i, u,
s, sup, sub, color, mark, size, font, caps, hidden, a character style's id, else "span".
"""

from __future__ import annotations

import re

from lxml import etree

from tm.formats.docx_styles import w

MARKUP_LIMIT = 2000  # characters of an EMPTY tag's XML kept as its markup (a text box can be long)
_IGNORED_RPR = {w("rtl"), w("cs"), w("lang"), w("noProof"), w("rPrChange")}
_LABELS = {
    "b": "b",
    "bCs": "b",
    "i": "i",
    "iCs": "i",
    "u": "u",
    "strike": "s",
    "dstrike": "s",
    "color": "color",
    "highlight": "mark",
    "shd": "mark",
    "sz": "size",
    "szCs": "size",
    "rFonts": "font",
    "caps": "caps",
    "smallCaps": "caps",
    "vanish": "hidden",
}
_XMLNS = re.compile(r'\s+xmlns(?::[\w.-]+)?="[^"]*"')
_START = re.compile(r"<[^>]*>")


def markup(el: etree._Element | None, *, start_only: bool = False) -> str:
    """Return an element's XML without namespace declarations (only its start tag if asked)."""
    if el is None:
        return "<w:rPr/>"
    text = _XMLNS.sub("", etree.tostring(el, encoding="unicode", with_tail=False))
    if start_only:
        start = _START.match(text)
        return start.group().replace("/>", ">") if start else ""
    return text if len(text) <= MARKUP_LIMIT else text[: MARKUP_LIMIT - 1] + "…"


def _prop_map(rpr: etree._Element | None) -> dict[str, str]:
    """Return run properties by local name, without those that do not show in English."""
    out: dict[str, str] = {}
    for child in rpr if rpr is not None else ():
        if not isinstance(child.tag, str) or child.tag in _IGNORED_RPR:
            continue
        attrs = {k: v for k, v in child.attrib.items() if k != w("hint") and "rsid" not in k}
        if child.tag == w("rFonts") and not attrs:
            continue
        inner = "".join(etree.tostring(c, encoding="unicode") for c in child)
        out[etree.QName(child).localname] = f"{sorted(attrs.items())}{inner}"
    return out


def rpr_key(rpr: etree._Element | None) -> str:
    """Return run properties as a string that is equal for runs that look alike in English."""
    return "|".join(f"{k}={v}" for k, v in _prop_map(rpr).items())


def labels(rpr: etree._Element | None, base: etree._Element | None) -> list[str]:
    """Return short names for how a formatting differs from the base: b, i, sup, color..."""
    mine, theirs = _prop_map(rpr), _prop_map(base)
    names: list[str] = []
    for prop in [p for p in mine if mine[p] != theirs.get(p)] + [p for p in theirs if p not in mine]:
        if prop == "vertAlign":
            val = rpr.find(w("vertAlign")) if rpr is not None else None
            position = val.get(w("val"), "") if val is not None else ""
            name = {"superscript": "sup", "subscript": "sub"}.get(position, "pos")
        elif prop == "rStyle":
            style = rpr.find(w("rStyle")) if rpr is not None else None
            name = (style.get(w("val"), "style") if style is not None else "style").lower()[:12]
        else:
            name = _LABELS.get(prop, prop[:8])
        if name not in names:
            names.append(name)
    return names or ["span"]
