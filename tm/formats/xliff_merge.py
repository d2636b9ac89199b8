"""Writing tm's English into an XLIFF file: targets, states, match data, the rest kept.

Each segment's English becomes its <target> (made after the <source>, or the <seg-source>,
when missing; a 1.2 target of several <mrk> segments is made from the <seg-source> with the
segments emptied), inline codes written back from the elements the tags stand for. States
come from tm.formats.xliff_state.state_for: 1.2 sets the target's state and
state-qualifier, tm:origin and tm:score (and, in a segmented target, tm:state, tm:origin
and tm:score on each <mrk>, the target taking the state of its least advanced segment);
2.x sets the segment's state and subState. A 1.2 unit's approved flag follows the status
(see xliff_state). A file without a target language gets tm's.

The prolog (declaration, DOCTYPE, comments) and the root's start tag are kept byte for
byte; the rest is written by lxml as it read it (attributes in double quotes, character
references as characters). Merge holds the whole tree: about fifteen times the file's size
in memory, so the size limit keeps that within reach.
"""

from __future__ import annotations

import copy
import re
from io import BytesIO
from typing import Any

from lxml import etree

from tm.formats.blocks import Block, Translated
from tm.formats.xliff_read import (
    PARSER_OPTIONS,
    TM,
    Doc,
    Segment,
    check,
    check_langs,
    doc_of,
    read_unit,
    root_at,
    seg_mrks,
    syntax_error,
)
from tm.formats.xliff_render import write
from tm.formats.xliff_state import EMPTY_STATE, TM_NS, lowest, origin_of, state_for, status_of
from tm.formats.xmlsafe import xml_attr


def _declare_tm(data: bytes) -> bytes:
    """Declare tm's namespace on the root element (UTF-8 files), so tm:* attributes use it."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data
    found = root_at(data)
    if found is None:
        return data
    start, qname = found
    end = data.find(b">", start)
    if TM_NS.encode() in data[start:end] or b"urn:oasis:names:tc:xliff:document:2." in data[start:end]:
        return data  # declared already, or XLIFF 2.x, where tm's match data goes in subState
    taken = set(re.findall(rb"xmlns:([\w.-]+)\s*=", data[start:end]))
    prefix = next(p for p in (b"tm", b"tm1", b"tm2", b"tmx", b"tm-ns") if p not in taken)
    at = start + 1 + len(qname)
    return data[:at] + b" xmlns:" + prefix + b'="' + TM_NS.encode() + b'"' + data[at:]


def merge(
    data: bytes, translated: list[Translated], *, name: str, source_lang: str = "ar", target_lang: str = "en"
) -> bytes:
    """Return the XLIFF file with each segment's English as its target, with states and match data."""
    check(data, name)
    writes = any(t.text is not None for t in translated)
    if writes:
        data = _declare_tm(data)
    parser = etree.XMLParser(remove_blank_text=False, **PARSER_OPTIONS)
    try:
        tree = etree.parse(BytesIO(data), parser)
    except etree.XMLSyntaxError as e:
        raise syntax_error(e, name) from None
    root = tree.getroot()
    before = dict(root.attrib)
    doc = doc_of(root, name)
    files = root.findall(doc.q("file"))
    for holder in files if doc.version == "1.2" else [root]:
        check_langs(holder, doc, source_lang, target_lang)
    count = 0
    # unit by unit, so that what a unit's reading holds (codes, elements) goes with it
    for unit in root.iter(doc.q("trans-unit" if doc.version == "1.2" else "unit")):
        segments = read_unit(doc, unit)
        mine = translated[count : count + len(segments)]
        count += len(segments)
        if len(mine) < len(segments):
            continue  # too few translations: counted, then refused below
        several = []
        for (seg, block), tr in zip(segments, mine, strict=True):
            if seg.several:
                several.append((seg, block, tr if tr.text is not None else None))
            if tr.text is not None:
                (_write_12 if doc.version == "1.2" else _write_20)(doc, seg, tr)
        if several:
            _finish_segmented_12(doc, unit, several)
    if count != len(translated):
        raise ValueError(f"{name} has {count} segments but {len(translated)} translations were given")
    if writes:
        if doc.version == "1.2":
            for f in files:
                if not f.get("target-language"):
                    f.set("target-language", target_lang)
        elif not root.get("trgLang"):
            root.set("trgLang", target_lang)
    return _serialize(tree, data, before)


def _insert_after(parent: Any, new: Any, *after: Any) -> None:
    """Put a new element after the first given anchor, indented like it."""
    anchor = next((a for a in after if a is not None), None)
    if anchor is None:
        parent.insert(0, new)
        return
    previous = anchor.getprevious()
    lead = previous.tail if previous is not None else parent.text
    new.tail = anchor.tail
    if lead is not None and not lead.strip() and not (anchor.tail or "").strip():
        anchor.tail = lead
    anchor.addnext(new)


def _set(el: Any, attr: str, value: str | None) -> None:
    if value is None:
        el.attrib.pop(attr, None)
    else:
        el.set(attr, value)


def _state_attrs(tr: Translated, version: str) -> tuple[str, str | None]:
    if not (tr.text or "").strip():
        return EMPTY_STATE[version], None
    return state_for(tr.status, tr.origin, tr.score, version=version)


def _tm_attrs(el: Any, tr: Translated) -> None:
    has_text = bool((tr.text or "").strip())
    origin = tr.origin if has_text and tr.origin and tr.origin != "none" else None
    _set(el, TM + "origin", origin)
    _set(el, TM + "score", str(tr.score) if origin and tr.score is not None else None)


