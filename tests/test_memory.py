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
