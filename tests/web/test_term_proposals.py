"""Terms proposed by translators, approved (or rejected) by reviewers and admins, live in open documents."""

from __future__ import annotations

import pytest

from tm.store.records import NewTerm

from .conftest import Client, services

ARTICLE = "زار الوفد المغرب أمس.\n\nوقال الوزير إن العلاقات مع المغرب جيدة.\n"


def terms_url(doc_id, since=None):
    return f"/glossary/documents/{doc_id}/terms" + (f"?since={since}" if since is not None else "")


def live(client, doc_id, since=None):
    r = client.get(terms_url(doc_id, since), headers={"Accept": "application/json"})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def call(client, method, url, body=None):
    """Call a JSON endpoint as tm.api does (the answer, errors too, is JSON)."""
    return client.http.open(
        url,
        method=method,
        json=body if body is not None else {},
        headers={"X-CSRF-Token": client.token(), "Accept": "application/json"},
    )


def propose(client, source="المغرب", target="Morocco", notes="", as_json=True):
    body = {"source": source, "target": target, "notes": notes}
    if as_json:
        return call(client, "POST", "/glossary/", body)
    return client.post("/glossary/", body)


def only(store):
    (term,) = store.glossary.all()
    return term


# -- who may do what ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["tom", "tia"])
def test_a_translator_proposes_a_term_which_waits_for_review(app, store, name):
    r = propose(Client(app, name), notes="the country")
    assert r.status_code == 201
    assert "waiting for review" in r.get_json()["message"]
    t = only(store)
    assert (t.source, t.target, t.notes, t.status, t.author, t.reviewed_by) == (
        "المغرب",
        "Morocco",
        "the country",
        "proposed",
        name,
        None,
    )


def test_a_translator_proposes_from_the_glossary_page_without_enforcing_anything(app, store, translator):
    r = translator.post(
        "/glossary/",
        {"source": "المغرب", "target": "Morocco", "notes": "n", "forbidden": "Marocco", "enforce": "1"},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "proposed by tom, waiting for review" in r.get_data(as_text=True)
    t = only(store)
    assert (t.status, t.forbidden, t.enforce) == ("proposed", [], False)


@pytest.mark.parametrize("name", ["ada", "rita"])
def test_a_reviewer_or_an_admin_adds_a_term_approved_at_once(app, store, name):
    r = propose(Client(app, name))
    assert r.status_code == 201 and r.get_json()["term"]["status"] == "approved"
    assert (only(store).status, only(store).author) == ("approved", name)


@pytest.mark.parametrize("name", ["ada", "rita"])
def test_a_reviewer_or_an_admin_approves_a_proposal(app, store, translator, name):
    propose(translator)
    r = Client(app, name).post(f"/glossary/{only(store).id}/approve", follow_redirects=True)
    assert r.status_code == 200 and "Approved المغرب → Morocco" in r.get_data(as_text=True)
    t = only(store)
    assert (t.status, t.author, t.reviewed_by) == ("approved", "tom", name)


def test_an_approval_takes_the_reviewers_edits_and_keeps_the_proposer(app, store, translator, reviewer):
    propose(translator, target="Marocco")
    r = reviewer.post(
        f"/glossary/{only(store).id}/approve",
        {"source": "المغرب", "target": "Morocco", "notes": "country", "forbidden": "Marocco", "enforce": "1"},
    )
    assert r.status_code == 302
    t = only(store)
    assert (t.target, t.notes, t.forbidden, t.enforce, t.status, t.author, t.reviewed_by) == (
        "Morocco",
        "country",
        ["Marocco"],
        True,
        "approved",
        "tom",
        "rita",
    )


def test_a_saved_proposal_stays_a_proposal(app, store, translator, reviewer):
    propose(translator, target="Marocco")
    reviewer.post(f"/glossary/{only(store).id}", {"source": "المغرب", "target": "Morocco"})
    assert (only(store).target, only(store).status, only(store).author) == ("Morocco", "proposed", "tom")


def test_rejecting_a_proposal_deletes_it_and_says_so(app, store, translator, reviewer):
    propose(translator)
    r = reviewer.post(f"/glossary/{only(store).id}/delete", follow_redirects=True)
    assert "Rejected المغرب → Morocco: the proposal is deleted." in r.get_data(as_text=True)
    assert store.glossary.all() == []


@pytest.mark.parametrize("action", ["approve", "delete", ""])
@pytest.mark.parametrize("name", ["tom", "tia"])
def test_translators_may_not_approve_reject_or_edit(app, store, translator, name, action):
    propose(translator)
    t = only(store)
    url = f"/glossary/{t.id}/{action}".rstrip("/")
    r = Client(app, name).post(url, {"source": "المغرب", "target": "Rabat"})
    assert r.status_code == 403
    r = call(Client(app, name), "POST", url, {"source": "المغرب", "target": "Rabat"})
    assert r.status_code == 403 and "error" in r.get_json()
    assert store.glossary.get(t.id) == t


def test_a_duplicate_gets_a_clear_error(app, store, translator, admin):
    propose(translator)
    r = propose(Client(app, "tia"))
    assert r.status_code == 400
    assert r.get_json()["error"] == "المغرب → Morocco is already proposed by tom, waiting for review."
    store.glossary.approve(only(store).id, "ada")
    r = propose(admin, source="المَغرب")  # diacritics do not make another term
    assert r.get_json()["error"] == "المَغرب → Morocco is already in the glossary."
    r = propose(translator, as_json=False)
    page = translator.get("/glossary/").get_data(as_text=True)
    assert r.status_code == 302 and "is already in the glossary." in page
    assert len(store.glossary.all()) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"source": "", "target": "Morocco"},
        {"source": "المغرب", "target": "  "},
        {"source": "المغرب"},
        {"source": ["المغرب"], "target": "Morocco"},
        {"source": "المغرب", "target": 7},
        {"source": "المغرب", "target": "M" * 301},
        {"source": "المغرب", "target": "Morocco", "notes": "n" * 2001},
    ],
)
def test_a_bad_proposal_is_refused_with_a_reason(app, store, translator, body):
    r = call(translator, "POST", "/glossary/", body)
    assert r.status_code == 400 and r.get_json()["error"]
    assert store.glossary.all() == []


