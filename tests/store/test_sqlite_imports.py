"""SQLite's bulk import: the stage, and rows exactly as the derived columns say."""

from __future__ import annotations

import json
import random
import re
import sqlite3
import unicodedata

import pytest

from tm import lang
from tm.lang import normalize
from tm.store.bulk import meta_json, prepare
from tm.store.records import NewUnit, source_hash
from tm.store.sqlite import SQLiteStore
from tm.store.sqlite.imports import STAGE_CACHE_KIB, _Staged

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
    batch = prepare(UNITS)
    assert batch.units == UNITS
    assert batch.metas == [dumps(u.meta) for u in UNITS]
    assert batch.norms == [normalize(u.source) for u in UNITS]
    assert batch.hashes == [source_hash(normalize(u.source)) for u in UNITS]
    assert batch.target_norms == [normalize(u.target) for u in UNITS]


def attached(store) -> list[str]:
    return [row[1] for row in store.units.db.execute("PRAGMA database_list")]


def test_the_stage_is_a_private_database_that_is_gone_after_the_import(sqlite_store):
    before = attached(sqlite_store)
    seen = []
    sqlite_store.units.import_units(iter(UNITS), progress=lambda n: seen.append(attached(sqlite_store)))
    assert [names for names in seen if "tm_import" in names]  # the stage while it was staging
    assert attached(sqlite_store) == before


def test_a_failed_import_removes_its_stage_too(sqlite_store):
    before = attached(sqlite_store)

    def broken():
        yield from (NewUnit(f"جملة رقم {i}", f"sentence {i}") for i in range(1500))
        raise RuntimeError("the file ends badly")

    with pytest.raises(RuntimeError):
        sqlite_store.units.import_units(broken())
    assert attached(sqlite_store) == before
    assert sqlite_store.units.count() == 0
    assert sqlite_store.units.import_units(iter(UNITS)).added == 2  # and the next import works


def test_an_import_inside_a_transaction_stages_in_a_temp_table(sqlite_store):
    with sqlite_store.transaction():
        seen = []
        sqlite_store.units.import_units(iter(UNITS), progress=lambda n: seen.append(attached(sqlite_store)))
        assert seen and not [names for names in seen if "tm_import" in names]
        assert not sqlite_store.units.db.execute(
            "SELECT name FROM temp.sqlite_master WHERE name='import_stage'"
        ).fetchall()
    assert sqlite_store.units.count() == 2


def many(n: int, *, every: int, target: str = "a") -> list[NewUnit]:
    """Return n units whose sources repeat every `every` units (across the import's batches)."""
    return [NewUnit(f"خبر رقم {i % every}", f"item {i % every} {target}") for i in range(n)]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [("skip", (1200, 0, 2400)), ("keep", (1200, 0, 2400)), ("overwrite", (1200, 0, 2400))],
)
def test_a_source_repeated_batches_later_is_found_in_the_stage(sqlite_store, policy, expected):
    r = sqlite_store.units.import_units(many(3600, every=1200), on_duplicate=policy)
    assert (r.added, r.updated, r.skipped) == expected
    assert sqlite_store.units.count() == 1200


@pytest.mark.parametrize(
    ("policy", "expected", "targets"),
    [
        ("skip", (1100, 0, 1100), {"item 5 a"}),
        ("keep", (2200, 0, 0), {"item 5 a", "item 5 b"}),
        ("overwrite", (1100, 1100, 0), {"item 5 b"}),
    ],
)
def test_a_staged_source_with_another_translation_later_follows_the_policy(
    sqlite_store, policy, expected, targets
):
    units = many(1100, every=1100) + many(1100, every=1100, target="b")
    r = sqlite_store.units.import_units(units, on_duplicate=policy)
    assert (r.added, r.updated, r.skipped) == expected
    found = sqlite_store.units.find_source(normalize("خبر رقم 5"))
    assert {u.target for u in found} == targets
    assert all(u.version == 1 for u in found)  # a staged unit takes the newer target before it is added


