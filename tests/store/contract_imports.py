"""The contract of `store.units.import_units`: all or nothing, duplicates, and other writers go on."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import pytest

from tm.lang import normalize

from .contract_common import WAIT, Boom, unit

# A writer during an import waits at most this long (a short swap, never the whole import).
NOT_HELD_UP = 2.0


def slow_feed(count, pause_at, staging, release):
    """Yield news sentences; after pause_at of them, say so and wait (a big file read slowly)."""
    for i in range(count):
        if i == pause_at:
            staging.set()
            assert release.wait(WAIT), "the test never let the import go on"
        yield unit(f"نشرة الأخبار رقم {i}", f"news bulletin {i}", origin="import")


class ImportsContract:
    def test_import_skips_exact_duplicates_and_applies_the_policy(self, store):
        store.units.add(unit("جملة", "sentence"))
        r = store.units.import_units(
            [unit("جملة", "sentence"), unit("جملة", "a sentence"), unit("أخرى", "other")]
        )
        assert (r.added, r.updated, r.skipped) == (1, 0, 2)
        r = store.units.import_units([unit("جملة", "the sentence")], on_duplicate="overwrite")
        assert (r.added, r.updated, r.skipped) == (0, 1, 0)
        same = store.units.find_source(normalize("جملة"))
        assert [u.target for u in same] == ["the sentence"]
        assert [h.target for h in store.units.history(same[0].id)] == ["sentence", "the sentence"]
        r = store.units.import_units([unit("جملة", "one sentence")], on_duplicate="keep")
        assert (r.added, r.updated, r.skipped) == (1, 0, 0)
        assert sorted(u.target for u in store.units.find_source(normalize("جملة"))) == [
            "one sentence",
            "the sentence",
        ]

    def test_duplicates_inside_one_import_are_caught(self, store):
        r = store.units.import_units(
            [unit("جملة", "a"), unit("جملة", "a"), unit("جملة", "b")], on_duplicate="keep"
        )
        assert (r.added, r.skipped) == (2, 1)

    def test_an_unknown_duplicate_policy_is_refused(self, store):
        with pytest.raises(ValueError):
            store.units.import_units([unit()], on_duplicate="merge")
        assert store.units.count() == 0

    def test_progress_counts_every_unit_read(self, store):
        seen = []
        r = store.units.import_units(
            (unit(f"بيان رقم {i}", f"statement {i}") for i in range(2300)), progress=seen.append
        )
        assert sum(seen) == 2300 and r.added == 2300

    def test_a_failed_import_leaves_the_memory_exactly_as_it_was(self, store):
        store.units.add(unit("موجودة", "present"))
        before = (store.units.count(), store.units.feed_position())

        def units():
            for i in range(2500):  # past the first batches, which are already written
                yield unit(f"جديدة {i}", f"new {i}")
            raise Boom("the file broke here")

        with pytest.raises(Boom):
            store.units.import_units(units())
        assert (store.units.count(), store.units.feed_position()) == before
        assert store.units.find_source(normalize("جديدة 1")) == []

    def test_a_writer_is_not_held_up_by_a_long_import(self, store):
        staging, release = threading.Event(), threading.Event()
        with ThreadPoolExecutor(max_workers=2) as pool:
            importing = pool.submit(store.units.import_units, slow_feed(3000, 1500, staging, release))
            try:
                assert staging.wait(WAIT)
                adding = pool.submit(
                    store.units.add, unit("أعلن الجيش وقف إطلاق النار.", "The army announced a ceasefire.")
                )
                try:
                    added = adding.result(timeout=NOT_HELD_UP)
                except FutureTimeout:
                    pytest.fail(
                        f"an add waited more than {NOT_HELD_UP} s for an import that was still reading"
                    )
                assert not importing.done(), "the import should still be staging"
            finally:
                release.set()
            result = importing.result(timeout=WAIT)
        assert (result.added, result.skipped) == (3000, 0)
        assert store.units.count() == 3001
        assert store.units.get(added.id).target == "The army announced a ceasefire."
        assert len(store.units.find_source(normalize("نشرة الأخبار رقم 2999"))) == 1

    def test_a_translation_added_by_someone_else_while_staging_is_skipped_not_duplicated(self, store):
        staging, release = threading.Event(), threading.Event()
        with ThreadPoolExecutor(max_workers=2) as pool:
            importing = pool.submit(store.units.import_units, slow_feed(2000, 1500, staging, release))
            try:
                assert staging.wait(WAIT)
                # the same translation as one already staged, and one not read yet
                pool.submit(store.units.add, unit("نشرة الأخبار رقم 10", "news bulletin 10")).result(WAIT)
                pool.submit(store.units.add, unit("نشرة الأخبار رقم 1900", "news bulletin 1900")).result(WAIT)
            finally:
                release.set()
            result = importing.result(timeout=WAIT)
        assert (result.added, result.skipped) == (1998, 2)
        assert store.units.count() == 2000
        for n in (10, 1900):
            assert [u.origin for u in store.units.find_source(normalize(f"نشرة الأخبار رقم {n}"))] == [
                "human"
            ]

    def test_under_skip_a_source_translated_by_someone_else_while_staging_is_skipped(self, store):
        staging, release = threading.Event(), threading.Event()
        with ThreadPoolExecutor(max_workers=2) as pool:
            importing = pool.submit(store.units.import_units, slow_feed(2000, 1500, staging, release))
            try:
                assert staging.wait(WAIT)
                # a translator confirms a sentence the import has staged, with her own translation
                theirs = pool.submit(
                    store.units.add, unit("نشرة الأخبار رقم 10", "The tenth news bulletin")
                ).result(WAIT)
            finally:
                release.set()
            result = importing.result(timeout=WAIT)
        assert [u.id for u in store.units.find_source(normalize("نشرة الأخبار رقم 10"))] == [theirs.id]
        assert (result.added, result.skipped) == (1999, 1)

    def test_ids_stay_unique_and_a_deleted_units_id_is_never_reused(self, store):
        early = store.units.add(unit("خبر قديم حذف قبل الاستيراد.", "Old news deleted before the import."))
        store.units.delete(early.id, author="sara")
        staging, release = threading.Event(), threading.Event()
        with ThreadPoolExecutor(max_workers=2) as pool:
            importing = pool.submit(store.units.import_units, slow_feed(2000, 1500, staging, release))
            try:
                assert staging.wait(WAIT)
                during = pool.submit(
                    store.units.add, unit("خبر حذف أثناء الاستيراد.", "News deleted meanwhile.")
                ).result(WAIT)
                pool.submit(store.units.delete, during.id, author="omar").result(WAIT)
                kept = pool.submit(store.units.add, unit("خبر بقي.", "News that stayed.")).result(WAIT)
            finally:
                release.set()
            importing.result(timeout=WAIT)
        after = store.units.add(unit("خبر بعد الاستيراد.", "News after the import."))
        all_ids = [u.id for u in store.units.iter_units()]
        assert len(all_ids) == len(set(all_ids)) == 2002
        assert early.id not in all_ids and during.id not in all_ids
        assert {kept.id, after.id} <= set(all_ids)
        for gone in (early, during):
            assert [h.action for h in store.units.history(gone.id)] == ["create", "delete"]

    def test_two_imports_at_once_add_each_translation_once_with_unique_ids(self, store):
        first = [unit(f"تقرير رقم {i}", f"report {i}") for i in range(0, 1800)]
        second = [unit(f"تقرير رقم {i}", f"report {i}") for i in range(1200, 3000)]
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = [
                f.result(timeout=WAIT)
                for f in [pool.submit(store.units.import_units, b) for b in (first, second)]
            ]
        assert sum(r.added for r in results) == 3000
        assert sum(r.skipped for r in results) == 600
        all_ids = [u.id for u in store.units.iter_units()]
        assert len(all_ids) == len(set(all_ids)) == store.units.count() == 3000
        assert len(store.units.find_source(normalize("تقرير رقم 1500"))) == 1

    def test_an_import_inside_a_failed_transaction_leaves_nothing(self, store):
        before = store.units.feed_position()
        with pytest.raises(Boom), store.transaction():
            r = store.units.import_units(unit(f"خبر رقم {i}", f"item {i}") for i in range(1500))
            assert r.added == 1500
            raise Boom()
        assert store.units.count() == 0
        assert store.units.feed_position() == before
        assert store.units.import_units([unit("خبر رقم 1", "item 1")]).added == 1
