"""Match analysis: every sentence in its band (101, 100, fuzzy bands, repetitions, new), words counted."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.cli_run import run_tm, run_tm_process
from tm.analysis import BANDS, analyse, analyse_text, band_of
from tm.documents import word_count

NEW = "اندلع حريق كبير في مستودع للأخشاب قرب الميناء."  # 8 words, nothing like it in the memory
IN_CONTEXT = "قال رئيس الوزراء إن الحكومة ستواصل الإصلاحات."  # 7 words
EXACT = "وأكد الوزير أن المحادثات كانت بناءة."  # 6 words
LONG = (
    "أعلنت الحكومة اليوم عن خطة جديدة لدعم المزارعين في المناطق الريفية وتحسين الري وزيادة "
    "الإنتاج الزراعي خلال السنوات الخمس المقبلة"
).split()  # 20 words
# the same 20 words but one: 95
F95_MEMORY, F95 = " ".join(LONG) + ".", " ".join(LONG[:5] + ["قديمة"] + LONG[6:]) + "."
# one word of 10 changed: 90
F90_MEMORY = "قال المتحدث باسم وزارة الخارجية إن المحادثات ستستأنف الأسبوع المقبل."
F90 = "قال المتحدث باسم وزارة الخارجية إن المفاوضات ستستأنف الأسبوع المقبل."
# one word of 6 changed: 83
F83_MEMORY, F83 = "وصل الرئيس إلى العاصمة في زيارة.", "وصل الوزير إلى العاصمة في زيارة."
# two words of 7 changed: 57-74
F60_MEMORY = "ارتفعت أسعار النفط في الأسواق العالمية اليوم."
F60 = "ارتفعت أسعار الذهب في البورصات العالمية اليوم."

# one sentence a line (a paragraph); the last two lines repeat sentences 3 and 1
ARTICLE = "\n".join([NEW, IN_CONTEXT, EXACT, F95, F90, F83, F60, EXACT, NEW]) + "\n"
SENTENCES = ARTICLE.splitlines()


def fill(memory):
    """The memory every test analyses against: one unit per band, by construction."""
    # saved with the neighbours it has in ARTICLE: a 101
    memory.add(
        IN_CONTEXT,
        "The prime minister said the government would press on with reforms.",
        context=(NEW, EXACT),
    )
    # saved with other neighbours: a 100 only
    memory.add(EXACT, "The minister said the talks were constructive.", context=("قبل", "بعد"))
    memory.add(F95_MEMORY, "The government announced a new plan for farmers.")
    memory.add(F90_MEMORY, "The foreign ministry spokesman said talks would resume next week.")
    memory.add(F83_MEMORY, "The president arrived in the capital on a visit.")
    memory.add(F60_MEMORY, "Oil prices rose on world markets today.")


@pytest.fixture
def filled(memory):
    fill(memory)
    return memory


def test_band_of_a_score():
    assert band_of("context", 101) == "context"
    assert band_of("exact", 100) == "exact"
    assert [band_of("fuzzy", s) for s in (99, 95, 94, 85, 84, 75, 74, 50, 49)] == [
        "95-99", "95-99", "85-94", "85-94", "75-84", "75-84", "50-74", "50-74", "none"
    ]  # fmt: skip
    assert band_of(None, None) == "none"


def test_each_sentence_falls_in_the_band_built_for_it(filled):
    result = analyse(SENTENCES, filled)
    got = [(s.band, s.score) for s in result.sentences]
    assert got[:6] == [
        ("none", None),
        ("context", 101),
        ("exact", 100),
        ("95-99", 95),
        ("85-94", 90),
        ("75-84", 83),
    ]
    assert got[6][0] == "50-74" and 50 <= got[6][1] <= 74
    # the second EXACT and the second NEW are repetitions of sentences 2 and 0, memory or not
    assert got[7:] == [("repetition", None), ("repetition", None)]
    assert [s.repeat_of for s in result.sentences[7:]] == [2, 0]


def test_segments_words_and_percentages_per_band(filled):
    result = analyse(SENTENCES, filled)
    counts = {b.key: (b.segments, b.words) for b in result.bands}
    # words checked by hand: NEW 8, IN_CONTEXT 7, EXACT 6, F95 20, F90 10, F83 6, F60 7
    assert counts == {
        "context": (1, 7),
        "repetition": (2, 6 + 8),
        "exact": (1, 6),
        "95-99": (1, 20),
        "85-94": (1, 10),
        "75-84": (1, 6),
        "50-74": (1, 7),
        "none": (1, 8),
    }
    assert result.words == 78 == sum(word_count(s) for s in SENTENCES)
    assert result.segments == 9
    assert result.band("95-99").percent == round(100 * 20 / 78, 1) == 25.6
    assert [b.key for b in result.bands] == [key for key, _, _ in BANDS]
    assert result.band("none").characters == len(NEW.replace(" ", ""))


def test_numbers_count_as_words_and_punctuation_does_not(memory):
    result = analyse(["ارتفع المؤشر 3 في المئة ، إلى 1500 نقطة ."], memory)
    assert result.band("none").words == 8


def test_a_sentence_repeated_with_other_diacritics_is_a_repetition(memory):
    result = analyse(["قال الوزير إن الحكومة ستدعم الأسر.", "قَالَ الوزيرُ إن الحكومة ستدعم الأسر."], memory)
    assert [s.band for s in result.sentences] == ["none", "repetition"]


def test_an_empty_memory_leaves_everything_new_but_repetitions(memory):
    result = analyse(SENTENCES, memory)
    assert result.band("none").segments == 7
    assert result.band("repetition").segments == 2


def test_the_analysis_changes_nothing_in_the_memory(filled):
    store = filled.store
    before = (store.units.count(), store.units.feed_position(), [u for u in store.units.iter_units()])
    histories = [store.units.history(u.id) for u in before[2]]
    analyse(SENTENCES, filled)
    after = (store.units.count(), store.units.feed_position(), [u for u in store.units.iter_units()])
    assert after == before
    assert [store.units.history(u.id) for u in after[2]] == histories


def test_a_text_is_segmented_as_documents_are(filled):
    # two sentences on one line and a blank line: still the same nine sentences
    text = ARTICLE.replace(f"{NEW}\n{IN_CONTEXT}\n", f"{NEW} {IN_CONTEXT}\n\n", 1)
    result = analyse_text(text, filled)
    assert [s.source for s in result.sentences] == SENTENCES
    assert result.band("context").segments == 1


def test_json_and_csv_shapes(filled):
    result = analyse(SENTENCES, filled)
    data = result.to_json()
    assert data["total"] == {"segments": 9, "words": 78, "characters": result.characters}
    assert data["bands"][0] == {
        "band": "context",
        "label": "In context (101%)",
        "segments": 1,
        "words": 7,
        "characters": len(IN_CONTEXT.replace(" ", "")),
        "percent": 9.0,
    }
    assert data["sentences"][1]["unit_id"] is not None
    rows = list(csv.reader(io.StringIO(result.to_csv())))
    assert rows[0] == ["band", "segments", "words", "characters", "percent_of_words"]
    assert rows[4][:3] == ["95–99%", "1", "20"]
    assert rows[-1][:3] == ["Total", "9", "78"] and rows[-1][4] == "100.0"


# -- the command ------------------------------------------------------------------


@pytest.fixture
def desk(tmp_path):
    from tm.memory import TranslationMemory

    run_tm(tmp_path, "init")
    memory = TranslationMemory.open(str(tmp_path / "memory.db"), create=False)
    try:
        fill(memory)
    finally:
        memory.close()
    (tmp_path / "article.txt").write_text(ARTICLE, encoding="utf-8")
    return tmp_path


def test_the_command_prints_a_table_of_bands(desk):
    out = run_tm(desk, "analyze", "article.txt").stdout
    lines = out.splitlines()
    assert lines[0].split() == ["Match", "Segments", "Words", "Characters", "%", "words"]
    assert lines[1].startswith("In context (101%)") and lines[1].split()[3:5] == ["1", "7"]
    assert lines[2].split()[:3] == ["Repetitions", "2", "14"]
    assert lines[-1].split()[:3] == ["Total", "9", "78"]


def test_the_command_prints_json_and_csv(desk):
    data = json.loads(run_tm(desk, "analyze", "article.txt", "--json").stdout)
    assert {b["band"]: b["words"] for b in data["bands"]}["95-99"] == 20
    assert len(data["sentences"]) == 9
    rows = list(csv.reader(io.StringIO(run_tm(desk, "analyze", "article.txt", "--csv").stdout)))
    assert len(rows) == 1 + len(BANDS) + 1
    assert rows[2][:3] == ["Repetitions", "2", "14"]


def test_the_command_reads_windows_1256(desk):
    (desk / "old.txt").write_bytes(ARTICLE.encode("cp1256"))
    data = json.loads(run_tm(desk, "analyze", "old.txt", "--json").stdout)
    assert data["total"]["words"] == 78


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["analyze", "empty.txt"], "no sentences"),
        (["analyze", "article.txt", "--json", "--csv"], "one of --json and --csv"),
        (["analyze", "missing.txt"], "does not exist"),
    ],
)
def test_the_command_errors_in_one_line(desk, args, message):
    (desk / "empty.txt").write_text("\n \n", encoding="utf-8")
    ran = run_tm(desk, *args, check=False)
    assert ran.returncode != 0
    assert message in ran.stderr
    assert "Traceback" not in ran.stderr


def test_the_installed_script_analyses_and_changes_nothing(desk):
    before = (desk / "memory.db").read_bytes()
    ran = run_tm_process(desk, "analyze", "article.txt", "--csv")
    assert ran.stdout.splitlines()[-1].startswith("Total,9,78,")
    assert (desk / "memory.db").read_bytes() == before
