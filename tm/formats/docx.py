"""DOCX: the paragraphs of a Word document as blocks of tagged text, and the English put back.

Blocks, in this order: the headers (header1.xml, header2.xml, ...), the body (document.xml:
headings, paragraphs, list items, table cells, text boxes), footnotes, endnotes, then the
footers. A block is one w:p with words in it (letters or Arabic script); a paragraph of only
figures, punctuation, fields or pictures is left as it is. Its kind: header, footer and
footnote by part; in the body cell (inside w:tc), heading (a Heading n/Title/Subtitle style, or
an outline level), item (w:numPr or a list style), else paragraph. Text boxes are read once:
Word writes each twice (DrawingML in mc:Choice, VML in mc:Fallback); the fallback copy is
replaced by the translated one on merge. How a paragraph becomes tagged text: docx_read; how
English goes back, and right-to-left becomes left-to-right: docx_write.

Refused with a FormatError before anything is read: see docx_package (not a zip, .doc, RTF,
password, zip bombs, macros, external relationships, DOCTYPE), and here: Strict Open XML,
tracked changes (w:ins, w:del, moves: "accept or reject them first", as tm cannot know which
text is meant) and DDE fields (they run programs). Formatting changes recorded by track changes
(w:rPrChange) are taken as they are now.

merge rewrites only parts with a translated paragraph (a Translated(text=None) block is left
exactly as it was) and changes nothing else in them but those paragraphs, the bidi of their
tables and, in the body, of its sections; every other member of the zip is copied unchanged.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from lxml import etree

from tm.errors import FormatError
from tm.formats.blocks import Block, Translated
from tm.formats.docx_package import MC, STRICT_W, Package, W, serialize
from tm.formats.docx_read import Context, Plan, plan
from tm.formats.docx_styles import Styles, w
from tm.formats.docx_write import Direction, has_arabic, write
from tm.tags import strip

_PART_KINDS = {"header": "header", "footnotes": "footnote", "endnotes": "footnote", "footer": "footer"}
_REVISIONS = (w("ins"), w("del"), w("moveFrom"), w("moveTo"), w("cellIns"), w("cellDel"))
_DDE = re.compile(r"(^|\s)DDE(AUTO)?\b", re.IGNORECASE)
_WORDLIKE = re.compile("[\u0600-\u06ff]")


@dataclass
class _Slot:
    """A paragraph that is a block: where it is, how it reads, what it inherits."""

    part: str
    p: etree._Element
    plan: Plan
    kind: str
    direction: Direction
    id: str


def _natural(name: str) -> list[object]:
    return [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", name)]


class _Document:
    """A DOCX opened for reading or merging: package, content parts in block order, styles."""

    def __init__(self, data: bytes, name: str):
        self.name = name
        self.pkg = Package(data, name)
        rels = self.pkg.rels(self.pkg.main)
        by_kind: dict[str, list[str]] = {}
        for rel in rels:
            kind = rel.type.rsplit("/", 1)[-1]
            if not rel.external and self.pkg.has(rel.target):
                by_kind.setdefault(kind, []).append(rel.target)
        styles = by_kind.get("styles", [])
        self.styles = Styles(self.pkg.xml(styles[0]) if styles else None)
        order = [(p, "header") for p in sorted(set(by_kind.get("header", [])), key=_natural)]
        order.append((self.pkg.main, "body"))
        for kind in ("footnotes", "endnotes"):
            order += [(p, kind) for p in sorted(set(by_kind.get(kind, [])), key=_natural)]
        order += [(p, "footer") for p in sorted(set(by_kind.get("footer", [])), key=_natural)]
        self.parts = order
        self.roots = {part: self.pkg.xml(part) for part, _ in order}
        self._check(self.roots[self.pkg.main])
        for part, _ in order:
            self._check_content(part, self.roots[part])
        self.notes: dict[tuple[str, str], str] = {}
        for part, kind in order:
            if kind in ("footnotes", "endnotes"):
                short = "fn" if kind == "footnotes" else "en"
                for note in self.roots[part].iterchildren(w(kind[:-1])):
                    text = "".join(t.text or "" for t in note.iter(w("t"))).strip()
                    self.notes[(short, note.get(w("id"), ""))] = text

    def error(self, message: str) -> FormatError:
        return FormatError(message, path=self.name)

    def _check(self, root: etree._Element) -> None:
        ns = etree.QName(root).namespace
        if ns == STRICT_W:
            raise self.error(
                "the document is saved as Strict Open XML, which tm does not read; save it in Word "
                "as Word Document (.docx)"
            )
        if ns != W:
            raise self.error(f"this is not a Word document (its main part is <{root.tag}>)")

    def _check_content(self, part: str, root: etree._Element) -> None:
        for el in root.iter(*_REVISIONS):
            who = el.get(w("author"))
            by = f" by {who}" if who else ""
            raise self.error(
                f"the document has tracked changes (an insertion or deletion{by} in {part}); accept or "
                "reject them in Word (Review > Accept > Accept All Changes), save, and upload it again"
            )
        for p in root.iter(w("p")):
            instr = "".join(t.text or "" for t in p.iter(w("instrText")))
            instr += " ".join(f.get(w("instr"), "") for f in p.iter(w("fldSimple")))
            if _DDE.search(instr):
                raise self.error(
                    "the document has a DDE field, which starts another program when the file is "
                    "opened; tm refuses it. Remove the field in Word and save the file again"
                )

    def slots(self) -> list[_Slot]:
        """Return the paragraphs that are blocks, in block order."""
        out: list[_Slot] = []
        for part, part_kind in self.parts:
            root = self.roots[part]
            links = {r.id: r.target for r in self.pkg.rels(part)}
            ctx = Context(links=links, notes=self.notes)
            index = 0
            for p in root.iter(w("p")):
                if _skipped(p):
                    continue
                index += 1
                read = plan(p, ctx)
                plain = strip(read.text)
                if not any(c.isalpha() for c in plain) and not _WORDLIKE.search(plain):
                    continue
                kind = _PART_KINDS.get(part_kind) or self._kind(p)
                out.append(_Slot(part, p, read, kind, self._direction(p, plain), f"{part}#{index}"))
        return out

    def _style(self, p: etree._Element) -> str | None:
        style = p.find(f"{w('pPr')}/{w('pStyle')}")
        return style.get(w("val")) if style is not None else None

    def _kind(self, p: etree._Element) -> str:
        if next(p.iterancestors(w("tc")), None) is not None:
            return "cell"
        style = self._style(p)
        if self.styles.is_heading(style):
            return "heading"
        num = p.find(f"{w('pPr')}/{w('numPr')}")
        if num is not None:
            num_id = num.find(w("numId"))
            if num_id is None or num_id.get(w("val")) != "0":
                return "item"
        elif self.styles.is_list(style):
            return "item"
        return "paragraph"

    def _direction(self, p: etree._Element, plain: str) -> Direction:
        style = self._style(p)
        return Direction(
            bidi=self.styles.paragraph_flag(style, "bidi"),
            rtl=self.styles.run_flag(style, "rtl"),
            cs=self.styles.run_flag(style, "cs"),
            jc=self.styles.paragraph_value(style, "jc"),
            arabic=has_arabic(plain),
        )


def _skipped(p: etree._Element) -> bool:
    """Say whether a paragraph is a copy (a text box's VML fallback) or a footnote separator."""
    for up in p.iterancestors():
        if up.tag == f"{{{MC}}}Fallback":
            return True
        if up.tag in (w("footnote"), w("endnote")) and up.get(w("type")) not in (None, "normal"):
            return True
    return False


def extract(data: bytes, *, name: str) -> list[Block]:
    """Return the blocks of a DOCX file, in reading order (FormatError for a file tm cannot read)."""
    return [
        Block(text=s.plan.text, tags=s.plan.tags, kind=s.kind, id=s.id) for s in _Document(data, name).slots()
    ]


def merge(data: bytes, translated: list[Translated], *, name: str) -> bytes:
    """Return the DOCX with each block's English in its place and made left-to-right."""
    doc = _Document(data, name)
    slots = doc.slots()
    if len(translated) != len(slots):
        raise FormatError(
            f"tm has {len(translated)} translated blocks for the {len(slots)} paragraphs of this file; "
            "it is not the file the document was made from",
            path=name,
        )
    done: dict[str, list[_Slot]] = {}
    for slot, english in zip(slots, translated, strict=True):
        if english.text is None:
            continue
        write(slot.p, slot.plan, english.text, slot.direction)
        done.setdefault(slot.part, []).append(slot)
    replaced = {}
    for part, changed in done.items():
        root = doc.roots[part]
        for slot in changed:
            table = next(slot.p.iterancestors(w("tbl")), None)
            props = table.find(w("tblPr")) if table is not None else None
            if props is not None:
                for el in props.findall(w("bidiVisual")):
                    props.remove(el)
        if part == doc.pkg.main:
            for section in root.iter(w("sectPr")):
                for el in section.findall(w("bidi")):
                    section.remove(el)
        _copy_text_boxes(root, {slot.p for slot in changed})
        replaced[part] = serialize(root, doc.pkg.read(part))
    return doc.pkg.write(replaced)


def _copy_text_boxes(root: etree._Element, translated: set[etree._Element]) -> None:
    """Give a translated text box's VML fallback copy the translated paragraphs."""
    for alt in list(root.iter(f"{{{MC}}}AlternateContent")):
        choice, fallback = alt.find(f"{{{MC}}}Choice"), alt.find(f"{{{MC}}}Fallback")
        if choice is None or fallback is None:
            continue
        sources, copies = list(choice.iter(w("txbxContent"))), list(fallback.iter(w("txbxContent")))
        if not sources or len(sources) != len(copies):
            continue
        if not any(p in translated for box in sources for p in box.iter(w("p"))):
            continue
        for source, target in zip(sources, copies, strict=True):
            for child in list(target):
                target.remove(child)
            for child in source:
                target.append(copy.deepcopy(child))
