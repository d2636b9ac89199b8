"""TMX inline codes as tags: <bpt>/<ept>, <ph>, <it>, <hi>, <ut> in, TMX 1.4b codes out."""

import io
import re
import time

import pytest
from lxml import etree
from translate.storage import tmx as ttk_tmx

from tm import tags
from tm.errors import TMXError
from tm.formats.tmx import ReadReport, read_tmx, write_tmx
from tm.memory import EXACT, TranslationMemory
from tm.store.records import Unit
from tm.store.sqlite import SQLiteStore
from tm.tags import CLOSE, EMPTY, OPEN, Tag


def op(n: int) -> str:
    return tags.char(n, OPEN)


def cl(n: int) -> str:
    return tags.char(n, CLOSE)


def em(n: int) -> str:
    return tags.char(n, EMPTY)


HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n'
    '<header creationtool="{tool}" creationtoolversion="1" segtype="sentence" o-tmf="x" '
    'adminlang="en" srclang="ar" datatype="html"/>\n<body>\n'
)


def tmx(body: str, tool: str = "test") -> bytes:
    return (HEAD.format(tool=tool) + body + "</body>\n</tmx>\n").encode()


def tu(ar: str, en: str, extra: str = "") -> str:
    return (
        f'<tu>{extra}<tuv xml:lang="ar"><seg>{ar}</seg></tuv><tuv xml:lang="en"><seg>{en}</seg></tuv></tu>\n'
    )


def read(data: bytes):
    report = ReadReport()
    return list(read_tmx(io.BytesIO(data), report=report)), report


def table(unit) -> dict[int, Tag]:
    return tags.table_from_json(unit.meta.get("tags"))


def as_units(new_units) -> list[Unit]:
    return [
        Unit(
            n,
            u.source,
            u.target,
            origin=u.origin,
            source_lang=u.source_lang,
            target_lang=u.target_lang,
            mt_draft=u.mt_draft,
            author=u.author,
            context=u.context,
            meta=u.meta,
            created_at=u.created_at,
            changed_at=u.changed_at,
            version=1,
        )
        for n, u in enumerate(new_units, 1)
    ]


def written(units) -> bytes:
    out = io.StringIO()
    write_tmx(out, units)
    return out.getvalue().encode()


# As OmegaT writes them: bpt/ept with x, ph with x; the English puts the codes elsewhere.
OMEGAT = (
    'أعلن <bpt i="1" x="1">&lt;b0&gt;</bpt>الوزير<ept i="1">&lt;/b0&gt;</ept> الخطة'
    '<ph x="2">&lt;br1/&gt;</ph> الجديدة اليوم',
    '<ph x="2">&lt;br1/&gt;</ph>The <bpt i="1" x="1">&lt;b0&gt;</bpt>minister<ept i="1">&lt;/b0&gt;</ept>'
    " announced the new plan today",
)
# As Okapi writes them: no x, so source and target codes pair by order.
OKAPI = (
    'ارتفعت <bpt i="1">&lt;b&gt;</bpt>أسعار النفط<ept i="1">&lt;/b&gt;</ept> في '
    '<bpt i="2">&lt;i&gt;</bpt>الأسواق العالمية<ept i="2">&lt;/i&gt;</ept><ph>&lt;br/&gt;</ph>',
    '<bpt i="7">&lt;b&gt;</bpt>Oil prices<ept i="7">&lt;/b&gt;</ept> rose on '
    '<bpt i="8">&lt;i&gt;</bpt>world markets<ept i="8">&lt;/i&gt;</ept><ph>&lt;br/&gt;</ph>',
)
# As Trados writes them: types, x on every code, empty codes, a link.
TRADOS = (
    'وقع <bpt i="1" type="bold" x="1">&lt;b&gt;</bpt>الطرفان<ept i="1">&lt;/b&gt;</ept> '
    '<bpt i="2" type="link" x="2">&lt;a href="https://example.com/a?b=1&amp;c=2"&gt;</bpt>الاتفاق'
    '<ept i="2">&lt;/a&gt;</ept> في القاهرة<ph x="3" type="lb"/>',
    '<bpt i="1" type="bold" x="1">&lt;b&gt;</bpt>The two sides<ept i="1">&lt;/b&gt;</ept> signed '
    '<bpt i="2" type="link" x="2">&lt;a href="https://example.com/a?b=1&amp;c=2"&gt;</bpt>the agreement'
    '<ept i="2">&lt;/a&gt;</ept> in Cairo<ph x="3" type="lb"/>',
)
# <it>, <hi> and <ut> (RTF codes, as old Trados wrote them).
ISOLATED = (
    '<it pos="end" x="1">&lt;/i&gt;</it>قالت <hi type="x-bold">الشركة</hi> إن أرباحها '
    '<it pos="begin" x="2">&lt;i&gt;</it>تضاعفت<ut>{\\b0}</ut>',
    '<it pos="end" x="1">&lt;/i&gt;</it>The <hi type="x-bold">company</hi> said its profits '
    '<it pos="begin" x="2">&lt;i&gt;</it>doubled<ut>{\\b0}</ut>',
)
# Codes only the English has, and one whose x the Arabic lacks.
EXTRA = (
    'انظر الجدول<ph x="1">&lt;img/&gt;</ph> في الصفحة التالية',
    'See the <bpt i="1" x="5">&lt;b&gt;</bpt>table<ept i="1">&lt;/b&gt;</ept><ph x="9">&lt;img/&gt;</ph>'
    ' on the next page<ph x="1">&lt;img/&gt;</ph>',
)
ALL = [OMEGAT, OKAPI, TRADOS, ISOLATED, EXTRA]

