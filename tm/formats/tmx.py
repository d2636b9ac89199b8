"""TMX 1.4b: streaming, safe reading and writing of translation memories.

Reading never loads the whole file: `<tu>` elements are handled one at a time and
dropped. Entity declarations are refused before parsing (no entity bombs, no external
entities) and the parser neither loads DTDs nor touches the network. Inline codes
(`<bpt> <ept> <ph> <it> <ut> <hi>`) become tm tags with their table in the unit's
`meta["tags"]` (see tmx_inline), and the segment's XML is kept in its metadata, so an
unchanged segment is exported as it came; tm writes its table as a prop (x-tm-tags).
CR and the characters XML 1.0 cannot hold are written so that they read back byte for
byte (`&#13;`, `<ph type="x-tm-char">`; see xmlsafe).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, cast

from lxml import etree

from tm import tags
from tm.errors import TMXError
from tm.formats.tmx_inline import Reader, own_table, segs, text_and_markup
from tm.formats.xmlsafe import PROLOG_LIMIT, check_prolog, xml_attr, xml_text
from tm.store.records import ORIGINS, NewUnit, Unit

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CODE_TAGS = {"bpt", "ept", "ph", "it", "ut"}
_TMX_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$")
# Props tm writes for its own fields; on reading they go back into those fields.
_OWN_PROPS = {"x-tm-origin", "x-tm-mt-draft", "x-tm-context", "x-tm-tags"}


def tmx_date_to_iso(value: str | None) -> str | None:
    """Turn a TMX date (20231025T143000Z) into ISO 8601; None when absent or malformed."""
    if not value:
        return None
    if (
        len(value) == 16
        and value[8] == "T"
        and value[15] == "Z"
        and value[:8].isdecimal()
        and value[9:15].isdecimal()
    ):  # the usual case, as the pattern would take it apart (its \d is what isdecimal() accepts)
        return f"{value[:4]}-{value[4:6]}-{value[6:8]}T{value[9:11]}:{value[11:13]}:{value[13:15]}Z"
    m = _TMX_DATE.match(value)
    return "{}-{}-{}T{}:{}:{}Z".format(*m.groups()) if m else None


def iso_to_tmx_date(value: str | None) -> str | None:
    """Turn an ISO 8601 UTC time into a TMX date."""
    m = _ISO_DATE.match(value or "")
    return "{}{}{}T{}{}{}Z".format(*m.groups()) if m else None


def lang_matches(code: str | None, wanted: str) -> bool:
    """Tell whether a language code (any case, any region) is the wanted language."""
    if not code:
        return False
    code, wanted = _norm_lang(code), _norm_lang(wanted)
    return code == wanted or code.split("-")[0] == wanted.split("-")[0]


def _norm_lang(code: str) -> str:
    return code.lower().replace("_", "-")


def lang_side(code: str | None, source_lang: str, target_lang: str) -> tuple[str, bool]:
    """Tell which side of the pair a code is ("s", "t" or "") and whether it is the exact code.

    The exact code (any case, - or _) comes first, then the base language. When both sides
    share a base language (en-US -> en-GB, ar-EG -> ar-SA), only exact codes count: by base
    language both sides would match both variants.
    """
    if not code:
        return "", False
    c, s, t = _norm_lang(code), _norm_lang(source_lang), _norm_lang(target_lang)
    if c in (s, t):
        return ("s" if c == s else "t"), True
    if s.split("-")[0] == t.split("-")[0]:
        return "", False
    return ("s" if lang_matches(c, s) else "t" if lang_matches(c, t) else ""), False


@dataclass
class ReadReport:
    """What was found in a TMX file besides the units."""

    header: dict[str, Any] = field(default_factory=dict)
    refused: int = 0
    messages: list[str] = field(default_factory=list)
    # lines of the file before the text being read (a part of a split file: tmx_split)
    line_offset: int = 0

    def refuse(self, line: int | None, why: str) -> None:
        """Count a translation unit that cannot be imported, keeping the first reasons."""
        self.refused += 1
        if line is not None:
            line += self.line_offset
        if len(self.messages) < 20:
            self.messages.append(f"line {line}: {why}")


class _CountingReader:
    """A binary file wrapper that reports how many bytes were read."""

    def __init__(self, raw: IO[bytes], progress: Callable[[int], None] | None):
        self.raw, self.progress = raw, progress

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        if self.progress is not None and data:
            self.progress(len(data))
        return data


def _children(el: etree._Element) -> tuple[list[list[str]], list[str], Any, list[Any]]:
    """Return an element's <prop>s, <note>s, <seg> and <tuv>s in one pass over its children."""
    props: list[list[str]] = []
    notes: list[str] = []
    seg = None
    tuvs = []
    for child in el:
        tag = child.tag
        if tag == "tuv":
            tuvs.append(child)
        elif tag == "seg":
            seg = child
        elif tag == "prop":
            props.append([child.get("type", ""), child.text or ""])
        elif tag == "note":
            notes.append(child.text or "")
    return props, notes, seg, tuvs


