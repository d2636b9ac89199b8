import io

import pytest
from lxml import etree
from translate.storage import tmx as ttk_tmx

from tm import tags
from tm.errors import TMXError
from tm.formats.tmx import ReadReport, iso_to_tmx_date, read_tmx, tmx_date_to_iso, write_tmx
from tm.memory import TranslationMemory
from tm.store.sqlite import SQLiteStore

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n'
HEADER = (
    '<header creationtool="test" creationtoolversion="1" segtype="sentence" o-tmf="x" '
    'adminlang="en" srclang="{src}" datatype="plaintext"/>\n'
)


def tmx(body: str, srclang: str = "ar") -> bytes:
    return (HEAD + HEADER.format(src=srclang) + "<body>\n" + body + "</body>\n</tmx>\n").encode()


def tu(ar: str, en: str, ar_lang: str = "ar", en_lang: str = "en", extra: str = "", attrs: str = "") -> str:
    return (
        f'<tu{attrs}>{extra}<tuv xml:lang="{ar_lang}"><seg>{ar}</seg></tuv>'
        f'<tuv xml:lang="{en_lang}"><seg>{en}</seg></tuv></tu>\n'
    )


def read(data: bytes, **kw):
    report = ReadReport()
    return list(read_tmx(io.BytesIO(data), report=report, **kw)), report


@pytest.mark.parametrize(
    ("ar_lang", "en_lang"),
    [("ar", "en"), ("AR", "EN"), ("ar-SA", "en-US"), ("ar-EG", "EN-GB"), ("AR-sa", "en_us")],
)
def test_language_codes_in_any_case_and_region(ar_lang, en_lang):
    units, report = read(tmx(tu("قال الرئيس", "The president said", ar_lang, en_lang)))
    assert [(u.source, u.target, u.source_lang, u.target_lang) for u in units] == [
        ("قال الرئيس", "The president said", ar_lang, en_lang)
    ]
    assert report.refused == 0


def test_srclang_all_and_reversed_order_of_variants():
    body = (
        '<tu><tuv xml:lang="en"><seg>Hello</seg></tuv><tuv xml:lang="ar"><seg>مرحبا</seg></tuv></tu>\n'
        + tu("وداعا", "Goodbye")
    )
    units, _ = read(tmx(body, srclang="*all*"))
    assert [(u.source, u.target) for u in units] == [("مرحبا", "Hello"), ("وداعا", "Goodbye")]


def test_units_without_the_language_pair_are_counted_not_imported():
    body = tu("bonjour", "hello", ar_lang="fr") + tu("نعم", "yes") + tu(" ", "empty")
    units, report = read(tmx(body))
    assert [u.source for u in units] == ["نعم"]
    assert report.refused == 2
    assert report.messages[0].startswith("line 5:")


def test_props_notes_dates_and_ids_are_kept():
    extra = '<prop type="client">AFP</prop><prop type="domain">economy</prop><note>checked by desk</note>'
    attrs = ' tuid="wire-7" creationdate="20231025T143000Z" changedate="20240101T080000Z" creationid="sara" changeid="omar" usagecount="3"'
    units, _ = read(tmx(tu("ارتفع التضخم", "Inflation rose", extra=extra, attrs=attrs)))
    u = units[0]
    assert u.created_at == "2023-10-25T14:30:00Z" and u.changed_at == "2024-01-01T08:00:00Z"
    assert u.author == "omar" and u.origin == "import"
    assert u.meta["tmx"]["props"] == [["client", "AFP"], ["domain", "economy"]]
    assert u.meta["tmx"]["notes"] == ["checked by desk"]
    assert u.meta["tmx"]["attrs"]["tuid"] == "wire-7"
    assert u.meta["tmx"]["attrs"]["usagecount"] == "3"


def test_inline_codes_become_tags_and_the_segment_is_kept_verbatim():
    ar = 'قال <bpt i="1" x="1">&lt;b&gt;</bpt>الرئيس<ept i="1">&lt;/b&gt;</ept> <ph x="2">&lt;br/&gt;</ph>إن <hi type="em">الوضع</hi> مستقر<it pos="begin">&lt;i&gt;</it>.'
    units, _ = read(tmx(tu(ar, 'The <bpt i="1">&lt;b&gt;</bpt>president<ept i="1">&lt;/b&gt;</ept> said')))
    u = units[0]
    assert tags.strip(u.source) == "قال الرئيس إن الوضع مستقر."
    assert tags.strip(u.target) == "The president said"
    assert tags.show(u.target) == "The <x1>president</x1> said"  # the same tag as the Arabic's bold
    assert u.meta["tmx"]["source"]["seg"] == ar


