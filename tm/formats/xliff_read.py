"""Reading XLIFF 1.2 and 2.x: the checks before parsing, the version, and each unit's segments.

Shared by extract (which streams the file) and merge (which holds the whole tree): both
walk the same units and get the same segments in the same order, each with a Reader that
numbered its inline codes, so merge writes each English where extract found its Arabic.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from tm.errors import FormatError
from tm.formats.blocks import Block
from tm.formats.tmx import lang_matches
from tm.formats.xliff_inline import Reader, XLIFFError, local, ns_of
from tm.formats.xliff_state import TM_NS, join_state, split_state, tm_qualifier
from tm.formats.xmlsafe import PROLOG_LIMIT, check_prolog
from tm.tags import strip

MAX_XLIFF_BYTES = 256 * 1024 * 1024
V1_NAMESPACES = ("urn:oasis:names:tc:xliff:document:1.1", "urn:oasis:names:tc:xliff:document:1.2")
V2_PREFIX = "urn:oasis:names:tc:xliff:document:2."
PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "load_dtd": False,
    "no_network": True,
    "huge_tree": False,
}
TM = f"{{{TM_NS}}}"
ROOT_SCAN = re.compile(rb"<!--.*?-->|<\?.*?\?>|<!DOCTYPE[^>]*>|<([A-Za-z_][\w.:-]*)", re.S)


@dataclass
class Doc:
    """What every unit of a file shares: its XLIFF version and namespace, its name."""

    version: str  # "1.2" (also 1.1) or "2.0" (any 2.x)
    ns: str
    path: str

    def q(self, name: str) -> str:
        """Return an XLIFF element name in the file's namespace."""
        return f"{{{self.ns}}}{name}" if self.ns else name

    def children(self, el: Any, name: str) -> list[Any]:
        """Return the XLIFF children of an element with a name."""
        found: list[Any] = el.findall(self.q(name))
        return found


@dataclass
class Segment:
    """One translatable segment of a file and where its target goes."""

    id: str
    unit: Any
    source: Any  # the element holding the source text: <source>, or a <seg-source> <mrk>
    target: Any  # the element holding the target text, None when there is none yet
    state: str | None
    note: str
    reader: Reader
    segment: Any = None  # 2.x: the <segment>
    mid: str | None = None  # 1.2: the <mrk mtype="seg"> id when the unit is segmented
    several: bool = False  # 1.2: one of several <mrk> segments of a unit


def check(data: bytes, path: str) -> None:
    """Refuse a file over the size limit, with entity declarations or an inline DTD, or not XLIFF."""
    if len(data) > MAX_XLIFF_BYTES:
        raise XLIFFError(
            f"the file is {len(data) >> 20} MB; tm reads XLIFF files up to {MAX_XLIFF_BYTES >> 20} MB, "
            "split it in the tool that made it",
            path=path,
        )
    check_prolog(data[:PROLOG_LIMIT], path, XLIFFError, ("xliff",))


def syntax_error(e: etree.XMLSyntaxError, path: str) -> XLIFFError:
    """Return the XLIFFError for a parser's complaint, with its line."""
    msg = re.sub(r",? line \d+, column \d+$", "", e.msg or str(e))
    return XLIFFError(f"malformed XML: {msg}", path=path, line=e.lineno or None)


def doc_of(root: Any, path: str) -> Doc:
    """Return the file's XLIFF version and namespace from its root element."""
    ns, version = ns_of(root), root.get("version", "")
    if ns in V1_NAMESPACES or (not ns and version.startswith("1.")):
        return Doc("1.2", ns, path)
    if ns.startswith(V2_PREFIX) or (not ns and version.startswith("2.")):
        return Doc("2.0", ns, path)
    raise XLIFFError(
        f"this is XLIFF version {version or '(none)'} in namespace {ns or '(none)'}; "
        "tm reads XLIFF 1.2 and 2.x",
        path=path,
        line=root.sourceline,
    )


