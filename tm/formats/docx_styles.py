"""What a DOCX paragraph inherits from its style: heading or list, and right-to-left direction.

Only read: styles.xml is kept byte for byte. A style's properties are looked up along its basedOn
chain, then in the document defaults, so a paragraph whose style (or the whole document) is set
right-to-left is recognised even when the paragraph itself says nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from tm.formats.docx_package import W

_HEADING = re.compile(r"heading \d|title|subtitle")
_MAX_CHAIN = 32  # basedOn links followed before giving up (a loop or a crafted file)


def w(name: str) -> str:
    """Return the Clark name of a WordprocessingML element or attribute."""
    return f"{{{W}}}{name}"


def on(el: etree._Element | None) -> bool | None:
    """Return the value of a boolean property element (None when absent): w:val 0/false/off is off."""
    if el is None:
        return None
    return el.get(w("val"), "true").lower() not in ("0", "false", "off")


@dataclass
class Style:
    """One paragraph or character style of styles.xml."""

    id: str
    name: str
    based_on: str | None
    ppr: etree._Element | None
    rpr: etree._Element | None


class Styles:
    """The styles of a document, for inheritance lookups."""

    def __init__(self, root: etree._Element | None):
        self.styles: dict[str, Style] = {}
        self.default_paragraph: str | None = None
        self.ppr_default: etree._Element | None = None
        self.rpr_default: etree._Element | None = None
        if root is None:
            return
        for el in root.iter(w("style")):
            sid = el.get(w("styleId"), "")
            name_el, based = el.find(w("name")), el.find(w("basedOn"))
            self.styles[sid] = Style(
                sid,
                (name_el.get(w("val"), "") if name_el is not None else "").lower(),
                based.get(w("val")) if based is not None else None,
                el.find(w("pPr")),
                el.find(w("rPr")),
            )
            if el.get(w("type")) == "paragraph" and el.get(w("default")) in ("1", "true", "on"):
                self.default_paragraph = sid
        defaults = root.find(w("docDefaults"))
        if defaults is not None:
            self.ppr_default = defaults.find(f"{w('pPrDefault')}/{w('pPr')}")
            self.rpr_default = defaults.find(f"{w('rPrDefault')}/{w('rPr')}")

    def chain(self, style_id: str | None) -> list[Style]:
        """Return a style and the styles it is based on, nearest first."""
        out: list[Style] = []
        sid = style_id if style_id is not None else self.default_paragraph
        while sid is not None and sid in self.styles and len(out) < _MAX_CHAIN:
            style = self.styles[sid]
            if style in out:
                break
            out.append(style)
            sid = style.based_on
        return out

    def is_heading(self, style_id: str | None) -> bool:
        """Say whether a paragraph style is a heading, a title or a subtitle (or has an outline level)."""
        for style in self.chain(style_id):
            if _HEADING.fullmatch(style.name):
                return True
            level = style.ppr.find(w("outlineLvl")) if style.ppr is not None else None
            if level is not None:
                return level.get(w("val")) != "9"
        return False

    def is_list(self, style_id: str | None) -> bool:
        """Say whether a paragraph style numbers or bullets its paragraphs."""
        for style in self.chain(style_id):
            if style.name.startswith("list "):
                return True
            if style.ppr is not None:
                num = style.ppr.find(f"{w('numPr')}/{w('numId')}")
                if num is not None:
                    return num.get(w("val")) != "0"
        return False

    def paragraph_flag(self, style_id: str | None, name: str) -> bool:
        """Return a boolean paragraph property as the style chain and the defaults set it."""
        for style in self.chain(style_id):
            if style.ppr is not None:
                value = on(style.ppr.find(w(name)))
                if value is not None:
                    return value
        if self.ppr_default is not None:
            return bool(on(self.ppr_default.find(w(name))))
        return False

    def paragraph_value(self, style_id: str | None, name: str) -> str | None:
        """Return the w:val of a paragraph property as the style chain and the defaults set it."""
        for ppr in [s.ppr for s in self.chain(style_id)] + [self.ppr_default]:
            el = ppr.find(w(name)) if ppr is not None else None
            if el is not None:
                return el.get(w("val"))
        return None

    def run_flag(self, style_id: str | None, name: str) -> bool:
        """Return a boolean run property as the paragraph style chain and the defaults set it."""
        for style in self.chain(style_id):
            if style.rpr is not None:
                value = on(style.rpr.find(w(name)))
                if value is not None:
                    return value
        if self.rpr_default is not None:
            return bool(on(self.rpr_default.find(w(name))))
        return False
