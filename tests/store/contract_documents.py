"""The contract of `store.documents`: the editor's documents and their segments."""

from __future__ import annotations

import pytest

from tm.errors import NotFound, StaleSegment, StaleUnit
from tm.store.records import SourceFile

from .contract_common import unit

# An article: (paragraph, source). Sentences 1, 3 and 4 are one sentence written three ways
# (plain, with diacritics and shadda, with a bare alef); 5 differs by one word.
ARTICLE = [
    (0, "أعلنت وزارة الصحة اليوم تسجيل إصابات جديدة."),
    (0, "وقالت الوزارة إن الوضع تحت السيطرة."),
    (1, "وطالبت المواطنين بالالتزام بالتعليمات."),
    (1, "وقالَت الوزارةُ إنّ الوضعَ تحتَ السَّيطرة."),
    (2, "وقالت الوزارة ان الوضع تحت السيطره."),
    (2, "وقالت الوزارة إن الوضع ليس تحت السيطرة."),
]
LAYOUT = {"paragraphs": [[0, 1], [2, 3], [4, 5]], "separators": ["\n\n", "\n\n"], "title": "بيان وزارة الصحة"}


def add_article(store, title="بيان وزارة الصحة", owner="sara", sources=ARTICLE):
    return store.documents.add(title, owner, LAYOUT, 38, list(sources))


def draft(idx, target, **kw):
    """Return one pre-translation result as the pipeline hands it to set_drafts."""
    return {
        "idx": idx,
        "target": target,
        "origin": kw.get("origin", "mt"),
        "score": kw.get("score"),
        "unit_id": kw.get("unit_id"),
        "mt_draft": kw.get("mt_draft", target),
        "repeat_of": kw.get("repeat_of"),
        "info": kw.get("info", {}),
    }


