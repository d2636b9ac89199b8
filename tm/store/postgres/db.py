"""One PostgreSQL schema shared by threads and processes: pooled connections, short transactions.

A thread borrows a connection from the pool for one statement (autocommit: it sees only
committed rows) or for the length of its transaction, and gives it back at the end; nothing
is shared across threads. A write transaction takes the memory's writer lock (a transaction
advisory lock keyed by the schema) when it begins, so writers queue as on SQLite: one that
cannot get it within `busy_wait` seconds (`lock_timeout`) raises Busy. One writer at a time
also makes history ids grow in commit order, which the change feed relies on (the lock is
released only after the commit is visible). `committed()` gives a second, read-only
REPEATABLE READ connection for derived state that must learn committed changes only.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool, PoolTimeout

from tm.errors import Busy, StoreError

# How long a writer waits for another one to finish before answering "busy".
BUSY_TIMEOUT = 10.0
POOL_SIZE = 20

# SQLSTATEs of a lock not granted in time, a deadlock, a serialization failure: "try again"
_BUSY_STATES = {"55P03", "40P01", "40001"}


def safe_location(url: str) -> str:
    """Return a connection URL without its password, for messages."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://?"
    host, port = params.get("host", "localhost"), params.get("port", "5432")
    user, name = str(params.get("user", "")), params.get("dbname", "")
    return f"postgresql://{user + '@' if user else ''}{host}:{port}/{name}"


class Result:
    """The rows and row count of one statement, fetched before its connection went back."""

    def __init__(self, cur: psycopg.Cursor[Any]):
        self.rowcount = cur.rowcount
        self.rows: list[tuple[Any, ...]] = cur.fetchall() if cur.description is not None else []

    def fetchone(self) -> Any:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[Any]:
        return self.rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)


class _Local(threading.local):
    conn: psycopg.Connection[Any] | None = None
    depth: int = 0
    reader: psycopg.Connection[Any] | None = None
    nowait: bool = False