EXPECTED = [
    (
        f"أعلن {op(1)}الوزير{cl(1)} الخطة{em(2)} الجديدة اليوم",
        f"{em(2)}The {op(1)}minister{cl(1)} announced the new plan today",
    ),
    (
        f"ارتفعت {op(1)}أسعار النفط{cl(1)} في {op(2)}الأسواق العالمية{cl(2)}{em(3)}",
        f"{op(1)}Oil prices{cl(1)} rose on {op(2)}world markets{cl(2)}{em(3)}",
    ),
    (
        f"وقع {op(1)}الطرفان{cl(1)} {op(2)}الاتفاق{cl(2)} في القاهرة{em(3)}",
        f"{op(1)}The two sides{cl(1)} signed {op(2)}the agreement{cl(2)} in Cairo{em(3)}",
    ),
    (
        f"{cl(1)}قالت {op(2)}الشركة{cl(2)} إن أرباحها {op(3)}تضاعفت{em(4)}",
        f"{cl(1)}The {op(2)}company{cl(2)} said its profits {op(3)}doubled{em(4)}",
    ),
    (
        f"انظر الجدول{em(1)} في الصفحة التالية",
        f"See the {op(2)}table{cl(2)}{em(3)} on the next page{em(1)}",
    ),
]


@pytest.mark.parametrize("case", range(len(ALL)), ids=["omegat", "okapi", "trados", "it-hi-ut", "extra"])
def test_inline_codes_from_other_tools_become_tags_numbered_by_the_arabic(case):
    units, report = read(tmx(tu(*ALL[case])))
    assert report.refused == 0
    assert (units[0].source, units[0].target) == EXPECTED[case]
    # the memory keeps sentences canonical: numbered 1, 2, ... in order in the Arabic
    assert tags.canonical(units[0].source)[0] == units[0].source
    assert set(table(units[0])) == set(tags.numbers(units[0].source)) | set(tags.numbers(units[0].target))


