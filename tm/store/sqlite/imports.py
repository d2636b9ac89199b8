"""Bulk import into SQLite: staged in a private table, swapped in by one short transaction.

Parsing, normalizing and checking duplicates take most of an import's time, and none of it
needs SQLite's single write lock: units are staged in a table private to this connection (a
database attached for the import, or a TEMP table; writing it does not lock the memory), then
one transaction moves them into the memory with a few INSERT ... SELECT statements. Other
writers (the editor's saves) wait only for that swap, and the import stays all or nothing: an
error or a kill while staging leaves the memory untouched, and the swap is one transaction.

Staging costs little per unit: a batch that repeats nothing (most batches of most files) is
written without a Python loop, with what its units share written into the statement; the
stage is looked up only for sources it may hold (_Staged) and indexed only once one is.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from tm.errors import StoreError, UnitNotFound
from tm.store.bulk import AHEAD, Placed, Prepared, Swapping, batches, prepare
from tm.store.records import DUPLICATE_POLICIES, ORIGINS, FeedPosition, ImportResult, NewUnit, now
from tm.store.sqlite.db import Database

if TYPE_CHECKING:
    from tm.store.sqlite.units import SQLiteUnits

log = logging.getLogger(__name__)

_STAGE_COLS = (
    "source, target, source_lang, target_lang, source_norm, source_hash, origin, mt_draft, author, "
    "context, meta, created_at, changed_at, target_norm"
)
# The fields of a unit a staged row keeps, in this order; after them come what the import adds:
# sequence number, normalized source, its hash, metadata as JSON and normalized target. The
# time of staging stands for a missing creation time (and that for a missing change time), as
# `created_at or at` would.
_FIELDS = (
    "source",
    "target",
    "source_lang",
    "target_lang",
    "origin",
    "mt_draft",
    "author",
    "context",
    "created_at",
    "changed_at",
)
_GET = {field: attrgetter(field) for field in _FIELDS}
_UNIT_FIELDS = attrgetter(*_FIELDS)
_HASH = len(_FIELDS) + 2
# Fields that are often the same in every unit of a batch (a file's languages, origin, author,
# dates, no MT draft): such a field is written into the batch's INSERT, not bound for every row
# (binding copies each text, and costs Python's sqlite3 a failed look-up of adapters per None).
_SHARED = (
    "source_lang",
    "target_lang",
    "origin",
    "mt_draft",
    "author",
    "context",
    "created_at",
    "changed_at",
)


def _literal(value: Any) -> str | None:
    """Return a value as an SQL literal, None when it is better bound as a parameter."""
    # short ASCII text only: what a literal stores is then plainly what binding it would
    if value is None:
        return "NULL"
    if type(value) is str and len(value) <= 200 and value.isascii() and "\x00" not in value:
        return "'" + value.replace("'", "''") + "'"
    return None


def _stage_insert(table: str, bound: tuple[str, ...], written: dict[str, str], at: str) -> str:
    """Return the INSERT of staged rows with `bound` fields as parameters, `written` as literals."""
    # parameters: the bound fields in their order, then the import's five columns; `at` (the
    # time of staging) is a literal or a parameter after those
    n = len(bound)
    expr = {field: f"?{i}" for i, field in enumerate(bound, 1)} | written
    created, changed = expr["created_at"], expr["changed_at"]
    expr["created_at"] = f"COALESCE(NULLIF({created}, ''), {at})"
    expr["changed_at"] = f"COALESCE(NULLIF({changed}, ''), NULLIF({created}, ''), {at})"
    columns = ", ".join((*expr, "seq", "source_norm", "source_hash", "meta", "target_norm"))
    values = ", ".join((*expr.values(), *(f"?{n + k}" for k in range(1, 6))))
    return f"INSERT INTO {table} ({columns}) VALUES ({values})"


# The stage's page cache during an import, in KiB (256 MiB: some 300,000 news-length units).
STAGE_CACHE_KIB = 262_144
# The name the import's own database is attached under (see _Stage).
_SCHEMA = "tm_import"
# Python's switch interval (seconds) while a thread works alongside a swap: see _quick_switches.
SWAP_SWITCH_INTERVAL = 0.0005
# Hashes looked up in one statement (SQLite allows 32766 variables since 3.32; older ones 999).
_LOOKUP = 900


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
    while_swapping: Callable[[Iterable[str]], None] | None = None,
) -> ImportResult:
    """Add many units: all of them or, on any error, none.

    A unit whose source and target are already in the memory is skipped. One whose
    source is there with another target is skipped (`skip`), replaces that target
    with the change in the history (`overwrite`), or is added beside it (`keep`).
    """
    if on_duplicate not in DUPLICATE_POLICIES:
        raise ValueError(f"on_duplicate must be one of {', '.join(DUPLICATE_POLICIES)}")
    db = part.db
    if hasattr(units, "split"):  # a large file several processes can read at once
        from tm.store.sqlite.import_split import import_split

        split = import_split(part, units, on_duplicate, progress, while_swapping)
        if split is not None:
            return split
    result = ImportResult()
    overwrites: list[_Overwrite] = []
    stage = _Stage(db)
    staged: list[str] = []  # the normalized sources, for while_swapping
    try:
        stager = _Stager(db.conn(), stage, on_duplicate, result, overwrites)
        # every change of a unit appends to the history: while its newest entry is the one of
        # before the first look-up, the memory is as staging saw it
        before = _newest_change(db)
        stage_all(db, stager, units, progress, staged if while_swapping is not None else None)
        own = not db.in_transaction  # the swap commits here, not in a caller's transaction
        swapping = Swapping(lambda: staged)
        committing = db.large_commit() if own else nullcontext()
        with alongside(while_swapping, swapping), committing, db.transaction():
            start = _newest_change(db)
            if start != before:  # others changed the memory while this staged
                _recheck(part, stage.table, on_duplicate, result, overwrites)
            first, count = _swap(part, stage.table, result, overwrites)
            # every source read is in `staged` unless there were more than AHEAD
            swapping.place(placed(db, first, count, start) if len(staged) < AHEAD else None)
        if own:
            db.checkpoint_soon()  # the swap's large WAL into the file, beside the index learning
    except BaseException:
        stage.close(quiet=True)  # the error that got us here is the one to report
        raise
    stage.close()
    return result


def stage_all(
    db: Database,
    stager: _Stager,
    units: Iterable[NewUnit],
    progress: Callable[[int], None] | None,
    staged: list[str] | None,
) -> None:
    """Stage units batch by batch, keeping the first AHEAD normalized sources in `staged`."""
    try:
        for batch in map(prepare, batches(units)):
            stager.stage(batch)
            if staged is not None and len(staged) < AHEAD:
                staged += batch.norms
            if progress is not None:
                progress(len(batch.units))
    except (sqlite3.OperationalError, sqlite3.DatabaseError) as e:  # a full disk, say
        if isinstance(e, sqlite3.IntegrityError):
            raise
        raise db.translate(e) from e


@contextmanager
def alongside(work: Callable[[Iterable[str]], None] | None, swapping: Swapping) -> Iterator[None]:
    """Run work(swapping) on a thread of its own while the block runs (an import's swap).

    The swap spends its time in SQLite, and a split import's wait for its parts in other
    processes: both let this thread run Python meanwhile. The work is a help (the index coding
    the sources ahead): its failure is logged, not raised. A block that ends without saying
    where the units went (an error) says it cannot, for the work may wait for it.
    """
    if work is None:
        yield
        return

    def run() -> None:
        try:
            work(swapping)
        except Exception:
            log.exception("preparing for the imported units failed; the index codes them after")

    thread = threading.Thread(target=run, name="tm-import-ahead", daemon=True)
    with _quick_switches():
        thread.start()
        try:
            yield
        finally:
            swapping.place(None)  # no word if it was placed: the first one counts
            thread.join()


_switching = threading.Lock()
_switch_users = 0
_switch_before = 0.0


@contextmanager
def _quick_switches() -> Iterator[None]:
    """Let a thread that waits for the GIL have it within SWAP_SWITCH_INTERVAL, meanwhile.

    The swap's statements give the GIL up while SQLite runs them and want it back at their
    end, when the thread alongside is coding sources: with Python's usual interval (5 ms)
    each of them waited up to that long for it, some 0.2 s of a 50,000-unit swap. The
    interval is the process's: the first import in sets it, the last one out puts it back.
    """
    global _switch_users, _switch_before
    with _switching:
        if _switch_users == 0:
            _switch_before = sys.getswitchinterval()
            sys.setswitchinterval(min(_switch_before, SWAP_SWITCH_INTERVAL))
        _switch_users += 1
    try:
        yield
    finally:
        with _switching:
            _switch_users -= 1
            if _switch_users == 0:
                sys.setswitchinterval(_switch_before)


def placed(db: Database, first: int, count: int, start: tuple[int, int] | None) -> Placed | None:
    """Return where a swap put its units, if its changes since `start` are their creations alone.

    In the write transaction, after the swap: an overwrite (or a unit added back) made other
    changes, and an index could not learn those without reading them.
    """
    end = _newest_change(db)
    before = FeedPosition(*start) if start else FeedPosition()
    after = FeedPosition(*end) if end else FeedPosition()
    if after.change - before.change != count:
        return None
    return Placed(first, count, before, after)


def _newest_change(db: Database) -> tuple[int, int] | None:
    """Return the id and token of the newest history entry (None for none)."""
    return db.execute("SELECT id, token FROM history ORDER BY id DESC LIMIT 1").fetchone()


class _Stage:
    """The table an import's units wait in: private to the connection, gone after the import.

    Outside a transaction it is a table of a database attached for the import alone (SQLite's
    private temporary file, `ATTACH ''`) with a page cache of its own (STAGE_CACHE_KIB: a large
    import's stage is not written out and read back page by page; memory stays bounded, past
    that size pages go to the file) and large pages (a temporary database writes its pages out
    when a quarter of its cache is dirty: a few large writes, not thousands of small ones).
    Detaching it at the end costs nothing, where dropping a TEMP table of a large import walks
    every page of it. Inside a caller's transaction, where SQLite cannot attach, it is a TEMP
    table, the temp cache raised meanwhile and put back.

    The stage is indexed by source hash only once a batch may repeat a staged source (see
    _Staged): most files never repeat one, and keeping that index up costs a good part of
    what writing the stage costs.
    """

    def __init__(self, db: Database, file: str = ""):
        self.db = db
        conn = db.conn()
        self.attached = not (db.in_transaction or conn.in_transaction)
        self.temp_cache = 0
        self.indexed = False
        if self.attached:
            if any(row[1] == _SCHEMA for row in db.execute("PRAGMA database_list")):
                db.execute(f"DETACH {_SCHEMA}")  # left by an import that could not detach it
            db.execute(f"ATTACH ? AS {_SCHEMA}", (file,))
            self.schema, self.name = _SCHEMA, "stage"
            try:
                db.execute(f"PRAGMA {_SCHEMA}.page_size=65536")
                db.execute(f"PRAGMA {_SCHEMA}.secure_delete=OFF")  # scratch: nothing to wipe
                if file:  # another process's part of a split import (import_split): scratch too
                    db.execute(f"PRAGMA {_SCHEMA}.journal_mode=OFF")
                    db.execute(f"PRAGMA {_SCHEMA}.synchronous=OFF")
                db.execute(f"PRAGMA {_SCHEMA}.cache_size=-{STAGE_CACHE_KIB}")
                self._create()
            except BaseException:
                self.close(quiet=True)
                raise
        else:
            self.temp_cache = db.execute("PRAGMA temp.cache_size").fetchone()[0]
            db.execute(f"PRAGMA temp.cache_size=-{STAGE_CACHE_KIB}")
            self.schema, self.name = "temp", "import_stage"
            try:
                db.execute("DROP TABLE IF EXISTS temp.import_stage")
                self._create()
            except BaseException:
                self.close(quiet=True)
                raise
        self.table = f"{self.schema}.{self.name}"

    def _create(self) -> None:
        self.db.execute(
            f"CREATE TABLE {self.schema}.{self.name} (seq INTEGER PRIMARY KEY, source TEXT, target TEXT, "
            "source_lang TEXT, target_lang TEXT, source_norm TEXT, source_hash INTEGER, origin TEXT, "
            "mt_draft TEXT, author TEXT, context TEXT, meta TEXT, created_at TEXT, changed_at TEXT, "
            "target_norm TEXT)"
        )

    def index(self) -> None:
        """Index the stage by source hash (once), for looking staged sources up."""
        if not self.indexed:
            self.db.execute(f"CREATE INDEX {self.schema}.{self.name}_hash ON {self.name} (source_hash)")
            self.indexed = True

    def close(self, *, quiet: bool = False) -> None:
        """Remove the stage and put the connection back as it was (quiet: whatever fails)."""
        try:
            if self.attached:
                self.db.execute(f"DETACH {_SCHEMA}")  # a later import detaches it if this fails
                return
            try:
                self.db.execute("DROP TABLE IF EXISTS temp.import_stage")
            finally:
                self.db.execute(f"PRAGMA temp.cache_size={int(self.temp_cache)}")
        except (sqlite3.Error, StoreError):
            if not quiet:
                raise


class _Staged:
    """The source hashes staged so far, as a Bloom filter: fixed memory, never a false "no".

    A batch whose hashes it has not seen needs no look-up in the stage (nor its index); a
    false "maybe" only costs a look-up that finds nothing.
    """

    BITS = 1 << 26  # 8 MiB; with three probes, rarely a false "maybe" below a million units
    SHIFTS = (0, 19, 38)  # three 26-bit slices of the 64-bit hash

    def __init__(self) -> None:
        self.bits = np.zeros(self.BITS >> 3, dtype=np.uint8)
        self.empty = True

    def _probes(self, hashes: list[int]) -> list[np.ndarray]:
        h = np.array(hashes, dtype=np.int64).view(np.uint64)
        mask = np.uint64(self.BITS - 1)
        return [(h >> np.uint64(shift)) & mask for shift in self.SHIFTS]

    def maybe(self, hashes: list[int]) -> list[int]:
        """Return the hashes that may have been added."""
        if self.empty or not hashes:
            return []
        hit = np.ones(len(hashes), dtype=bool)
        for probe in self._probes(hashes):
            hit &= (self.bits[probe >> np.uint64(3)] >> (probe & np.uint64(7)).astype(np.uint8)) & 1 == 1
        return np.array(hashes, dtype=np.int64)[hit].tolist()

    def add(self, hashes: list[int]) -> None:
        """Remember hashes."""
        if not hashes:
            return
        for probe in self._probes(hashes):
            np.bitwise_or.at(
                self.bits, probe >> np.uint64(3), np.left_shift(1, probe & np.uint64(7)).astype(np.uint8)
            )
        self.empty = False


class _Stager:
    """Decides per unit (add, skip, overwrite) and writes the additions to the stage table.

    With `memory` False it looks up the stage alone, not the memory's units: a part of a split
    import, which its swap checks against the memory (import_split).
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        stage: _Stage,
        policy: str,
        result: ImportResult,
        overwrites: list[_Overwrite],
        *,
        memory: bool = True,
    ):
        self.conn, self.where, self.table, self.policy = conn, stage, stage.table, policy
        self.memory = memory
        self.result, self.overwrites = result, overwrites
        self.seq = 0
        self.staged = _Staged()
        # every field bound, and the time of staging last (for batches decided unit by unit)
        self.insert = _stage_insert(self.table, _FIELDS, {}, f"?{len(_FIELDS) + 6}")

    def _existing(self, hashes: list[int]) -> dict[tuple, list[list[Any]]]:
        """Return units of the memory and of the stage by (hash, source, langs): [key, target]."""
        existing: dict[tuple, list[list[Any]]] = {}
        # a memory with no units (the first import into it) has none of them
        if self.memory and self.conn.execute("SELECT 1 FROM main.units LIMIT 1").fetchone() is not None:
            self._lookup(existing, "main.units", "id", "unit", hashes)
        maybe = self.staged.maybe(hashes)
        if maybe:
            self.where.index()
            self._lookup(existing, self.table, "seq", "stage", maybe)
        return existing

    def _lookup(
        self, existing: dict[tuple, list[list[Any]]], table: str, key_col: str, tag: str, hashes: list[int]
    ) -> None:
        for i in range(0, len(hashes), _LOOKUP):
            chunk = hashes[i : i + _LOOKUP]
            rows = self.conn.execute(
                f"SELECT {key_col}, source_hash, source, source_lang, target_lang, target FROM {table} "
                f"WHERE source_hash IN ({','.join('?' * len(chunk))}) ORDER BY {key_col}",
                chunk,
            )
            for k, h, src, sl, tl, tgt in rows:
                existing.setdefault((h, src, sl, tl), []).append([(tag, k), tgt])

    def stage(self, batch: Prepared) -> None:
        """Stage one batch in its own short transaction of the private table."""
        at = now()
        distinct = set(batch.hashes)
        existing = self._existing(list(distinct))
        staged_overwrites: list[tuple[str, str, str, str, int]] = []
        rows: Iterable[tuple]
        if not existing and len(distinct) == len(batch.hashes):
            # the usual batch: no source of it is in the memory, the stage or twice in the batch;
            # its rows are put together without a Python loop
            n = len(batch.units)
            bound: list[str] = []
            columns: list[list[Any]] = []
            written: dict[str, str] = {}
            for field in _FIELDS:
                values = list(map(_GET[field], batch.units))
                if field in _SHARED and values.count(values[0]) == n:
                    literal = _literal(values[0])
                    if literal is not None:
                        written[field] = literal
                        continue
                bound.append(field)
                columns.append(values)
            insert = _stage_insert(self.table, tuple(bound), written, f"'{at}'")  # now(): ISO, ASCII
            rows = zip(
                *columns,
                range(self.seq + 1, self.seq + n + 1),
                batch.norms,
                batch.hashes,
                batch.metas,
                batch.target_norms,
                strict=True,
            )
            added = batch.hashes
            seq = self.seq + n
            self.result.added += n
        else:
            rows = []
            insert = self.insert
            units = zip(batch.units, batch.norms, batch.hashes, batch.target_norms, batch.metas, strict=True)
            seq = self._decide(units, existing, at, rows, staged_overwrites)
            added = [row[_HASH] for row in rows]
        conn = self.conn
        # a savepoint is a transaction of its own outside one, and nests inside a caller's
        conn.execute("SAVEPOINT stage")
        try:
            conn.executemany(insert, rows)
            conn.executemany(
                f"UPDATE {self.table} SET target=?, target_norm=?, origin=?, meta=? WHERE seq=?",
                staged_overwrites,
            )
        except BaseException:
            conn.execute("ROLLBACK TO stage")
            conn.execute("RELEASE stage")
            raise
        conn.execute("RELEASE stage")
        self.seq = seq
        self.staged.add(added)

    def _decide(
        self,
        columns: Iterable[tuple[NewUnit, str, int, str, str]],
        existing: dict[tuple, list[list[Any]]],
        at: str,
        rows: list[tuple],
        staged_overwrites: list[tuple[str, str, str, str, int]],
    ) -> int:
        """Apply the duplicate policy unit by unit; return the last sequence number used."""
        result = self.result
        seq = self.seq
        for new, norm, h, target_norm, meta in columns:
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
                    staged_overwrites.append((new.target, target_norm, new.origin, meta, k))
                same[0][1] = new.target
                result.updated += 1
                continue
            seq += 1
            rows.append(_UNIT_FIELDS(new) + (seq, norm, h, meta, target_norm, at))
            existing.setdefault(key, []).append([("stage", seq), new.target])
            result.added += 1
        return seq


