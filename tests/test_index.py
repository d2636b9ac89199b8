import random

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from tm import index_levels
from tm.index import FuzzyIndex
from tm.lang import normalize

WORDS = (
    "قال وزير رئيس الحكومة البرلمان اتفاق صفقة دولار مليون النفط الغاز السوق الأسعار ارتفعت انخفضت "
    "المغرب مصر الأردن تونس الجزائر العراق سوريا لبنان الخليج اليوم أمس غدا الأسبوع الماضي المقبل "
    "في من على إلى عن مع بعد قبل أن إن التي الذي هذا هذه والمغرب بالمغرب للمغرب وقال وأضاف"
).split()


def sentences(n, seed=1):
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 20))) for _ in range(n)]


def brute_best(index, norm):
    q = "".join(map(chr, index._codes(norm, grow=False)))
    best = 0.0
    for p in range(len(index.unit_ids)):
        if index.alive[p]:
            s = index._string(p)
            best = max(best, 100 * (1 - Levenshtein.distance(q, s) / max(len(q), len(s))))
    return best


def test_candidates_find_the_brute_force_best_on_a_dense_vocabulary():
    texts = sentences(3000)
    index = FuzzyIndex.build((i + 1, normalize(t)) for i, t in enumerate(texts))
    rng = random.Random(2)
    for _ in range(60):
        words = rng.choice(texts).split()
        for _ in range(max(1, len(words) // 5)):
            words[rng.randrange(len(words))] = rng.choice(WORDS)
        norm = normalize(" ".join(words))
        found = index.candidates(norm, 50, 5)
        best = brute_best(index, norm)
        if best >= 50:
            assert found and abs(found[0].base - best) < 1e-9


def test_prefix_filter_keeps_every_unit_above_the_threshold():
    texts = sentences(800, seed=4)
    index = FuzzyIndex.build((i + 1, normalize(t)) for i, t in enumerate(texts))
    query = normalize(texts[10])
    found = {c.unit_id for c in index.candidates(query, 70, 1000)}
    q = "".join(map(chr, index._codes(query, grow=False)))
    for p in range(len(texts)):
        s = index._string(p)
        if 100 * (1 - Levenshtein.distance(q, s) / max(len(q), len(s))) >= 70:
            assert int(index.unit_ids[p]) in found


def test_changes_then_compaction_give_the_same_index_as_a_fresh_build(tmp_path):
    texts = sentences(500, seed=3)
    index = FuzzyIndex.build((i + 1, normalize(t)) for i, t in enumerate(texts))
    rng = random.Random(9)
    live = {i + 1: normalize(t) for i, t in enumerate(texts)}
    for uid in rng.sample(sorted(live), 60):
        index.remove(uid)
        del live[uid]
    for uid in range(501, 560):
        live[uid] = normalize(rng.choice(texts) + " إضافة")
        index.add(uid, live[uid])
    for uid in rng.sample(sorted(live), 20):
        live[uid] = normalize(rng.choice(texts))
        index.add(uid, live[uid])
    probe = [normalize(rng.choice(texts)) for _ in range(20)]
    before = [[(c.unit_id, c.base) for c in index.candidates(q, 60, 10)] for q in probe]
    index.save(tmp_path / "i.index")
    loaded = FuzzyIndex.load(tmp_path / "i.index")
    fresh = FuzzyIndex.build(sorted(live.items()))
    assert loaded is not None and len(loaded) == len(live) == len(fresh)
    assert np.array_equal(loaded.unit_ids, np.array(sorted(live), dtype=np.int64))
    for q, expected in zip(probe, before, strict=True):
        assert [(c.unit_id, c.base) for c in loaded.candidates(q, 60, 10)] == expected
        assert [c.base for c in fresh.candidates(q, 60, 10)] == [b for _, b in expected]


def test_unknown_words_count_against_the_threshold():
    index = FuzzyIndex.build([(1, normalize("واحد اثنان ثلاثة أربعة"))])
    assert index.candidates(normalize("واحد اثنان ثلاثة خمسة"), 70, 5)[0].base == 75.0
    assert index.candidates(normalize("واحد سبعة ثمانية تسعة"), 70, 5) == []


def test_load_refuses_a_damaged_file(tmp_path):
    path = tmp_path / "bad.index"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    assert FuzzyIndex.load(path) is None
    assert FuzzyIndex.load(tmp_path / "missing.index") is None


def test_phrase_candidates_use_stems(tmp_path):
    index = FuzzyIndex.build([(1, normalize("زار الرئيس والمغرب")), (2, normalize("زار الرئيس تونس"))])
    assert index.phrase_candidates(["رئيس", "مغرب"], 10) == [1]
    assert index.phrase_candidates(["رئيس"], 10) == [2, 1]
    assert index.phrase_candidates(["غير"], 10) == []


def test_phrase_candidates_learn_the_words_of_units_added_after_the_first_search():
    index = FuzzyIndex.build([(1, normalize("زار الرئيس تونس"))])
    assert index.phrase_candidates(["مغرب"], 10) == []  # the stem map is made here
    index.add(2, normalize("زار الرئيس والمغرب"))
    index.add(3, normalize("عاد الوزير من المغرب"))
    assert index.phrase_candidates(["مغرب"], 10) == [3, 2]
    assert index.phrase_candidates(["رئيس", "مغرب"], 10) == [2]
    fresh = FuzzyIndex.build(
        [
            (1, normalize("زار الرئيس تونس")),
            (2, normalize("زار الرئيس والمغرب")),
            (3, normalize("عاد الوزير من المغرب")),
        ]
    )
    fresh.phrase_candidates(["مغرب"], 10)
    # the same stems with the same words, whichever way the map was made
    assert {k: sorted(v) for k, v in index._stem_map().items()} == {
        k: sorted(index.vocab[w] for w in fresh.vocab if fresh.vocab[w] in v)
        for k, v in fresh._stem_map().items()
    }


def one_at_a_time(index, norm, min_score, limit):
    """The candidate step as it was first written: np.unique, then one unit scored at a time.

    Kept as the specification the faster code must match exactly (same units, same scores,
    same order), levels, caps and all.
    """
    import math
    from collections import Counter

    from tm import index as ix

    codes = index._codes(norm, grow=False)
    n = len(codes)
    if n == 0:
        return []
    t = min_score / 100
    may_miss = n - math.ceil(n * t - 1e-9) - codes.count(ix.UNKNOWN_CODE)
    if may_miss < 0:
        return []
    occ = Counter(c for c in codes if c >= ix.FIRST_CODE)
    dfs = {code: index._df(code) for code in occ}
    parts = []
    covered = read = used = 0
    for i, code in enumerate(sorted(occ, key=dfs.__getitem__)):
        df = dfs[code]
        if i >= 2 and read + df > ix.MAX_POSTINGS:
            break
        parts.extend(index._postings(code))
        used += 1
        read += df
        covered += occ[code]
        if covered > may_miss:
            break
    if not parts:
        return []
    pos, hits = np.unique(np.concatenate(parts), return_counts=True)
    lo, hi = math.ceil(n * t - 1e-9), math.floor(n / t + 1e-9) if t > 0 else 1 << 30
    lengths = index._length(pos)
    ok = (lengths >= lo) & (lengths <= hi) & index._is_alive(pos)
    pos, hits = pos[ok], hits[ok]
    query = "".join(map(chr, codes))
    found = []
    floor = float(min_score)
    scored = 0
    for h in range(int(hits.max(initial=0)), 0, -1):
        if 100.0 * (n - (used - h)) / n < floor or scored >= ix.MAX_SCORED:
            break
        level = pos[hits == h][: ix.MAX_SCORED - scored]
        for p in level.tolist():
            s = index._string(p)
            base = 100.0 * (1 - Levenshtein.distance(query, s) / max(n, len(s)))
            if base >= min_score:
                found.append((index._unit_id(p), base))
                floor = max(floor, base - ix.PENALTY_MARGIN)
        scored += len(level)
    found.sort(key=lambda c: (-c[1], c[0]))
    return found[: max(limit, 1) * 4]


def wire_corpus(seed):
    """Stories sent again and again with a word or a number changed, and independent sentences."""
    rng = random.Random(seed)
    texts = sentences(400, seed=seed)
    for _ in range(30):
        story = [rng.choice(WORDS) for _ in range(rng.randint(8, 24))]
        for _ in range(rng.randint(5, 60)):
            version = list(story)
            for _ in range(rng.randint(0, 3)):
                version[rng.randrange(len(version))] = rng.choice(WORDS + ["12", "7", "2024"])
            texts.append(" ".join(version))
    rng.shuffle(texts)
    return texts


# How the units of the top levels are found (tm.index_levels.Levels): the cost model picks, per
# query, which postings to read and which to probe; each way must give the same candidates.
WAYS = {
    "as the cost model says": {},
    # reading all the postings and counting them
    "counted": {"BITMAP_PROBE_COST": 10**9, "SEARCH_PROBE_COST": 10**9},
    # the rarest postings read, the others probed by bitmaps, as few read as can be
    "probed by bitmaps": {"COUNT_COST": 10**6, "EXTEND_COST": 0, "BITMAP_SHARE": 10**9},
    # the same, probed by binary searches
    "probed by binary search": {"COUNT_COST": 10**6, "EXTEND_COST": 0, "BITMAP_SHARE": 0},
    # every level scored best bound first, what cannot be kept left out
    "bounded": {"BOUND_AFTER": 0},
    # and a level never
    "unbounded": {"BOUND_AFTER": 10**9},
}


def where(name: str) -> str:
    """Return the module that holds a constant of the index: the cost model's are apart."""
    return "tm.index_levels" if hasattr(index_levels, name) else "tm.index"


@pytest.mark.parametrize(
    ("seed", "way"),
    [(seed, "as the cost model says") for seed in (1, 2, 3)] + [(4, way) for way in list(WAYS)[1:]],
)
def test_candidates_are_exactly_those_of_the_one_at_a_time_scorer(seed, way, monkeypatch):
    for name, value in WAYS[way].items():
        monkeypatch.setattr(f"{where(name)}.{name}", value)
    texts = wire_corpus(seed)
    rng = random.Random(seed + 10)
    index = FuzzyIndex.build((i + 1, normalize(t)) for i, t in enumerate(texts))
    # changes since the snapshot: removed units, re-added ones, new ones (delta positions)
    live = len(texts)
    for uid in rng.sample(range(1, live + 1), 40):
        index.remove(uid)
    for uid in rng.sample(range(1, live + 1), 30):
        index.add(uid, normalize(rng.choice(texts)))
    for uid in range(live + 1, live + 80):
        index.add(uid, normalize(rng.choice(texts) + " " + rng.choice(WORDS)))
    queries = []
    for _ in range(80):
        words = rng.choice(texts).split()
        for _ in range(rng.randint(0, max(1, len(words) // 3))):
            words[rng.randrange(len(words))] = rng.choice(WORDS + ["جديدة", "5"])
        queries.append(normalize(" ".join(words)))
    queries += [normalize(rng.choice(WORDS)), normalize("كلمة جديدة تماما"), ""]
    # a small cap so that levels get cut short; a small postings budget so that reading stops
    for cap, budget in ((4000, 400_000), (25, 300)):
        monkeypatch.setattr("tm.index.MAX_SCORED", cap)
        monkeypatch.setattr("tm.index.MAX_POSTINGS", budget)
        for min_score, limit in ((50, 5), (70, 1), (30, 20), (0, 3)):
            for q in queries:
                got = [(c.unit_id, c.base) for c in index.candidates(q, min_score, limit)]
                assert got == one_at_a_time(index, q, min_score, limit), (q, min_score, limit, cap)
                assert all(type(b) is float and type(u) is int for u, b in got)


def test_word_codes_are_those_of_the_match_key_word_by_word():
    from tm.lang import match_key

    fast, slow = FuzzyIndex(), FuzzyIndex()
    rng = random.Random(5)
    for text in sentences(300, seed=5):
        words = text.split()
        words.insert(
            rng.randrange(len(words) + 1), rng.choice(["12", "٣٫٥", "1,500", f"جديد{rng.randrange(50)}"])
        )
        norm = normalize(" ".join(words))
        assert fast._codes(norm) == [slow._code(w, True) for w in match_key(norm)]
        assert fast._codes(norm + " مجهولة", grow=False) == [
            slow._code(w, False) for w in match_key(norm + " مجهولة")
        ]
    assert fast.vocab == slow.vocab


def test_bitmaps_follow_the_index_through_changes_and_compaction(monkeypatch):
    monkeypatch.setattr("tm.index_levels.COUNT_COST", 10**6)  # probe all it can
    monkeypatch.setattr("tm.index.BITMAP_SHARE", 10**9)  # and with bitmaps
    texts = wire_corpus(4)
    rng = random.Random(7)
    index = FuzzyIndex.build((i + 1, normalize(t)) for i, t in enumerate(texts))
    queries = [normalize(rng.choice(texts)) for _ in range(40)]
    for q in queries:
        assert [(c.unit_id, c.base) for c in index.candidates(q, 50, 5)] == one_at_a_time(index, q, 50, 5)
    assert index._bitmaps  # made by those lookups
    live = {i + 1: normalize(t) for i, t in enumerate(texts)}
    for uid in rng.sample(sorted(live), 100):
        del live[uid]
        index.remove(uid)
    for uid in range(len(texts) + 1, len(texts) + 60):
        live[uid] = normalize(rng.choice(texts))
        index.add(uid, live[uid])
    for q in queries:  # the snapshot's bitmaps, and the changes since beside them
        assert [(c.unit_id, c.base) for c in index.candidates(q, 50, 5)] == one_at_a_time(index, q, 50, 5)
    index.compact()
    assert not index._bitmaps  # of the old snapshot: dropped
    fresh = FuzzyIndex.build(sorted(live.items()))
    for q in queries:
        got = [(c.unit_id, c.base) for c in index.candidates(q, 50, 5)]
        assert got == one_at_a_time(index, q, 50, 5)
        assert [b for _, b in got] == [c.base for c in fresh.candidates(q, 50, 5)]


def test_lookups_from_several_threads_get_what_one_thread_gets(monkeypatch):
    import threading

    monkeypatch.setattr("tm.index_levels.COUNT_COST", 10**6)
    monkeypatch.setattr("tm.index.BITMAP_SHARE", 10**9)
    texts = wire_corpus(5)
    rng = random.Random(3)
    queries = [normalize(rng.choice(texts)) for _ in range(60)]
    alone = FuzzyIndex.build((i + 1, normalize(t)) for i, t in enumerate(texts))
    expected = [[(c.unit_id, c.base) for c in alone.candidates(q, 50, 5)] for q in queries]
    index = FuzzyIndex.build((i + 1, normalize(t)) for i, t in enumerate(texts))  # no bitmap yet
    got: dict[int, list] = {}

    def look(k: int) -> None:
        for j in range(k, k + len(queries)):
            q = j % len(queries)
            found = [(c.unit_id, c.base) for c in index.candidates(queries[q], 50, 5)]
            got.setdefault(q, []).append(found)

    threads = [threading.Thread(target=look, args=(k * 7,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for q, runs in got.items():
        assert all(r == expected[q] for r in runs) and len(runs) == 4


@pytest.mark.parametrize("ahead", ["the new units", "other sources", "numbers and new words"])
def test_codes_made_ahead_give_the_index_a_fresh_build_gives(ahead):
    # an import's units coded while its swap ran (FuzzyIndex.code), then a build of the whole
    # memory: the same candidates and scores, whatever the codes made ahead were of
    old, new = sentences(1500, seed=3), sentences(1500, seed=4)
    keys = [(i + 1, normalize(t)) for i, t in enumerate(old + new)]
    made = {
        "the new units": [normalize(t) for t in new],
        "other sources": [normalize(t) for t in sentences(800, seed=9)],
        "numbers and new words": [f"{normalize(t)} عدد 12 كلمةجديدة{i}" for i, t in enumerate(new[:300])],
    }[ahead]
    known = FuzzyIndex.code(made)
    assert set(known.codes) == set(made)
    fresh, helped = FuzzyIndex.build(keys), FuzzyIndex.build(keys, known=known)
    assert helped.vocab is known.vocab  # it started from their vocabulary
    rng = random.Random(5)
    for _ in range(40):
        words = rng.choice(old + new).split()
        words[rng.randrange(len(words))] = rng.choice(WORDS)
        norm = normalize(" ".join(words))
        a = [(c.unit_id, round(c.base, 6)) for c in fresh.candidates(norm, 60, 10)]
        b = [(c.unit_id, round(c.base, 6)) for c in helped.candidates(norm, 60, 10)]
        assert a == b and a


def test_postings_are_every_words_units_in_order_past_65536_words():
    """Past some 55,000 words, codes take more than 16 bits (the postings' sort is by halves)."""
    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    rng = random.Random(7)

    def word(i):
        return "".join(letters[(i // len(letters) ** k) % len(letters)] for k in range(4)) + "ة"

    # 3,000 units of common words and, past the first, of rare ones: some 72,000 words in all
    norms = [
        " ".join([*rng.sample(WORDS, 5), *(word(24 * u + k) for k in range(24 if u else 0)), rng.choice(WORDS)])
        for u in range(3000)
    ]
    index = FuzzyIndex.build((u + 1, normalize(s)) for u, s in enumerate(norms))
    assert max(index.vocab.values()) > 0xFFFF
    expected: dict[int, list[int]] = {}
    for p in range(len(index.unit_ids)):
        for code in sorted(set(map(ord, index._string(p)))):
            expected.setdefault(code, []).append(p)
    got = {
        code: index.post_pos[index.post_off[code] : index.post_off[code + 1]].tolist()
        for code in range(len(index.post_off) - 1)
        if index.post_off[code + 1] > index.post_off[code]
    }
    assert got == expected
    # and lookups find a unit by its rarest words
    hit = index.candidates(normalize(norms[2999]), 90, 1)
    assert [c.unit_id for c in hit] == [3000]


def _words(index: FuzzyIndex) -> dict[int, list[str]]:
    """Return each unit's indexed words (codes decoded: the numbering may differ)."""
    names = {code: word for word, code in index.vocab.items()}
    return {
        int(uid): [names.get(int(c), f"#{int(c)}") for c in index.seq_tok[index.seq_off[i] : index.seq_off[i + 1]]]
        for i, uid in enumerate(index.unit_ids)
    }


def test_units_made_ahead_as_a_block_land_in_their_place_among_the_others():
    rng = random.Random(5)
    words = "قال الوزير إن المفاوضات مع الشركة مستمرة في العاصمة منذ أسبوعين 12 وإن الاتفاق قريب".split()
    keys = [(i, normalize(" ".join(rng.choice(words) for _ in range(rng.randint(3, 9))))) for i in range(1, 41)]
    whole = FuzzyIndex.build(keys)
    made = [norm for uid, norm in keys if 11 <= uid < 31]
    coded = FuzzyIndex.code(made)
    others = [(uid, norm) for uid, norm in keys if not 11 <= uid < 31]
    spliced = FuzzyIndex.build(others, known=coded, block=coded.block(made, 11))
    assert list(spliced.unit_ids) == list(range(1, 41))
    assert _words(spliced) == _words(whole)
    for q in (keys[15][1], keys[3][1], keys[39][1]):
        got = [(c.unit_id, round(c.base, 6)) for c in spliced.candidates(q, 50, 5)]
        assert got == [(c.unit_id, round(c.base, 6)) for c in whole.candidates(q, 50, 5)]
    # a block at the end, and one with the keys holding one of its ids (a build must not)
    assert _words(FuzzyIndex.build(keys[:10], known=coded, block=coded.block(made, 11))) == {
        uid: w for uid, w in _words(whole).items() if uid < 31
    }
    with pytest.raises(ValueError, match="unit 20"):
        FuzzyIndex.build([*keys[:10], (20, "x")], known=coded, block=coded.block(made, 11))
