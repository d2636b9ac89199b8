"""Find and replace across a document's English: the preview, and applying it safely."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import EchoTranslator
from tm import replace
from tm.documents import Documents
from tm.errors import Busy, Forbidden, NotFound, StaleSegment, TMError
from tm.glossary import Glossary
from tm.memory import TranslationMemory

ARTICLE = """قال وزير المالية إن الميزانية الجديدة ستخفض العجز.
وأضاف الوزير أن الحكومة ستدعم الأسر الفقيرة.
وانتقد نواب المعارضة خطة الوزير.
"""

ENGLISH = [
    "The Finance Minister said the new budget would cut the deficit.",
    "The minister added that the government would support poor families.",
    "Opposition MPs criticised the minister's plan.",
]


@dataclass
class Seg:
    idx: int
    target: str
    status: str = "draft"
    version: int = 1


def segs(*targets: str) -> list[Seg]:
    return [Seg(i, t) for i, t in enumerate(targets)]


# -- preview ------------------------------------------------------------------


def test_preview_finds_every_match_ignoring_case_by_default():
    found = replace.preview(segs(*ENGLISH), "minister", "Secretary")
    assert [c.idx for c in found] == [0, 1, 2]
    assert found[0].spans == [(12, 20)]
    assert found[1].after == "The Secretary added that the government would support poor families."
    assert found[2].before[slice(*found[2].spans[0])] == "minister"


def test_preview_with_match_case_leaves_other_cases_alone():
    found = replace.preview(segs(*ENGLISH), "minister", "secretary", case=True)
    assert [c.idx for c in found] == [1, 2]
    assert found[1].after == "Opposition MPs criticised the secretary's plan."


def test_whole_words_skip_longer_words_and_keep_punctuation_around():
    found = replace.preview(
        segs("The plan plans a planet.", "A plan, then another plan."), "plan", "scheme", whole_words=True
    )
    assert [c.after for c in found] == ["The scheme plans a planet.", "A scheme, then another scheme."]
    assert found[1].spans == [(2, 6), (21, 25)]
    assert found[1].after_spans == [(2, 8), (23, 29)]


def test_whole_words_work_with_find_texts_that_end_in_punctuation():
    found = replace.preview(segs("The U.S. said so.", "MUS.S. is not it."), "U.S.", "US", whole_words=True)
    assert [(c.idx, c.after) for c in found] == [(0, "The US said so.")]


def test_plain_text_is_found_literally_not_as_a_pattern():
    found = replace.preview(segs("Costs rose (by 5%).", "Costs rose by 5%."), "(by 5%)", "[5%]")
    assert [(c.idx, c.after) for c in found] == [(0, "Costs rose [5%].")]


def test_a_plain_replacement_is_not_a_template():
    found = replace.preview(segs("a b"), "b", r"\1 \g<0>")
    assert found[0].after == r"a \1 \g<0>"


def test_the_preview_shows_where_the_replacements_land_after_earlier_ones():
    (change,) = replace.preview(segs("cut and cut and cut"), "cut", "reduce")
    assert change.after == "reduce and reduce and reduce"
    assert [change.after[a:b] for a, b in change.after_spans] == ["reduce"] * 3


def test_sentences_that_would_not_change_are_left_out():
    assert replace.preview(segs("Same words.", ""), "Same", "Same", case=True) == []


def test_confirmed_sentences_are_marked_as_going_back_to_draft():
    rows = [Seg(0, "the budget", "confirmed", 4), Seg(1, "a budget", "approved", 2), Seg(2, "budget")]
    found = replace.preview(rows, "budget", "spending plan")
    assert [(c.idx, c.version, c.unconfirms) for c in found] == [(0, 4, True), (1, 2, True), (2, 1, False)]
    assert found[0].to_json()["unconfirms"] is True


def test_arabic_left_in_the_english_can_be_found_and_replaced():
    found = replace.preview(segs("Prime Minister (رئيس الوزراء) spoke."), " (رئيس الوزراء)", "")
    assert found[0].after == "Prime Minister spoke."


def test_a_regular_expression_can_put_groups_back():
    found = replace.preview(
        segs("on 12/05/2024 and 1/2/2025"), r"(\d+)/(\d+)/(\d{4})", r"\3-\2-\1", regex=True
    )
    assert found[0].after == "on 2024-05-12 and 2025-2-1"
    assert found[0].after_spans == [(3, 13), (18, 26)]


@pytest.mark.parametrize(
    ("find", "repl", "message"),
    [
        ("", "x", "type the text to find"),
        ("x" * 201, "y", "longer than 200"),
        ("a", "y" * 1001, "longer than 1000"),
    ],
)
def test_empty_or_too_long_texts_are_refused_with_a_reason(find, repl, message):
    with pytest.raises(TMError, match=message):
        replace.preview(segs("a b c"), find, repl)


@pytest.mark.parametrize(
    ("pattern", "repl", "message"),
    [
        ("(unclosed", "x", "not valid"),
        ("x*", "y", "matches empty text"),
        ("(a)", r"\2", "does not fit"),
    ],
)
def test_bad_regular_expressions_are_refused_with_a_reason(pattern, repl, message):
    with pytest.raises(TMError, match=message):
        replace.preview(segs("a sentence with a few letters"), pattern, repl, regex=True)


def test_a_catastrophic_regular_expression_is_stopped_in_time(monkeypatch):
    monkeypatch.setattr(replace, "REGEX_SECONDS", 1.0)
    with pytest.raises(TMError, match="takes too long"):
        replace.preview(segs("a" * 40 + "!"), r"(a+)+$", "x", regex=True)


def test_regular_expressions_beyond_the_servers_slots_wait_then_answer_busy(monkeypatch):
    monkeypatch.setattr(replace, "REGEX_QUEUE_SECONDS", 0.2)
    held = [replace._regex_slots.acquire(timeout=1) for _ in range(replace.REGEX_AT_ONCE)]
    try:
        assert all(held)
        with pytest.raises(Busy, match="other regular-expression searches are running"):
            replace.preview(segs("on 12/05/2024"), r"(\d+)/", r"\1-", regex=True)
    finally:
        for _ in held:
            replace._regex_slots.release()
    # a slot free again: the search runs
    assert replace.preview(segs("on 12/05/2024"), r"(\d+)/", r"\1-", regex=True)[0].after == "on 12-05-2024"


def test_too_many_matches_are_refused(monkeypatch):
    monkeypatch.setattr(replace, "MAX_MATCHES", 5)
    with pytest.raises(TMError, match="more than 5 matches"):
        replace.preview(segs("a a a", "a a a"), "a", "b")


# -- apply --------------------------------------------------------------------


@pytest.fixture
def docs(sqlite_store):
    memory = TranslationMemory(sqlite_store)
    documents = Documents(memory, Glossary(sqlite_store))
    yield documents
    memory.close()


@pytest.fixture
def people(sqlite_store):
    return {
        name: sqlite_store.accounts.add(name, "x", role)
        for name, role in (("tom", "translator"), ("tia", "translator"), ("ada", "admin"))
    }


@pytest.fixture
def doc(docs, people):
    """A drafted document translated by tom, its English typed in."""
    doc_id = docs.create("Budget", ARTICLE, "ada", translator="tom")
    docs.pretranslate(doc_id, EchoTranslator())
    for seg, english in zip(docs.store.documents.segments(doc_id), ENGLISH, strict=True):
        docs.save(doc_id, seg.idx, english, people["tom"], seg.version)
    return doc_id


def versions(docs, doc_id):
    return {s.idx: s.version for s in docs.store.documents.segments(doc_id)}


def targets(docs, doc_id):
    return [s.target for s in docs.store.documents.segments(doc_id)]


def test_apply_replaces_in_the_chosen_sentences_only_and_records_it(docs, doc, people):
    v = versions(docs, doc)
    done = replace.apply(docs, doc, people["tom"], "minister", "secretary", [1, 2], [v[1], v[2]])
    assert [s.idx for s in done.changed] == [1, 2] and done.skipped == []
    assert targets(docs, doc) == [
        ENGLISH[0],
        "The secretary added that the government would support poor families.",
        "Opposition MPs criticised the secretary's plan.",
    ]
    latest = docs.history(doc, 1)[0]
    assert (latest.action, latest.author, latest.status) == ("replace", "tom", "draft")
    assert docs.history(doc, 0)[0].action != "replace"


def test_apply_sends_a_confirmed_sentence_back_to_draft_with_fresh_qa(docs, doc, people):
    seg = docs.store.documents.segment(doc, 0)
    docs.confirm(doc, 0, seg.target, people["tom"], seg.version)
    v = versions(docs, doc)
    done = replace.apply(docs, doc, people["tom"], "deficit", "deficit  by 3", [0], [v[0]])
    assert done.unconfirmed == 1
    saved = docs.store.documents.segment(doc, 0)
    assert saved.status == "draft"
    assert {q["code"] for q in saved.info["qa"]} >= {"number-extra", "double-space"}


def test_apply_skips_a_sentence_changed_since_the_preview(docs, doc, people):
    before = versions(docs, doc)
    docs.save(doc, 2, "The opposition criticised the minister's plan.", people["tom"], before[2])
    done = replace.apply(docs, doc, people["tom"], "minister", "secretary", [1, 2], [before[1], before[2]])
    assert [s.idx for s in done.changed] == [1]
    assert [(s.idx, s.reason) for s in done.skipped] == [(2, "changed by tom since the preview")]
    assert targets(docs, doc)[2] == "The opposition criticised the minister's plan."


def test_apply_skips_a_sentence_that_no_longer_matches(docs, doc, people):
    v = versions(docs, doc)
    done = replace.apply(docs, doc, people["tom"], "budget", "plan", [0, 1], [v[0], v[1]])
    assert [s.idx for s in done.changed] == [0]
    assert [(s.idx, s.reason) for s in done.skipped] == [(1, "no longer contains the text to find")]


def test_someone_not_assigned_cannot_replace_and_nothing_changes(docs, doc, people):
    v = versions(docs, doc)
    with pytest.raises(Forbidden, match="assigned to tom"):
        replace.apply(docs, doc, people["tia"], "minister", "secretary", [1, 2], [v[1], v[2]])
    assert targets(docs, doc) == ENGLISH


def test_a_sentence_not_in_the_document_changes_nothing(docs, doc, people):
    v = versions(docs, doc)
    with pytest.raises(TMError, match="sentence 8 is not in the document"):
        replace.apply(docs, doc, people["tom"], "minister", "secretary", [1, 7], [v[1], 1])
    assert targets(docs, doc) == ENGLISH


def test_a_document_that_is_not_there_is_not_found(docs, people):
    with pytest.raises(NotFound):
        replace.apply(docs, 999, people["ada"], "a", "b", [0], [1])


def test_a_failure_midway_keeps_none_of_the_replacements(docs, doc, people, monkeypatch):
    v = versions(docs, doc)
    real = docs.store.documents.save_segment

    def second_fails(doc_id, idx, **kw):
        if idx == 2:
            raise StaleSegment(idx, 1, 2)
        return real(doc_id, idx, **kw)

    monkeypatch.setattr(docs.store.documents, "save_segment", second_fails)
    with pytest.raises(StaleSegment):
        replace.apply(docs, doc, people["tom"], "minister", "secretary", [1, 2], [v[1], v[2]])
    monkeypatch.undo()
    assert targets(docs, doc) == ENGLISH
    assert all(c.action != "replace" for c in docs.history(doc, 1))


@pytest.mark.parametrize(
    ("idxs", "vers", "message"),
    [([0, 1], [1], "one version for each"), ([1, 1], [1, 1], "listed once")],
)
def test_malformed_choices_are_refused(docs, doc, people, idxs, vers, message):
    with pytest.raises(TMError, match=message):
        replace.apply(docs, doc, people["tom"], "minister", "secretary", idxs, vers)


def test_a_new_document_starts_translating_with_its_first_replacement(docs, people):
    doc_id = docs.create("Fresh", ARTICLE, "ada", translator="tom")
    docs.pretranslate(doc_id, EchoTranslator())
    v = versions(docs, doc_id)
    done = replace.apply(docs, doc_id, people["tom"], "EN:", "", [0], [v[0]])
    assert done.changed[0].target.startswith(" ")
    assert docs.store.documents.get(doc_id, layout=False).stage == "translating"