def test_the_table_says_what_each_code_stands_for():
    (omegat, trados, isolated, extra), _ = read(tmx(tu(*OMEGAT) + tu(*TRADOS) + tu(*ISOLATED) + tu(*EXTRA)))
    t = table(omegat)
    assert t[1] == Tag("open", "bpt", '<bpt i="1" x="1">&lt;b0&gt;</bpt><ept i="1">&lt;/b0&gt;</ept>', "<b0>")
    assert t[2] == Tag("empty", "ph", '<ph x="2">&lt;br1/&gt;</ph>', "<br1/>")
    t = table(trados)
    assert [(t[n].kind, t[n].name) for n in (1, 2, 3)] == [("open", "b"), ("open", "a"), ("empty", "br")]
    assert t[2].title == '<a href="https://example.com/a?b=1&c=2">'
    assert t[3].title == "lb"  # an empty code says what it is by its type
    t = table(isolated)
    assert [(t[n].kind, t[n].name) for n in (1, 2, 3, 4)] == [
        ("close", "it"),
        ("open", "hi"),
        ("open", "it"),
        ("empty", "ut"),
    ]
    assert t[2].markup == '<hi type="x-bold">' and t[4].title == "{\\b0}"
    t = table(extra)
    assert t[2].markup == '<bpt i="1" x="5">&lt;b&gt;</bpt><ept i="1">&lt;/b&gt;</ept>'
    assert t[3].markup == '<ph x="9">&lt;img/&gt;</ph>'


def test_a_code_s_title_is_its_text_and_its_children_s_with_spaces_folded():
    ar = (
        'نص<bpt i="1" x="1">&lt;a\n   href="x"&gt;<sub>مرجع</sub> &lt;b&gt;</bpt>مرتبط<ept i="1">&lt;/a&gt;</ept>'
        '<ph x="2" type="lb">  </ph>'
    )
    units, _ = read(tmx(tu(ar, "linked text")))
    t = table(units[0])
    assert t[1].title == '<a href="x">مرجع <b>'
    assert t[2].title == "lb"  # only spaces: the type says what it is


def test_a_long_native_code_gives_a_short_title():
    units, _ = read(tmx(tu(f"نص<ph>{'&lt;span class=&quot;x&quot;&gt;' * 20}</ph> طويل", "long text")))
    title = table(units[0])[1].title
    assert len(title) == 80 and title.endswith("…")
    assert table(units[0])[1].markup.count("span") == 20  # the markup keeps all of it


def test_a_tagged_tmx_goes_into_a_memory_and_matches_tags_numbered_otherwise(tmp_path):
    store = SQLiteStore(tmp_path / "m.db")
    result = store.units.import_units(read_tmx(io.BytesIO(tmx("".join(tu(*c) for c in ALL)))))
    assert result.added == len(ALL)
    memory = TranslationMemory(store)
    unit = next(u for u in store.units.iter_units() if u.source == EXPECTED[0][0])
    assert table(unit)[2].name == "ph"

    # the same sentence as it stands in a paragraph: its tags numbered 4 and 7
    query = f"أعلن {op(4)}الوزير{cl(4)} الخطة{em(7)} الجديدة اليوم"
    best = memory.lookup(query)[0]
    assert (best.kind, best.score, best.unit.id) == (EXACT, 100, unit.id)
    assert best.target == f"{em(7)}The {op(4)}minister{cl(4)} announced the new plan today"

    plain = memory.lookup("أعلن الوزير الخطة الجديدة اليوم")[0]
    assert plain.unit.id == unit.id and 90 <= plain.score < 100
    memory.close()


def test_tm_writes_tags_as_codes_and_reads_back_the_same_units(tmp_path):
    store = SQLiteStore(tmp_path / "m.db")
    store.units.import_units(read_tmx(io.BytesIO(tmx("".join(tu(*c) for c in ALL)))))
    before = list(store.units.iter_units())
    data = written(before)

    # untouched units give back each segment byte for byte
    for ar, en in ALL:
        assert f"<seg>{ar}</seg>" in data.decode() and f"<seg>{en}</seg>" in data.decode()

    again, report = read(data)
    assert report.refused == 0
    assert [(u.source, u.target, u.meta["tags"]) for u in again] == [
        (u.source, u.target, u.meta["tags"]) for u in before
    ]
    ttk = ttk_tmx.tmxfile.parsestring(data)
    assert len(ttk.units) == len(before)
    store.close()


