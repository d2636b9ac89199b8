"""XLIFF 1.2 and 2.x: segments in and out, for exchanging work with other CAT tools.

`extract` gives one Block per translatable segment, `segmented=False` (the file's
segmentation stands), kind "unit", in document order, reading the file as a stream:

* 1.2 (also 1.1 and 1.0): each `<trans-unit>` (not `translate="no"`, nor inside a group or
  file that says so) is one segment, or, when its `<seg-source>` holds
  `<mrk mtype="seg">` segments, one per `<mrk>`. 2.x: each `<segment>` of each `<unit>`
  (`<ignorable>`s stay as they are). A segment of only spaces and codes is left out.
* `id` is the unit's id; when a unit has several segments, "<unit id>#<mid or segment id>"
  (the position from 1 when the segment has none). Ids are unique within a `<file>` only.
* `target` and `state` come from a pre-translated target (none for an empty one);
  `state` is "state" or "state/qualifier", mapped to tm's statuses and origins by
  status_of and origin_of, and back by state_for (tm.formats.xliff_state has the table).
* `note` joins the unit's `<note>`s, one a line.
* Inline codes become tm tags (tm.formats.xliff_inline has the table).

`merge` writes each segment's English as its `<target>`, codes rendered back from the
elements the tags stand for (tm.formats.xliff_merge); `Translated(text=None)` leaves a
segment as it was. `write_xliff` (tm.formats.xliff_write) makes a new XLIFF from any
document's blocks. Both take and give the file's own ids, so what came from XLIFF goes
back with them.

A file is refused with an XLIFFError (a FormatError) naming the line when it is bigger
than MAX_XLIFF_BYTES, is not XML, declares entities or an inline DTD, nests deeper than the
parser allows, is not XLIFF 1.x/2.x, is not from Arabic or into English, or has a unit
without an id or a source, a `<bpt>` without its `<ept>` (or the reverse), an `<ec>` whose
`<sc>` is not in its unit, or more codes in a segment than tm takes.
"""

from __future__ import annotations

from io import BytesIO

from lxml import etree

from tm.formats.blocks import Block
from tm.formats.xliff_inline import XLIFFError, local, ns_of
from tm.formats.xliff_merge import merge
from tm.formats.xliff_read import (
    MAX_XLIFF_BYTES,
    PARSER_OPTIONS,
    Doc,
    check,
    check_langs,
    doc_of,
    is_unit,
    read_unit,
    syntax_error,
)
from tm.formats.xliff_state import origin_of, state_for, status_of
from tm.formats.xliff_write import write_xliff

__all__ = [
    "MAX_XLIFF_BYTES",
    "XLIFFError",
    "extract",
    "merge",
    "origin_of",
    "state_for",
    "status_of",
    "write_xliff",
]


def extract(data: bytes, *, name: str, source_lang: str = "ar", target_lang: str = "en") -> list[Block]:
    """Return the segments of an XLIFF 1.2 or 2.x file as blocks, reading it as a stream."""
    check(data, name)
    blocks: list[Block] = []
    doc: Doc | None = None
    events = etree.iterparse(
        BytesIO(data),
        events=("start", "end"),
        tag=("{*}xliff", "{*}file", "{*}unit", "{*}trans-unit"),
        remove_comments=True,
        remove_pis=True,
        **PARSER_OPTIONS,
    )
    try:
        for event, el in events:
            if doc is None:
                doc = doc_of(el, name)
                if doc.version == "2.0":
                    check_langs(el, doc, source_lang, target_lang)
                continue
            if event == "start":
                if doc.version == "1.2" and local(el) == "file" and ns_of(el) == doc.ns:
                    check_langs(el, doc, source_lang, target_lang)
                continue
            if is_unit(doc, el):
                blocks.extend(block for _seg, block in read_unit(doc, el))
                el.clear(keep_tail=True)
                parent = el.getparent()
                if parent is not None:
                    while el.getprevious() is not None:
                        del parent[0]
    except etree.XMLSyntaxError as e:
        raise syntax_error(e, name) from None
    if doc is None:
        raise XLIFFError("the file holds no XML element", path=name)
    return blocks
