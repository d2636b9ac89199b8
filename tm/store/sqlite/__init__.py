"""The default store: one SQLite file (WAL, foreign keys, versioned schema), a connection per thread."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tm.store.jobs_sql import SQLJobs
from tm.store.sqlite.accounts import SQLiteAccounts
from tm.store.sqlite.comments import SQLiteComments
from tm.store.sqlite.db import BUSY_TIMEOUT, Database
from tm.store.sqlite.documents import SQLiteDocuments
from tm.store.sqlite.glossary import SQLiteGlossary, SQLiteMTCache
from tm.store.sqlite.schema import SCHEMA_VERSION
from tm.store.sqlite.timing import SQLiteEditingTime
from tm.store.sqlite.units import SQLiteUnits
from tm.store.sqlite.webhooks import SQLiteWebhooks

__all__ = ["SCHEMA_VERSION", "SQLiteStore"]


class SQLiteStore:
    """A translation memory in one SQLite file: its parts share one Database."""

    engine = "sqlite"

    def __init__(self, path: str | os.PathLike[str], *, busy_wait: float = BUSY_TIMEOUT):
        self.path = Path(path)
        self.db = Database(self.path, busy_timeout=busy_wait)
        self.units = SQLiteUnits(self.db)
        self.glossary = SQLiteGlossary(self.db, self.memory_id)
        self.mt_cache = SQLiteMTCache(self.db)
        self.accounts = SQLiteAccounts(self.db)
        self.documents = SQLiteDocuments(self.db)
        self.jobs = SQLJobs(self.db)
        self.comments = SQLiteComments(self.db)
        self.webhooks = SQLiteWebhooks(self.db)
        self.timing = SQLiteEditingTime(self.db)
        self._memory_id: str | None = None

    @property
    def location(self) -> str:
        """Return the file's path, for messages."""
        return str(self.path)

    @property
    def index_path(self) -> Path:
        """Where the fuzzy index of this memory is saved."""
        return self.path.with_name(self.path.name + ".index")

    def memory_id(self) -> str:
        """Return this memory's random identity (saved indexes are tied to it)."""
        if self._memory_id is None:
            row = self.db.execute("SELECT value FROM meta WHERE key='memory_id'").fetchone()
            if row is None:
                with self.db.transaction():
                    self.db.execute(
                        "INSERT OR IGNORE INTO meta (key, value) VALUES ('memory_id', ?)", (uuid.uuid4().hex,)
                    )
                row = self.db.execute("SELECT value FROM meta WHERE key='memory_id'").fetchone()
            self._memory_id = str(row[0])
        return self._memory_id

    def schema_version(self) -> int:
        """Return the schema version of the file."""
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
