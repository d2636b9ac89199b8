"""Inline tags: characters that stand for formatting, renumbered for the memory, compared by QA."""

from __future__ import annotations

import pytest

from tm import tags
from tm.lang import normalize
from tm.segment import segment, split_sentences
from tm.tags import CLOSE, EMPTY, OPEN, Tag, char

B, EB = char(1, OPEN), char(1, CLOSE)  # <b1> </b1>
A, EA = char(2, OPEN), char(2, CLOSE)  # <a2> </a2>
BR = char(3, EMPTY)  # <br3/>
TABLE = {1: Tag("open", "b", "<b>"), 2: Tag("open", "a", '<a href="https://x.example">'), 3: Tag("empty", "br")}


def test_a_tag_is_one_character_that_knows_its_number_and_kind():
    assert [tags.parse(c) for c in (B, EB, BR)] == [(1, OPEN), (1, CLOSE), (3, EMPTY)]
    assert tags.parse("ب") is None and tags.parse(chr(tags.BASE + 3)) is None
    with pytest.raises(Exception, match="inline codes"):
        char(tags.MAX_TAGS + 1, OPEN)


def test_tags_show_as_names_with_numbers():
    text = f"قال {B}الوزير{EB} في {A}بيان{EA}{BR}"
    assert tags.show(text, TABLE) == "قال <b1>الوزير</b1> في <a2>بيان</a2><br3/>"
    assert tags.strip(text) == "قال الوزير في بيان"


def test_matching_ignores_tags():
    assert normalize(f"قال {B}الوزير{EB} إن") == normalize("قال الوزير إن")


def test_a_sentence_is_renumbered_from_one_for_the_memory_and_back():
    b5, eb5, br7 = char(5, OPEN), char(5, CLOSE), char(7, EMPTY)
    text = f"{br7}قال {b5}الوزير{eb5}"
    canon, mapping = tags.canonical(text)
    assert mapping == {7: 1, 5: 2}
    assert canon == f"{char(1, EMPTY)}قال {char(2, OPEN)}الوزير{char(2, CLOSE)}"
    back = tags.renumber(canon, {new: old for old, new in mapping.items()})
    assert back == text


def test_a_closing_tag_after_the_full_stop_stays_with_its_sentence():
    line = f"قال {B}الوزير إن النمو تسارع.{EB} {A}وأضاف{EA} أن العجز تراجع."
    assert [s.text for s in split_sentences(line)] == [
        f"قال {B}الوزير إن النمو تسارع.{EB}",
        f"{A}وأضاف{EA} أن العجز تراجع.",
    ]
    assert segment(line).rebuild() == line


@pytest.mark.parametrize(
    ("target", "codes"),
    [
        (f"The {B}minister{EB} said in a {A}statement{EA}{BR}", []),
        (f"In a {A}statement{EA} the {B}minister{EB} said{BR}", []),  # spans move with their words
        (f"The minister said in a {A}statement{EA}{BR}", ["tag-missing"]),
        (f"The {B}minister{EB} said in a {A}statement{EA}{BR}{BR}", ["tag-extra"]),
        (f"The {EB}minister{B} said in a {A}statement{EA}{BR}", ["tag-order"]),
        (f"The {B}minister {A}said{EB} in a statement{EA}{BR}", ["tag-order"]),
    ],
)
def test_qa_finds_missing_extra_and_misordered_tags(target, codes):
    source = f"قال {B}الوزير{EB} في {A}بيان{EA}{BR}"
    assert [i.code for i in tags.compare(source, target)] == codes


def test_a_span_opened_in_the_previous_sentence_may_close_in_this_one():
    assert tags.compare(f"تراجع العجز.{EB}", f"The deficit fell.{EB}") == []


def test_issues_say_which_tags_in_words():
    [issue] = tags.compare(f"{B}عاجل{EB}", "Breaking")
    assert issue.describe(TABLE) == "the English lacks the formatting <b1>, </b1> that the Arabic has"


def test_a_match_that_differs_only_in_tags_loses_a_point_per_tag():
    plain = "قال الوزير"
    assert tags.penalty(f"قال {B}الوزير{EB}", f"قال {B}الوزير{EB}") == 0
    assert tags.penalty(f"قال {char(4, OPEN)}الوزير{char(4, CLOSE)}", f"قال {B}الوزير{EB}") == 0  # numbering
    assert tags.penalty(f"قال {B}الوزير{EB}", plain) == 2
    assert tags.penalty(plain + BR, plain) == 1
    many = "".join(char(n, EMPTY) for n in range(1, 20))
    assert tags.penalty(plain + many, plain) == tags.MAX_PENALTY


def test_the_next_missing_tag_is_offered_in_source_order():
    source = f"{B}عاجل{EB}: {A}انفجار{EA}"
    assert tags.missing_next(source, "Breaking") == B
    assert tags.missing_next(source, f"{B}Breaking{EB}: blast") == A
    assert tags.missing_next(source, f"{B}Breaking{EB}: {A}blast{EA}") is None


def test_a_tag_table_goes_to_json_and_back_and_a_sentence_takes_its_part():
    assert tags.table_from_json(tags.table_json(TABLE)) == TABLE
    assert tags.subtable(TABLE, f"{A}بيان{EA}") == {2: TABLE[2]}
    assert tags.subtable(TABLE, f"{A}بيان{EA}", {2: 1}) == {1: TABLE[2]}
