"""A memory in PostgreSQL for a desk: pooled connections, one writer at a time, versioned schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tm.store.jobs_sql import SQLJobs
from tm.store.postgres.accounts import PostgresAccounts
from tm.store.postgres.comments import PostgresComments
from tm.store.postgres.db import BUSY_TIMEOUT, POOL_SIZE, Database
from tm.store.postgres.documents import PostgresDocuments
from tm.store.postgres.glossary import PostgresGlossary, PostgresMTCache
from tm.store.postgres.schema import SCHEMA_VERSION
from tm.store.postgres.timing import PostgresEditingTime
from tm.store.postgres.units import PostgresUnits
from tm.store.postgres.webhooks import PostgresWebhooks

__all__ = ["SCHEMA_VERSION", "PostgresStore"]


class PostgresStore:
    """A translation memory in one schema of a PostgreSQL database: its parts share one Database.

    `url` is a libpq URL (postgresql://user@host:5432/db, with ?options=-csearch_path%3Dname
    for a schema other than the user's default), or pass `schema`. With `create=False` a schema
    without a memory is an error instead of a new, empty memory.
    """

    engine = "postgresql"

    def __init__(
        self,
        url: str,
        *,
        schema: str | None = None,
        create: bool = True,
        busy_wait: float = BUSY_TIMEOUT,
        pool_size: int = POOL_SIZE,
    ):
        self.db = Database(url, schema=schema, create=create, busy_timeout=busy_wait, pool_size=pool_size)
        self.units = PostgresUnits(self.db)
        self.glossary = PostgresGlossary(self.db, self.memory_id)
        self.mt_cache = PostgresMTCache(self.db)
        self.accounts = PostgresAccounts(self.db)
        self.documents = PostgresDocuments(self.db)
        self.jobs = SQLJobs(self.db, mark="%s")
        self.comments = PostgresComments(self.db)
        self.webhooks = PostgresWebhooks(self.db)
        self.timing = PostgresEditingTime(self.db)
        self._memory_id: str | None = None

    @property
    def location(self) -> str:
        """Return the database's URL without password, and the schema, for messages."""
        return f"{self.db.location} (schema {self.db.schema})"

    @property
    def index_path(self) -> Path | None:
        """A server database keeps no files beside it: the fuzzy index is rebuilt in memory."""
        return None

    def memory_id(self) -> str:
        """Return this memory's random identity (saved indexes are tied to it)."""
        if self._memory_id is None:
            row = self.db.execute("SELECT value FROM meta WHERE key='memory_id'").fetchone()
            self._memory_id = str(row[0])  # made with the schema
        return self._memory_id

    def schema_version(self) -> int:
        """Return the schema version of the memory."""
        return self.db.schema_version()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group changes across parts: all of them are kept or none; nested calls join the outer one."""
        with self.db.transaction():
            yield

    @property
    def commits(self) -> int:
        """Return how many write transactions this process has committed to the memory."""
        return self.db.commits

    @property
    def in_transaction(self) -> bool:
        """Tell whether this thread is inside a write transaction of the store."""
        return self.db.in_transaction

    def close(self) -> None:
        """Close every connection."""
        self.db.close()
