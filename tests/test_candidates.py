"""The candidate index learns committed changes only, whatever threads, rollbacks and restores do."""

from __future__ import annotations

import contextlib
import random
import shutil
import threading
import time

import pytest

from tm.candidates import LocalIndex
from tm.index import FuzzyIndex
from tm.lang import normalize
from tm.memory import TranslationMemory
from tm.store.records import NewUnit
from tm.store.sqlite import SQLiteStore

WORDS = (
    "قال أعلن الوزير الرئيس الحكومة المتحدث باسم الوزارة إن المفاوضات مستمرة الاقتصاد ينمو "
    "التضخم مستقر الجيش البرلمان وافق على الميزانية الجديدة في العاصمة أمس اليوم شركة الطاقة"
).split()


class Boom(Exception):
    pass


def sentence(rng: random.Random, n: int | None = None) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n or rng.randint(5, 12)))


def contents(index: FuzzyIndex) -> dict[int, str]:
    """Return unit id -> indexed code string of every live unit of an index."""
    out = {}
    for pos in range(len(index.unit_ids) + len(index.delta_ids)):
        import numpy as np

        if index._is_alive(np.array([pos]))[0]:
            out[index._unit_id(pos)] = index._string(pos)
    return out


def fresh_contents(store, vocab_from: FuzzyIndex) -> dict[int, str]:
    """Return what a fresh build gives, in the codes of the live index (so strings compare)."""
    with store.units.snapshot_keys() as (_, keys):
        return {uid: "".join(map(chr, vocab_from._codes(norm, grow=True))) for uid, norm in keys}


def assert_index_matches_a_fresh_build(memory: TranslationMemory, queries: list[str]) -> None:
    memory.sync()
    live = memory.index.fuzzy
    assert contents(live) == fresh_contents(memory.store, live)
    with memory.store.units.snapshot_keys() as (position, keys):
        fresh = FuzzyIndex.build(keys, position=position)
    for q in queries:
        norm = normalize(q)
        got = [(c.unit_id, round(c.base, 6)) for c in live.candidates(norm, 60, 5)]
        want = [(c.unit_id, round(c.base, 6)) for c in fresh.candidates(norm, 60, 5)]
        assert got == want, q


@pytest.fixture
def mem(tmp_path):
    memory = TranslationMemory(SQLiteStore(tmp_path / "m.db"))
    yield memory
    memory.close()


def test_a_server_index_learns_its_own_commits_at_once_and_others_within_its_feed_interval(tmp_path):
    """feed_every spares a server a feed read per lookup, never its own changes."""
    ours = SQLiteStore(tmp_path / "m.db")
    theirs = SQLiteStore(tmp_path / "m.db")  # another process's connections and counter
    memory = TranslationMemory(ours, feed_every=0.5)
    other = TranslationMemory(theirs)

    def fuzzy(text):  # found through the index (an exact match is looked up in the store)
        return [m.unit.target for m in memory.lookup(text) if m.score < 100]

    try:
        gold = "ارتفعت أسعار الذهب في السوق المحلية اليوم."
        assert fuzzy(gold + " صباحا") == []
        memory.add(gold, "Gold prices rose in the local market today.")
        assert fuzzy(gold + " صباحا") == ["Gold prices rose in the local market today."]  # at once
        oil = "انخفضت أسعار النفط في الأسواق العالمية أمس."
        other.add(oil, "Oil prices fell in world markets yesterday.")
        deadline = time.monotonic() + 5
        while not fuzzy(oil + " مساء"):
            assert time.monotonic() < deadline, "another process's change was never learned"
            time.sleep(0.05)
        # within the interval, a lookup reads the feed only after a commit of this process
        memory.index.feed_every = 3600
        reads = []
        real = ours.units.changes_since
        ours.units.changes_since = lambda position: reads.append(position) or real(position)
        fuzzy("سؤال عن الطقس")
        assert reads == []
        schools = "أغلقت المدارس أبوابها بسبب العاصفة الثلجية."
        memory.add(schools, "Schools closed because of the snowstorm.")
        assert fuzzy(schools + " أمس") == ["Schools closed because of the snowstorm."]
        assert reads
    finally:
        memory.close()
        other.close()


