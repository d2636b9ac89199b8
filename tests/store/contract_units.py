"""The contract of `store.units`: units, their history, listing and lookups."""

from __future__ import annotations

import pytest

from tm.errors import StaleUnit, UnitNotFound
from tm.lang import normalize

from .contract_common import unit

# Three months of a desk's memory: (source, target, origin, author, changed at).
DATED = [
    (
        "قالت الوزارة إن المحادثات مستمرة.",
        "The ministry said talks continue.",
        "human",
        "sara",
        "2024-01-10T08:00:00Z",
    ),
    (
        "ارتفعت أسعار النفط في الأسواق الآسيوية.",
        "Oil prices rose in Asian markets.",
        "mt",
        None,
        "2024-02-03T09:30:00Z",
    ),
    (
        "وصل الوفد إلى القاهرة مساء الأحد.",
        "The delegation arrived in Cairo on Sunday evening.",
        "human",
        "omar",
        "2024-02-20T17:45:00Z",
    ),
    (
        "أعلن البنك المركزي خفض سعر الفائدة.",
        "The central bank announced a rate cut.",
        "import",
        "sara",
        "2024-03-05T11:00:00Z",
    ),
    (
        "هطلت أمطار غزيرة على العاصمة.",
        "Heavy rain fell on the capital.",
        "human",
        "sara",
        "2024-03-28T06:15:00Z",
    ),
]


def add_dated(store):
    """Add DATED, oldest first, and return the units in that order."""
    return [
        store.units.add(unit(s, t, origin=o, author=a, created_at=at, changed_at=at))
        for s, t, o, a, at in DATED
    ]


def ids(units):
    return [u.id for u in units]