def test_a_json_body_that_is_not_an_object_is_refused(app, store, translator):
    r = translator.http.post(
        "/glossary/",
        data="[1, 2]",
        content_type="application/json",
        headers={"X-CSRF-Token": translator.token()},
    )
    assert r.status_code == 400 and store.glossary.all() == []


def test_approving_or_rejecting_a_missing_proposal_is_404(app, reviewer):
    for url in ("/glossary/4242/approve", "/glossary/4242/delete", "/glossary/4242"):
        r = call(reviewer, "POST", url, {"source": "المغرب", "target": "Morocco"})
        assert r.status_code == 404 and "deleted (or rejected)" in r.get_json()["error"]


def test_approving_twice_is_harmless(app, store, translator, reviewer, admin):
    propose(translator)
    t = only(store)
    assert call(reviewer, "POST", f"/glossary/{t.id}/approve").status_code == 200
    r = call(admin, "POST", f"/glossary/{t.id}/approve")
    assert r.status_code == 200 and "already approved" in r.get_json()["message"]
    assert only(store).reviewed_by == "rita"


def test_requests_without_the_csrf_token_change_nothing(app, store, translator, reviewer):
    r = translator.http.post("/glossary/", json={"source": "المغرب", "target": "Morocco"})
    assert r.status_code == 400 and store.glossary.all() == []
    propose(translator)
    r = reviewer.http.post(f"/glossary/{only(store).id}/approve", data={})
    assert r.status_code == 400 and only(store).status == "proposed"


# -- the glossary page ---------------------------------------------------------------------------


def test_reviewers_see_proposals_first_with_approve_edit_and_reject(app, store, translator, reviewer):
    store.glossary.add(NewTerm("الأمم المتحدة", "United Nations"))
    propose(translator)
    page = reviewer.get("/glossary/").get_data(as_text=True)
    assert page.index("Waiting for review") < page.index("United Nations")
    assert page.index("Morocco") < page.index("United Nations")
    assert "proposed by tom, waiting for review" in page
    t = only_proposal(store)
    assert f'action="/glossary/{t.id}/approve"' in page
    assert f'formaction="/glossary/{t.id}"' in page and f'formaction="/glossary/{t.id}/delete"' in page
    assert "Reject deletes it" in page and "1 waiting for review" in page


def test_translators_see_proposals_marked_and_may_only_propose(app, store, translator):
    propose(Client(app, "tia"))
    page = translator.get("/glossary/").get_data(as_text=True)
    assert "proposed by tia, waiting for review" in page
    assert "/approve" not in page and "Reject" not in page
    assert "Propose a term" in page


def test_exports_hold_approved_terms_only(app, store, translator, admin):
    propose(translator)
    propose(admin, "الرباط", "Rabat")
    csv = translator.get("/glossary/export.csv").get_data(as_text=True)
    assert "Rabat" in csv and "Morocco" not in csv


def only_proposal(store):
    (t,) = store.glossary.all(status="proposed")
    return t


# -- new or changed terms in an open document ---------------------------------------------------


def test_a_proposal_is_no_term_in_documents_until_it_is_approved(app, store, translator, reviewer):
    doc_id = translator.new_document(ARTICLE)
    propose(translator, notes="the country")
    data = live(translator, doc_id)
    assert data["changed"] is True and [s["idx"] for s in data["segments"]] == [0, 1]
    for s in data["segments"]:
        assert s["terms"] == []
        assert not [q for q in s["qa"] if q["code"].startswith("term-")]
        assert [(p["text"], p["target"], p["author"]) for p in s["proposed"]] == [
            ("المغرب", "Morocco", "tom")
        ]
    seg = services(app).store.documents.segments(doc_id)[0]
    assert seg.info["terms"] == []  # and nothing was drafted with it

    reviewer.post(f"/glossary/{only(store).id}/approve")
    after = live(translator, doc_id, since=data["version"])
    assert after["changed"] is True and after["version"] != data["version"]
    first = after["segments"][0]
    assert [(h["start"], h["end"], h["target"], h["notes"], h["enforce"]) for h in first["terms"]] == [
        (ARTICLE.index("المغرب"), ARTICLE.index("المغرب") + len("المغرب"), "Morocco", "the country", False)
    ]
    assert first["proposed"] == []
    assert "term-missing" in [q["code"] for q in first["qa"]]
    assert first["version"] == seg.version