def test_a_failed_import_racing_with_a_lookup_leaves_no_ghost_units(mem, tmp_path):
    mem.add(
        "وقعت الحكومة اتفاقا مع شركة الطاقة الوطنية", "The government signed a deal with the energy company"
    )
    staged, release = threading.Event(), threading.Event()

    def units():
        for i in range(1500):
            yield NewUnit(f"خبر رقم {i} عن البرلمان والميزانية الجديدة في العاصمة", f"news {i}")
        staged.set()
        release.wait(10)
        raise Boom("the file broke here")

    failure: list[BaseException] = []

    def run():
        try:
            mem.store.units.import_units(units())
        except Boom as e:
            failure.append(e)

    worker = threading.Thread(target=run)
    worker.start()
    assert staged.wait(10)
    # lookups while the import is under way see none of it
    assert mem.lookup("خبر رقم 7 عن البرلمان والميزانية الجديدة في العاصمة") == []
    release.set()
    worker.join(10)
    assert failure and mem.store.units.count() == 1
    assert len(mem.index) == 1
    added = mem.add(
        "وافق البرلمان على الميزانية الجديدة أمس في العاصمة", "Parliament approved the new budget"
    )
    found = mem.lookup("وافق البرلمان على الميزانية الجديدة اليوم في العاصمة")
    assert [m.unit.id for m in found] == [added.id] and found[0].kind == "fuzzy"


def test_a_rolled_back_confirm_is_never_learned_by_the_index(mem):
    mem.add("قال المتحدث إن المفاوضات مستمرة", "The spokesman said talks continue")
    with pytest.raises(Boom), mem.store.transaction():
        mem.confirm("أعلن الوزير أن الاقتصاد ينمو بسرعة كبيرة", "The minister said", author="sara")
        # a lookup inside the transaction (the same thread) does not teach the index the row
        mem.lookup("أعلن الوزير أن الاقتصاد ينمو بسرعة")
        raise Boom()
    assert mem.store.units.count() == 1 and len(mem.index) == 1
    unit = mem.add("أعلن الوزير أن التضخم مستقر منذ أشهر", "The minister said inflation is stable")
    assert mem.lookup("أعلن الوزير أن التضخم مستقر منذ سنة")[0].unit.id == unit.id
    assert_index_matches_a_fresh_build(mem, ["أعلن الوزير أن الاقتصاد ينمو بسرعة"])


def test_another_threads_uncommitted_rows_are_invisible_to_lookups(mem):
    inside, done = threading.Event(), threading.Event()

    def writer():
        with pytest.raises(Boom), mem.store.transaction():
            mem.store.units.add(NewUnit("أعلنت الشركة أرباحا قياسية هذا العام", "record profits"))
            inside.set()
            done.wait(10)
            raise Boom()

    t = threading.Thread(target=writer)
    t.start()
    assert inside.wait(10)
    assert mem.lookup("أعلنت الشركة أرباحا قياسية هذا العام") == []
    assert mem.store.units.count() == 0
    done.set()
    t.join(10)
    assert len(mem.index) == 0


@pytest.mark.parametrize("seed", range(6))
def test_random_interleavings_across_threads_end_with_the_same_index_as_a_fresh_build(tmp_path, seed):
    memory = TranslationMemory(SQLiteStore(tmp_path / "m.db"))
    rng = random.Random(seed)
    seed_units = [memory.add(sentence(rng), f"seed {i}").id for i in range(20)]
    ids = list(seed_units)
    ids_lock = threading.Lock()
    errors: list[BaseException] = []

    def actor(n: int) -> None:
        r = random.Random(seed * 100 + n)
        try:
            for _ in range(40):
                op = r.random()
                if op < 0.3:
                    u = memory.add(sentence(r), "t")
                    with ids_lock:
                        ids.append(u.id)
                elif op < 0.45:
                    with ids_lock:
                        uid = r.choice(ids) if ids else None
                    if uid is not None:
                        try:
                            memory.update(uid, author="x", source=sentence(r))
                        except Exception as e:  # deleted by another actor meanwhile
                            assert "not in the memory" in str(e)
                elif op < 0.55:
                    with ids_lock:
                        uid = ids.pop(r.randrange(len(ids))) if ids else None
                    if uid is not None:
                        memory.delete(uid, author="x")
                elif op < 0.7:
                    try:
                        with memory.store.transaction():
                            memory.store.units.add(NewUnit(sentence(r), "rolled back"))
                            if ids:
                                memory.store.units.update(r.choice(ids), author="y", source=sentence(r))
                            memory.lookup(sentence(r))
                            raise Boom()
                    except Boom:
                        pass
                    except Exception as e:
                        assert "not in the memory" in str(e)
                else:
                    memory.lookup(sentence(r), min_score=60)
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=actor, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert_index_matches_a_fresh_build(memory, [sentence(rng) for _ in range(30)])
    assert len(memory.index) == memory.store.units.count()
    memory.close()


