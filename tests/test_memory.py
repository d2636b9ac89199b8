import pytest

from tm.index import FuzzyIndex
from tm.memory import TranslationMemory
from tm.segment import segment
from tm.store.base import NewUnit
from tm.store.sqlite import SQLiteStore

SOURCE = "وقعت الحكومة اتفاقا بقيمة 500 مليون دولار مع شركة الطاقة في عام 2023."
TARGET = "The government signed a $500 million agreement with the energy company in 2023."


@pytest.fixture
def filled(memory):
    memory.add(SOURCE, TARGET, author="sara")
    memory.add("قال المتحدث باسم الوزارة إن المفاوضات مستمرة.", "The ministry spokesman said talks continue.")
    memory.add("ارتفعت أسعار النفط في الأسواق العالمية اليوم.", "Oil prices rose on world markets today.")
    return memory


@pytest.mark.parametrize(
    "query",
    [
        "وَقَّعَتِ الحُكُومَةُ اتِّفَاقاً بِقِيمَةِ 500 مِلْيُونِ دُولَارٍ مَعَ شَرِكَةِ الطَّاقَةِ فِي عَامِ 2023.",  # diacritics
        "وقعت الحكومة إتفاقا بقيمة 500 مليون دولار مع شركة الطاقة في عام 2023.",  # alef with hamza below
        "وقعت الحكومة اتفاقا بقيمة ٥٠٠ مليون دولار مع شركة الطاقة في عام ٢٠٢٣.",  # Arabic-Indic digits
        "وقعت الحكـــومة اتفاقـا بقيمة 500 مليـون دولار مع شركة الطاقة في عام 2023.",  # tatweel
        "وقعت الحكومه اتفاقا بقيمه 500 مليون دولار مع شركه الطاقه في عام ۲۰۲۳.",  # ta marbuta, Persian digits
        "\u200fوقعت الحكومة  اتفاقا بقيمة 500 مليون دولار مع شركة الطاقة في عام 2023.",  # bidi mark, spaces
    ],
)
def test_spelling_variants_give_a_100_percent_match(filled, query):
    matches = filled.lookup(query)
    assert matches[0].kind == "exact"
    assert matches[0].score == 100
    assert matches[0].unit.target == TARGET
    assert matches[0].unit.source == SOURCE  # the original is what comes back


def test_a_changed_number_gives_a_high_fuzzy_match_that_names_the_number(filled):
    m = filled.lookup("وقعت الحكومة اتفاقا بقيمة 750 مليون دولار مع شركة الطاقة في عام 2023.")[0]
    assert m.kind == "fuzzy"
    assert 95 <= m.score < 100
    assert m.changed_numbers == [("500", "750")]
    assert {"op": "delete", "text": "500 "} in [c.to_json() for c in m.diff]
    assert m.to_json()["numbers"] == [{"memory": "500", "query": "750"}]


def test_fuzzy_matches_come_best_first_above_the_threshold(filled):
    filled.add("قال المتحدث باسم الوزارة إن المفاوضات مستمرة منذ أسبوع.", "Talks have gone on for a week.")
    matches = filled.lookup("قال المتحدث باسم الوزارة إن المفاوضات متوقفة.", min_score=50)
    scores = [m.score for m in matches]
    assert scores == sorted(scores, reverse=True) and len(matches) == 2
    assert all(m.kind == "fuzzy" for m in matches)
    assert filled.lookup("قال المتحدث باسم الوزارة إن المفاوضات متوقفة.", min_score=95) == []


def test_an_unrelated_sentence_finds_nothing(filled):
    assert filled.lookup("هطلت أمطار غزيرة على المدينة طوال الليل") == []


def test_in_context_match_scores_101_and_comes_first(memory):
    doc = segment("عنوان الخبر\nوافق البرلمان على القانون.\nوبدأ العمل به فورا.")
    prev, nxt = doc.contexts()[1]
    memory.add("وافق البرلمان على القانون.", "Parliament passed the law.", context=("سطر آخر", None))
    memory.add("وافق البرلمان على القانون.", "Parliament approved the law.", context=(prev, nxt))
    matches = memory.lookup("وافق البرلمان على القانون.", context=(prev, nxt))
    assert [(m.kind, m.score) for m in matches] == [("context", 101), ("exact", 100)]
    assert matches[0].unit.target == "Parliament approved the law."


