"""HTML pages: blocks out of a news article, English back in with every other byte kept."""

from __future__ import annotations

import codecs
import re

import lxml.html
import pytest

from tm import tags
from tm.errors import FormatError
from tm.formats import html
from tm.formats.blocks import Translated
from tm.segment import split_sentences
from tm.tags import CLOSE, EMPTY, OPEN, char

B1, EB1, A2, EA2 = char(1, OPEN), char(1, CLOSE), char(2, OPEN), char(2, CLOSE)
C2 = char(2, EMPTY)

ARTICLE = """<!DOCTYPE html>
<html dir="rtl" lang="ar">
<head>
<meta charset="utf-8">
<title>ارتفاع أسعار النفط | الأخبار</title>
<meta name="description" content="أسعار النفط ترتفع للمرة الثالثة هذا الأسبوع.">
<meta property="og:title" content="ارتفاع أسعار النفط">
<script>window.dataLayer = [{"section": "اقتصاد"}]; if (a < b && c > d) { go("<p>لا</p>"); }</script>
<style>body { direction: rtl; } .lead > p { margin: 0 }</style>
</head>
<body dir="rtl" lang="ar">
<!-- CMS: قصة 4471 -->
<article class="story">
  <h1 class="headline">ارتفاع أسعار النفط للمرة الثالثة</h1>
  <p class="standfirst">سجلت الأسعار أعلى مستوى لها منذ عامين.</p>
  <p>قال <b>الوزير</b> إن الإنتاج سيزيد. وأضاف في <a href="https://example.com/s?id=1&amp;x=2">بيان رسمي</a> أن السوق مستقرة.</p>
  <figure>
    <img src="/img/oil.jpg" alt="حقل نفط في الصحراء">
    <figcaption>حقل نفط قرب المدينة</figcaption>
  </figure>
  <p>ونقلت <span translate="no">BBC</span> عن مصادر أن الاتفاق قريب.</p>
  <pre>سعر البرميل = 90
  دولاراً</pre>
  <p>استخدم الأمر <code>oil --price</code> لمعرفة السعر.</p>
  <table>
    <tr><th>الشهر</th><th>السعر</th></tr>
    <tr><td>يناير</td><td>٨٥ دولاراً</td></tr>
  </table>
  <ul>
    <li>الإنتاج يرتفع</li>
    <li>الطلب مستقر</li>
  </ul>
  <p class="byline">بقلم أحمد علي</p>
</article>
<script src="/ads.js"></script>
</body>
</html>
"""

# id -> (kind, the block as tm.tags.show writes it, its English)
EXPECTED = {
    "title[1]": ("heading", "ارتفاع أسعار النفط | الأخبار", "Oil prices rise | The News"),
    "meta[2]@content": (
        "attribute",
        "أسعار النفط ترتفع للمرة الثالثة هذا الأسبوع.",
        "Oil prices rise for the third time this week.",
    ),
    "meta[3]@content": ("attribute", "ارتفاع أسعار النفط", "Oil prices rise"),
    "h1[1]": ("heading", "ارتفاع أسعار النفط للمرة الثالثة", "Oil prices rise for the third time"),
    "p[1]": ("paragraph", "سجلت الأسعار أعلى مستوى لها منذ عامين.", "Prices hit a two-year high."),
    "p[2]": (
        "paragraph",
        "قال <b1>الوزير</b1> إن الإنتاج سيزيد. وأضاف في <a2>بيان رسمي</a2> أن السوق مستقرة.",
        f"The {B1}minister{EB1} said output would rise. He added in an {A2}official statement{EA2} that the market is stable.",
    ),
    "img[1]@alt": ("attribute", "حقل نفط في الصحراء", "An oil field in the desert"),
    "figcaption[1]": ("paragraph", "حقل نفط قرب المدينة", "An oil field near the city"),
    "p[3]": (
        "paragraph",
        "ونقلت <span1/> عن مصادر أن الاتفاق قريب.",
        f"{char(1, EMPTY)} quoted sources as saying a deal is close.",
    ),
    "p[4]": (
        "paragraph",
        "استخدم الأمر <code1/> لمعرفة السعر.",
        f"Use the command {char(1, EMPTY)} to see the price.",
    ),
    "th[1]": ("cell", "الشهر", "Month"),
    "th[2]": ("cell", "السعر", "Price"),
    "td[1]": ("cell", "يناير", "January"),
    "td[2]": ("cell", "٨٥ دولاراً", "$85"),
    "li[1]": ("item", "الإنتاج يرتفع", "Output is rising"),
    "li[2]": ("item", "الطلب مستقر", "Demand is steady"),
    "p[5]": ("paragraph", "بقلم أحمد علي", "By Ahmed Ali"),
}