def test_tmx_dates_convert_both_ways():
    assert tmx_date_to_iso("20231025T143000Z") == "2023-10-25T14:30:00Z"
    assert iso_to_tmx_date("2023-10-25T14:30:00Z") == "20231025T143000Z"
    assert tmx_date_to_iso("yesterday") is None


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("20231025T143000Z", "2023-10-25T14:30:00Z"),
        ("20231025T143000Z\n", "2023-10-25T14:30:00Z"),  # as the pattern's $ takes it
        ("٢٠٢٣١٠٢٥T١٤٣٠٠٠Z", "٢٠٢٣-١٠-٢٥T١٤:٣٠:٠٠Z"),  # digits of any script, as \d takes them
        ("20231025t143000Z", None),
        ("20231025T143000z", None),
        ("2023102aT143000Z", None),
        ("²0231025T143000Z", None),  # a digit that is not a decimal digit
        ("20231025T1430000Z", None),
        ("", None),
        (None, None),
    ],
)
def test_tmx_dates_are_read_exactly_as_the_pattern_says(value, iso):
    assert tmx_date_to_iso(value) == iso


def test_windows_1256_declared_file_imports():
    data = (
        '<?xml version="1.0" encoding="windows-1256"?>\n<tmx version="1.4">'
        + HEADER.format(src="ar")
        + "<body>"
        + tu("أعلن الوزير الخطة", "The minister announced the plan")
        + "</body></tmx>"
    ).encode("cp1256")
    units, _ = read(data)
    assert units[0].source == "أعلن الوزير الخطة"


def test_utf16_file_imports():
    data = tmx(tu("مرحبا", "Hello")).decode().replace("UTF-8", "UTF-16").encode("utf-16")
    units, _ = read(data)
    assert units[0].source == "مرحبا"


