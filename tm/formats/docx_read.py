"""A DOCX paragraph as tagged text, and the plan that writes English back in its place.

The paragraph's content is flattened, without recursion, into pieces in document order: text,
things that stand alone (a tab, a line break, a footnote mark, a picture, a field), bookmark
and comment ranges, each with the chain of containers around it (hyperlinks, content controls,
HYPERLINK fields). Smart tags, custom XML and w:dir/w:bdo embeddings are see-through: their
runs are read and the wrappers are not written back (w:dir and w:bdo only set right-to-left).

Formatting: runs are compared by their w:rPr without what only concerns Arabic script or
bookkeeping (docx_rpr: w:rtl, w:cs, w:lang, w:noProof, w:rPrChange, w:rFonts' hint, rsids). In
each container the formatting with the most characters is its base and has no tag; a stretch
of text in another formatting is an OPEN/CLOSE pair whose markup is that run's w:rPr. White space
alone takes whatever formatting is current, so a space never opens a span. A hyperlink is an
OPEN/CLOSE pair ("a", the link's start tag, the address as title) with its own base formatting.

Fields: a complex field (w:fldChar begin ... separate ... end) complete in the paragraph is one
EMPTY tag holding all its runs, except a HYPERLINK field whose shown text is translated between
an OPEN and a CLOSE. A field that starts or ends in another paragraph (a table of contents)
leaves its instruction as an EMPTY tag and its shown text as text. w:fldSimple is one EMPTY tag
(a HYPERLINK one is a link). Bookmarks, comment ranges and permissions are not tags: they are
written back around the English paragraph (starts first, ends last); proofing marks and
w:lastRenderedPageBreak are dropped from a translated paragraph as they describe the Arabic.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from tm.formats.docx_package import MC, R
from tm.formats.docx_rpr import MARKUP_LIMIT, labels, markup, rpr_key
from tm.formats.docx_styles import w
from tm.tags import CLOSE, EMPTY, OPEN, Tag, char

M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
PUA = re.compile("[\ue000-\uf8ff]+")  # private use: would read as tm tags (symbol fonts use it)

_TRANSPARENT = {w("smartTag"), w("customXml"), w("dir"), w("bdo"), w("ins"), w("moveTo")}
PROPS = {w("sdtPr"), w("sdtEndPr"), w("fldData"), w("smartTagPr"), w("customXmlPr")}
_STARTS = {
    w(n)
    for n in ("bookmarkStart", "commentRangeStart", "permStart", "moveFromRangeStart", "moveToRangeStart")
}
_ENDS = {w(n) for n in ("bookmarkEnd", "commentRangeEnd", "permEnd", "moveFromRangeEnd", "moveToRangeEnd")}
_DROP = {w("proofErr"), w("lastRenderedPageBreak")}
_PICTURES = {w("drawing"), w("pict"), w("object"), f"{{{MC}}}AlternateContent", w("contentPart")}
_SPACES = re.compile(r"[\t\r\n]")
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


@dataclass
class Bit:
    """An element to give back: alone, or inside a new run with a copy of rpr."""

    el: etree._Element
    rpr: etree._Element | None
    in_run: bool


@dataclass(eq=False)
class Container:
    """A span the English goes inside: a hyperlink, a content control, a HYPERLINK field."""

    kind: str  # link (w:hyperlink, HYPERLINK w:fldSimple) | sdt | field (complex HYPERLINK field)
    el: etree._Element | None  # the wrapper element of a link or sdt
    tag: Tag
    code: list[Bit] = field(default_factory=list)  # field: the runs from begin to separate
    end: list[Bit] = field(default_factory=list)  # field: the run of fldChar end


@dataclass
class Piece:
    """One thing in a paragraph, in document order."""

    kind: str  # text | empty | start | end | tail | fld | instr
    chain: tuple[Container, ...]
    text: str = ""
    rpr: etree._Element | None = None
    bits: list[Bit] = field(default_factory=list)
    name: str = ""
    title: str = ""
    fld: str = ""


@dataclass
class Action:
    """What tag n stands for when writing: a formatting, a container, or elements to put back."""

    kind: str  # format | container | empty
    rpr: etree._Element | None = None
    container: Container | None = None
    bits: list[Bit] = field(default_factory=list)


@dataclass
class Plan:
    """A paragraph read: its tagged text and what merge needs to write English in its place."""

    text: str
    tags: dict[int, Tag]
    actions: dict[int, Action]
    base: dict[Container | None, etree._Element | None]
    starts: list[etree._Element]
    ends: list[etree._Element]
    tails: list[Bit]


@dataclass
class Context:
    """What a paragraph's tags need from around it: link addresses and footnote texts."""

    links: dict[str, str] = field(default_factory=dict)  # r:id -> URL
    notes: dict[tuple[str, str], str] = field(default_factory=dict)  # (fn|en, id) -> text


