"""DOCX round trips: an Arabic news story in Word comes back in English with its structure, tags
and pictures, laid out left to right; hostile files are refused with a message a translator understands."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml.ns import qn
from lxml import etree

from tm import tags
from tm.errors import FormatError
from tm.formats import docx as docx_format
from tm.formats.blocks import Translated
from tm.segment import split_sentences
from tm.tags import CLOSE, EMPTY, OPEN, char

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W, "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
URL = "https://news.example/statement"
ATTACHED_TEMPLATE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate"
FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
FOOTNOTES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:footnotes xmlns:w="{W}">
<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>
<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>
<w:footnote w:id="1"><w:p><w:pPr><w:bidi/></w:pPr><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/></w:r><w:r><w:rPr><w:rtl/></w:rPr><w:t xml:space="preserve"> المصدر: وزارة الطاقة.</w:t></w:r></w:p></w:footnote>
</w:footnotes>"""

HEADER = "وكالة الأنباء العربية"
HEADLINE = "ارتفاع أسعار النفط في الأسواق العالمية"
CELLS = [["المؤشر", "القيمة"], ["برنت", "٨٥ دولارا"]]
ITEM = "الطلب الآسيوي يرتفع"
STANDFIRST = "تقرير خاص من الخليج"
SIGNATURE = "القاهرة – المحرر"


