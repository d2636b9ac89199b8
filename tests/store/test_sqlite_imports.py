"""SQLite's bulk import: the stage's cache, and rows exactly as the derived columns say."""

from __future__ import annotations

import json

import pytest

from tm.lang import normalize
from tm.store.bulk import prepare
from tm.store.records import NewUnit, source_hash
from tm.store.sqlite.imports import STAGE_CACHE_KIB

UNITS = [
    NewUnit(
        "قَالَ الوَزِيرُ إِنَّ المُفَاوَضَاتِ مُسْتَمِرَّةٌ مُنْذُ 12 يَوْمًا.",
        "The minister said talks had gone on for 12 days.",
        origin="import",
        meta={"tmx": {"attrs": {"tuid": "7"}, "props": [["client", "وكالة"]], "notes": ['é "q"']}},
    ),
    NewUnit("وَأَضَافَ «نَحْنُ هُنَا».", "He added: “we are here”.", origin="import"),
]


def dumps(meta: dict) -> str:
    """Return the metadata column as it always was written."""
    return json.dumps(meta, ensure_ascii=False) if meta else "{}"


def temp_cache(store) -> int:
    return store.units.db.execute("PRAGMA temp.cache_size").fetchone()[0]


def test_an_import_gives_the_connection_its_temp_cache_back(sqlite_store):
    before = temp_cache(sqlite_store)
    assert before != -STAGE_CACHE_KIB
    sqlite_store.units.import_units(iter(UNITS))
    assert temp_cache(sqlite_store) == before


def test_a_failed_import_gives_the_connection_its_temp_cache_back(sqlite_store):
    before = temp_cache(sqlite_store)

    def broken():
        yield UNITS[0]
        raise RuntimeError("the file ends badly")

    with pytest.raises(RuntimeError):
        sqlite_store.units.import_units(broken())
    assert temp_cache(sqlite_store) == before
    assert sqlite_store.units.count() == 0


def test_imported_rows_hold_the_normalized_source_its_hash_and_the_metadata_as_json(sqlite_store):
    sqlite_store.units.import_units(iter(UNITS))
    rows = sqlite_store.units.db.execute(
        "SELECT source, source_norm, source_hash, meta FROM units ORDER BY id"
    ).fetchall()
    assert rows == [
        (u.source, normalize(u.source), source_hash(normalize(u.source)), dumps(u.meta)) for u in UNITS
    ]


def test_prepare_writes_metadata_as_json_dumps_does():
    for p, u in zip(prepare(UNITS), UNITS, strict=True):
        assert p.meta == dumps(u.meta)
        assert (p.norm, p.target_norm) == (normalize(u.source), normalize(u.target))