def test_a_database_restored_from_a_backup_beside_a_newer_index_gives_correct_lookups(tmp_path):
    db = tmp_path / "memory.db"
    memory = TranslationMemory.open(str(db))
    for i in range(10):
        memory.add(f"قال الوزير في المؤتمر رقم {i} إن الاقتصاد ينمو", f"minister {i}")
    memory.close()
    shutil.copy(db, tmp_path / "backup.db")  # yesterday's backup (no -wal: closed cleanly)
    memory = TranslationMemory.open(str(db))
    for i in range(7):
        memory.add(f"أعلن البرلمان عن جلسة طارئة رقم {i} اليوم", f"parliament {i}")
    memory.close()  # the index file now knows 17 units
    for suffix in ("", "-wal", "-shm"):
        (tmp_path / f"memory.db{suffix}").unlink(missing_ok=True)
    shutil.copy(tmp_path / "backup.db", db)
    restored = TranslationMemory.open(str(db))
    # new work after the restore reaches the same change ids the index file has seen
    added = [restored.add(f"وافقت الحكومة على الخطة رقم {i} في العاصمة", f"plan {i}").id for i in range(9)]
    assert restored.lookup("أعلن البرلمان عن جلسة طارئة رقم 3 اليوم", min_score=90) == []
    for i, uid in enumerate(added):
        found = restored.lookup(f"وافقت الحكومة على الخطة رقم {i} في العاصمة الجديدة")
        assert found and found[0].unit.id == uid
    assert restored.index.rebuilds == 1
    assert_index_matches_a_fresh_build(restored, ["قال الوزير في المؤتمر رقم 3 إن الاقتصاد ينمو"])
    restored.close()


def test_a_big_change_is_rebuilt_in_the_background_while_the_old_index_answers(tmp_path):
    store = SQLiteStore(tmp_path / "m.db")
    memory = TranslationMemory(store, index=LocalIndex(store, background=True))
    kept = memory.add("قال المتحدث باسم الوزارة إن المفاوضات مستمرة", "talks continue")
    assert len(memory.index) == 1
    import tm.candidates as candidates

    old = candidates.REBUILD_AFTER
    candidates.REBUILD_AFTER = 100
    try:
        # the rebuild is held until the lookup has answered: a lookup that waited for it would
        # never answer (and the test would fail after 30 s, not hang)
        release = threading.Event()
        build = memory.index._build

        def held_build():
            assert release.wait(60)
            return build()

        memory.index._build = held_build
        store.units.import_units(NewUnit(f"خبر عاجل رقم {i} من العاصمة", f"news {i}") for i in range(2000))
        found = []
        asking = threading.Thread(
            target=lambda: found.extend(memory.lookup("قال المتحدث باسم الوزارة إن المفاوضات مستمرة اليوم"))
        )
        asking.start()
        asking.join(30)
        answered = not asking.is_alive()
        release.set()
        asking.join()
        assert answered, "the lookup waited for the rebuild"
        assert found[0].unit.id == kept.id  # the old index answered
        assert memory.index.rebuilds == 1  # still building then
        memory.index.wait_for_rebuild(30)
        assert memory.index.rebuilds == 2 and len(memory.index) == 2001
        assert memory.lookup("خبر عاجل رقم 1234 من العاصمة")[0].kind == "exact"
        assert memory.lookup("خبر عاجل رقم 1234 من العاصمة اليوم")[0].kind == "fuzzy"
    finally:
        candidates.REBUILD_AFTER = old
    memory.close()


def test_an_index_file_that_cannot_be_saved_does_not_stop_lookups(tmp_path, caplog):
    db = tmp_path / "m.db"
    (tmp_path / "m.db.index").mkdir()
    memory = TranslationMemory.open(str(db))
    unit = memory.add("وقعت الحكومة اتفاقا مع شركة الطاقة", "deal")
    assert memory.lookup("وقعت الحكومة اتفاقا مع شركة الطاقة الوطنية")[0].unit.id == unit.id
    memory.close()
    assert "cannot save the fuzzy index" in caplog.text


