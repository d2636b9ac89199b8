"""XLIFF 1.2 and 2.x: segments, states, notes and inline codes in; English, states and match data out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from tm import tags
from tm.formats import xliff, xliff_read
from tm.formats.blocks import Block, Translated
from tm.formats.xliff import XLIFFError, extract, merge, origin_of, state_for, status_of, write_xliff
from tm.tags import CLOSE, EMPTY, OPEN, Tag, char

DATA = Path(__file__).parent / "data" / "xliff"
B1, EB1 = char(1, OPEN), char(1, CLOSE)
B2, EB2, X2 = char(2, OPEN), char(2, CLOSE), char(2, EMPTY)
X1, X3 = char(1, EMPTY), char(3, EMPTY)
ARABIC_WORD = re.compile("[\u0621-\u064a]+")


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def shown(blocks: list[Block]) -> list[tuple[str, str, str | None, str | None]]:
    return [
        (
            b.id,
            tags.show(b.text, b.tags),
            tags.show(b.target, b.tags) if b.target is not None else None,
            b.state,
        )
        for b in blocks
    ]


def inner(el: etree._Element) -> str:
    """Return an element's content as the file has it, without namespace declarations."""
    xml = etree.tostring(el, encoding="unicode", with_tail=False)
    return re.sub(r' xmlns(:\w+)?="[^"]*"', "", xml[xml.index(">") + 1 : xml.rindex("<")])


def english(text: str) -> str:
    """Return a stand-in translation: each Arabic word becomes an English one, tags and spaces kept."""
    words = iter(["the", "minister", "said", "growth", "rose", "oil", "fell", "today", "session"] * 50)
    return ARABIC_WORD.sub(lambda _m: next(words), text)


# --- reading ------------------------------------------------------------------------------------


def test_a_source_only_1_2_file_gives_one_block_per_unit_with_its_codes_as_tags():
    blocks = extract(read("news-source-1.2.xlf"), name="news-source-1.2.xlf")
    assert shown(blocks) == [
        ("title", "قال <g1>وزير المالية</g1> إن العجز تراجع<x2/>", None, None),
        ("lead", "ارتفع <bpt1>مؤشر البورصة</bpt1> بنسبة <ph2/> في <mrk3>الربع</mrk3> الأخير.", None, None),
        ("split", "بدأت <bx1>الجلسة</bx1> مبكرا <it2>اليوم", None, None),
    ]
    title, lead, split = blocks
    assert all(not b.segmented and b.kind == "unit" for b in blocks)
    assert title.note == "عنوان رئيسي، لا يزيد عن عشر كلمات"
    assert title.tags == {
        1: Tag("open", "g", '<g id="1" ctype="bold">', "bold"),
        2: Tag("empty", "x", '<x id="2" ctype="lb"/>', "lb"),
    }
    assert lead.tags[1] == Tag(
        "open", "bpt", '<bpt id="3" ctype="italic">&lt;i&gt;</bpt><ept id="3">&lt;/i&gt;</ept>', "<i>"
    )
    assert lead.tags[2] == Tag("empty", "ph", '<ph id="4" ctype="x-number">{0}</ph>', "{0}")
    assert lead.tags[3] == Tag("open", "mrk", '<mrk mtype="term" comment="مصطلح">', "مصطلح")
    assert split.tags[1].markup == '<bx id="5" rid="5" ctype="link"/><ex id="6" rid="5"/>'
    assert split.tags[2].kind == "open" and split.tags[2].title == "<span>"


def test_a_pre_translated_1_2_file_gives_targets_states_qualifiers_and_notes():
    blocks = extract(read("pretranslated-1.2.xlf"), name="pretranslated-1.2.xlf")
    assert shown(blocks) == [
        (
            "1",
            "ارتفع التضخم إلى <g1>خمسة</g1> في المئة.",
            "Inflation rose to <g1>five</g1> percent.",
            "translated/exact-match",
        ),
        (
            "2",
            "أعلن البنك المركزي قراره.",
            "The central bank announced its decision.",
            "needs-translation/mt-suggestion",
        ),
        ("3", "وصل الوفد إلى الرياض.", "The delegation arrived in Riyadh.", "signed-off"),
        ("4", "انخفضت أسعار النفط.", "Oil prices rose.", "needs-review-translation/fuzzy-match"),
        (
            "5",
            "قالت الحكومة <x1/>إنها ستدرس الأمر.",
            "The government said<x1/> it would act.",
            "translated/rejected-inaccurate",
        ),
        ("6", "شكرا.", "Thank you.", "translated"),  # approved="yes" and no state
        ("7", "لم تترجم بعد.", None, None),  # an empty target is no translation
    ]
    assert blocks[0].note == "رقم رسمي\nتحقق من النسبة"
    assert [status_of(b.state) for b in blocks] == [
        "confirmed",
        "draft",
        "approved",
        "draft",
        "draft",
        "confirmed",
        "draft",
    ]
    assert [origin_of(b.state) for b in blocks[:4]] == [
        ("exact", 100),
        ("mt", None),
        (None, None),
        ("fuzzy", None),
    ]


