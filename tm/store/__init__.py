"""Storage engines behind one contract; `open_store` picks one from a location."""

from __future__ import annotations

from pathlib import Path

from tm.store.base import ImportResult, NewUnit, Store, Unit

__all__ = ["ImportResult", "NewUnit", "Store", "Unit", "open_store"]


def open_store(location: str | Path) -> Store:
    """Open the memory at a file path (SQLite) or a postgresql:// URL."""
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        from tm.errors import StoreError

        raise StoreError("PostgreSQL memories are not supported by this version of tm yet")
    from tm.store.sqlite import SQLiteStore

    return SQLiteStore(text)
