"""Documents read from files: sentences with inline tags, drafts that keep them, the file back in English."""

from __future__ import annotations

import io
import zipfile

import docx
import lxml.html
import pytest
from werkzeug.security import generate_password_hash

from tm import tags
from tm.documents import Documents
from tm.errors import FormatError, TMError
from tm.glossary import Glossary
from tm.memory import TranslationMemory
from tm.store.sqlite import SQLiteStore
from tm.tags import CLOSE, OPEN, char

from .conftest import EchoTranslator

B, EB, A, EA = char(1, OPEN), char(1, CLOSE), char(2, OPEN), char(2, CLOSE)

PAGE = """<!doctype html>
<html dir="rtl" lang="ar"><head><meta charset="utf-8"><title>خبر</title>
<script>var ad = "لا تترجم";</script></head>
<body><h1>ارتفاع أسعار النفط</h1>
<p>قال <b>الوزير</b> في <a href="https://example.org/b">بيان رسمي</a> إن الأسعار ارتفعت. وأضاف أن الطلب سيزيد.</p>
</body></html>
"""


@pytest.fixture
def desk(tmp_path):
    store = SQLiteStore(tmp_path / "m.db")
    for name, role in (("ada", "admin"), ("tom", "translator")):
        store.accounts.add(name, generate_password_hash("x", method="pbkdf2:sha256:1000"), role)
    memory = TranslationMemory(store, save_index=False)
    yield Documents(memory, Glossary(store))
    memory.close()


def test_an_html_page_becomes_sentences_with_tags_and_comes_back_in_english(desk):
    doc_id = desk.create_file("", "story.html", PAGE.encode(), "ada", translator="tom")
    row = desk.store.documents.get(doc_id)
    assert (row.format, row.title) == ("html", "story")
    segs = desk.store.documents.segments(doc_id)
    assert [tags.show(s.source) for s in segs] == [
        "خبر",
        "ارتفاع أسعار النفط",
        "قال <x1>الوزير</x1> في <x2>بيان رسمي</x2> إن الأسعار ارتفعت.",
        "وأضاف أن الطلب سيزيد.",
    ]
    english = [
        "News",
        "Oil prices rise",
        f"The {B}minister{EB} said in an {A}official statement{EA} that prices rose.",
        "He added that demand would grow.",
    ]
    tom = desk.store.accounts.find("tom")
    for s, e in zip(segs, english, strict=True):
        desk.save(doc_id, s.idx, e, tom, s.version)
    data, name = desk.export_file(doc_id)
    assert name == "story.html"
    page = data.decode()
    assert '<script>var ad = "لا تترجم";</script>' in page  # untouched
    tree = lxml.html.fromstring(data)
    assert tree.get("dir") == "ltr" and tree.get("lang") == "en"
    p = tree.find(".//p")
    assert p.find("b").text == "minister"
    assert p.find("a").text == "official statement" and p.find("a").get("href") == "https://example.org/b"
    assert p.text_content() == (
        "The minister said in an official statement that prices rose. He added that demand would grow."
    )
    assert desk.english(doc_id).split("\n\n") == ["News", "Oil prices rise", p.text_content() + "\n"]


def test_a_sentence_not_translated_yet_keeps_its_arabic_in_the_file(desk):
    doc_id = desk.create_file("", "story.html", PAGE.encode(), "ada")
    data, _ = desk.export_file(doc_id)
    assert data == PAGE.encode()  # nothing translated: the page as it was


def test_a_memory_match_keeps_the_tags_numbered_as_in_the_new_sentence(desk):
    # the memory has the sentence with its bold as tag 1; in the page it is tag 3
    b3, eb3 = char(3, OPEN), char(3, CLOSE)
    desk.memory.add(f"قال {B}الوزير{EB} إن الأسعار ارتفعت.", f"The {B}minister{EB} said prices rose.")
    [m] = desk.memory.lookup(f"قال {b3}الوزير{eb3} إن الأسعار ارتفعت.")
    assert (m.kind, m.score, m.target) == ("exact", 100, f"The {b3}minister{eb3} said prices rose.")
    # the same words without the bold: a point lost per missing tag, no longer a 100
    [plain] = desk.memory.lookup("قال الوزير إن الأسعار ارتفعت.")
    assert (plain.kind, plain.score) == ("fuzzy", 98)


