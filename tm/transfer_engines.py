"""How each engine reads and writes a memory's tables for a copy (tm.transfer drives them).

A side works on one connection inside one transaction: the source's is a read snapshot,
the destination's the one write transaction that makes the copy appear all at once.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tm.errors import TMError
from tm.lang import normalize
from tm.store import open_store

BATCH = 5000


class TransferError(TMError):
    """A copy that was refused or did not check out; the destination was left as it was."""


class Side:
    """Reading and writing one engine's tables on one connection (inside a transaction)."""

    engine = ""

    def tables(self) -> set[str]:
        raise NotImplementedError

    def columns(self, table: str) -> list[str]:
        raise NotImplementedError

    def rows(self, sql: str) -> Iterator[tuple[Any, ...]]:
        raise NotImplementedError

    def scalar(self, sql: str) -> Any:
        raise NotImplementedError

    def sequences(self, tables: list[str]) -> dict[str, int]:
        raise NotImplementedError

    def write(self, table: str, cols: list[str], rows: Iterator[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    def set_sequences(self, seqs: dict[str, int]) -> None:
        raise NotImplementedError

    def put_meta(self, items: dict[str, str]) -> None:
        raise NotImplementedError

    def meta(self) -> dict[str, str]:
        return dict(self.rows("SELECT key, value FROM meta ORDER BY key"))


class SQLiteSide(Side):
    engine = "sqlite"

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def tables(self) -> set[str]:
        names = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return {n for n in names if not n.startswith(("sqlite_", "units_fts"))}

    def columns(self, table: str) -> list[str]:
        return [r[1] for r in self.conn.execute(f"PRAGMA table_info({table})")]

    def rows(self, sql: str) -> Iterator[tuple[Any, ...]]:
        cur = self.conn.execute(sql)
        while batch := cur.fetchmany(BATCH):
            yield from batch

    def scalar(self, sql: str) -> Any:
        return self.conn.execute(sql).fetchone()[0]

    def sequences(self, tables: list[str]) -> dict[str, int]:
        rows = self.conn.execute("SELECT name, seq FROM sqlite_sequence")
        return {str(n): int(s) for n, s in rows if n in tables}

    def write(self, table: str, cols: list[str], rows: Iterator[tuple[Any, ...]]) -> None:
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        fts = table == "units"
        ident, target = (cols.index("id"), cols.index("target")) if fts else (0, 0)
        while batch := _take(rows, BATCH):
            self.conn.executemany(sql, batch)
            if fts:  # the concordance's words, as the engine indexes them when a unit is added
                self.conn.executemany(
                    "INSERT INTO units_fts (rowid, target_norm) VALUES (?, ?)",
                    [(r[ident], normalize(r[target])) for r in batch],
                )

    def set_sequences(self, seqs: dict[str, int]) -> None:
        for name, value in seqs.items():
            changed = self.conn.execute(
                "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", (value, name)
            ).rowcount
            if not changed and value > 0:
                self.conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (name, value))

    def put_meta(self, items: dict[str, str]) -> None:
        self.conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            list(items.items()),
        )