def test_an_edited_unit_is_written_with_fresh_codes_in_the_right_places(tmp_path):
    store = SQLiteStore(tmp_path / "m.db")
    store.units.import_units(read_tmx(io.BytesIO(tmx(tu(*OMEGAT) + tu(*TRADOS)))))
    first, second = list(store.units.iter_units())
    edited = f"{em(2)}The {op(1)}minister{cl(1)} presented the new plan today"
    store.units.update(first.id, author="huda", target=edited)
    units = list(store.units.iter_units())
    data = written(units)
    root = etree.fromstring(data)
    ar, en = root.findall(".//tu")[0].findall(".//seg")
    assert [(c.tag, c.get("i"), c.get("x"), c.text) for c in ar] == [
        ("bpt", "1", "1", "<b0>"),
        ("ept", "1", None, "</b0>"),
        ("ph", None, "2", "<br1/>"),
    ]
    assert [c.tag for c in en] == ["ph", "bpt", "ept"]
    assert ar[0].tail == "الوزير" and en[1].tail == "minister"
    assert ar.text == "أعلن " and en[2].tail == " presented the new plan today"

    again, _ = read(data)
    assert [(u.source, u.target, u.meta["tags"]) for u in again] == [
        (u.source, u.target, u.meta["tags"]) for u in units
    ]
    # without the table tm writes beside them, the codes alone give the same tagged texts
    bare, _ = read(re.sub(rb'\s*<prop type="x-tm-tags">.*?</prop>', b"", data))
    assert [(u.source, u.target) for u in bare] == [(u.source, u.target) for u in units]
    assert [t.name for t in table(bare[1]).values()] == ["b", "a", "br"]
    store.close()


def test_tags_from_a_document_are_written_with_their_native_markup(tmp_path):
    memory = TranslationMemory(SQLiteStore(tmp_path / "m.db"))
    link = '<a href="https://example.com/?q=1&x=2">'
    doc_table = {
        3: Tag("open", "b", "<b>"),
        5: Tag("empty", "br", "<br/>"),
        8: Tag("open", "a", link, "https://example.com/?q=1&x=2"),
        9: Tag("open", "i", "<i>"),
    }
    source = f"{op(9)}عاد {op(3)}اللاعب{cl(3)} إلى {op(8)}الملعب{cl(8)}{em(5)} بعد الإصابة"
    target = (
        f"{op(9)}The {op(3)}player{cl(3)} returned to {op(8)}the pitch{cl(8)}{em(5)} after the injury{cl(9)}"
    )
    unit = memory.confirm(source, target, author="huda", meta={"tags": tags.table_json(doc_table)})
    assert unit.source == f"{op(1)}عاد {op(2)}اللاعب{cl(2)} إلى {op(3)}الملعب{cl(3)}{em(4)} بعد الإصابة"

    data = written(memory.store.units.iter_units())
    ar, en = etree.fromstring(data).findall(".//seg")
    assert [(c.tag, c.get("type"), c.get("pos"), c.text) for c in ar] == [
        ("it", "italic", "begin", "<i>"),  # its close is only in the English
        ("bpt", "bold", None, "<b>"),
        ("ept", None, None, "</b>"),
        ("bpt", "link", None, link),
        ("ept", None, None, "</a>"),
        ("ph", "lb", None, "<br/>"),
    ]
    assert [c.tag for c in en] == ["bpt", "bpt", "ept", "bpt", "ept", "ph", "ept"]
    assert en[0].get("i") == "1" and en[-1].get("i") == "1"
    assert [c.get("x") for c in en if c.tag != "ept"] == ["1", "2", "3", "4"]

    (again,), _ = read(data)
    assert (again.source, again.target, again.meta["tags"]) == (unit.source, unit.target, unit.meta["tags"])
    ttk = ttk_tmx.tmxfile.parsestring(data)
    assert ttk.units[0].source == "<i>عاد <b>اللاعب</b> إلى " + link + "الملعب</a><br/> بعد الإصابة"
    memory.close()


def test_a_close_alone_and_an_unknown_tag_are_written_as_isolated_codes():
    unit = as_units(read(tmx(tu("نص عادي", "plain text")))[0])[0]
    unit.source, unit.target = f"قبل{cl(1)} بعد {op(2)}", f"before{cl(1)} after {op(2)}"
    data = written([unit])
    ar = etree.fromstring(data).findall(".//seg")[0]
    assert [(c.tag, c.get("pos"), c.get("x"), c.text) for c in ar] == [
        ("it", "end", "1", None),
        ("it", "begin", "2", None),
    ]
    (again,), _ = read(data)
    assert (again.source, again.target) == (unit.source, unit.target)