def test_machine_translation_sees_no_tags_and_keeps_those_around_the_sentence(desk):
    mt = EchoTranslator()
    page = "<p><b>عاجل: انفجار في الميناء.</b><br></p>".encode()
    doc_id = desk.create_file("", "flash.html", page, "ada")
    desk.pretranslate(doc_id, mt)
    assert mt.batches == [["عاجل: انفجار في الميناء."]]
    [seg] = desk.store.documents.segments(doc_id)
    assert tags.tags_in(seg.target) == tags.tags_in(seg.source)  # bold around it, the break after


def test_a_docx_comes_back_in_english_with_its_bold_word_in_place(desk):
    d = docx.Document()
    p = d.add_paragraph("قال ")
    p.add_run("الوزير").bold = True
    p.add_run(" إن الأسعار ارتفعت.")
    buf = io.BytesIO()
    d.save(buf)
    doc_id = desk.create_file("نفط", "oil.docx", buf.getvalue(), "ada", translator="tom")
    [seg] = desk.store.documents.segments(doc_id)
    assert tags.strip(seg.source) == "قال الوزير إن الأسعار ارتفعت."
    tom = desk.store.accounts.find("tom")
    desk.save(doc_id, 0, f"The {B}minister{EB} said prices rose.", tom, seg.version)
    data, name = desk.export_file(doc_id)
    assert name == "oil.docx" and zipfile.is_zipfile(io.BytesIO(data))
    runs = docx.Document(io.BytesIO(data)).paragraphs[0].runs
    assert "".join(r.text for r in runs) == "The minister said prices rose."
    assert [r.text for r in runs if r.bold] == ["minister"]


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("story.doc", b"\xd0\xcf\x11\xe0", "save it as .docx"),
        ("story.pdf", b"%PDF-1.4", "tm reads"),
        ("empty.html", b"<html><body><p> </p></body></html>", "no text"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "damaged"),
    ],
)
def test_a_file_tm_cannot_read_is_refused_and_nothing_is_stored(desk, name, data, error):
    with pytest.raises((FormatError, TMError), match=error):
        desk.create_file("", name, data, "ada")
    assert desk.store.documents.all() == []


def test_a_text_file_is_a_pasted_document(desk):
    doc_id = desk.create_file("", "wire.txt", "أعلنت الوزارة خطة.\n\nوقال الوزير إنها تبدأ غدا.".encode(), "ada")
    row = desk.store.documents.get(doc_id)
    assert (row.format, row.title, row.total) == ("text", "wire", 2)
    assert desk.store.documents.file(doc_id) is None
    with pytest.raises(TMError, match="pasted as text"):
        desk.export_file(doc_id)


def test_a_confirmed_tagged_sentence_is_kept_in_the_memory_with_its_tags_from_one(desk):
    page = "<p><i>تمهيد</i> قال <b>الوزير</b> إن الأسعار ارتفعت.</p>".encode()
    doc_id = desk.create_file("", "story.html", page, "ada", translator="tom")
    [seg] = desk.store.documents.segments(doc_id)
    i1, ei1 = char(1, OPEN), char(1, CLOSE)
    b2, eb2 = char(2, OPEN), char(2, CLOSE)
    assert seg.source == f"{i1}تمهيد{ei1} قال {b2}الوزير{eb2} إن الأسعار ارتفعت."
    english = f"{i1}Preface{ei1} The {b2}minister{eb2} said prices rose."
    desk.confirm(doc_id, 0, english, desk.store.accounts.find("tom"), seg.version)
    [unit] = list(desk.store.units.iter_units())
    assert (unit.source, unit.target) == (seg.source, english)
    # in another page the same sentence's tags are 4 and 5: the match comes back numbered so
    i4, ei4, b5, eb5 = char(4, OPEN), char(4, CLOSE), char(5, OPEN), char(5, CLOSE)
    [m] = desk.memory.lookup(f"{i4}تمهيد{ei4} قال {b5}الوزير{eb5} إن الأسعار ارتفعت.")
    assert (m.score, m.target) == (100, f"{i4}Preface{ei4} The {b5}minister{eb5} said prices rose.")


