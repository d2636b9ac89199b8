"""Bulk import into PostgreSQL: staged in a TEMP table by COPY, swapped in by one short transaction.

Parsing, normalizing and checking duplicates take most of an import's time, and none of it
needs the memory's writer lock: units are copied into a TEMP table (private to the import's
connection, which the import keeps for its length), then one transaction moves them into
the memory with a few INSERT ... SELECT statements. Other writers wait only for that swap,
and the import stays all or nothing: an error while staging leaves the memory untouched.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg

from tm.errors import UnitNotFound
from tm.store.bulk import Prepared, batches, prepare
from tm.store.postgres.units import TOKEN
from tm.store.postgres.words import tsvector
from tm.store.records import DUPLICATE_POLICIES, ImportResult, NewUnit, now

if TYPE_CHECKING:
    from tm.store.postgres.units import PostgresUnits

_COLS = (
    "source, target, source_lang, target_lang, source_norm, source_hash, origin, mt_draft, author, "
    "context, meta, created_at, changed_at"
)
_STAGE_COLS = f"seq, {_COLS}, target_words"
_C = 'TEXT COLLATE "C"'


@dataclass
class _Overwrite:
    """A unit already in the memory whose target an import replaces (policy `overwrite`)."""

    unit_id: int
    unit: NewUnit


def import_units(
    part: PostgresUnits,
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
    result = ImportResult()
    overwrites: list[_Overwrite] = []
    # the stage is a TEMP table of this connection: the import keeps it until the end
    with db.connection() as conn:
        try:
            conn.execute("DROP TABLE IF EXISTS pg_temp.import_stage")
            conn.execute(
                f"CREATE TEMP TABLE import_stage (seq BIGINT PRIMARY KEY, source {_C}, target {_C}, "
                f"source_lang {_C}, target_lang {_C}, source_norm {_C}, source_hash BIGINT, origin {_C}, "
                f"mt_draft {_C}, author {_C}, context {_C}, meta {_C}, created_at {_C}, changed_at {_C}, "
                "target_words TEXT)"
            )
            conn.execute("CREATE INDEX import_stage_hash ON pg_temp.import_stage (source_hash)")
        except psycopg.Error as e:
            raise db.translate(e) from e
        try:
            stager = _Stager(conn, db.in_transaction, on_duplicate, result, overwrites)
            try:
                for batch in map(prepare, batches(units)):
                    stager.stage(batch)
                    if progress is not None:
                        progress(len(batch.units))
            except psycopg.Error as e:
                if isinstance(e, psycopg.errors.IntegrityError):
                    raise
                raise db.translate(e) from e
            with db.transaction():
                _recheck(part, on_duplicate, result, overwrites)
                _swap(part, result, overwrites)
            if result.added > 10_000 and not db.in_transaction:
                # the planner's statistics before the next lookup, not whenever autovacuum gets to it
                conn.execute("ANALYZE units")
                conn.execute("ANALYZE history")
        finally:
            try:
                conn.execute("DROP TABLE IF EXISTS pg_temp.import_stage")
            except psycopg.Error:  # the caller's failed transaction: the table goes with it
                pass
    return result


class _Stager:
    """Decides per unit (add, skip, overwrite) and copies the additions into the stage table."""

    def __init__(
        self,
        conn: psycopg.Connection[Any],
        nested: bool,
        policy: str,
        result: ImportResult,
        overwrites: list[_Overwrite],
    ):
        self.conn, self.nested, self.policy = conn, nested, policy
        self.result, self.overwrites = result, overwrites
        self.seq = 0

    def _existing(self, hashes: list[int]) -> dict[tuple, list[list[Any]]]:
        """Return units of the memory and of the stage by (hash, source, langs): [key, target]."""
        existing: dict[tuple, list[list[Any]]] = {}
        for table, key_col, tag in (("units", "id", "unit"), ("pg_temp.import_stage", "seq", "stage")):
            rows = self.conn.execute(
                f"SELECT {key_col}, source_hash, source, source_lang, target_lang, target FROM {table} "
                f"WHERE source_hash = ANY(%s) ORDER BY {key_col}",
                (hashes,),
            )
            for k, h, src, sl, tl, tgt in rows:
                existing.setdefault((h, src, sl, tl), []).append([(tag, k), tgt])
        return existing

    def stage(self, batch: Prepared) -> None:
        """Stage one batch (in a savepoint when the import runs inside a caller's transaction)."""
        at = now()
        existing = self._existing(list(set(batch.hashes)))
        rows: list[tuple] = []
        staged_overwrites: list[tuple[str, str, str, str, int]] = []
        result = self.result
        for new, norm, h, target_norm, meta in zip(
            batch.units, batch.norms, batch.hashes, batch.target_norms, batch.metas, strict=True
        ):
            key = (h, new.source, new.source_lang, new.target_lang)
            same = existing.get(key)
            if same and (self.policy == "skip" or any(t == new.target for _, t in same)):
                result.skipped += 1
                continue
            if same and self.policy == "overwrite":
                (tag, k), _ = same[0]
                if tag == "unit":
                    self.overwrites.append(_Overwrite(k, new))
                else:  # the first copy is still in the stage: it gets the newer target
                    staged_overwrites.append((new.target, tsvector(target_norm), new.origin, meta, k))
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
                    norm,
                    h,
                    new.origin,
                    new.mt_draft,
                    new.author,
                    new.context,
                    meta,
                    created,
                    new.changed_at or created,
                    tsvector(target_norm),
                )
            )
            existing.setdefault(key, []).append([("stage", self.seq), new.target])
            result.added += 1
        conn = self.conn
        if self.nested:
            conn.execute("SAVEPOINT stage")
        try:
            with conn.cursor() as cur:
                if rows:
                    with cur.copy(f"COPY pg_temp.import_stage ({_STAGE_COLS}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                if staged_overwrites:
                    cur.executemany(
                        "UPDATE pg_temp.import_stage SET target=%s, target_words=%s, origin=%s, meta=%s "
                        "WHERE seq=%s",
                        staged_overwrites,
                    )
        except BaseException:
            if self.nested:
                conn.execute("ROLLBACK TO stage")
                conn.execute("RELEASE stage")
            raise
        if self.nested:
            conn.execute("RELEASE stage")


_SAME_SOURCE = (
    "FROM units u WHERE u.source_hash = s.source_hash AND u.source = s.source "
    "AND u.source_lang = s.source_lang AND u.target_lang = s.target_lang"
)


def _recheck(part: PostgresUnits, policy: str, result: ImportResult, overwrites: list[_Overwrite]) -> None:
    """Apply the duplicate policy again to what others added while the import was staging."""
    db = part.db
    # the same translation: skipped whatever the policy
    gone = db.execute(
        "DELETE FROM pg_temp.import_stage AS s "
        f"WHERE EXISTS (SELECT 1 {_SAME_SOURCE} AND u.target = s.target)"
    ).rowcount
    result.added -= gone
    result.skipped += gone
    if policy == "keep":
        return
    # the same source with another translation: skipped, or an overwrite of the older unit
    rows = db.execute(
        f"SELECT s.seq, (SELECT MIN(u.id) {_SAME_SOURCE}), s.source, s.target, s.source_lang, "
        "s.target_lang, s.origin, s.mt_draft, s.author, s.context, s.meta FROM pg_temp.import_stage AS s "
        f"WHERE EXISTS (SELECT 1 {_SAME_SOURCE}) ORDER BY s.seq"
    ).fetchall()
    if not rows:
        return
    db.execute("DELETE FROM pg_temp.import_stage WHERE seq = ANY(%s)", ([r[0] for r in rows],))
    for _seq, unit_id, *fields, meta in rows:
        result.added -= 1
        if policy == "skip":
            result.skipped += 1
        else:
            src, tgt, sl, tl, origin, mt_draft, author, context = fields
            unit = NewUnit(src, tgt, origin, sl, tl, mt_draft, author, context, json.loads(meta))
            overwrites.append(_Overwrite(unit_id, unit))
            result.updated += 1


def _swap(part: PostgresUnits, result: ImportResult, overwrites: list[_Overwrite]) -> None:
    """Move the staged units into the memory (inside the caller's write transaction)."""
    db = part.db
    last = db.execute("SELECT MAX(seq) FROM pg_temp.import_stage").fetchone()[0]
    if last is not None:
        # We hold the writer lock, so no other writer takes ids between reserving and using
        # them; a sequence never goes back, so a deleted unit's id is never reused.
        seq = "pg_get_serial_sequence('units', 'id')"
        base = db.execute(f"SELECT nextval({seq}) - 1").fetchone()[0]
        db.execute(f"SELECT setval({seq}, %s)", (base + last,))
        db.execute(
            f"INSERT INTO units (id, {_COLS}, target_words) SELECT %s + seq, {_COLS}, target_words::tsvector "
            "FROM pg_temp.import_stage ORDER BY seq",
            (base,),
        )
        db.execute(
            "INSERT INTO history (unit_id, version, action, source, target, origin, mt_draft, author, "
            "at, meta, token) SELECT %s + seq, 1, 'create', source, target, origin, mt_draft, author, "
            f"changed_at, meta, {TOKEN} FROM pg_temp.import_stage ORDER BY seq",
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
