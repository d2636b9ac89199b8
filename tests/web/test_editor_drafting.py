"""The editor page and its JSON while a document is drafted: the rows at once, drafts as they are stored.

The worker is stopped and the document's drafting job stays queued, so the document is "being
drafted" for as long as the test likes; drafts are stored as the drafting stores them.
"""

from __future__ import annotations

import re

import pytest

from tm.jobs import Runner

from .conftest import services

ARTICLE = "عنوان الخبر\n\nقال الوزير إن الاقتصاد ينمو. وأضاف أن التضخم مستقر في المغرب.\n"


def draft(idx: int, target: str, origin: str = "mt") -> dict:
    """A draft as Documents.pretranslate stores it."""
    info = {"matches": [], "terms": [], "qa": [], "adapted": []}
    return {"idx": idx, "target": target, "origin": origin, "score": None, "unit_id": None,
            "mt_draft": target, "repeat_of": None, "info": info}  # fmt: skip


@pytest.fixture
def drafting(app, translator):
    """A document of three sentences whose drafting job is queued and not run yet; its id."""
    svc = services(app)
    svc.worker.stop()
    svc.glossary.add("المغرب", "Morocco")
    doc_id = svc.documents.create("wire", ARTICLE, "tom", translator="tom")
    job = svc.store.jobs.submit("pretranslate", "tom", {"document": doc_id}, total=3)
    svc.store.documents.set_state(doc_id, status="translating", progress=0, job_id=job.id)
    return doc_id


def rows(page: str) -> dict[int, str]:
    """Return each row's opening tag by sentence number."""
    return {
        int(m.group(2)): m.group(1)
        for m in re.finditer(r'(<div class="seg [^>]*data-idx="(\d+)"[^>]*>)', page)
    }


def test_the_editor_shows_every_sentence_at_once_those_without_a_draft_waiting(app, translator, drafting):
    store = services(app).store
    with store.transaction():
        store.documents.set_drafts(drafting, [draft(0, "News headline", "exact")])
        store.documents.set_state(drafting, progress=1)
    page = translator.get(f"/documents/{drafting}").get_data(as_text=True)
    assert 'id="drafting"' in page and "1 of 3 sentences" in page and 'data-drafting="1"' in page
    tags = rows(page)
    assert sorted(tags) == [0, 1, 2]
    assert " waiting" not in tags[0] and " waiting" in tags[1] and " waiting" in tags[2]
    assert page.count('placeholder="Drafting…"') == 2
    assert ">News headline</textarea>" in page
    # the Arabic of a waiting sentence has its glossary terms marked already
    assert 'data-target="Morocco"' in page