def test_confirm_updates_the_sentence_and_keeps_the_old_translation_in_history(memory):
    first = memory.confirm(
        "انتهى الاجتماع دون اتفاق.",
        "The meeting ended without a deal.",
        author="sara",
        mt_draft="The meeting ended without agreement.",
    )
    again = memory.confirm("انتهى الاجتماع دون اتفاق.", "The meeting ended with no agreement.", author="omar")
    assert again.id == first.id and again.version == 2
    assert again.mt_draft == "The meeting ended without agreement."
    history = memory.store.units.history(first.id)
    assert [(h.author, h.target) for h in history] == [
        ("sara", "The meeting ended without a deal."),
        ("omar", "The meeting ended with no agreement."),
    ]
    assert memory.lookup("انتهى الاجتماع دون اتفاق.")[0].unit.target == "The meeting ended with no agreement."


def test_deleted_and_edited_units_leave_the_lookup(filled):
    u = filled.lookup("ارتفعت أسعار النفط في الأسواق العالمية اليوم.")[0].unit
    filled.update(u.id, author="x", source="انخفضت أسعار الذهب في الأسواق المحلية أمس.")
    assert filled.lookup("ارتفعت أسعار النفط في الأسواق العالمية اليوم.", min_score=90) == []
    assert filled.lookup("انخفضت أسعار الذهب في الأسواق المحلية أمس.")[0].unit.id == u.id
    filled.delete(u.id, author="x")
    assert filled.lookup("انخفضت أسعار الذهب في الأسواق المحلية أمس.") == []


def test_the_index_is_saved_and_reused_at_the_next_start(db_path):
    memory = TranslationMemory.open(str(db_path))
    for i in range(30):
        memory.add(f"أعلنت الوزارة عن مشروع جديد رقم {i} في المدينة الشمالية", f"project {i}")
    memory.close()
    saved = FuzzyIndex.load(db_path.with_name(db_path.name + ".index"))
    assert saved is not None and len(saved) == 30

    # another program adds a unit while no index is loaded: the change is applied, no rebuild
    other = SQLiteStore(db_path)
    other.units.add(NewUnit("أعلنت الوزارة عن خطة جديدة لتطوير المدينة الشمالية", "a new plan"))
    other.close()
    reopened = TranslationMemory(SQLiteStore(db_path))
    matches = reopened.lookup("أعلنت الوزارة عن خطة جديدة لتطوير المدينة الشمالية")
    assert matches[0].unit.target == "a new plan"
    assert reopened.lookup("أعلنت الوزارة عن مشروع جديد رقم 7 في المدينة الشمالية")[0].score == 100
    assert reopened.index.rebuilds == 0
    reopened.close()


def test_an_index_of_another_memory_is_not_used(tmp_path):
    a = TranslationMemory.open(str(tmp_path / "a.db"))
    a.add("جملة في الذاكرة الأولى فقط", "first memory")
    a.sync()
    a.close()
    (tmp_path / "b.db.index").write_bytes((tmp_path / "a.db.index").read_bytes())
    b = TranslationMemory.open(str(tmp_path / "b.db"))
    assert b.lookup("جملة في الذاكرة الأولى فقط", min_score=50) == []
    b.add("جملة في الذاكرة الثانية", "second memory")
    assert b.lookup("جملة في الذاكرة الثانية")[0].unit.target == "second memory"
    b.close()


def test_a_damaged_index_file_is_rebuilt(db_path, memory):
    memory.add("جملة محفوظة في الذاكرة", "kept")
    memory.close()
    db_path.with_name(db_path.name + ".index").write_bytes(b"garbage")
    again = TranslationMemory.open(str(db_path))
    assert again.lookup("جملة محفوظة في الذاكرة")[0].unit.target == "kept"
    assert again.lookup("جملة محفوظة في الذاكرة اليوم")[0].kind == "fuzzy"
    again.close()


@pytest.mark.parametrize("query", ["المغرب", "بالمغرب", "والمَغرب", "للمغرب"])
def test_concordance_finds_words_through_clitics_and_diacritics(memory, query):
    memory.add("وقعت إسرائيل والمغرب اتفاقا.", "Israel and Morocco signed a deal.")
    memory.add("زار الوفد للمغرب أمس.", "The delegation visited Morocco yesterday.")
    memory.add("يقع المغرب في شمال أفريقيا.", "Morocco is in North Africa.")
    memory.add("لا علاقة لهذه الجملة.", "Unrelated.")
    hits = memory.concordance(query)
    found = sorted(h.unit.source[a:b] for h in hits for a, b in h.source_spans)
    assert found == ["المغرب", "للمغرب", "والمغرب"]


