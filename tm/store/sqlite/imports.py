"""Bulk import into SQLite: staged in a private table, swapped in by one short transaction.

Parsing, normalizing and checking duplicates take most of an import's time, and none of it
needs SQLite's single write lock: units are staged in a TEMP table (private to this
connection; writing it does not lock the memory), then one transaction moves them into
the memory with a few INSERT ... SELECT statements. Other writers (the editor's saves) wait
only for that swap, and the import stays all or nothing: an error or a kill while staging
leaves the memory untouched, and the swap is one transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tm.errors import UnitNotFound
from tm.store.bulk import Prepared, batches, prepare
from tm.store.records import DUPLICATE_POLICIES, ImportResult, NewUnit, now

if TYPE_CHECKING:
    from tm.store.sqlite.units import SQLiteUnits

_STAGE_COLS = (
    "source, target, source_lang, target_lang, source_norm, source_hash, origin, mt_draft, author, "
    "context, meta, created_at, changed_at, target_norm"
)


# The stage's page cache during an import, in KiB (256 MiB: some 300,000 news-length units).
STAGE_CACHE_KIB = 262_144


@dataclass
class _Overwrite:
    """A unit already in the memory whose target an import replaces (policy `overwrite`)."""

    unit_id: int
    unit: NewUnit


def import_units(
    part: SQLiteUnits,
    units: Iterable[NewUnit],
    *,
    on_duplicate: str = "skip",
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Add many units: all of them or, on any error, none.

    A unit whose source and target are already in the memory is skipped. One whose
    source is there with another target is skipped (`skip`), replaces that target
    with the change in the history (`overwrite`), or is added beside it (`keep`).
    """
    if on_duplicate not in DUPLICATE_POLICIES:
        raise ValueError(f"on_duplicate must be one of {', '.join(DUPLICATE_POLICIES)}")
    db = part.db
    conn = db.conn()
    result = ImportResult()
    overwrites: list[_Overwrite] = []
    # The stage lives in SQLite's temp file; a cache of its own of STAGE_CACHE_KIB keeps a
    # large import's stage from being written out and read back page by page (memory stays
    # bounded: past that size pages go to the temp file as before). Put back afterwards.
    temp_cache = db.execute("PRAGMA temp.cache_size").fetchone()[0]
    db.execute(f"PRAGMA temp.cache_size=-{STAGE_CACHE_KIB}")
    db.execute("DROP TABLE IF EXISTS temp.import_stage")
    db.execute(
        "CREATE TEMP TABLE import_stage (seq INTEGER PRIMARY KEY, source TEXT, target TEXT, "
        "source_lang TEXT, target_lang TEXT, source_norm TEXT, source_hash INTEGER, origin TEXT, "
        "mt_draft TEXT, author TEXT, context TEXT, meta TEXT, created_at TEXT, changed_at TEXT, "
        "target_norm TEXT)"
    )
    db.execute("CREATE INDEX temp.import_stage_hash ON import_stage (source_hash)")
    try:
        stager = _Stager(conn, on_duplicate, result, overwrites)
        try:
            for batch in map(prepare, batches(units)):
                stager.stage(batch)
                if progress is not None:
                    progress(len(batch))
        except (sqlite3.OperationalError, sqlite3.DatabaseError) as e:  # a full disk, say
            if isinstance(e, sqlite3.IntegrityError):
                raise
            raise db.translate(e) from e
        with db.transaction():
            _recheck(part, on_duplicate, result, overwrites)
            _swap(part, result, overwrites)
        if not db.in_transaction:
            # Copy the swap's large WAL into the file now, on the importer's time: left to
            # SQLite's auto-checkpoint, the next writer (a translator's confirm) would pay it.
            db.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        db.execute("DROP TABLE IF EXISTS temp.import_stage")
        db.execute(f"PRAGMA temp.cache_size={int(temp_cache)}")
    return result


