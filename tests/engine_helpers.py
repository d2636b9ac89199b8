"""Real processes over either engine: a memory on an SQLite file or in a fresh PostgreSQL schema.

Tests that start `tm` processes use `engine_memory` to get the `TM_DB` for an engine and a way to
read and lock that memory from outside tm (as another program, or an administrator, would).
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

POSTGRES = os.environ.get("TM_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


class EngineDB:
    """One memory's database, seen from outside tm."""

    def __init__(self, engine: str, db: str, schema: str | None):
        self.engine, self.db, self.schema = engine, db, schema

    def query(self, sql: str) -> list[tuple]:
        """Run a read on a connection of its own and return the rows."""
        if self.engine == "sqlite":
            with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=10) as conn:
                return conn.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(POSTGRES) as pg:
            pg.execute(f"SET search_path TO {self.schema}")
            return pg.execute(sql).fetchall()

    def hold_writes(self) -> Any:
        """Take the memory's write lock on another connection and return it (let_go releases it)."""
        if self.engine == "sqlite":
            conn = sqlite3.connect(self.db, timeout=10, isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
            return conn
        import psycopg

        pg = psycopg.connect(POSTGRES)
        pg.execute(f"SET search_path TO {self.schema}")
        pg.execute("LOCK TABLE segments, units IN SHARE MODE")  # readers go on, writers wait
        return pg

    def writing(self) -> bool:
        """Tell whether some process holds the memory's write lock right now."""
        if self.engine == "sqlite":
            conn = sqlite3.connect(self.db, timeout=0, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError:
                return True
            finally:
                conn.close()
        held = self.query(
            "SELECT COUNT(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND a.state <> 'idle'"
        )
        return held[0][0] > 0

    @staticmethod
    def let_go(conn: Any) -> None:
        conn.rollback()
        conn.close()


def _new_schema() -> str:
    try:
        import psycopg
    except ImportError:
        pytest.skip("psycopg is not installed (pip install 'tm[postgres]')")
    name = f"tm_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(POSTGRES, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"CREATE SCHEMA {name}")
    except psycopg.Error as e:
        pytest.skip(f"no PostgreSQL server answers at {POSTGRES} ({str(e).strip().splitlines()[0]})")
    return name


@contextmanager
def engine_memory(engine: str, tmp_path: Path) -> Iterator[EngineDB]:
    """Yield a new, empty memory location on an engine (its schema is dropped afterwards)."""
    if engine == "sqlite":
        yield EngineDB(engine, str(tmp_path / "memory.db"), None)
        return
    schema = _new_schema()
    try:
        yield EngineDB(engine, f"{POSTGRES}?options=-csearch_path%3D{schema}", schema)
    finally:
        import psycopg

        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