def test_a_1_2_seg_source_gives_a_block_per_mrk_segment_with_the_mid_in_its_id():
    blocks = extract(read("segmented-1.2.xlf"), name="segmented-1.2.xlf")
    assert shown(blocks) == [
        ("p1#1", "ارتفع المؤشر.", "The index rose.", "translated"),
        (
            "p1#2",
            "تراجع العجز.",
            "The deficit fell.",
            "translated",
        ),  # the <g> around it is outside the segment
        ("p1#3", "وصل <x1/>الوفد.", None, None),
        ("p2", "جملة واحدة.", None, None),  # one segment: the unit's id alone
    ]
    assert blocks[0].note == "فقرة من ثلاث جمل"


def test_a_2_0_file_gives_a_block_per_segment_with_codes_states_and_notes():
    blocks = extract(read("news-2.0.xlf"), name="news-2.0.xlf")
    assert shown(blocks) == [
        (
            "u1",
            "قال <pc1>الوزير</pc1> إن<ph2/> النمو تسارع.",
            "The <pc1>minister</pc1> said<ph2/> growth picked up.",
            "translated/memoq:confirmed",
        ),
        ("u2#a", "بدأت <sc1>الجلسة مبكرا.", "The session <sc1>started early.", "final"),
        ("u2#b", "ثم <mrk1>رفعت</mrk1></ec2> الجلسة\x0b.", None, None),  # <cp hex="000B"/> is the character
        ("u4", "ارتفع الذهب <sc1>أمس.", "Gold rose <sc1>yesterday.", "initial/xyz:draft"),
    ]
    u1 = blocks[0]
    assert u1.note == "عنوان قصير\nبلا علامات تعجب"
    assert u1.tags[1] == Tag("open", "pc", '<pc id="1" dataRefStart="d1" dataRefEnd="d2">', "<b>")
    assert u1.tags[2] == Tag("empty", "ph", '<ph id="2" dataRef="d3"/>', "<br/>")
    assert blocks[2].tags[2].kind == "close" and blocks[2].tags[1].title == "البرلمان"
    assert [status_of(b.state) for b in blocks] == ["confirmed", "approved", "draft", "draft"]


@pytest.mark.parametrize(
    ("state", "status", "origin"),
    [
        ("final", "approved", (None, None)),
        ("signed-off", "approved", (None, None)),
        ("reviewed", "approved", (None, None)),
        ("translated", "confirmed", (None, None)),
        ("translated/id-match", "confirmed", ("context", 101)),
        ("translated/leveraged-tm", "confirmed", ("fuzzy", None)),
        ("translated/rejected-grammar", "draft", (None, None)),
        ("needs-review-translation/tm:fuzzy/87", "draft", ("fuzzy", 87)),
        ("new", "draft", (None, None)),
        ("initial/tm:mt", "draft", ("mt", None)),
        ("x-custom", "draft", (None, None)),
        ("/mt-suggestion", "draft", ("mt", None)),
        (None, "draft", (None, None)),
    ],
)
def test_file_states_map_to_tm_statuses_and_origins(state, status, origin):
    assert status_of(state) == status
    assert origin_of(state) == origin


