"""Copy a whole memory between engines (SQLite <-> PostgreSQL), checked by counts and checksums.

The copy is a new installation of the same content: every table's rows keep their ids (and
history its feed tokens, so the audit trail is the same rows), id sequences continue past the
source's, and derived columns (SQLite's FTS5 table, PostgreSQL's tsvector) are rebuilt by the
destination. It gets its own memory_id: two live memories with one identity would let
anything keyed on it (a saved fuzzy index, the glossary's cache key) take one for the other
once they diverge. Login sessions are not copied (everyone logs in again on the copy, and a
cookie of one installation never works on the other); queued and running jobs are not copied
(with both installations up they would run twice; a document whose drafting job is gone
offers "Draft it again"). API tokens, webhooks and their deliveries are copied.

The source is read in one snapshot (SQLite: a read transaction; PostgreSQL: REPEATABLE READ),
so writers keep working meanwhile. The destination is written all or nothing: SQLite into a
temporary file renamed into place at the end, PostgreSQL in one transaction; both are checked
against the source (rows and a SHA-256 per table) before they are kept.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tm.store import open_store
from tm.transfer_engines import (
    BATCH,
    Side,
    TransferError,
    postgres_destination,
    reading,
    sqlite_destination,
)

__all__ = ["TABLES", "CopyReport", "TransferError", "checksums", "copy_memory", "is_url"]

Progress = Callable[[str, int, int], None]  # (table, rows copied so far, rows in all)


@dataclass(frozen=True)
class Table:
    """A table to copy: its key (the order rows are read and checked in) and which rows go."""

    name: str
    key: tuple[str, ...] = ("id",)
    where: str | None = None  # rows copied; None: all
    sequence: bool = True


# Parents before children (foreign keys); every table of the schema but meta, which is special.
TABLES = (
    Table("units"),
    Table("history"),
    Table("terms"),
    Table("mt_cache", ("model", "source_norm"), sequence=False),
    Table("users"),
    Table("sessions", where="1 = 0"),
    Table("login_failures", where="1 = 0"),
    Table("tokens"),
    Table("jobs", where="state IN ('done', 'failed')"),
    Table("job_files", ("job_id", "seq"), where="1 = 0", sequence=False),  # only open jobs keep files
    Table("documents"),
    Table("document_files", ("document_id",), sequence=False),
    Table("segments", ("document_id", "idx"), sequence=False),
    Table("segment_history"),
    Table("comments"),
    Table("webhooks"),
    Table("deliveries"),
    Table("editing_time", ("document_id", "idx", "author", "day"), sequence=False),
)
# columns one engine derives from others: rebuilt, never copied
DERIVED = {"units": {"target_words"}}
# meta keys of one installation: its identity, and the secret that signs its cookies
OWN_META = {"memory_id", "secret_key", "schema_version"}


@dataclass
class TableReport:
    """What was copied of one table and how it checked out."""

    name: str
    rows: int = 0
    skipped: int = 0
    source_sum: str = ""
    dest_sum: str = ""

    @property
    def ok(self) -> bool:
        return self.source_sum == self.dest_sum


@dataclass
class CopyReport:
    """The outcome of a copy: per table rows and checksums, and how long it took."""

    source: str
    dest: str
    tables: list[TableReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def is_url(location: str) -> bool:
    """Tell whether a location is a PostgreSQL URL (else it is an SQLite file path)."""
    return location.startswith(("postgresql://", "postgres://"))


class Digest:
    """Count rows and hash their canonical content (the same on both engines)."""

    def __init__(self) -> None:
        self.rows = 0
        self._hash = hashlib.sha256()

    def add(self, row: tuple[Any, ...]) -> None:
        # both engines give int, str, bytes or None for every column; repr is canonical for those
        self.rows += 1
        self._hash.update(repr(row).encode("utf-8", "surrogatepass"))

    def hexdigest(self) -> str:
        return f"{self.rows}:{self._hash.hexdigest()[:16]}"


def _select(table: Table, cols: list[str]) -> str:
    where = f" WHERE {table.where}" if table.where else ""
    return f"SELECT {', '.join(cols)} FROM {table.name}{where} ORDER BY {', '.join(table.key)}"


def _check_empty(side: Side, where: str) -> None:
    full = [t.name for t in TABLES if side.scalar(f"SELECT EXISTS (SELECT 1 FROM {t.name})")]
    if full:
        units = side.scalar("SELECT count(*) FROM units")
        raise TransferError(
            f"{where} already holds a memory ({units} units; rows in {', '.join(full)}); "
            "a copy goes into an empty one: name a new schema (or drop this one's tables)"
        )


# -- the copy ----------------------------------------------------------------------


def _plan(src: Side, dst: Side, where: tuple[str, str]) -> dict[str, list[str]]:
    """Return the columns to copy per table, after checking both sides have the same tables."""
    known = {t.name for t in TABLES} | {"meta"}
    for side, loc in ((src, where[0]), (dst, where[1])):
        other = side.tables() - known
        if other:
            raise TransferError(
                f"{loc} has tables this tm does not know how to copy: {', '.join(sorted(other))}"
            )
    plan: dict[str, list[str]] = {}
    for table in TABLES:
        derived = DERIVED.get(table.name, set())
        s = [c for c in src.columns(table.name) if c not in derived]
        d = {c for c in dst.columns(table.name) if c not in derived}
        if set(s) != d:
            raise TransferError(
                f"the table {table.name} has other columns in {where[0]} than in {where[1]}; "
                "open both with this tm first (it brings a memory's schema up to date)"
            )
        plan[table.name] = sorted(s)  # the engines may order a table's columns differently
    return plan


def copy_memory(source: str, dest: str, *, progress: Progress | None = None) -> CopyReport:
    """Copy the memory at source into a new (SQLite) or empty (PostgreSQL) memory at dest.

    Raises TransferError, leaving dest as it was, when dest is not empty or the copy does not
    check out against the source.
    """
    started = time.monotonic()
    if not is_url(dest) and not is_url(source) and Path(source).resolve() == Path(dest).resolve():
        raise TransferError("the source and the destination are the same memory")
    if source == dest:
        raise TransferError("the source and the destination are the same memory")
    report = CopyReport(source, dest)
    with ExitStack() as stack:
        src_store = open_store(source, create=False)
        stack.callback(src_store.close)
        report.source = src_store.location
        if is_url(dest):
            dst_store: Any = open_store(dest, create=True)
            stack.callback(dst_store.close)
            report.dest = dst_store.location
            if report.dest == report.source:
                raise TransferError("the source and the destination are the same memory")
            dst = stack.enter_context(postgres_destination(dst_store))
            _check_empty(dst, report.dest)
        else:
            dst = stack.enter_context(sqlite_destination(Path(dest)))
        src = stack.enter_context(reading(src_store))
        if src_store.schema_version() != int(dst.meta()["schema_version"]):
            raise TransferError("the source and the destination have different schema versions")
        _copy(src, dst, (report.source, report.dest), report, progress)
    report.seconds = time.monotonic() - started
    return report


def _copy(
    src: Side, dst: Side, where: tuple[str, str], report: CopyReport, progress: Progress | None
) -> None:
    plan = _plan(src, dst, where)
    totals = {t.name: int(src.scalar(f"SELECT count(*) FROM {t.name}")) for t in TABLES}
    total = sum(totals.values())
    done = 0
    for table in TABLES:
        cols = plan[table.name]
        entry = TableReport(table.name)
        digest = Digest()

        def counted(
            rows: Iterator[tuple[Any, ...]], digest: Digest = digest, name: str = table.name
        ) -> Iterator[tuple[Any, ...]]:
            nonlocal done
            for row in rows:
                digest.add(row)
                yield row
                done += 1
                if progress is not None and done % BATCH == 0:
                    progress(name, done, total)

        dst.write(table.name, cols, counted(src.rows(_select(table, cols))))
        entry.rows = digest.rows
        entry.skipped = totals[table.name] - digest.rows
        done += entry.skipped
        entry.source_sum = digest.hexdigest()
        report.tables.append(entry)
        if progress is not None:
            progress(table.name, done, total)
    seqs = src.sequences([t.name for t in TABLES if t.sequence])
    for table in TABLES:  # ids continue past the source's, also past rows it deleted
        if table.sequence:
            top = src.scalar(f"SELECT coalesce(max(id), 0) FROM {table.name}")
            seqs[table.name] = max(int(top), seqs.get(table.name, 0))
    dst.set_sequences(seqs)
    dst.put_meta({k: v for k, v in src.meta().items() if k not in OWN_META})
    for entry, table in zip(report.tables, TABLES, strict=True):
        digest = Digest()
        for row in dst.rows(_select(Table(table.name, table.key), plan[table.name])):
            digest.add(row)
        entry.dest_sum = digest.hexdigest()
    bad = [t.name for t in report.tables if not t.ok]
    if bad:
        raise TransferError(
            f"the copy in {where[1]} does not match {where[0]} in {', '.join(bad)}; nothing was kept"
        )


def checksums(location: str) -> dict[str, str]:
    """Return every copied table's rows:checksum of the memory at location (one snapshot)."""
    store: Any = open_store(location, create=False)
    try:
        with reading(store) as side:
            sums = {}
            cols = {t.name: sorted(set(side.columns(t.name)) - DERIVED.get(t.name, set())) for t in TABLES}
            for table in TABLES:
                digest = Digest()
                for row in side.rows(_select(table, cols[table.name])):
                    digest.add(row)
                sums[table.name] = digest.hexdigest()
            return sums
    finally:
        store.close()
