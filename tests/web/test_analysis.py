"""The match analysis page and its CSV: bands by construction, read only, for any logged-in user."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.test_analysis import ARTICLE, EXACT, NEW, fill

from .conftest import Client, services


@pytest.fixture
def doc(app, translator):
    """tom's document of the library tests' article, over the memory built for it."""
    fill(services(app).memory)
    return translator.new_document(ARTICLE, title="Reforms")


def snapshot(store, doc_id):
    units = list(store.units.iter_units())
    return (
        store.units.count(),
        store.units.feed_position(),
        units,
        [store.units.history(u.id) for u in units],
        store.documents.segments(doc_id),
        store.documents.get(doc_id, layout=False),
    )


def band_rows(page):
    """Return {band: [segments, words]} from the page's table."""
    rows = re.findall(
        r'<tr data-band="([\w-]+)">\s*<t[dh]>[^<]*</t[dh]>\s*<t[dh] class="num">(\d+)</t[dh]>\s*'
        r'<t[dh] class="num">(\d+)</t[dh]>',
        page,
    )
    return {band: [int(n), int(w)] for band, n, w in rows}


def test_the_page_shows_words_per_band_as_of_now(translator, doc):
    r = translator.get(f"/documents/{doc}/analysis")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert band_rows(page) == {
        "context": [1, 7],
        "repetition": [2, 14],
        "exact": [1, 6],
        "95-99": [1, 20],
        "85-94": [1, 10],
        "75-84": [1, 6],
        "50-74": [1, 7],
        "none": [1, 8],
        "total": [9, 78],
    }
    assert "as of now" in page and "Reforms" in page
    assert f'href="/documents/{doc}/analysis.csv"' in page
    # every sentence is listed with a link to it in the editor; repetitions say which one they repeat
    assert page.count(f'href="/documents/{doc}#seg-') >= 9
    assert "repeats" in page


def test_the_csv_has_a_row_per_band_and_a_total(translator, doc):
    r = translator.get(f"/documents/{doc}/analysis.csv")
    assert r.status_code == 200
    assert r.mimetype == "text/csv" and "Reforms.analysis.csv" in r.headers["Content-Disposition"]
    text = r.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == ["band", "segments", "words", "characters", "percent_of_words"]
    assert [r[0] for r in rows[1:]] == [
        "In context (101%)", "Repetitions", "100%", "95–99%", "85–94%", "75–84%", "50–74%", "No match", "Total"
    ]  # fmt: skip
    assert rows[-1][:3] == ["Total", "9", "78"]


def test_the_analysis_changes_nothing(app, translator, doc):
    store = services(app).store
    before = snapshot(store, doc)
    assert translator.get(f"/documents/{doc}/analysis").status_code == 200
    assert translator.get(f"/documents/{doc}/analysis.csv").status_code == 200
    assert snapshot(store, doc) == before


def test_a_sentence_confirmed_since_counts_as_a_memory_match(app, translator, doc):
    seg = services(app).store.documents.segments(doc)[0]
    assert seg.source == NEW
    r = translator.api(
        "POST",
        f"/api/documents/{doc}/segments/0/confirm",
        {"target": "A fire broke out.", "version": seg.version},
    )
    assert r.status_code == 200
    rows = band_rows(translator.get(f"/documents/{doc}/analysis").get_data(as_text=True))
    # confirmed with its neighbours: now an in-context match, and nothing is left without a match
    assert rows["context"] == [2, 7 + 8] and rows["none"] == [0, 0]


def test_any_logged_in_user_may_read_it_and_the_editor_links_to_it(app, translator, doc):
    assert Client(app, "rita").get(f"/documents/{doc}/analysis").status_code == 200
    assert Client(app, "tia").get(f"/documents/{doc}/analysis.csv").status_code == 200
    editor = translator.get(f"/documents/{doc}").get_data(as_text=True)
    assert f'href="/documents/{doc}/analysis"' in editor and ">Analysis</a>" in editor


def test_it_needs_a_login(anonymous, doc):
    r = anonymous.get(f"/documents/{doc}/analysis")
    assert r.status_code in (302, 401)
    assert anonymous.get(f"/documents/{doc}/analysis.csv").status_code in (302, 401)


def test_a_document_that_is_not_there_is_404(translator):
    assert translator.get("/documents/4242/analysis").status_code == 404
    assert translator.get("/documents/4242/analysis.csv").status_code == 404


def test_every_sentence_is_listed_repetitions_too(translator, doc):
    page = translator.get(f"/documents/{doc}/analysis").get_data(as_text=True)
    assert page.count(f'<td class="arabic" dir="rtl" lang="ar">{EXACT}</td>') == 2