@pytest.mark.parametrize(
    ("status", "origin", "score", "version", "expected"),
    [
        ("draft", "mt", None, "1.2", ("needs-review-translation", "mt-suggestion")),
        ("confirmed", "mt", None, "1.2", ("translated", "leveraged-mt")),
        ("confirmed", "fuzzy", 87, "1.2", ("translated", "fuzzy-match")),
        ("confirmed", "adapted", 92, "1.2", ("translated", "fuzzy-match")),
        ("approved", "exact", 100, "1.2", ("signed-off", "exact-match")),
        ("approved", "context", 101, "1.2", ("signed-off", "id-match")),
        ("confirmed", "human", None, "1.2", ("translated", None)),
        ("draft", "fuzzy", 87, "2.0", ("initial", "tm:fuzzy/87")),
        ("confirmed", "human", None, "2.0", ("translated", "tm:human")),
        ("approved", None, None, "2.0", ("final", None)),
    ],
)
def test_tm_statuses_map_to_file_states(status, origin, score, version, expected):
    assert state_for(status, origin, score, version=version) == expected
    state, qualifier = expected
    if version == "2.0" and qualifier:
        assert origin_of(f"{state}/{qualifier}") == (origin, score)
        assert status_of(f"{state}/{qualifier}") == status


# --- merging ------------------------------------------------------------------------------------

STATUSES = [
    ("confirmed", "fuzzy", 87),
    ("draft", "mt", None),
    ("approved", "exact", 100),
    ("confirmed", "human", None),
]


def translations(blocks: list[Block]) -> list[Translated]:
    return [Translated(english(b.text), *STATUSES[i % len(STATUSES)]) for i, b in enumerate(blocks)]


@pytest.mark.parametrize(
    "name", ["news-source-1.2.xlf", "pretranslated-1.2.xlf", "segmented-1.2.xlf", "news-2.0.xlf"]
)
def test_merge_then_extract_gives_the_same_segments_ids_states_and_tags(name):
    data = read(name)
    blocks = extract(data, name=name)
    done = translations(blocks)
    again = extract(merge(data, done, name=name), name=name)
    assert [(b.id, b.text, b.tags, b.note) for b in again] == [(b.id, b.text, b.tags, b.note) for b in blocks]
    assert [b.target for b in again] == [t.text for t in done]
    assert [(status_of(b.state), *origin_of(b.state)) for b in again] == [
        (t.status, t.origin, t.score) for t in done
    ]
    # and once more: a merged file merges again to the same bytes
    assert merge(merge(data, done, name=name), done, name=name) == merge(data, done, name=name)


def test_merge_writes_standard_states_and_tm_match_data_in_1_2():
    data = read("news-source-1.2.xlf")
    blocks = extract(data, name="n.xlf")
    done = [
        Translated(f"The {B1}finance minister{EB1} said the deficit fell{X2}", "confirmed", "fuzzy", 87),
        Translated(english(blocks[1].text), "draft", "mt"),
        Translated(None),
    ]
    root = etree.fromstring(merge(data, done, name="n.xlf"))
    ns = {"x": "urn:oasis:names:tc:xliff:document:1.2", "tm": "urn:tm:xliff"}
    title = root.find(".//x:trans-unit[@id='title']", ns)
    target = title.find("x:target", ns)
    assert dict(target.attrib) == {
        "state": "translated",
        "state-qualifier": "fuzzy-match",
        "{urn:tm:xliff}origin": "fuzzy",
        "{urn:tm:xliff}score": "87",
    }
    assert (
        inner(target)
        == 'The <g id="1" ctype="bold">finance minister</g> said the deficit fell<x id="2" ctype="lb"/>'
    )
    assert title.get("approved") == "yes"
    assert [c.tag.split("}")[1] for c in title] == ["source", "target", "note"]
    lead = root.find(".//x:trans-unit[@id='lead']/x:target", ns)
    assert (lead.get("state"), lead.get("state-qualifier"), lead.get("{urn:tm:xliff}score")) == (
        "needs-review-translation",
        "mt-suggestion",
        None,
    )
    assert root.find(".//x:trans-unit[@id='split']/x:target", ns) is None  # Translated(None): left as it was
    assert root.find("x:file", ns).get("target-language") == "en"


def test_merge_keeps_the_rest_of_the_file():
    data = read("news-source-1.2.xlf")
    blocks = extract(data, name="n.xlf")
    out = merge(data, translations(blocks), name="n.xlf")
    prolog = data[: data.index(b"<xliff")]
    assert out.startswith(prolog)  # declaration and comment byte for byte
    assert b'<trans-unit id="code" translate="no">\n          <source>SELECT 1</source>' in out
    assert b'<group id="g1" ext:flag="1">' in out
    assert b"<note>\xd9\x82\xd8\xb5\xd8\xa9" in out  # the header's note, untouched
    # nothing changes but targets, states and the target language
    strip_targets = re.compile(rb"\s*<target\b.*?</target>", re.S)
    assert (
        strip_targets.sub(b"", out)
        .replace(b' approved="yes"', b"")
        .replace(b' approved="no"', b"")
        .replace(b' target-language="en"', b"")
        .replace(b' xmlns:tm="urn:tm:xliff"', b"")
        == data
    )