def test_plain_segments_are_written_as_before():
    units = as_units(read(tmx(tu("سطر &amp; آخر", "a line &lt;here&gt;")))[0])
    data = written(units).decode()
    assert "<seg>سطر &amp; آخر</seg>" in data and "<seg>a line &lt;here&gt;</seg>" in data
    assert "x-tm-tags" not in data and "tags" not in units[0].meta


def test_a_segment_of_codes_only_is_empty():
    units, report = read(tmx(tu('<ph x="1">&lt;br/&gt;</ph> ', "a line") + tu("نص", "text")))
    assert [u.source for u in units] == ["نص"]
    assert report.refused == 1 and "empty segment" in report.messages[0]


# -- hostile files ------------------------------------------------------------


def test_a_bpt_without_its_ept_and_an_ept_without_its_bpt_stand_alone():
    ar = 'قبل <bpt i="1">&lt;b&gt;</bpt>وسط<ept i="9">&lt;/u&gt;</ept> بعد'
    units, report = read(tmx(tu(ar, 'before <ept i="3">&lt;/u&gt;</ept>after')))
    assert report.refused == 0
    assert units[0].source == f"قبل {op(1)}وسط{cl(2)} بعد"
    assert units[0].target == f"before {cl(2)}after"
    assert [(t.kind, t.name) for t in table(units[0]).values()] == [("open", "bpt"), ("close", "ept")]
    (again,), _ = read(written(as_units(units)))
    assert (again.source, again.target) == (units[0].source, units[0].target)


def test_codes_nested_deep_in_hi_are_read_without_recursion():
    depth = 200
    ar = '<hi type="x">' * depth + "نص" + "</hi>" * depth
    units, _ = read(tmx(tu(ar, "text")))
    assert units[0].source == "".join(op(n) for n in range(1, depth + 1)) + "نص" + "".join(
        cl(n) for n in range(depth, 0, -1)
    )
    (again,), _ = read(written(as_units(units)))
    assert again.source == units[0].source


def test_codes_nested_deeper_than_the_parser_takes_are_a_clear_error():
    ar = "<hi>" * 1000 + "نص" + "</hi>" * 1000
    with pytest.raises(TMXError, match="depth"):
        read(tmx(tu(ar, "text")))


def test_a_hundred_thousand_codes_in_a_segment_refuse_that_unit_only():
    many = '<ph x="1">&lt;br/&gt;</ph>' * 100_000
    start = time.perf_counter()
    units, report = read(tmx(tu(f"كثير{many}", "many") + tu("قليل", "few")))
    assert time.perf_counter() - start < 20
    assert [u.source for u in units] == ["قليل"]
    assert report.refused == 1
    assert "more than 1500 inline codes" in report.messages[0] and report.messages[0].startswith("line 5:")


def test_a_hundred_thousand_characters_xml_cannot_hold_are_read_as_text():
    many = '<ph type="x-tm-char">U+000B</ph>' * 100_000
    units, _ = read(tmx(tu(f"كثير{many}", "many")))
    assert units[0].source == "كثير" + "\x0b" * 100_000 and "tags" not in units[0].meta


@pytest.mark.parametrize(
    "prop",
    [
        "not json",
        "[1, 2]",
        '{"x": {}}',
        '{"1": "b"}',
        '{"1": {"kind": "open"}}',
        '{"1": {"kind": "open", "name": "z"}}',
    ],
)
def test_a_table_prop_that_does_not_fit_the_codes_is_left_aside(prop):
    extra = f'<prop type="x-tm-tags">{prop}</prop>'
    units, report = read(tmx(tu('نص<ph x="1">&lt;br/&gt;</ph>', "text", extra=extra)))
    assert report.refused == 0
    assert units[0].source == f"نص{em(1)}"
    assert table(units[0])[1].kind == "empty"
    assert "props" not in units[0].meta.get("tmx", {})
