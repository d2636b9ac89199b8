"""A large TMX import read by two processes at once: the same memory as one process makes."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from tm.errors import TMXError
from tm.formats import tmx_split
from tm.formats.tmx import ReadReport, read_tmx
from tm.formats.tmx_split import TMXFile
from tm.lang import normalize
from tm.store.records import NewUnit
from tm.store.sqlite import SQLiteStore
from tm.store.sqlite import import_split as split_module
from tm.store.sqlite.db import LARGE_COMMIT_CACHE_KIB

WORDS = "قال الوزير إن المفاوضات مع الشركة ستستأنف الأسبوع المقبل في العاصمة وفق بيان رسمي صدر مساء".split()
UNITS = 120  # the cut falls near the middle: units 55-65 are both sides of it


def source(i: int) -> str:
    words = [WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(12)]
    return " ".join(words) + f" رقم {i}."


def tu(i: int, src: str | None = None, tgt: str | None = None, extra: str = "") -> str:
    src = src if src is not None else source(i)
    tgt = tgt if tgt is not None else f"Sentence {i} of the desk's memory."
    return (
        f'<tu tuid="{i}" creationdate="20240102T030405Z" creationid="desk{i % 3}">'
        f'<prop type="client">wire</prop><note>n{i}</note>{extra}'
        f'<tuv xml:lang="ar-SA"><seg>{src}</seg></tuv>'
        f'<tuv xml:lang="en-US"><seg>{tgt}</seg></tuv></tu>\n'
    )


def write(path: Path, units: list[str], body_extra: str = "") -> Path:
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n'
        '<header creationtool="t" creationtoolversion="1" segtype="sentence" o-tmf="x" '
        'adminlang="en" srclang="ar-SA" datatype="plaintext"><prop type="x-desk">wire</prop></header>\n'
        f"<body>\n{body_extra}{''.join(units)}</body>\n</tmx>\n",
        encoding="utf-8",
    )
    return path


def sample() -> list[str]:
    """Units with what a cut must not change: codes, a refusal, repeats across the cut."""
    units = [tu(i) for i in range(UNITS)]
    units[3] = tu(3, src=source(3) + ' <ph x="1">&lt;br/&gt;</ph>', tgt='Three <ph x="1">&lt;br/&gt;</ph>')
    units[10] = tu(10, tgt="The same source as unit 100, another English.")
    units[100] = tu(100, src=source(10), tgt="Unit 100's own English.")  # other side: other English
    units[20] = tu(20, src=source(20))
    units[95] = tu(95, src=source(20), tgt="Sentence 20 of the desk's memory.")  # other side: same pair
    units[90] = '<tu tuid="90"><tuv xml:lang="fr"><seg>une phrase</seg></tuv></tu>\n'  # no pair: refused
    units[110] = tu(110, src=source(111))  # the same source twice in the second part
    return units


class Watched(TMXFile):
    """A TMXFile that keeps the parts it planned (to check that the file was split)."""

    planned: list[dict] | None = None

    def split(self, n: int) -> list[dict] | None:
        self.planned = super().split(n)
        return self.planned


@pytest.fixture(params=["forked", "new interpreter"])
def small_files_split(monkeypatch, request):
    """Split even small files in two; the second part's process forked or started afresh."""
    monkeypatch.setattr(tmx_split, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(split_module, "processes", lambda: 2)
    fork = request.param == "forked"
    # pytest's own process may run another thread (a test's server): fork or not as asked
    monkeypatch.setattr(split_module, "forking", lambda: fork)
    return request.param


def rows(store: SQLiteStore) -> list[tuple]:
    cols = (
        "id, source, target, origin, source_lang, target_lang, author, context, meta, source_norm, source_hash"
    )
    return store.units.db.execute(f"SELECT {cols} FROM units ORDER BY id").fetchall()


def import_both(tmp_path: Path, path: Path, policy: str, prepared=None):
    """Import a file split and whole into two memories; return both stores, results, reports.

    Under `overwrite` the file is read by one process either way.
    """
    out = []
    for name, splitting in (("split", True), ("whole", False)):
        store = SQLiteStore(tmp_path / f"{name}.db")
        if prepared:
            prepared(store)
        report = ReadReport()
        if splitting:
            units = Watched(path, report=report)
        else:
            f = path.open("rb")
            units = read_tmx(f, path=str(path), report=report)
        result = store.units.import_units(units, on_duplicate=policy)
        if splitting:
            assert (units.planned is not None and len(units.planned) == 2) == (policy != "overwrite")
        else:
            f.close()
        out.append((store, result, report))
    return out


@pytest.mark.parametrize("policy", ["skip", "overwrite", "keep"])
def test_a_split_import_makes_the_memory_one_process_makes(tmp_path, small_files_split, policy):
    path = write(tmp_path / "desk.tmx", sample())
    (split, r1, rep1), (whole, r2, rep2) = import_both(tmp_path, path, policy)
    try:
        assert (r1.added, r1.updated, r1.skipped) == (r2.added, r2.updated, r2.skipped)
        assert rep1.refused == rep2.refused == 1
        assert rep1.messages == rep2.messages  # the refusal at its line of the file
        assert rep1.header == rep2.header and rep1.header["srclang"] == "ar-SA"
        # the same units with the same ids: the repeats across the cut took none
        assert rows(split) == rows(whole)
        assert split.units.count() == r1.added
    finally:
        split.close()
        whole.close()


@pytest.mark.parametrize("policy", ["skip", "overwrite", "keep"])
def test_units_already_in_the_memory_are_decided_alike_on_both_sides_of_the_cut(
    tmp_path, small_files_split, policy
):
    units = sample()
    # the same new English for a unit of the memory on both sides of the cut: the second is a
    # repeat, whatever the policy
    units[5] = tu(5, tgt="Five, as the desk now has it.")
    units[75] = tu(75, src=source(5), tgt="Five, as the desk now has it.")
    path = write(tmp_path / "desk.tmx", units)

    def prepared(store):
        for i in (5, 70, 71):  # one in the first part, two in the second
            store.units.add(
                NewUnit(
                    source(i),
                    f"An older English of {i}.",
                    source_lang="ar-SA",
                    target_lang="en-US",
                    author="old",
                )
            )
        # and one of the second part's pairs exactly: skipped whatever the policy
        store.units.add(
            NewUnit(source(80), "Sentence 80 of the desk's memory.", source_lang="ar-SA", target_lang="en-US")
        )

    (split, r1, _), (whole, r2, _) = import_both(tmp_path, path, policy, prepared)
    try:
        assert (r1.added, r1.updated, r1.skipped) == (r2.added, r2.updated, r2.skipped)
        # 5, 70 and 71 of the memory, and two repeats within the file (100 of 10, 111 of 110)
        assert r1.updated == (5 if policy == "overwrite" else 0)
        # every policy skips 75 (5's new pair again), 95 (20's pair) and 80 (the memory's pair);
        # skip also 5, 70, 71 (the memory's sources), 100 (10's) and 111 (110's)
        assert r1.skipped == {"skip": 8, "overwrite": 3, "keep": 3}[policy]
        assert rows(split) == rows(whole)
    finally:
        split.close()
        whole.close()


def test_a_cut_counts_every_byte_of_the_file_once_in_the_progress(tmp_path, small_files_split, sqlite_store):
    path = write(tmp_path / "desk.tmx", sample())
    seen: list[int] = []
    units = Watched(path, progress=seen.append)
    sqlite_store.units.import_units(units)
    assert units.planned
    assert sum(seen) == path.stat().st_size


def test_a_malformed_second_part_fails_as_reading_the_whole_file_does_and_keeps_nothing(
    tmp_path, small_files_split, sqlite_store
):
    units = sample()
    units[100] = units[100].replace("</note>", "</nope>")
    path = write(tmp_path / "bad.tmx", units)
    with path.open("rb") as f, pytest.raises(TMXError) as whole:
        list(read_tmx(f, path=str(path)))
    with pytest.raises(TMXError) as split:
        sqlite_store.units.import_units(Watched(path, name=str(path)))
    assert str(split.value) == str(whole.value)
    assert split.value.line == whole.value.line == 105  # unit 100's line
    assert sqlite_store.units.count() == 0


@pytest.mark.parametrize(
    "where",
    [
        pytest.param("head", id="a unit before the body (every part would read it)"),
        pytest.param("body", id="a header in the body (the parts after it would rank languages by it)"),
    ],
)
def test_a_file_whose_head_every_part_reads_would_change_is_read_whole(
    tmp_path, small_files_split, sqlite_store, where
):
    units = sample()
    if where == "head":
        path = write(tmp_path / "h.tmx", units)
        path.write_text(path.read_text(encoding="utf-8").replace("<body>", tu(999) + "<body>"), encoding="utf-8")
    else:
        units[50] = '<header srclang="ar-EG"/>\n'
        path = write(tmp_path / "h.tmx", units)
    watched = Watched(path)
    result = sqlite_store.units.import_units(watched)
    assert watched.planned is None
    whole = SQLiteStore(tmp_path / "whole.db")
    try:
        with path.open("rb") as f:
            assert whole.units.import_units(read_tmx(f)).added == result.added
        assert rows(sqlite_store) == rows(whole)
    finally:
        whole.close()


def test_a_body_with_a_comment_is_read_whole(tmp_path, small_files_split, sqlite_store):
    # a "</tu>" in a comment is no end of a unit: a cut there would make two wrong files
    path = write(tmp_path / "c.tmx", sample(), body_extra="<!-- an old </tu> left here -->\n")
    units = Watched(path)
    result = sqlite_store.units.import_units(units)
    assert units.planned is None
    assert result.added == 116


@pytest.mark.parametrize("pad", range(7))
@pytest.mark.parametrize("markup", ["<!-- x -->", "<![CDATA[ x ]]>", "<?pi x?>", '<header srclang="ar"/>', ""])
def test_markup_a_part_cannot_hold_is_found_wherever_the_scans_chunks_fall(
    tmp_path, small_files_split, monkeypatch, markup, pad
):
    # the body is scanned 7 bytes at a time: with 0-6 spaces before it, the markup straddles a
    # chunk's end at every offset
    monkeypatch.setattr(tmx_split, "_SCAN", 7)
    units = sample()
    units[3] = tu(3, src=source(3) + " <hi>عاجل</hi>", tgt="<hi>Urgent</hi> three")  # <h, not a header
    if markup:
        units[60] = " " * pad + markup + "\n"
    path = write(tmp_path / "m.tmx", units)
    planned = TMXFile(path).split(2)
    assert (planned is None) == bool(markup)
    if planned is not None:
        text = path.read_bytes()
        body, start = planned[1]["body"], planned[1]["start"]
        assert planned[1]["line_offset"] == text[body:start].count(b"\n") > 0


def test_a_utf16_file_is_read_whole(tmp_path, small_files_split):
    path = tmp_path / "u.tmx"
    text = write(tmp_path / "x.tmx", sample()).read_text(encoding="utf-8")
    path.write_bytes(text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"))
    assert TMXFile(path).split(2) is None


def test_a_small_file_is_read_by_one_process(tmp_path):
    path = write(tmp_path / "desk.tmx", sample())
    assert path.stat().st_size < tmx_split.SPLIT_MIN_BYTES
    assert TMXFile(path).split(2) is None


def test_a_part_whose_process_fails_is_read_again_by_this_one(
    tmp_path, small_files_split, sqlite_store, monkeypatch, caplog
):
    path = write(tmp_path / "desk.tmx", sample())
    if small_files_split == "forked":
        # the forked process fails as it starts staging (it runs this process's code as patched)
        def fail(job, out):
            raise OSError("no room left for the stage")

        monkeypatch.setattr(split_module, "_stage_part", fail)
        said = "code 1: Process tm-import-part:\nTraceback"
    else:
        # the program that reads the second part cannot run: it exits at once with code 1
        monkeypatch.setattr(split_module.sys, "executable", "/bin/false")
        said = "code 1: no message"
    units = Watched(path)
    with caplog.at_level(logging.WARNING, logger="tm.store.sqlite.import_split"):
        result = sqlite_store.units.import_units(units)
    assert units.planned
    assert "reading the file in one process" in caplog.text and said in caplog.text
    if small_files_split == "forked":
        assert "no room left for the stage" in caplog.text  # its error, from its standard error
    assert result.added == sqlite_store.units.count() == 116
    assert units.report.refused == 1  # the first part's refusals are not counted twice


def test_an_import_inside_a_transaction_reads_the_file_in_one_process(
    tmp_path, small_files_split, sqlite_store
):
    path = write(tmp_path / "desk.tmx", sample())
    units = Watched(path)
    with sqlite_store.transaction():
        result = sqlite_store.units.import_units(units)
    assert units.planned is None  # never asked
    assert result.added == 116


def test_an_import_removes_the_scratch_files_a_killed_import_left(tmp_path, small_files_split, sqlite_store):
    # a process that has ended: its pid is free (until the system gives it to another)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    left = Path(tempfile.gettempdir()) / f"tm-import-{gone.pid}-x"
    left.mkdir()
    (left / "part1.db").write_bytes(b"a stage of a killed import")
    mine = Path(tempfile.mkdtemp(prefix=f"tm-import-{os.getpid()}-"))  # a live import's
    try:
        sqlite_store.units.import_units(Watched(write(tmp_path / "desk.tmx", sample())))
        assert not left.exists()
        assert mine.exists()
        # and its own scratch is gone with it
        assert list(Path(tempfile.gettempdir()).glob(f"tm-import-{os.getpid()}-*")) == [mine]
    finally:
        shutil.rmtree(mine, ignore_errors=True)
        shutil.rmtree(left, ignore_errors=True)


def test_a_unit_another_writer_adds_while_the_parts_are_read_is_not_added_twice(
    tmp_path, small_files_split, db_path
):
    store, other = SQLiteStore(db_path), SQLiteStore(db_path)
    path = write(tmp_path / "desk.tmx", sample())

    read = 0

    def meanwhile(n: int) -> None:
        # a translator confirms unit 70's pair (in the second part) once every part is read
        # and staged, before the swap: only the swap's recheck can find it
        nonlocal read
        read += n
        if read == path.stat().st_size:
            other.units.add(
                NewUnit(
                    source(70),
                    "Sentence 70 of the desk's memory.",
                    source_lang="ar-SA",
                    target_lang="en-US",
                    author="rita",
                )
            )

    try:
        units = Watched(path, progress=meanwhile)
        result = store.units.import_units(units)
        assert units.planned
        assert result.added == 115 and result.skipped == 4
        same = store.units.find_source(normalize(source(70)))
        assert [u.author for u in same] == ["rita"]
    finally:
        store.close()
        other.close()


def test_a_large_import_commit_leaves_the_copy_of_its_log_to_a_thread(
    tmp_path, small_files_split, sqlite_store, monkeypatch
):
    db = sqlite_store.units.db
    before = db.path.stat().st_size
    caches = []
    real_swap = split_module._swap

    def swap(part, *args, **kwargs):  # each part's swap, as it runs
        caches.append(part.db.execute("PRAGMA cache_size").fetchone()[0])
        return real_swap(part, *args, **kwargs)

    monkeypatch.setattr(split_module, "_swap", swap)
    sqlite_store.units.import_units(Watched(write(tmp_path / "desk.tmx", sample())))
    assert caches == [-LARGE_COMMIT_CACHE_KIB] * 2  # the swaps' pages are not spilled to the log
    assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000  # as it was
    assert db.execute("PRAGMA cache_size").fetchone()[0] == -65536  # the commit's larger one given back
    for thread in list(db._checkpoints):
        thread.join()
    # the units are in the file itself, not only in its write-ahead log
    assert db.path.stat().st_size > before
    busy, logged, copied = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert busy == 0 and logged == copied


def test_the_index_is_handed_every_part_s_sources_while_the_swap_runs(tmp_path, small_files_split):
    path = write(tmp_path / "desk.tmx", sample())
    for name in ("split", "whole"):
        store = SQLiteStore(tmp_path / f"{name}.db")
        handed: list[list[str]] = []
        try:
            units = Watched(path) if name == "split" else read_tmx(path.open("rb"))
            store.units.import_units(units, while_swapping=lambda norms, into=handed: into.append(list(norms)))
            assert (name == "split") == bool(getattr(units, "planned", None))
            added = [r[0] for r in store.units.db.execute("SELECT source_norm FROM units ORDER BY id")]
        finally:
            store.close()
        # every unit added, in file order (and maybe sources the import then skipped)
        assert len(handed) == 1
        rest = iter(handed[0])
        assert all(norm in rest for norm in added), name


def test_a_process_running_other_threads_starts_new_interpreters_for_the_parts(
    tmp_path, sqlite_store, monkeypatch, caplog
):
    # forking it could leave a part's process waiting forever for a lock another thread held
    monkeypatch.setattr(tmx_split, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(split_module, "processes", lambda: 2)
    monkeypatch.setattr(split_module.sys, "executable", "/bin/false")  # a new interpreter fails
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)  # a server's thread, say
    other.start()
    try:
        assert not split_module.forking()
        with caplog.at_level(logging.WARNING, logger="tm.store.sqlite.import_split"):
            result = sqlite_store.units.import_units(Watched(write(tmp_path / "desk.tmx", sample())))
    finally:
        stop.set()
        other.join()
    assert "code 1: no message" in caplog.text  # it tried /bin/false, then read the file itself
    assert result.added == 116


def test_the_index_built_after_a_split_import_reads_back_none_of_its_units(tmp_path, small_files_split):
    from tests.test_candidates import assert_index_matches_a_fresh_build
    from tm.memory import TranslationMemory

    path = write(tmp_path / "desk.tmx", [tu(i) for i in range(UNITS)])  # no repeats: all added
    memory = TranslationMemory.open(str(tmp_path / "m.db"))
    try:
        withouts = []
        real = memory.store.units.snapshot_keys
        memory.store.units.snapshot_keys = lambda without=None: withouts.append(without) or real(without)
        units = Watched(path)
        memory.store.units.import_units(units, while_swapping=memory.expect_units)
        assert units.planned
        memory.learn_committed()
        assert withouts == [range(1, UNITS + 1)]  # every part's units were made ahead, in order
        assert_index_matches_a_fresh_build(memory, [source(3), source(64), source(UNITS - 1)])
        for i in (1, 60, UNITS):
            hits = memory.lookup(source(i - 1))
            assert hits[0].unit.id == i and hits[0].score == 100
    finally:
        memory.close()


def test_an_import_interrupted_while_a_part_is_read_stops_that_part_s_process_at_once(
    tmp_path, sqlite_store, monkeypatch
):
    monkeypatch.setattr(tmx_split, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(split_module, "processes", lambda: 2)
    monkeypatch.setattr(split_module, "forking", lambda: True)  # the part runs the code patched here
    real = split_module._stage_part

    def slow(job, out):  # a part that takes its time (a large one on a busy machine)
        time.sleep(30)
        return real(job, out)

    monkeypatch.setattr(split_module, "_stage_part", slow)
    interrupt = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))  # Ctrl+C, to this process only
    started = time.monotonic()
    interrupt.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            sqlite_store.units.import_units(
                Watched(write(tmp_path / "desk.tmx", sample())), while_swapping=lambda norms: list(norms)
            )
    finally:
        interrupt.cancel()
    # the thread handed the sources waited for that part: it was stopped, not waited for
    assert time.monotonic() - started < 15
    assert sqlite_store.units.count() == 0


def test_tm_import_s_process_forks_the_parts_and_a_process_with_threads_does_not():
    probe = (
        "import threading\n"
        "from tm.store.sqlite.import_split import forking\n"
        "alone = forking()\n"
        "stop = threading.Event()\n"
        "t = threading.Thread(target=stop.wait)\n"
        "t.start()\n"
        "print(alone, forking())\n"
        "stop.set()\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "False"]