def test_missing_times_are_the_time_of_staging_and_a_missing_change_time_the_creation_time(sqlite_store):
    units = [
        NewUnit("جملة أولى", "first", created_at=None, changed_at=None),
        NewUnit("جملة ثانية", "second", created_at="", changed_at="2024-02-02T03:04:05Z"),
        NewUnit("جملة ثالثة", "third", created_at="2023-01-01T00:00:00Z", changed_at=""),
        NewUnit("جملة رابعة", "fourth", created_at="2023-01-01T00:00:00Z", changed_at=None),
    ]
    sqlite_store.units.import_units(units)
    rows = sqlite_store.units.db.execute("SELECT created_at, changed_at FROM units ORDER BY id").fetchall()
    history = sqlite_store.units.db.execute("SELECT at FROM history ORDER BY id").fetchall()
    staged_at = rows[0][0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", staged_at)
    assert rows == [
        (staged_at, staged_at),
        (rows[1][0], "2024-02-02T03:04:05Z"),
        ("2023-01-01T00:00:00Z", "2023-01-01T00:00:00Z"),
        ("2023-01-01T00:00:00Z", "2023-01-01T00:00:00Z"),
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rows[1][0])
    assert history == [(changed,) for _, changed in rows]


def test_the_stage_filter_never_forgets_a_staged_hash():
    rng = random.Random(7)
    hashes = [rng.randint(-(2**63), 2**63 - 1) for _ in range(50_000)] + [-(2**63), -1, 0, 2**63 - 1]
    staged = _Staged()
    assert staged.maybe(hashes) == []
    staged.add(hashes)
    assert staged.maybe(hashes) == hashes
    others = [rng.randint(-(2**63), 2**63 - 1) for _ in range(50_000)]
    assert len(staged.maybe(others)) < 50  # a false "maybe" is rare (it costs a look-up)


def test_metadata_json_is_that_of_json_dumps_even_for_what_json_refuses():
    odd: dict = {"a": [1, 2.5, None, True], "é": {"x": '\u2028\x00"\\'}, 3: "three"}
    assert meta_json(odd) == json.dumps(odd, ensure_ascii=False)
    assert meta_json({}) == "{}"
    loop: dict = {}
    loop["self"] = loop
    with pytest.raises(ValueError, match="Circular"):
        meta_json(loop)
    with pytest.raises(TypeError, match="not JSON serializable"):
        meta_json({"when": object()})


# normalize() and words_and_numbers() have fast paths (tm/lang.py) for the text an import is
# made of; they must give exactly what the general code gives.
POOL = (
    [c for c in lang._BYTES_DECODE if c != "\ufffe"]
    + list("  ..,,''--__0123456789")
    + [
        "\ue004",
        "\ue005",
        "\uf772",
        "…",
        "é",
        "ß",
        "İ",
        "\ufefb",
        "\u0654",
        "\u06d5",
        "²",
        "½",
        "\u3000",
        "ﷺ",
    ]
)


def texts(seed: int, n: int = 4000) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(POOL) for _ in range(rng.randint(0, 30))) for _ in range(n)]


@pytest.mark.parametrize("seed", [1, 2])
def test_the_fast_normalization_is_the_general_one(seed, monkeypatch):
    samples = texts(seed) + [u.source for u in UNITS] + [u.target for u in UNITS]
    fast = [lang.normalize(t) for t in samples]
    monkeypatch.setattr(lang, "_fast_normalize", lambda text: None)
    assert fast == [lang.normalize(t) for t in samples]


@pytest.mark.parametrize("seed", [3, 4])
def test_the_fast_word_split_is_the_pattern_s(seed):
    samples = texts(seed)
    for text in samples + [lang.normalize(t) for t in samples]:
        assert lang.words_and_numbers(text) == lang._WORD_OR_NUMBER.findall(text), repr(text)


def test_what_the_fast_normalization_gives_is_nfkc_whatever_follows_what():
    # why the fast path may skip normalize()'s NFKC check: no character it gives changes
    # under NFKC or decomposes into anything but a starter and its marks, and no two of them
    # side by side change (so no longer text of them does either)
    out = sorted(lang._FAST_OUT | {chr(c) for c in range(0x20, 0x7F)})
    for a in out:
        assert unicodedata.is_normalized("NFKC", a)
        assert unicodedata.combining(unicodedata.normalize("NFD", a)[0]) == 0
        for b in out:
            assert unicodedata.is_normalized("NFKC", a + b), (a, b)