def _note_title(el: etree._Element, ctx: Context, kind: str) -> str:
    return ctx.notes.get((kind, el.get(w("id"), "")), "")[:200]


def _picture_title(el: etree._Element) -> str:
    for doc_pr in el.iter(f"{{{WP}}}docPr"):
        return doc_pr.get("descr") or doc_pr.get("title") or doc_pr.get("name") or ""
    return ""


def _t(text: str) -> etree._Element:
    t = etree.Element(w("t"))
    t.text = text
    t.set(XML_SPACE, "preserve")
    return t


def _text(
    text: str, chain: tuple[Container, ...], rpr: etree._Element | None, el: etree._Element | None = None
) -> Piece:
    """Return a text piece; its bit (the w:t, or a new one) puts it back as it was inside a field."""
    return Piece("text", chain, text=text, rpr=rpr, bits=[Bit(el if el is not None else _t(text), rpr, True)])


def _run_pieces(run: etree._Element, chain: tuple[Container, ...], ctx: Context) -> list[Piece]:
    rpr = run.find(w("rPr"))
    out: list[Piece] = []

    def empty(el: etree._Element, name: str, title: str = "") -> None:
        out.append(Piece("empty", chain, rpr=rpr, bits=[Bit(el, rpr, True)], name=name, title=title))

    for child in run:
        tag = child.tag
        if not isinstance(tag, str) or tag == w("rPr") or tag in _DROP:
            continue
        if tag == w("t"):
            # white space other than spaces would break a block's one line; Word shows it as spaces
            text, pos = _SPACES.sub(" ", child.text or ""), 0
            for m in PUA.finditer(text):
                if m.start() > pos:
                    out.append(_text(text[pos : m.start()], chain, rpr))
                empty(_t(m.group()), "sym", f"U+{ord(m.group()[0]):04X}")
                pos = m.end()
            if pos < len(text):
                out.append(_text(text[pos:], chain, rpr, child if pos == 0 else None))
        elif tag in (w("noBreakHyphen"), w("softHyphen")):
            hyphen = "\u2011" if tag == w("noBreakHyphen") else "\u00ad"
            out.append(_text(hyphen, chain, rpr, child))
        elif tag in (w("tab"), w("ptab")):
            empty(child, "tab")
        elif tag in (w("br"), w("cr")):
            empty(child, "page" if child.get(w("type")) == "page" else "br")
        elif tag == w("fldChar"):
            fld = child.get(w("fldCharType"), "")
            out.append(Piece("fld", chain, rpr=rpr, bits=[Bit(child, rpr, True)], fld=fld))
        elif tag == w("instrText"):
            out.append(Piece("instr", chain, text=child.text or "", rpr=rpr, bits=[Bit(child, rpr, True)]))
        elif tag in (w("footnoteReference"), w("footnoteRef")):
            empty(child, "fn", _note_title(child, ctx, "fn"))
        elif tag in (w("endnoteReference"), w("endnoteRef")):
            empty(child, "en", _note_title(child, ctx, "en"))
        elif tag == w("commentReference"):
            out.append(Piece("tail", chain, bits=[Bit(child, rpr, True)]))
        elif tag in _PICTURES:
            empty(child, "obj" if tag == w("object") else "img", _picture_title(child))
        elif tag == w("sym"):
            empty(child, "sym", child.get(w("char"), ""))
        else:
            empty(child, etree.QName(tag).localname[:12])
    return out