def test_a_committed_change_is_not_reported_failed_when_the_index_cannot_learn_it_yet(tmp_path, caplog):
    from tm.errors import StoreError

    class Flaky(LocalIndex):
        broken = False

        def refresh(self):
            if self.broken:
                raise StoreError("the memory is busy")
            super().refresh()

    store = SQLiteStore(tmp_path / "m.db")
    index = Flaky(store)
    memory = TranslationMemory(store, index=index)
    memory.add("قال المتحدث إن المفاوضات مستمرة منذ أسبوع", "talks continue")
    index.broken = True
    unit = memory.confirm("أعلن الوزير أن الاقتصاد ينمو بسرعة كبيرة", "The economy grows fast", author="sara")
    assert store.units.get(unit.id).target == "The economy grows fast"
    assert "will learn the last change later" in caplog.text
    index.broken = False
    assert memory.lookup("أعلن الوزير أن الاقتصاد ينمو بسرعة")[0].unit.id == unit.id
    memory.close()


def test_while_the_index_lags_every_candidate_is_scored_from_the_unit_as_it_is(tmp_path, monkeypatch):
    """A unit changed since the index learned it is scored from its present source: the score
    the index knows is no ceiling for it."""
    store = SQLiteStore(tmp_path / "m.db")
    index = LocalIndex(store, background=True)
    memory = TranslationMemory(store, index=index)
    words = "قال الوزير إن المفاوضات مع الشركة مستمرة في العاصمة منذ أسبوعين وإن الاتفاق قريب جدا".split()
    query = " ".join(words)
    other = memory.add(" ".join(words[:-2]), "two words less")  # 87
    changing = memory.add(" ".join([*words[:-3], "بعيد", "ربما", "غدا"]), "three words changed")  # 80
    assert memory.lookup(query, limit=1)[0].unit.id == other.id
    monkeypatch.setattr(index, "_busy", lambda: True)  # a background thread is learning an import
    memory.update(changing.id, author="sara", source=" ".join(words[:-1]))  # 93, unknown to the index
    assert index.lagging
    found = memory.lookup(query, limit=1)
    assert [(m.unit.id, m.score) for m in found] == [(changing.id, 93)]
    monkeypatch.undo()
    assert not index.lagging
    assert [(m.unit.id, m.score) for m in memory.lookup(query, limit=1)] == [(changing.id, 93)]
    memory.close()


def handing(memory: TranslationMemory, handed: list[list[str]]):
    """Return what `tm import` passes as while_swapping, keeping each list of sources handed."""

    def ahead(norms) -> None:
        handed.append(list(norms))
        memory.expect_units(handed[-1])

    return ahead


def test_a_large_import_s_units_are_coded_while_they_are_committed(tmp_path):
    rng = random.Random(11)
    memory = TranslationMemory.open(str(tmp_path / "m.db"))
    try:
        memory.add("كلمة قديمة في الذاكرة منذ زمن", "An old unit")
        memory.learn_committed()
        index_file = memory.store.index_path
        memory.close()
        index_file.unlink()  # so the index is built after the import, not brought up to date
        memory = TranslationMemory.open(str(tmp_path / "m.db"))  # a new process, as `tm import` is
        units = [NewUnit(f"استيراد {sentence(rng)} {i}", f"Unit {i}", origin="import") for i in range(3000)]
        handed: list[list[str]] = []
        memory.store.units.import_units(iter(units), while_swapping=handing(memory, handed))
        assert handed == [[normalize(u.source) for u in units]]
        memory.learn_committed()
        index = memory.index.fuzzy  # built after the import
        # its words are numbered from the import's, coded while the swap ran; a build that
        # coded the memory afresh would number the old unit's words first
        assert next(iter(index.vocab)) == "استيراد"
        assert memory.index._known is None  # used once, then dropped
        hits = memory.lookup(units[1234].source)
        assert hits and hits[0].unit.target == "Unit 1234"
        assert memory.lookup("كلمة قديمة في الذاكرة منذ زمن")[0].unit.target == "An old unit"
    finally:
        memory.close()