def test_a_unit_with_an_origin_the_memory_refuses_fails_the_import_and_keeps_nothing(sqlite_store):
    bad = NewUnit("جملة", "sentence", origin="import")
    bad.origin = "scraped"  # changed after it was checked
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        sqlite_store.units.import_units([*UNITS, bad])
    assert sqlite_store.units.count() == 0
    db = sqlite_store.units.db
    assert db.execute("PRAGMA ignore_check_constraints").fetchone()[0] == 0
    # the next import checks as ever
    assert sqlite_store.units.import_units(iter(UNITS)).added == 2
    assert db.execute("PRAGMA ignore_check_constraints").fetchone()[0] == 0
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO units (source, target, source_lang, target_lang, source_norm, source_hash, "
            "origin, created_at, changed_at) VALUES ('a', 'b', 'ar', 'en', 'a', 1, 'scraped', 'x', 'x')"
        )


@pytest.mark.parametrize(
    "shared",
    [
        {"author": "O'Neil; DROP TABLE units; --", "source_lang": "ar-SA", "origin": "human"},
        {"author": "سارة", "context": "", "mt_draft": "draft 'quoted'"},
        {"author": None, "changed_at": "", "created_at": "2023-05-06T07:08:09Z"},
    ],
)
def test_what_every_unit_of_a_batch_shares_is_stored_as_each_unit_has_it(sqlite_store, shared):
    units = [NewUnit(f"جملة رقم {i}", f"sentence {i}", **shared) for i in range(5)]
    sqlite_store.units.import_units(units)
    stored = sqlite_store.units.db.execute(
        "SELECT source_lang, origin, author, context, mt_draft, created_at, changed_at FROM units"
    ).fetchall()
    assert len(stored) == 5 and len(set(stored)) == 1
    sl, origin, author, context, mt_draft, created, changed = stored[0]
    assert (sl, origin, author, context, mt_draft) == (
        shared.get("source_lang", "ar"),
        shared.get("origin", "human"),
        shared.get("author"),
        shared.get("context"),
        shared.get("mt_draft"),
    )
    assert created == (shared.get("created_at") or created) and re.fullmatch(r"\d{4}-.*Z", created)
    assert changed == created
    assert sqlite_store.units.db.execute("SELECT COUNT(*) FROM history").fetchone() == (5,)


def test_a_swapping_says_where_units_went_only_for_sources_iterated_to_the_end_and_as_many():
    from tm.store.bulk import Placed, Swapping
    from tm.store.records import FeedPosition

    at = Placed(5, 3, FeedPosition(4, 1), FeedPosition(7, 2))
    whole = Swapping(lambda: ["a", "b", "c"])
    assert list(whole) == ["a", "b", "c"]
    whole.place(at)
    whole.place(None)  # the first word counts
    assert whole.placed() == at
    partly = Swapping(lambda: ["a", "b", "c"])
    next(iter(partly))
    partly.place(at)
    assert partly.placed() is None  # not every source was seen
    more = Swapping(lambda: ["a", "b", "c", "d"])  # one of them skipped by the swap
    list(more)
    more.place(at)
    assert more.placed() is None


def test_the_gil_changes_hands_quickly_while_a_swap_runs_and_as_before_once_every_import_is_done(tmp_path):
    import sys

    from tm.store.sqlite import imports

    before = sys.getswitchinterval()
    sys.setswitchinterval(0.004)
    seen = []
    store = SQLiteStore(tmp_path / "m.db")
    try:
        units = [NewUnit(f"جملة رقم {i} في الاستيراد", f"Sentence {i}") for i in range(50)]
        store.units.import_units(iter(units), while_swapping=lambda norms: seen.append(sys.getswitchinterval()))
        assert seen == [imports.SWAP_SWITCH_INTERVAL]
        assert sys.getswitchinterval() == pytest.approx(0.004)
        # two imports whose swaps overlap (threads of a server): the last one out puts it back
        first, second = imports._quick_switches(), imports._quick_switches()
        first.__enter__()
        second.__enter__()
        first.__exit__(None, None, None)
        assert sys.getswitchinterval() == imports.SWAP_SWITCH_INTERVAL  # the second still swaps
        second.__exit__(None, None, None)
        assert sys.getswitchinterval() == pytest.approx(0.004)
    finally:
        sys.setswitchinterval(before)
        store.close()
