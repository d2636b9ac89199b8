"""Moving and keeping data: `tm db copy` between SQLite and PostgreSQL, `tm backup`, `tm restore`."""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid

import pytest

from tests.cli_run import run_tm
from tm.backup import backup, restore
from tm.errors import TMError
from tm.memory import TranslationMemory
from tm.store import open_store
from tm.store.records import NewTerm, NewUnit, SourceFile
from tm.transfer import TABLES, TransferError, checksums, copy_memory

SERVER = os.environ.get("TM_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
DOCX = b"PK\x03\x04" + bytes(range(256)) * 4  # bytes of every value, as a zip would have
TOKEN = "tm_" + "s3cret" * 6


def _postgres_answers() -> str | None:
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install 'tm[postgres]')"
    try:
        with psycopg.connect(SERVER, connect_timeout=3):
            return None
    except psycopg.Error as e:
        return f"no PostgreSQL server answers at {SERVER} ({str(e).strip().splitlines()[0]})"


_why = _postgres_answers()
needs_postgres = pytest.mark.skipif(_why is not None, reason=_why or "")


@pytest.fixture
def pg_url():
    """Return a function making a PostgreSQL URL of a new, empty schema (dropped at the end)."""
    made: list[str] = []

    def make() -> str:
        import psycopg

        name = f"tm_copy_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {name}")
        made.append(name)
        return f"{SERVER}?options=-csearch_path%3D{name}"

    yield make
    if made:
        import psycopg

        with psycopg.connect(SERVER, autocommit=True) as conn:
            for name in made:
                conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def populate(location: str) -> dict[str, int]:
    """Fill a memory with a row of every kind; return ids the checks need."""
    store = open_store(location)
    try:
        units = store.units
        first = units.add(
            NewUnit("قال الوزير إن المحادثات ستستأنف.", "The minister said talks would resume.")
        )
        units.add(
            NewUnit(
                "وقعت الحكومة اتفاقا.", "The government signed a deal.", origin="mt", mt_draft="Gov signed"
            )
        )
        gone = units.add(NewUnit("هذه جملة ستحذف.", "This sentence will be deleted."))
        units.update(first.id, author="ada", target="The minister said the talks would resume.")
        units.update(first.id, author="rev", status="approved", reviewer="rev", provenance="mt-edited")
        units.delete(gone.id, author="ada")
        ada = store.accounts.add("ada", "pbkdf2:sha256:1$x$y", "admin")
        tom = store.accounts.add("tom", "pbkdf2:sha256:1$x$z", "translator")
        store.accounts.add_session(ada.id, "cookie-secret", expires_at="2999-01-01T00:00:00Z")
        store.accounts.add_token(tom.id, "cms", TOKEN)
        store.glossary.add(NewTerm("الوزير", "minister", notes="n", forbidden=["secretary"], enforce=True))
        store.glossary.add(NewTerm("الحكومة", "government", author="tom"), status="proposed")
        store.mt_cache.put("opus", {"قال": "said", "وزير": "minister"})
        doc = store.documents.add(
            "Wire",
            "ada",
            {"paragraphs": [[0, 1]]},
            9,
            [(0, "قال الوزير إن المحادثات ستستأنف."), (0, "وقعت الحكومة اتفاقا.")],
            translator="tom",
            format="docx",
            file=SourceFile("wire.docx", DOCX),
        )
        store.documents.save_segment(doc, 0, target="The minister said.", status="confirmed", user="tom")
        store.documents.save_segment(doc, 0, target="The minister said so.", status="confirmed", user="ada")
        thread = store.comments.add(doc, 0, "ada", "Check the tense")
        store.comments.add(doc, 0, "tom", "Done", thread=thread.id)
        store.timing.add(doc, 0, "tom", 4200, "2024-05-01")
        hook = store.webhooks.add("ada", "https://cms.example/hook", ["document.done"], "whsec")
        store.webhooks.enqueue(hook.id, "document.done", {"document": doc, "text": "تم"})
        done = store.jobs.submit("draft", "ada", {"document": doc}, total=2)
        store.jobs.claim("w1", ["draft"])
        store.jobs.finish(done.id, {"drafted": 2})
        store.jobs.submit("import", "ada", {"file": "x.tmx"})  # still queued: not copied
        return {"unit": first.id, "gone": gone.id, "doc": doc, "tom": tom.id}
    finally:
        store.close()


def _same_data(a: dict[str, str], b: dict[str, str]) -> None:
    skipped = {"sessions", "jobs"}
    assert {k: v for k, v in a.items() if k not in skipped} == {
        k: v for k, v in b.items() if k not in skipped
    }