def test_codes_made_ahead_are_dropped_when_the_index_learns_the_change_unit_by_unit(tmp_path):
    memory = TranslationMemory.open(str(tmp_path / "m.db"))
    try:
        rng = random.Random(12)
        for i in range(20):
            memory.add(sentence(rng), f"u{i}")
        memory.learn_committed()
        memory.expect_units([sentence(rng) for _ in range(2500)])
        assert memory.index._known is not None
        memory.add(sentence(rng), "one more")
        memory.learn_committed()  # one change: learned as it is, no build
        assert memory.index._known is None
    finally:
        memory.close()


def test_only_the_first_sources_of_a_very_large_import_are_coded_ahead(tmp_path, monkeypatch):
    import tm.store.sqlite.imports as imports

    monkeypatch.setattr(imports, "AHEAD", 1000)  # as 300,000 would do for a larger import
    rng = random.Random(13)
    memory = TranslationMemory.open(str(tmp_path / "m.db"))
    try:
        units = [NewUnit(f"{sentence(rng)} {i}", f"Unit {i}", origin="import") for i in range(2500)]
        handed: list[list[str]] = []
        memory.store.units.import_units(iter(units), while_swapping=handing(memory, handed))
        assert handed == [[normalize(u.source) for u in units[:1000]]]  # one batch: then no more
        memory.learn_committed()  # the build codes the other 1,500
        assert memory.lookup(units[2222].source)[0].unit.target == "Unit 2222"
        assert memory.lookup(units[222].source)[0].unit.target == "Unit 222"
    finally:
        memory.close()


def spying_on_snapshots(memory: TranslationMemory) -> list[tuple[range | None, list[int]]]:
    """Record each snapshot the index reads: the ids it leaves out, the ids it reads."""
    seen: list[tuple[range | None, list[int]]] = []
    units = memory.store.units
    real = units.snapshot_keys

    @contextlib.contextmanager
    def snapshot_keys(without=None):
        with real(without) as (position, keys):
            read: list[int] = []
            seen.append((without, read))

            def spied():
                for unit_id, norm in keys:
                    read.append(unit_id)
                    yield unit_id, norm

            yield position, spied()

    units.snapshot_keys = snapshot_keys
    return seen


def imported(rng: random.Random, n: int, tag: str = "استيراد") -> list[NewUnit]:
    return [NewUnit(f"{tag} {sentence(rng)} {i}", f"Unit {i}", origin="import") for i in range(n)]


def reopened_without_index(tmp_path) -> TranslationMemory:
    """A memory with one unit and no index file: `tm import` in a new process builds it."""
    memory = TranslationMemory.open(str(tmp_path / "m.db"))
    memory.add("كلمة قديمة في الذاكرة منذ زمن", "An old unit")
    memory.learn_committed()
    memory.close()
    memory.store.index_path.unlink()
    return TranslationMemory.open(str(tmp_path / "m.db"))


def test_the_build_after_an_import_reads_back_none_of_the_units_it_made_ahead(tmp_path):
    rng = random.Random(21)
    memory = reopened_without_index(tmp_path)
    try:
        seen = spying_on_snapshots(memory)
        units = imported(rng, 3000)
        memory.store.units.import_units(iter(units), while_swapping=memory.expect_units)
        memory.learn_committed()
        assert seen == [(range(2, 3002), [1])]  # the old unit alone was read
        assert memory.index._ahead is None  # used once, then dropped
        assert_index_matches_a_fresh_build(memory, [units[7].source, units[2999].source, "كلمة قديمة"])
        assert memory.lookup(units[1234].source)[0].unit.target == "Unit 1234"
    finally:
        memory.close()


def test_a_change_committed_between_an_import_and_the_build_makes_the_build_read_everything(tmp_path):
    rng = random.Random(22)
    memory = reopened_without_index(tmp_path)
    other = SQLiteStore(tmp_path / "m.db")  # a translator's confirm, from another process
    try:
        seen = spying_on_snapshots(memory)
        units = imported(rng, 3000)
        memory.store.units.import_units(iter(units), while_swapping=memory.expect_units)
        late = other.units.add(NewUnit("جملة أكدها مترجم بعد الاستيراد مباشرة", "A late confirm"))
        other.units.update(3, author="rita", source="مصدر غيره المترجم بعد الاستيراد")  # one of the import's
        memory.learn_committed()
        assert [w for w, _ in seen] == [range(2, 3002), None]  # the units made ahead may have changed
        assert len(seen[1][1]) == 3002
        assert_index_matches_a_fresh_build(memory, ["مصدر غيره المترجم بعد الاستيراد", units[1].source])
        assert memory.lookup("جملة أكدها مترجم بعد الاستيراد مباشرة")[0].unit.id == late.id
        assert memory.lookup("مصدر غيره المترجم بعد الاستيراد")[0].unit.id == 3
    finally:
        other.close()
        memory.close()