def test_merge_leaves_a_target_as_it_was_when_there_is_no_english():
    data = read("pretranslated-1.2.xlf")
    blocks = extract(data, name="p.xlf")
    out = merge(data, [Translated(None)] * len(blocks), name="p.xlf")
    assert shown(extract(out, name="p.xlf")) == shown(blocks)
    assert b'<target state="needs-translation" state-qualifier="mt-suggestion">' in out


def test_an_empty_english_is_an_empty_target_that_needs_translation():
    data = read("pretranslated-1.2.xlf")
    blocks = extract(data, name="p.xlf")
    out = merge(
        data, [Translated("", "draft", "none")] + [Translated(None)] * (len(blocks) - 1), name="p.xlf"
    )
    assert b'<target state="needs-translation"/>' in out


def test_segments_of_a_1_2_seg_source_keep_their_own_states_and_the_target_the_least_advanced():
    data = read("segmented-1.2.xlf")
    done = [
        Translated("The index rose.", "approved", "exact", 100),
        Translated(None),
        Translated(f"The delegation {X1}arrived.", "draft", "mt"),
        Translated("One sentence.", "confirmed", "human"),
    ]
    out = merge(data, done, name="s.xlf")
    assert shown(extract(out, name="s.xlf")) == [
        ("p1#1", "ارتفع المؤشر.", "The index rose.", "signed-off/tm:exact/100"),
        ("p1#2", "تراجع العجز.", "The deficit fell.", "translated"),
        ("p1#3", "وصل <x1/>الوفد.", "The delegation <x1/>arrived.", "needs-review-translation/tm:mt"),
        ("p2", "جملة واحدة.", "One sentence.", "translated/tm:human"),
    ]
    root = etree.fromstring(out)
    ns = {"x": "urn:oasis:names:tc:xliff:document:1.2"}
    p1 = root.find(".//x:trans-unit[@id='p1']", ns)
    assert p1.find("x:target", ns).get("state") == "needs-review-translation"
    assert p1.get("approved") is None
    p2_target = root.find(".//x:trans-unit[@id='p2']/x:target", ns)  # made from the seg-source
    assert etree.tostring(p2_target, encoding="unicode", with_tail=False).endswith(
        '<mrk mtype="seg" mid="a" tm:state="translated" tm:origin="human">One sentence.</mrk></target>'
    )


def test_merge_writes_2_0_segment_states_with_tm_match_data_in_the_substate():
    data = read("news-2.0.xlf")
    blocks = extract(data, name="n.xlf")
    done = [
        Translated(None),
        Translated(None),
        Translated(english(blocks[2].text), "confirmed", "fuzzy", 91),
        Translated(None),
    ]
    out = merge(data, done, name="n.xlf")
    assert b'<segment id="b" state="translated" subState="tm:fuzzy/91">' in out
    assert (
        '<target>the <mrk id="m1" type="term" value="البرلمان">minister</mrk>'
        '<ec startRef="3" type="fmt" subType="xlf:i"/> said<cp hex="000B"/>.</target>'
    ).encode() in out
    assert out.startswith(data[: data.index(b"<file")])  # the root's start tag as it was, no tm namespace
    assert b'trgLang="en-GB"' in out  # a target language it already had stays
    assert b'<unit id="u3" translate="no">\n      <segment><source>' in out


@pytest.mark.parametrize("version", ["1.2", "2.0"])
def test_crossing_spans_are_written_in_their_isolated_form_and_read_back_as_the_same_tags(version):
    block = Block(
        f"{B1}قال{EB1} {B2}الوزير{EB2}", {1: Tag("open", "b", "<b>"), 2: Tag("open", "i", "<i>")}, id="p1"
    )
    data = write_xliff([block], version=version)
    crossing = f"{B1}The {B2}minister{EB1} said{EB2}"
    out = merge(data, [Translated(crossing, "confirmed")], name="c.xlf")
    if version == "1.2":
        assert (
            b'<bx id="1" tm:name="b" tm:markup="&lt;b&gt;" rid="1"/>' in out
            and b'<ex id="1" rid="1"/>' in out
        )
    else:
        assert b'<sc id="1" dataRef="d1"/>' in out and b'<ec startRef="1"/>' in out
    [again] = extract(out, name="c.xlf")
    assert again.target == crossing and again.tags == block.tags