def blocks_of(data: bytes, name: str = "story.html") -> dict[str, tuple[str, str]]:
    return {b.id: (b.kind, tags.show(b.text, b.tags)) for b in html.extract(data, name=name)}


def english(data: bytes, texts: dict[str, str], name: str = "story.html") -> bytes:
    """Merge the English given by block id; blocks not given keep their Arabic."""
    return html.merge(data, [Translated(texts.get(b.id)) for b in html.extract(data, name=name)], name=name)


def masked(page: str) -> str:
    """Return the page with its words and translatable attribute values left out."""
    page = re.sub(r'\b(alt|content|dir|lang)="[^"]*"', r'\1=""', page)
    return re.sub(r">[^<]*?[^<\s][^<]*<", "><", page)


def test_an_article_page_gives_its_texts_and_attributes_in_order():
    assert blocks_of(ARTICLE.encode()) == {k: v[:2] for k, v in EXPECTED.items()}


def test_the_tags_of_a_block_carry_the_original_markup():
    para = {b.id: b for b in html.extract(ARTICLE.encode(), name="story.html")}
    assert para["p[2]"].tags[1].markup == "<b>"
    assert para["p[2]"].tags[2].markup == '<a href="https://example.com/s?id=1&amp;x=2">'
    assert para["p[2]"].tags[2].title == "https://example.com/s?id=1&x=2"
    assert (
        para["p[3]"].tags[1].markup == '<span translate="no">BBC</span>'
        and para["p[3]"].tags[1].title == "BBC"
    )
    assert [s.text for s in split_sentences(para["p[2]"].text)][0] == f"قال {B1}الوزير{EB1} إن الإنتاج سيزيد."


def test_the_english_page_keeps_every_byte_outside_the_translated_text():
    out = english(ARTICLE.encode(), {k: v[2] for k, v in EXPECTED.items()}).decode()
    assert masked(out) == masked(ARTICLE)
    for untouched in (
        '<script>window.dataLayer = [{"section": "اقتصاد"}]; if (a < b && c > d) { go("<p>لا</p>"); }</script>',
        "<style>body { direction: rtl; } .lead > p { margin: 0 }</style>",
        "<pre>سعر البرميل = 90\n  دولاراً</pre>",
        "<code>oil --price</code>",
        "<!-- CMS: قصة 4471 -->",
        '<span translate="no">BBC</span>',
        '<script src="/ads.js"></script>',
    ):
        assert out.count(untouched) == 1, untouched
    assert out.startswith(
        '<!DOCTYPE html>\n<html dir="ltr" lang="en">\n<head>\n<meta charset="utf-8">\n<title>'
    )
    assert '<body dir="ltr" lang="en">' in out


def test_the_english_page_has_the_inline_elements_inside_the_right_sentences():
    out = english(ARTICLE.encode(), {k: v[2] for k, v in EXPECTED.items()})
    doc = lxml.html.fromstring(out)
    assert doc.findtext("head/title") == "Oil prices rise | The News"
    assert doc.xpath("//meta[@name='description']/@content") == [
        "Oil prices rise for the third time this week."
    ]
    assert doc.xpath("//img/@alt") == ["An oil field in the desert"]
    p = doc.xpath("//article/p")[1]
    bold, link = p.find("b"), p.find("a")
    assert (p.text, bold.text, bold.tail) == ("The ", "minister", " said output would rise. He added in an ")
    assert (link.text, link.tail) == ("official statement", " that the market is stable.")
    assert link.get("href") == "https://example.com/s?id=1&x=2"
    quoted = doc.xpath("//article/p")[2]
    assert quoted.text is None and quoted.find("span").text == "BBC"
    assert quoted.find("span").tail == " quoted sources as saying a deal is close."
    assert [td.text for td in doc.iter("td", "th")] == ["Month", "Price", "January", "$85"]


def test_a_page_with_no_english_comes_back_byte_for_byte():
    data = ARTICLE.encode()
    assert html.merge(data, [Translated(None)] * len(EXPECTED), name="story.html") == data


def test_an_untranslated_block_keeps_its_arabic_and_the_directions_stay_where_nothing_changed():
    page = '<html lang="ar"><body><div dir="rtl"><p>مرحبا بكم</p></div><div dir="rtl"><p>وداعا</p></div></body></html>'
    out = english(page.encode(), {"p[1]": "Welcome"}).decode()
    assert (
        out
        == '<html lang="en"><body><div dir="ltr"><p>Welcome</p></div><div dir="rtl"><p>وداعا</p></div></body></html>'
    )


