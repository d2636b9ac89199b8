"""TMX edge cases: characters XML cannot hold, and pairs of two variants of one language."""

import io

import pytest
from lxml import etree

from tm import tags
from tm.formats.tmx import ReadReport, read_tmx, write_tmx
from tm.store.base import Unit

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n'
HEADER = '<header creationtool="test" creationtoolversion="1" segtype="sentence" o-tmf="x" adminlang="en" srclang="{src}" datatype="plaintext"/>\n'


def unit(source: str, target: str, n: int = 1, **kw) -> Unit:
    fields = dict(
        origin="human",
        source_lang="ar",
        target_lang="en",
        mt_draft=None,
        author="huda",
        context=None,
        meta={},
        created_at="2025-03-01T09:00:00Z",
        changed_at="2025-03-01T09:00:00Z",
        version=1,
    )
    fields.update(kw)
    return Unit(n, source, target, **fields)


def written(units: list[Unit]) -> bytes:
    out = io.StringIO()
    write_tmx(out, units)
    return out.getvalue().encode()


def read(data: bytes, **kw):
    report = ReadReport()
    return list(read_tmx(io.BytesIO(data), report=report, **kw)), report


TEXTS = [
    ("سطر أول\r\nسطر ثان", "First line\r\nsecond line"),
    ("قبل\rبعد", "before\rafter"),
    ("عمود\x0bعمود", "column\x0bcolumn"),
    ("صفحة\x0cصفحة", "page\x0cpage"),
    ("اسم\tقيمة", "name\tvalue"),
    ("\r\x0b\x0c\t كل شيء \x01\x1f", "\r\x0b\x0c\t everything \x01\x1f"),
]


@pytest.mark.parametrize(("source", "target"), TEXTS, ids=["crlf", "cr", "vt", "ff", "tab", "all"])
def test_control_characters_and_carriage_returns_survive_a_tmx_round_trip(source, target):
    data = written([unit(source, target, mt_draft="draft\r\nwith CR")])
    units, report = read(data)
    assert report.refused == 0
    assert [(u.source, u.target) for u in units] == [(source, target)]
    assert units[0].mt_draft == "draft\r\nwith CR"
    tmx_meta = units[0].meta["tmx"]
    assert "source" not in tmx_meta and "target" not in tmx_meta  # characters, not inline codes


def test_the_written_file_is_valid_xml_with_a_placeholder_for_each_forbidden_character():
    data = written([unit(s, t, n) for n, (s, t) in enumerate(TEXTS, 1)])
    root = etree.fromstring(data)  # valid XML 1.0, as other tools need
    phs = root.findall(".//ph")
    assert {ph.get("type") for ph in phs} == {"x-tm-char"}
    assert {ph.text for ph in phs} == {"U+000B", "U+000C", "U+0001", "U+001F"}
    assert b"&#13;" in data and b"\r" not in data


def test_a_carriage_return_beside_inline_codes_round_trips_with_the_codes():
    seg = 'أعلن <bpt i="1">&lt;b&gt;</bpt>الوزير<ept i="1">&lt;/b&gt;</ept>&#13;\nاليوم\x0b'
    seg = seg.replace("\x0b", '<ph type="x-tm-char">U+000B</ph>')
    body = f'<tu><tuv xml:lang="ar"><seg>{seg}</seg></tuv><tuv xml:lang="en"><seg>The minister announced</seg></tuv></tu>\n'
    data = (HEAD + HEADER.format(src="ar") + "<body>\n" + body + "</body>\n</tmx>\n").encode()
    first, _ = read(data)
    assert tags.strip(first[0].source) == "أعلن الوزير\r\nاليوم\x0b"
    stored = unit(first[0].source, first[0].target, meta=first[0].meta)
    again, _ = read(written([stored]))
    assert again[0].source == first[0].source
    assert again[0].meta["tmx"]["source"]["seg"] == first[0].meta["tmx"]["source"]["seg"]
    assert "<bpt" in again[0].meta["tmx"]["source"]["seg"]


