"""Storage engines behind one contract; `open_store` picks one from a location."""

from __future__ import annotations

from pathlib import Path

from tm.errors import StoreError
from tm.store.base import Store

__all__ = ["Store", "open_store"]


def open_store(location: str | Path, *, create: bool = True, busy_wait: float | None = None) -> Store:
    """Open the memory at a file path (SQLite) or a postgresql:// URL.

    With `create=False` a file that does not exist is an error instead of a new, empty memory.
    `busy_wait` is how many seconds a writer waits for another one before answering Busy.
    """
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        try:
            from tm.store.postgres import PostgresStore
        except ImportError as e:  # psycopg is an extra
            raise StoreError(
                f"a PostgreSQL memory needs psycopg ({e.name} is missing); run pip install 'tm[postgres]'"
            ) from e
        if busy_wait is None:
            return PostgresStore(text, create=create)
        return PostgresStore(text, create=create, busy_wait=busy_wait)
    path = Path(text)
    if path.is_dir():
        raise StoreError(f"{path} is a folder; --db names the memory file (for example {path / 'memory.db'})")
    if not create and not path.exists():
        raise StoreError(
            f"there is no memory at {path}; create it with `tm --db {path} init`, or check --db/TM_DB"
        )
    from tm.store.sqlite import SQLiteStore

    return SQLiteStore(path) if busy_wait is None else SQLiteStore(path, busy_wait=busy_wait)