def link_target(el: etree._Element, ctx: Context) -> str:
    """Return where a w:hyperlink points: its URL, or #bookmark."""
    rid = el.get(f"{{{R}}}id")
    if rid:
        return ctx.links.get(rid, "")
    anchor = el.get(w("anchor"))
    return f"#{anchor}" if anchor else ""


def field_target(instr: str) -> str | None:
    """Return the address of a HYPERLINK field instruction, None for any other field."""
    words = instr.strip().split(None, 1)
    if not words or words[0].upper() != "HYPERLINK":
        return None
    rest = words[1] if len(words) > 1 else ""
    anchor = re.search(r'\\l\s+"([^"]*)"', rest)
    quoted = re.match(r'\s*"([^"]*)"', rest)
    if quoted:
        return quoted.group(1)
    if anchor:
        return f"#{anchor.group(1)}"
    return rest.split()[0] if rest.split() else ""


def flatten(p: etree._Element, ctx: Context) -> list[Piece]:
    """Return a paragraph's content as pieces in document order, walking with a stack."""
    pieces: list[Piece] = []
    stack: list[tuple[Iterator[etree._Element], tuple[Container, ...]]] = [(p.iterchildren(), ())]
    while stack:
        children, chain = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            continue
        tag = child.tag
        if not isinstance(tag, str) or tag in (w("pPr"),) or tag in PROPS or tag in _DROP:
            continue
        if tag == w("r"):
            pieces.extend(_run_pieces(child, chain, ctx))
        elif tag == w("hyperlink"):
            tag_ = Tag("open", "a", markup(child, start_only=True), link_target(child, ctx))
            stack.append((child.iterchildren(), chain + (Container("link", child, tag_),)))
        elif tag == w("fldSimple"):
            instr = child.get(w("instr"), "")
            target = field_target(instr)
            if target is not None:
                tag_ = Tag("open", "a", markup(child, start_only=True), target)
                stack.append((child.iterchildren(), chain + (Container("link", child, tag_),)))
            else:
                bits = [Bit(child, None, False)]
                pieces.append(Piece("empty", chain, bits=bits, name="field", title=instr.strip()))
        elif tag == w("sdt"):
            content = child.find(w("sdtContent"))
            alias = child.find(f"{w('sdtPr')}/{w('alias')}")
            title = alias.get(w("val"), "") if alias is not None else ""
            if content is not None:
                tag_ = Tag("open", "sdt", markup(child, start_only=True), title)
                stack.append((content.iterchildren(), chain + (Container("sdt", child, tag_),)))
        elif tag in _TRANSPARENT:
            stack.append((child.iterchildren(), chain))
        elif tag in _STARTS:
            pieces.append(Piece("start", chain, bits=[Bit(child, None, False)]))
        elif tag in _ENDS:
            pieces.append(Piece("end", chain, bits=[Bit(child, None, False)]))
        else:
            name = "math" if tag.startswith(f"{{{M}}}") else etree.QName(tag).localname[:12]
            pieces.append(Piece("empty", chain, bits=[Bit(child, None, False)], name=name))
    return _group_fields(pieces)


def _field_empty(group: list[Piece], title: str) -> Piece:
    bits = [b for pc in group for b in pc.bits]
    return Piece("empty", group[0].chain, bits=bits, name="field", title=title.strip()[:200])