def png() -> bytes:
    """Return a valid 1x1 PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    head = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", head)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def sub(parent, name: str, **attrs):
    el = etree.SubElement(parent, qn(name))
    for key, value in attrs.items():
        el.set(qn(key), value)
    return el


def right_to_left(paragraph, jc: str | None = None, bidi: bool = True):
    """Give a paragraph w:bidi and w:jc in schema order, and its runs w:rtl."""
    ppr = paragraph._p.get_or_add_pPr()
    if bidi:
        ppr.append(etree.Element(qn("w:bidi")))
    if jc:
        el = etree.Element(qn("w:jc"))
        el.set(qn("w:val"), jc)
        ppr.append(el)
    for run in paragraph.runs:
        run.font.rtl = True


def add_link(paragraph, url: str, text: str) -> None:
    rid = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = sub(paragraph._p, "w:hyperlink")
    link.set(qn("r:id"), rid)
    run = sub(link, "w:r")
    rpr = sub(run, "w:rPr")
    sub(rpr, "w:color", **{"w:val": "0563C1"})
    sub(rpr, "w:u", **{"w:val": "single"})
    sub(rpr, "w:rtl")
    sub(run, "w:t").text = text


def add_footnote_reference(paragraph, note_id: str = "1") -> None:
    run = sub(paragraph._p, "w:r")
    rpr = sub(run, "w:rPr")
    sub(rpr, "w:vertAlign", **{"w:val": "superscript"})
    sub(run, "w:footnoteReference", **{"w:id": note_id})


def story(*, normal_bidi: bool = False, template: str | None = None) -> bytes:
    """Return an Arabic news story as a .docx, made as Word would make it."""
    doc = docx.Document()
    doc.sections[0].header.paragraphs[0].text = HEADER
    right_to_left(doc.sections[0].header.paragraphs[0])
    heading = doc.add_heading(HEADLINE, level=1)
    right_to_left(heading)
    standfirst = doc.add_paragraph(STANDFIRST)
    right_to_left(standfirst, jc="left")  # Word: in a bidi paragraph left is the start, on the right

    body = doc.add_paragraph()
    body.add_run("قال ")
    body.add_run("الوزير").bold = True
    body.add_run(" في ")
    right_to_left(body)
    add_link(body, URL, "بيان رسمي")
    tail = body.add_run(" إن الأسعار ارتفعت. وأضاف أن الطلب سيزيد.")
    tail.font.rtl = True
    add_footnote_reference(body)

    item = doc.add_paragraph(ITEM, style="List Bullet")
    right_to_left(item)
    table = doc.add_table(rows=2, cols=2)
    sub(table._tbl.tblPr, "w:bidiVisual")
    for r, row in enumerate(CELLS):
        for c, text in enumerate(row):
            cell = table.cell(r, c).paragraphs[0]
            cell.text = text
            right_to_left(cell)
    doc.add_picture(io.BytesIO(png()))
    signature = doc.add_paragraph(SIGNATURE)
    right_to_left(signature, jc="right")  # in a bidi paragraph right is the end: on the left
    typed = doc.add_paragraph("نص مكتوب دون اتجاه")
    typed.alignment = WD_ALIGN_PARAGRAPH.RIGHT  # left-to-right, set right by hand
    doc.add_paragraph("2024")  # figures only: left as it is
    section = doc.sections[0]._sectPr
    section.insert(0, etree.Element(qn("w:bidi")))

    part = Part(PackURI("/word/footnotes.xml"), FOOTNOTES_TYPE, FOOTNOTES.encode(), doc.part.package)
    doc.part.relate_to(part, RT.FOOTNOTES)
    if template:  # Word fetches an attached template when it opens the file
        doc.part.part_related_by(RT.SETTINGS).relate_to(template, ATTACHED_TEMPLATE, is_external=True)
    if normal_bidi:
        ppr = doc.styles["Normal"].element.get_or_add_pPr()
        ppr.append(etree.Element(qn("w:bidi")))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def rezip(
    data: bytes, replace: dict[str, bytes | None] | None = None, add: dict[str, bytes] | None = None
) -> bytes:
    """Return a copy of a zip with members replaced (None: removed) and added."""
    replace, out = replace or {}, io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename not in replace:
                dst.writestr(info, src.read(info))
            elif replace[info.filename] is not None:
                dst.writestr(info.filename, replace[info.filename])
        for name, content in (add or {}).items():
            dst.writestr(name, content)
    return out.getvalue()


BODY_NS = (
    f'xmlns:w="{W}" xmlns:r="{NS["r"]}" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)


def with_body(xml: str) -> bytes:
    """Return a .docx whose body holds these paragraphs (WordprocessingML, w: and friends)."""
    doc = docx.Document()
    body = doc.element.body
    for el in etree.fromstring(f"<w:body {BODY_NS}>{xml}</w:body>"):
        body.insert(len(body) - 1, el)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def english_story() -> list[Translated]:
    """The English of story(), block by block, with the bold word and the link on English words."""
    b, eb, a, ea, fn = char(1, OPEN), char(1, CLOSE), char(2, OPEN), char(2, CLOSE), char(3, EMPTY)
    return [
        Translated("Arab News Agency"),
        Translated("Oil prices rise on world markets"),
        Translated("A special report from the Gulf"),
        Translated(
            f"The {b}minister{eb} said in an {a}official statement{ea} that prices rose. "
            f"He added that demand would grow.{fn}"
        ),
        Translated("Asian demand is rising"),
        Translated("Index"),
        Translated("Value"),
        Translated("Brent"),
        Translated("85 dollars"),
        Translated("Cairo – the editor"),
        Translated("Text typed without a direction"),
        Translated(f"{char(1, EMPTY)} Source: the Ministry of Energy."),
    ]


def part_xml(data: bytes, name: str):
    return etree.fromstring(members(data)[name])


def paragraph_with(root, text: str):
    for p in root.iter(qn("w:p")):
        if "".join(t.text or "" for t in p.iter(qn("w:t"))).startswith(text):
            return p
    raise AssertionError(f"no paragraph starts with {text!r}")


# --- reading -------------------------------------------------------------------------------------


def test_a_story_reads_as_blocks_in_reading_order_with_kinds_and_tags():
    blocks = docx_format.extract(story(), name="story.docx")
    assert [(b.kind, tags.show(b.text, b.tags)) for b in blocks] == [
        ("header", HEADER),
        ("heading", HEADLINE),
        ("paragraph", STANDFIRST),
        (
            "paragraph",
            "قال <b1>الوزير</b1> في <a2>بيان رسمي</a2> إن الأسعار ارتفعت. وأضاف أن الطلب سيزيد.<fn3/>",
        ),
        ("item", ITEM),
        ("cell", "المؤشر"),
        ("cell", "القيمة"),
        ("cell", "برنت"),
        ("cell", "٨٥ دولارا"),
        ("paragraph", SIGNATURE),
        ("paragraph", "نص مكتوب دون اتجاه"),
        ("footnote", "<fn1/> المصدر: وزارة الطاقة."),
    ]
    first, second = split_sentences(blocks[3].text)  # tm splits the block; the tags stay in their sentence
    assert (
        tags.show(first.text, blocks[3].tags)
        == "قال <b1>الوزير</b1> في <a2>بيان رسمي</a2> إن الأسعار ارتفعت."
    )
    assert tags.show(second.text, blocks[3].tags) == "وأضاف أن الطلب سيزيد.<fn3/>"
    body = blocks[3].tags
    assert body[1].markup == "<w:rPr><w:b/><w:rtl/></w:rPr>"
    assert body[2].markup.startswith("<w:hyperlink r:id=") and body[2].title == URL
    assert body[3].title == "المصدر: وزارة الطاقة."  # a footnote mark shows its note on hover


def test_runs_that_differ_only_in_direction_language_proofing_or_revision_ids_are_one_formatting():
    data = with_body(
        '<w:p><w:r w:rsidR="00A1"><w:rPr><w:rtl/><w:lang w:bidi="ar-EG"/></w:rPr><w:t xml:space="preserve">أعلنت </w:t></w:r>'
        '<w:r w:rsidR="00B2"><w:rPr><w:rFonts w:hint="cs"/><w:noProof/></w:rPr><w:t>الحكومة</w:t></w:r>'
        '<w:proofErr w:type="spellStart"/><w:r><w:rPr><w:cs/></w:rPr><w:t xml:space="preserve"> خطة جديدة</w:t></w:r>'
        '<w:proofErr w:type="spellEnd"/></w:p>'
    )
    [block] = docx_format.extract(data, name="plain.docx")
    assert block.text == "أعلنت الحكومة خطة جديدة" and block.tags == {}


def test_the_most_used_formatting_is_the_base_and_spaces_never_open_a_span():
    data = with_body(
        "<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>عاجل: </w:t></w:r>"
        '<w:r><w:rPr><w:i/></w:rPr><w:t xml:space="preserve"> </w:t></w:r>'
        '<w:r><w:t xml:space="preserve">انخفض الدولار أمام الجنيه </w:t></w:r>'
        "<w:r><w:rPr><w:i/></w:rPr><w:t>اليوم</w:t></w:r><w:r><w:t>.</w:t></w:r></w:p>"
    )
    [block] = docx_format.extract(data, name="base.docx")
    assert tags.show(block.text, block.tags) == "<b1>عاجل:  </b1>انخفض الدولار أمام الجنيه <i2>اليوم</i2>."


def test_fields_are_one_tag_and_a_hyperlink_field_is_a_span_around_its_words():
    fld = '<w:r><w:fldChar w:fldCharType="{}"/></w:r>'
    data = with_body(
        '<w:p><w:r><w:t xml:space="preserve">صفحة </w:t></w:r>'
        + fld.format("begin")
        + '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
        + fld.format("separate")
        + "<w:r><w:t>3</w:t></w:r>"
        + fld.format("end")
        + '<w:r><w:t xml:space="preserve"> انظر </w:t></w:r>'
        + fld.format("begin")
        + f'<w:r><w:instrText xml:space="preserve"> HYPERLINK "{URL}" </w:instrText></w:r>'
        + fld.format("separate")
        + "<w:r><w:t>الموقع</w:t></w:r>"
        + fld.format("end")
        + '<w:fldSimple w:instr=" DATE "><w:r><w:t>1/1/2024</w:t></w:r></w:fldSimple></w:p>'
    )
    [block] = docx_format.extract(data, name="fields.docx")
    assert tags.show(block.text, block.tags) == "صفحة <field1/> انظر <a2>الموقع</a2><field3/>"
    assert block.tags[1].title == "PAGE" and block.tags[2].title == URL and block.tags[3].title == "DATE"
    a, ea = char(2, OPEN), char(2, CLOSE)
    out = docx_format.merge(
        data,
        [Translated(f"Page {char(1, EMPTY)} see {a}the website{ea}{char(3, EMPTY)}")],
        name="fields.docx",
    )
    p = paragraph_with(part_xml(out, "word/document.xml"), "Page")
    kinds = [el.get(qn("w:fldCharType")) for el in p.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "end"] * 2
    runs = [el for el in p if el.tag == qn("w:r")]
    texts = ["".join(t.text for t in r.iter(qn("w:t"))) for r in runs]
    code = ["".join(t.text for t in r.iter(qn("w:instrText"))) for r in runs]
    link = next(i for i, c in enumerate(code) if "HYPERLINK" in c)
    assert texts[link + 2] == "the website"  # begin, instruction, separate, then the English
    assert "3" in texts  # the PAGE field comes back whole, with the page number it showed
    assert p.find(qn("w:fldSimple")).get(qn("w:instr")) == " DATE "


def test_a_field_across_paragraphs_keeps_its_code_as_a_tag_and_its_words_to_translate():
    fld = '<w:r><w:fldChar w:fldCharType="{}"/></w:r>'
    data = with_body(
        "<w:p>"
        + fld.format("begin")
        + r'<w:r><w:instrText xml:space="preserve"> TOC \o "1-3" \h </w:instrText></w:r>'
        + fld.format("separate")
        + '<w:hyperlink w:anchor="_Toc1"><w:r><w:t>المقدمة</w:t></w:r><w:r><w:tab/></w:r>'
        + fld.format("begin")
        + r"<w:r><w:instrText> PAGEREF _Toc1 \h </w:instrText></w:r>"
        + fld.format("separate")
        + "<w:r><w:t>1</w:t></w:r>"
        + fld.format("end")
        + "</w:hyperlink></w:p>"
        + '<w:p><w:hyperlink w:anchor="_Toc2"><w:r><w:t>الخاتمة</w:t></w:r></w:hyperlink></w:p>'
        + "<w:p>"
        + fld.format("end")
        + "</w:p>"
    )
    blocks = docx_format.extract(data, name="toc.docx")
    assert [tags.show(b.text, b.tags) for b in blocks] == [
        "<field1/><a2>المقدمة<tab3/><field4/></a2>",
        "<a1>الخاتمة</a1>",
    ]
    assert blocks[0].tags[2].title == "#_Toc1"
    english = [
        Translated(blocks[0].text.replace("المقدمة", "Introduction")),
        Translated(blocks[1].text.replace("الخاتمة", "Conclusion")),
    ]
    root = part_xml(docx_format.merge(data, english, name="toc.docx"), "word/document.xml")
    kinds = [el.get(qn("w:fldCharType")) for el in root.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "begin", "separate", "end", "end"]
    assert [t.text for t in root.iter(qn("w:t"))] == ["Introduction", "1", "Conclusion"]


def test_private_use_characters_of_symbol_fonts_are_tags_not_text():
    data = with_body(
        '<w:p><w:r><w:rPr><w:rFonts w:ascii="Wingdings" w:hAnsi="Wingdings"/></w:rPr><w:t>\uf0fc</w:t></w:r>'
        '<w:r><w:t xml:space="preserve"> تمت الموافقة</w:t></w:r></w:p>'
    )
    [block] = docx_format.extract(data, name="sym.docx")
    assert tags.show(block.text, block.tags) == "<sym1/> تمت الموافقة"
    out = docx_format.merge(data, [Translated(f"{char(1, EMPTY)} Approved")], name="sym.docx")
    p = paragraph_with(part_xml(out, "word/document.xml"), "\uf0fc")
    assert "".join(t.text for t in p.iter(qn("w:t"))) == "\uf0fc Approved"


def test_a_text_box_is_read_once_and_both_of_its_copies_get_the_english():
    box = "<w:txbxContent><w:p><w:r><w:t>اقرأ أيضا</w:t></w:r></w:p></w:txbxContent>"
    data = with_body(
        "<w:p><w:r><mc:AlternateContent>"
        f'<mc:Choice Requires="wps"><w:drawing><wp:anchor><wp:docPr id="7" name="Box"/><a:graphic><a:graphicData uri="x"><wps:wsp><wps:txbx>{box}</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>'
        f"<mc:Fallback><w:pict><v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r><w:r><w:t>نص المقال</w:t></w:r></w:p>"
    )
    blocks = docx_format.extract(data, name="box.docx")
    assert [tags.show(b.text, b.tags) for b in blocks] == ["<img1/>نص المقال", "اقرأ أيضا"]
    out = docx_format.merge(
        data, [Translated(f"{char(1, EMPTY)}The article"), Translated("Read also")], name="box.docx"
    )
    root = part_xml(out, "word/document.xml")
    boxes = ["".join(t.text for t in box.iter(qn("w:t"))) for box in root.iter(qn("w:txbxContent"))]
    assert boxes == ["Read also", "Read also"]
    outer = root.find(f"{qn('w:body')}/{qn('w:p')}")
    assert [t.text for t in outer.findall(f"{qn('w:r')}/{qn('w:t')}")] == ["The article"]


def test_bookmarks_and_comment_ranges_stay_around_the_translated_paragraph():
    data = with_body(
        '<w:p><w:bookmarkStart w:id="0" w:name="_Toc1"/><w:r><w:t xml:space="preserve">بداية </w:t></w:r>'
        '<w:bookmarkEnd w:id="0"/><w:r><w:t>النهاية</w:t></w:r></w:p>'
    )
    [block] = docx_format.extract(data, name="marks.docx")
    assert block.text == "بداية النهاية"
    out = docx_format.merge(data, [Translated("Start to end")], name="marks.docx")
    p = paragraph_with(part_xml(out, "word/document.xml"), "Start")
    assert [etree.QName(el).localname for el in p] == ["bookmarkStart", "r", "bookmarkEnd"]


def test_paragraphs_of_figures_fields_or_pictures_only_are_not_blocks():
    data = with_body(
        "<w:p><w:r><w:t>2024</w:t></w:r></w:p><w:p/><w:p><w:r><w:tab/></w:r></w:p>"
        '<w:p><w:fldSimple w:instr=" PAGE "><w:r><w:t>4</w:t></w:r></w:fldSimple></w:p>'
        "<w:p><w:r><w:t>١٢٣</w:t></w:r></w:p>"
    )
    assert [b.text for b in docx_format.extract(data, name="figures.docx")] == ["١٢٣"]


# --- writing -------------------------------------------------------------------------------------


def test_the_english_story_has_the_same_structure_with_the_bold_word_and_link_in_the_right_sentence():
    data = story()
    out = docx_format.merge(data, english_story(), name="story.docx")
    doc = docx.Document(io.BytesIO(out))
    assert doc.sections[0].header.paragraphs[0].text == "Arab News Agency"
    heading = doc.paragraphs[0]
    assert (heading.text, heading.style.name) == ("Oil prices rise on world markets", "Heading 1")
    assert doc.paragraphs[3].style.name == "List Bullet"
    [table] = doc.tables
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["Index", "Value"],
        ["Brent", "85 dollars"],
    ]

    body = doc.paragraphs[2]
    first, second = body.text.split(". ", 1)
    assert first == "The minister said in an official statement that prices rose"
    assert second == "He added that demand would grow."
    assert [r.text for r in body.runs if r.bold] == ["minister"]
    [link] = body._p.findall(qn("w:hyperlink"))
    assert "".join(t.text for t in link.iter(qn("w:t"))) == "official statement"
    original_link = paragraph_with(part_xml(data, "word/document.xml"), "قال").find(qn("w:hyperlink"))
    assert link.get(qn("r:id")) == original_link.get(qn("r:id"))
    assert doc.part.rels[link.get(qn("r:id"))].target_ref == URL
    assert body._p.xpath("./w:r/w:footnoteReference/@w:id") == ["1"]  # the mark after the second sentence

    notes = part_xml(out, "word/footnotes.xml")
    note = notes.xpath("//w:footnote[@w:id='1']", namespaces=NS)[0]
    assert "".join(note.itertext()) == " Source: the Ministry of Energy."
    assert note.xpath(".//w:footnoteRef", namespaces=NS)


def test_translated_paragraphs_tables_and_sections_become_left_to_right():
    out = docx_format.merge(story(), english_story(), name="story.docx")
    root = part_xml(out, "word/document.xml")
    assert not root.xpath("//w:body//w:p//w:bidi | //w:rtl | //w:cs", namespaces=NS)
    assert not root.xpath("//w:bidiVisual | //w:sectPr/w:bidi", namespaces=NS)

    def jc(text: str) -> str | None:
        found = paragraph_with(root, text).xpath("./w:pPr/w:jc/@w:val", namespaces=NS)
        return found[0] if found else None

    assert jc("A special report") == "left"  # Arabic on the right (its start) -> English on the left
    assert jc("Cairo") == "right"  # Arabic on the left (its end) -> English on the right: mirrored
    assert jc("Text typed") == "left"  # left-to-right Arabic set right by hand -> left
    assert jc("2024") is None  # not translated: untouched
    assert not part_xml(out, "word/header1.xml").xpath("//w:bidi | //w:rtl", namespaces=NS)


def test_arabic_kashida_justification_becomes_plain_justification():
    data = with_body(
        '<w:p><w:pPr><w:bidi/><w:jc w:val="mediumKashida"/></w:pPr><w:r><w:t>نص مضبوط</w:t></w:r></w:p>'
    )
    out = docx_format.merge(data, [Translated("Justified text")], name="k.docx")
    p = paragraph_with(part_xml(out, "word/document.xml"), "Justified")
    assert [etree.QName(el).localname for el in p.find(qn("w:pPr"))] == ["jc"]
    assert p.find(f"{qn('w:pPr')}/{qn('w:jc')}").get(qn("w:val")) == "both"


def test_a_style_that_sets_right_to_left_is_turned_off_in_the_english_paragraphs():
    out = docx_format.merge(story(normal_bidi=True), english_story(), name="story.docx")
    p = paragraph_with(part_xml(out, "word/document.xml"), "The minister")
    assert p.xpath("./w:pPr/w:bidi/@w:val", namespaces=NS) == ["0"]


def test_every_member_but_the_rewritten_parts_is_byte_identical():
    data = story()
    out = docx_format.merge(data, english_story(), name="story.docx")
    before, after = members(data), members(out)
    assert list(before) == list(after)  # same members, same order
    changed = {n for n in before if before[n] != after[n]}
    assert changed == {"word/document.xml", "word/header1.xml", "word/footnotes.xml"}
    assert after["word/media/image1.png"] == png()
    with zipfile.ZipFile(io.BytesIO(data)) as a, zipfile.ZipFile(io.BytesIO(out)) as b:
        assert [(i.filename, i.compress_type, i.date_time) for i in a.infolist()] == [
            (i.filename, i.compress_type, i.date_time) for i in b.infolist()
        ]
    assert after["word/document.xml"].startswith(before["word/document.xml"][:55])  # the same declaration


def test_blocks_left_untranslated_leave_their_parts_byte_identical():
    data = story()
    blocks = docx_format.extract(data, name="story.docx")
    assert members(docx_format.merge(data, [Translated(None)] * len(blocks), name="story.docx")) == members(
        data
    )
    only_header = [Translated("Arab News Agency")] + [Translated(None)] * (len(blocks) - 1)
    after = members(docx_format.merge(data, only_header, name="story.docx"))
    assert {n for n, b in members(data).items() if after[n] != b} == {"word/header1.xml"}


def test_merging_the_arabic_back_reads_the_same_blocks():
    data = story()
    blocks = docx_format.extract(data, name="story.docx")
    again = docx_format.extract(
        docx_format.merge(data, [Translated(b.text) for b in blocks], name="story.docx"), name="story.docx"
    )
    assert [(b.kind, b.text, {n: t.name for n, t in b.tags.items()}) for b in again] == [
        (b.kind, b.text, {n: t.name for n, t in b.tags.items()}) for b in blocks
    ]


def test_broken_tags_in_the_english_are_repaired_and_nothing_is_lost():
    data = story()
    english = english_story()
    b, eb, a, ea, fn = char(1, OPEN), char(1, CLOSE), char(2, OPEN), char(2, CLOSE), char(3, EMPTY)
    # a close without its open, a link never closed, the footnote mark twice, then missing
    english[3] = Translated(f"{eb}The minister said {a}in a statement that prices rose.")
    out = docx_format.merge(data, english, name="story.docx")
    body = docx.Document(io.BytesIO(out)).paragraphs[2]
    assert not [r for r in body.runs if r.bold]
    [link] = body._p.findall(qn("w:hyperlink"))
    assert "".join(t.text for t in link.iter(qn("w:t"))) == "in a statement that prices rose."
    assert body._p.xpath("./w:r/w:footnoteReference/@w:id") == ["1"]  # missing: written at the end
    english[3] = Translated(f"{b}The{eb} minister{fn} said {a}this{ea}.{fn}")
    body = docx.Document(io.BytesIO(docx_format.merge(data, english, name="story.docx"))).paragraphs[2]
    assert len(body._p.xpath(".//w:footnoteReference")) == 1  # written once
    assert body.text == "The minister said this."


def test_tabs_and_line_breaks_in_the_english_become_word_tabs_and_breaks():
    data = with_body("<w:p><w:r><w:t>سطر</w:t></w:r></w:p>")
    out = docx_format.merge(data, [Translated("one\ttwo\nthree")], name="t.docx")
    p = paragraph_with(part_xml(out, "word/document.xml"), "one")
    assert [etree.QName(el).localname for el in p.find(qn("w:r"))] == ["t", "tab", "t", "br", "t"]


def test_a_file_with_another_number_of_blocks_is_refused():
    with pytest.raises(FormatError, match="12 paragraphs"):
        docx_format.merge(story(), [Translated("x")], name="story.docx")


# --- hostile and wrong files ---------------------------------------------------------------------


def zip_bomb(path) -> bytes:
    """Return a story with a member of 1 GB of zeros, compressed as it streams (a few MB)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, content in members(story()).items():
            z.writestr(name, content)
        with z.open("word/media/image2.png", "w", force_zip64=True) as f:
            zeros = bytes(1 << 20)
            for _ in range(1024):
                f.write(zeros)
    return path.read_bytes()


