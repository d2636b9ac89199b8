"""The storage contract on PostgreSQL (127.0.0.1:5432, database `test`), plus what only PostgreSQL has.

Each test gets an empty memory in a schema made once for the session and emptied between
tests (a fresh schema per test would spend most of the run on CREATE TABLE).
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'tm[postgres]')")

from tm.errors import Busy, FeedMismatch, StoreError  # noqa: E402
from tm.store import open_store  # noqa: E402
from tm.store.postgres import SCHEMA_VERSION, PostgresStore  # noqa: E402
from tm.store.postgres.schema import TABLES  # noqa: E402
from tm.store.records import FeedPosition, NewTerm  # noqa: E402

from .contract import StoreContract, unit  # noqa: E402
from .contract_common import WAIT  # noqa: E402

SERVER = os.environ.get("TM_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _server_answers() -> str | None:
    try:
        with psycopg.connect(SERVER, connect_timeout=3):
            return None
    except psycopg.Error as e:
        return f"no PostgreSQL server answers at {SERVER} ({str(e).strip().splitlines()[0]})"


_why = _server_answers()
pytestmark = pytest.mark.skipif(_why is not None, reason=_why or "")


def url(schema: str) -> str:
    return f"{SERVER}?options=-csearch_path%3D{schema}"


@pytest.fixture
def make_schema():
    """Return a function that makes a fresh schema; every schema made is dropped at the end."""
    made: list[str] = []

    def make() -> str:
        name = f"tm_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {name}")
        made.append(name)
        return name

    yield make
    with psycopg.connect(SERVER, autocommit=True) as conn:
        for name in made:
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


@pytest.fixture(scope="session")
def contract_schema():
    """A schema migrated once for the contract tests, dropped at the end of the session."""
    name = f"tm_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    PostgresStore(url(name)).close()
    yield name
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


class TestPostgresStore(StoreContract):
    @pytest.fixture
    def store(self, contract_schema):
        # DELETE, not TRUNCATE: emptying small tables is much faster than making new files
        with psycopg.connect(url(contract_schema)) as conn:
            for table in TABLES[:-1]:
                conn.execute(f"DELETE FROM {table}")
            conn.execute(
                "SELECT setval(c.oid, 1, false) FROM pg_class c "
                "WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace"
            )
            conn.execute("DELETE FROM meta WHERE key <> 'schema_version'")
            conn.execute("INSERT INTO meta (key, value) VALUES ('memory_id', %s)", (uuid.uuid4().hex,))
        s = PostgresStore(url(contract_schema), pool_size=12)
        yield s
        s.close()


# -- what only PostgreSQL has --------------------------------------------------------------


def test_the_schema_has_the_same_version_as_sqlites_so_a_migration_is_never_missing_on_one_engine():
    from tm.store.sqlite.schema import SCHEMA_VERSION as SQLITE_VERSION

    assert SCHEMA_VERSION == SQLITE_VERSION


def test_reopening_keeps_units_and_identity_and_does_not_migrate_again(make_schema):
    name = make_schema()
    store = PostgresStore(url(name))
    store.units.add(unit())
    identity = store.memory_id()
    store.close()
    again = PostgresStore(SERVER, schema=name)
    assert again.units.count() == 1 and again.schema_version() == SCHEMA_VERSION
    assert again.memory_id() == identity
    again.close()


def test_processes_starting_together_migrate_once(make_schema):
    name = make_schema()
    with ThreadPoolExecutor(max_workers=4) as pool:
        stores = list(pool.map(lambda _: PostgresStore(url(name), pool_size=2), range(4)))
    assert {s.memory_id() for s in stores} == {stores[0].memory_id()}
    assert {s.schema_version() for s in stores} == {SCHEMA_VERSION}
    for s in stores:
        s.close()


def test_a_schema_from_a_newer_tm_is_refused(make_schema):
    name = make_schema()
    PostgresStore(url(name)).close()
    with psycopg.connect(url(name), autocommit=True) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="newer tm"):
        PostgresStore(url(name))


def test_a_schema_of_another_program_is_left_alone(make_schema):
    name = make_schema()
    with psycopg.connect(url(name), autocommit=True) as conn:
        conn.execute("CREATE TABLE contacts (name text)")
    with pytest.raises(StoreError, match="another program"):
        PostgresStore(url(name))
    with psycopg.connect(url(name), autocommit=True) as conn:
        rows = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema=%s", (name,))
        assert [r[0] for r in rows] == ["contacts"]


def test_open_store_picks_postgresql_for_a_url_and_create_false_wants_a_memory(make_schema):
    name = make_schema()
    with pytest.raises(StoreError, match="no memory"):
        open_store(url(name), create=False)
    store = open_store(url(name))
    assert store.engine == "postgresql" and store.index_path is None
    store.close()
    again = open_store(url(name), create=False, busy_wait=1)
    assert again.units.count() == 0
    again.close()


def test_a_schema_that_does_not_exist_is_named_in_the_error():
    with pytest.raises(StoreError, match="no schema"):
        PostgresStore(url("tm_test_never_made"))


def test_the_location_names_server_database_and_schema_but_no_password(make_schema):
    name = make_schema()
    store = PostgresStore(url(name).replace("postgres@", "postgres:secret@"))
    assert "secret" not in store.location and name in store.location and "127.0.0.1" in store.location
    store.close()


def test_a_writer_blocked_longer_than_busy_wait_is_told_busy(make_schema):
    name = make_schema()
    holder = PostgresStore(url(name))
    waiter = PostgresStore(url(name), busy_wait=0.3)
    holding, release = threading.Event(), threading.Event()

    def hold():
        with holder.transaction():
            holder.units.add(unit())
            holding.set()
            release.wait(WAIT)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(WAIT)
        started = time.monotonic()
        with pytest.raises(Busy, match="busy with another change"):
            waiter.glossary.add(NewTerm("مؤتمر", "conference"))
        assert time.monotonic() - started < 5  # its own short wait, not the usual 10 s
    finally:
        release.set()
        thread.join()
    assert waiter.glossary.add(NewTerm("مؤتمر", "conference")).id  # and works once the lock is free
    holder.close()
    waiter.close()


def test_memories_in_two_schemas_do_not_wait_for_each_other(make_schema):
    a = PostgresStore(url(make_schema()))
    b = PostgresStore(url(make_schema()), busy_wait=0.3)
    with a.transaction():
        a.units.add(unit())
        with ThreadPoolExecutor(max_workers=1) as pool:
            assert pool.submit(b.units.add, unit()).result(WAIT).id == 1
    a.close()
    b.close()


def test_the_feed_misses_no_commit_of_writers_racing_each_other(make_schema):
    name = make_schema()
    store = PostgresStore(url(name))
    others = [PostgresStore(url(name), pool_size=2) for _ in range(3)]  # as other processes would
    done = threading.Event()
    seen: dict[int, str | None] = {}
    positions = []

    def follow():
        position = store.units.feed_position()
        while True:
            finished = done.is_set()
            position, changes = store.units.changes_since(position)
            positions.append(position.change)
            seen.update(changes)
            if finished:
                return

    def write(s, n):
        ids = []
        for i in range(40):
            with s.transaction():
                u = s.units.add(unit(f"خبر {n} رقم {i}", f"item {n}.{i}"))
                if i % 3 == 0:
                    s.units.update(u.id, author="sara", target=f"item {n}.{i}, edited")
            ids.append(u.id)
        return ids

    with ThreadPoolExecutor(max_workers=4) as pool:
        follower = pool.submit(follow)
        written = [f.result(WAIT) for f in [pool.submit(write, s, n) for n, s in enumerate(others)]]
        done.set()
        follower.result(WAIT)
    assert set(seen) == {i for ids in written for i in ids}
    assert positions == sorted(positions)
    assert store.units.changes_since(store.units.feed_position())[1] == {}
    for s in (store, *others):
        s.close()


def test_a_position_from_a_replaced_database_raises_feed_mismatch(make_schema):
    name = make_schema()
    store = PostgresStore(url(name))
    store.units.add(unit("أ", "a"))
    seen = store.units.feed_position()
    store.close()
    with psycopg.connect(url(name), autocommit=True) as conn:  # restored: the last change is gone
        conn.execute("DELETE FROM history WHERE id = %s", (seen.change,))
        conn.execute("DELETE FROM units")
    restored = PostgresStore(url(name))
    restored.units.add(unit("ب", "b"))
    with pytest.raises(FeedMismatch):
        restored.units.changes_since(seen)
    restored.close()


TARGETS = [
    "The central bank raised interest rates by 0.5 percentage points.",
    "Central-bank officials met on Monday; the bank's governor spoke.",
    "The bank, central to the plan, said nothing.",
    "U.S. officials said the e-mail (sent at 10:30) was genuine.",
    "It's the minister's 2nd visit to São Paulo in 2024",
    "Rates_rose 3.5% in Q3 — analysts say “central bank” policy worked",
]
QUERIES = [
    ["central", "bank"],
    ["bank"],
    ["central-bank"],
    ["bank's"],
    ["0", "5"],
    ["0.5"],
    ["3.5%"],
    ["u.s."],
    ["e", "mail"],
    ["it", "s"],
    ["são", "paulo"],
    ["rates", "rose"],
    ["rates_rose"],
    ["“central", "bank”"],
    ["10:30"],
    ["!!"],
    ["central", "to", "the", "plan"],
]


def test_target_search_finds_what_sqlite_finds(make_schema, tmp_path):
    from tm.store.sqlite import SQLiteStore

    pg = PostgresStore(url(make_schema()))
    lite = SQLiteStore(tmp_path / "m.db")
    for i, target in enumerate(TARGETS):
        for s in (pg, lite):
            s.units.add(unit(f"جملة {i}", target))
    for words in QUERIES:
        assert pg.units.target_candidates(words, 10) == lite.units.target_candidates(words, 10), words
    pg.close()
    lite.close()


def test_an_import_copies_many_units_with_search_and_feed(make_schema):
    store = PostgresStore(url(make_schema()))
    result = store.units.import_units(unit(f"خبر رقم {i}", f"news item {i}") for i in range(5000))
    assert result.added == 5000 and store.units.count() == 5000
    assert store.units.target_candidates(["item", "4321"], 5) != []
    _, changes = store.units.changes_since(FeedPosition())
    assert len(changes) == 5000
    assert store.units.add(unit("جديد", "new")).id == 5001
    store.close()


def test_a_large_import_leaves_the_planners_statistics_fresh(make_schema):
    # without them the first lookups after a bulk import planned sequential scans (37 ms at 10^6)
    name = make_schema()
    store = PostgresStore(url(name))
    try:
        assert store.units.import_units(unit(f"جملة مستوردة رقم {i}", f"imported {i}") for i in range(10_001)).added
        rows = store.db.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE schemaname = %s AND last_analyze IS NOT NULL",
            (name,),
        ).fetchall()
        assert {"units", "history"} <= {r[0] for r in rows}
    finally:
        store.close()