def check_langs(el: Any, doc: Doc, source_lang: str, target_lang: str) -> None:
    """Refuse a <file> (1.2) or <xliff> (2.x) whose languages are not tm's pair."""
    src_attr, tgt_attr = (
        ("source-language", "target-language") if doc.version == "1.2" else ("srcLang", "trgLang")
    )
    src, tgt = el.get(src_attr), el.get(tgt_attr)
    if src and not lang_matches(src, source_lang):
        raise XLIFFError(
            f"this XLIFF is for translating from {src} ({src_attr}), not from Arabic ({source_lang}); "
            "tm translates Arabic into English",
            path=doc.path,
            line=el.sourceline,
        )
    if tgt and not lang_matches(tgt, target_lang):
        raise XLIFFError(
            f"this XLIFF is for translating into {tgt} ({tgt_attr}), not into {target_lang}; "
            f'ask for a file with {tgt_attr}="{target_lang}" or without one',
            path=doc.path,
            line=el.sourceline,
        )


def _translatable(el: Any) -> bool:
    return all(e.get("translate") != "no" for e in (el, *el.iterancestors()))


def _notes(doc: Doc, unit: Any) -> str:
    holder = unit
    if doc.version == "2.0":
        found = doc.children(unit, "notes")
        if not found:
            return ""
        holder = found[0]
    texts = ("".join(n.itertext()).strip() for n in doc.children(holder, "note"))
    return "\n".join(t for t in texts if t)


def seg_mrks(doc: Doc, el: Any) -> list[Any]:
    """Return the outermost <mrk mtype="seg"> elements inside an element, in order."""
    out: list[Any] = []
    taken: set[Any] = set()
    for m in el.iter(doc.q("mrk")):
        if m.get("mtype") == "seg" and not any(a in taken for a in m.iterancestors()):
            out.append(m)
            taken.add(m)
    return out


def _tm_qualifier_of(el: Any) -> str | None:
    origin = el.get(TM + "origin")
    if not origin:
        return None
    score = el.get(TM + "score", "")
    return tm_qualifier(origin, int(score) if score.isdigit() else None)


def _state_12(unit: Any, target: Any, mrk: Any) -> str | None:
    """Return a 1.2 segment's state: its own tm:state in a segmented target, else the target's."""
    if target is None:
        return None
    own = mrk.get(TM + "state") if mrk is not None else None
    if own:  # tm wrote the segment's own "state[/qualifier]" on its <mrk>
        own_state, own_qualifier = split_state(own)
        return join_state(own_state, _tm_qualifier_of(mrk) or own_qualifier)
    state = target.get("state")
    if state is None and unit.get("approved") == "yes":
        state = "translated"
    qualifier = (_tm_qualifier_of(mrk) if mrk is not None else None) or _tm_qualifier_of(target)
    return join_state(state, qualifier or target.get("state-qualifier"))


def _unit_id(doc: Doc, unit: Any) -> str:
    uid = unit.get("id")
    if uid is None:
        what = "<trans-unit>" if doc.version == "1.2" else "<unit>"
        raise XLIFFError(f"a {what} has no id", path=doc.path, line=unit.sourceline)
    return str(uid)


def _segments_12(doc: Doc, unit: Any) -> list[Segment]:
    uid = _unit_id(doc, unit)
    sources = doc.children(unit, "source")
    if not sources:
        raise XLIFFError(f"the <trans-unit> {uid} has no <source>", path=doc.path, line=unit.sourceline)
    targets = doc.children(unit, "target")
    target = targets[0] if targets else None
    note = _notes(doc, unit)
    seg_sources = doc.children(unit, "seg-source")
    mrks = seg_mrks(doc, seg_sources[0]) if seg_sources else []
    if not mrks:
        return [
            Segment(
                uid,
                unit,
                sources[0],
                target,
                _state_12(unit, target, None),
                note,
                Reader("1.2", doc.ns, doc.path),
            )
        ]
    t_mrks = {m.get("mid"): m for m in seg_mrks(doc, target)} if target is not None else {}
    out = []
    for i, m in enumerate(mrks, 1):
        mid = m.get("mid") or str(i)
        t_el = t_mrks.get(mid)
        if t_el is None and len(mrks) == 1 and target is not None and not t_mrks:
            t_el = target
        state = _state_12(unit, target, t_mrks.get(mid)) if target is not None else None
        sid = uid if len(mrks) == 1 else f"{uid}#{mid}"
        reader = Reader("1.2", doc.ns, doc.path)
        out.append(Segment(sid, unit, m, t_el, state, note, reader, mid=mid, several=len(mrks) > 1))
    return out


