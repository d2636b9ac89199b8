"""Glossaries in TBX (TBX-Basic / ISO 30042 `martif`, and TBX v3 `tbx`) and in CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import IO

from lxml import etree

from tm.errors import CSVFormatError, FormatError
from tm.formats.csv import csv_rows, guess_delimiter, sniff_encoding
from tm.formats.tmx import XML_LANG, lang_side
from tm.formats.xmlsafe import PROLOG_LIMIT, check_prolog, xml_attr, xml_text
from tm.store.records import NewTerm, Term

DEPRECATED = {"deprecatedTerm-admn-sts", "supersededTerm-admn-sts", "notRecommended", "deprecated"}
ENFORCE_TYPE = "x-tm-enforce"
MAX_GLOSSARY_BYTES = 64 * 1024 * 1024


def _local(tag: object) -> str:
    return tag.split("}")[-1] if isinstance(tag, str) else ""


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "yes", "true", "y", "x", "enforce")


def read_tbx(
    data: bytes, *, path: str = "<tbx>", source_lang: str = "ar", target_lang: str = "en"
) -> list[NewTerm]:
    """Read the source->target terms of a TBX file; deprecated target terms become 'do not use'.

    Language codes match in any case and region (see tmx.lang_side). A file whose entries
    never hold both languages is refused with the languages it has, rather than read as empty.
    """
    check_glossary_size(len(data), path)
    check_prolog(data[:PROLOG_LIMIT], path, FormatError, ("martif", "tbx"))
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise FormatError(f"malformed XML: {e.msg}", path=path, line=e.lineno) from None
    terms: list[NewTerm] = []
    seen: set[str] = set()  # the languages of the file, for the error when none is the pair
    paired = False
    for entry in root.iter():
        if _local(entry.tag) not in ("termEntry", "conceptEntry"):
            continue
        notes = [
            (el.text or "").strip()
            for el in entry.iter()
            if _local(el.tag) in ("note", "descrip", "definition") and el.get("type") != ENFORCE_TYPE
        ]
        enforce = any(
            _local(el.tag) in ("admin", "descrip") and el.get("type") == ENFORCE_TYPE and _truthy(el.text)
            for el in entry.iter()
        )
        sources: list[str] = []
        preferred: list[str] = []
        deprecated: list[str] = []
        for lang_set in entry:
            if _local(lang_set.tag) not in ("langSet", "langSec"):
                continue
            lang = lang_set.get(XML_LANG) or lang_set.get("lang")
            seen.add(lang or "(none)")
            side = lang_side(lang, source_lang, target_lang)[0]
            for holder in lang_set:
                if _local(holder.tag) not in ("tig", "ntig", "termSec"):
                    continue
                term = next((el for el in holder.iter() if _local(el.tag) == "term"), None)
                text = "" if term is None else "".join(str(t) for t in term.itertext()).strip()
                if not text:
                    continue
                status = {
                    (el.text or "").strip()
                    for el in holder.iter()
                    if _local(el.tag) == "termNote"
                    and el.get("type") in ("administrativeStatus", "normativeAuthorization")
                }
                if side == "s":
                    sources.append(text)
                elif side == "t":
                    (deprecated if status & DEPRECATED else preferred).append(text)
        paired = paired or bool(sources and (preferred or deprecated))
        if sources and preferred:
            for source in sources:
                terms.append(
                    NewTerm(source, preferred[0], "; ".join(n for n in notes if n), deprecated, enforce)
                )
    if seen and not paired:
        raise FormatError(
            f"no term entry has both {source_lang} and {target_lang}; the file's languages are "
            f"{', '.join(sorted(seen))}: pass them with --source-lang and --target-lang",
            path=path,
        )
    return terms


def write_tbx(out: IO[str], terms: Iterable[Term]) -> int:
    """Write terms as TBX-Basic (martif); return how many entries were written."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<martif type="TBX-Basic" xml:lang="en">\n')
    out.write(
        "  <martifHeader><fileDesc><sourceDesc><p>tm glossary</p></sourceDesc></fileDesc></martifHeader>\n"
    )
    out.write("  <text><body>\n")
    n = 0
    for t in terms:
        n += 1
        out.write(f"    <termEntry id={xml_attr(f't{t.id}')}>\n")
        if t.notes:
            out.write(f"      <note>{xml_text(t.notes)}</note>\n")
        out.write(f'      <admin type="{ENFORCE_TYPE}">{"yes" if t.enforce else "no"}</admin>\n')
        out.write(f'      <langSet xml:lang="ar"><tig><term>{xml_text(t.source)}</term></tig></langSet>\n')
        out.write('      <langSet xml:lang="en">\n')
        out.write(
            f"        <tig><term>{xml_text(t.target)}</term>"
            '<termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></tig>\n'
        )
        for bad in t.forbidden:
            out.write(
                f"        <tig><term>{xml_text(bad)}</term>"
                '<termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote></tig>\n'
            )
        out.write("      </langSet>\n    </termEntry>\n")
    out.write("  </body></text>\n</martif>\n")
    return n


GLOSSARY_COLUMNS = ("source", "target", "notes", "forbidden", "enforce")


def check_glossary_size(size: int, path: str) -> None:
    """Refuse a glossary file larger than MAX_GLOSSARY_BYTES before it is read."""
    if size > MAX_GLOSSARY_BYTES:
        raise FormatError(
            f"the glossary file is {size >> 20} MB; tm reads glossaries up to "
            f"{MAX_GLOSSARY_BYTES >> 20} MB, split it first",
            path=path,
        )


def read_glossary_csv(data: bytes, *, path: str = "<csv>", encoding: str | None = None) -> list[NewTerm]:
    """Read terms from CSV/TSV with a header: source,target[,notes,forbidden (a|b),enforce]."""
    check_glossary_size(len(data), path)
    head = data[:65536]
    enc = encoding or sniff_encoding(head, path)
    # rows are read from the bytes one at a time: no decoded copy of the file, no huge line
    rows = csv_rows(io.BytesIO(data), encoding=enc, delimiter=guess_delimiter(head), path=path)
    header = [h.strip().lower().lstrip("\ufeff") for h in next(rows, (0, []))[1]]
    aliases = {"ar": "source", "arabic": "source", "en": "target", "english": "target", "note": "notes"}
    header = [aliases.get(h, h) for h in header]
    if "source" not in header or "target" not in header:
        raise CSVFormatError("the header row needs source and target columns", path=path, line=1)
    terms = []
    for line, row in rows:
        if not any(c.strip() for c in row):
            continue
        f = dict(zip(header, row, strict=False))
        if not f.get("source", "").strip() or not f.get("target", "").strip():
            raise CSVFormatError("a term needs a source and a target", path=path, line=line)
        forbidden = [v.strip() for v in f.get("forbidden", "").replace(";", "|").split("|") if v.strip()]
        terms.append(
            NewTerm(
                f["source"].strip(),
                f["target"].strip(),
                f.get("notes", "").strip(),
                forbidden,
                _truthy(f.get("enforce")),
            )
        )
    return terms


def write_glossary_csv(out: IO[str], terms: Iterable[Term]) -> int:
    """Write terms as CSV with a header row; return how many."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(GLOSSARY_COLUMNS)
    n = 0
    for t in terms:
        w.writerow([t.source, t.target, t.notes, "|".join(t.forbidden), "yes" if t.enforce else "no"])
        n += 1
    return n