def _spot_checks(location: str, ids: dict[str, int]) -> None:
    memory = TranslationMemory.open(location, create=False)
    try:
        store = memory.store
        [match] = memory.lookup("قال الوزير إن المحادثات ستستأنف.")
        assert (match.unit.id, match.unit.target) == (
            ids["unit"],
            "The minister said the talks would resume.",
        )
        assert store.units.get(ids["unit"]).status == "approved"
        assert [h.action for h in store.units.history(ids["gone"])] == ["create", "delete"]
        assert store.units.target_candidates(["resume"], 5) == [ids["unit"]]
        file = store.documents.file(ids["doc"])
        assert file is not None and (file.name, file.data) == ("wire.docx", DOCX)
        token = store.accounts.find_token(TOKEN)
        assert token is not None and token.user_id == ids["tom"]
        assert store.accounts.sessions(token.user_id) == []
        assert [j.state for j in [store.jobs.get(1)]] == ["done"]
        # ids continue past the source's, also past the deleted unit (its history stays its own)
        new = store.units.add(NewUnit("جملة جديدة.", "A new sentence."))
        assert new.id > ids["gone"]
        assert [h.action for h in store.units.history(new.id)] == ["create"]
    finally:
        memory.close()


@needs_postgres
def test_round_trip_sqlite_postgres_sqlite_keeps_every_table(tmp_path, pg_url):
    source = str(tmp_path / "source.db")
    ids = populate(source)
    url = pg_url()
    there = copy_memory(source, url)
    assert all(t.ok for t in there.tables) and {t.name for t in there.tables} == {t.name for t in TABLES}
    by_name = {t.name: t for t in there.tables}
    assert (by_name["sessions"].rows, by_name["sessions"].skipped) == (0, 1)
    assert (by_name["jobs"].rows, by_name["jobs"].skipped) == (1, 1)
    back = str(tmp_path / "back.db")
    copy_memory(url, back)
    sums = [checksums(loc) for loc in (source, url, back)]
    _same_data(sums[0], sums[1])
    _same_data(sums[1], sums[2])
    ids_of = [open_store(loc, create=False) for loc in (source, url, back)]
    try:
        assert len({s.memory_id() for s in ids_of}) == 3  # each copy is its own memory
        assert {t.source: t.forbidden for t in ids_of[1].glossary.all()}["الوزير"] == ["secretary"]
    finally:
        for s in ids_of:
            s.close()
    _spot_checks(url, ids)
    _spot_checks(back, ids)


@needs_postgres
def test_copy_into_a_schema_holding_a_memory_is_refused_and_changes_nothing(tmp_path, pg_url):
    source = str(tmp_path / "source.db")
    populate(source)
    url = pg_url()
    store = open_store(url)
    store.units.add(NewUnit("نص", "text"))
    store.close()
    before = checksums(url)
    with pytest.raises(TransferError, match="already holds a memory"):
        copy_memory(source, url)
    assert checksums(url) == before


def test_copy_onto_an_existing_file_is_refused_and_changes_nothing(tmp_path):
    source, dest = tmp_path / "source.db", tmp_path / "dest.db"
    populate(str(source))
    dest.write_bytes(b"anything")
    with pytest.raises(TransferError, match="exists"):
        copy_memory(str(source), str(dest))
    assert dest.read_bytes() == b"anything"
    assert [p.name for p in tmp_path.iterdir() if "tm-copy" in p.name] == []


def test_sqlite_to_sqlite_copy_checks_out_through_the_command(tmp_path):
    source, dest = tmp_path / "source.db", tmp_path / "copy.db"
    ids = populate(str(source))
    ran = run_tm(tmp_path, "db", "copy", str(source), str(dest), check=False)
    assert ran.returncode == 0, ran.stderr
    assert "every table matches" in ran.stdout and "(100%)" in ran.stderr
    _same_data(checksums(str(source)), checksums(str(dest)))
    _spot_checks(str(dest), ids)
    again = run_tm(tmp_path, "db", "copy", str(source), str(dest), check=False)
    assert again.returncode == 1 and "exists" in again.stderr


def test_a_copy_that_does_not_check_out_is_not_kept(tmp_path, monkeypatch):
    import tm.transfer_engines as engines

    source, dest = tmp_path / "source.db", tmp_path / "dest.db"
    populate(str(source))
    real = engines.SQLiteSide.write

    def lossy(self, table, cols, rows):  # a bug that drops a row
        return real(self, table, cols, (r for i, r in enumerate(rows) if not (table == "history" and i == 1)))

    monkeypatch.setattr(engines.SQLiteSide, "write", lossy)
    with pytest.raises(TransferError, match="does not match .* in history"):
        copy_memory(str(source), str(dest))
    assert not dest.exists()


