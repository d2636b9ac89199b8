"""The editor's document tools over HTTP: find and replace, the QA report and its CSV."""

from __future__ import annotations

import csv
import io

import pytest

from tm.store.records import User

from .conftest import Client, services

ARTICLE = """قال وزير المالية إن الميزانية ستخفض العجز بنسبة 3 في المئة.
وأضاف الوزير أن الحكومة ستدعم الأسر الفقيرة.
وانتقد نواب المعارضة خطة الوزير.
"""

ENGLISH = [
    "The finance minister said the budget would cut the deficit by 3 percent.",
    "The minister added that the government would support poor families.",
    "Opposition MPs criticised the minister's plan.",
]


def segments(app, doc_id):
    return services(app).store.documents.segments(doc_id)


def user(app, name) -> User:
    return services(app).store.accounts.find(name)


@pytest.fixture
def doc(app, translator):
    """tom's document with his English typed in."""
    doc_id = translator.new_document(ARTICLE, title="Budget")
    for seg, english in zip(segments(app, doc_id), ENGLISH, strict=True):
        r = translator.api(
            "PUT", f"/api/documents/{doc_id}/segments/{seg.idx}", {"target": english, "version": seg.version}
        )
        assert r.status_code == 200
    return doc_id


def preview(client, doc_id, **body):
    return client.api("POST", f"/api/documents/{doc_id}/replace/preview", body)


def chosen(data, *idxs):
    return [{"idx": c["idx"], "version": c["version"]} for c in data["changes"] if c["idx"] in idxs]


# -- find and replace -----------------------------------------------------------


def test_the_preview_lists_each_sentence_that_would_change(translator, doc):
    r = preview(translator, doc, find="minister", replace="secretary")
    assert r.status_code == 200
    data = r.get_json()
    assert [c["idx"] for c in data["changes"]] == [0, 1, 2]
    assert data["matches"] == 3 and data["unconfirms"] == 0 and data["writable"] is True
    first = data["changes"][0]
    assert first["after"] == "The finance secretary said the budget would cut the deficit by 3 percent."
    assert first["before"][slice(*first["spans"][0])] == "minister"