def _write_12(doc: Doc, seg: Segment, tr: Translated) -> None:
    unit = seg.unit
    target = doc.children(unit, "target")[0] if doc.children(unit, "target") else None
    if target is None:
        target = etree.SubElement(unit, doc.q("target"))  # made in the tree, then moved into place
        seg_sources = doc.children(unit, "seg-source")
        if seg.mid is not None and seg_sources:
            _copy_segmented(doc, seg_sources[0], target)
        _insert_after(unit, target, *(seg_sources[-1:] or [None]), doc.children(unit, "source")[0])
    holder = target
    if seg.mid is not None:
        holder = next((m for m in seg_mrks(doc, target) if (m.get("mid") or "") == seg.mid), None)
        if holder is None and not seg.several and not seg_mrks(doc, target):
            holder = target
        if holder is None:
            holder = etree.SubElement(target, doc.q("mrk"), mtype="seg", mid=seg.mid)
    write(holder, tr.text or "", seg.reader.codes, version="1.2", ns=doc.ns)
    state, qualifier = _state_attrs(tr, "1.2")
    if holder is not target:
        holder.set(TM + "state", state)
        _tm_attrs(holder, tr)
    if not seg.several:
        target.set("state", state)
        _set(target, "state-qualifier", qualifier)
        _tm_attrs(target, tr)
        _approve(unit, tr.status if (tr.text or "").strip() else "draft")


def _approve(unit: Any, status: str) -> None:
    """Set a 1.2 unit's approved flag as Translate Toolkit (and so Weblate, Pootle) reads it.

    There, approved="yes" is a translation that is done (not fuzzy) and anything else a
    draft, so a confirmed or approved segment is approved="yes" and a draft "no".
    """
    if status in ("confirmed", "approved"):
        unit.set("approved", "yes")
    elif unit.get("approved") is not None:
        unit.set("approved", "no")


def _copy_segmented(doc: Doc, seg_source: Any, target: Any) -> None:
    """Fill a new 1.2 target with the seg-source's structure, its segments empty."""
    target.text = seg_source.text
    for child in seg_source:
        target.append(copy.deepcopy(child))
    for m in seg_mrks(doc, target):
        m.text = None
        for c in list(m):
            m.remove(c)


def _finish_segmented_12(doc: Doc, unit: Any, parts: list[tuple[Segment, Block, Translated | None]]) -> None:
    """Set the state of a 1.2 target that holds several segments: that of its least advanced one."""
    targets = doc.children(unit, "target")
    if not targets or all(tr is None for _s, _b, tr in parts):
        return
    target = targets[0]
    states: list[Translated] = []
    for _seg, block, tr in parts:
        if tr is not None:
            states.append(
                Translated(tr.text, tr.status if (tr.text or "").strip() else "draft", tr.origin, tr.score)
            )
        elif block.target is not None:
            states.append(Translated(block.target, status_of(block.state), *origin_of(block.state)))
        else:
            states.append(Translated("", "draft"))
    for seg, block, tr in parts:
        # a segment left as it was keeps its state on its <mrk>, as the target's changes
        mrk = seg.target
        if tr is None and block.state and mrk is not None and mrk is not target and not mrk.get(TM + "state"):
            mrk.set(TM + "state", block.state)
    least = lowest([t.status for t in states])
    worst = next(t for t in states if t.status == least)
    state, qualifier = _state_attrs(worst, "1.2")
    target.set("state", state)
    _set(target, "state-qualifier", qualifier)
    _approve(unit, least)


def _write_20(doc: Doc, seg: Segment, tr: Translated) -> None:
    segment = seg.segment
    targets = doc.children(segment, "target")
    target = targets[0] if targets else None
    if target is None:
        target = etree.SubElement(segment, doc.q("target"))
        _insert_after(segment, target, doc.children(segment, "source")[0])
    write(target, tr.text or "", seg.reader.codes, version="2.0", ns=doc.ns)
    state, sub = _state_attrs(tr, "2.0")
    segment.set("state", state)
    _set(segment, "subState", sub)


_START_TAG = re.compile(rb"""<[^\s>/]+(?:\s+[^\s=>/]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*>""")


def _serialize(tree: Any, data: bytes, before: dict[str, str]) -> bytes:
    """Return the tree as bytes: the original prolog and root start tag, the rest as lxml writes it.

    `before` is the root's attributes as read; attributes added since (trgLang) are appended
    to the original start tag.
    """
    root = tree.getroot()
    encoding = tree.docinfo.encoding or "UTF-8"
    found = root_at(data)
    if encoding.lower().replace("-", "") != "utf8" or found is None:
        whole = etree.tostring(tree, encoding=encoding, xml_declaration=True)
        assert isinstance(whole, bytes)
        return whole
    xml = etree.tostring(root, encoding="UTF-8", xml_declaration=False, with_tail=False)
    start = _START_TAG.match(data, found[0])
    after = dict(root.attrib)
    added = {k: v for k, v in after.items() if k not in before}
    if start and all(after.get(k) == v for k, v in before.items()) and not any("{" in k for k in added):
        extra = "".join(f" {k}={xml_attr(v)}" for k, v in added.items()).encode()
        head = start.group()
        xml = head[:-1].rstrip() + extra + b">" + xml[xml.index(b">") + 1 :]
    out = [data[: found[0]], xml]
    for sibling in root.itersiblings():
        out.append(b"\n" + etree.tostring(sibling, encoding="UTF-8", with_tail=False))
    if data.rstrip(b" \t").endswith(b"\n"):
        out.append(b"\n")
    return b"".join(out)