def test_entities_are_read_as_characters_and_the_english_is_escaped():
    page = "<p>شركة &quot;الأمل&quot; &amp; شركاه&nbsp;&#1605;&#x645; &lt;٣&gt;</p>".encode()
    assert blocks_of(page) == {"p[1]": ("paragraph", 'شركة "الأمل" & شركاه\xa0مم <٣>')}
    out = english(page, {"p[1]": 'Al-Amal & Partners <3> "A&B"'})
    assert out == b'<p>Al-Amal &amp; Partners &lt;3&gt; "A&amp;B"</p>'
    assert lxml.html.fromstring(out).text_content() == 'Al-Amal & Partners <3> "A&B"'


def test_attribute_values_are_escaped_for_their_quotes():
    page = "<img alt='صورة الرئيس' title=\"الرئيس\"><input placeholder=بحث>".encode()
    assert blocks_of(page) == {
        "img[1]@alt": ("attribute", "صورة الرئيس"),
        "img[1]@title": ("attribute", "الرئيس"),
        "input[1]@placeholder": ("attribute", "بحث"),
    }
    texts = {
        "img[1]@alt": "The president's photo",
        "img[1]@title": 'The "president"',
        "input[1]@placeholder": "Search",
    }
    out = english(page, texts)
    assert (
        out
        == b'<img alt=\'The president&#39;s photo\' title="The &quot;president&quot;"><input placeholder="Search">'
    )


@pytest.mark.parametrize(
    "declared",
    [
        '<meta charset="windows-1256">',
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">',
        "",
    ],
)
def test_a_windows_1256_page_is_read_and_written_back_in_windows_1256(declared):
    page = f"<html><head>{declared}</head><body><p>قال الوزير إن النمو تسارع.</p></body></html>"
    data = page.encode("cp1256")
    assert blocks_of(data) == {"p[1]": ("paragraph", "قال الوزير إن النمو تسارع.")}
    out = english(data, {"p[1]": "The minister said growth sped up ✓ “fast”."})
    assert out == page.replace(
        "قال الوزير إن النمو تسارع.", "The minister said growth sped up &#10003; “fast”."
    ).encode("cp1256")
    assert html.merge(data, [Translated(None)], name="story.html") == data


def test_pasted_source_in_utf8_is_read_as_utf8_whatever_its_meta_says():
    page = '<meta charset="windows-1256"><p>مرحبا</p>'.encode()
    assert blocks_of(page) == {"p[1]": ("paragraph", "مرحبا")}
    assert english(page, {"p[1]": "Hello ✓"}) == '<meta charset="windows-1256"><p>Hello ✓</p>'.encode()


@pytest.mark.parametrize("bom", [codecs.BOM_UTF8, codecs.BOM_UTF16_LE])
def test_a_byte_order_mark_is_kept(bom):
    codec = "utf-8" if bom == codecs.BOM_UTF8 else "utf-16-le"
    data = bom + "<p>مرحبا</p>\r\n".encode(codec)
    assert blocks_of(data) == {"p[1]": ("paragraph", "مرحبا")}
    assert english(data, {"p[1]": "Hello"}) == bom + "<p>Hello</p>\r\n".encode(codec)


def test_a_line_break_inside_a_paragraph_is_a_tag_and_two_end_the_paragraph():
    page = "<div>السطر الأول<br>السطر الثاني<br/><br />\n فقرة أخرى<br></div>".encode()
    assert blocks_of(page) == {
        "div[1]": ("paragraph", "السطر الأول<br1/>السطر الثاني"),
        "div[1].2": ("paragraph", "فقرة أخرى"),
    }
    out = english(page, {"div[1]": f"First line{char(1, EMPTY)}second line", "div[1].2": "Another paragraph"})
    assert out == b"<div>First line<br>second line<br/><br />\n Another paragraph<br></div>"


def test_nested_inline_tags_move_with_the_english_words():
    page = '<p>زار <b>الرئيس <i>الفرنسي</i></b> <a href="/c">القاهرة</a> أمس.</p>'.encode()
    assert blocks_of(page)["p[1]"] == (
        "paragraph",
        "زار <b1>الرئيس <i2>الفرنسي</i2></b1> <a3>القاهرة</a3> أمس.",
    )
    i2, ei2, a3, ea3 = char(2, OPEN), char(2, CLOSE), char(3, OPEN), char(3, CLOSE)
    out = english(page, {"p[1]": f"The {B1}{i2}French{ei2} president{EB1} visited {a3}Cairo{ea3} yesterday."})
    assert out == b'<p>The <b><i>French</i> president</b> visited <a href="/c">Cairo</a> yesterday.</p>'