_SAME_SOURCE = (
    "SELECT MIN(u.id) FROM main.units u WHERE u.source_hash = s.source_hash AND u.source = s.source "
    "AND u.source_lang = s.source_lang AND u.target_lang = s.target_lang"
)


def _recheck(
    part: SQLiteUnits, stage: str, policy: str, result: ImportResult, overwrites: list[_Overwrite]
) -> None:
    """Apply the duplicate policy again to what others added while the import was staging.

    One pass over the stage finds its units whose source the memory has: the same translation
    is skipped whatever the policy; another one is skipped (`skip`), replaces the older unit's
    (`overwrite`) or is kept beside it (`keep`).
    """
    db = part.db
    rows = db.execute(
        f"SELECT s.seq, ({_SAME_SOURCE}) AS unit_id, ({_SAME_SOURCE} AND u.target = s.target) IS NOT NULL, "
        "s.source, s.target, s.source_lang, s.target_lang, s.origin, s.mt_draft, s.author, s.context, s.meta "
        f"FROM {stage} AS s WHERE unit_id IS NOT NULL ORDER BY s.seq"
    ).fetchall()
    gone: list[tuple[int]] = []
    for seq, unit_id, same_pair, *fields, meta in rows:
        if not same_pair and policy == "keep":
            continue
        gone.append((seq,))
        result.added -= 1
        if same_pair or policy == "skip":
            result.skipped += 1
        else:
            src, tgt, sl, tl, origin, mt_draft, author, context = fields
            unit = NewUnit(src, tgt, origin, sl, tl, mt_draft, author, context, json.loads(meta))
            overwrites.append(_Overwrite(unit_id, unit))
            result.updated += 1
    db.executemany(f"DELETE FROM {stage} WHERE seq=?", gone)