def lie_about_size(data: bytes, name: str, size: int) -> bytes:
    """Return the zip with one member's uncompressed size rewritten in both of its headers."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info, pos = z.getinfo(name), z.start_dir
    struct.pack_into("<I", out, info.header_offset + 22, size)
    while out[pos : pos + 4] == b"PK\x01\x02":
        length, extra, comment = struct.unpack_from("<HHH", out, pos + 28)
        if bytes(out[pos + 46 : pos + 46 + length]).decode() == name:
            struct.pack_into("<I", out, pos + 24, size)
        pos += 46 + length + extra + comment
    return bytes(out)


def with_doctype() -> bytes:
    data = story()
    xml = members(data)["word/document.xml"].decode()
    head, rest = xml.split("?>", 1)
    xml = head + '?><!DOCTYPE w:document [<!ENTITY a "بوم"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>' + rest
    return rezip(data, {"word/document.xml": xml.replace(HEADLINE, "&b;").encode()})


def macro_enabled() -> bytes:
    data = story()
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    types = members(data)["[Content_Types].xml"].decode()
    types = types.replace(main, "application/vnd.ms-word.document.macroEnabled.main+xml")
    return rezip(data, {"[Content_Types].xml": types.encode()})


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
HOSTILE = {
    "an attached template": (
        lambda: story(template="file:///C:/Templates/evil.dotm"),
        "external relationship to file:///C:/Templates/evil.dotm",
    ),
    "a .docm with vbaProject.bin": (
        lambda: rezip(story(), add={"word/vbaProject.bin": b"\x01" * 64}),
        "macros",
    ),
    "a .docm by its content type": (macro_enabled, "macros"),
    "a password-protected file": (
        lambda: OLE + "EncryptedPackage".encode("utf-16-le") + bytes(64),
        "password-protected",
    ),
    "a Word 97-2003 .doc": (lambda: OLE + "WordDocument".encode("utf-16-le") + bytes(64), "save it as .docx"),
    "an RTF": (lambda: b"{\\rtf1\\ansi hello}", "RTF file"),
    "plain junk": (lambda: "ليس ملف وورد".encode(), "not a Word .docx file"),
    "an empty file": (lambda: b"", "empty"),
    "a broken zip": (lambda: story()[:2000], "damaged"),
    "a DOCTYPE with entities": (with_doctype, "DOCTYPE"),
    "a zip without content types": (
        lambda: rezip(story(), {"[Content_Types].xml": None}),
        "not a Word document",
    ),
    "a member smaller than it says": (
        lambda: lie_about_size(story(), "word/document.xml", 40_000),
        "damaged",
    ),
    "a member bigger than it says": (lambda: lie_about_size(story(), "word/document.xml", 100), "damaged"),
    "a picture bigger than it says": (
        lambda: lie_about_size(story(), "word/media/image1.png", 10),
        "image1.png cannot be unpacked",
    ),
    "a member that expands a thousand times": (
        lambda: rezip(story(), add={"word/media/zeros.bin": bytes(20 << 20)}),
        "zip bomb",
    ),
    "tracked changes": (
        lambda: with_body(
            '<w:p><w:ins w:id="1" w:author="سمير" w:date="2024-01-01T00:00:00Z"><w:r><w:t>أضيف</w:t></w:r></w:ins></w:p>'
        ),
        "tracked changes .*by سمير.*accept or reject",
    ),
    "a DDE field": (
        lambda: with_body(
            '<w:p><w:fldSimple w:instr=" DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/></w:p>'
        ),
        "DDE field",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_or_wrong_file_is_refused_with_a_clear_error(case):
    make, message = HOSTILE[case]
    data = make()
    with pytest.raises(FormatError, match=message) as err:
        docx_format.extract(data, name="story.docx")
    assert str(err.value).startswith("story.docx: ")
    with pytest.raises(FormatError, match=message):
        docx_format.merge(data, [], name="story.docx")


def test_a_zip_bomb_is_refused_from_the_zip_directory_without_unpacking_it(tmp_path):
    data = zip_bomb(tmp_path / "bomb.docx")
    assert len(data) < 8 << 20
    with pytest.raises(FormatError, match="image2.png expands to 1024 MB.*zip bomb"):
        docx_format.extract(data, name="story.docx")


def test_hyperlinks_to_the_web_are_not_external_relationships_to_refuse():
    assert docx_format.extract(story(), name="story.docx")  # story() links to a URL