BAD = {
    "unclosed tag": (tmx(tu("أ", "a") + '<tu><tuv xml:lang="ar"><seg>ب</seg></tuv>\n'), 7, "malformed XML"),
    "entity bomb": (
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE tmx [\n <!ENTITY a "aaaaaaaaaa">\n'
            b' <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">\n]>\n'
            b'<tmx version="1.4"><body><tu><tuv xml:lang="ar"><seg>&c;</seg></tuv></tu></body></tmx>'
        ),
        3,
        "entit",
    ),
    "external entity": (
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE tmx [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
            b'<tmx version="1.4"><body><tu><tuv xml:lang="ar"><seg>&x;</seg></tuv></tu></body></tmx>'
        ),
        2,
        "entit",
    ),
    "wrong encoding declaration": (
        tmx(tu("قال الرئيس", "The president said")).decode().encode("cp1256"),
        5,
        "UTF-8",
    ),
    "not tmx": (b'<?xml version="1.0"?>\n\n<xliff version="1.2"></xliff>', 3, "not a tmx file"),
    "tuv without seg": (tmx('<tu><tuv xml:lang="ar"></tuv></tu>\n'), 5, "no <seg>"),
    "undefined entity": (tmx(tu("&nbsp;", "x")), 5, "nbsp"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_files_are_refused_with_a_line_number(case):
    data, line, words = BAD[case]
    with pytest.raises(TMXError) as err:
        read(data)
    assert err.value.line == line, str(err.value)
    assert words in str(err.value)


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_refused_file_imports_nothing(tmp_path, case):
    store = SQLiteStore(tmp_path / "m.db")
    store.add_count = store.units.import_units(read_tmx(io.BytesIO(tmx(tu("موجود", "present")))))
    before = (store.units.count(), store.units.feed_position())
    good_then_bad = BAD[case][0]
    if case == "unclosed tag":  # 3000 good units first: the error comes after batches were written
        good_then_bad = tmx("".join(tu(f"جملة {i}", f"s {i}") for i in range(3000)) + "<tu><tuv>")
    with pytest.raises(TMXError):
        store.units.import_units(read_tmx(io.BytesIO(good_then_bad)))
    assert (store.units.count(), store.units.feed_position()) == before
    store.close()


def test_a_file_written_by_translate_toolkit_imports(tmp_path):
    f = ttk_tmx.tmxfile(sourcelanguage="ar", targetlanguage="en")
    u = f.addsourceunit("وقعت الشركة عقدا جديدا")
    u.target = "The company signed a new contract"
    u.addnote("from the desk")
    f.addsourceunit("ارتفع الدولار").target = "The dollar rose"
    units, report = read(bytes(f))
    assert [(x.source, x.target) for x in units] == [
        ("وقعت الشركة عقدا جديدا", "The company signed a new contract"),
        ("ارتفع الدولار", "The dollar rose"),
    ]
    assert units[0].meta["tmx"]["notes"] == ["from the desk"]


def test_our_export_reads_back_in_translate_toolkit_and_in_tm(tmp_path):
    memory = TranslationMemory.open(str(tmp_path / "m.db"))
    ar_inline = 'قال <bpt i="1">&lt;b&gt;</bpt>الرئيس<ept i="1">&lt;/b&gt;</ept> إن الوضع مستقر &amp; آمن.'
    extra = '<prop type="client">AFP</prop><note>n &lt;1&gt;</note>'
    memory.store.units.import_units(
        read_tmx(io.BytesIO(tmx(tu(ar_inline, "The president said &lt;ok&gt;", extra=extra))))
    )
    memory.add(
        "سعر البرميل ٨٠ دولارا", "A barrel costs $80", author="sara", mt_draft="Barrel price 80 dollars"
    )
    out = io.StringIO()
    assert write_tmx(out, memory.store.units.iter_units()) == 2
    data = out.getvalue().encode()

    etree.fromstring(data)  # well-formed XML
    ttk = ttk_tmx.tmxfile.parsestring(data)
    # Translate Toolkit shows inline codes as their native text
    assert [(u.source, u.target) for u in ttk.units] == [
        ("قال <b>الرئيس</b> إن الوضع مستقر & آمن.", "The president said <ok>"),
        ("سعر البرميل ٨٠ دولارا", "A barrel costs $80"),
    ]

    again = SQLiteStore(tmp_path / "again.db")
    again.units.import_units(read_tmx(io.BytesIO(data)))
    a, b = list(memory.store.units.iter_units()), list(again.units.iter_units())
    for x, y in zip(a, b, strict=True):
        assert (x.source, x.target, x.origin, x.author, x.mt_draft, x.created_at, x.changed_at) == (
            y.source,
            y.target,
            y.origin,
            y.author,
            y.mt_draft,
            y.created_at,
            y.changed_at,
        )
        assert x.meta.get("tmx", {}).get("source") == y.meta.get("tmx", {}).get("source")
        assert x.meta.get("tmx", {}).get("props") == y.meta.get("tmx", {}).get("props")
    assert b[0].meta["tmx"]["source"]["seg"] == ar_inline
    assert b[0].meta["tmx"]["notes"] == ["n <1>"]
    memory.close()
    again.close()


def test_an_edited_segment_is_exported_without_stale_inline_codes(tmp_path):
    store = SQLiteStore(tmp_path / "m.db")
    store.units.import_units(read_tmx(io.BytesIO(tmx(tu('قال <ph x="1">&lt;br/&gt;</ph>الرئيس', "He said")))))
    u = next(store.units.iter_units())
    store.units.update(u.id, author="x", source="قال الرئيس أمس")
    out = io.StringIO()
    write_tmx(out, store.units.iter_units())
    assert "<seg>قال الرئيس أمس</seg>" in out.getvalue()
    assert "<ph" not in out.getvalue().split("<tuv")[1]
    store.close()


def test_export_drops_characters_xml_cannot_hold(tmp_path):
    store = SQLiteStore(tmp_path / "m.db")
    store.units.import_units(
        [__import__("tm.store.base", fromlist=["NewUnit"]).NewUnit("نص\x01 غريب", "odd\x0b text")]
    )
    out = io.StringIO()
    write_tmx(out, store.units.iter_units())
    etree.fromstring(out.getvalue().encode())
    store.close()
