"""The contract of `store.timing` (active editing time) and of `store.documents.confirmations`.

Both feed the post-editing report (tm/pe_report.py): who confirmed which sentence when, and
how long people actively edited it.
"""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager

import pytest

from tm.errors import NotFound

from .contract_documents import add_article, draft


def confirm(
    store, doc_id, idx, target, user, *, action="confirm", status="confirmed", provenance="mt-edited"
):
    return store.documents.save_segment(
        doc_id, idx, target=target, status=status, user=user, action=action, provenance=provenance
    )


@contextmanager
def clock(store, at):
    """Make the store's documents part write the time `at` (every engine takes it from records.now)."""
    module = sys.modules[type(store.documents).__module__]
    real = module.now
    module.now = lambda: at
    try:
        yield
    finally:
        module.now = real


class TimingContract:
    # -- store.timing ------------------------------------------------------------

    def test_time_adds_up_per_segment_person_and_day(self, store):
        doc_id = add_article(store)
        assert store.timing.add(doc_id, 0, "tom", 1500, "2026-03-02") == 1500
        assert store.timing.add(doc_id, 0, "tom", 2500, "2026-03-02") == 4000
        assert store.timing.add(doc_id, 0, "tom", 700, "2026-03-03") == 700
        store.timing.add(doc_id, 0, "rita", 900, "2026-03-03")
        store.timing.add(doc_id, 3, "tom", 10, "2026-03-03")
        assert store.timing.totals() == {
            (doc_id, 0, "tom"): 4700,
            (doc_id, 0, "rita"): 900,
            (doc_id, 3, "tom"): 10,
        }

    def test_totals_are_filtered_by_document_author_and_days_both_included(self, store):
        a, b = add_article(store), add_article(store, title="other")
        for doc_id, idx, who, ms, day in (
            (a, 0, "tom", 1000, "2026-03-01"),
            (a, 0, "tom", 2000, "2026-03-02"),
            (a, 1, "tom", 4000, "2026-03-03"),
            (a, 1, "tia", 8000, "2026-03-02"),
            (b, 0, "tom", 16000, "2026-03-02"),
        ):
            store.timing.add(doc_id, idx, who, ms, day)
        assert store.timing.totals(document=a, author="tom") == {(a, 0, "tom"): 3000, (a, 1, "tom"): 4000}
        assert store.timing.totals(since="2026-03-02", until="2026-03-02") == {
            (a, 0, "tom"): 2000,
            (a, 1, "tia"): 8000,
            (b, 0, "tom"): 16000,
        }
        assert store.timing.totals(author="tom", since="2026-03-03") == {(a, 1, "tom"): 4000}
        assert store.timing.totals(until="2026-03-01") == {(a, 0, "tom"): 1000}
        assert store.timing.totals(document=b, author="tia") == {}

    def test_time_on_a_segment_that_is_not_there_is_refused(self, store):
        doc_id = add_article(store)
        with pytest.raises(NotFound):
            store.timing.add(doc_id, 99, "tom", 1000, "2026-03-02")
        with pytest.raises(NotFound):
            store.timing.add(doc_id + 1, 0, "tom", 1000, "2026-03-02")
        assert store.timing.totals() == {}

    @pytest.mark.parametrize(("ms", "day"), [(-1, "2026-03-02"), (1.5, "2026-03-02"), (True, "2026-03-02"),
                                             (10, "2026-13-45"), (10, "2026-3-2"), (10, "yesterday")])  # fmt: skip
    def test_a_negative_time_or_a_day_that_is_not_one_is_refused(self, store, ms, day):
        doc_id = add_article(store)
        with pytest.raises(ValueError):
            store.timing.add(doc_id, 0, "tom", ms, day)
        assert store.timing.totals() == {}

    def test_reports_sent_at_once_all_count(self, store):
        doc_id = add_article(store)
        errors = []

        def report():
            try:
                for _ in range(20):
                    store.timing.add(doc_id, 0, "tom", 5, "2026-03-02")
            except Exception as e:  # pragma: no cover - the assertion below shows it
                errors.append(e)

        threads = [threading.Thread(target=report) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert store.timing.totals() == {(doc_id, 0, "tom"): 400}

    def test_time_goes_with_its_document(self, store):
        doc_id = add_article(store)
        store.timing.add(doc_id, 0, "tom", 1000, "2026-03-02")
        store.documents.delete(doc_id)
        assert store.timing.totals() == {}

    # -- store.documents.confirmations -------------------------------------------

    def test_confirmations_pair_each_confirmed_segment_with_its_newest_confirm(self, store):
        doc_id = add_article(store)
        store.documents.set_drafts(doc_id, [draft(i, f"draft {i}") for i in range(6)])
        confirm(store, doc_id, 0, "first try", "tom")
        store.documents.save_segment(doc_id, 0, target="second try", status="draft", user="tom")
        confirm(store, doc_id, 0, "second try", "tia")
        confirm(store, doc_id, 2, "two", "tom", provenance="mt-unchanged")
        # a draft saved but never confirmed, and one confirmed then sent back, are not in it
        store.documents.save_segment(doc_id, 3, target="typing", status="draft", user="tom")
        confirm(store, doc_id, 4, "four", "tom")
        store.documents.save_segment(doc_id, 4, target="four", status="draft", user="rita", action="reject")

        found = store.documents.confirmations()
        assert [(s.idx, s.target, s.provenance, c.action, c.author) for s, c in found] == [
            (0, "second try", "mt-edited", "confirm", "tia"),
            (2, "two", "mt-unchanged", "confirm", "tom"),
        ]
        seg, change = found[0]
        assert seg == store.documents.segment(doc_id, 0)
        assert change == store.documents.history(doc_id, 0)[0]
        assert (change.document_id, change.idx, change.target) == (doc_id, 0, "second try")
        assert change.at.endswith("Z")

    def test_a_reviewers_sign_off_leaves_the_translator_who_confirmed(self, store):
        doc_id = add_article(store)
        store.documents.set_drafts(doc_id, [draft(i, f"draft {i}") for i in range(6)])
        confirm(store, doc_id, 0, "tom's English", "tom")
        confirm(store, doc_id, 0, "tom's English", "rita", action="approve", status="approved")
        # approved without any confirm: the approval is the confirming entry
        confirm(store, doc_id, 1, "ada's English", "ada", action="approve", status="approved")
        found = store.documents.confirmations()
        assert [(s.idx, s.status, c.action, c.author) for s, c in found] == [
            (0, "approved", "confirm", "tom"),
            (1, "approved", "approve", "ada"),
        ]

    def test_confirmations_are_filtered_by_document_author_and_day(self, store):
        a, b = add_article(store), add_article(store, title="other")
        for doc_id in (a, b):
            store.documents.set_drafts(doc_id, [draft(i, f"draft {i}") for i in range(6)])
        for doc_id, idx, who, day in (
            (a, 0, "tom", "2026-03-01"),
            (a, 1, "tom", "2026-03-02"),
            (a, 2, "tia", "2026-03-02"),
            (b, 0, "tom", "2026-03-03"),
        ):
            with clock(store, f"{day}T10:00:00Z"):
                confirm(store, doc_id, idx, f"english {idx}", who)

        def keys(**kw):
            return [(s.document_id, s.idx) for s, _ in store.documents.confirmations(**kw)]

        assert keys() == [(a, 0), (a, 1), (a, 2), (b, 0)]
        assert keys(document=b) == [(b, 0)]
        assert keys(author="tom") == [(a, 0), (a, 1), (b, 0)]
        assert keys(since="2026-03-02", until="2026-03-02") == [(a, 1), (a, 2)]
        assert keys(since="2026-03-02") == [(a, 1), (a, 2), (b, 0)]
        assert keys(until="2026-03-01") == [(a, 0)]
        assert keys(document=a, author="tia", since="2026-03-01", until="2026-03-31") == [(a, 2)]
        assert keys(since="2026-04-01") == []

    def test_a_confirm_late_in_the_last_day_is_in_the_range(self, store):
        doc_id = add_article(store)
        store.documents.set_drafts(doc_id, [draft(i, f"draft {i}") for i in range(6)])
        with clock(store, "2026-03-02T23:59:59Z"):
            confirm(store, doc_id, 0, "english", "tom")
        assert len(store.documents.confirmations(until="2026-03-02")) == 1
        assert len(store.documents.confirmations(since="2026-03-03")) == 0
        assert len(store.documents.confirmations(until="2026-03-01")) == 0

    @pytest.mark.parametrize("bad", ["2026-13-45", "2026-02-30", "03/02/2026", "2026-3-2"])
    def test_confirmations_refuse_a_day_that_is_not_one(self, store, bad):
        with pytest.raises(ValueError):
            store.documents.confirmations(since=bad)
        with pytest.raises(ValueError):
            store.documents.confirmations(until=bad)