def test_replacing_in_the_chosen_sentences_saves_drafts_and_leaves_the_rest(app, translator, doc):
    data = preview(translator, doc, find="minister", replace="secretary").get_json()
    r = translator.api(
        "POST",
        f"/api/documents/{doc}/replace",
        {"find": "minister", "replace": "secretary", "segments": chosen(data, 0, 2)},
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert [s["idx"] for s in body["segments"]] == [0, 2] and body["skipped"] == []
    assert body["segments"][1]["target"] == "Opposition MPs criticised the secretary's plan."
    assert [s.target for s in segments(app, doc)] == [
        "The finance secretary said the budget would cut the deficit by 3 percent.",
        ENGLISH[1],
        "Opposition MPs criticised the secretary's plan.",
    ]
    history = translator.get(f"/api/documents/{doc}/segments/2/history").get_json()["changes"]
    assert history[0]["action"] == "replace"


def test_a_sentence_changed_after_the_preview_is_skipped_not_overwritten(app, translator, doc):
    data = preview(translator, doc, find="minister", replace="secretary").get_json()
    seg = segments(app, doc)[1]
    translator.api(
        "PUT",
        f"/api/documents/{doc}/segments/1",
        {"target": "The minister added more.", "version": seg.version},
    )
    body = translator.api(
        "POST",
        f"/api/documents/{doc}/replace",
        {"find": "minister", "replace": "secretary", "segments": chosen(data, 0, 1)},
    ).get_json()
    assert [s["idx"] for s in body["segments"]] == [0]
    assert body["skipped"] == [{"idx": 1, "reason": "changed by tom since the preview"}]
    assert segments(app, doc)[1].target == "The minister added more."


def test_a_confirmed_sentence_is_announced_and_goes_back_to_draft(app, translator, doc):
    seg = segments(app, doc)[1]
    r = translator.api(
        "POST", f"/api/documents/{doc}/segments/1/confirm", {"target": seg.target, "version": seg.version}
    )
    assert r.status_code == 200
    data = preview(translator, doc, find="government", replace="cabinet").get_json()
    assert data["unconfirms"] == 1 and data["changes"][0]["status"] == "confirmed"
    body = translator.api(
        "POST",
        f"/api/documents/{doc}/replace",
        {"find": "government", "replace": "cabinet", "segments": chosen(data, 1)},
    ).get_json()
    assert body["unconfirmed"] == 1 and body["segments"][0]["status"] == "draft"


def test_a_read_only_user_may_preview_but_not_replace(app, doc):
    tia = Client(app, "tia")
    data = preview(tia, doc, find="minister", replace="secretary").get_json()
    assert data["writable"] is False
    r = tia.api(
        "POST",
        f"/api/documents/{doc}/replace",
        {"find": "minister", "replace": "x", "segments": chosen(data, 0)},
    )
    assert r.status_code == 403 and "assigned to tom" in r.get_json()["error"]
    assert [s.target for s in segments(app, doc)] == ENGLISH


def test_the_editor_offers_find_and_replace_only_to_those_who_may_write(app, translator, doc):
    page = translator.get(f"/documents/{doc}").get_data(as_text=True)
    assert 'id="find-open"' in page and "editor-find.js" in page and "Ctrl+Alt+Z" in page
    assert f'href="/documents/{doc}/qa"' in page
    other = Client(app, "tia").get(f"/documents/{doc}").get_data(as_text=True)
    assert 'id="find-open"' not in other and "editor-find.js" not in other
    assert 'id="history"' in other and "Ctrl+Alt+Z" not in other and f'href="/documents/{doc}/qa"' in other


@pytest.mark.parametrize(
    "body",
    [
        {"find": 3},
        {"find": "a", "replace": None},
        {"find": "a", "case": "yes"},
        {"find": ""},
        {"find": "x" * 201},
        {"find": "(", "regex": True},
        {"find": "a*", "regex": True},
        {"find": "(a)", "replace": "\\9", "regex": True},
    ],
)
def test_bad_searches_are_refused_with_a_reason(translator, doc, body):
    r = preview(translator, doc, **body)
    assert r.status_code == 400 and r.get_json()["error"]


@pytest.mark.parametrize(
    "segments_sent",
    [
        None,
        [],
        "0",
        [0],
        [{"idx": 0}],
        [{"idx": "0", "version": 1}],
        [{"idx": True, "version": 1}],
        [{"idx": -1, "version": 1}],
        [{"idx": 2**70, "version": 1}],
        [{"idx": 0, "version": 2}, {"idx": 0, "version": 2}],
        [{"idx": 9, "version": 1}],
    ],
)
def test_bad_choices_of_sentences_are_refused_never_a_crash(app, translator, doc, segments_sent):
    body = {"find": "minister", "replace": "secretary", "segments": segments_sent}
    r = translator.api("POST", f"/api/documents/{doc}/replace", body)
    assert r.status_code == 400 and r.get_json()["error"]
    assert [s.target for s in segments(app, doc)] == ENGLISH


@pytest.mark.parametrize("body", [None, [], "text"])
def test_a_body_that_is_not_an_object_is_refused(translator, doc, body):
    r = translator.http.post(
        f"/api/documents/{doc}/replace/preview",
        json=body,
        headers={"X-CSRF-Token": translator.token()},
    )
    assert r.status_code == 400


def test_a_document_that_is_not_there_is_404(translator):
    assert preview(translator, 4242, find="a").status_code == 404
    r = translator.api(
        "POST", "/api/documents/4242/replace", {"find": "a", "segments": [{"idx": 0, "version": 1}]}
    )
    assert r.status_code == 404
    assert translator.get("/documents/4242/qa").status_code == 404
    assert translator.get("/documents/4242/qa.csv").status_code == 404


def test_a_regular_expression_replaces_with_groups(app, translator, doc):
    data = preview(translator, doc, find=r"by (\d+) percent", replace=r"by \1%", regex=True).get_json()
    assert [c["after"] for c in data["changes"]] == [
        "The finance minister said the budget would cut the deficit by 3%."
    ]


# -- the QA report ----------------------------------------------------------------


@pytest.fixture
def checked(app, translator, doc):
    """Sentence 1 loses its number, sentence 2 gets a glossary term wrong and is confirmed over QA."""
    svc = services(app)
    svc.glossary.add("الحكومة", "government", forbidden=["regime"])
    first, second, _ = segments(app, doc)
    svc.documents.save(
        doc, 0, "The finance minister said the budget would cut the deficit.", user(app, "tom"), first.version
    )
    svc.documents.confirm(
        doc,
        1,
        "The minister added that the regime would support  poor families.",
        user(app, "tom"),
        second.version,
        override=True,
    )
    return doc


def test_the_qa_report_lists_blocking_findings_first_with_counts_and_links(translator, checked):
    r = translator.get(f"/documents/{checked}/qa")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "QA report" in page and "Budget" in page
    assert "<strong>2</strong> blocking" in page and "<strong>2</strong> warnings" in page
    # blocking kinds come before the warnings, each marked
    missing, forbidden, double = (
        page.index(k)
        for k in ('id="kind-number-missing"', 'id="kind-term-forbidden"', 'id="kind-double-space"')
    )
    assert max(missing, forbidden) < double
    assert page.count("blocking: stops a confirm") == 2
    assert f'href="/documents/{checked}#seg-0"' in page and f'href="/documents/{checked}#seg-1"' in page
    assert "قال وزير المالية إن الميزانية ستخفض العجز بنسبة 3 في المئة." in page
    assert "confirmed over QA by tom" in page
    assert 'id="overrides"' in page and "term-forbidden" in page


def test_the_qa_report_uses_the_glossary_as_it_is_now(app, translator, doc):
    page = translator.get(f"/documents/{doc}/qa").get_data(as_text=True)
    assert "No QA findings" in page
    services(app).glossary.add("المعارضة", "opposition parties")
    page = translator.get(f"/documents/{doc}/qa").get_data(as_text=True)
    assert "Glossary term not used" in page and "#seg-2" in page


def test_a_read_only_user_reads_the_qa_report(app, checked):
    r = Client(app, "tia").get(f"/documents/{checked}/qa")
    assert r.status_code == 200 and "Number missing" in r.get_data(as_text=True)


def test_the_qa_csv_has_one_row_per_finding_with_the_arabic(translator, checked):
    r = translator.get(f"/documents/{checked}/qa.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert (
        "attachment" in r.headers["Content-Disposition"]
        and "Budget.qa.csv" in r.headers["Content-Disposition"]
    )
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == [
        "sentence",
        "kind",
        "blocking",
        "finding",
        "status",
        "arabic",
        "english",
        "confirmed_over_qa_by",
    ]
    found = {(row[0], row[1], row[2], row[7]) for row in rows[1:]}
    assert found == {
        ("1", "Number missing", "yes", ""),
        ("2", "Forbidden term used", "yes", "tom"),
        ("2", "Glossary term not used", "no", ""),
        ("2", "Double space", "no", ""),
    }
    assert rows[1][5] == "قال وزير المالية إن الميزانية ستخفض العجز بنسبة 3 في المئة."


def test_csv_cells_that_look_like_formulas_stay_text(app, translator, doc):
    seg = segments(app, doc)[2]
    services(app).documents.save(doc, 2, "=HYPERLINK(1) 7", user(app, "tom"), seg.version)
    rows = list(csv.reader(io.StringIO(translator.get(f"/documents/{doc}/qa.csv").get_data(as_text=True))))
    assert any(row[6] == "'=HYPERLINK(1) 7" for row in rows[1:])


def test_the_qa_report_says_which_sentences_have_no_english_and_how_many_are_not_confirmed(
    app, translator, doc
):
    svc = services(app)
    first = segments(app, doc)[0]
    svc.store.documents.save_segment(
        doc, 0, target="", status="draft", user="tom", expected_version=first.version
    )
    page = translator.get(f"/documents/{doc}/qa").get_data(as_text=True)
    assert 'id="qa-empty"' in page and "1 sentence has no English yet and is not checked" in page
    assert f'href="/documents/{doc}#seg-0">1</a>' in page
    assert "<strong>3</strong> not confirmed yet" in page
    assert "Every translated sentence passes" in page
