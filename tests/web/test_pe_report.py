"""The post-editing report over HTTP: the page, its filters and CSV, who sees whose figures,
bad filters, and the editor's reports of active time (caps, rights, CSRF)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from tm.pe_report import CSV_COLUMNS
from tm.timing import MAX_REPORT_MS

from .conftest import Bearer, Client, services

ARTICLE = """قال وزير المالية إن الميزانية ستخفض العجز بنسبة 3 في المئة.
وأضاف الوزير أن الحكومة ستدعم الأسر الفقيرة.
وانتقد نواب المعارضة خطة الوزير.
"""
ENGLISH = [
    "The finance minister said the budget would cut the deficit by 3 percent.",
    "The minister added that the government would support poor families.",
    "Opposition MPs criticised the minister's plan.",
]
OTHER = "وارتفعت أسعار الذهب في السوق المحلية.\n"
ALL_TIME = "from=&to="


def segment(app, doc_id, idx):
    return services(app).store.documents.segment(doc_id, idx)


def confirm(client, app, doc_id, idx, english):
    seg = segment(app, doc_id, idx)
    r = client.api(
        "POST", f"/api/documents/{doc_id}/segments/{idx}/confirm", {"target": english, "version": seg.version}
    )
    assert r.status_code == 200, r.get_data(as_text=True)


def spend(client, doc_id, idx, ms):
    return client.api("POST", f"/api/documents/{doc_id}/segments/{idx}/time", {"ms": ms})


@pytest.fixture
def tia(app):
    return Client(app, "tia")


@pytest.fixture
def docs(app, translator, tia):
    """tom's Budget (two sentences confirmed, with time) and tia's Gold (one confirmed)."""
    budget = translator.new_document(ARTICLE, title="Budget")
    for idx in (0, 1):
        assert spend(translator, budget, idx, 30_000 * (idx + 1)).status_code == 200
        confirm(translator, app, budget, idx, ENGLISH[idx])
    gold = tia.new_document(OTHER, title="Gold")
    assert spend(tia, gold, 0, 20_000).status_code == 200
    confirm(tia, app, gold, 0, "Gold prices rose in the local market.")
    return {"budget": budget, "gold": gold}


def chart_data(page):
    """Return the figures the page hands to its charts."""
    found = re.search(r'<script type="application/json" id="pe-data">(.*?)</script>', page, re.S)
    assert found, "the page carries no chart data"
    return json.loads(found.group(1))


def csv_rows(response):
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


# -- the page ----------------------------------------------------------------------------------


def test_the_page_shows_a_documents_figures_with_charts_and_tables(admin, docs):
    r = admin.get(f"/reports/post-editing?document={docs['budget']}")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    for canvas in ("chart-origins", "chart-effort", "chart-speed"):
        assert f'<canvas id="{canvas}"' in page
    assert '/static/vendor/chartjs/chart.umd.min.js?v=' in page and '/static/pe-report.js?v=' in page
    assert "<script>" not in page  # no inline script: the CSP allows none
    data = chart_data(page)
    assert data["filter"] == {"document": docs["budget"], "translator": None, "from": None, "to": None}
    assert data["total"]["segments"] == 2 and data["total"]["active_seconds"] == 90.0
    assert [t["key"] for t in data["translators"]] == ["tom"]
    assert data["labels"]["mt-edited"] == "MT edited"
    assert "sentences" not in data  # the charts need the groups only
    # the tables carry the numbers too
    assert 'id="pe-origins"' in page and 'id="pe-translators"' in page
    assert 'data-translator="tom"' in page and 'data-translator="tia"' not in page
    assert "1 min 30 s" in page  # tom's active time
    assert page.count(f'href="/documents/{docs["budget"]}#seg-') == 2
    assert "Budget" in page and 'id="pe-documents"' not in page  # one document: no table by document
    assert f'href="/reports/post-editing.csv?document={docs["budget"]}' in page
    # "All time" keeps the document and clears the dates
    link = re.search(r'<a href="([^"]+)" id="pe-all-time"', page).group(1).replace("&amp;", "&")
    assert f"document={docs['budget']}" in link and "from=&" in link and link.endswith("to=")


def test_without_a_filter_the_page_covers_the_last_thirty_days_of_everyone(reviewer, docs):
    page = reviewer.get("/reports/post-editing").get_data(as_text=True)
    data = chart_data(page)
    assert data["filter"]["from"] and data["filter"]["to"]
    assert data["total"]["segments"] == 3
    assert [t["key"] for t in data["translators"]] == ["tia", "tom"]
    assert [d["label"] for d in data["documents"]] == ["Budget", "Gold"]
    assert 'id="pe-documents"' in page
    assert re.search(r"confirmed \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d", page)


def test_a_range_without_confirms_shows_an_empty_report_without_charts(admin, docs):
    r = admin.get("/reports/post-editing?from=2001-01-01&to=2001-12-31")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert 'id="pe-empty"' in page and "<canvas" not in page


def test_a_report_without_recorded_time_says_so_instead_of_a_speed_chart(app, admin, translator):
    doc = translator.new_document(OTHER, title="Untimed")
    confirm(translator, app, doc, 0, "Gold prices rose in the local market.")
    page = admin.get(f"/reports/post-editing?document={doc}").get_data(as_text=True)
    assert 'id="chart-speed-none"' in page and 'id="chart-speed"' not in page
    assert chart_data(page)["total"]["words_per_hour"] is None
    assert re.search(r'id="pe-wph"><strong>—</strong>', page)


# -- who sees whose figures --------------------------------------------------------------------


def test_a_translator_sees_only_their_own_figures(translator, docs):
    page = translator.get(f"/reports/post-editing?{ALL_TIME}").get_data(as_text=True)
    data = chart_data(page)
    assert data["filter"]["translator"] == "tom"
    assert [t["key"] for t in data["translators"]] == ["tom"]
    assert [d["label"] for d in data["documents"]] == ["Budget"]
    assert 'id="pe-own"' in page and 'name="translator"' not in page
    # in tia's document, tom has no confirmed sentence
    other = translator.get(f"/reports/post-editing?document={docs['gold']}")
    assert other.status_code == 200 and 'id="pe-empty"' in other.get_data(as_text=True)


def test_a_translator_asking_for_someone_elses_figures_is_refused(translator, docs):
    r = translator.get("/reports/post-editing?translator=tia")
    assert r.status_code == 403
    assert "their own figures" in r.get_data(as_text=True)
    assert translator.get("/reports/post-editing.csv?translator=tia").status_code == 403
    assert translator.get("/reports/post-editing?translator=tom").status_code == 200


@pytest.mark.parametrize("who", ["admin", "reviewer"])
def test_admins_and_reviewers_see_everyone_and_can_pick_a_translator(request, docs, who):
    client = request.getfixturevalue(who)
    data = chart_data(client.get(f"/reports/post-editing?{ALL_TIME}").get_data(as_text=True))
    assert data["total"]["segments"] == 3
    page = client.get(f"/reports/post-editing?translator=tia&{ALL_TIME}").get_data(as_text=True)
    assert [t["key"] for t in chart_data(page)["translators"]] == ["tia"]
    assert "<option selected>tia</option>" in page


def test_the_navigation_links_the_report_for_admins_and_reviewers_and_the_editor_for_all(
    admin, reviewer, translator, docs
):
    assert 'href="/reports/post-editing"' in admin.get("/").get_data(as_text=True)
    assert 'href="/reports/post-editing"' in reviewer.get("/").get_data(as_text=True)
    assert 'href="/reports/post-editing"' not in translator.get("/").get_data(as_text=True)
    editor = translator.get(f"/documents/{docs['budget']}").get_data(as_text=True)
    assert f'href="/reports/post-editing?document={docs["budget"]}"' in editor
    assert "/static/editor-timing.js" in editor


# -- the CSV -----------------------------------------------------------------------------------


def test_the_csv_has_a_row_per_confirmed_sentence(admin, docs):
    r = admin.get(f"/reports/post-editing.csv?{ALL_TIME}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert 'filename="all-documents.post-editing.csv"' in r.headers["Content-Disposition"]
    rows = csv_rows(r)
    assert rows[0] == list(CSV_COLUMNS)
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [(x["document"], x["sentence"], x["translator"]) for x in records] == [
        ("Budget", "1", "tom"),
        ("Budget", "2", "tom"),
        ("Gold", "1", "tia"),
    ]
    assert [x["active_seconds"] for x in records] == ["30.0", "60.0", "20.0"]
    assert records[0]["target"] == ENGLISH[0]
    assert float(records[0]["ter"]) > 0 and records[0]["confirmed_at"].endswith("Z")


def test_a_translators_csv_is_their_own_and_a_documents_csv_is_named_for_it(translator, docs):
    rows = csv_rows(translator.get(f"/reports/post-editing.csv?{ALL_TIME}"))
    assert {row[3] for row in rows[1:]} == {"tom"} and len(rows) == 3
    r = translator.get(f"/reports/post-editing.csv?document={docs['budget']}")
    assert 'filename="Budget.tom.post-editing.csv"' in r.headers["Content-Disposition"]
    r = translator.get("/reports/post-editing.csv?from=2026-03-01&to=2026-03-31")
    assert (
        'filename="all-documents.tom.2026-03-01_2026-03-31.post-editing.csv"'
        in r.headers["Content-Disposition"]
    )


# -- bad filters: a clear 400, never a 500 -----------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("document=abc", "document must be a document&#39;s number"),
        ("document=1.5", "document must be"),
        ("document=-3", "document must be"),
        ("from=2026-13-45", "from must be a day written YYYY-MM-DD"),
        ("to=2026-02-30", "to must be a day"),
        ("from=yesterday", "from must be a day"),
        ("from=2026-03-31&to=2026-03-01", "before it starts"),
    ],
)
@pytest.mark.parametrize("path", ["/reports/post-editing", "/reports/post-editing.csv"])
def test_a_bad_filter_is_a_clear_400_page(admin, path, query, message):
    r = admin.get(f"{path}?{query}")
    assert r.status_code == 400
    assert r.mimetype == "text/html"
    assert message in r.get_data(as_text=True)


def test_a_document_that_is_not_there_is_a_404(admin):
    assert admin.get("/reports/post-editing?document=424242").status_code == 404
    assert admin.get("/reports/post-editing.csv?document=424242").status_code == 404


def test_the_report_needs_a_login(anonymous):
    r = anonymous.get("/reports/post-editing")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_the_report_keeps_the_strict_content_security_policy(admin, docs):
    csp = admin.get("/reports/post-editing").headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp and "unsafe" not in csp
    chart = admin.get("/static/vendor/chartjs/chart.umd.min.js")
    assert chart.status_code == 200 and b"Chart.js v4." in chart.get_data()[:200]
    chart.close()


# -- the editor's reports of active time -------------------------------------------------------


def test_time_adds_up_for_the_translator_per_sentence_and_day(app, translator):
    doc = translator.new_document(ARTICLE, title="Budget")
    r = spend(translator, doc, 0, 1500)
    assert r.status_code == 200 and r.get_json() == {"recorded": 1500, "today_ms": 1500}
    assert spend(translator, doc, 0, 2500).get_json()["today_ms"] == 4000
    assert services(app).store.timing.totals() == {(doc, 0, "tom"): 4000}


@pytest.mark.parametrize("ms", [0, -1, MAX_REPORT_MS + 1, 1.5, "100", None, True])
def test_a_time_report_outside_one_ms_to_ten_minutes_is_refused(app, translator, ms):
    doc = translator.new_document(OTHER)
    r = spend(translator, doc, 0, ms)
    assert r.status_code == 400 and "ten minutes" in r.get_json()["error"]
    assert services(app).store.timing.totals() == {}


def test_ten_minutes_at_once_is_the_most_taken(translator):
    doc = translator.new_document(OTHER)
    assert spend(translator, doc, 0, MAX_REPORT_MS).status_code == 200


def test_time_is_recorded_only_for_who_may_write_or_reviews_the_document(
    app, translator, tia, reviewer, admin
):
    doc = translator.new_document(OTHER)
    r = spend(tia, doc, 0, 1000)  # another translator only reads it
    assert r.status_code == 403 and "only read" in r.get_json()["error"]
    assert spend(reviewer, doc, 0, 1000).status_code == 403  # not its reviewer
    store = services(app).store
    store.documents.assign(doc, translator="tom", reviewer="rita", deadline=None, priority="normal")
    assert spend(reviewer, doc, 0, 1000).status_code == 200  # its reviewer, before review too
    assert spend(admin, doc, 0, 1000).status_code == 200
    assert store.timing.totals() == {(doc, 0, "rita"): 1000, (doc, 0, "ada"): 1000}


def test_a_time_report_needs_the_csrf_token_and_a_login(app, translator, anonymous):
    doc = translator.new_document(OTHER)
    r = translator.http.post(f"/api/documents/{doc}/segments/0/time", json={"ms": 1000})
    assert r.status_code == 400 and "CSRF" in r.get_json()["error"]
    r = translator.http.post(
        f"/api/documents/{doc}/segments/0/time", json={"ms": 1000}, headers={"X-CSRF-Token": "forged"}
    )
    assert r.status_code == 400
    assert spend(anonymous, doc, 0, 1000).status_code in (400, 401)
    assert services(app).store.timing.totals() == {}


def test_time_on_a_sentence_or_document_that_is_not_there_is_a_404(translator):
    doc = translator.new_document(OTHER)
    assert spend(translator, doc, 7, 1000).status_code == 404
    assert spend(translator, doc + 1000, 0, 1000).status_code == 404


def test_a_time_report_that_is_not_a_json_object_is_refused(translator):
    doc = translator.new_document(OTHER)
    r = translator.api("POST", f"/api/documents/{doc}/segments/0/time", [1000])
    assert r.status_code == 400


# -- the token API: the same figures as JSON ---------------------------------------------------


def test_the_api_answers_the_same_figures_as_the_page(app, admin, docs):
    page = chart_data(admin.get(f"/reports/post-editing?document={docs['budget']}").get_data(as_text=True))
    r = Bearer(app, "ada").get(f"/api/v1/reports/post-editing?document={docs['budget']}")
    assert r.status_code == 200  # and, under test, it matches its declared model (web/v1/spec.py)
    data = r.get_json()
    for key in ("filter", "total", "origins", "translators", "documents"):
        assert data[key] == page[key]
    assert [(s["idx"], s["translator"], s["target"]) for s in data["sentences"]] == [
        (0, "tom", ENGLISH[0]),
        (1, "tom", ENGLISH[1]),
    ]
    assert data["sentences"][1]["active_seconds"] == 60.0
    brief = Bearer(app, "ada").get(f"/api/v1/reports/post-editing?document={docs['budget']}&sentences=false")
    assert "sentences" not in brief.get_json()


def test_the_api_reads_the_filter_as_the_page_does(app, docs):
    api = Bearer(app, "rita")
    default = api.get("/api/v1/reports/post-editing").get_json()
    assert default["filter"]["from"] and default["filter"]["to"] and default["total"]["segments"] == 3
    every = api.get("/api/v1/reports/post-editing?from=&to=").get_json()
    assert every["filter"] == {"document": None, "translator": None, "from": None, "to": None}
    assert (
        api.get("/api/v1/reports/post-editing?translator=tia&from=&to=").get_json()["total"]["segments"] == 1
    )
    none = api.get("/api/v1/reports/post-editing?from=2001-01-01&to=2001-01-31").get_json()
    assert none["total"]["segments"] == 0 and none["total"]["ter"] is None


def test_a_translators_token_gets_their_own_figures_only(app, docs):
    api = Bearer(app, "tom")
    data = api.get("/api/v1/reports/post-editing?from=&to=").get_json()
    assert data["filter"]["translator"] == "tom" and data["total"]["segments"] == 2
    r = api.get("/api/v1/reports/post-editing?translator=tia")
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    "query",
    ["document=abc", "document=0", "from=2026-13-45", "to=31/03/2026", "from=2026-03-31&to=2026-03-01",
     "from=2026-02-30", "sentences=maybe", "limit=5"],
)  # fmt: skip
def test_the_api_refuses_a_bad_filter_with_a_400(app, query):
    r = Bearer(app, "ada").get(f"/api/v1/reports/post-editing?{query}")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_request"


def test_the_api_answers_404_for_a_document_that_is_not_there_and_401_without_a_token(app):
    assert Bearer(app, "ada").get("/api/v1/reports/post-editing?document=424242").status_code == 404
    assert Bearer(app, "ada").get("/api/v1/reports/post-editing", secret=None).status_code == 401


def test_the_report_is_in_the_api_reference(app):
    doc = Bearer(app, "ada").get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/api/v1/reports/post-editing"]["get"]
    assert op["tags"] == ["Reports"]
    assert {p["name"] for p in op["parameters"]} == {"document", "translator", "from", "to", "sentences"}
    assert {"200", "400", "403", "404"} <= set(op["responses"])