def _group_fields(pieces: list[Piece]) -> list[Piece]:
    """Turn runs of fldChar/instrText into EMPTY tags or HYPERLINK spans (see the module doc)."""
    out: list[Piece] = []
    i = 0
    while i < len(pieces):
        pc = pieces[i]
        if pc.kind == "instr" or (pc.kind == "fld" and pc.fld != "begin"):
            out.append(_field_empty([pc], pc.text))
            i += 1
            continue
        if pc.kind != "fld":
            out.append(pc)
            i += 1
            continue
        depth, sep, end, nested = 0, None, None, False
        for j in range(i, len(pieces)):
            q = pieces[j]
            if q.kind != "fld":
                continue
            if q.fld == "begin":
                depth += 1
                nested = nested or depth > 1
            elif q.fld == "separate" and depth == 1 and sep is None:
                sep = j
            elif q.fld == "end":
                depth -= 1
                if depth == 0:
                    end = j
                    break
        code_end = sep if sep is not None else (end if end is not None else len(pieces) - 1)
        instr = "".join(q.text for q in pieces[i : code_end + 1] if q.kind == "instr")
        if end is None:
            stop = sep if sep is not None else len(pieces) - 1
            out.append(_field_empty(pieces[i : stop + 1], instr))
            i = stop + 1
            continue
        url = field_target(instr)
        result = pieces[sep + 1 : end] if sep is not None else []
        if (
            url is not None
            and sep is not None
            and not nested
            and result
            and all(q.chain == pc.chain and q.kind in ("text", "empty") for q in result)
        ):
            code = [b for q in pieces[i : sep + 1] for b in q.bits]
            tag = Tag("open", "a", instr.strip()[:200], url)
            container = Container("field", None, tag, code, pieces[end].bits)
            for q in result:
                q.chain = q.chain + (container,)
            out.extend(result)
        else:
            out.append(_field_empty(pieces[i : end + 1], instr))
        i = end + 1
    return out


def plan(p: etree._Element, ctx: Context) -> Plan:
    """Return a paragraph as tagged text with the plan to write it back."""
    pieces = flatten(p, ctx)
    counts: dict[Container | None, dict[str, int]] = {}
    first: dict[tuple[Container | None, str], etree._Element | None] = {}
    for pc in pieces:
        if pc.kind == "text":
            inner = pc.chain[-1] if pc.chain else None
            key = rpr_key(pc.rpr)
            weight = 0 if pc.text.isspace() else len(pc.text)
            counts.setdefault(inner, {})
            counts[inner][key] = counts[inner].get(key, 0) + weight
            first.setdefault((inner, key), pc.rpr)
    base_key: dict[Container | None, str] = {}
    for c, cnt in counts.items():
        base_key[c] = max(cnt, key=cnt.__getitem__)  # the first of the most used, on a tie
    result = Plan("", {}, {}, {c: first[(c, k)] for c, k in base_key.items()}, [], [], [])
    out: list[str] = []
    open_: list[tuple[Container, int]] = []
    fmt: list[tuple[str, int]] = []  # the open formatting span, at most one

    def new(tag: Tag, action: Action) -> int:
        n = len(result.tags) + 1
        result.tags[n], result.actions[n] = tag, action
        return n

    def close_fmt() -> None:
        if fmt:
            out.append(char(fmt.pop()[1], CLOSE))

    for pc in pieces:
        if pc.kind in ("start", "end"):
            (result.starts if pc.kind == "start" else result.ends).extend(b.el for b in pc.bits)
            continue
        if pc.kind == "tail":
            result.tails.extend(pc.bits)
            continue
        common = 0
        while common < min(len(open_), len(pc.chain)) and open_[common][0] is pc.chain[common]:
            common += 1
        if common < len(open_) or common < len(pc.chain):
            close_fmt()
            while len(open_) > common:
                out.append(char(open_.pop()[1], CLOSE))
            for c in pc.chain[common:]:
                n = new(c.tag, Action("container", container=c))
                open_.append((c, n))
                out.append(char(n, OPEN))
        inner = pc.chain[-1] if pc.chain else None
        if pc.kind == "empty":
            tag = Tag("empty", pc.name, "".join(markup(b.el) for b in pc.bits)[:MARKUP_LIMIT], pc.title)
            out.append(char(new(tag, Action("empty", bits=pc.bits)), EMPTY))
            continue
        key = rpr_key(pc.rpr)
        if pc.text.isspace() or key == base_key.get(inner):
            if not pc.text.isspace():
                close_fmt()
        elif not fmt or fmt[0][0] != key:
            close_fmt()
            names = labels(pc.rpr, result.base.get(inner))
            tag = Tag("open", names[0], markup(pc.rpr), " + ".join(names) if len(names) > 1 else "")
            n = new(tag, Action("format", rpr=pc.rpr))
            fmt.append((key, n))
            out.append(char(n, OPEN))
        out.append(pc.text)
    close_fmt()
    while open_:
        out.append(char(open_.pop()[1], CLOSE))
    result.text = "".join(out)
    return result
