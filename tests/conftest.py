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


@pytest.fixture(scope="session")
def tiny_marian(tmp_path_factory):
    """A MarianMT model with random weights and a trained tokenizer, saved like a real one."""
    from tests.tiny_models import build_marian

    return build_marian(tmp_path_factory.mktemp("models") / "tiny-marian")


@pytest.fixture(scope="session")
def tiny_marian_ct2(tmp_path_factory):
    """The tiny Marian model plus its CTranslate2 int8 copy (made by tm's converter)."""
    from tests.tiny_models import build_marian
    from tm.mt.models import convert_model

    path = build_marian(tmp_path_factory.mktemp("models") / "tiny-marian-ct2")
    convert_model(path)
    return path


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    """A private TM_HOME so model lookups never see the user's models."""
    home = tmp_path / "home"
    monkeypatch.setenv("TM_HOME", str(home))
    return home


class EchoTranslator:
    """A deterministic translator for logic that depends on what a translation says.

    It "translates" by upper-casing Latin text and prefixing EN:, keeps Latin words it is
    given (as MT engines keep masked terms), and records every batch it receives.
    """

    engine = "echo"
    model_id = "echo-1"

    def __init__(self):
        self.batches: list[list[str]] = []

    def translate(self, sentences):
        self.batches.append(list(sentences))
        return [f"EN: {s}" for s in sentences]


@pytest.fixture
def echo():
    return EchoTranslator()