def _swap(
    part: SQLiteUnits, stage: str, result: ImportResult, overwrites: list[_Overwrite]
) -> tuple[int, int]:
    """Move the staged units into the memory (inside the caller's write transaction).

    Return the first id given and how many units were added, with consecutive ids, in order
    (before the overwrites, which may add a unit back after them).
    """
    db = part.db
    # We hold the write lock, so no other writer can take ids between reading and using them;
    # deleted units' ids are never reused (history keys on them).
    base = db.execute(
        "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name='units'), 0), "
        "COALESCE((SELECT MAX(id) FROM units), 0), COALESCE((SELECT MAX(unit_id) FROM history), 0))"
    ).fetchone()[0]
    # The CHECK constraints of units and history are IN lists, which SQLite 3.40 checks with a
    # table of the list made for every row. The rows of the stage are checked here at once (the
    # origins; the status is the default and the action 'create'), and then the inserts skip the
    # checks; a stage with an origin the memory refuses is inserted with them, and refused.
    # a recheck may have removed staged rows: the units still get consecutive ids, in order,
    # as if the removed ones had never been staged (one pass finds that and the origins)
    origins = ", ".join(f"'{o}'" for o in ORIGINS)
    rows, top, refused = db.execute(
        f"SELECT COUNT(*), COALESCE(MAX(seq), 0), COALESCE(MAX(origin NOT IN ({origins})), 0) FROM {stage}"
    ).fetchone()
    checked = not refused
    gaps = rows != top
    ignoring = db.execute("PRAGMA ignore_check_constraints").fetchone()[0]
    unit_id = "? + ROW_NUMBER() OVER (ORDER BY seq)" if gaps else "? + seq"
    if checked and not ignoring:
        db.execute("PRAGMA ignore_check_constraints=ON")
    try:
        added = db.execute(
            f"INSERT INTO units (id, {_STAGE_COLS.replace(', target_norm', '')}) "
            f"SELECT {unit_id}, {_STAGE_COLS.replace(', target_norm', '')} FROM {stage} ORDER BY seq",
            (base,),
        ).rowcount
        db.execute(
            "INSERT INTO history (unit_id, version, action, source, target, origin, mt_draft, author, "
            f"at, meta, token) SELECT {unit_id}, 1, 'create', source, target, origin, mt_draft, author, "
            f"changed_at, meta, random() FROM {stage} ORDER BY seq",
            (base,),
        )
    finally:
        if checked and not ignoring:
            db.execute("PRAGMA ignore_check_constraints=OFF")
    db.execute(
        f"INSERT INTO units_fts (rowid, target_norm) SELECT {unit_id}, target_norm FROM {stage} ORDER BY seq",
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
    return base + 1, added
