"""The contract of review and honest origins: unit status, reviewer and provenance, and segment history."""

from __future__ import annotations

import pytest

from tm.errors import NotFound

from .contract_common import unit
from .contract_documents import add_article, draft


class ReviewContract:
    def test_a_unit_keeps_its_status_reviewer_and_provenance(self, store):
        added = store.units.add(unit(status="approved", reviewer="rita", provenance="mt-edited"))
        got = store.units.get(added.id)
        assert (got.status, got.reviewer, got.provenance) == ("approved", "rita", "mt-edited")

    def test_units_start_confirmed_with_no_reviewer_and_unknown_provenance(self, store):
        got = store.units.get(store.units.add(unit()).id)
        assert (got.status, got.reviewer, got.provenance) == ("confirmed", None, None)

    @pytest.mark.parametrize(
        "fields", [{"status": "rejected"}, {"provenance": "guess"}], ids=["status", "provenance"]
    )
    def test_a_status_or_provenance_outside_the_vocabulary_is_refused(self, store, fields):
        with pytest.raises(ValueError):
            store.units.add(unit(**fields))
        u = store.units.add(unit())
        with pytest.raises(ValueError):
            store.units.update(u.id, author="x", **fields)
        assert store.units.get(u.id).version == 1

    def test_an_approval_is_recorded_in_the_unit_and_its_history_with_who_made_it(self, store):
        u = store.units.add(unit(author="tom", provenance="mt-edited"))
        store.units.update(u.id, author=None, status="approved", reviewer="rita", changed_by="rita")
        got = store.units.get(u.id)
        assert (got.author, got.status, got.reviewer, got.provenance) == (
            "tom",
            "approved",
            "rita",
            "mt-edited",
        )
        last = store.units.history(u.id)[-1]
        assert (last.author, last.status, last.reviewer, last.provenance, last.qa_override) == (
            "rita",
            "approved",
            "rita",
            "mt-edited",
            None,
        )

    def test_an_override_of_blocking_qa_is_recorded_in_that_change_only(self, store):
        u = store.units.add(unit(qa_override=["number-missing"], author="tom"))
        store.units.update(u.id, author="tom", target="Changed.", qa_override=["arabic-in-target"])
        store.units.update(u.id, author="tom", target="Changed again.")
        assert [h.qa_override for h in store.units.history(u.id)] == [
            ["number-missing"],
            ["arabic-in-target"],
            None,
        ]

    def test_a_segment_change_goes_into_its_history_newest_first(self, store):
        doc = add_article(store)
        store.documents.set_drafts(doc, [draft(0, "Draft one.")])
        store.documents.save_segment(doc, 0, target="Edited.", status="draft", user="tom")
        store.documents.save_segment(
            doc, 0, target="Edited.", status="confirmed", user="tom", action="confirm"
        )
        changes = store.documents.history(doc, 0)
        assert [(c.action, c.target, c.status, c.author) for c in changes] == [
            ("confirm", "Edited.", "confirmed", "tom"),
            ("save", "Edited.", "draft", "tom"),
            ("draft", "Draft one.", "draft", None),
        ]
        assert changes[0].version == store.documents.segment(doc, 0).version

    def test_a_run_of_autosaves_by_one_person_is_one_history_entry(self, store):
        doc = add_article(store)
        for text in ("T", "Th", "The"):
            store.documents.save_segment(doc, 1, target=text, status="draft", user="tom")
        store.documents.save_segment(doc, 1, target="The end", status="draft", user="tia")
        changes = store.documents.history(doc, 1)
        assert [(c.author, c.target) for c in changes] == [("tia", "The end"), ("tom", "The")]

    def test_the_history_of_a_missing_segment_is_not_found(self, store):
        doc = add_article(store)
        with pytest.raises(NotFound):
            store.documents.history(doc, 99)

    def test_a_segment_keeps_provenance_and_who_rejected_it_until_changed(self, store):
        doc = add_article(store)
        s = store.documents.save_segment(
            doc, 2, target="Done.", status="confirmed", user="tom", provenance="scratch", action="confirm"
        )
        assert (s.provenance, s.rejected_by) == ("scratch", None)
        s = store.documents.save_segment(
            doc, 2, target="Done.", status="draft", user="rita", rejected_by="rita"
        )
        assert (s.provenance, s.rejected_by) == ("scratch", "rita")
        s = store.documents.save_segment(doc, 2, target="Done!", status="draft", user="tom")
        assert s.rejected_by == "rita"  # a save keeps the mark; the confirm that fixes it clears it
        s = store.documents.save_segment(
            doc, 2, target="Done!", status="confirmed", user="tom", rejected_by=None, provenance="mt-edited"
        )
        assert (s.provenance, s.rejected_by) == ("mt-edited", None)

    def test_deleting_a_document_deletes_its_segment_history(self, store):
        doc = add_article(store)
        store.documents.save_segment(doc, 0, target="x", status="draft", user="tom")
        store.documents.delete(doc)
        other = add_article(store)
        assert [c.target for c in store.documents.history(other, 0)] == []
