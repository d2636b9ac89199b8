"""Changing a document's sentences: honest origins, blocking QA, review, rights and undo (tm/editing.py)."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from tm.documents import Documents
from tm.errors import Forbidden, QABlocked, StaleSegment, TMError
from tm.glossary import Glossary
from tm.memory import TranslationMemory
from tm.store.records import NewTerm, NewUnit
from tm.store.sqlite import SQLiteStore

ARTICLE = (
    "أعلنت الوزارة عن خطة جديدة للنقل.\n\n"
    "وقال الوزير إن الخطة تشمل 40 حافلة.\n\n"
    "وأكد أن العمل يبدأ الشهر المقبل."
)
MT = [
    "The ministry announced a new transport plan.",
    "The minister said the plan has 40 buses.",
    "Work starts.",
]


@pytest.fixture
def desk(tmp_path):
    store = SQLiteStore(tmp_path / "m.db")
    for name, role in (("ada", "admin"), ("tom", "translator"), ("tia", "translator"), ("rita", "reviewer")):
        store.accounts.add(name, generate_password_hash("x", method="pbkdf2:sha256:1000"), role)
    memory = TranslationMemory(store, save_index=False)
    docs = Documents(memory, Glossary(store))
    yield docs
    memory.close()


def user(docs, name):
    return docs.store.accounts.find(name)


def drafted(docs, *, origin="mt", targets=MT, matches=None):
    """Create the article assigned to tom (translator) and rita (reviewer) with the given drafts."""
    doc = docs.create("خطة النقل", ARTICLE, "ada", translator="tom", reviewer="rita")
    docs.store.documents.set_drafts(
        doc,
        [
            {
                "idx": i,
                "target": t,
                "origin": origin,
                "score": None if origin == "mt" else 100,
                "unit_id": None,
                "mt_draft": t if origin == "mt" else None,
                "repeat_of": None,
                "info": {"matches": matches or []},
            }
            for i, t in enumerate(targets)
        ],
    )
    return doc


def confirm(docs, doc, idx, target, who="tom", **kw):
    seg = docs.store.documents.segment(doc, idx)
    return docs.confirm(doc, idx, target, user(docs, who), seg.version, **kw)


def unit_of(docs, doc, idx):
    source = docs.store.documents.segment(doc, idx).source
    return docs.memory.lookup(source, limit=1)[0].unit


@pytest.mark.parametrize(
    ("origin", "target", "expected"),
    [
        ("mt", MT[0], "mt-unchanged"),
        ("mt", "The ministry unveiled a new transport plan.", "mt-edited"),
        ("exact", MT[0], "match-unchanged"),
        ("exact", "The ministry announced a new plan for transport.", "match-edited"),
        ("mt", "Officials disclosed fresh mobility blueprint yesterday", "scratch"),
    ],
)
def test_a_confirmed_unit_records_how_its_english_came_to_be(desk, origin, target, expected):
    doc = drafted(desk, origin=origin)
    [seg] = confirm(desk, doc, 0, target)
    assert seg.provenance == expected
    unit = unit_of(desk, doc, 0)
    assert (unit.provenance, unit.origin, unit.author) == (expected, "human", "tom")
    assert desk.store.units.history(unit.id)[-1].provenance == expected


def test_a_match_inserted_from_the_panel_and_kept_is_a_match_unchanged(desk):
    matches = [{"target": "The ministry presented a new transport plan.", "score": 88}]
    doc = drafted(desk, matches=matches)
    [seg] = confirm(desk, doc, 0, matches[0]["target"])
    assert seg.provenance == "match-unchanged"


def test_a_sentence_without_any_draft_is_written_from_scratch(desk):
    doc = drafted(desk, origin="none", targets=["", "", ""])
    [seg] = confirm(desk, doc, 2, "He said work starts next month.")
    assert seg.provenance == "scratch"


def test_raw_mt_with_arabic_left_in_it_is_not_confirmed_without_an_override(desk):
    doc = drafted(desk, targets=["EN: أعلنت الوزارة", MT[1], MT[2]])
    before = desk.store.documents.segment(doc, 0)
    with pytest.raises(QABlocked) as e:
        confirm(desk, doc, 0, before.target)
    assert [i.code for i in e.value.issues] == ["arabic-in-target"]
    after = desk.store.documents.segment(doc, 0)
    assert (after.status, after.version) == ("draft", before.version)
    assert desk.store.units.count() == 0


def test_a_missing_number_blocks_until_overridden_and_the_override_is_recorded(desk):
    doc = drafted(desk)
    with pytest.raises(QABlocked):
        confirm(desk, doc, 1, "The minister said the plan has buses.")
    [seg] = confirm(desk, doc, 1, "The minister said the plan has buses.", override=True)
    assert seg.status == "confirmed"
    assert seg.info["override"]["by"] == "tom"
    assert seg.info["override"]["codes"] == ["number-missing"]
    unit = unit_of(desk, doc, 1)
    assert desk.store.units.history(unit.id)[-1].qa_override == ["number-missing"]


def test_a_forbidden_term_blocks_a_confirm(desk):
    desk.store.glossary.add(NewTerm("الوزارة", "ministry", forbidden=["department"]))
    doc = drafted(desk)
    with pytest.raises(QABlocked) as e:
        confirm(desk, doc, 0, "The department announced a new transport plan.")
    assert "term-forbidden" in [i.code for i in e.value.issues]


def test_warnings_that_do_not_block_let_a_confirm_through(desk):
    doc = drafted(desk)
    [seg] = confirm(desk, doc, 0, "The ministry announced a  new transport plan.")  # a double space
    assert seg.status == "confirmed"
    assert "override" not in seg.info


def test_an_empty_translation_is_never_confirmed_even_with_an_override(desk):
    doc = drafted(desk)
    with pytest.raises(TMError):
        confirm(desk, doc, 0, "   ", override=True)


def test_a_reviewer_approval_keeps_the_translators_authorship_and_origin_and_names_the_reviewer(desk):
    doc = drafted(desk)
    confirm(desk, doc, 0, "The ministry unveiled a new transport plan.")
    desk.store.documents.set_stage(doc, "in review")
    [seg] = confirm(desk, doc, 0, "The ministry unveiled a new transport plan.", who="rita", approve=True)
    assert (seg.status, seg.provenance) == ("approved", "mt-edited")
    unit = unit_of(desk, doc, 0)
    assert (unit.status, unit.reviewer, unit.author, unit.provenance) == (
        "approved",
        "rita",
        "tom",
        "mt-edited",
    )
    last = desk.store.units.history(unit.id)[-1]
    assert (last.author, last.status, last.reviewer) == ("rita", "approved", "rita")


def test_a_translator_cannot_approve(desk):
    doc = drafted(desk)
    with pytest.raises(Forbidden):
        confirm(desk, doc, 0, MT[0], approve=True)


def test_a_rejection_goes_back_to_the_translator_with_the_reason_as_a_comment(desk):
    doc = drafted(desk)
    confirm(desk, doc, 0, MT[0])
    desk.store.documents.set_stage(doc, "in review")
    seg = desk.store.documents.segment(doc, 0)
    rejected, comment = desk.reject(
        doc, 0, user(desk, "rita"), seg.version, "Say 'unveiled', as the desk does."
    )
    assert (rejected.status, rejected.rejected_by, rejected.target) == ("draft", "rita", MT[0])
    assert (comment.kind, comment.author, comment.idx) == ("rejection", "rita", 0)
    desk.store.documents.set_stage(doc, "translating")
    [fixed] = confirm(desk, doc, 0, "The ministry unveiled a new transport plan.")
    assert (fixed.status, fixed.rejected_by) == ("confirmed", None)
    assert desk.store.comments.unresolved() == {doc: 1}  # the reviewer has not seen the fix yet
    desk.store.documents.set_stage(doc, "in review")
    confirm(desk, doc, 0, "The ministry unveiled a new transport plan.", who="rita", approve=True)
    assert desk.store.comments.unresolved() == {}  # approving the fix resolves the rejection
    assert desk.store.comments.get(comment.id).resolved_by == "rita"


def test_a_rejection_needs_a_reason_and_a_reviewer(desk):
    doc = drafted(desk)
    desk.store.documents.set_stage(doc, "in review")
    seg = desk.store.documents.segment(doc, 0)
    with pytest.raises(TMError):
        desk.reject(doc, 0, user(desk, "rita"), seg.version, "  ")
    with pytest.raises(Forbidden):
        desk.reject(doc, 0, user(desk, "tom"), seg.version, "no")
    assert desk.store.comments.for_document(doc) == []


def test_someone_not_assigned_cannot_save_confirm_revert_or_restore(desk):
    doc = drafted(desk)
    tia = user(desk, "tia")
    seg = desk.store.documents.segment(doc, 0)
    change = desk.history(doc, 0)[0].id
    for attempt in (
        lambda: desk.save(doc, 0, "mine now", tia, seg.version),
        lambda: desk.confirm(doc, 0, "mine now", tia, seg.version),
        lambda: desk.revert(doc, 0, tia, seg.version),
        lambda: desk.restore(doc, 0, change, tia, seg.version),
    ):
        with pytest.raises(Forbidden):
            attempt()
    assert desk.store.documents.segment(doc, 0).version == seg.version
    assert desk.store.units.count() == 0


def test_restore_puts_an_earlier_english_back_as_a_draft(desk):
    doc = drafted(desk)
    tom = user(desk, "tom")
    v = desk.store.documents.segment(doc, 2).version
    desk.save(doc, 2, "Work begins next month.", tom, v)
    confirm(desk, doc, 2, "Work begins next month.")
    first = desk.history(doc, 2)[-1]
    assert (first.action, first.target) == ("draft", MT[2])
    seg = desk.store.documents.segment(doc, 2)
    back = desk.restore(doc, 2, first.id, tom, seg.version)
    assert (back.target, back.status) == (MT[2], "draft")
    assert desk.history(doc, 2)[0].action == "restore"


def test_a_restore_based_on_an_old_version_is_refused(desk):
    doc = drafted(desk)
    tom = user(desk, "tom")
    v = desk.store.documents.segment(doc, 2).version
    desk.save(doc, 2, "Work begins soon.", tom, v)
    with pytest.raises(StaleSegment):
        desk.restore(doc, 2, desk.history(doc, 2)[-1].id, tom, v)


OLD = "2020-01-01T00:00:00Z"  # the approved unit is older: without the preference the newest wins


def test_lookup_prefers_an_approved_unit_among_exact_matches(desk):
    source = "وقال الوزير إن الخطة تشمل 40 حافلة."
    desk.store.units.add(NewUnit(source, "Approved translation with 40.", status="approved", changed_at=OLD))
    desk.store.units.add(NewUnit(source, "Newer unreviewed translation with 40."))
    desk.memory.sync()
    assert desk.memory.lookup(source)[0].unit.target == "Approved translation with 40."


def test_lookup_prefers_an_approved_unit_among_fuzzy_matches_of_the_same_score(desk):
    desk.store.units.add(
        NewUnit("وقال الوزير إن الخطة تشمل 40 حافلة كبيرة.", "Approved.", status="approved", changed_at=OLD)
    )
    desk.store.units.add(NewUnit("وقال الوزير إن الخطة تشمل 40 حافلة صغيرة.", "Newer."))
    desk.memory.sync()
    found = desk.memory.lookup("وقال الوزير إن الخطة تشمل 40 حافلة جديدة.")
    assert [m.score for m in found[:2]] == [found[0].score] * 2
    assert found[0].unit.target == "Approved."


@pytest.mark.parametrize("spacing", [" ", "  ", "\u00a0"])
def test_spacing_alone_is_no_edit_of_the_mt(desk, spacing):
    doc = drafted(desk)
    [seg] = confirm(desk, doc, 0, MT[0].replace(" ", spacing, 1) + spacing)
    assert seg.provenance == "mt-unchanged"


@pytest.mark.parametrize(
    ("target", "expected"),
    [(MT[0], "mt-unchanged"), ("The ministry unveiled a new transport plan.", "mt-edited")],
)
def test_raw_mt_reused_from_the_memory_stays_mt(desk, target, expected):
    unit = desk.store.units.add(NewUnit(ARTICLE.split("\n")[0], MT[0], provenance="mt-unchanged"))
    match = {"target": MT[0], "unit_id": unit.id, "provenance": "mt-unchanged", "score": 100}
    doc = drafted(desk, origin="exact", matches=[match])
    with desk.store.transaction():
        desk.store.db.execute("UPDATE segments SET unit_id=? WHERE document_id=? AND idx=0", (unit.id, doc))
    [seg] = confirm(desk, doc, 0, target)
    assert seg.provenance == expected
    assert desk.store.units.get(unit.id).provenance == expected


def test_a_confirm_fills_only_repetitions_that_still_hold_their_draft(desk):
    text = "تبدأ القمة غدا.\n\nوقال الوزير إن الخطة تشمل 40 حافلة.\n\nتبدأ القمة غدا.\n\nتبدأ القمة غدا."
    doc = desk.create("Repeats", text, "ada", translator="tom", reviewer="rita")
    desk.store.documents.set_drafts(
        doc,
        [
            {"idx": i, "target": f"Draft {i}.", "origin": "mt", "score": None, "unit_id": None,
             "mt_draft": f"Draft {i}.", "repeat_of": None, "info": {}}
            for i in range(4)
        ],
    )  # fmt: skip
    tom = user(desk, "tom")
    desk.save(doc, 2, "Tom's own words for the summit.", tom, desk.store.documents.segment(doc, 2).version)
    seg3 = desk.store.documents.segment(doc, 3)
    desk.store.documents.save_segment(
        doc, 3, target=seg3.target, status="draft", user="rita", rejected_by="rita"
    )
    changed = confirm(desk, doc, 0, "The summit starts tomorrow.")
    assert [s.idx for s in changed] == [0]
    assert desk.store.documents.segment(doc, 2).target == "Tom's own words for the summit."
    assert desk.store.documents.segment(doc, 3).rejected_by == "rita"


def test_a_unit_confirmed_over_qa_says_so_in_its_matches_until_confirmed_cleanly(desk):
    doc = drafted(desk)
    confirm(desk, doc, 1, "The minister said the plan has buses.", override=True)
    source = desk.store.documents.segment(doc, 1).source
    [match] = desk.memory.lookup(source, limit=1)
    assert match.to_json()["qa_override"] == ["number-missing"]
    confirm(desk, doc, 1, "The minister said the plan has 40 buses.")
    [match] = desk.memory.lookup(source, limit=1)
    assert match.to_json()["qa_override"] is None
    assert match.unit.meta == {"document": "خطة النقل"}