def test_a_bpt_whose_ept_the_translation_lost_is_written_as_an_isolated_it():
    data = read("news-source-1.2.xlf")
    done = [Translated(None), Translated(f"The {B1}stock index rose by {X2}", "draft"), Translated(None)]
    out = merge(data, done, name="n.xlf")
    assert (
        b'<target state="needs-review-translation">The <it id="3" pos="open" ctype="italic">&lt;i&gt;</it>'
        in out
    )
    assert extract(out, name="n.xlf")[1].target == f"The {B1}stock index rose by {X2}"


def test_a_tag_the_source_does_not_have_is_dropped():
    data = read("pretranslated-1.2.xlf")
    n = len(extract(data, name="p.xlf"))
    out = merge(
        data, [Translated(f"Inflation {X3}rose.", "confirmed")] + [Translated(None)] * (n - 1), name="p.xlf"
    )
    assert b'state-qualifier="exact-match"' not in out  # the new English replaced the old target
    assert b">Inflation rose.</target>" in out


@pytest.mark.parametrize(
    ("prolog", "encoding"),
    [
        ('<?xml version="1.0" encoding="UTF-16"?>\n', "utf-16"),
        ('<?xml version="1.0" encoding="UTF-8"?>\n', "utf-8-sig"),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE xliff PUBLIC "-//XLIFF//DTD XLIFF//EN" '
            '"http://www.oasis-open.org/committees/xliff/documents/xliff.dtd">\n',
            "utf-8",
        ),
    ],
)
def test_utf_16_a_byte_order_mark_and_an_external_dtd_are_read_and_written(prolog, encoding):
    xml = (
        prolog + '<xliff version="1.1"><file original="a" source-language="ar-SA" datatype="plaintext"><body>'
        '<trans-unit id="1"><source>قال <g id="1">الوزير</g> &amp; &#x41;</source></trans-unit></body></file></xliff>\n'
    )
    data = xml.encode(encoding)
    [block] = extract(data, name="old.xlf")
    assert tags.show(block.text, block.tags) == "قال <g1>الوزير</g1> & A"
    out = merge(data, [Translated(f"The {B1}minister{EB1} said & A", "confirmed")], name="old.xlf")
    assert extract(out, name="old.xlf")[0].target == f"The {B1}minister{EB1} said & A"
    if encoding != "utf-16":
        assert out.startswith(data[: data.index(b"<xliff")])


def test_a_segment_with_more_codes_than_tm_takes_is_refused_with_its_line():
    codes = "".join(f'<x id="{i}"/>' for i in range(tags.MAX_TAGS + 1))
    with pytest.raises(XLIFFError, match="inline codes") as err:
        extract(doc12(f'<trans-unit id="1">\n<source>نص{codes}</source></trans-unit>'), name="many.xlf")
    assert err.value.line == 4


# --- writing new files --------------------------------------------------------------------------

DOC_TAGS = {
    1: Tag("open", "b", "<b>"),
    2: Tag("empty", "br", "<br/>"),
    3: Tag("open", "a", '<a href="https://news.example/1">', "https://news.example/1"),
    4: Tag("close", "span", "</span>"),  # a span's end whose start is in the block before
}


def document_blocks() -> tuple[list[Block], list[Translated]]:
    a3, ea3, br2 = char(3, OPEN), char(3, CLOSE), char(2, EMPTY)
    link, end = char(1, OPEN), char(1, CLOSE)
    blocks = [
        Block(
            f"قال {B1}الوزير{EB1} إن{br2} النمو {a3}تسارع{ea3}.",
            {n: DOC_TAGS[n] for n in (1, 2, 3)},
            id="p1",
            note="عنوان",
        ),
        Block("ارتفع المؤشر.", id="alt of img 3", kind="attribute"),
        Block(f"بداية {link}رابط", {1: DOC_TAGS[3]}, id="p3"),  # a span that goes on in the next block
        Block(f"نهاية الرابط{end}", {1: DOC_TAGS[4]}, id="p4"),
        Block("لم تترجم.", id="p1"),  # a repeated id is made unique
    ]
    done = [
        Translated(f"The {B1}minister{EB1} said{br2} growth {a3}picked up{ea3}.", "approved", "exact", 100),
        Translated("The index rose.", "draft", "mt"),
        Translated(f"Start of a {link}link", "confirmed", "fuzzy", 80),
        Translated(f"end of the link{end}", "confirmed", "human"),
        Translated(None),
    ]
    return blocks, done


