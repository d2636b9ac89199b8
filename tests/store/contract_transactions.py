"""The contract of `store.transaction()` across parts, and of the store itself."""

from __future__ import annotations

import pytest

from tm.errors import StaleUnit
from tm.lang import normalize
from tm.store.records import NewTerm

from .contract_common import Boom, unit


def add_document(store):
    return store.documents.add(
        "مؤتمر صحفي",
        "sara",
        {"paragraphs": [[0, 1]]},
        9,
        [(0, "عقد الوزير مؤتمراً صحفياً."), (0, "وأجاب عن أسئلة الصحفيين.")],
    )


class TransactionsContract:
    def test_a_failed_transaction_rolls_back_every_change(self, store):
        u = store.units.add(unit())
        with pytest.raises(Boom), store.transaction():
            store.units.update(u.id, author=None, target="changed")
            store.units.add(unit("جملة جديدة"))
            raise Boom()
        assert store.units.get(u.id).target == unit().target
        assert store.units.count() == 1
        assert len(store.units.history(u.id)) == 1

    def test_a_failed_transaction_rolls_back_a_unit_a_segment_and_a_job_together(self, store):
        doc_id = add_document(store)
        before = store.documents.segment(doc_id, 0)
        with pytest.raises(Boom), store.transaction():
            store.units.add(unit("عقد الوزير مؤتمراً صحفياً.", "The minister held a news conference."))
            store.documents.save_segment(
                doc_id, 0, target="The minister held a news conference.", status="confirmed", user="sara"
            )
            store.jobs.submit("pretranslate", "sara", {"document": doc_id})
            store.glossary.add(NewTerm("مؤتمر صحفي", "news conference"))
            raise Boom()
        assert store.units.count() == 0
        assert store.documents.segment(doc_id, 0) == before
        assert store.jobs.pending(["pretranslate"]) == 0 and store.jobs.claim("w", ["pretranslate"]) is None
        assert store.glossary.all() == []

    def test_a_transaction_that_ends_well_keeps_every_part(self, store):
        doc_id = add_document(store)
        with store.transaction():
            u = store.units.add(unit("عقد الوزير مؤتمراً صحفياً.", "The minister held a news conference."))
            store.documents.save_segment(doc_id, 0, target=u.target, status="confirmed", user="sara")
            job = store.jobs.submit("pretranslate", "sara", {"document": doc_id})
        assert store.units.get(u.id).target == u.target
        assert store.documents.segment(doc_id, 0).status == "confirmed"
        assert store.jobs.get(job.id).state == "queued"

    def test_an_inner_failure_caught_by_the_caller_rolls_back_only_the_inner_part(self, store):
        doc_id = add_document(store)
        with store.transaction():
            kept = store.units.add(unit("عقد الوزير مؤتمراً صحفياً.", "The minister held a news conference."))
            try:
                with store.transaction():
                    store.units.add(unit("وأجاب عن أسئلة الصحفيين.", "He answered reporters' questions."))
                    store.documents.save_segment(
                        doc_id, 1, target="He answered questions.", status="confirmed", user="sara"
                    )
                    store.jobs.submit("pretranslate", "sara", {"document": doc_id})
                    raise Boom()
            except Boom:
                pass
            store.documents.save_segment(doc_id, 0, target=kept.target, status="confirmed", user="sara")
        assert [u.id for u in store.units.iter_units()] == [kept.id]
        assert store.units.find_source(normalize("وأجاب عن أسئلة الصحفيين.")) == []
        assert [(s.status, s.version) for s in store.documents.segments(doc_id)] == [
            ("confirmed", 2),
            ("draft", 1),
        ]
        assert store.jobs.pending(["pretranslate"]) == 0

    def test_a_refused_change_inside_a_transaction_leaves_the_rest_of_it_alone(self, store):
        u = store.units.add(unit())
        store.units.update(u.id, author="omar", target="The president said growth continues.")
        with store.transaction():
            other = store.units.add(unit("انخفض معدل البطالة.", "Unemployment fell."))
            with pytest.raises(StaleUnit):
                store.units.update(u.id, author="sara", expected_version=1, target="too late")
            store.units.update(other.id, author="sara", target="The unemployment rate fell.")
        assert store.units.get(u.id).version == 2
        assert store.units.get(other.id).target == "The unemployment rate fell."

    def test_an_outer_failure_undoes_an_inner_transaction_that_ended_well(self, store):
        with pytest.raises(Boom), store.transaction():
            with store.transaction():
                store.units.add(unit())
                store.jobs.submit("import", "omar", {})
            raise Boom()
        assert store.units.count() == 0
        assert store.jobs.pending(["import"]) == 0

    def test_the_store_tells_its_identity_schema_and_location(self, store):
        assert store.memory_id() == store.memory_id() != ""
        assert isinstance(store.schema_version(), int) and store.schema_version() > 0
        assert isinstance(store.location, str) and store.location
        assert isinstance(store.engine, str) and store.engine

    def test_memory_id_is_stable(self, store):
        assert store.memory_id() == store.memory_id() != ""
