import random

import numpy as np
from rapidfuzz.distance import Levenshtein

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
