"""The post-editing report (tm/pe_report.py) and the recording of active time (tm/timing.py).

Documents are made and confirmed through the real Documents/Editing code path; TER is
checked against sacrebleu itself and pooled figures by hand.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sacrebleu.metrics import TER
from werkzeug.security import generate_password_hash

from tm import pe_report, timing
from tm.documents import Documents
from tm.errors import Forbidden, NotFound, TMError
from tm.glossary import Glossary
from tm.memory import TranslationMemory
from tm.pe_report import Filter, build, char_edit_rate, parse_filter, scope, ter
from tm.store.sqlite import SQLiteStore

ARTICLE = (
    "أعلنت الوزارة عن خطة جديدة للنقل.\n\n"
    "وقال الوزير إن الخطة تشمل 40 حافلة.\n\n"
    "وأكد أن العمل يبدأ الشهر المقبل."
)
DRAFTS = [
    "The ministry announced a new transport plan.",
    "The minister said the plan has 40 buses.",
    "Work starts next month.",
]
FINAL = [
    "The ministry announced a new transport plan.",  # unchanged: 0 of 7 words, 0 of 44 characters
    "The minister said the plan has 40 new buses.",  # "new" inserted: 1 of 9 words, 4 of 44 characters
    "Work starts next month, he said.",  # words: "month." -> "month," + "he said." (3 of 6); characters: + ", he said" (9 of 32)
]

# five sentences, one of each honest origin
FIVE = (
    "أعلنت الوزارة عن خطة جديدة للنقل.\n\n"
    "وقال الوزير إن الخطة تشمل 40 حافلة.\n\n"
    "وأكد أن العمل يبدأ الشهر المقبل.\n\n"
    "وارتفعت أسعار الذهب في السوق المحلية.\n\n"
    "ويتوقع محللون أن يستقر الاقتصاد."
)


@pytest.fixture
def desk(tmp_path):
    store = SQLiteStore(tmp_path / "m.db")
    for name, role in (("ada", "admin"), ("tom", "translator"), ("tia", "translator"), ("rita", "reviewer")):
        store.accounts.add(name, generate_password_hash("x", method="pbkdf2:sha256:1000"), role)
    memory = TranslationMemory(store, save_index=False)
    yield Documents(memory, Glossary(store))
    memory.close()


def user(docs, name):
    return docs.store.accounts.find(name)


def draft(idx, target, origin="mt", *, matches=(), score=None):
    return {
        "idx": idx,
        "target": target,
        "origin": origin,
        "score": score if origin != "mt" else None,
        "unit_id": None,
        "mt_draft": target if origin == "mt" else None,
        "repeat_of": None,
        "info": {"matches": list(matches)},
    }


def document(docs, text=ARTICLE, drafts=None, *, translator="tom", title="خطة النقل"):
    doc = docs.create(title, text, "ada", translator=translator, reviewer="rita")
    docs.store.documents.set_drafts(doc, drafts or [draft(i, t) for i, t in enumerate(DRAFTS)])
    return doc


def confirm(docs, doc, idx, target, who="tom", **kw):
    seg = docs.store.documents.segment(doc, idx)
    return docs.confirm(doc, idx, target, user(docs, who), seg.version, **kw)


def everything():
    return Filter()


# -- the measures ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "final"),
    [
        (DRAFTS[0], FINAL[0]),
        (DRAFTS[1], FINAL[1]),
        (DRAFTS[2], FINAL[2]),
        ("The minister said the plan has 40 buses.", "The minister said the plan includes 40 buses."),
        ("The deficit falls by 3 percent in the budget.", "In the budget, the deficit falls by 3 percent."),
        ("the budget cuts the deficit", "The budget cuts the deficit"),
        ("Work starts.", "He said work starts next month."),
        ("", "He said work starts next month."),
        ("Work  STARTS next month.", "work starts next month."),  # the same words: answered without a search
        ("", ""),
    ],
)
def test_ter_is_sacrebleus_sentence_ter_of_the_draft_against_the_final_english(start, final):
    assert ter(start, final) == pytest.approx(TER().sentence_score(start, [final]).score)


@pytest.mark.parametrize(
    ("start", "final", "expected"),
    [
        # 1 substitution and 2 insertions of 6 words
        ("Work starts next month.", "Work starts next month, he said.", 50.0),
        ("The minister said the plan has 40 buses.", "The minister said the plan has 40 new buses.", 100 / 9),
        (
            "The deficit falls by 3 percent in the budget.",
            "In the budget, the deficit falls by 3 percent.",
            400 / 9,
        ),
        ("the budget cuts the deficit", "The budget cuts the deficit", 0.0),  # TERCOM ignores case
        ("", "He said work starts next month.", 100.0),  # nothing to start from: every word typed
        ("Work  starts\u00a0next month. ", "Work starts next month.", 0.0),  # spacing is no edit
    ],
)
def test_ter_on_known_pairs(start, final, expected):
    assert ter(start, final) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("start", "final", "expected"),
    [
        ("kitten", "sitting", 300 / 7),  # k->s, e->i, +g
        ("Work starts next month.", "Work starts next month, he said.", 900 / 32),  # the "." is kept
        ("the budget cuts the deficit", "The budget cuts the deficit", 100 / 27),  # case counts here
        ("", "He said.", 100.0),
        ("Work starts.", "Work starts.", 0.0),
        ("Work   starts. ", "Work starts.", 0.0),
        ("Work starts.", "Work.", 700 / 5),  # 7 deletions: more edits than characters left
    ],
)
def test_char_edit_rate_is_levenshtein_distance_over_the_final_english_characters(start, final, expected):
    assert char_edit_rate(start, final) == pytest.approx(expected)


# -- a document through the real editing path --------------------------------------------------


def test_pooled_figures_are_total_edits_over_total_length_not_a_mean_of_ratios(desk):
    doc = document(desk)
    for idx, english in enumerate(FINAL):
        confirm(desk, doc, idx, english)
    rep = build(desk.store, everything())
    assert [(s.idx, s.provenance) for s in rep.sentences] == [
        (0, "mt-unchanged"),
        (1, "mt-edited"),
        (2, "mt-edited"),
    ]
    assert [round(s.ter, 4) for s in rep.sentences] == [0.0, round(100 / 9, 4), 50.0]
    for s in rep.sentences:
        assert s.ter == pytest.approx(TER().sentence_score(DRAFTS[s.idx], [FINAL[s.idx]]).score)
    # by hand: (0 + 1 + 3) edits / (7 + 9 + 6) words; (0 + 4 + 9) characters / (44 + 44 + 32)
    assert rep.total.ter == pytest.approx(100 * 4 / 22)
    assert rep.total.ter == pytest.approx(TER().corpus_score(DRAFTS, [FINAL]).score)
    assert rep.total.char_edit_rate == pytest.approx(100 * 13 / 120)
    mean_of_ratios = sum(s.ter for s in rep.sentences) / 3
    assert rep.total.ter != pytest.approx(mean_of_ratios)
    edited = next(g for g in rep.origins if g.key == "mt-edited")
    assert edited.ter == pytest.approx(100 * 4 / 15)  # (1 + 3) / (9 + 6)
    assert edited.char_edit_rate == pytest.approx(100 * 13 / 76)


def test_shares_of_sentences_and_words_by_honest_origin(desk):
    panel = {"target": "Gold prices rose in the local market.", "score": 91, "unit_id": 7}
    doc = document(
        desk,
        FIVE,
        [
            draft(0, DRAFTS[0]),
            draft(1, DRAFTS[1]),
            draft(2, "Work will start next month.", "exact", score=100),
            draft(3, "Gold prices went up in the market.", "fuzzy", matches=[panel], score=80),
            draft(4, "", "none"),
        ],
    )
    confirm(desk, doc, 0, DRAFTS[0])  # MT unchanged
    confirm(desk, doc, 1, "The minister said the plan has 40 new buses.")  # MT edited
    confirm(desk, doc, 2, "He said work will start next month.")  # the 100% match, edited
    confirm(desk, doc, 3, panel["target"])  # a match inserted from the panel, kept
    confirm(desk, doc, 4, "Analysts expect the economy to settle.")  # nothing to start from
    rep = build(desk.store, everything())
    by = {g.key: g for g in rep.origins}
    assert [g.key for g in rep.origins] == [
        "mt-unchanged",
        "mt-edited",
        "match-unchanged",
        "match-edited",
        "scratch",
    ]
    assert {k: g.segments for k, g in by.items()} == dict.fromkeys(by, 1)
    assert {k: g.share for k, g in by.items()} == dict.fromkeys(by, 20.0)
    # words of the Arabic, as CAT tools count them: 6, 7, 6, 6 and 5 of 30
    assert {k: g.words for k, g in by.items()} == {
        "mt-unchanged": 6, "mt-edited": 7, "match-edited": 6, "match-unchanged": 6, "scratch": 5
    }  # fmt: skip
    assert by["mt-edited"].word_share == pytest.approx(100 * 7 / 30)
    assert rep.total.segments == 5 and rep.total.words == 30 and rep.total.share == 100.0
    # the match kept from the panel is no edit, though the draft was another match
    kept = rep.sentences[3]
    assert (kept.provenance, kept.start, kept.ter, kept.char_edit_rate) == (
        "match-unchanged",
        panel["target"],
        0.0,
        0.0,
    )
    # written from scratch: 100%, every word typed, and counted in the total
    scratch = rep.sentences[4]
    assert (scratch.start, scratch.ter, scratch.char_edit_rate) == ("", 100.0, 100.0)
    assert by["scratch"].ter == 100.0


def test_a_sentence_in_draft_or_sent_back_is_not_in_the_report(desk):
    doc = document(desk)
    confirm(desk, doc, 0, FINAL[0])
    confirm(desk, doc, 1, FINAL[1])
    seg = desk.store.documents.segment(doc, 2)
    desk.save(doc, 2, FINAL[2], user(desk, "tom"), seg.version)  # typed, not confirmed
    assert [s.idx for s in build(desk.store, everything()).sentences] == [0, 1]
    confirm(desk, doc, 2, FINAL[2])
    desk.move(doc, user(desk, "tom"), "in review")
    seg = desk.store.documents.segment(doc, 1)
    desk.reject(doc, 1, user(desk, "rita"), seg.version, "Say how many buses are new.")
    assert [s.idx for s in build(desk.store, everything()).sentences] == [0, 2]


def test_the_translator_is_who_confirmed_and_a_reviewers_sign_off_keeps_them(desk):
    doc = document(desk)
    confirm(desk, doc, 0, FINAL[0])
    confirm(desk, doc, 1, FINAL[1])
    confirm(desk, doc, 2, FINAL[2], who="ada", approve=True)  # approved without a translator's confirm
    desk.move(doc, user(desk, "tom"), "in review")
    confirm(desk, doc, 0, FINAL[0], who="rita", approve=True)  # signed off as it was
    rep = build(desk.store, everything())
    assert [(s.idx, s.status, s.translator) for s in rep.sentences] == [
        (0, "approved", "tom"),
        (1, "confirmed", "tom"),
        (2, "approved", "ada"),
    ]
    assert [(g.key, g.segments) for g in rep.translators] == [("ada", 1), ("tom", 2)]
    only_tom = build(desk.store, Filter(translator="tom"))
    assert [s.idx for s in only_tom.sentences] == [0, 1]
    assert only_tom.total.segments == 2


def test_a_range_of_days_takes_the_day_each_sentence_was_confirmed(desk, monkeypatch):
    import tm.store.sqlite.documents as engine

    doc = document(desk)
    for idx, day in ((0, "2026-03-01"), (1, "2026-03-02"), (2, "2026-03-03")):
        monkeypatch.setattr(engine, "now", lambda day=day: f"{day}T12:00:00Z")
        confirm(desk, doc, idx, FINAL[idx])
    assert [s.idx for s in build(desk.store, Filter(since="2026-03-02", until="2026-03-02")).sentences] == [1]
    assert [s.idx for s in build(desk.store, Filter(since="2026-03-02")).sentences] == [1, 2]
    assert [s.idx for s in build(desk.store, Filter(until="2026-03-02")).sentences] == [0, 1]
    assert [s.confirmed_at for s in build(desk.store, Filter(document=doc)).sentences] == [
        "2026-03-01T12:00:00Z",
        "2026-03-02T12:00:00Z",
        "2026-03-03T12:00:00Z",
    ]


def test_a_report_of_a_document_covers_only_it_and_a_missing_document_is_not_found(desk):
    a = document(desk)
    b = document(desk, title="Second")
    confirm(desk, a, 0, FINAL[0])
    confirm(desk, b, 1, FINAL[1])
    rep = build(desk.store, Filter(document=b))
    assert [(s.document_id, s.document, s.idx) for s in rep.sentences] == [(b, "Second", 1)]
    assert [(g.key, g.label) for g in build(desk.store, everything()).documents] == [
        (str(a), "خطة النقل"),
        (str(b), "Second"),
    ]
    with pytest.raises(NotFound):
        build(desk.store, Filter(document=b + 100))


# -- active time and words per hour ------------------------------------------------------------


def test_words_per_hour_divides_source_words_by_the_translators_active_hours(desk):
    doc = document(desk)
    tom, rita = user(desk, "tom"), user(desk, "rita")
    timing.record(desk.store, tom, doc, 0, 60_000)
    timing.record(desk.store, tom, doc, 1, 100_000)
    timing.record(desk.store, tom, doc, 1, 20_000, day="2026-01-05")  # another day counts too
    timing.record(desk.store, rita, doc, 1, 45_000)  # the reviewer's reading: review time
    for idx, english in enumerate(FINAL):
        confirm(desk, doc, idx, english)
    rep = build(desk.store, everything())
    assert [(s.ms, s.review_ms) for s in rep.sentences] == [(60_000, 0), (120_000, 45_000), (0, 0)]
    # 6 + 7 + 6 words over 3 minutes of tom's time (a twentieth of an hour): 380 an hour
    assert rep.total.words == 19 and rep.total.ms == 180_000 and rep.total.review_ms == 45_000
    assert rep.total.words_per_hour == pytest.approx(380.0)
    assert rep.total.timed == 2
    [tom_row] = rep.translators
    assert tom_row.words_per_hour == pytest.approx(380.0)
    # MT unchanged: 6 words in a minute
    assert rep.origins[0].words_per_hour == pytest.approx(360.0)


def test_without_recorded_time_there_is_no_words_per_hour_rather_than_a_division_by_zero(desk):
    doc = document(desk)
    confirm(desk, doc, 0, FINAL[0])
    rep = build(desk.store, everything())
    assert rep.total.ms == 0 and rep.total.words_per_hour is None
    assert rep.total.to_json()["words_per_hour"] is None
    empty = next(g for g in rep.origins if g.key == "scratch")
    assert (empty.segments, empty.ter, empty.char_edit_rate, empty.words_per_hour) == (0, None, None, None)


def test_time_is_recorded_for_who_may_write_and_for_the_documents_reviewer_only(desk):
    doc = document(desk)
    assert timing.record(desk.store, user(desk, "tom"), doc, 0, 1000) == 1000
    assert timing.record(desk.store, user(desk, "tom"), doc, 0, 500) == 1500
    # its reviewer, while it is still being translated
    assert timing.record(desk.store, user(desk, "rita"), doc, 0, 700) == 700
    assert timing.record(desk.store, user(desk, "ada"), doc, 0, 300) == 300  # an admin
    with pytest.raises(Forbidden):
        timing.record(desk.store, user(desk, "tia"), doc, 0, 1000)  # another translator only reads it
    with pytest.raises(NotFound):
        timing.record(desk.store, user(desk, "tom"), doc, 42, 1000)
    with pytest.raises(NotFound):
        timing.record(desk.store, user(desk, "tom"), doc + 1, 0, 1000)
    assert desk.store.timing.totals() == {
        (doc, 0, "tom"): 1500,
        (doc, 0, "rita"): 700,
        (doc, 0, "ada"): 300,
    }


@pytest.mark.parametrize("ms", [0, -5, timing.MAX_REPORT_MS + 1, 1.5, True, "100"])
def test_a_time_report_outside_one_ms_to_ten_minutes_is_refused(desk, ms):
    doc = document(desk)
    with pytest.raises(TMError, match="ten minutes"):
        timing.record(desk.store, user(desk, "tom"), doc, 0, ms)
    assert desk.store.timing.totals() == {}


def test_a_report_of_exactly_ten_minutes_is_taken(desk):
    doc = document(desk)
    assert timing.record(desk.store, user(desk, "tom"), doc, 0, timing.MAX_REPORT_MS) == 600_000


# -- the filter and who sees what --------------------------------------------------------------


def test_the_filter_reads_the_query_and_defaults_to_the_last_thirty_days():
    today = date(2026, 3, 31)
    assert parse_filter({}, today=today) == Filter(None, None, "2026-03-02", "2026-03-31")
    assert parse_filter({"translator": " tom "}, today=today) == Filter(
        None, "tom", "2026-03-02", "2026-03-31"
    )
    # a document's report covers all its time; empty dates are open ends
    assert parse_filter({"document": "12"}, today=today) == Filter(12, None, None, None)
    assert parse_filter({"from": "", "to": ""}, today=today) == Filter()
    assert parse_filter({"document": "", "from": "2026-01-01", "to": ""}, today=today) == Filter(
        since="2026-01-01"
    )
    f = Filter(3, "tom", "2026-01-01", "2026-01-31")
    assert parse_filter(f.query(), today=today) == f


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"document": "abc"}, "document must be a document's number"),
        ({"document": "-1"}, "document must be"),
        ({"document": "0"}, "document must be"),
        ({"document": "99999999999999999999"}, "document must be"),
        ({"document": "١٢"}, "document must be"),  # Arabic-Indic digits are not an address's number
        ({"from": "2026-13-45"}, "from must be a day written YYYY-MM-DD"),
        ({"to": "2026-02-30"}, "to must be a day"),
        ({"from": "31/03/2026"}, "from must be a day"),
        ({"from": "2026-03-31", "to": "2026-03-01"}, "ends .2026-03-01. before it starts"),
    ],
)
def test_a_malformed_filter_is_refused_with_what_to_write(args, message):
    with pytest.raises(TMError, match=message):
        parse_filter(args)


def test_a_translator_sees_their_own_figures_and_reviewers_and_admins_everyones(desk):
    tom, rita, ada = user(desk, "tom"), user(desk, "rita"), user(desk, "ada")
    assert scope(tom, Filter()) == Filter(translator="tom")
    assert scope(tom, Filter(document=3, translator="tom")) == Filter(document=3, translator="tom")
    with pytest.raises(Forbidden, match="their own figures"):
        scope(tom, Filter(translator="tia"))
    assert scope(rita, Filter()) == Filter()
    assert scope(rita, Filter(translator="tia")) == Filter(translator="tia")
    assert scope(ada, Filter(document=1)) == Filter(document=1)


# -- the CSV and the JSON ----------------------------------------------------------------------


def test_the_csv_has_one_row_per_sentence_with_its_figures(desk):
    doc = document(desk)
    timing.record(desk.store, user(desk, "tom"), doc, 1, 12_345)
    for idx, english in enumerate(FINAL):
        confirm(desk, doc, idx, english)
    text = build(desk.store, everything()).to_csv()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(pe_report.CSV_COLUMNS)
    assert len(rows) == 4
    row = dict(zip(rows[0], rows[2], strict=True))
    assert row["document_id"] == str(doc) and row["document"] == "خطة النقل"
    assert (row["sentence"], row["translator"], row["status"], row["provenance"]) == (
        "2",
        "tom",
        "confirmed",
        "mt-edited",
    )
    assert (row["source_words"], row["ter"], row["char_edit_rate"]) == ("7", "11.11", "9.09")
    assert (row["active_seconds"], row["review_seconds"]) == ("12.3", "0.0")
    assert row["confirmed_at"].endswith("Z")
    assert (row["start"], row["target"]) == (DRAFTS[1], FINAL[1])
    assert row["source"] == "وقال الوزير إن الخطة تشمل 40 حافلة."


def test_the_csv_keeps_a_spreadsheet_from_reading_english_as_a_formula(desk):
    doc = document(desk)
    confirm(
        desk, doc, 0, '=HYPERLINK("http://x") The ministry announced a new transport plan.', override=True
    )
    rows = list(csv.reader(io.StringIO(build(desk.store, everything()).to_csv())))
    assert rows[1][-1].startswith("'=HYPERLINK")


def test_the_json_has_the_filter_groups_and_sentences(desk):
    doc = document(desk)
    confirm(desk, doc, 0, FINAL[0])
    data = build(desk.store, Filter(document=doc, since="2026-01-01")).to_json()
    assert data["filter"] == {"document": doc, "translator": None, "from": "2026-01-01", "to": None}
    assert data["total"]["segments"] == 1 and data["total"]["ter"] == 0.0
    assert [g["key"] for g in data["origins"]] == [
        "mt-unchanged",
        "mt-edited",
        "match-unchanged",
        "match-edited",
        "scratch",
    ]
    assert data["translators"][0]["key"] == "tom" and data["documents"][0]["label"] == "خطة النقل"
    assert data["sentences"][0]["provenance"] == "mt-unchanged"
    assert "sentences" not in build(desk.store, everything()).to_json(sentences=False)
