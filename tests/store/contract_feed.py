"""The contract of the committed-change feed: `feed_position`, `changes_since`, `snapshot_keys`."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tm.errors import FeedMismatch, StaleUnit
from tm.lang import normalize
from tm.store.records import FeedPosition

from .contract_common import WAIT, Boom, unit


class FeedContract:
    def test_an_empty_store_is_at_the_start_of_the_feed(self, store):
        assert store.units.feed_position() == FeedPosition()
        assert store.units.changes_since(FeedPosition()) == (FeedPosition(), {})
        with store.units.snapshot_keys() as (position, keys):
            assert (position, list(keys)) == (FeedPosition(), [])

    def test_the_position_grows_with_every_committed_change(self, store):
        positions = [store.units.feed_position()]
        u = store.units.add(unit("قالت الشرطة إن التحقيق جار.", "Police said an investigation is under way."))
        positions.append(store.units.feed_position())
        store.units.update(u.id, author="sara", target="Police said they are investigating.")
        positions.append(store.units.feed_position())
        store.units.import_units([unit("أغلقت المدارس أبوابها.", "Schools closed.")])
        positions.append(store.units.feed_position())
        store.units.delete(u.id, author="sara")
        positions.append(store.units.feed_position())
        changes = [p.change for p in positions]
        assert changes == sorted(set(changes)), positions

    def test_commits_counts_this_process_s_committed_writes_and_nothing_else(self, store):
        start = store.commits
        u = store.units.add(unit())
        assert store.commits > start
        after_add = store.commits
        store.units.get(u.id)
        store.units.changes_since(FeedPosition())
        assert store.commits == after_add  # reads commit nothing
        with pytest.raises(Boom), store.transaction():
            store.units.update(u.id, author="sara", target="Rolled back.")
            raise Boom()
        assert store.commits == after_add  # a rolled-back transaction is no commit
        with store.transaction():  # nested transactions commit once, at the outer end
            store.units.update(u.id, author="sara", target="One.")
            with store.transaction():
                store.units.update(u.id, author="sara", target="Two.")
            assert store.commits == after_add
        assert store.commits > after_add

    def test_reads_do_not_move_the_position(self, store):
        u = store.units.add(unit())
        before = store.units.feed_position()
        store.units.get(u.id)
        store.units.list_units()
        store.units.history(u.id)
        store.units.changes_since(FeedPosition())
        assert store.units.feed_position() == before

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

    def test_changes_since_reports_a_unit_changed_many_times_once_with_its_newest_source(self, store):
        a = store.units.add(unit("وقّع الطرفان اتفاقاً أولياً.", "The two sides signed a preliminary deal."))
        untouched = store.units.add(unit("لم يتغير شيء.", "Nothing changed."))
        mark = store.units.feed_position()
        for source in (
            "وقع الطرفان اتفاقا مبدئيا.",
            "وقّع الطرفان اتفاقاً نهائياً.",
            "وقع الجانبان اتفاقا نهائيا.",
        ):
            store.units.update(a.id, author="omar", source=source)
        gone = store.units.add(unit("خبر سيحذف.", "News to be deleted."))
        store.units.update(gone.id, author="omar", target="News that will be deleted.")
        store.units.delete(gone.id, author="omar")
        _, changes = store.units.changes_since(mark)
        assert changes == {a.id: normalize("وقع الجانبان اتفاقا نهائيا."), gone.id: None}
        assert untouched.id not in changes
        _, everything = store.units.changes_since(FeedPosition())
        assert everything == {
            a.id: normalize("وقع الجانبان اتفاقا نهائيا."),
            untouched.id: "لم يتغير شيء.",
            gone.id: None,
        }

    def test_a_rolled_back_transaction_leaves_no_trace_in_the_feed(self, store):
        u = store.units.add(unit())
        before = store.units.feed_position()
        with pytest.raises(Boom), store.transaction():
            store.units.update(u.id, author="sara", target="changed, then undone")
            store.units.add(unit("جملة لن تبقى.", "A sentence that will not stay."))
            store.units.delete(u.id, author="sara")
            raise Boom()
        assert store.units.feed_position() == before
        assert store.units.changes_since(before) == (before, {})
        after = store.units.add(unit("جملة تبقى.", "A sentence that stays."))
        newest, changes = store.units.changes_since(before)
        assert changes == {after.id: normalize("جملة تبقى.")}
        assert newest == store.units.feed_position()

    def test_a_refused_change_leaves_no_trace_in_the_feed(self, store):
        u = store.units.add(unit())
        store.units.update(u.id, author="sara", target="edited")
        before = store.units.feed_position()
        with pytest.raises(StaleUnit):
            store.units.update(u.id, author="omar", expected_version=1, target="too late")
        assert store.units.changes_since(before) == (before, {})

    def test_changes_inside_a_transaction_reach_the_feed_only_at_commit(self, store):
        before = store.units.feed_position()
        written, release = threading.Event(), threading.Event()

        def writer():
            with store.transaction():
                u = store.units.add(
                    unit("اجتمع مجلس الأمن مساء أمس.", "The Security Council met last night.")
                )
                written.set()
                assert release.wait(WAIT)
            return u

        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(writer)
            try:
                assert written.wait(WAIT)
                position_while_open = store.units.feed_position()
                changes_while_open = store.units.changes_since(before)
                with store.units.snapshot_keys() as (snap_position, keys):
                    keys_while_open = list(keys)
            finally:
                release.set()
            u = pending.result(timeout=WAIT)
        assert position_while_open == before
        assert changes_while_open == (before, {})
        assert (snap_position, keys_while_open) == (before, [])
        newest, changes = store.units.changes_since(before)
        assert changes == {u.id: normalize("اجتمع مجلس الأمن مساء أمس.")}
        assert newest == store.units.feed_position() != before

    def test_a_thread_inside_its_own_transaction_reads_only_committed_changes_in_the_feed(self, store):
        kept = store.units.add(unit("استقال رئيس الوزراء.", "The prime minister resigned."))
        before = store.units.feed_position()
        with store.transaction():
            u = store.units.add(
                unit("كُلّف وزير المالية بتصريف الأعمال.", "The finance minister was named caretaker.")
            )
            store.units.delete(kept.id, author="sara")
            assert store.units.feed_position() == before
            assert store.units.changes_since(before) == (before, {})
            with store.units.snapshot_keys() as (position, keys):
                assert (position, [k for k, _ in keys]) == (before, [kept.id])
        newest, changes = store.units.changes_since(before)
        assert changes == {u.id: normalize("كُلّف وزير المالية بتصريف الأعمال."), kept.id: None}
        assert newest == store.units.feed_position()

    @pytest.mark.parametrize(
        "stranger",
        [
            lambda p: FeedPosition(change=p.change, token=p.token ^ 1),  # same change, another token
            lambda p: FeedPosition(change=p.change + 1000, token=p.token),  # a change never made
        ],
        ids=["wrong-token", "future-change"],
    )
    def test_a_position_this_database_never_had_raises_feed_mismatch(self, store, stranger):
        store.units.add(unit("أ", "a"))
        store.units.add(unit("ب", "b"))
        with pytest.raises(FeedMismatch):
            store.units.changes_since(stranger(store.units.feed_position()))

    def test_an_older_position_of_this_database_is_still_accepted(self, store):
        first = store.units.add(unit("أ", "a"))
        mark = store.units.feed_position()
        second = store.units.add(unit("ب", "b"))
        store.units.delete(first.id, author=None)
        newest, changes = store.units.changes_since(mark)
        assert newest == store.units.feed_position()
        assert changes == {first.id: None, second.id: "ب"}

    def test_snapshot_keys_leave_out_the_ids_asked_and_no_other(self, store):
        ids = [store.units.add(unit(f"خبر رقم {i} عن الطقس.", f"Weather item {i}.")).id for i in range(7)]
        for without in (range(ids[2], ids[5]), range(ids[0], ids[1]), range(ids[6], ids[6] + 100), range(0)):
            with store.units.snapshot_keys(without=without) as (_, keys):
                assert [k[0] for k in keys] == [i for i in ids if i not in without], without
        with pytest.raises(ValueError, match="step 1"), store.units.snapshot_keys(without=range(1, 9, 2)):
            pass

    def test_snapshot_keys_match_the_feed_position_and_list_every_unit_once(self, store):
        a = store.units.add(unit("عاد الهدوء إلى المدينة.", "Calm returned to the city."))
        b = store.units.add(unit("فُتحت الطرق من جديد.", "The roads reopened."))
        c = store.units.add(unit("سيُحذف هذا الخبر.", "This item will be deleted."))
        store.units.update(b.id, author="sara", source="فتحت الطرق مجدداً.")
        store.units.delete(c.id, author="sara")
        d = store.units.import_units([unit("بدأ العام الدراسي.", "The school year began.")])
        assert d.added == 1
        with store.units.snapshot_keys() as (position, keys_iter):
            keys = list(keys_iter)
        assert position == store.units.feed_position()
        key_ids = [k[0] for k in keys]
        assert len(key_ids) == len(set(key_ids)) == store.units.count() == 3
        by_id = dict(keys)
        assert by_id[a.id] == normalize("عاد الهدوء إلى المدينة.")
        assert by_id[b.id] == normalize("فتحت الطرق مجدداً.")
        assert c.id not in by_id
        assert store.units.changes_since(position) == (position, {})

    def test_snapshot_keys_stay_one_consistent_state_while_others_write(self, store):
        store.units.import_units(unit(f"خبر محلي رقم {i}", f"local news {i}") for i in range(2500))
        first_id = next(store.units.iter_units()).id
        with ThreadPoolExecutor(max_workers=1) as pool:
            with store.units.snapshot_keys() as (position, keys_iter):
                first = next(keys_iter)
                pool.submit(store.units.delete, first_id + 2400, author="sara").result(WAIT)
                added = pool.submit(
                    store.units.add, unit("خبر جديد أثناء القراءة.", "News added meanwhile.")
                ).result(WAIT)
                keys = [first, *keys_iter]
        assert len(keys) == 2500 and first_id + 2400 in dict(keys) and added.id not in dict(keys)
        newest, changes = store.units.changes_since(position)
        assert changes == {first_id + 2400: None, added.id: normalize("خبر جديد أثناء القراءة.")}
        assert newest == store.units.feed_position()
