"""Translation units, their history and the committed-change feed (a part of the SQLite store)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tm.errors import FeedMismatch, StaleUnit, UnitNotFound
from tm.lang import normalize
from tm.store.base import _UNSET
from tm.store.records import (
    ORIGINS,
    FeedPosition,
    HistoryEntry,
    ImportResult,
    NewUnit,
    Unit,
    check_review,
    now,
    source_hash,
)
from tm.store.rows import INSERT_COLS, key_pages, key_spans, unit_values
from tm.store.sqlite.db import Database

_UNIT_COLS = (
    "id, source, target, origin, source_lang, target_lang, mt_draft, author, context, meta, "
    "created_at, changed_at, version, status, reviewer, provenance"
)
_HISTORY_COLS = (
    "id, unit_id, version, action, source, target, origin, mt_draft, author, at, meta, "
    "status, reviewer, provenance, qa_override"
)


def _unit(row: tuple) -> Unit:
    return Unit(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8],
        json.loads(row[9]), row[10], row[11], row[12], row[13], row[14], row[15],
    )  # fmt: skip


def _history_entry(r: tuple) -> HistoryEntry:
    # fmt: off
    return HistoryEntry(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], json.loads(r[10]),
        r[11], r[12], r[13], None if r[14] is None else json.loads(r[14]),
    )
    # fmt: on


def fts_query(words: list[str]) -> str:
    """Return an FTS5 phrase query for words, each quoted so no syntax leaks in."""
    return '"' + " ".join(w.replace('"', '""') for w in words) + '"'


class SQLiteUnits:
    """Translation units, their history and the change feed in one SQLite file."""

    def __init__(self, db: Database):
        self.db = db

    # -- writes ---------------------------------------------------------------

    def _history(
        self, unit: Unit, action: str, author: str | None, at: str, qa_override: list[str] | None = None
    ) -> None:
        self.db.execute(
            "INSERT INTO history (unit_id, version, action, source, target, origin, mt_draft, "
            "author, at, meta, status, reviewer, provenance, qa_override, token) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, random())",
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
                unit.status,
                unit.reviewer,
                unit.provenance,
                None if qa_override is None else json.dumps(qa_override),
            ),
        )

    def _insert(self, new: NewUnit, norm: str, h: int) -> Unit:
        at = now()
        created = new.created_at or at
        changed = new.changed_at or created
        meta = json.dumps(new.meta, ensure_ascii=False)
        cur = self.db.execute(
            f"INSERT INTO units ({INSERT_COLS}) VALUES (NULL, {', '.join('?' * 16)})",
            unit_values(new, norm, h, meta, created, changed),
        )
        unit_id = cur.lastrowid
        assert unit_id is not None
        self.db.execute(
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
            new.status,
            new.reviewer,
            new.provenance,
        )
        self._history(unit, "create", new.changed_by or new.author, changed, new.qa_override)
        return unit

    def _fts_delete(self, unit: Unit) -> None:
        self.db.execute(
            "INSERT INTO units_fts (units_fts, rowid, target_norm) VALUES ('delete', ?, ?)",
            (unit.id, normalize(unit.target)),
        )

    def add(self, unit: NewUnit) -> Unit:
        """Store a new unit and its `create` history entry."""
        norm = normalize(unit.source)
        with self.db.transaction():
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
        status: str | None = None,
        reviewer: str | None = _UNSET,
        provenance: str | None = _UNSET,
        qa_override: list[str] | None = None,
        changed_by: str | None = None,
    ) -> Unit:
        """Change a unit, bump its version and append the change to its history.

        The history entry names `changed_by` (default: `author`) as who made the change, and
        records in `qa_override` the blocking QA findings that person confirmed over.
        """
        if origin is not None and origin not in ORIGINS:
            raise ValueError(f"origin must be one of {', '.join(ORIGINS)}")
        with self.db.transaction():
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
                old.status if status is None else status,
                old.reviewer if reviewer is _UNSET else reviewer,
                old.provenance if provenance is _UNSET else provenance,
            )
            check_review(new.status, new.provenance)
            norm = normalize(new.source)
            self.db.execute(
                "UPDATE units SET source=?, target=?, source_norm=?, source_hash=?, origin=?, "
                "mt_draft=?, author=?, context=?, meta=?, changed_at=?, version=?, status=?, reviewer=?, "
                "provenance=? WHERE id=?",
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
                    new.status,
                    new.reviewer,
                    new.provenance,
                    unit_id,
                ),
            )
            self.db.execute(
                "INSERT INTO units_fts (rowid, target_norm) VALUES (?, ?)", (unit_id, normalize(new.target))
            )
            self._history(new, "update", changed_by or author, new.changed_at, qa_override)
            return new

    def delete(self, unit_id: int, *, author: str | None, expected_version: int | None = None) -> None:
        """Remove a unit; its history, with the deletion, stays."""
        with self.db.transaction():
            old = self.get(unit_id)
            if expected_version is not None and expected_version != old.version:
                raise StaleUnit(unit_id, expected_version, old.version)
            self._fts_delete(old)
            self.db.execute("DELETE FROM units WHERE id=?", (unit_id,))
            old.version += 1
            self._history(old, "delete", author, now())

    # -- reads ----------------------------------------------------------------

    def get(self, unit_id: int) -> Unit:
        """Return a unit or raise UnitNotFound."""
        row = self.db.execute(f"SELECT {_UNIT_COLS} FROM units WHERE id=?", (unit_id,)).fetchone()
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
            for row in self.db.execute(f"SELECT {_UNIT_COLS} FROM units WHERE id IN ({marks})", chunk):
                out[row[0]] = _unit(row)
        return out

    def find_source(self, norm: str) -> list[Unit]:
        """Return the units whose normalized source is exactly norm, oldest first."""
        rows = self.db.execute(
            f"SELECT {_UNIT_COLS}, source_norm FROM units WHERE source_hash=? ORDER BY id",
            (source_hash(norm),),
        )
        return [_unit(r[:-1]) for r in rows if r[-1] == norm]

    def history(self, unit_id: int) -> list[HistoryEntry]:
        """Return every change of a unit, oldest first, also after its deletion."""
        rows = self.db.execute(f"SELECT {_HISTORY_COLS} FROM history WHERE unit_id=? ORDER BY id", (unit_id,))
        return [_history_entry(r) for r in rows]

    def iter_units(self, batch: int = 2000) -> Iterator[Unit]:
        """Yield every unit in id order, a batch of rows at a time."""
        last = 0
        while True:
            rows = self.db.execute(
                f"SELECT {_UNIT_COLS} FROM units WHERE id > ? ORDER BY id LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                return
            for r in rows:
                yield _unit(r)
            last = rows[-1][0]

    def page_units(
        self,
        *,
        after_id: int = 0,
        limit: int = 50,
        origin: str | None = None,
        author: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[Unit]:
        """Return up to limit units with an id above after_id, in id order, filtered as list_units."""
        where, args = _unit_filters(origin, author, since, until)
        where.append("id > ?")
        args.append(after_id)
        sql = f"SELECT {_UNIT_COLS} FROM units WHERE {' AND '.join(where)} ORDER BY id LIMIT ?"
        return [_unit(r) for r in self.db.execute(sql, (*args, limit))]

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
        where, args = _unit_filters(origin, author, since, until)
        if ids is not None:
            if not ids:
                return []
            where.append(f"id IN ({','.join('?' * len(ids))})")
            args.extend(ids)
        sql = f"SELECT {_UNIT_COLS} FROM units"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY changed_at DESC, id DESC LIMIT ? OFFSET ?"
        return [_unit(r) for r in self.db.execute(sql, (*args, limit, offset))]

    def authors(self) -> list[str]:
        """Return the names that appear as unit authors."""
        return [
            r[0]
            for r in self.db.execute("SELECT DISTINCT author FROM units WHERE author IS NOT NULL ORDER BY 1")
        ]

    def import_units(
        self,
        units: Iterable[NewUnit],
        *,
        on_duplicate: str = "skip",
        progress: Callable[[int], None] | None = None,
        while_swapping: Callable[[Iterable[str]], None] | None = None,
    ) -> ImportResult:
        """Add many units: all or none, without holding other writers up longer than a short swap."""
        from tm.store.sqlite.imports import import_units

        return import_units(
            self, units, on_duplicate=on_duplicate, progress=progress, while_swapping=while_swapping
        )

    def feed_position(self) -> FeedPosition:
        """Return the position of the newest committed change."""
        with self.db.committed() as conn:
            return _position(conn)

    def changes_since(self, position: FeedPosition) -> tuple[FeedPosition, dict[int, str | None]]:
        """Return the newest committed position and, per unit changed since, its source or None.

        SQLite has one writer at a time and history ids grow in commit order, so reading up
        to the newest committed id in one snapshot never skips a change.
        """
        with self.db.committed() as conn:
            if position.change:
                row = conn.execute("SELECT token FROM history WHERE id=?", (position.change,)).fetchone()
                if row is None or row[0] != position.token:
                    raise FeedMismatch(
                        f"the memory {self.db.path} is not in the state the index was made from "
                        "(restored from a backup or replaced)"
                    )
            newest = _position(conn)
            rows = conn.execute(
                "SELECT h.unit_id, u.source_norm FROM history h LEFT JOIN units u ON u.id = h.unit_id "
                "WHERE h.id > ? AND h.id <= ? ORDER BY h.id",
                (position.change, newest.change),
            ).fetchall()
        return newest, dict(rows)

    @contextmanager
    def snapshot_keys(
        self, without: range | None = None
    ) -> Iterator[tuple[FeedPosition, Iterator[tuple[int, str]]]]:
        """Yield the newest position and (id, normalized source) of every unit, from one snapshot.

        The units whose ids are in `without` (a range of step 1) are left out.
        """
        spans = key_spans(without)
        with self.db.committed() as conn:

            def page(after: int, before: int) -> list[tuple[int, str]]:
                return conn.execute(
                    "SELECT id, source_norm FROM units WHERE id > ? AND id < ? ORDER BY id LIMIT 20000",
                    (after, before),
                ).fetchall()

            yield _position(conn), key_pages(spans, page)

    def count(self) -> int:
        """Return the number of units."""
        return self.db.execute("SELECT COUNT(*) FROM units").fetchone()[0]

    def stats(self) -> dict[str, Any]:
        """Return counts by origin and language pair, history size and file size."""
        by_origin = dict(self.db.execute("SELECT origin, COUNT(*) FROM units GROUP BY origin"))
        pairs = {
            f"{s}>{t}": n
            for s, t, n in self.db.execute(
                "SELECT source_lang, target_lang, COUNT(*) FROM units GROUP BY 1, 2 ORDER BY 3 DESC"
            )
        }
        path = self.db.path
        size = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
        return {
            "engine": "sqlite",
            "path": str(path),
            "units": self.count(),
            "by_origin": by_origin,
            "language_pairs": pairs,
            "history_entries": self.db.execute("SELECT COUNT(*) FROM history").fetchone()[0],
            "deleted": self.db.execute("SELECT COUNT(*) FROM history WHERE action='delete'").fetchone()[0],
            "bytes": size,
            "schema_version": self.db.schema_version(),
        }

    def target_candidates(self, words: list[str], limit: int) -> list[int]:
        """Return ids of the newest units whose normalized target contains the phrase."""
        if not words:
            return []
        rows = self.db.execute(
            "SELECT rowid FROM units_fts WHERE units_fts MATCH ? ORDER BY rowid DESC LIMIT ?",
            (fts_query(words), limit),
        )
        return [r[0] for r in rows]


def _position(conn: sqlite3.Connection) -> FeedPosition:
    row = conn.execute("SELECT id, token FROM history ORDER BY id DESC LIMIT 1").fetchone()
    return FeedPosition(*row) if row else FeedPosition()


def _unit_filters(
    origin: str | None, author: str | None, since: str | None, until: str | None
) -> tuple[list[str], list[Any]]:
    """Return the WHERE conditions and arguments of the unit list filters that are set."""
    where: list[str] = []
    args: list[Any] = []
    for cond, value in (
        ("origin = ?", origin),
        ("author = ?", author),
        ("changed_at >= ?", since),
        ("changed_at < ?", until),
    ):
        if value:
            where.append(cond)
            args.append(value)
    return where, args
