import json

import pytest
from click.testing import CliRunner

from tm.cli import main
from tm.segment import segment, split_sentences

# A news-style article written for these tests: kicker, headline, byline, dateline,
# sentences with abbreviations, decimals, quotes, and a blank-line layout.
ARTICLE = (
    "اقتصاد\n"
    "\n"
    "البنك المركزي يرفع سعر الفائدة إلى 2.5 في المئة\n"
    "\n"
    "كتب: د. سامي الخطيب\n"
    "\n"
    "القاهرة - أعلن البنك المركزي، يوم الخميس، رفع سعر الفائدة بنسبة 1.5 نقطة. "
    "وقال المحافظ أ. د. هشام رامز: «نحن نراقب الأسعار. ولن نتردد في التحرك». "
    "هل يكفي ذلك؟ يرى محللون أن التضخم سيبقى مرتفعا!\n"
    "وتبلغ الاحتياطيات ٣٥٫٢ مليار دولار وفق بيانات ص.ب. 11511 القاهرة.\r\n"
    "\n"
    "\n"
    "تم نسخ الرابط\n"
)


def texts(doc):
    return [[s.text for s in p.segments] for p in doc.paragraphs]


def test_article_rebuilds_exactly():
    assert segment(ARTICLE).rebuild() == ARTICLE


def test_headline_kicker_and_byline_are_their_own_segments():
    doc = segment(ARTICLE)
    paras = texts(doc)
    assert paras[0] == ["اقتصاد"]
    assert paras[1] == ["البنك المركزي يرفع سعر الفائدة إلى 2.5 في المئة"]
    assert paras[2] == ["كتب: د. سامي الخطيب"]
    assert paras[-1] == ["تم نسخ الرابط"]


def test_sentences_split_at_stops_but_not_inside_numbers_abbreviations_or_quotes():
    paras = texts(segment(ARTICLE))
    assert paras[3] == [
        "القاهرة - أعلن البنك المركزي، يوم الخميس، رفع سعر الفائدة بنسبة 1.5 نقطة.",
        "وقال المحافظ أ. د. هشام رامز: «نحن نراقب الأسعار. ولن نتردد في التحرك».",
        "هل يكفي ذلك؟",
        "يرى محللون أن التضخم سيبقى مرتفعا!",
    ]
    assert paras[4] == ["وتبلغ الاحتياطيات ٣٥٫٢ مليار دولار وفق بيانات ص.ب. 11511 القاهرة."]


def test_translated_segments_rebuild_with_the_original_layout():
    doc = segment("عنوان\n\nجملة أولى. جملة ثانية؟\nجملة ثالثة")
    english = doc.rebuild(["Headline", "First sentence.", "Second sentence?", "Third sentence"])
    assert english == "Headline\n\nFirst sentence. Second sentence?\nThird sentence"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("قال د. أحمد إن النمو جيد.", ["قال د. أحمد إن النمو جيد."]),
        ("النمو 2.5 بالمئة. التضخم 1.8 بالمئة.", ["النمو 2.5 بالمئة.", "التضخم 1.8 بالمئة."]),
        ("جملة، وأخرى؛ وثالثة.", ["جملة، وأخرى؛ وثالثة."]),
        ("انتظر… ثم قرر.", ["انتظر…", "ثم قرر."]),
        ("قال: “هذا جيد. جدا” وغادر.", ["قال: “هذا جيد. جدا” وغادر."]),
        ("وقع ج. بوش الاتفاق. ثم عاد.", ["وقع ج. بوش الاتفاق.", "ثم عاد."]),
        ("«اقتباس طويل. لم يغلق ابدا", ["«اقتباس طويل.", "لم يغلق ابدا"]),
        ("Mr. Smith arrived. He left.", ["Mr. Smith arrived.", "He left."]),
    ],
)
def test_sentence_boundaries(line, expected):
    assert [s.text for s in split_sentences(line)] == expected


def test_empty_and_blank_input_rebuild():
    for text in ["", "\n\n", "   "]:
        doc = segment(text)
        assert doc.paragraphs == []
        assert doc.rebuild() == text


def test_contexts_name_previous_and_next_segment():
    doc = segment("أولا.\nثانيا. ثالثا.")
    assert doc.contexts() == [(None, "ثانيا."), ("أولا.", "ثالثا."), ("ثانيا.", None)]


def test_cli_segment_json_lists_paragraphs_with_segments(tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    result = CliRunner().invoke(main, ["segment", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data[0]["segments"] == [{"text": "اقتصاد", "after": ""}]
    assert len(data[3]["segments"]) == 4
    rebuilt = "".join(
        p["before"] + "".join(s["text"] + s["after"] for s in p["segments"]) + p["after"] for p in data
    )
    assert rebuilt == ARTICLE


def test_cli_segment_reads_windows_1256(tmp_path):
    path = tmp_path / "cp1256.txt"
    path.write_bytes("عنوان الخبر\nقال الوزير إن الوضع مستقر. وأضاف أنه متفائل.".encode("cp1256"))
    result = CliRunner().invoke(main, ["segment", str(path)])
    assert result.exit_code == 0, result.output
    assert "قال الوزير إن الوضع مستقر." in result.output
    assert "وأضاف أنه متفائل." in result.output


def test_cli_segment_refuses_undecodable_bytes_with_one_line(tmp_path):
    path = tmp_path / "junk.txt"
    path.write_bytes(b"price \x80\x89\x99\x85 " * 50)  # neither UTF-8 nor Arabic in cp1256
    result = CliRunner().invoke(main, ["segment", str(path)])
    assert result.exit_code == 1
    assert "neither UTF-8 nor Windows-1256" in result.output
    assert "Traceback" not in result.output
