"""A new XLIFF 1.2 or 2.0 file from any document's blocks, for work in another CAT tool.

One unit per block, its id the block's id (made unique, and in 2.0 a valid NMTOKEN; the
block's own id then goes in resname/name), its notes, its English as the target with the
state, qualifier and match data of tm.formats.xliff_state. Tags become codes that other
tools show as tags and tm reads back as the same tags:

    tag                        1.2                                2.0
    OPEN … CLOSE in the block  <g id="n" tm:name tm:markup>…</g>  <pc id="n" dataRefStart="dn">…</pc>
    OPEN alone                 <bx id="n" …/>                     <sc id="n" isolated="yes" …/>
    CLOSE alone                <ex id="n" …/>                     <ec id="n" isolated="yes" …/>
    EMPTY                      <x id="n" tm:name tm:markup/>      <ph id="n" dataRef="dn"/>

1.2 allows other namespaces' attributes on inline codes, so the tag's name, markup and
title are tm:name, tm:markup and tm:title there. 2.0 does not: the markup goes in the
unit's <originalData> (which other tools show), and the name, markup and title in a
<tm:tags> element at the start of the unit, where 2.0 allows other namespaces' elements.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from lxml import etree

from tm.formats.blocks import Block, Translated
from tm.formats.xliff_inline import Code
from tm.formats.xliff_render import write
from tm.formats.xliff_state import TM_NS, origin_of, state_for, status_of
from tm.formats.xmlsafe import XML_FORBIDDEN
from tm.tags import CLOSE, OPEN, Tag, parse, tags_in

NS = {"1.2": "urn:oasis:names:tc:xliff:document:1.2", "2.0": "urn:oasis:names:tc:xliff:document:2.0"}
_TM = f"{{{TM_NS}}}"
_NOT_NMTOKEN = re.compile(r"[^\w.:-]")


def _clean(text: str) -> str:
    return XML_FORBIDDEN.sub("", text)


def _ids(blocks: Sequence[Block], version: str) -> list[tuple[str, str | None]]:
    """Return each unit's id and, when it had to change, the block's own id."""
    seen: set[str] = set()
    out = []
    for i, block in enumerate(blocks, 1):
        own = _clean(block.id)
        uid = own or str(i)
        if version == "2.0":
            uid = _NOT_NMTOKEN.sub("_", uid)
        base, k = uid, 1
        while uid in seen:
            k += 1
            uid = f"{base}_{k}"
        seen.add(uid)
        out.append((uid, own if own and own != uid else None))
    return out


def _codes(block: Block, version: str, ns: str) -> tuple[dict[int, Code], list[tuple[str, Tag]]]:
    """Return template codes for a block's tags and, for 2.0, the original data to list."""
    q = (lambda name: f"{{{ns}}}{name}") if ns else (lambda name: name)  # noqa: E731
    kinds: dict[int, set[int]] = {}
    for c in tags_in(block.text) + tags_in(block.target or ""):
        parsed = parse(c)
        if parsed is not None:
            kinds.setdefault(parsed[0], set()).add(parsed[1])
    codes: dict[int, Code] = {}
    data: list[tuple[str, Tag]] = []
    for n, present in sorted(kinds.items()):
        tag = block.tags.get(n, Tag("empty" if present == {2} else "open", "x"))
        sid = str(n)
        attrs: dict[str, str] = {"id": sid}
        if version == "1.2":
            attrs.update({_TM + "name": _clean(tag.name), _TM + "markup": _clean(tag.markup)})
            if tag.title:
                attrs[_TM + "title"] = _clean(tag.title)
        elif tag.markup:
            data.append((f"d{n}", tag))
        pair = OPEN in present and CLOSE in present
        if version == "1.2":
            if pair:
                codes[n] = Code("g", etree.Element(q("g"), attrs), wrapping=True)
            elif OPEN in present:
                codes[n] = Code("g", etree.Element(q("bx"), attrs))
            elif CLOSE in present:
                codes[n] = Code("g", None, etree.Element(q("ex"), attrs))
            else:
                codes[n] = Code("x", etree.Element(q("x"), attrs))
            continue
        ref = {"dataRef": f"d{n}"} if tag.markup else {}
        if pair:
            start = {"dataRefStart": f"d{n}"} if tag.markup else {}
            codes[n] = Code("pc", etree.Element(q("pc"), {**attrs, **start}), wrapping=True)
        elif OPEN in present:
            codes[n] = Code("pc", etree.Element(q("sc"), {**attrs, **ref, "isolated": "yes"}))
        elif CLOSE in present:
            codes[n] = Code("pc", None, etree.Element(q("ec"), {**attrs, **ref, "isolated": "yes"}))
        else:
            codes[n] = Code("ph", etree.Element(q("ph"), {**attrs, **ref}))
    return codes, data


