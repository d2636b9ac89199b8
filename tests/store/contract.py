"""The storage contract: every engine's test class subclasses StoreContract.

A subclass provides a `store` fixture that yields an empty store of its engine.
"""

from __future__ import annotations

import pytest

from tm.errors import StaleUnit, UnitNotFound
from tm.lang import normalize
from tm.store.base import NewUnit


def unit(source="قال الرئيس إن الاقتصاد ينمو.", target="The president said the economy is growing.", **kw):
    return NewUnit(source, target, **kw)


class Boom(Exception):
    pass


class StoreContract:
    def test_add_and_get_keep_the_original_text(self, store):
        src = "قَالَ الرَّئِيسُ إنّ الاقتصادَ ينمو ٣٪\u200f."
        u = store.units.add(unit(src, "  The president said  ", author="sara", meta={"client": "AFP"}))
        got = store.units.get(u.id)
        assert got.source == src
        assert got.target == "  The president said  "
        assert (got.version, got.origin, got.author, got.meta) == (1, "human", "sara", {"client": "AFP"})
        assert got.created_at.endswith("Z") and got.changed_at == got.created_at

    def test_get_of_a_missing_unit_raises(self, store):
        with pytest.raises(UnitNotFound):
            store.units.get(12345)

    def test_every_update_bumps_the_version_and_appends_history(self, store):
        u = store.units.add(unit(origin="mt", mt_draft="The president said economy grows."))
        u2 = store.units.update(u.id, author="omar", target="The president said growth continues.", origin="human")
        u3 = store.units.update(
            u.id, author="lina", expected_version=2, target="Growth continues, the president said."
        )
        assert (u2.version, u3.version) == (2, 3)
        assert u3.mt_draft == "The president said economy grows."
        history = store.units.history(u.id)
        assert [(h.action, h.version, h.author) for h in history] == [
            ("create", 1, None),
            ("update", 2, "omar"),
            ("update", 3, "lina"),
        ]
        assert history[0].target == "The president said the economy is growing."
        assert history[1].target == "The president said growth continues."
        assert history[1].origin == "human"

    def test_a_stale_update_is_refused_and_changes_nothing(self, store):
        u = store.units.add(unit())
        store.units.update(u.id, author="a", target="first edit")
        with pytest.raises(StaleUnit) as err:
            store.units.update(u.id, author="b", expected_version=1, target="late edit")
        assert "version 1" in str(err.value)
        assert store.units.get(u.id).target == "first edit"
        assert len(store.units.history(u.id)) == 2

    def test_delete_keeps_the_history_with_the_deletion(self, store):
        u = store.units.add(unit())
        store.units.delete(u.id, author="admin")
        with pytest.raises(UnitNotFound):
            store.units.get(u.id)
        history = store.units.history(u.id)
        assert [h.action for h in history] == ["create", "delete"]
        assert history[-1].author == "admin"
        assert history[-1].target == "The president said the economy is growing."

    def test_ids_of_deleted_units_are_not_reused(self, store):
        a = store.units.add(unit("أ"))
        store.units.delete(a.id, author=None)
        b = store.units.add(unit("ب"))
        assert b.id != a.id
        c = list(store.units.import_units([unit("ج")]) and store.units.iter_units())[-1]
        assert c.id not in (a.id, b.id)

    def test_find_source_matches_normalized_text(self, store):
        u = store.units.add(unit("أعلنت الحكومة ٣ قرارات"))
        store.units.add(unit("أعلنت الحكومة 4 قرارات"))
        found = store.units.find_source(normalize("اعلنت الحكومه 3 قرارات"))
        assert [f.id for f in found] == [u.id]

    def test_changes_since_reports_changed_and_deleted_units(self, store):
        a = store.units.add(unit("الجملة الأولى"))
        b = store.units.add(unit("الجملة الثانية"))
        mark = store.units.feed_position()
        store.units.update(a.id, author=None, source="الجملة الأولى المعدلة")
        store.units.delete(b.id, author=None)
        c = store.units.add(unit("الجملة الثالثة"))
        newest, changes = store.units.changes_since(mark)
        assert newest == store.units.feed_position()
        assert newest.change > mark.change
        assert changes == {
            a.id: normalize("الجملة الأولى المعدلة"),
            b.id: None,
            c.id: normalize("الجملة الثالثة"),
        }
        assert store.units.changes_since(newest) == (newest, {})

    def test_iter_units_and_keys_stream_in_id_order(self, store):
        store.units.import_units(unit(f"جملة رقم {i}", f"sentence {i}") for i in range(2500))
        ids = [u.id for u in store.units.iter_units(batch=700)]
        assert ids == sorted(ids) and len(ids) == 2500
        with store.units.snapshot_keys() as (position, keys_iter):
            keys = list(keys_iter)
        assert position == store.units.feed_position()
        assert [k[0] for k in keys] == ids and keys[0][1] == "جمله رقم 0"
        assert store.units.count() == 2500

    def test_import_skips_exact_duplicates_and_applies_the_policy(self, store):
        store.units.add(unit("جملة", "sentence"))
        r = store.units.import_units([unit("جملة", "sentence"), unit("جملة", "a sentence"), unit("أخرى", "other")])
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
        r = store.units.import_units([unit("جملة", "a"), unit("جملة", "a"), unit("جملة", "b")], on_duplicate="keep")
        assert (r.added, r.skipped) == (2, 1)

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

    def test_a_failed_transaction_rolls_back_every_change(self, store):
        u = store.units.add(unit())
        with pytest.raises(Boom), store.transaction():
            store.units.update(u.id, author=None, target="changed")
            store.units.add(unit("جملة جديدة"))
            raise Boom()
        assert store.units.get(u.id).target == unit().target
        assert store.units.count() == 1
        assert len(store.units.history(u.id)) == 1

    def test_target_candidates_find_a_phrase_newest_first(self, store):
        a = store.units.add(unit("أ", "The Central Bank raised rates."))
        store.units.add(unit("ب", "Rates fell."))
        c = store.units.add(unit("ج", "the central bank kept rates"))
        assert store.units.target_candidates(["central", "bank"], 10) == [c.id, a.id]
        assert store.units.target_candidates(['bank"', "OR"], 10) == []  # no query syntax leaks

    def test_stats_count_by_origin_and_language_pair(self, store):
        store.units.add(unit("أ", "a", origin="mt"))
        store.units.add(unit("ب", "b", source_lang="ar-EG", target_lang="en-GB"))
        s = store.units.stats()
        assert s["units"] == 2
        assert s["by_origin"] == {"mt": 1, "human": 1}
        assert s["language_pairs"] == {"ar>en": 1, "ar-EG>en-GB": 1}

    def test_memory_id_is_stable(self, store):
        assert store.memory_id() == store.memory_id() != ""

    def test_origin_is_checked(self, store):
        with pytest.raises(ValueError):
            unit(origin="robot")
