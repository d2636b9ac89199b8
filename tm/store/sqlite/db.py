"""One SQLite file shared by threads and processes: a connection per thread, short transactions.

Every thread gets its own connection (nothing is shared across threads), so a read never
sees another thread's uncommitted rows. A write transaction takes SQLite's single write
lock at BEGIN (IMMEDIATE), so writers queue instead of failing halfway; one that cannot get
the lock within the busy timeout raises Busy, which the CLI and the web app turn into
"busy, try again". `committed()` gives a second connection of the thread that is never inside a write
transaction, for derived state (the fuzzy index) that must learn committed changes only.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import threading
import uuid
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tm.errors import Busy, StoreError
from tm.store.sqlite.schema import MIGRATIONS, SCHEMA_VERSION

# How long a writer waits for another one to finish before answering "busy".
BUSY_TIMEOUT = 10.0
# A large commit's page cache, in KiB (Database.large_commit): 256 MiB, the pages a swap of some
# 100,000 news-length units changes; a larger one spills what goes past it, as any would.
LARGE_COMMIT_CACHE_KIB = 262_144


def _translate(e: sqlite3.Error, path: Path) -> StoreError:
    """Turn an SQLite error into one that tells the user what happened and what to do."""
    text = str(e)
    low = text.lower()
    if "locked" in low or "busy" in low:
        return Busy()
    if "readonly" in low or "read-only" in low:
        return StoreError(
            f"the memory {path} is read-only for this user; check the file's permissions "
            "(and its folder's: SQLite writes a -wal file beside it)"
        )
    if "disk is full" in low or "full" in low and "database" in low:
        return StoreError(f"the disk of {path} is full; nothing was changed; free some space")
    if "unable to open" in low:
        return StoreError(f"cannot open the memory {path}: {text}; check the path and permissions")
    if isinstance(e, sqlite3.DatabaseError) and ("not a database" in low or "malformed" in low):
        return StoreError(f"{path} is not a tm memory or is damaged (SQLite says: {text}); check --db")
    return StoreError(f"the memory {path} could not be used: {text}")


class _Connection(sqlite3.Connection):
    """A connection that can be weakly referenced (so a finished thread's one can be freed)."""


class _Local(threading.local):
    conn: sqlite3.Connection | None = None
    reader: sqlite3.Connection | None = None
    depth: int = 0


class Database:
    """Connections to one SQLite file: one per thread, opened on first use."""

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout: float = BUSY_TIMEOUT):
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self._local = _Local()
        self.commits = 0  # write transactions this process committed (see Store.commits)
        self._commit_count = itertools.count(1)
        # weak: a thread's connection is freed (and closed) when its thread ends
        self._conns: weakref.WeakSet[sqlite3.Connection] = weakref.WeakSet()
        self._conns_lock = threading.Lock()
        self._closed = False
        self._checkpoints: list[threading.Thread] = []  # see checkpoint_soon
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"cannot make the folder of the memory {self.path}: {e.strerror}") from e
        self._migrate()

    # -- connections -------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError(f"the memory {self.path} was closed")
        try:
            conn = sqlite3.connect(
                self.path,
                isolation_level=None,
                check_same_thread=False,
                timeout=self.busy_timeout,
                factory=_Connection,
            )
            conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-65536")  # 64 MB: bulk imports touch many index pages
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
        except sqlite3.Error as e:
            raise _translate(e, self.path) from e
        with self._conns_lock:
            self._conns.add(conn)
        return conn

    def translate(self, e: sqlite3.Error) -> StoreError:
        """Return the user-facing error for an SQLite error raised by this database."""
        return _translate(e, self.path)

    def conn(self) -> sqlite3.Connection:
        """Return this thread's connection."""
        local = self._local
        if self._closed:
            raise StoreError(f"the memory {self.path} was closed")
        if local.conn is None:
            local.conn = self._connect()
        return local.conn

    @property
    def in_transaction(self) -> bool:
        """Tell whether this thread is inside a write transaction."""
        return self._local.depth > 0

    def execute(self, sql: str, args: Any = ()) -> sqlite3.Cursor:
        """Run one statement on this thread's connection."""
        try:
            return self.conn().execute(sql, args)
        except sqlite3.Error as e:
            if isinstance(e, sqlite3.IntegrityError | sqlite3.ProgrammingError):
                raise
            raise _translate(e, self.path) from e

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        """Run one statement for many rows on this thread's connection."""
        try:
            return self.conn().executemany(sql, rows)
        except sqlite3.Error as e:
            if isinstance(e, sqlite3.IntegrityError | sqlite3.ProgrammingError):
                raise
            raise _translate(e, self.path) from e

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group changes: all of them are kept or none; nested calls are savepoints."""
        local = self._local
        conn = self.conn()
        outer = local.depth == 0
        try:
            conn.execute("BEGIN IMMEDIATE" if outer else f"SAVEPOINT sp{local.depth}")
        except sqlite3.Error as e:
            raise _translate(e, self.path) from e
        local.depth += 1
        try:
            yield
        except BaseException:
            local.depth -= 1
            try:
                if outer:
                    conn.execute("ROLLBACK")
                else:
                    conn.execute(f"ROLLBACK TO sp{local.depth}")
                    conn.execute(f"RELEASE sp{local.depth}")
            except sqlite3.Error:
                if outer and conn.in_transaction:
                    raise
            raise
        local.depth -= 1
        try:
            conn.execute("COMMIT" if outer else f"RELEASE sp{local.depth}")
        except sqlite3.Error as e:
            if outer and conn.in_transaction:
                conn.execute("ROLLBACK")
            raise _translate(e, self.path) from e
        if outer:
            self.commits = next(self._commit_count)

    @contextmanager
    def committed(self) -> Iterator[sqlite3.Connection]:
        """Yield a connection that sees committed data only, as one snapshot.

        It is a second connection of this thread, never inside this thread's write
        transaction, so derived state (the fuzzy index) never learns a change that may still
        roll back, and writes made meanwhile on the thread's own connection do not clash with it.
        """
        local = self._local
        if self._closed:
            raise StoreError(f"the memory {self.path} was closed")
        if local.reader is None:
            local.reader = self._connect()
        conn = local.reader
        if conn.in_transaction:  # nested use on this thread: the outer snapshot serves
            yield conn
            return
        try:
            conn.execute("BEGIN")
        except sqlite3.Error as e:
            raise _translate(e, self.path) from e
        try:
            yield conn
        except sqlite3.Error as e:
            raise _translate(e, self.path) from e
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")

    @contextmanager
    def large_commit(self) -> Iterator[None]:
        """Let the commits made inside write the WAL only; checkpoint_soon copies it later.

        SQLite copies a WAL past 1,000 pages into the file at the end of the commit that grew
        it (the connection's automatic checkpoint): a bulk import's commit would wait for its
        whole copy, where the importer can go on (learning the units) while a thread copies.

        Meanwhile the page cache is LARGE_COMMIT_CACHE_KIB, then back to what it was: past the
        cache, SQLite writes changed pages to the WAL before the commit and reads them back
        when the next row lands on them (an import of 50,000 news units changes some 110 MB of
        pages: its swap took 1.5 s with the usual 64 MB, 0.85 s with this).
        """
        conn = self.conn()
        pages = conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        cache = conn.execute("PRAGMA cache_size").fetchone()[0]
        conn.execute("PRAGMA wal_autocheckpoint=0")
        conn.execute(f"PRAGMA cache_size=-{LARGE_COMMIT_CACHE_KIB}")
        try:
            yield
        finally:
            conn.execute(f"PRAGMA wal_autocheckpoint={int(pages)}")
            conn.execute(f"PRAGMA cache_size={int(cache)}")

    def checkpoint_soon(self) -> None:
        """Copy the WAL into the file on a thread of its own (after a large commit).

        On the committer's time still (close waits for it): left to SQLite's automatic
        checkpoint, the next writer, a translator's confirm, would pay for the copy.
        """

        def checkpoint() -> None:
            try:
                self.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except (StoreError, sqlite3.Error):  # closed meanwhile, or busy: a later checkpoint copies it
                pass

        thread = threading.Thread(target=checkpoint, name="tm-checkpoint", daemon=True)
        with self._conns_lock:  # imports on several threads (tm serve): close waits for each
            self._checkpoints = [t for t in self._checkpoints if t.is_alive()]
            self._checkpoints.append(thread)
            thread.start()

    def close(self) -> None:
        """Close this thread's connections; other threads can no longer use theirs.

        Another thread's connection is never closed under it (SQLite may be running a
        statement on it): it refuses new work from now on and is closed when its thread ends.
        A checkpoint under way (checkpoint_soon) is finished first.
        """
        with self._conns_lock:
            checkpoints, self._checkpoints = self._checkpoints, []
        for thread in checkpoints:
            if thread is not threading.current_thread():
                thread.join()
        self._closed = True
        local = self._local
        for conn in (local.conn, local.reader):
            if conn is not None:
                conn.close()
        local.conn = local.reader = None

    def open_connections(self) -> int:
        """Return how many connections of this database are still open (tests, diagnostics)."""
        with self._conns_lock:
            return len(self._conns)

    # -- schema ------------------------------------------------------------------

    def _migrate(self) -> None:
        """Bring the schema up to date, once, even when several processes start together."""
        conn = self.conn()
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path} is not a tm memory (SQLite says: {e}); check --db") from e
        if tables and "meta" not in tables:
            raise StoreError(f"{self.path} is an SQLite file of another program, not a tm memory; check --db")
        version = self._version(conn) if "meta" in tables else 0
        if version == SCHEMA_VERSION:
            return
        self._check_version(version)
        with self.transaction():
            conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            version = self._version(conn)  # another process may have migrated meanwhile
            self._check_version(version)
            # the memory's identity is made with its schema: reading it never needs the write lock
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('memory_id', ?)", (uuid.uuid4().hex,)
            )
            for number in range(version, SCHEMA_VERSION):
                step = MIGRATIONS[number]
                if callable(step):
                    step(conn)
                else:
                    for statement in _statements(step):
                        conn.execute(statement)
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(number + 1),),
                )

    @staticmethod
    def _version(conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return int(row[0]) if row else 0

    def _check_version(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer tm (schema {version}, this tm knows "
                f"{SCHEMA_VERSION}); upgrade tm to open it"
            )

    def schema_version(self) -> int:
        """Return the schema version of the file."""
        return self._version(self.conn())


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (none of ours has ; inside a literal)."""
    return [s.strip() for s in script.split(";") if s.strip()]