def _indent(el: Any, depth: int) -> None:
    """Indent an element's structural children (never inside source, target or note)."""
    pad = "\n" + "  " * (depth + 1)
    children = list(el)
    if not children:
        return
    el.text = pad
    for child in children:
        child.tail = pad
    children[-1].tail = "\n" + "  " * depth


def write_xliff(
    blocks: Sequence[Block],
    translated: Sequence[Translated | None] | None = None,
    *,
    version: str = "1.2",
    source_lang: str = "ar",
    target_lang: str = "en",
    original: str = "document",
) -> bytes:
    """Return a new XLIFF file (version "1.2" or "2.0") with one unit per block and its English."""
    v = "2.0" if version.startswith("2") else "1.2"
    if translated is not None and len(translated) != len(blocks):
        raise ValueError(f"{len(blocks)} blocks but {len(translated)} translations")
    ns = NS[v]
    q = lambda name: f"{{{ns}}}{name}"  # noqa: E731
    root = etree.fromstring(f'<xliff xmlns="{ns}" xmlns:tm="{TM_NS}"/>')
    root.set("version", v)
    if v == "2.0":
        root.set("srcLang", source_lang)
        root.set("trgLang", target_lang)
        file = etree.SubElement(root, q("file"), id="f1", original=_clean(original))
        body = file
    else:
        file = etree.SubElement(root, q("file"), original=_clean(original), datatype="plaintext")
        file.set("source-language", source_lang)
        file.set("target-language", target_lang)
        body = etree.SubElement(file, q("body"))
    for (uid, own), block, tr in zip(
        _ids(blocks, v), blocks, translated or [None] * len(blocks), strict=True
    ):
        _unit(body, q, v, ns, uid, own, block, tr)
    for el, depth in ((root, 0), (file, 1), *(((body, 2),) if body is not file else ())):
        _indent(el, depth)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8") + b"\n"


def _unit(
    body: Any, q: Any, v: str, ns: str, uid: str, own: str | None, block: Block, tr: Translated | None
) -> None:
    if tr is not None and tr.text is not None:
        text: str | None = tr.text
        status, origin, score = tr.status, tr.origin, tr.score
    else:
        text = block.target
        status = status_of(block.state)
        origin, score = origin_of(block.state)
    has_text = bool(text and text.strip())
    state, qualifier = state_for(status, origin, score, version=v)
    codes, data = _codes(Block(block.text, block.tags, target=text), v, ns)
    depth = 3 if v == "1.2" else 2
    if v == "1.2":
        unit = etree.SubElement(body, q("trans-unit"), id=uid)
        if own:
            unit.set("resname", own)
        source = etree.SubElement(unit, q("source"))
        write(source, block.text, codes, version=v, ns=ns)
        if text is not None:
            target = etree.SubElement(unit, q("target"))
            write(target, text, codes, version=v, ns=ns)
            target.set("state", state if has_text else "needs-translation")
            if qualifier and has_text:
                target.set("state-qualifier", qualifier)
            if origin and origin != "none" and has_text:
                target.set(_TM + "origin", origin)
                if score is not None:
                    target.set(_TM + "score", str(score))
            unit.set("approved", "yes" if has_text and status in ("confirmed", "approved") else "no")
        if block.note:
            etree.SubElement(unit, q("note")).text = _clean(block.note)
        _indent(unit, depth)
        return
    unit = etree.SubElement(body, q("unit"), id=uid)
    if own:
        unit.set("name", own)
    if codes:
        holder = etree.SubElement(unit, _TM + "tags")
        for n in sorted(codes):
            tag = block.tags.get(n)
            if tag is not None:
                attrs = {"id": str(n), "name": _clean(tag.name), "markup": _clean(tag.markup)}
                if tag.title:
                    attrs["title"] = _clean(tag.title)
                etree.SubElement(holder, _TM + "tag", attrs)
        _indent(holder, depth + 1)
    if block.note:
        notes = etree.SubElement(unit, q("notes"))
        etree.SubElement(notes, q("note")).text = _clean(block.note)
        _indent(notes, depth + 1)
    if data:
        original_data = etree.SubElement(unit, q("originalData"))
        for did, tag in data:
            etree.SubElement(original_data, q("data"), id=did).text = _clean(tag.markup)
        _indent(original_data, depth + 1)
    segment = etree.SubElement(unit, q("segment"))
    source = etree.SubElement(segment, q("source"))
    write(source, block.text, codes, version=v, ns=ns)
    if text is not None:
        target = etree.SubElement(segment, q("target"))
        write(target, text, codes, version=v, ns=ns)
        segment.set("state", state if has_text else "initial")
        if qualifier and has_text:
            segment.set("subState", qualifier)
    _indent(segment, depth + 1)
    _indent(unit, depth)