def test_backup_while_another_thread_writes_is_one_consistent_state(tmp_path):
    path = tmp_path / "memory.db"
    store = open_store(path)
    store.units.import_units(NewUnit(f"جملة رقم {i} في الذاكرة.", f"Sentence {i}.") for i in range(3000))
    stop = threading.Event()

    def write() -> None:
        mine = open_store(path)
        try:
            i = 0
            while not stop.is_set():
                with mine.transaction():  # a unit and a term together: a backup has both or neither
                    mine.units.add(NewUnit(f"إضافة {i}.", f"Added {i}."))
                    mine.glossary.add(NewTerm(f"كلمة{i}", f"word{i}"))
                i += 1
        finally:
            mine.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        reports = [backup(str(path), tmp_path / f"backup{n}.db") for n in range(3)]
    finally:
        stop.set()
        writer.join()
        store.close()
    for report in reports:
        conn = sqlite3.connect(report.path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        units, terms = (conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("units", "terms"))
        assert units - 3000 == terms and report.units == units
        conn.close()
        assert not os.path.exists(f"{report.path}-wal")


def test_restore_brings_the_backup_back_and_lookups_see_it(tmp_path):
    path = tmp_path / "memory.db"
    memory = TranslationMemory.open(str(path))
    memory.store.units.add(
        NewUnit("قال الوزير إن المحادثات ستستأنف.", "Talks will resume, the minister said.")
    )
    memory.lookup("قال الوزير")  # the index is built and saved
    memory.close()
    backup(str(path), tmp_path / "monday.db")
    memory = TranslationMemory.open(str(path))
    memory.store.units.add(
        NewUnit("وقعت الحكومة اتفاقا مع الشركة.", "The government signed a deal with the firm.")
    )
    assert memory.lookup("وقعت الحكومة اتفاقا مع الشركة.")
    memory.close()  # the saved index now knows the newer unit
    report = restore(str(path), tmp_path / "monday.db")
    assert report.units == 1 and report.kept == tmp_path / "memory.db.before-restore"
    memory = TranslationMemory.open(str(path))
    try:
        assert memory.lookup("وقعت الحكومة اتفاقا مع الشركة.") == []
        assert memory.lookup("قال الوزير إن المحادثات ستستأنف.")[0].unit.target.startswith("Talks")
        assert memory.index.rebuilds == 1  # the saved index was of the replaced state
    finally:
        memory.close()
    kept = open_store(report.kept, create=False)
    assert kept.units.count() == 2
    kept.close()


def test_restore_switches_a_memory_held_open_elsewhere_whole(tmp_path):
    path = tmp_path / "memory.db"
    other = open_store(path)  # as a running server holds it
    other.units.add(NewUnit("أولى.", "First."))
    backup(str(path), tmp_path / "b.db")
    other.units.add(NewUnit("ثانية.", "Second."))
    position = other.units.feed_position()
    restore(str(path), tmp_path / "b.db")
    try:
        assert other.units.count() == 1
        with pytest.raises(TMError):  # its feed position is not in the restored history
            other.units.changes_since(position)
    finally:
        other.close()


def test_restore_refuses_a_file_that_is_not_a_tm_memory(tmp_path):
    path = tmp_path / "memory.db"
    open_store(path).close()
    sqlite3.connect(tmp_path / "other.db").execute("CREATE TABLE t (x)").connection.close()
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    for name in ("other.db", "junk.db"):
        with pytest.raises(TMError, match="not a backup tm can restore|not a tm memory"):
            restore(str(path), tmp_path / name)
    assert not (tmp_path / "memory.db.before-restore").exists()


def test_backup_and_restore_commands(tmp_path):
    memory = tmp_path / "memory.db"
    assert (
        run_tm(tmp_path, "--db", str(memory), "--create", "add", "قال", "said", check=False).returncode == 0
    )
    ran = run_tm(tmp_path, "--db", str(memory), "backup", str(tmp_path / "b.db"), check=False)
    assert ran.returncode == 0 and "backed up 1 units" in ran.stdout, ran.stderr
    ran = run_tm(tmp_path, "--db", str(memory), "restore", str(tmp_path / "b.db"), check=False)
    assert ran.returncode == 0 and "before-restore" in ran.stdout, ran.stderr


@needs_postgres
def test_backup_of_a_postgresql_memory_prints_the_pg_dump_command(tmp_path, pg_url):
    url = pg_url()
    open_store(url).close()
    ran = run_tm(tmp_path, "--db", url, "backup", "desk.dump", check=False)
    assert ran.returncode == 1
    assert "pg_dump --format=custom --schema=tm_copy_" in ran.stderr and "--file=desk.dump" in ran.stderr