@pytest.mark.parametrize("version", ["1.2", "2.0"])
def test_write_xliff_then_extract_gives_the_blocks_tags_and_translations_back(version):
    blocks, done = document_blocks()
    data = write_xliff(blocks, done, version=version, original="story.html")
    again = extract(data, name="story.xlf")
    assert [b.text for b in again] == [b.text for b in blocks]
    assert [b.tags for b in again] == [b.tags for b in blocks]
    assert [b.note for b in again] == ["عنوان", "", "", "", ""]
    assert [b.target for b in again] == [t.text for t in done]
    assert [(status_of(b.state), *origin_of(b.state)) for b in again[:4]] == [
        (t.status, t.origin, t.score) for t in done[:4]
    ]
    assert again[4].state is None
    ids = [b.id for b in again]
    assert ids == (
        ["p1", "alt of img 3", "p3", "p4", "p1_2"]
        if version == "1.2"
        else ["p1", "alt_of_img_3", "p3", "p4", "p1_2"]
    )


def test_write_xliff_2_0_keeps_the_markup_where_other_tools_look_for_it():
    blocks, done = document_blocks()
    root = etree.fromstring(write_xliff(blocks, done, version="2.0"))
    ns = {"x": "urn:oasis:names:tc:xliff:document:2.0"}
    unit = root.find("x:file/x:unit", ns)
    assert [(d.get("id"), d.text) for d in unit.find("x:originalData", ns)] == [
        ("d1", "<b>"),
        ("d2", "<br/>"),
        ("d3", '<a href="https://news.example/1">'),
    ]
    assert unit.find("x:segment", ns).get("state") == "final"
    assert root.find("x:file/x:unit[@id='alt_of_img_3']", ns).get("name") == "alt of img 3"
    p3 = root.find("x:file/x:unit[@id='p3']/x:segment/x:source", ns)
    assert p3[0].tag.endswith("sc") and p3[0].get("isolated") == "yes"


def test_a_tm_document_exported_as_xliff_comes_back_through_merge():
    blocks, _ = document_blocks()
    data = write_xliff(blocks, version="1.2")
    again = extract(data, name="story.xlf")
    assert all(b.target is None for b in again)
    done = [Translated(english(b.text), "confirmed", "human") for b in again]
    merged = extract(merge(data, done, name="story.xlf"), name="story.xlf")
    assert [b.target for b in merged] == [t.text for t in done]


# --- Translate Toolkit ---------------------------------------------------------------------------


def test_xliff_that_translate_toolkit_writes_imports():
    from translate.storage.xliff import xlifffile
    from translate.storage.xliff2 import Xliff2File

    store = xlifffile(sourcelanguage="ar", targetlanguage="en")
    done = store.addsourceunit("قال الوزير")
    done.setid("n1")
    done.target = "The minister said"
    done.addnote("ملاحظة المحرر", origin="translator")
    store.addsourceunit("ارتفع النفط").setid("n2")
    fuzzy = store.addsourceunit("تراجع العجز")
    fuzzy.setid("n3")
    fuzzy.target = "The deficit fell"
    fuzzy.markfuzzy(True)
    assert shown(extract(bytes(store), name="tt.xlf")) == [
        ("n1", "قال الوزير", "The minister said", "translated"),
        ("n2", "ارتفع النفط", None, None),
        ("n3", "تراجع العجز", "The deficit fell", "needs-translation"),
    ]
    assert extract(bytes(store), name="tt.xlf")[0].note == "ملاحظة المحرر"

    store2 = Xliff2File(sourcelanguage="ar", targetlanguage="en")
    unit = store2.addsourceunit("قال الوزير")
    unit.setid("u1")
    unit.target = "The minister said"
    unit.markapproved(True)
    store2.addsourceunit("ارتفع النفط").setid("u2")
    assert shown(extract(bytes(store2), name="tt2.xlf")) == [
        ("u1", "قال الوزير", "The minister said", "reviewed"),
        ("u2", "ارتفع النفط", None, None),
    ]