def _segments_20(doc: Doc, unit: Any) -> list[Segment]:
    uid = _unit_id(doc, unit)
    segments = doc.children(unit, "segment")
    if not segments and not doc.children(unit, "ignorable"):
        raise XLIFFError(f"the <unit> {uid} has no <segment>", path=doc.path, line=unit.sourceline)
    data = {}
    for od in doc.children(unit, "originalData"):
        for d in doc.children(od, "data"):
            data[d.get("id", "")] = "".join(d.itertext())
    extra = {}
    for holder in unit.findall(TM + "tags"):
        for t in holder.findall(TM + "tag"):
            extra[t.get("id", "")] = {k: t.get(k, "") for k in ("name", "markup", "title")}
    sc_ids = {sc.get("id") for sc in unit.iter(doc.q("sc"))}
    for ec in unit.iter(doc.q("ec")):
        if ec.get("isolated") != "yes" and ec.get("startRef") not in sc_ids:
            raise XLIFFError(
                f"an <ec> refers to startRef={ec.get('startRef')!r}, which no <sc> of unit {uid} has",
                path=doc.path,
                line=ec.sourceline,
            )
    note = _notes(doc, unit)
    out = []
    for i, seg in enumerate(segments, 1):
        sources = doc.children(seg, "source")
        if not sources:
            raise XLIFFError(f"a <segment> of unit {uid} has no <source>", path=doc.path, line=seg.sourceline)
        if seg.get("translate") == "no":
            continue
        targets = doc.children(seg, "target")
        target = targets[0] if targets else None
        state = seg.get("state") or ("initial" if target is not None else None)
        sid = uid if len(segments) == 1 else f"{uid}#{seg.get('id') or i}"
        reader = Reader("2.0", doc.ns, doc.path, data=data, extra=extra)
        out.append(
            Segment(
                sid,
                unit,
                sources[0],
                target,
                join_state(state, seg.get("subState")),
                note,
                reader,
                segment=seg,
            )
        )
    return out


def read_unit(doc: Doc, unit: Any) -> list[tuple[Segment, Block]]:
    """Return the translatable segments of a unit with their blocks (none for translate="no")."""
    try:
        return list(_read_unit(doc, unit))
    except FormatError as e:
        if e.line is None and e.path is None:  # tm.tags: more codes in one segment than tm takes
            raise XLIFFError(str(e), path=doc.path, line=unit.sourceline) from None
        raise


def _read_unit(doc: Doc, unit: Any) -> Iterator[tuple[Segment, Block]]:
    if not _translatable(unit):
        return
    segments = _segments_12(doc, unit) if doc.version == "1.2" else _segments_20(doc, unit)
    for seg in segments:
        text = seg.reader.read(seg.source)
        if not strip(text).strip():
            continue  # nothing to translate: only spaces or codes
        target = seg.reader.read(seg.target, target=True) if seg.target is not None else None
        if target is not None and not strip(target).strip():
            target = None
        if target is None:
            seg.state = None  # a state says how far a translation got; there is none
        block = Block(
            text,
            dict(seg.reader.tags),
            kind="unit",
            segmented=False,
            id=seg.id,
            target=target,
            state=seg.state,
            note=seg.note,
        )
        yield seg, block


def is_unit(doc: Doc, el: Any) -> bool:
    """Tell whether an element is a unit of the file's XLIFF version."""
    return ns_of(el) == doc.ns and local(el) == ("trans-unit" if doc.version == "1.2" else "unit")


def root_at(data: bytes) -> tuple[int, bytes] | None:
    """Return where the root element's start tag begins and its name, skipping the prolog."""
    for m in ROOT_SCAN.finditer(data, 0, PROLOG_LIMIT):
        if m.group(1):
            return m.start(), m.group(1)
    return None
