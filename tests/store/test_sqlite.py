import sqlite3

import pytest

from tm.errors import FeedMismatch, StoreError
from tm.lang import normalize
from tm.store.sqlite import SCHEMA_VERSION, SQLiteStore

from .contract import StoreContract, unit


class TestSQLiteStore(StoreContract):
    @pytest.fixture
    def store(self, tmp_path):
        s = SQLiteStore(tmp_path / "m.db")
        yield s
        s.close()


def test_file_uses_wal_foreign_keys_and_a_schema_version(tmp_path):
    store = SQLiteStore(tmp_path / "m.db")
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.schema_version() == SCHEMA_VERSION
    store.close()


def test_reopening_keeps_units_and_does_not_migrate_again(tmp_path):
    store = SQLiteStore(tmp_path / "m.db")
    store.units.add(unit())
    store.close()
    again = SQLiteStore(tmp_path / "m.db")
    assert again.units.count() == 1 and again.schema_version() == SCHEMA_VERSION
    again.close()


def test_a_file_from_a_newer_tm_is_refused(tmp_path):
    store = SQLiteStore(tmp_path / "m.db")
    store.db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    store.close()
    with pytest.raises(StoreError, match="newer tm"):
        SQLiteStore(tmp_path / "m.db")


def test_a_file_that_is_not_a_memory_is_refused_clearly(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreError, match="not a tm memory"):
        SQLiteStore(path)


def test_a_second_connection_sees_committed_units(tmp_path):
    a = SQLiteStore(tmp_path / "m.db")
    b = SQLiteStore(tmp_path / "m.db")
    u = a.units.add(unit())
    assert b.units.get(u.id).target == u.target
    assert sqlite3.connect(tmp_path / "m.db").execute("SELECT COUNT(*) FROM history").fetchone()[0] == 1
    a.close()
    b.close()


def test_an_sqlite_file_of_another_program_is_left_alone(tmp_path):
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE contacts (name TEXT)")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="another program"):
        SQLiteStore(path)
    tables = [r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")]
    assert tables == ["contacts"]


def test_a_memory_restored_from_a_backup_is_told_apart_from_the_one_the_feed_saw(tmp_path):
    path = tmp_path / "m.db"
    store = SQLiteStore(path)
    store.units.add(unit("أ", "a"))
    store.units.add(unit("ب", "b"))
    store.close()
    backup = path.read_bytes()
    store = SQLiteStore(path)
    store.units.add(unit("ج", "c"))
    seen = store.units.feed_position()  # what an index saved
    store.close()
    path.write_bytes(backup)  # the file is restored, then someone works on it again
    restored = SQLiteStore(path)
    restored.units.add(unit("د", "d"))
    assert restored.units.feed_position().change == seen.change
    with pytest.raises(FeedMismatch):
        restored.units.changes_since(seen)
    restored.close()


def test_another_process_sees_the_committed_changes_in_the_feed(tmp_path):
    a = SQLiteStore(tmp_path / "m.db")
    b = SQLiteStore(tmp_path / "m.db")
    mark = b.units.feed_position()
    u = a.units.add(unit())
    position, changes = b.units.changes_since(mark)
    assert changes == {u.id: normalize(u.source)}
    assert position == a.units.feed_position()
    a.close()
    b.close()