def read_tmx(
    stream: IO[bytes],
    *,
    path: str = "<tmx>",
    source_lang: str = "ar",
    target_lang: str = "en",
    report: ReadReport | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[NewUnit]:
    """Yield the units of a TMX file for one language pair, streaming.

    Raises TMXError with the line number for malformed or unsafe XML; a unit without
    both languages or with an empty segment is counted in `report` and left out.
    """
    report = report if report is not None else ReadReport()
    head = stream.read(PROLOG_LIMIT)
    check_prolog(head, path, TMXError, ("tmx",))
    if progress is not None:
        progress(len(head))

    class _Joined:
        """The head already read, then the rest of the stream, at most n bytes a read."""

        def __init__(self) -> None:
            self.first = head
            self.rest = _CountingReader(stream, progress)

        def read(self, n: int = -1) -> bytes:
            if self.first:
                if n < 0:
                    n = len(self.first)
                out, self.first = self.first[:n], self.first[n:]
                return out
            return self.rest.read(n)

    parser = etree.iterparse(
        _Joined(),
        events=("end",),
        tag=("tu", "header"),
        resolve_entities="internal",  # never external files; declarations were refused above
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    srclang = None
    root = None
    langs: dict[str, tuple[str, int]] = {}
    dates: dict[str | None, str | None] = {}
    try:
        for _event, el in parser:
            if root is None:
                root = el.getroottree().getroot()
            if el.tag == "header":
                report.header = dict(el.attrib)
                srclang = el.get("srclang")
                langs.clear()  # what a language is ranked depends on the header's srclang
                props, notes, _, _ = _children(el)
                report.header["props"], report.header["notes"] = props, notes
                continue
            unit = _unit_from_tu(el, path, srclang, source_lang, target_lang, report, langs, dates)
            if unit is not None:
                yield unit
            el.clear(keep_tail=False)
            parent = el.getparent()
            if parent is not None:
                while el.getprevious() is not None:
                    del parent[0]
        if root is None:
            root = parser.root
    except etree.XMLSyntaxError as e:
        line = e.lineno if e.lineno else None
        msg = e.msg or str(e)
        msg = re.sub(r",? line \d+, column \d+$", "", msg)
        if "encoding" in msg.lower():
            declared = re.search(rb"encoding=[\"']([\w.-]+)", head[:200])
            name = declared.group(1).decode() if declared else "UTF-8"
            msg += (
                f" (the bytes are not {name}, as the file declares; save it as UTF-8 or fix the declaration)"
            )
        raise TMXError(f"malformed XML: {msg}", path=path, line=line) from None
    if root is None:
        raise TMXError("the file is empty or holds no XML element", path=path)
    if root.tag != "tmx":
        raise TMXError(f"this is not a TMX file (the root element is <{root.tag}>)", path=path)


def _unit_from_tu(
    tu: etree._Element,
    path: str,
    srclang: str | None,
    source_lang: str,
    target_lang: str,
    report: ReadReport,
    langs: dict[str, tuple[str, int]],
    dates: dict[str | None, str | None],
) -> NewUnit | None:
    # One pass over the <tu> and one over each <tuv>, building nothing the usual unit (two
    # plain segments, a few props and notes) does not need: this runs for every unit of a file.
    src = tgt = None
    src_rank = tgt_rank = -1
    props: list[list[str]] = []
    notes: list[str] = []
    tuvs: list[Any] = []
    for child in tu:
        tag = child.tag
        if tag == "tuv":
            tuvs.append(child)
        elif tag == "prop":
            props.append([child.get("type", ""), child.text or ""])
        elif tag == "note":
            notes.append(child.text or "")
    for tuv in tuvs:
        tuv_attrs = tuv.items()
        if len(tuv_attrs) == 1:  # the usual <tuv xml:lang="..">: no other attributes to keep
            name, lang = tuv_attrs[0]
            if name != XML_LANG and name != "lang":
                lang = None
        else:
            lang = tuv.get(XML_LANG) or tuv.get("lang")
        if not lang:
            raise TMXError("a <tuv> has no xml:lang", path=path, line=tuv.sourceline)
        vprops: list[list[str]] | None = None  # made for the few <tuv>s that have some
        vnotes: list[str] | None = None
        seg = None
        for child in tuv:
            tag = child.tag
            if tag == "seg":
                seg = child
            elif tag == "prop":
                vprops = vprops or []
                vprops.append([child.get("type", ""), child.text or ""])
            elif tag == "note":
                vnotes = vnotes or []
                vnotes.append(child.text or "")
        if seg is None:
            raise TMXError("a <tuv> has no <seg>", path=path, line=tuv.sourceline)
        known = langs.get(lang)
        if known is None:
            side, exact = lang_side(lang, source_lang, target_lang)
            wanted = source_lang if side == "s" else target_lang
            rank = 2 if exact and "-" in _norm_lang(wanted) else 0
            # of several variants: the region asked for, then the header's source language, then the first
            if side == "s":
                rank += 1 if srclang and srclang.lower() == lang.lower() else 0
            known = langs[lang] = (side, rank)
        side, rank = known
        if side == "s":
            if rank > src_rank:
                src, src_rank = (lang, tuv, seg, vprops, vnotes, tuv_attrs), rank
        elif side == "t" and rank > tgt_rank:
            tgt, tgt_rank = (lang, tuv, seg, vprops, vnotes, tuv_attrs), rank
    if src is None or tgt is None:
        report.refuse(_line(tu), f"no {source_lang} and {target_lang} pair in this <tu>")
        return None
    src_seg, tgt_seg = src[2], tgt[2]
    table = None
    if len(src_seg) or len(tgt_seg):  # elements: inline codes, maybe
        reader = Reader()
        try:
            source, source_xml = text_and_markup(src_seg, reader)
            target, target_xml = text_and_markup(tgt_seg, reader, target=True)
        except TMXError as e:  # too many inline codes: this unit only
            report.refuse(_line(tu), str(e))
            return None
        table = reader.table
        if table and (not tags.strip(source).strip() or not tags.strip(target).strip()):
            report.refuse(_line(tu), "empty segment (inline codes only)")
            return None
    else:
        source, target = src_seg.text or "", tgt_seg.text or ""
        source_xml = target_xml = None
    if not source or source.isspace() or not target or target.isspace():  # nothing but spaces
        report.refuse(_line(tu), "empty segment")
        return None
    tmx: dict[str, Any] = {}
    attrs = cast("dict[str, str]", dict(tu.items()))  # lxml gives str (its stubs say str | bytes)
    created = attrs.pop("creationdate", None)
    changed = attrs.pop("changedate", None)
    if attrs:
        tmx["attrs"] = attrs
    origin = "import"
    mt_draft = context = tags_prop = None
    if props:
        kept = [p for p in props if p[0] not in _OWN_PROPS]  # ours map onto unit fields
        if kept:
            tmx["props"] = kept
        if len(kept) < len(props):
            for ptype, value in props:
                if ptype == "x-tm-origin" and value in ORIGINS:
                    origin = value
                elif ptype == "x-tm-mt-draft":
                    mt_draft = value
            context = next((v for t, v in props if t == "x-tm-context"), None)
            tags_prop = next((v for t, v in props if t == "x-tm-tags"), None)
    if notes:
        tmx["notes"] = notes
    for key, (_, _tuv, _seg, vprops, vnotes, tuv_attrs), xml in (
        ("source", src, source_xml),
        ("target", tgt, target_xml),
    ):
        if not vprops and not vnotes and xml is None and len(tuv_attrs) == 1:
            continue  # the usual side: nothing to keep (its one attribute is its language)
        extra: dict[str, Any] = {}
        if vprops:
            extra["props"] = vprops
        if vnotes:
            extra["notes"] = vnotes
        if xml is not None:
            extra["seg"] = xml
        vattrs = {k: v for k, v in tuv_attrs if k not in (XML_LANG, "lang")}
        if vattrs:
            extra["attrs"] = vattrs
        if extra:
            tmx[key] = extra
    created = created or src[1].get("creationdate")
    iso = dates.get(created)  # a file's units often share their dates
    if iso is None:
        iso = dates[created] = tmx_date_to_iso(created)
    changed = changed or tgt[1].get("changedate")
    changed_iso = dates.get(changed)
    if changed_iso is None:
        changed_iso = dates[changed] = tmx_date_to_iso(changed)
    if len(dates) > 4096:
        dates.clear()
    created, changed = iso, changed_iso
    author = attrs.get("changeid") or attrs.get("creationid")
    meta: dict[str, Any] = {"tmx": tmx} if tmx else {}
    if table:
        reader.use_table(own_table(tags_prop))
        meta["tags"] = tags.table_json(reader.table)
    return NewUnit(
        source, target, origin, src[0], tgt[0], mt_draft, author, context, meta, created, changed or created
    )


def _line(el: etree._Element) -> int | None:
    """Return an element's line in the file, None when lxml does not know it."""
    line = el.sourceline
    return line if isinstance(line, int) else None


def _props_xml(props: Iterable[list[str]], notes: Iterable[str], indent: str) -> str:
    out = [f"{indent}<prop type={xml_attr(t)}>{xml_text(v)}</prop>\n" for t, v in props]
    out += [f"{indent}<note>{xml_text(n)}</note>\n" for n in notes]
    return "".join(out)


def tu_xml(unit: Unit) -> str:
    """Return the <tu> element of a unit as TMX 1.4b text."""
    tmx = unit.meta.get("tmx", {}) if isinstance(unit.meta.get("tmx"), dict) else {}
    attrs = dict(tmx.get("attrs", {}))
    attrs.setdefault("tuid", str(unit.id))
    for key, value in (
        ("creationdate", iso_to_tmx_date(unit.created_at)),
        ("changedate", iso_to_tmx_date(unit.changed_at)),
    ):
        if value:
            attrs[key] = value
    if unit.author:
        attrs.setdefault("creationid", unit.author)
        attrs["changeid"] = unit.author
    head = "".join(f" {k}={xml_attr(v)}" for k, v in attrs.items())
    props = [p for p in tmx.get("props", []) if p[0] not in _OWN_PROPS]
    props.append(["x-tm-origin", unit.origin])
    if unit.mt_draft is not None:
        props.append(["x-tm-mt-draft", unit.mt_draft])
    if unit.context:
        props.append(["x-tm-context", unit.context])
    source, target, table = segs(unit, tmx)
    if table:  # what each tag stands for, exactly, for tm to read back
        props.append(["x-tm-tags", json.dumps(tags.table_json(table), ensure_ascii=False)])
    parts = [f"  <tu{head}>\n", _props_xml(props, tmx.get("notes", []), "    ")]
    for lang, seg, side in (
        (unit.source_lang, source, tmx.get("source", {})),
        (unit.target_lang, target, tmx.get("target", {})),
    ):
        vattrs = "".join(f" {k}={xml_attr(v)}" for k, v in side.get("attrs", {}).items())
        parts.append(f"    <tuv xml:lang={xml_attr(lang)}{vattrs}>\n")
        parts.append(_props_xml(side.get("props", []), side.get("notes", []), "      "))
        parts.append(f"      <seg>{seg}</seg>\n    </tuv>\n")
    parts.append("  </tu>\n")
    return "".join(parts)


def write_tmx(
    out: IO[str],
    units: Iterable[Unit],
    *,
    source_lang: str = "ar",
    tool_version: str = "0",
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write units as a TMX 1.4b document to a text stream; return how many were written."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n')
    out.write(
        f'  <header creationtool="tm" creationtoolversion={xml_attr(tool_version)} '
        f'segtype="sentence" o-tmf="tm" adminlang="en" srclang={xml_attr(source_lang)} '
        'datatype="plaintext"/>\n  <body>\n'
    )
    n = 0
    for unit in units:
        out.write(tu_xml(unit))
        n += 1
        if progress is not None:
            progress(1)
    out.write("  </body>\n</tmx>\n")
    return n