def test_xliff_from_po2xliff_imports_once_it_says_arabic(tmp_path):
    from translate.convert import po2xliff
    from translate.storage.xliff import xlifffile

    po = tmp_path / "news.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#. عنوان\nmsgid "قال الوزير"\nmsgstr "The minister said"\n\n'
        '#, fuzzy\nmsgid "ارتفع النفط"\nmsgstr "Oil rose"\n\n'
        'msgid "تراجع العجز"\nmsgstr ""\n',
        encoding="utf-8",
    )
    with po.open("rb") as src, (tmp_path / "news.xlf").open("wb") as out:
        po2xliff.convertpo(src, out, None)
    data = (tmp_path / "news.xlf").read_bytes()
    with pytest.raises(XLIFFError, match="from en-US"):  # po2xliff always says the source is en-US
        extract(data, name="news.xlf")
    store = xlifffile.parsestring(data)
    store.setsourcelanguage("ar")
    blocks = extract(bytes(store), name="news.xlf")
    assert [
        (b.text, b.target, status_of(b.state)) for b in blocks if b.text.startswith(("قال", "ارتفع", "تراجع"))
    ] == [
        ("قال الوزير", "The minister said", "confirmed"),
        ("ارتفع النفط", "Oil rose", "draft"),
        ("تراجع العجز", None, "draft"),
    ]
    assert next(b for b in blocks if b.text == "قال الوزير").note == "عنوان"


def _tt_units(data: bytes, version: str) -> list[tuple[str, str, str | None, bool]]:
    from translate.storage.xliff import xlifffile
    from translate.storage.xliff2 import Xliff2File

    store = (xlifffile if version == "1.2" else Xliff2File).parsestring(data)
    return [
        (u.getid().split("\x04")[-1].replace("::", "#"), u.source, u.target or None, u.isfuzzy())
        for u in store.units
        if u.istranslatable()
    ]


@pytest.mark.parametrize(("name", "version"), [("pretranslated-1.2.xlf", "1.2"), ("news-2.0.xlf", "2.0")])
def test_xliff_that_tm_merges_loads_in_translate_toolkit_with_the_same_units(name, version):
    data = read(name)
    blocks = extract(data, name=name)
    done = translations(blocks)
    units = _tt_units(merge(data, done, name=name), version)
    assert len(units) == len(blocks)
    for (uid, source, target, fuzzy), block, tr in zip(units, blocks, done, strict=True):
        assert uid == block.id or uid.startswith(f"{block.id}#")  # Translate Toolkit adds a lone segment's id
        assert source == tags.strip(block.text).replace("\x0b", "")
        assert target == tags.strip(tr.text).replace("\x0b", "")
        assert fuzzy == (tr.status == "draft")


@pytest.mark.parametrize("version", ["1.2", "2.0"])
def test_xliff_that_tm_writes_loads_in_translate_toolkit_with_the_same_units(version):
    blocks, done = document_blocks()
    data = write_xliff(blocks, done, version=version)
    units = _tt_units(data, version)
    again = extract(data, name="w.xlf")
    assert [u[0] for u in units] == [b.id for b in again]
    assert [u[1] for u in units] == [tags.strip(b.text) for b in blocks]
    assert [u[2] for u in units] == [tags.strip(t.text) if t.text else None for t in done]
    if version == "1.2":
        assert [u[3] for u in units] == [False, True, False, False, False]


# --- refusals -----------------------------------------------------------------------------------

V12 = '<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">'
V20 = '<xliff version="2.0" xmlns="urn:oasis:names:tc:xliff:document:2.0" srcLang="ar">'
FILE12 = '<file original="a" source-language="ar" datatype="plaintext"><body>'


def doc12(body: str) -> bytes:
    return f'<?xml version="1.0"?>\n{V12}\n{FILE12}\n{body}\n</body></file></xliff>\n'.encode()