def test_a_link_over_two_sentences_stays_one_link():
    page = '<p>قال المتحدث <a href="/r">إن الوفد وصل. وستبدأ المحادثات</a> غدا.</p>'.encode()
    (block,) = html.extract(page, name="story.html")
    first, second = (s.text for s in split_sentences(block.text))
    assert (first, second) == (f"قال المتحدث {B1}إن الوفد وصل.", f"وستبدأ المحادثات{EB1} غدا.")
    out = english(
        page, {"p[1]": f"The spokesman said {B1}the delegation arrived. Talks begin{EB1} tomorrow."}
    )
    assert out == b'<p>The spokesman said <a href="/r">the delegation arrived. Talks begin</a> tomorrow.</p>'


@pytest.mark.parametrize(
    ("english_text", "expected"),
    [
        (f"The {B1}minister{EB1} said {C2}", "The <b>minister</b> said <!-- x -->"),
        # a close the English lacks is added at the end of the block
        (f"The {B1}minister said{C2}", "The <b>minister said<!-- x --></b>"),
        # a close without its open, or before it, is dropped
        (f"The minister{EB1} said{C2}", "The minister said<!-- x -->"),
        (f"The {EB1}minister{B1} said{C2}", "The minister<b> said<!-- x --></b>"),
        # an invisible tag the English dropped comes back at the end; a tag the block lacks is dropped
        (f"The {B1}minister{EB1} said", "The <b>minister</b> said<!-- x -->"),
        (f"{C2}The {B1}minister{EB1} said{char(9, EMPTY)}", "<!-- x -->The <b>minister</b> said"),
    ],
)
def test_merge_repairs_the_tags_the_translator_broke(english_text, expected):
    page = "<p>قال <b>الوزير</b> <!-- x -->أمس</p>".encode()
    assert blocks_of(page)["p[1]"] == ("paragraph", "قال <b1>الوزير</b1> <comment2/>أمس")
    assert english(page, {"p[1]": english_text}) == f"<p>{expected}</p>".encode()


def test_untranslatable_parts_are_never_touched():
    page = (
        '<div translate="no"><p>نص محمي</p></div><p>نص <kbd>Ctrl</kbd> <svg viewBox="0 0 1 1"><text>أيقونة</text></svg>'
        "عادي</p><textarea>اكتب هنا</textarea><noscript><p>فعّل جافاسكربت</p></noscript><template><p>قالب</p></template>"
    ).encode()
    assert blocks_of(page) == {"p[2]": ("paragraph", "نص <kbd1/> <svg2/>عادي")}
    out = english(page, {"p[2]": f"Plain {char(2, EMPTY)} text {char(1, EMPTY)}"}).decode()
    assert out == page.decode().replace(
        'نص <kbd>Ctrl</kbd> <svg viewBox="0 0 1 1"><text>أيقونة</text></svg>عادي',
        'Plain <svg viewBox="0 0 1 1"><text>أيقونة</text></svg> text <kbd>Ctrl</kbd>',
    )


def test_the_title_of_a_link_inside_a_paragraph_follows_the_paragraph_and_goes_back_into_its_tag():
    page = '<p>اقرأ <a href="/x" title="التقرير الكامل">التقرير</a> هنا.</p>'.encode()
    assert list(blocks_of(page).items()) == [
        ("p[1]", ("paragraph", "اقرأ <a1>التقرير</a1> هنا.")),
        ("a[1]@title", ("attribute", "التقرير الكامل")),
    ]
    out = english(page, {"p[1]": f"Read the {B1}report{EB1} here.", "a[1]@title": "The full report"})
    assert out == b'<p>Read the <a href="/x" title="The full report">report</a> here.</p>'
    out = english(page, {"a[1]@title": "The full report"})
    assert out == '<p>اقرأ <a href="/x" title="The full report">التقرير</a> هنا.</p>'.encode()


def test_sloppy_markup_is_read_as_a_browser_reads_it():
    page = "<P>فقرة أولى<p>فقرة <B>ثانية<ul><li>بند<li>بند آخر</ul><table><tr><td>خلية<td>أخرى</table></b>".encode()
    assert blocks_of(page) == {
        "p[1]": ("paragraph", "فقرة أولى"),
        "p[2]": ("paragraph", "فقرة <b1>ثانية"),
        "li[1]": ("item", "بند"),
        "li[2]": ("item", "بند آخر"),
        "td[1]": ("cell", "خلية"),
        "td[2]": ("cell", "أخرى"),
    }
    texts = {"p[2]": f"A {B1}second paragraph", "li[2]": "Another item"}
    assert english(page, texts) == page.replace("فقرة <B>ثانية".encode(), b"A <B>second paragraph").replace(
        "بند آخر".encode(), b"Another item"
    )