class UnitsContract:
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

    def test_update_and_delete_of_a_missing_unit_raise(self, store):
        with pytest.raises(UnitNotFound):
            store.units.update(12345, author="sara", target="nothing")
        with pytest.raises(UnitNotFound):
            store.units.delete(12345, author="sara")
        assert store.units.history(12345) == []

    def test_get_many_returns_only_the_units_that_exist(self, store):
        a = store.units.add(unit("الجملة الأولى", "first"))
        b = store.units.add(unit("الجملة الثانية", "second"))
        c = store.units.add(unit("الجملة الثالثة", "third"))
        store.units.delete(b.id, author="sara")
        got = store.units.get_many([c.id, 99999, a.id, b.id, a.id])
        assert set(got) == {a.id, c.id}
        assert (got[a.id].target, got[c.id].target) == ("first", "third")
        assert store.units.get_many([]) == {}

    def test_get_many_reads_more_ids_than_one_query_takes(self, store):
        store.units.import_units(unit(f"خبر عاجل رقم {i}", f"breaking news {i}") for i in range(1200))
        all_ids = [u.id for u in store.units.iter_units()]
        got = store.units.get_many(all_ids + [max(all_ids) + 1])
        assert sorted(got) == all_ids
        assert got[all_ids[-1]].target == "breaking news 1199"

    def test_every_update_bumps_the_version_and_appends_history(self, store):
        u = store.units.add(unit(origin="mt", mt_draft="The president said economy grows."))
        u2 = store.units.update(
            u.id, author="omar", target="The president said growth continues.", origin="human"
        )
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

    def test_history_keeps_every_original_byte_for_byte_after_update_and_delete(self, store):
        src = "  قَالَ المُتَحَدِّثُ:\u200f «لا تعليق»  \u0640\u0640 "
        tgt = "The spokesman said:\t“no comment”\r\n"
        u = store.units.add(unit(src, tgt, author="sara", meta={"note": "مصدر رسمي"}))
        edited_src = "قال المتحدث: «لا تعليق حالياً»\u200c"
        edited_tgt = "The spokesman said: \u00a0“no comment for now” "
        store.units.update(u.id, author="omar", source=edited_src, target=edited_tgt, mt_draft="No comment.")
        store.units.delete(u.id, author="lina")
        history = store.units.history(u.id)
        assert [(h.action, h.source, h.target) for h in history] == [
            ("create", src, tgt),
            ("update", edited_src, edited_tgt),
            ("delete", edited_src, edited_tgt),
        ]
        assert history[0].meta == {"note": "مصدر رسمي"} and history[1].mt_draft == "No comment."
        assert [h.version for h in history] == [1, 2, 3]
        assert all(h.unit_id == u.id and h.at.endswith("Z") for h in history)

    def test_update_leaves_mt_draft_context_and_meta_alone_unless_given(self, store):
        u = store.units.add(
            unit(mt_draft="The president says economy grows.", context="ctx-1", meta={"client": "AFP"})
        )
        same = store.units.update(u.id, author="sara", target="The president said the economy grows.")
        assert (same.mt_draft, same.context, same.meta) == (
            "The president says economy grows.",
            "ctx-1",
            {"client": "AFP"},
        )
        cleared = store.units.update(u.id, author="sara", mt_draft=None, context=None, meta={})
        assert (cleared.mt_draft, cleared.context, cleared.meta) == (None, None, {})
        assert store.units.get(u.id) == cleared

    def test_update_with_an_unknown_origin_is_refused_and_changes_nothing(self, store):
        u = store.units.add(unit())
        with pytest.raises(ValueError):
            store.units.update(u.id, author="sara", target="changed", origin="robot")
        got = store.units.get(u.id)
        assert (got.target, got.origin, got.version) == (u.target, "human", 1)
        assert len(store.units.history(u.id)) == 1

    def test_a_stale_update_is_refused_and_changes_nothing(self, store):
        u = store.units.add(unit())
        store.units.update(u.id, author="a", target="first edit")
        with pytest.raises(StaleUnit) as err:
            store.units.update(u.id, author="b", expected_version=1, target="late edit")
        assert "version 1" in str(err.value)
        assert store.units.get(u.id).target == "first edit"
        assert len(store.units.history(u.id)) == 2

    def test_a_stale_delete_is_refused_and_changes_nothing(self, store):
        u = store.units.add(unit())
        store.units.update(u.id, author="omar", target="The president said growth goes on.")
        with pytest.raises(StaleUnit) as err:
            store.units.delete(u.id, author="sara", expected_version=1)
        assert (err.value.expected, err.value.actual) == (1, 2)
        got = store.units.get(u.id)
        assert (got.version, got.target) == (2, "The president said growth goes on.")
        assert [h.action for h in store.units.history(u.id)] == ["create", "update"]
        assert store.units.count() == 1

    def test_a_delete_of_the_current_version_is_accepted(self, store):
        u = store.units.add(unit())
        store.units.delete(u.id, author="sara", expected_version=1)
        assert store.units.count() == 0

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

    def test_iter_units_and_keys_stream_in_id_order(self, store):
        store.units.import_units(unit(f"جملة رقم {i}", f"sentence {i}") for i in range(2500))
        all_ids = [u.id for u in store.units.iter_units(batch=700)]
        assert all_ids == sorted(all_ids) and len(all_ids) == 2500
        with store.units.snapshot_keys() as (position, keys_iter):
            keys = list(keys_iter)
        assert position == store.units.feed_position()
        assert [k[0] for k in keys] == all_ids and keys[0][1] == "جمله رقم 0"
        assert store.units.count() == 2500

    def test_list_units_puts_the_newest_change_first(self, store):
        old = add_dated(store)
        assert ids(store.units.list_units()) == ids(reversed(old))
        store.units.update(old[1].id, author="lina", target="Oil prices climbed in Asian markets.")
        listed = store.units.list_units()
        assert ids(listed) == [old[1].id, old[4].id, old[3].id, old[2].id, old[0].id]
        assert listed[0].version == 2

    def test_units_added_one_after_another_list_the_last_first(self, store):
        added = [store.units.add(unit(f"تصريح رقم {i}", f"statement {i}")) for i in range(5)]
        assert ids(store.units.list_units()) == ids(reversed(added))

    @pytest.mark.parametrize(
        ("filters", "expected"),
        [
            ({"origin": "human"}, [4, 2, 0]),
            ({"origin": "mt"}, [1]),
            ({"author": "sara"}, [4, 3, 0]),
            ({"author": "nobody"}, []),
            ({"origin": "human", "author": "sara"}, [4, 0]),
            ({"since": "2024-02-03T09:30:00Z"}, [4, 3, 2, 1]),
            ({"since": "2024-02-01T00:00:00Z", "until": "2024-03-01T00:00:00Z"}, [2, 1]),
            ({"until": "2024-02-01T00:00:00Z"}, [0]),
            ({"since": "2024-03-01T00:00:00Z", "author": "sara", "origin": "import"}, [3]),
        ],
    )
    def test_list_units_filters_by_origin_author_and_change_date(self, store, filters, expected):
        dated = add_dated(store)
        assert ids(store.units.list_units(**filters)) == [dated[i].id for i in expected]

    def test_list_units_can_ask_for_given_ids(self, store):
        dated = add_dated(store)
        wanted = [dated[0].id, dated[3].id, 99999]
        assert ids(store.units.list_units(ids=wanted)) == [dated[3].id, dated[0].id]
        assert ids(store.units.list_units(ids=wanted, origin="human")) == [dated[0].id]
        assert store.units.list_units(ids=[]) == []

    def test_list_units_pages_through_the_memory(self, store):
        dated = add_dated(store)
        newest_first = ids(reversed(dated))
        pages = [ids(store.units.list_units(limit=2, offset=o)) for o in (0, 2, 4, 6)]
        assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:], []]
        assert ids(store.units.list_units(author="sara", limit=1, offset=1)) == [dated[3].id]

    def test_page_units_sees_each_unit_once_while_the_memory_changes(self, store):
        dated = add_dated(store)
        first = store.units.page_units(limit=2)
        assert ids(first) == [dated[0].id, dated[1].id]
        # between pages: a unit already seen changes, one not yet seen changes, one is added
        store.units.update(dated[0].id, author="lina", target="changed after it was seen")
        store.units.update(dated[3].id, author="lina", target="changed before it was seen")
        new = store.units.add(unit("وحدة جديدة", "a new unit"))
        rest = store.units.page_units(after_id=first[-1].id, limit=10)
        assert ids(rest) == [dated[2].id, dated[3].id, dated[4].id, new.id]
        assert rest[1].target == "changed before it was seen"
        assert store.units.page_units(after_id=new.id) == []

    def test_page_units_filters_like_list_units(self, store):
        dated = add_dated(store)
        sara = store.units.page_units(author="sara", limit=1)
        assert ids(sara) == [dated[0].id]
        assert ids(store.units.page_units(author="sara", after_id=sara[0].id)) == [dated[3].id, dated[4].id]
        assert ids(store.units.page_units(origin="mt", since="2024-01-01T00:00:00Z")) == [dated[1].id]

    def test_authors_lists_each_author_of_a_unit_once(self, store):
        add_dated(store)
        assert sorted(store.units.authors()) == ["omar", "sara"]
        omar = store.units.list_units(author="omar")[0]
        store.units.delete(omar.id, author="lina")
        assert sorted(store.units.authors()) == ["sara"]

    def test_an_empty_memory_has_no_authors_and_lists_nothing(self, store):
        assert store.units.authors() == []
        assert store.units.list_units() == []
        assert store.units.count() == 0

    def test_target_candidates_find_a_phrase_newest_first(self, store):
        a = store.units.add(unit("أ", "The Central Bank raised rates."))
        store.units.add(unit("ب", "Rates fell."))
        c = store.units.add(unit("ج", "the central bank kept rates"))
        assert store.units.target_candidates(["central", "bank"], 10) == [c.id, a.id]
        assert store.units.target_candidates(['bank"', "OR"], 10) == []  # no query syntax leaks

    def test_target_candidates_follow_updates_deletes_and_imports(self, store):
        a = store.units.add(unit("أ", "The parliament approved the budget."))
        b = store.units.add(unit("ب", "The parliament rejected the law."))
        store.units.update(a.id, author="sara", target="The assembly approved the budget.")
        store.units.delete(b.id, author="sara")
        assert store.units.target_candidates(["parliament"], 10) == []
        assert store.units.target_candidates(["assembly", "approved"], 10) == [a.id]
        store.units.import_units([unit("ج", "The parliament met again.")])
        [c] = store.units.find_source("ج")
        assert store.units.target_candidates(["parliament"], 10) == [c.id]
        assert store.units.target_candidates([], 10) == []

    def test_find_source_follows_updates_and_deletes(self, store):
        a = store.units.add(unit("عادت الحياة إلى طبيعتها.", "Life returned to normal."))
        b = store.units.add(unit("عادت الحياة إلى طبيعتها.", "Life went back to normal."))
        store.units.update(a.id, author="sara", source="عادت الحياة الى طبيعتها تدريجيا.")
        assert [u.id for u in store.units.find_source(normalize("عادت الحياة إلى طبيعتها."))] == [b.id]
        assert [u.id for u in store.units.find_source(normalize("عادت الحياة إلى طبيعتها تدريجياً."))] == [
            a.id
        ]
        store.units.delete(b.id, author="sara")
        assert store.units.find_source(normalize("عادت الحياة إلى طبيعتها.")) == []

    def test_stats_count_by_origin_and_language_pair(self, store):
        store.units.add(unit("أ", "a", origin="mt"))
        store.units.add(unit("ب", "b", source_lang="ar-EG", target_lang="en-GB"))
        s = store.units.stats()
        assert s["units"] == 2
        assert s["by_origin"] == {"mt": 1, "human": 1}
        assert s["language_pairs"] == {"ar>en": 1, "ar-EG>en-GB": 1}

    def test_origin_is_checked(self, store):
        with pytest.raises(ValueError):
            unit(origin="robot")