BAD = {
    "not XML": (b"\x89PNG\r\n\x1a\n\x00\x00", None, "no XML element"),
    "broken XML": (doc12("<trans-unit id='1'><source>نص</sourc></trans-unit>"), 4, "malformed XML"),
    "billion laughs": (
        b'<?xml version="1.0"?>\n<!DOCTYPE xliff [\n <!ENTITY lol "lol">\n <!ENTITY lol2 "&lol;&lol;&lol;">\n]>\n'
        + V12.encode()
        + b"</xliff>",
        3,
        "entities",
    ),
    "external entity": (
        b'<?xml version="1.0"?>\n<!DOCTYPE xliff [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        + V12.encode()
        + b"&x;</xliff>",
        2,
        "entities",
    ),
    "wrong root": (b'<?xml version="1.0"?>\n<tmx version="1.4"><body/></tmx>', 2, "not a xliff file"),
    "unknown version": (
        b'<xliff version="3.0" xmlns="urn:example:xliff:3"/>',
        1,
        "tm reads XLIFF 1.2 and 2.x",
    ),
    "unit without source": (
        doc12('<trans-unit id="t9">\n<target>x</target></trans-unit>'),
        4,
        "t9 has no <source>",
    ),
    "segment without source": (
        f'{V20}<file id="f"><unit id="u7"><segment>\n<target>x</target></segment></unit></file></xliff>'.encode(),
        1,
        "unit u7 has no <source>",
    ),
    "bpt without ept": (
        doc12('<trans-unit id="1"><source>نص\n<bpt id="4">&lt;b&gt;</bpt>نص</source></trans-unit>'),
        5,
        "no matching <ept>",
    ),
    "ept without bpt": (
        doc12('<trans-unit id="1"><source>نص\n<ept id="4">&lt;/b&gt;</ept></source></trans-unit>'),
        5,
        "no matching <bpt>",
    ),
    "ec without sc": (
        f'{V20}<file id="f"><unit id="u1"><segment><source>نص\n<ec startRef="9"/></source></segment></unit></file></xliff>'.encode(),
        2,
        "startRef='9'",
    ),
    "English source": (
        b'<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">\n<file original="a" source-language="en-US" datatype="plaintext"><body/></file></xliff>',
        2,
        "from en-US",
    ),
    "French target": (
        b'<xliff version="2.0" xmlns="urn:oasis:names:tc:xliff:document:2.0" srcLang="ar" trgLang="fr"><file id="f"/></xliff>',
        1,
        "into fr",
    ),
    "unit without id": (doc12("<trans-unit>\n<source>نص</source></trans-unit>"), 4, "has no id"),
    "too deep": (
        doc12(
            '<trans-unit id="1"><source>'
            + "<g id='1'>" * 5000
            + "نص"
            + "</g>" * 5000
            + "</source></trans-unit>"
        ),
        4,
        "malformed XML",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_file_is_refused_with_a_clear_message_and_its_line(case):
    data, line, message = BAD[case]
    for call in (lambda: extract(data, name="bad.xlf"), lambda: merge(data, [], name="bad.xlf")):
        with pytest.raises(XLIFFError, match=re.escape(message)) as err:
            call()
        assert err.value.line == line, str(err.value)
        assert str(err.value).startswith("bad.xlf:")


def test_a_file_over_the_size_limit_is_refused_before_parsing(monkeypatch):
    data = doc12('<trans-unit id="1"><source>نص</source></trans-unit>')
    monkeypatch.setattr(xliff_read, "MAX_XLIFF_BYTES", len(data) - 1)
    with pytest.raises(XLIFFError, match="tm reads XLIFF files up to"):
        extract(data, name="big.xlf")
    assert xliff.MAX_XLIFF_BYTES >= 200 * 1024 * 1024  # the real limit leaves room for a million units


def test_nesting_within_the_parsers_limit_reads_without_recursion():
    depth = 200
    data = doc12(
        '<trans-unit id="1"><source>'
        + "<g id='x'>" * depth
        + "نص"
        + "</g>" * depth
        + "</source></trans-unit>"
    )
    [block] = extract(data, name="deep.xlf")
    assert len(block.tags) == depth
    out = merge(data, [Translated(block.text.replace("نص", "text"), "confirmed")], name="deep.xlf")
    assert extract(out, name="deep.xlf")[0].target == block.text.replace("نص", "text")


def test_many_units_stream_through():
    n = 20_000
    data = doc12(
        "\n".join(
            f'<trans-unit id="{i}"><source>ارتفع المؤشر {i} نقطة</source></trans-unit>' for i in range(n)
        )
    )
    blocks = extract(data, name="many.xlf")
    assert len(blocks) == n and blocks[-1].id == str(n - 1)
    out = merge(
        data, [Translated(f"The index rose {i} points", "confirmed") for i in range(n)], name="many.xlf"
    )
    assert extract(out, name="many.xlf")[-1].target == f"The index rose {n - 1} points"


def test_merge_needs_one_translation_per_segment():
    data = read("pretranslated-1.2.xlf")
    with pytest.raises(ValueError, match="7 segments but 2 translations"):
        merge(data, [Translated(None)] * 2, name="p.xlf")