def test_an_index_up_to_date_before_a_large_import_rebuilds_without_reading_the_changes(
    tmp_path, monkeypatch
):
    import tm.candidates as candidates

    monkeypatch.setattr(candidates, "REBUILD_AFTER", 500)  # 3,000 changes: a rebuild, as 50,000 are
    rng = random.Random(23)
    memory = TranslationMemory.open(str(tmp_path / "m.db"))
    try:
        for i in range(30):
            memory.add(sentence(rng), f"u{i}")
        memory.learn_committed()
        seen = spying_on_snapshots(memory)
        read_feed = []
        real = memory.store.units.changes_since
        memory.store.units.changes_since = lambda p: read_feed.append(p) or real(p)
        units = imported(rng, 3000)
        memory.store.units.import_units(iter(units), while_swapping=memory.expect_units)
        memory.learn_committed()
        assert read_feed == []  # the import said what changed
        assert [(w, len(ids)) for w, ids in seen] == [(range(31, 3031), 30)]
        assert_index_matches_a_fresh_build(memory, [units[5].source, units[2500].source, sentence(rng)])
    finally:
        memory.close()


def test_an_import_that_overwrites_a_unit_has_every_unit_read_back(tmp_path):
    rng = random.Random(24)
    memory = reopened_without_index(tmp_path)
    try:
        seen = spying_on_snapshots(memory)
        units = [*imported(rng, 2000), NewUnit("كلمة قديمة في الذاكرة منذ زمن", "The old unit, retranslated")]
        memory.store.units.import_units(
            iter(units), on_duplicate="overwrite", while_swapping=memory.expect_units
        )
        memory.learn_committed()
        assert [w for w, _ in seen] == [None]  # the update is a change beside the creations
        assert_index_matches_a_fresh_build(memory, [units[3].source, "كلمة قديمة في الذاكرة"])
    finally:
        memory.close()


def test_an_import_whose_swap_fails_lets_the_index_s_thread_go_and_leaves_nothing_made_ahead(
    tmp_path, monkeypatch
):
    import tm.store.sqlite.imports as imports

    rng = random.Random(25)
    memory = reopened_without_index(tmp_path)

    def swap(*args, **kwargs):
        raise Boom("the disk is full")

    monkeypatch.setattr(imports, "_swap", swap)
    failed = []

    def run():
        try:
            memory.store.units.import_units(iter(imported(rng, 1500)), while_swapping=memory.expect_units)
        except Boom as e:
            failed.append(e)

    try:
        importing = threading.Thread(target=run)
        importing.start()
        importing.join(timeout=60)
        assert not importing.is_alive()  # the index's thread was told, not left waiting
        assert failed and memory.index._ahead is None
        memory.learn_committed()
        assert memory.store.units.count() == 1
        assert_index_matches_a_fresh_build(memory, ["كلمة قديمة في الذاكرة منذ زمن"])
    finally:
        memory.close()


def test_an_import_adding_nothing_before_the_build_leaves_what_an_earlier_one_made_ahead_unused(
    tmp_path,
):
    """Its codes are numbered otherwise: the earlier import's arrays would give wrong words."""
    rng = random.Random(26)
    memory = reopened_without_index(tmp_path)
    try:
        seen = spying_on_snapshots(memory)
        units = imported(rng, 1500)
        memory.store.units.import_units(iter(units), while_swapping=memory.expect_units)
        # the same units again, in another order: all skipped, coded ahead all the same
        result = memory.store.units.import_units(iter(units[::-1]), while_swapping=memory.expect_units)
        assert result.added == 0
        memory.learn_committed()
        assert [w for w, _ in seen] == [None]
        assert_index_matches_a_fresh_build(memory, [units[0].source, units[700].source, units[1499].source])
    finally:
        memory.close()