def test_polling_is_cheap_while_the_glossary_does_not_change(app, translator, admin):
    doc_id = translator.new_document(ARTICLE)
    v = live(translator, doc_id)["version"]
    assert live(translator, doc_id, since=v) == {"version": v, "changed": False}
    translator.api("PUT", f"/api/documents/{doc_id}/segments/0", {"target": "Hello", "version": 1})
    assert live(translator, doc_id, since=v) == {
        "version": v,
        "changed": False,
    }  # edits are not glossary news
    propose(admin)
    assert live(translator, doc_id, since=v)["changed"] is True


def test_a_changed_or_deleted_term_shows_at_once(app, store, translator, admin):
    doc_id = translator.new_document(ARTICLE)
    t = store.glossary.add(NewTerm("المغرب", "Morocco"))
    v = live(translator, doc_id)["version"]
    store.glossary.update(t.id, target="Kingdom of Morocco", enforce=True)
    data = live(translator, doc_id, since=v)
    assert [(h["target"], h["enforce"]) for h in data["segments"][1]["terms"]] == [
        ("Kingdom of Morocco", True)
    ]
    store.glossary.delete(t.id)
    data = live(translator, doc_id, since=data["version"])
    assert all(s["terms"] == [] for s in data["segments"])


def test_qa_is_that_of_the_stored_english_and_an_empty_draft_has_none(app, store, translator):
    doc_id = translator.new_document(ARTICLE)
    store.glossary.add(NewTerm("المغرب", "Morocco"))
    r = translator.api(
        "PUT",
        f"/api/documents/{doc_id}/segments/0",
        {"target": "The delegation visited Morocco.", "version": 1},
    )
    assert r.status_code == 200
    translator.api("PUT", f"/api/documents/{doc_id}/segments/1", {"target": "", "version": 1})
    first, second = live(translator, doc_id)["segments"]
    assert first["qa"] == [] and first["version"] == 2
    assert second["qa"] == []


def test_anyone_logged_in_may_read_it_and_nobody_else(app, translator, reviewer, anonymous):
    doc_id = translator.new_document(ARTICLE)
    assert live(reviewer, doc_id)["changed"] is True
    r = anonymous.get(terms_url(doc_id))
    assert r.status_code in (302, 401)


@pytest.mark.parametrize(
    "url",
    [
        "/glossary/documents/4242/terms",
        "/glossary/documents/99999999999999999999999/terms",
        "/glossary/documents/-1/terms",
        "/glossary/documents/x/terms",
        "/glossary/documents/1/terms?since=" + "v" * 300,
    ],
)
def test_bad_addresses_answer_4xx_never_500(app, translator, url):
    translator.new_document(ARTICLE)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    r = translator.get(url, headers={"Accept": "application/json"})
    assert 400 <= r.status_code < 500


def test_an_unknown_since_is_answered_in_full(app, translator):
    doc_id = translator.new_document(ARTICLE)
    data = live(translator, doc_id, since="not-a-version")
    assert data["changed"] is True and len(data["segments"]) == 2


def test_a_document_still_drafting_has_its_sentences_terms_already(app, store, translator):
    """The editor opens while a document is drafted; its Arabic is marked from the first poll."""
    doc_id = translator.new_document(ARTICLE)
    store.documents.set_state(doc_id, status="translating")
    segments = live(translator, doc_id)["segments"]
    assert [s["idx"] for s in segments] == [s.idx for s in store.documents.segments(doc_id)]


def test_the_answer_for_500_sentences_names_each_ones_terms(app, store, translator):
    """The endpoint looks every sentence up in the glossary at once (its speed: bench/editor.py)."""
    words = ["المغرب", "الأمم المتحدة", "مجلس الأمن", "وزارة الدفاع", "الرباط"]
    for i, w in enumerate(words):
        store.glossary.add(NewTerm(w, f"term {i}", forbidden=[f"bad {i}"]))
    for i in range(200):
        store.glossary.add(NewTerm(f"مصطلح{i}", f"filler {i}"))
    text = "\n".join(
        f"قال المتحدث باسم {words[i % 5]} في البيان رقم {i} إن والمغرب سيشارك في اجتماع للأمم المتحدة."
        for i in range(500)
    )
    doc_id = translator.new_document(text)
    assert len(services(app).store.documents.segments(doc_id)) == 500
    store.glossary.add(NewTerm("البيان", "the statement"))  # a fresh glossary version: nothing cached
    data = live(translator, doc_id)
    assert len(data["segments"]) == 500 and all(s["terms"] for s in data["segments"])
    assert all(any(t["target"] == "the statement" for t in s["terms"]) for s in data["segments"])