def test_a_block_wrapped_in_one_span_leaves_the_span_outside():
    page = '<h2><a href="/story">عنوان الخبر</a></h2><p>  <strong>عاجل:</strong>  </p><p>|</p>'.encode()
    assert blocks_of(page) == {"h2[1]": ("heading", "عنوان الخبر"), "p[1]": ("paragraph", "عاجل:")}
    out = english(page, {"h2[1]": "Headline", "p[1]": "Breaking:"})
    assert out == b'<h2><a href="/story">Headline</a></h2><p>  <strong>Breaking:</strong>  </p><p>|</p>'


def test_private_use_characters_of_the_page_are_not_taken_for_tags():
    page = f"<p>{char(1, OPEN)} اتصل بنا &#xE004; الآن</p>".encode()
    (block,) = html.extract(page, name="story.html")
    assert tags.show(block.text, block.tags) == "<char1/> اتصل بنا <char2/> الآن"
    out = english(page, {"p[1]": f"{char(1, EMPTY)} Call us {char(2, EMPTY)} now"})
    assert out == f"<p>{char(1, OPEN)} Call us &#xE004; now</p>".encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the page is empty: no text to translate"),
        (b" \n\t", "the page is empty: no text to translate"),
        (b"<html><head><script>var x;</script></head><body><!-- -->| </body></html>", "no text to translate"),
        (bytes(range(256)) * 64, "not an HTML page"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(1, 256)) * 8, "neither UTF-8 nor Windows-1256"),
        (b'<meta charset="klingon"><p>x</p>', "unknown encoding 'klingon'"),
        ('<meta charset="utf-8"><p>مرحبا</p>'.encode("cp1256"), "<meta charset> says utf-8, but byte"),
        (b"<p>" + b"x" * (html.MAX_HTML_BYTES + 1), f"tm reads HTML up to {html.MAX_HTML_BYTES >> 20} MB"),
    ],
    ids=["empty", "blank", "no-text", "binary", "png", "unknown-charset", "lying-charset", "oversize"],
)
def test_a_page_tm_cannot_read_is_refused_with_a_clear_message(data, message):
    with pytest.raises(FormatError, match=re.escape(message)):
        html.extract(data, name="story.html")


def test_a_million_nested_elements_are_refused_without_a_crash():
    with pytest.raises(FormatError, match="nested more than 4096 deep"):
        html.extract(b"<div>" * 10**6 + "نص".encode() + b"</div>" * 10**6, name="deep.html")
    with pytest.raises(FormatError, match="nested more than"):
        html.extract("<p>نص".encode() + b"<b>" * 10**6, name="deep.html")


@pytest.mark.parametrize(
    "junk",
    [
        b"</b>" * 200_000,
        b"<!--" * 200_000,
        b'<a b="' * 200_000,
        b"<a " * 200_000,
        b"<" * 200_000,
        b"&" * 200_000,
    ],
    ids=["stray-closes", "comments", "open-quotes", "open-tags", "lt", "amp"],
)
def test_pathological_markup_is_read_or_refused_and_never_breaks_the_page(junk):
    # (the tokenizer is linear: quadratic scanning of this junk would not finish; no timing here)
    data = "<p>نص عربي</p>".encode() + junk + "<p>آخر</p>".encode()
    try:
        blocks = html.extract(data, name="junk.html")
        assert html.merge(data, [Translated(None)] * len(blocks), name="junk.html") == data
    except FormatError:
        pass


def test_merge_refuses_a_translation_list_of_the_wrong_length():
    with pytest.raises(FormatError, match="17 blocks but 2 translations"):
        html.merge(ARTICLE.encode(), [Translated("a"), Translated("b")], name="story.html")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<!DOCTYPE html><html><body>x</body></html>", True),
        ("  <html lang='ar'>", True),
        ("<p>فقرة</p>\n<p>أخرى</p>", True),
        ("سطر<br>سطر", True),
        ("قال إن 3 < 5 و 7 > 2", False),
        ("النص العادي بلا وسوم.\nسطر ثان.", False),
    ],
)
def test_pasted_text_is_told_apart_from_pasted_html(text, expected):
    assert html.looks_like_html(text) is expected