def test_the_editors_poll_while_drafting_gives_the_drafted_rows_only_and_rows_saved_meanwhile(
    app, translator, drafting
):
    store = services(app).store
    url = f"/api/documents/{drafting}"
    light = translator.get(url + "?rows=1").get_json()
    assert (light["status"], light["stuck"], light["progress"], light["segments"]) == (
        "translating",
        False,
        0,
        [],
    )
    # the translator saves the last sentence before its draft comes: allowed while drafting
    r = translator.api(
        "PUT", f"{url}/segments/2", {"target": "Inflation is stable in Morocco.", "version": 1}
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    with store.transaction():
        store.documents.set_drafts(
            drafting, [draft(0, "News headline", "exact"), draft(2, "MT of the last one")]
        )
        store.documents.set_state(drafting, progress=2)
    light = translator.get(url + "?rows=1").get_json()
    got = {s["idx"]: s for s in light["segments"]}
    assert sorted(got) == [0, 2] and light["progress"] == 2
    assert (got[0]["target"], got[0]["origin"], got[0]["version"]) == ("News headline", "exact", 1)
    assert got[2]["target"] == "Inflation is stable in Morocco."  # the draft never replaces it
    assert "source" not in got[0] and "matches" not in got[0]  # the page has the Arabic
    # the full answer has every sentence, drafted or not, also while drafting
    full = translator.get(url).get_json()
    assert [s["idx"] for s in full["segments"]] == [0, 1, 2] and full["segments"][1]["source"]
    # and a confirm while drafting goes into the memory
    r = translator.api("POST", f"{url}/segments/0/confirm", {"target": "News headline", "version": 1})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert services(app).memory.lookup("عنوان الخبر")[0].unit.target == "News headline"


def test_once_drafted_the_poll_gives_every_sentence(app, translator, drafting):
    store = services(app).store
    store.documents.set_state(drafting, status="ready", progress=3)
    light = translator.get(f"/api/documents/{drafting}?rows=1").get_json()
    assert [s["idx"] for s in light["segments"]] == [0, 1, 2]
    page = translator.get(f"/documents/{drafting}").get_data(as_text=True)
    assert 'id="drafting"' not in page and "Drafting…" not in page
    assert not any(" waiting" in tag for tag in rows(page).values())


def test_drafting_that_failed_keeps_its_page_with_the_retry(app, translator, drafting):
    services(app).store.documents.set_state(drafting, status="failed", note="drafting failed: no model")
    page = translator.get(f"/documents/{drafting}").get_data(as_text=True)
    assert 'id="drafting-stopped"' in page and "Drafting failed" in page and "Try again" in page
    assert 'id="grid"' not in page
    light = translator.get(f"/api/documents/{drafting}?rows=1").get_json()
    assert light["status"] == "failed" and len(light["segments"]) == 3


def test_terms_proposed_and_added_while_drafting_reach_the_open_editor(app, translator, drafting):
    """The editor asks the glossary once at first and then only when it changes: what it is told
    while the document is drafted must already name every sentence's terms and proposals."""
    svc = services(app)
    svc.glossary.propose("الاقتصاد", "the economy", author="tom")
    data = translator.get(f"/glossary/documents/{drafting}/terms").get_json()
    by_idx = {s["idx"]: s for s in data["segments"]}
    assert sorted(by_idx) == [0, 1, 2]
    assert [h["target"] for h in by_idx[2]["terms"]] == ["Morocco"]
    assert [p["target"] for p in by_idx[1]["proposed"]] == ["the economy"]
    assert all(s["qa"] == [] for s in data["segments"])  # nothing drafted yet: nothing to check
    again = translator.get(f"/glossary/documents/{drafting}/terms", query_string={"since": data["version"]})
    assert again.get_json() == {"version": data["version"], "changed": False}


def test_a_rows_origin_badge_is_the_same_on_the_page_and_in_the_polls_json(app, translator, drafting):
    """The page draws each badge and a poll's draft redraws it from `badge`: one wording for both."""
    store = services(app).store
    fuzzy = draft(1, "The minister said the economy grows.", "fuzzy") | {"score": 87}
    with store.transaction():
        store.documents.set_drafts(drafting, [draft(0, "News headline", "exact"), fuzzy])
        store.documents.set_drafts(drafting, [draft(2, "Inflation is stable.", "mt")])
        store.documents.set_state(drafting, status="ready", progress=3)
    page = translator.get(f"/documents/{drafting}").get_data(as_text=True)
    shown = {
        int(m.group(1)): m.group(2)
        for m in re.finditer(r'data-idx="(\d+)".*?<span class="badge [^"]*"[^>]*>([^<]*)</span>', page, re.S)
    }
    light = translator.get(f"/api/documents/{drafting}?rows=1").get_json()
    assert {s["idx"]: s["badge"] for s in light["segments"]} == shown == {0: "100", 1: "87%", 2: "MT"}


def test_a_poll_that_reads_the_document_just_before_its_drafting_ends_does_not_call_it_stopped(
    app, translator, drafting, monkeypatch
):
    """The poll reads the document, then its sentences, then its job: the drafting may end between.

    A drafting that ended well must not look "stopped" to an editor that read the document while
    it ran (the editor would stop polling and offer to draft again).
    """
    svc = services(app)
    store = svc.store
    real_segments = store.documents.segments

    def segments_while_the_drafting_ends(doc_id, *args, **kwargs):
        monkeypatch.setattr(store.documents, "segments", real_segments)
        Runner(store, svc.worker.kinds, name="w-test").run(store.jobs.claim("w-test", ["pretranslate"]))
        return real_segments(doc_id, *args, **kwargs)

    monkeypatch.setattr(store.documents, "segments", segments_while_the_drafting_ends)
    poll = translator.get(f"/api/documents/{drafting}?rows=1").get_json()
    assert store.documents.get(drafting).status == "ready"  # it did end meanwhile
    assert (poll["status"], poll["stuck"]) == ("translating", False)  # the editor polls once more
    again = translator.get(f"/api/documents/{drafting}?rows=1").get_json()
    assert (again["status"], again["stuck"], len(again["segments"])) == ("ready", False, 3)


def test_a_drafting_whose_job_ended_without_ending_the_document_is_stopped(app, translator, drafting):
    store = services(app).store
    job = store.jobs.claim("w-test", ["pretranslate"])
    store.jobs.finish(job.id, {})  # its worker recorded the end, the document still says drafting
    poll = translator.get(f"/api/documents/{drafting}?rows=1").get_json()
    assert (poll["status"], poll["stuck"]) == ("translating", True)
    assert "Draft it again" in translator.get(f"/documents/{drafting}").get_data(as_text=True)


def test_drafting_again_just_as_the_drafting_ends_drafts_it_again(app, translator, drafting, monkeypatch):
    svc = services(app)
    store = svc.store
    first = store.documents.get(drafting).job_id
    real_get = store.jobs.get

    def get_once_the_drafting_ended(job_id):
        # the drafting ends after "Draft it again" read the document, before it asks the job
        monkeypatch.setattr(store.jobs, "get", real_get)
        Runner(store, svc.worker.kinds, name="w-test").run(store.jobs.claim("w-test", ["pretranslate"]))
        return real_get(job_id)

    monkeypatch.setattr(store.jobs, "get", get_once_the_drafting_ended)
    r = translator.post(f"/documents/{drafting}/retranslate")
    assert r.status_code == 302
    assert real_get(first).state == "done"
    doc = store.documents.get(drafting)
    assert doc.job_id != first and doc.status == "translating"  # drafted again, as asked
    assert real_get(doc.job_id).state == "queued"
    page = translator.get(f"/documents/{drafting}").get_data(as_text=True)
    assert "being drafted already" not in page