class DocumentsContract:
    def test_a_document_from_a_file_keeps_its_format_and_the_file_byte_for_byte(self, store):
        data = bytes(range(256)) * 3  # any bytes: a DOCX is a zip
        doc_id = store.documents.add(
            "قصة", "sara", LAYOUT, 3, [(0, "جملة.")], format="docx", file=SourceFile("قصة.docx", data)
        )
        assert store.documents.get(doc_id).format == "docx"
        assert store.documents.get(doc_id, layout=False).format == "docx"
        assert store.documents.file(doc_id) == SourceFile("قصة.docx", data)
        pasted = add_article(store)
        assert store.documents.get(pasted).format == "text" and store.documents.file(pasted) is None
        store.documents.delete(doc_id)
        with pytest.raises(NotFound):
            store.documents.file(doc_id)

    def test_a_new_document_is_translating_with_its_segments(self, store):
        doc_id = add_article(store)
        doc = store.documents.get(doc_id)
        assert (doc.id, doc.title, doc.owner, doc.layout, doc.words) == (
            doc_id,
            "بيان وزارة الصحة",
            "sara",
            LAYOUT,
            38,
        )
        assert (doc.status, doc.progress, doc.total, doc.note, doc.job_id) == (
            "translating",
            0,
            6,
            None,
            None,
        )
        assert doc.created_at.endswith("Z")

    def test_a_missing_document_raises_not_found(self, store):
        with pytest.raises(NotFound):
            store.documents.get(4242)

    def test_get_without_the_layout_returns_the_same_document_otherwise(self, store):
        doc_id = add_article(store)
        store.documents.set_state(doc_id, status="ready", progress=6, note="جاهز")
        full, light = store.documents.get(doc_id), store.documents.get(doc_id, layout=False)
        assert full.layout == LAYOUT
        assert {**light.__dict__, "layout": None} == {**full.__dict__, "layout": None}
        with pytest.raises(NotFound):
            store.documents.get(4242, layout=False)

    def test_segments_come_in_order_with_paragraph_and_original_source(self, store):
        doc_id = add_article(store)
        segs = store.documents.segments(doc_id)
        assert [(s.document_id, s.idx, s.paragraph, s.source) for s in segs] == [
            (doc_id, i, p, src) for i, (p, src) in enumerate(ARTICLE)
        ]
        first = segs[0]
        assert (first.target, first.draft, first.status, first.version, first.changed_by) == (
            "",
            "",
            "draft",
            1,
            None,
        )
        assert store.documents.segment(doc_id, 3) == segs[3]

    def test_a_missing_segment_raises_not_found(self, store):
        doc_id = add_article(store)
        with pytest.raises(NotFound):
            store.documents.segment(doc_id, len(ARTICLE))
        with pytest.raises(NotFound):
            store.documents.segment(4242, 0)
        assert store.documents.segments(4242) == []

    def test_all_lists_documents_newest_first_with_counts_by_status(self, store):
        first = add_article(store, "الخبر الأول")
        second = add_article(store, "الخبر الثاني", owner="omar", sources=ARTICLE[:2])
        empty = add_article(store, "خبر بلا جمل", sources=[])
        store.documents.save_segment(
            first, 0, target="The ministry announced new cases.", status="confirmed", user="sara"
        )
        store.documents.save_segment(
            first, 2, target="It urged citizens to follow the rules.", status="approved", user="lina"
        )
        listed = store.documents.all()
        assert [d.id for d, _ in listed] == [empty, second, first]
        counts = {d.id: c for d, c in listed}
        assert counts == {first: {"draft": 4, "confirmed": 1, "approved": 1}, second: {"draft": 2}, empty: {}}
        row, got = listed[1][0], store.documents.get(second)  # the list may leave the layout out
        assert (row.title, row.owner, row.words, row.status, row.total) == (
            got.title,
            "omar",
            38,
            "translating",
            2,
        )

    def test_set_state_records_status_progress_note_and_job_and_none_leaves_a_field_alone(self, store):
        doc_id = add_article(store)
        job = store.jobs.submit("pretranslate", "sara", {"document": doc_id}, total=6)
        store.documents.set_state(doc_id, progress=3, job_id=job.id)
        doc = store.documents.get(doc_id)
        assert (doc.status, doc.progress, doc.note, doc.job_id) == ("translating", 3, None, job.id)
        store.documents.set_state(doc_id, status="ready", progress=6, note="تعذر تحميل نموذج الترجمة")
        doc = store.documents.get(doc_id)
        assert (doc.status, doc.progress, doc.note, doc.job_id) == (
            "ready",
            6,
            "تعذر تحميل نموذج الترجمة",
            job.id,
        )
        store.documents.set_state(doc_id, status="failed")
        assert store.documents.get(doc_id).status == "failed"

    def test_set_state_refuses_an_unknown_status_and_changes_nothing(self, store):
        doc_id = add_article(store)
        with pytest.raises(ValueError):
            store.documents.set_state(doc_id, status="finished", progress=6)
        doc = store.documents.get(doc_id)
        assert (doc.status, doc.progress) == ("translating", 0)

    def test_neighbours_are_the_segments_before_and_after(self, store):
        doc_id = add_article(store)
        segs = store.documents.segments(doc_id)
        assert store.documents.neighbours(doc_id, 2) == (segs[1], segs[2], segs[3])
        assert store.documents.neighbours(doc_id, 0) == (None, segs[0], segs[1])
        assert store.documents.neighbours(doc_id, 5) == (segs[4], segs[5], None)
        one = add_article(store, sources=ARTICLE[:1])
        assert store.documents.neighbours(one, 0) == (None, store.documents.segment(one, 0), None)

    @pytest.mark.parametrize("idx", [-1, 6, 100])
    def test_neighbours_of_a_missing_segment_raise_not_found(self, store, idx):
        doc_id = add_article(store)
        with pytest.raises(NotFound):
            store.documents.neighbours(doc_id, idx)

    def test_repetitions_are_the_other_segments_with_the_same_normalized_source(self, store):
        doc_id = add_article(store)
        assert [s.idx for s in store.documents.repetitions(doc_id, 1)] == [3, 4]
        assert [s.idx for s in store.documents.repetitions(doc_id, 4)] == [1, 3]
        assert store.documents.repetitions(doc_id, 5) == []
        assert store.documents.repetitions(doc_id, 0) == []

    def test_repetitions_can_be_filtered_by_status(self, store):
        doc_id = add_article(store)
        store.documents.save_segment(
            doc_id,
            3,
            target="The ministry said the situation is under control.",
            status="confirmed",
            user="sara",
        )
        assert [s.idx for s in store.documents.repetitions(doc_id, 1, status="draft")] == [4]
        assert [s.idx for s in store.documents.repetitions(doc_id, 1, status="confirmed")] == [3]
        assert store.documents.repetitions(doc_id, 1, status="approved") == []

    def test_repetitions_stay_inside_their_document(self, store):
        doc_id = add_article(store)
        add_article(store, "نسخة أخرى")
        assert [s.document_id for s in store.documents.repetitions(doc_id, 1)] == [doc_id, doc_id]

    def test_set_drafts_stores_each_pre_translation_result(self, store):
        doc_id = add_article(store)
        u = store.units.add(unit(ARTICLE[1][1], "The ministry said the situation is under control."))
        info = {"matches": [{"score": 100, "source": "وقالت الوزارة"}], "qa": [], "terms": []}
        store.documents.set_drafts(
            doc_id,
            [
                draft(0, "The Health Ministry announced new cases today.", info={"qa": ["number"]}),
                draft(1, u.target, origin="exact", score=100, unit_id=u.id, mt_draft=None, info=info),
                draft(3, u.target, origin="exact", score=100, unit_id=u.id, mt_draft=None, repeat_of=1),
            ],
        )
        s0, s1, s2, s3 = store.documents.segments(doc_id)[:4]
        assert (s0.target, s0.draft, s0.origin, s0.score, s0.mt_draft, s0.info) == (
            "The Health Ministry announced new cases today.",
            "The Health Ministry announced new cases today.",
            "mt",
            None,
            "The Health Ministry announced new cases today.",
            {"qa": ["number"]},
        )
        assert (s1.target, s1.origin, s1.score, s1.unit_id, s1.mt_draft, s1.info) == (
            u.target,
            "exact",
            100,
            u.id,
            None,
            info,
        )
        assert (s3.repeat_of, s3.unit_id) == (1, u.id)
        assert (s2.target, s2.status) == ("", "draft")
        assert (s0.status, s0.version) == ("draft", 1)

    def test_drafting_again_never_overwrites_what_a_person_saved(self, store):
        doc_id = add_article(store)
        store.documents.set_drafts(doc_id, [draft(0, "First draft."), draft(1, "Second draft.")])
        store.documents.save_segment(
            doc_id, 0, target="The Health Ministry reported new cases.", status="confirmed", user="sara"
        )
        store.documents.set_drafts(doc_id, [draft(0, "A newer draft."), draft(1, "A newer second draft.")])
        kept, redrafted = store.documents.segments(doc_id)[:2]
        assert (kept.target, kept.status, kept.version, kept.changed_by) == (
            "The Health Ministry reported new cases.",
            "confirmed",
            2,
            "sara",
        )
        assert (kept.draft, kept.mt_draft) == ("A newer draft.", "A newer draft.")
        assert (redrafted.target, redrafted.draft) == ("A newer second draft.", "A newer second draft.")

    def test_save_segment_stores_the_target_and_bumps_the_version(self, store):
        doc_id = add_article(store)
        store.documents.set_drafts(doc_id, [draft(0, "Ministry announces new cases.", info={"qa": []})])
        saved = store.documents.save_segment(
            doc_id,
            0,
            target="The Health Ministry reported new cases today.",
            status="confirmed",
            user="sara",
            expected_version=1,
        )
        assert (saved.target, saved.status, saved.version, saved.changed_by) == (
            "The Health Ministry reported new cases today.",
            "confirmed",
            2,
            "sara",
        )
        assert saved.draft == "Ministry announces new cases." and saved.info == {"qa": []}
        assert saved.changed_at.endswith("Z")
        assert store.documents.segment(doc_id, 0) == saved
        again = store.documents.save_segment(
            doc_id,
            0,
            target=saved.target,
            status="approved",
            user="lina",
            expected_version=2,
            info={"qa": ["ok"]},
        )
        assert (again.version, again.status, again.changed_by, again.info) == (
            3,
            "approved",
            "lina",
            {"qa": ["ok"]},
        )
        assert store.documents.segment(doc_id, 1).version == 1

    def test_a_stale_save_is_refused_and_changes_nothing(self, store):
        doc_id = add_article(store)
        store.documents.save_segment(
            doc_id, 2, target="Citizens were urged to follow the rules.", status="draft", user="sara"
        )
        before = store.documents.segment(doc_id, 2)
        with pytest.raises(StaleUnit) as err:
            store.documents.save_segment(
                doc_id, 2, target="too late", status="confirmed", user="omar", expected_version=1
            )
        assert isinstance(err.value, StaleSegment)
        assert (err.value.expected, err.value.actual) == (1, 2)
        assert store.documents.segment(doc_id, 2) == before

    def test_a_save_with_an_unknown_status_is_refused_and_changes_nothing(self, store):
        doc_id = add_article(store)
        with pytest.raises(ValueError):
            store.documents.save_segment(doc_id, 0, target="Done.", status="done", user="sara")
        assert store.documents.segment(doc_id, 0).version == 1

    def test_a_save_of_a_missing_segment_raises_not_found(self, store):
        doc_id = add_article(store)
        with pytest.raises(NotFound):
            store.documents.save_segment(doc_id, 99, target="Nothing.", status="draft", user="sara")

    def test_delete_removes_the_document_and_its_segments(self, store):
        doc_id = add_article(store)
        other = add_article(store, "خبر آخر")
        store.documents.delete(doc_id)
        with pytest.raises(NotFound):
            store.documents.get(doc_id)
        with pytest.raises(NotFound):
            store.documents.segment(doc_id, 0)
        assert store.documents.segments(doc_id) == []
        assert [d.id for d, _ in store.documents.all()] == [other]
        assert len(store.documents.segments(other)) == len(ARTICLE)
        with pytest.raises(NotFound):
            store.documents.delete(doc_id)

    # -- the desk's workflow: assignment, deadline, priority, stage ---------------------

    def test_a_new_document_is_new_unassigned_and_of_normal_priority(self, store):
        doc = store.documents.get(add_article(store))
        assert (doc.stage, doc.translator, doc.reviewer, doc.deadline, doc.priority) == (
            "new",
            None,
            None,
            None,
            "normal",
        )

    def test_a_document_keeps_its_assignment_from_creation(self, store):
        doc_id = store.documents.add(
            "خبر", "sara", LAYOUT, 38, list(ARTICLE),
            translator="omar", reviewer="rana", deadline="2026-12-31", priority="urgent",
        )  # fmt: skip
        doc = store.documents.get(doc_id, layout=False)
        assert (doc.translator, doc.reviewer, doc.deadline, doc.priority) == (
            "omar",
            "rana",
            "2026-12-31",
            "urgent",
        )
        [(listed, _)] = store.documents.all()
        assert (listed.translator, listed.reviewer, listed.deadline, listed.priority, listed.stage) == (
            "omar",
            "rana",
            "2026-12-31",
            "urgent",
            "new",
        )

    def test_assign_changes_translator_reviewer_deadline_and_priority(self, store):
        doc_id = add_article(store)
        store.documents.assign(
            doc_id, translator="omar", reviewer="rana", deadline="2027-01-02", priority="high"
        )
        doc = store.documents.get(doc_id)
        assert (doc.translator, doc.reviewer, doc.deadline, doc.priority) == (
            "omar",
            "rana",
            "2027-01-02",
            "high",
        )
        store.documents.assign(doc_id, translator=None, reviewer=None, deadline=None, priority="normal")
        doc = store.documents.get(doc_id)
        assert (doc.translator, doc.reviewer, doc.deadline, doc.priority) == (None, None, None, "normal")
        assert doc.status == "translating"  # the drafting state is a separate thing

    def test_an_unknown_priority_is_refused_and_changes_nothing(self, store):
        doc_id = add_article(store)
        with pytest.raises(ValueError):
            store.documents.assign(doc_id, translator="omar", reviewer=None, deadline=None, priority="asap")
        with pytest.raises(ValueError):
            store.documents.add("خبر", "sara", LAYOUT, 38, list(ARTICLE), priority="asap")
        assert store.documents.get(doc_id).translator is None
        assert len(store.documents.all()) == 1

    def test_assigning_a_missing_document_raises_not_found(self, store):
        with pytest.raises(NotFound):
            store.documents.assign(99, translator=None, reviewer=None, deadline=None, priority="normal")
        with pytest.raises(NotFound):
            store.documents.set_stage(99, "done")

    def test_set_stage_moves_only_from_the_expected_stage(self, store):
        doc_id = add_article(store)
        assert store.documents.set_stage(doc_id, "translating", expected="new") is True
        assert store.documents.set_stage(doc_id, "done", expected="new") is False  # someone moved it first
        assert store.documents.get(doc_id).stage == "translating"
        assert store.documents.set_stage(doc_id, "in review") is True
        assert store.documents.get(doc_id).stage == "in review"

    def test_an_unknown_stage_is_refused(self, store):
        doc_id = add_article(store)
        with pytest.raises(ValueError):
            store.documents.set_stage(doc_id, "ready")
        assert store.documents.get(doc_id).stage == "new"