class _Stager:
    """Decides per unit (add, skip, overwrite) and writes the additions to the stage table."""

    def __init__(
        self, conn: sqlite3.Connection, policy: str, result: ImportResult, overwrites: list[_Overwrite]
    ):
        self.conn, self.policy, self.result, self.overwrites = conn, policy, result, overwrites
        self.seq = 0

    def _existing(self, hashes: list[int]) -> dict[tuple, list[list[Any]]]:
        """Return units of the memory and of the stage by (hash, source, langs): [key, target]."""
        existing: dict[tuple, list[list[Any]]] = {}
        for i in range(0, len(hashes), 500):
            chunk = hashes[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for table, tag in (("main.units", "unit"), ("temp.import_stage", "stage")):
                key_col = "id" if tag == "unit" else "seq"
                rows = self.conn.execute(
                    f"SELECT {key_col}, source_hash, source, source_lang, target_lang, target FROM {table} "
                    f"WHERE source_hash IN ({marks}) ORDER BY {key_col}",
                    chunk,
                )
                for k, h, src, sl, tl, tgt in rows:
                    existing.setdefault((h, src, sl, tl), []).append([(tag, k), tgt])
        return existing

    def stage(self, prepared: list[Prepared]) -> None:
        """Stage one batch in its own short transaction of the private table."""
        at = now()
        existing = self._existing(list({p.hash for p in prepared}))
        rows: list[tuple] = []
        staged_overwrites: list[tuple[str, str, str, str, int]] = []
        result = self.result
        for p in prepared:
            new = p.unit
            key = (p.hash, new.source, new.source_lang, new.target_lang)
            same = existing.get(key)
            if same and (self.policy == "skip" or any(t == new.target for _, t in same)):
                result.skipped += 1
                continue
            if same and self.policy == "overwrite":
                (tag, k), _ = same[0]
                if tag == "unit":
                    self.overwrites.append(_Overwrite(k, new))
                else:  # the first copy is still in the stage: it gets the newer target
                    staged_overwrites.append((new.target, p.target_norm, new.origin, p.meta, k))
                same[0][1] = new.target
                result.updated += 1
                continue
            self.seq += 1
            created = new.created_at or at
            rows.append(
                (
                    self.seq,
                    new.source,
                    new.target,
                    new.source_lang,
                    new.target_lang,
                    p.norm,
                    p.hash,
                    new.origin,
                    new.mt_draft,
                    new.author,
                    new.context,
                    p.meta,
                    created,
                    new.changed_at or created,
                    p.target_norm,
                )
            )
            existing.setdefault(key, []).append([("stage", self.seq), new.target])
            result.added += 1
        conn = self.conn
        # a savepoint is a transaction of its own outside one, and nests inside a caller's
        conn.execute("SAVEPOINT stage")
        try:
            conn.executemany(
                f"INSERT INTO temp.import_stage (seq, {_STAGE_COLS}) VALUES ({', '.join('?' * 15)})", rows
            )
            conn.executemany(
                "UPDATE temp.import_stage SET target=?, target_norm=?, origin=?, meta=? WHERE seq=?",
                staged_overwrites,
            )
        except BaseException:
            conn.execute("ROLLBACK TO stage")
            conn.execute("RELEASE stage")
            raise
        conn.execute("RELEASE stage")


_SAME_SOURCE = (
    "SELECT MIN(u.id) FROM main.units u WHERE u.source_hash = s.source_hash AND u.source = s.source "
    "AND u.source_lang = s.source_lang AND u.target_lang = s.target_lang"
)


def _recheck(part: SQLiteUnits, policy: str, result: ImportResult, overwrites: list[_Overwrite]) -> None:
    """Apply the duplicate policy again to what others added while the import was staging."""
    db = part.db
    # the same translation: skipped whatever the policy
    gone = db.execute(
        f"DELETE FROM temp.import_stage AS s WHERE ({_SAME_SOURCE} AND u.target = s.target) IS NOT NULL"
    ).rowcount
    result.added -= gone
    result.skipped += gone
    if policy == "keep":
        return
    # the same source with another translation: skipped, or an overwrite of the older unit
    rows = db.execute(
        f"SELECT s.seq, ({_SAME_SOURCE}), s.source, s.target, s.source_lang, s.target_lang, s.origin, "
        "s.mt_draft, s.author, s.context, s.meta FROM temp.import_stage AS s "
        f"WHERE ({_SAME_SOURCE}) IS NOT NULL ORDER BY s.seq"
    ).fetchall()
    for seq, unit_id, *fields, meta in rows:
        db.execute("DELETE FROM temp.import_stage WHERE seq=?", (seq,))
        result.added -= 1
        if policy == "skip":
            result.skipped += 1
        else:
            src, tgt, sl, tl, origin, mt_draft, author, context = fields
            unit = NewUnit(src, tgt, origin, sl, tl, mt_draft, author, context, json.loads(meta))
            overwrites.append(_Overwrite(unit_id, unit))
            result.updated += 1


def _swap(part: SQLiteUnits, result: ImportResult, overwrites: list[_Overwrite]) -> None:
    """Move the staged units into the memory (inside the caller's write transaction)."""
    db = part.db
    # We hold the write lock, so no other writer can take ids between reading and using them;
    # deleted units' ids are never reused (history keys on them).
    base = db.execute(
        "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name='units'), 0), "
        "COALESCE((SELECT MAX(id) FROM units), 0), COALESCE((SELECT MAX(unit_id) FROM history), 0))"
    ).fetchone()[0]
    db.execute(
        f"INSERT INTO units (id, {_STAGE_COLS.replace(', target_norm', '')}) "
        f"SELECT ? + seq, {_STAGE_COLS.replace(', target_norm', '')} FROM temp.import_stage ORDER BY seq",
        (base,),
    )
    db.execute(
        "INSERT INTO units_fts (rowid, target_norm) SELECT ? + seq, target_norm FROM temp.import_stage",
        (base,),
    )
    db.execute(
        "INSERT INTO history (unit_id, version, action, source, target, origin, mt_draft, author, at, "
        "meta, token) SELECT ? + seq, 1, 'create', source, target, origin, mt_draft, author, changed_at, "
        "meta, random() FROM temp.import_stage ORDER BY seq",
        (base,),
    )
    for o in overwrites:
        try:
            old = part.get(o.unit_id)
        except UnitNotFound:  # deleted by someone since it was staged: the import adds it back
            part.add(o.unit)
            result.updated -= 1
            result.added += 1
            continue
        part.update(
            old.id,
            author=o.unit.author,
            target=o.unit.target,
            origin=o.unit.origin,
            meta={**old.meta, **o.unit.meta},
        )
