"""Shared fixtures: real SQLite memories in temporary directories."""

from __future__ import annotations

import pytest

from tm.memory import TranslationMemory
from tm.store.sqlite import SQLiteStore


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "memory.db"


@pytest.fixture
def sqlite_store(db_path):
    store = SQLiteStore(db_path)
    yield store
    store.close()


@pytest.fixture
def memory(db_path):
    tm = TranslationMemory.open(str(db_path))
    yield tm
    tm.close()