def test_concordance_of_a_phrase_and_of_the_target_side(memory):
    memory.add("بلغت قيمة الصفقة ٥٠٠ مليون دولار.", "The deal was worth 500 million dollars.")
    memory.add("دولار واحد و مليون سبب.", "One dollar and a million reasons.")
    hits = memory.concordance("مليون دولار")
    assert len(hits) == 1 and hits[0].unit.source[slice(*hits[0].source_spans[0])] == "مليون دولار"
    hits = memory.concordance("Million Dollars", side="target")
    assert [h.unit.target[slice(*h.target_spans[0])] for h in hits] == ["million dollars"]
    both = memory.concordance("مليون", side="both")
    assert len(both) == 2


def test_concordance_ignores_units_deleted_since(memory):
    u = memory.add("خبر عاجل عن الانتخابات", "Breaking news on the election")
    memory.delete(u.id, author="x")
    assert memory.concordance("الانتخابات") == []


def _lookups(memory, queries, limits=(1, 2, 5, 9)):
    return [
        [(m.kind, m.score, m.unit.id, m.tagged, m.to_json()) for m in memory.lookup(q, min_score=50, limit=k)]
        for q in queries
        for k in limits
    ]


@pytest.mark.parametrize("seed", [1, 2])
def test_fuzzy_matches_are_those_of_scoring_every_candidate(memory, monkeypatch, seed):
    """Lookup scores a candidate only when it could be among the matches returned: ties on
    score, approval and date decide as they do when every candidate is scored."""
    import random

    import tm.memory
    import tm.store.sqlite.units

    rng = random.Random(seed)
    words = "قال أعلن الوزير الرئيس الحكومة إن المفاوضات مستمرة في العاصمة اليوم أمس شركة".split()
    stem = [rng.choice(words) for _ in range(12)]
    days = iter(f"2024-01-{d:02d}T10:00:00Z" for d in range(1, 29))
    texts = []
    for _ in range(60):
        text = list(stem)
        for _ in range(rng.randint(0, 3)):
            text[rng.randrange(len(text))] = rng.choice(words + ["12", "7", "2024"])
        texts.append(" ".join(text) + rng.choice([".", "", "!"]))
    day = next(days)
    for i, text in enumerate(texts):
        if i % 5 == 0:  # dates that tie, and dates that differ
            day = next(days)
        monkeypatch.setattr(tm.store.sqlite.units, "now", lambda day=day: day)
        status = "approved" if rng.random() < 0.3 else "confirmed"
        memory.confirm(
            text,
            f"translation {i}",
            author="sara",
            status=status,
            reviewer="rana" if status == "approved" else None,
        )
    queries = [" ".join(rng.choice(words) if rng.random() < 0.2 else w for w in stem) for _ in range(25)]
    queries += [texts[3], texts[10] + " اليوم"]
    fast = _lookups(memory, queries)
    every = tm.memory._fuzzy

    def score_every(*args):
        return every(*args[:-1], True)

    monkeypatch.setattr(tm.memory, "_fuzzy", score_every)
    assert _lookups(memory, queries) == fast
    assert any(len(r) > 1 and r[0][1] == r[1][1] for r in fast)  # ties were there to break


def test_a_candidate_with_tags_is_scored_even_when_it_cannot_be_returned(memory):
    """A match whose source has tags gives every match the query's tag numbers (_tagged), also
    when the candidate itself ranks below the matches returned."""
    from tm.tags import CLOSE, OPEN, char

    b, e = char(1, OPEN), char(1, CLOSE)
    words = "قال الوزير إن المفاوضات مع الشركة مستمرة في العاصمة منذ أسبوعين وإن الاتفاق قريب جدا".split()
    best = memory.add(" ".join(words[:-1]), f"The minister said {b}talks{e} go on")  # 90 (one word less)
    other = [*words[:-2], "بعيد"]  # 85: the last word changed and one less
    memory.add(" ".join([other[0], b + other[1] + e, *other[2:]]), "Talks stopped")
    found = memory.lookup(" ".join(words), min_score=50, limit=1)
    assert [(m.unit.id, m.score) for m in found] == [(best.id, 93)]
    assert len(memory.lookup(" ".join(words), min_score=50, limit=5)) == 2
    assert found[0].tagged == best.target  # renumbered (here: kept) as when every candidate is scored