class PostgresSide(Side):
    engine = "postgresql"

    def __init__(self, conn: Any, schema: str):
        self.conn = conn
        self.schema = schema
        self._cursors = 0

    def tables(self) -> set[str]:
        rows = self.conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (self.schema,)
        ).fetchall()
        return {r[0] for r in rows}

    def columns(self, table: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
            "AND table_name = %s ORDER BY ordinal_position",
            (self.schema, table),
        ).fetchall()
        return [r[0] for r in rows]

    def rows(self, sql: str) -> Iterator[tuple[Any, ...]]:
        # a server-side cursor: the rows stream in batches, inside the snapshot's transaction
        self._cursors += 1
        with self.conn.cursor(name=f"tm_copy_{self._cursors}") as cur:
            cur.itersize = BATCH
            cur.execute(sql)
            yield from cur

    def scalar(self, sql: str) -> Any:
        return self.conn.execute(sql).fetchone()[0]

    def _sequence(self, table: str) -> str | None:
        row = self.conn.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()
        return None if row is None else row[0]

    def sequences(self, tables: list[str]) -> dict[str, int]:
        seqs: dict[str, int] = {}
        for table in tables:
            name = self._sequence(table)
            if name:
                last, called = self.conn.execute(f"SELECT last_value, is_called FROM {name}").fetchone()
                seqs[table] = int(last) if called else int(last) - 1
        return seqs

    def write(self, table: str, cols: list[str], rows: Iterator[tuple[Any, ...]]) -> None:
        from tm.store.postgres.words import tsvector  # noqa: PLC0415 (psycopg is an extra)

        words = table == "units"
        names = cols + ["target_words"] if words else cols
        target = cols.index("target") if words else 0
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row, tsvector(normalize(row[target]))) if words else row)

    def set_sequences(self, seqs: dict[str, int]) -> None:
        for name, value in seqs.items():
            seq = self._sequence(name)
            if seq and value > 0:
                self.conn.execute("SELECT setval(%s, %s)", (seq, value))

    def put_meta(self, items: dict[str, str]) -> None:
        for key, value in items.items():
            self.conn.execute(
                "INSERT INTO meta (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )


def _take(rows: Iterator[tuple[Any, ...]], n: int) -> list[tuple[Any, ...]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= n:
            break
    return batch


@contextmanager
def reading(store: Any) -> Iterator[Side]:
    """Yield the source's side inside one read snapshot."""
    with store.db.committed() as conn:
        if store.engine == "sqlite":
            yield SQLiteSide(conn)
        else:
            yield PostgresSide(conn, store.db.schema)


# -- the destination ---------------------------------------------------------------


def _temporary(dest: Path) -> Path:
    """Return a temporary file beside dest, removing ones that killed copies left."""
    for stale in dest.parent.glob(f".{dest.name}.tm-copy-*"):
        pid = stale.name.rsplit("-", 1)[-1].split(".")[0]
        if pid.isdigit() and not _alive(int(pid)):
            stale.unlink(missing_ok=True)
    return dest.with_name(f".{dest.name}.tm-copy-{os.getpid()}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def sqlite_destination(dest: Path) -> Iterator[Side]:
    """Yield a side writing a new SQLite memory that appears at dest only if the block succeeds."""
    if dest.exists():
        raise TransferError(
            f"{dest} exists; a copy into SQLite makes a new file: remove it or name another one"
        )
    tmp = _temporary(dest)
    for extra in ("", "-wal", "-shm", "-journal"):
        Path(f"{tmp}{extra}").unlink(missing_ok=True)
    try:
        open_store(tmp).close()  # the schema, at this tm's version, and a new memory_id
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            # atomicity comes from the rename: no journal needed while the file is private
            conn.execute("PRAGMA journal_mode=OFF")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute("PRAGMA cache_size=-262144")
            conn.execute("BEGIN")
            yield SQLiteSide(conn)
            conn.execute("COMMIT")
            conn.execute("PRAGMA journal_mode=WAL")
        finally:
            conn.close()
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        try:
            os.link(tmp, dest)  # fails if dest appeared meanwhile: never overwrite a memory
            tmp.unlink()
        except FileExistsError as e:
            raise TransferError(f"{dest} appeared while copying; the copy was not kept") from e
        except OSError:  # a file system without hard links
            os.replace(tmp, dest)
        fsync_dir(dest.parent)
    finally:
        for extra in ("", "-wal", "-shm", "-journal"):
            Path(f"{tmp}{extra}").unlink(missing_ok=True)


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def postgres_destination(store: Any) -> Iterator[Side]:
    """Yield a side writing into an empty PostgreSQL memory in one transaction (the writer lock held)."""
    with store.db.transaction(), store.db.connection() as conn:
        yield PostgresSide(conn, store.db.schema)