def test_a_pretranslated_xliff_keeps_its_english_as_drafts_and_goes_back_with_the_same_ids(desk):
    from pathlib import Path

    from tm.formats import xliff

    data = (Path(__file__).parent / "formats/data/xliff/pretranslated-1.2.xlf").read_bytes()
    doc_id = desk.create_file("", "report.xlf", data, "ada", translator="tom")
    assert desk.store.documents.get(doc_id).format == "xliff"
    desk.pretranslate(doc_id, EchoTranslator())
    segs = desk.store.documents.segments(doc_id)
    assert len(segs) == 7  # one sentence per XLIFF segment, never re-split
    assert tags.show(segs[0].target) == "Inflation rose to <x1>five</x1> percent."
    assert [s.origin for s in segs[:6]] == ["file"] * 6  # the file's English, not MT
    assert segs[6].origin == "mt"  # the empty target was drafted
    tom = desk.store.accounts.find("tom")
    desk.confirm(doc_id, 3, "Oil prices fell.", tom, segs[3].version)
    out, name = desk.export_file(doc_id)
    assert name == "report.xlf"
    blocks = xliff.extract(out, name=name)
    assert [b.id for b in blocks] == [b.id for b in xliff.extract(data, name=name)]
    assert blocks[3].target == "Oil prices fell." and xliff.status_of(blocks[3].state) == "confirmed"
    assert tags.show(blocks[0].target or "") == "Inflation rose to <x1>five</x1> percent."


def test_a_unit_keeps_what_its_tags_stand_for_under_its_own_numbers(desk):
    page = '<p><i>تمهيد</i> قال <a href="https://x.example/s">الوزير</a> إن الأسعار ارتفعت.</p>'.encode()
    doc_id = desk.create_file("", "story.html", page, "ada", translator="tom")
    desk.pretranslate(doc_id, None)
    [seg] = desk.store.documents.segments(doc_id)
    i1, ei1, a2, ea2 = char(1, OPEN), char(1, CLOSE), char(2, OPEN), char(2, CLOSE)
    english = f"{i1}Preface{ei1} The {a2}minister{ea2} said prices rose."
    desk.confirm(doc_id, 0, english, desk.store.accounts.find("tom"), seg.version)
    [unit] = list(desk.store.units.iter_units())
    table = tags.table_from_json(unit.meta["tags"])
    assert [(n, t.name, t.title) for n, t in sorted(table.items())] == [
        (1, "i", ""),
        (2, "a", "https://x.example/s"),
    ]
    assert table[2].markup == '<a href="https://x.example/s">'


@pytest.mark.parametrize("name", ["evil\x00\x01name.html", "\u202efdp.html", "a\r\nSet-Cookie: x=1\r\n.html"])
def test_a_title_taken_from_a_file_name_has_no_control_or_direction_characters(desk, name):
    doc_id = desk.create_file("", name, "<p>قال الوزير إن الخطة جاهزة.</p>".encode(), "ada")
    title = desk.store.documents.get(doc_id).title
    assert title in ("evilname", "fdp", "a Set-Cookie: x=1")


def test_a_web_page_too_large_for_a_document_is_refused_before_it_is_read(desk):
    page = b"<p>\xd9\x86.</p>" * (600_000)  # 6 MB of one-word paragraphs
    with pytest.raises(FormatError, match="up to 5 MB"):
        desk.create_file("", "huge.html", page, "ada")