class Database:
    """Pooled connections to one schema of a PostgreSQL database."""

    def __init__(
        self,
        url: str,
        *,
        schema: str | None = None,
        create: bool = True,
        busy_timeout: float = BUSY_TIMEOUT,
        pool_size: int = POOL_SIZE,
    ):
        self.location = safe_location(url)
        self.busy_timeout = busy_timeout
        self._local = _Local()
        self._closed = False
        self.commits = 0  # write transactions this process committed (see Store.commits)
        self._commit_count = itertools.count(1)
        kwargs: dict[str, Any] = {}
        if schema is not None:
            kwargs["options"] = f"-csearch_path={schema}"
        try:
            conninfo = make_conninfo(url, **kwargs)
        except psycopg.ProgrammingError as e:
            raise StoreError(f"{self.location} is not a PostgreSQL connection URL: {e}") from e
        self.pool = ConnectionPool(
            conninfo,
            min_size=1,
            max_size=max(2, pool_size),
            kwargs={"autocommit": True},
            timeout=max(30.0, busy_timeout),
            open=False,
            name="tm",
        )
        try:
            self.pool.open(wait=True, timeout=10)
        except PoolTimeout as e:
            self.pool.close()
            raise StoreError(
                f"cannot connect to PostgreSQL at {self.location}; check that the server runs, "
                "the URL (--db/TM_DB) and that the user may log in"
            ) from e
        try:
            from tm.store.postgres.schema import migrate

            self.schema, self.write_key = migrate(self, create=create)
        except BaseException:
            self.pool.close()
            raise

    # -- errors ------------------------------------------------------------------

    def translate(self, e: psycopg.Error) -> StoreError:
        """Return the user-facing error for a PostgreSQL error raised by this database."""
        if e.sqlstate in _BUSY_STATES:
            return Busy()
        if isinstance(e, psycopg.OperationalError):
            return StoreError(f"lost the connection to PostgreSQL at {self.location}: {e}; try again")
        if e.sqlstate == "53100":
            return StoreError(f"the disk of PostgreSQL at {self.location} is full; nothing was changed")
        if e.sqlstate == "42501":
            return StoreError(f"the PostgreSQL user may not use the memory at {self.location}: {e}")
        return StoreError(f"the memory {self.location} could not be used: {e}")

    # -- connections -------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"the memory {self.location} was closed")

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """Yield this thread's connection, borrowing one from the pool for the block if it has none."""
        local = self._local
        if local.conn is not None:
            yield local.conn
            return
        self._check_open()
        conn = self._borrow()
        local.conn = conn
        try:
            yield conn
        finally:
            local.conn = None
            self.pool.putconn(conn)  # rolls back whatever a failure left open

    def _borrow(self) -> psycopg.Connection[Any]:
        try:
            return self.pool.getconn()
        except PoolTimeout as e:
            raise StoreError(
                f"every connection to {self.location} is in use; try again, or raise the pool size"
            ) from e

    @property
    def in_transaction(self) -> bool:
        """Tell whether this thread is inside a write transaction."""
        return self._local.depth > 0

    def execute(self, sql: str, args: Sequence[Any] | dict[str, Any] | None = None) -> Result:
        """Run one statement on this thread's connection (or a borrowed one) and fetch its rows."""
        with self.connection() as conn:
            try:
                with conn.cursor() as cur:
                    cur.execute(sql, args)
                    return Result(cur)
            except psycopg.Error as e:
                if isinstance(e, pgerrors.IntegrityError | psycopg.ProgrammingError) and not isinstance(
                    e, pgerrors.InsufficientPrivilege
                ):
                    raise
                raise self.translate(e) from e

    def executemany(self, sql: str, rows: Sequence[Any]) -> int:
        """Run one statement for many rows; return how many rows it changed."""
        if not rows:
            return 0
        with self.connection() as conn:
            try:
                with conn.cursor() as cur:
                    cur.executemany(sql, rows)
                    return cur.rowcount
            except psycopg.Error as e:
                if isinstance(e, pgerrors.IntegrityError):
                    raise
                raise self.translate(e) from e

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group changes: all of them are kept or none; nested calls are savepoints."""
        local = self._local
        with self.connection() as conn:
            outer = local.depth == 0
            try:
                if outer:
                    self._begin(conn)
                else:
                    conn.execute(f"SAVEPOINT sp{local.depth}")
            except psycopg.Error as e:
                raise self.translate(e) from e
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
                except psycopg.Error:
                    if outer and not conn.closed:
                        conn.execute("ROLLBACK")
                raise
            local.depth -= 1
            try:
                conn.execute("COMMIT" if outer else f"RELEASE sp{local.depth}")
            except psycopg.Error as e:
                if outer and conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    conn.execute("ROLLBACK")
                raise self.translate(e) from e
            if outer:
                self.commits = next(self._commit_count)

    def _begin(self, conn: psycopg.Connection[Any]) -> None:
        """Begin a write transaction holding the writer lock (waiting at most the busy timeout)."""
        conn.execute("BEGIN")
        try:
            if self._local.nowait:
                got = conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (self.write_key,)).fetchone()
                if not got or not got[0]:
                    raise Busy()
                return
            conn.execute(f"SET LOCAL lock_timeout = {max(1, int(self.busy_timeout * 1000))}")
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (self.write_key,))
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @contextmanager
    def without_waiting(self) -> Iterator[None]:
        """Make this thread's next write transaction raise Busy at once if another writer holds the lock."""
        local = self._local
        if local.depth > 0:  # inside a caller's transaction the lock is held already
            yield
            return
        local.nowait = True
        try:
            yield
        finally:
            local.nowait = False

    @contextmanager
    def committed(self) -> Iterator[psycopg.Connection[Any]]:
        """Yield a connection that sees committed data only, as one snapshot.

        It is not this thread's write connection, so derived state (the fuzzy index) never
        learns a change that may still roll back.
        """
        local = self._local
        if local.reader is not None:  # nested use on this thread: the outer snapshot serves
            yield local.reader
            return
        self._check_open()
        conn = self._borrow()
        local.reader = conn
        try:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield conn
            conn.execute("COMMIT")
        except psycopg.Error as e:
            raise self.translate(e) from e
        finally:
            local.reader = None
            self.pool.putconn(conn)

    def close(self) -> None:
        """Close the pool; threads can no longer use the memory."""
        if not self._closed:
            self._closed = True
            self.pool.close()

    def schema_version(self) -> int:
        """Return the schema version of the memory."""
        row = self.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return int(row[0]) if row else 0
