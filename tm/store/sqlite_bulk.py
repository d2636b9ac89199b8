"""Bulk import into SQLite: batches of rows, one transaction (a part of SQLiteStore)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

from tm.store.base import DUPLICATE_POLICIES, ImportResult, NewUnit, now
from tm.store.bulk import Prepared, batches, prepare
from tm.store.rows import INSERT_COLS, unit_values


class BulkImport:
    """`import_units` for SQLiteStore, which provides `_db`, `transaction`, `get` and `update`."""

    _db: sqlite3.Connection

    def import_units(
        self,
        units: Iterable[NewUnit],
        *,
        on_duplicate: str = "skip",
        progress: Callable[[int], None] | None = None,
    ) -> ImportResult:
        """Add many units in one transaction: all of them or, on any error, none.

        A unit whose source and target are already in the memory is skipped. One whose
        source is there with another target is skipped (`skip`), replaces that target
        with the change in the history (`overwrite`), or is added beside it (`keep`).
        """
        if on_duplicate not in DUPLICATE_POLICIES:
            raise ValueError(f"on_duplicate must be one of {', '.join(DUPLICATE_POLICIES)}")
        result = ImportResult()
        with self.transaction():
            next_id = self._db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM units").fetchone()[0]
            # ids of deleted units are never reused: history keys on them
            next_id = max(
                next_id, self._db.execute("SELECT COALESCE(MAX(unit_id), 0) + 1 FROM history").fetchone()[0]
            )
            for batch in map(prepare, batches(units)):
                next_id = self._import_batch(batch, on_duplicate, next_id, result)
                if progress is not None:
                    progress(len(batch))
        return result

    def _import_batch(
        self, prepared: list[Prepared], on_duplicate: str, next_id: int, result: ImportResult
    ) -> int:
        """Import a batch with a few bulk statements; return the next free unit id."""
        at = now()
        hashes = list({p.hash for p in prepared})
        existing: dict[tuple, list[list[Any]]] = {}
        for i in range(0, len(hashes), 500):
            chunk = hashes[i : i + 500]
            rows = self._db.execute(
                "SELECT id, source_hash, source, source_lang, target_lang, target FROM units "
                f"WHERE source_hash IN ({','.join('?' * len(chunk))}) ORDER BY id",
                chunk,
            )
            for uid, h, src, sl, tl, tgt in rows:
                existing.setdefault((h, src, sl, tl), []).append([uid, tgt])
        units_rows: list[tuple] = []
        fts_rows: list[tuple] = []
        hist_rows: list[tuple] = []

        def flush() -> None:
            self._db.executemany(
                f"INSERT INTO units ({INSERT_COLS}) VALUES ({', '.join('?' * 14)})", units_rows
            )
            self._db.executemany("INSERT INTO units_fts (rowid, target_norm) VALUES (?, ?)", fts_rows)
            self._db.executemany(
                "INSERT INTO history (unit_id, version, action, source, target, origin, mt_draft, "
                "author, at, meta) VALUES (?, 1, 'create', ?, ?, ?, ?, ?, ?, ?)",
                hist_rows,
            )
            units_rows.clear()
            fts_rows.clear()
            hist_rows.clear()

        for p in prepared:
            new, norm, h = p.unit, p.norm, p.hash
            key = (h, new.source, new.source_lang, new.target_lang)
            same = existing.get(key)
            if same and (on_duplicate == "skip" or any(t == new.target for _, t in same)):
                result.skipped += 1
                continue
            if same and on_duplicate == "overwrite":
                flush()  # the unit to overwrite may be among the rows not yet written
                old = self.get(same[0][0])
                self.update(
                    old.id,
                    author=new.author,
                    target=new.target,
                    origin=new.origin,
                    meta={**old.meta, **new.meta},
                )
                same[0][1] = new.target
                result.updated += 1
                continue
            created = new.created_at or at
            changed = new.changed_at or created
            units_rows.append((next_id, *unit_values(new, norm, h, p.meta, created, changed)))
            fts_rows.append((next_id, p.target_norm))
            hist_rows.append(
                (next_id, new.source, new.target, new.origin, new.mt_draft, new.author, changed, p.meta)
            )
            existing.setdefault(key, []).append([next_id, new.target])
            next_id += 1
            result.added += 1
        flush()
        return next_id
