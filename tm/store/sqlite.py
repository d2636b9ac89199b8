"""The default store: one SQLite file (WAL, foreign keys, versioned schema)."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tm.errors import StaleUnit, StoreError, UnitNotFound
from tm.lang import normalize
from tm.store.base import (
    _UNSET,
    ORIGINS,
    HistoryEntry,
    NewUnit,
    Unit,
    now,
    source_hash,
)
from tm.store.rows import INSERT_COLS, unit_values
from tm.store.schema import MIGRATIONS, SCHEMA_VERSION
from tm.store.sqlite_bulk import BulkImport
from tm.store.sqlite_terms import TermTables
from tm.store.sqlite_web import WebTables

_UNIT_COLS = (
    "id, source, target, origin, source_lang, target_lang, mt_draft, author, context, meta, "
    "created_at, changed_at, version"
)


def _unit(row: tuple) -> Unit:
    return Unit(*row[:9], json.loads(row[9]), *row[10:])  # type: ignore[arg-type]


def fts_query(words: list[str]) -> str:
    """Return an FTS5 phrase query for words, each quoted so no syntax leaks in."""
    return '"' + " ".join(w.replace('"', '""') for w in words) + '"'


class SQLiteStore(BulkImport, TermTables, WebTables):
    """A translation memory in one SQLite file."""

    engine = "sqlite"

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=30000")
            self._db.execute("PRAGMA cache_size=-65536")  # 64 MB: bulk imports touch many index pages
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path} is not a tm memory (SQLite says: {e}); check --db") from e
        except (sqlite3.Error, OSError) as e:
            raise StoreError(f"cannot open the memory {self.path}: {e}") from e
        self._lock = threading.RLock()
        self._depth = 0
        self._migrate()

    @property
    def index_path(self) -> Path:
        """Where the fuzzy index of this memory is saved."""
        return self.path.with_name(self.path.name + ".index")

    # -- schema ---------------------------------------------------------------

    def _migrate(self) -> None:
        try:
            tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            row = None
            if "meta" in tables:
                row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path} is not a tm memory (SQLite says: {e}); check --db") from e
        if row is None and tables - {"meta"}:
            raise StoreError(f"{self.path} is an SQLite file of another program, not a tm memory; check --db")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer tm (schema {version}, this tm knows "
                f"{SCHEMA_VERSION}); upgrade tm to open it"
            )
        for number in range(version, SCHEMA_VERSION):
            with self.transaction():
                for statement in _statements(MIGRATIONS[number]):
                    self._db.execute(statement)
                self._db.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(number + 1),),
                )

    def memory_id(self) -> str:
        """Return this memory's random identity (saved indexes are tied to it)."""
        row = self._db.execute("SELECT value FROM meta WHERE key='memory_id'").fetchone()
        if row:
            return row[0]
        with self.transaction():
            self._db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('memory_id', ?)",
                (uuid.uuid4().hex,),
            )
        return self._db.execute("SELECT value FROM meta WHERE key='memory_id'").fetchone()[0]

    def schema_version(self) -> int:
        """Return the schema version of the file."""
        return int(self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0])

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group changes: all of them are kept or none; nested calls join the outer one."""
        with self._lock:
            outer = self._depth == 0
            self._db.execute("BEGIN IMMEDIATE" if outer else f"SAVEPOINT sp{self._depth}")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._db.execute("ROLLBACK")
                else:
                    self._db.execute(f"ROLLBACK TO sp{self._depth}")
                    self._db.execute(f"RELEASE sp{self._depth}")
                raise
            self._depth -= 1
            self._db.execute("COMMIT" if outer else f"RELEASE sp{self._depth}")

    # -- writes ---------------------------------------------------------------

    def _history(self, unit: Unit, action: str, author: str | None, at: str) -> None:
        self._db.execute(
            "INSERT INTO history (unit_id, version, action, source, target, origin, mt_draft, "
            "author, at, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                unit.id,
                unit.version,
                action,
                unit.source,
                unit.target,
                unit.origin,
                unit.mt_draft,
                author,
                at,
                json.dumps(unit.meta, ensure_ascii=False),
            ),
        )

    def _insert(self, new: NewUnit, norm: str, h: int) -> Unit:
        at = now()
        created = new.created_at or at
        changed = new.changed_at or created
        meta = json.dumps(new.meta, ensure_ascii=False)
        cur = self._db.execute(
            f"INSERT INTO units ({INSERT_COLS}) VALUES (NULL, {', '.join('?' * 13)})",
            unit_values(new, norm, h, meta, created, changed),
        )
        unit_id = cur.lastrowid
        assert unit_id is not None
        self._db.execute(
            "INSERT INTO units_fts (rowid, target_norm) VALUES (?, ?)", (unit_id, normalize(new.target))
        )
        unit = Unit(
            unit_id,
            new.source,
            new.target,
            new.origin,
            new.source_lang,
            new.target_lang,
            new.mt_draft,
            new.author,
            new.context,
            dict(new.meta),
            created,
            changed,
            1,
        )
        self._history(unit, "create", new.author, changed)
        return unit

    def _fts_delete(self, unit: Unit) -> None:
        self._db.execute(
            "INSERT INTO units_fts (units_fts, rowid, target_norm) VALUES ('delete', ?, ?)",
            (unit.id, normalize(unit.target)),
        )

    def add(self, unit: NewUnit) -> Unit:
        """Store a new unit and its `create` history entry."""
        norm = normalize(unit.source)
        with self.transaction():
            return self._insert(unit, norm, source_hash(norm))

    def update(
        self,
        unit_id: int,
        *,
        author: str | None,
        expected_version: int | None = None,
        source: str | None = None,
        target: str | None = None,
        origin: str | None = None,
        mt_draft: str | None = _UNSET,
        context: str | None = _UNSET,
        meta: dict[str, Any] | None = None,
    ) -> Unit:
        """Change a unit, bump its version and append the change to its history."""
        if origin is not None and origin not in ORIGINS:
            raise ValueError(f"origin must be one of {', '.join(ORIGINS)}")
        with self.transaction():
            old = self.get(unit_id)
            if expected_version is not None and expected_version != old.version:
                raise StaleUnit(unit_id, expected_version, old.version)
            self._fts_delete(old)
            new = Unit(
                old.id,
                old.source if source is None else source,
                old.target if target is None else target,
                old.origin if origin is None else origin,
                old.source_lang,
                old.target_lang,
                old.mt_draft if mt_draft is _UNSET else mt_draft,
                author if author is not None else old.author,
                old.context if context is _UNSET else context,
                old.meta if meta is None else meta,
                old.created_at,
                now(),
                old.version + 1,
            )
            norm = normalize(new.source)
            self._db.execute(
                "UPDATE units SET source=?, target=?, source_norm=?, source_hash=?, origin=?, "
                "mt_draft=?, author=?, context=?, meta=?, changed_at=?, version=? WHERE id=?",
                (
                    new.source,
                    new.target,
                    norm,
                    source_hash(norm),
                    new.origin,
                    new.mt_draft,
                    new.author,
                    new.context,
                    json.dumps(new.meta, ensure_ascii=False),
                    new.changed_at,
                    new.version,
                    unit_id,
                ),
            )
            self._db.execute(
                "INSERT INTO units_fts (rowid, target_norm) VALUES (?, ?)", (unit_id, normalize(new.target))
            )
            self._history(new, "update", author, new.changed_at)
            return new

    def delete(self, unit_id: int, *, author: str | None, expected_version: int | None = None) -> None:
        """Remove a unit; its history, with the deletion, stays."""
        with self.transaction():
            old = self.get(unit_id)
            if expected_version is not None and expected_version != old.version:
                raise StaleUnit(unit_id, expected_version, old.version)
            self._fts_delete(old)
            self._db.execute("DELETE FROM units WHERE id=?", (unit_id,))
            old.version += 1
            self._history(old, "delete", author, now())

    # -- reads ----------------------------------------------------------------

    def get(self, unit_id: int) -> Unit:
        """Return a unit or raise UnitNotFound."""
        row = self._db.execute(f"SELECT {_UNIT_COLS} FROM units WHERE id=?", (unit_id,)).fetchone()
        if row is None:
            raise UnitNotFound(unit_id)
        return _unit(row)

    def get_many(self, ids: Iterable[int]) -> dict[int, Unit]:
        """Return the units that exist among ids."""
        ids = list(ids)
        out: dict[int, Unit] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(f"SELECT {_UNIT_COLS} FROM units WHERE id IN ({marks})", chunk):
                out[row[0]] = _unit(row)
        return out

    def find_source(self, norm: str) -> list[Unit]:
        """Return the units whose normalized source is exactly norm, oldest first."""
        rows = self._db.execute(
            f"SELECT {_UNIT_COLS}, source_norm FROM units WHERE source_hash=? ORDER BY id",
            (source_hash(norm),),
        )
        return [_unit(r[:-1]) for r in rows if r[-1] == norm]

    def history(self, unit_id: int) -> list[HistoryEntry]:
        """Return every change of a unit, oldest first, also after its deletion."""
        rows = self._db.execute(
            "SELECT id, unit_id, version, action, source, target, origin, mt_draft, author, at, meta "
            "FROM history WHERE unit_id=? ORDER BY id",
            (unit_id,),
        )
        return [HistoryEntry(*r[:10], json.loads(r[10])) for r in rows]

    def iter_units(self, batch: int = 2000) -> Iterator[Unit]:
        """Yield every unit in id order, a batch of rows at a time."""
        last = 0
        while True:
            rows = self._db.execute(
                f"SELECT {_UNIT_COLS} FROM units WHERE id > ? ORDER BY id LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                return
            for r in rows:
                yield _unit(r)
            last = rows[-1][0]

    def list_units(
        self,
        *,
        origin: str | None = None,
        author: str | None = None,
        since: str | None = None,
        until: str | None = None,
        ids: list[int] | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Unit]:
        """Return units newest change first, filtered by origin, author and change date."""
        where, args = [], []
        for cond, value in (
            ("origin = ?", origin),
            ("author = ?", author),
            ("changed_at >= ?", since),
            ("changed_at < ?", until),
        ):
            if value:
                where.append(cond)
                args.append(value)
        if ids is not None:
            if not ids:
                return []
            where.append(f"id IN ({','.join('?' * len(ids))})")
            args.extend(ids)
        sql = f"SELECT {_UNIT_COLS} FROM units"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY changed_at DESC, id DESC LIMIT ? OFFSET ?"
        return [_unit(r) for r in self._db.execute(sql, (*args, limit, offset))]

    def authors(self) -> list[str]:
        """Return the names that appear as unit authors."""
        return [
            r[0]
            for r in self._db.execute("SELECT DISTINCT author FROM units WHERE author IS NOT NULL ORDER BY 1")
        ]

    def iter_keys(self) -> Iterator[tuple[int, str]]:
        """Yield (id, normalized source) of every unit in id order."""
        last = 0
        while True:
            rows = self._db.execute(
                "SELECT id, source_norm FROM units WHERE id > ? ORDER BY id LIMIT 20000",
                (last,),
            ).fetchall()
            if not rows:
                return
            yield from rows
            last = rows[-1][0]

    def last_change(self) -> int:
        """Return the id of the newest history entry (0 for an empty memory)."""
        return self._db.execute("SELECT COALESCE(MAX(id), 0) FROM history").fetchone()[0]

    def changes_since(self, change_id: int) -> tuple[int, dict[int, str | None]]:
        """Return the newest change id and, per unit changed since, its normalized source or None."""
        # One statement, so the watermark and the rows come from one snapshot.
        rows = self._db.execute(
            "WITH w AS (SELECT COALESCE(MAX(id), 0) AS m FROM history) "
            "SELECT w.m, h.unit_id, u.source_norm FROM w "
            "LEFT JOIN history h ON h.id > ? AND h.id <= w.m "
            "LEFT JOIN units u ON u.id = h.unit_id",
            (change_id,),
        ).fetchall()
        newest = rows[0][0] if rows else change_id
        rows = [(uid, norm) for _, uid, norm in rows if uid is not None]
        return newest, dict(rows)

    def count(self) -> int:
        """Return the number of units."""
        return self._db.execute("SELECT COUNT(*) FROM units").fetchone()[0]

    def stats(self) -> dict[str, Any]:
        """Return counts by origin and language pair, history size and file size."""
        by_origin = dict(self._db.execute("SELECT origin, COUNT(*) FROM units GROUP BY origin"))
        pairs = {
            f"{s}>{t}": n
            for s, t, n in self._db.execute(
                "SELECT source_lang, target_lang, COUNT(*) FROM units GROUP BY 1, 2 ORDER BY 3 DESC"
            )
        }
        size = sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())
        return {
            "engine": self.engine,
            "path": str(self.path),
            "units": self.count(),
            "by_origin": by_origin,
            "language_pairs": pairs,
            "history_entries": self._db.execute("SELECT COUNT(*) FROM history").fetchone()[0],
            "deleted": self._db.execute("SELECT COUNT(*) FROM history WHERE action='delete'").fetchone()[0],
            "bytes": size,
            "schema_version": self.schema_version(),
        }

    def target_candidates(self, words: list[str], limit: int) -> list[int]:
        """Return ids of the newest units whose normalized target contains the phrase."""
        if not words:
            return []
        rows = self._db.execute(
            "SELECT rowid FROM units_fts WHERE units_fts MATCH ? ORDER BY rowid DESC LIMIT ?",
            (fts_query(words), limit),
        )
        return [r[0] for r in rows]


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (none of ours has ; inside a literal)."""
    return [s.strip() for s in script.split(";") if s.strip()]