def test_control_characters_in_authors_and_props_still_give_a_valid_file():
    odd = unit("نص عادي", "plain text", author="هدى\x0b", context="سياق\x01", mt_draft="draft\x0c\r")
    data = written([odd])
    tu_el = etree.fromstring(data).find(".//tu")
    assert tu_el.get("changeid") == "هدى"  # attributes and props cannot hold them: dropped
    units, _ = read(data)
    assert (units[0].author, units[0].context, units[0].mt_draft) == ("هدى", "سياق", "draft\r")


def tu(*variants: tuple[str, str]) -> str:
    tuvs = "".join(f'<tuv xml:lang="{lang}"><seg>{text}</seg></tuv>' for lang, text in variants)
    return f"<tu>{tuvs}</tu>\n"


def tmx(body: str, srclang: str) -> bytes:
    return (HEAD + HEADER.format(src=srclang) + "<body>\n" + body + "</body>\n</tmx>\n").encode()


def test_an_en_us_to_en_gb_memory_reads_each_side_from_its_region():
    body = tu(("en-US", "The color of the program"), ("en-GB", "The colour of the programme"))
    body += tu(("EN-GB", "I realise"), ("en_us", "I realize"))  # other order, other spelling
    units, report = read(tmx(body, "en-US"), source_lang="en-US", target_lang="en-GB")
    assert report.refused == 0
    assert [(u.source, u.target, u.source_lang, u.target_lang) for u in units] == [
        ("The color of the program", "The colour of the programme", "en-US", "en-GB"),
        ("I realize", "I realise", "en_us", "EN-GB"),
    ]


def test_an_egyptian_to_saudi_arabic_memory_reads_each_side_from_its_region():
    body = tu(("ar-SA", "ماذا تريد؟"), ("ar-EG", "عايز إيه؟"))
    units, _ = read(tmx(body, "ar-EG"), source_lang="ar-EG", target_lang="ar-SA")
    assert [(u.source, u.target) for u in units] == [("عايز إيه؟", "ماذا تريد؟")]


def test_the_region_asked_for_wins_over_other_variants_of_the_source_language():
    body = tu(("ar-SA", "ماذا تريد؟"), ("ar-EG", "عايز إيه؟"), ("en", "What do you want?"))
    units, _ = read(tmx(body, "ar-SA"), source_lang="ar-EG", target_lang="en")
    assert [(u.source, u.source_lang) for u in units] == [("عايز إيه؟", "ar-EG")]


def test_the_header_s_source_language_picks_among_variants_from_where_the_header_is_read():
    variants = tu(("ar-EG", "عايز إيه؟"), ("ar-SA", "ماذا تريد؟"), ("en", "What do you want?"))
    body = variants + '<header srclang="ar-SA"/>\n' + variants
    data = (HEAD + "<body>\n" + body + "</body>\n</tmx>\n").encode()
    units, _ = read(data)
    # before the header: the first variant; after it: the header's
    assert [u.source_lang for u in units] == ["ar-EG", "ar-SA"]


@pytest.mark.parametrize("space", [" ", "\u00a0", "\u3000", "\t\n", "\u2003 \u2009"])
def test_a_segment_of_spaces_only_is_refused_as_empty(space):
    units, report = read(tmx(tu(("ar", space), ("en", "Nothing")) + tu(("ar", "نعم"), ("en", space)), "ar"))
    assert units == []
    assert report.refused == 2 and all(m.endswith("empty segment") for m in report.messages)


def test_a_tuv_keeps_its_other_attributes_whatever_names_its_language():
    body = (
        '<tu><tuv lang="ar" creationid="sara"><seg>نعم</seg></tuv>'
        '<tuv xml:lang="" lang="en"><seg>Yes</seg></tuv></tu>\n'
    )
    units, report = read(tmx(body, "ar"))
    assert report.refused == 0
    assert (units[0].source_lang, units[0].target_lang) == ("ar", "en")
    assert units[0].meta["tmx"]["source"] == {"attrs": {"creationid": "sara"}}
    assert "target" not in units[0].meta["tmx"]
