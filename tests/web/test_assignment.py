"""The desk's workflow: who a document is assigned to, who may write it in which stage, the queue."""

from __future__ import annotations

import re
from datetime import date

import pytest
from werkzeug.security import generate_password_hash

from tm.rights import can_write

from .conftest import PASSWORD, Client, services

ARTICLE = "عنوان الخبر\n\nقال الوزير إن الاقتصاد ينمو. وأضاف أن التضخم مستقر.\n"

# tom owns the document, tia translates it, rita reviews it, ada is an admin; ted (a translator)
# and rex (a reviewer) have nothing to do with it
EVERYONE = ("ada", "tom", "tia", "rita", "ted", "rex")
WRITERS = {
    "new": {"ada", "tom", "tia"},
    "translating": {"ada", "tom", "tia"},
    "in review": {"ada", "tom", "rita"},
    "done": {"ada"},
}


@pytest.fixture
def desk(app, store):
    for name, role in (("ted", "translator"), ("rex", "reviewer")):
        store.accounts.add(name, generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"), role)
    return {name: Client(app, name) for name in EVERYONE}


def new_doc(client, **fields):
    r = client.post("/documents/new", {"title": fields.pop("title", "Wire"), "text": ARTICLE, **fields})
    assert r.status_code == 302, r.get_data(as_text=True)
    services(client.app).worker.wait_idle()
    return int(r.headers["Location"].rsplit("/", 1)[1])


def assigned_doc(desk, stage="translating"):
    doc_id = new_doc(desk["tom"], translator="tia", reviewer="rita")
    services(desk["tom"].app).store.documents.set_stage(doc_id, stage)
    return doc_id


def doc(app, doc_id):
    return services(app).store.documents.get(doc_id, layout=False)


def settle(app, doc_id, status):
    """Mark every sentence confirmed (or approved), as the work before a move to review (or done)."""
    docs = services(app).store.documents
    for s in docs.segments(doc_id):
        docs.save_segment(doc_id, s.idx, target=s.target or "English.", status=status, user="tia")


# -- assignment -----------------------------------------------------------------------


def test_a_translator_who_creates_a_document_owns_and_translates_it(app, translator):
    d = doc(app, translator.new_document(ARTICLE))
    assert (d.owner, d.translator, d.reviewer, d.deadline, d.priority, d.stage) == (
        "tom",
        "tom",
        None,
        None,
        "normal",
        "new",
    )
    assert d.status == "ready"  # drafting is done; the workflow stage is a separate thing


def test_the_new_document_form_sets_translator_reviewer_deadline_and_priority(app, admin):
    page = admin.get("/documents/new").get_data(as_text=True)
    assert '<select name="translator">' in page and '<select name="reviewer">' in page
    d = doc(app, new_doc(admin, translator="tia", reviewer="rita", deadline="2026-12-31", priority="urgent"))
    assert (d.owner, d.translator, d.reviewer, d.deadline, d.priority) == (
        "ada",
        "tia",
        "rita",
        "2026-12-31",
        "urgent",
    )


def test_an_admin_who_creates_a_document_assigns_no_translator_by_default(app, admin):
    assert doc(app, new_doc(admin)).translator is None


BAD_ASSIGNMENTS = [
    ({"translator": "rita"}, "rita is a reviewer and cannot be the translator"),
    ({"translator": "nobody"}, "there is no active account 'nobody' to be the translator"),
    ({"reviewer": "tia"}, "tia is a translator and cannot be the reviewer"),
    ({"deadline": "31/12/2026"}, "write it as YYYY-MM-DD"),
    ({"deadline": "2026-02-30"}, "write it as YYYY-MM-DD"),
    ({"priority": "asap"}, "the priority must be one of normal, high, urgent"),
]


@pytest.mark.parametrize(("fields", "message"), BAD_ASSIGNMENTS)
def test_a_new_document_with_a_bad_assignment_is_refused_with_a_clear_400(app, translator, fields, message):
    r = translator.post("/documents/new", {"title": "Wire", "text": ARTICLE, **fields})
    assert r.status_code == 400
    assert message in r.get_data(as_text=True).replace("&#39;", "'")
    assert services(app).store.documents.all() == []


@pytest.mark.parametrize(("fields", "message"), BAD_ASSIGNMENTS)
def test_a_bad_assignment_is_refused_with_a_clear_400_and_changes_nothing(app, translator, fields, message):
    doc_id = translator.new_document(ARTICLE)
    before = doc(app, doc_id)
    form = {"translator": "tom", "reviewer": "", "deadline": "", "priority": "normal", **fields}
    r = translator.post(f"/documents/{doc_id}/assign", form)
    assert r.status_code == 400
    assert message in r.get_data(as_text=True).replace("&#39;", "'")
    assert doc(app, doc_id) == before


@pytest.mark.parametrize(
    ("name", "status"), [("tom", 302), ("ada", 302), ("tia", 403), ("rita", 403), ("ted", 403)]
)
def test_only_the_owner_or_an_admin_changes_the_assignment(app, desk, name, status):
    doc_id = assigned_doc(desk)
    form = {"translator": "ted", "reviewer": "rex", "deadline": "2027-01-15", "priority": "high"}
    r = desk[name].post(f"/documents/{doc_id}/assign", form)
    assert r.status_code == status
    d = doc(app, doc_id)
    after = (d.translator, d.reviewer, d.deadline, d.priority)
    assert after == (
        ("ted", "rex", "2027-01-15", "high") if status == 302 else ("tia", "rita", None, "normal")
    )


def test_the_editor_header_shows_the_assignment_form_to_the_owner_only(desk):
    doc_id = assigned_doc(desk)
    assert f'action="/documents/{doc_id}/assign"' in desk["tom"].get(f"/documents/{doc_id}").get_data(
        as_text=True
    )
    assert f'action="/documents/{doc_id}/assign"' not in desk["tia"].get(f"/documents/{doc_id}").get_data(
        as_text=True
    )


# -- rights per document and stage ----------------------------------------------------

WRITES = {
    "save": ("PUT", "/api/documents/{doc}/segments/1", {"target": "Edited.", "version": 1}),
    "confirm": ("POST", "/api/documents/{doc}/segments/1/confirm", {"target": "Confirmed.", "version": 1}),
    "revert": ("POST", "/api/documents/{doc}/segments/1/revert", {"version": 1}),
}
CASES = [
    (stage, name, route)
    for stage in WRITERS
    for name in EVERYONE
    for route in WRITES
]  # fmt: skip


@pytest.mark.parametrize(("stage", "name", "route"), CASES)
def test_only_the_stage_assignee_the_owner_and_admins_write(app, desk, stage, name, route):
    doc_id = assigned_doc(desk, stage)
    store = services(app).store
    units = store.units.count()
    method, url, body = WRITES[route]
    r = desk[name].api(method, url.format(doc=doc_id), body)
    seg = store.documents.segment(doc_id, 1)
    if name in WRITERS[stage]:
        assert r.status_code == 200, r.get_data(as_text=True)
        assert (seg.version, seg.changed_by) == (2, name)
        assert store.units.count() == units + (route == "confirm")
    else:
        assert r.status_code == 403
        assert "read only" in r.get_json()["error"]
        assert (seg.version, seg.changed_by, seg.status) == (1, None, "draft")
        assert store.units.count() == units
        assert doc(app, doc_id).stage == stage


def test_the_first_write_of_a_new_document_starts_its_translation(app, desk):
    doc_id = assigned_doc(desk, "new")
    desk["tia"].api("PUT", f"/api/documents/{doc_id}/segments/0", {"target": "Headline", "version": 1})
    assert doc(app, doc_id).stage == "translating"


@pytest.mark.parametrize(
    ("stage", "name", "status"),
    [
        ("translating", "tom", 302),
        ("translating", "ada", 302),
        ("translating", "tia", 403),
        ("translating", "rita", 403),
        ("in review", "rita", 403),
        ("done", "tom", 403),
        ("done", "ada", 302),
    ],
)
def test_only_the_owner_or_an_admin_drafts_again_and_a_done_document_only_an_admin(
    app, desk, stage, name, status
):
    doc_id = assigned_doc(desk, stage)
    job = doc(app, doc_id).job_id
    r = desk[name].post(f"/documents/{doc_id}/retranslate")
    assert r.status_code == status
    services(app).worker.wait_idle()
    assert (doc(app, doc_id).job_id != job) == (status == 302)


def test_a_reader_sees_read_only_rows_and_who_the_document_is_assigned_to(desk):
    doc_id = assigned_doc(desk, "translating")
    page = desk["rita"].get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "read only: assigned to tia" in page
    rows = re.findall(r'<textarea[^>]*aria-label="Translation of sentence[^>]*>', page)
    assert len(rows) == 3 and all(r.endswith(" readonly>") for r in rows)
    page = desk["tia"].get(f"/documents/{doc_id}").get_data(as_text=True)
    rows = re.findall(r'<textarea[^>]*aria-label="Translation of sentence[^>]*>', page)
    assert "read only" not in page and len(rows) == 3 and not any("readonly" in r for r in rows)
    services(desk["tom"].app).store.documents.set_stage(doc_id, "done")
    assert "read only: the document is done" in desk["tom"].get(f"/documents/{doc_id}").get_data(as_text=True)


def test_can_write_is_the_one_rule(app, desk):
    store = services(app).store
    doc_id = assigned_doc(desk, "in review")
    for name in EVERYONE:
        assert can_write(store.accounts.find(name), doc(app, doc_id)) == (name in WRITERS["in review"])


# -- stages ----------------------------------------------------------------------------


def not_moved(r, client, message):
    """Tell whether a move was refused back to the editor, which then says why (a 303 and a flash)."""
    if r.status_code != 303 or not r.headers["Location"].endswith(r.request.path.rsplit("/", 1)[0]):
        return False
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    return 'class="flash error"' in page and "The document did not move" in page and message in page


def move(client, doc_id, stage):
    return client.post(f"/documents/{doc_id}/stage", {"stage": stage})


def test_a_document_goes_through_review_to_done_by_its_assignees(app, desk):
    doc_id = assigned_doc(desk, "new")
    assert move(desk["ted"], doc_id, "in review").status_code == 403
    assert move(desk["rita"], doc_id, "in review").status_code == 403  # the translator sends it
    assert not_moved(move(desk["tia"], doc_id, "in review"), desk["tia"], "not confirmed yet")
    settle(app, doc_id, "confirmed")
    assert move(desk["tia"], doc_id, "in review").status_code == 302
    assert doc(app, doc_id).stage == "in review"
    assert move(desk["tia"], doc_id, "done").status_code == 403  # the reviewer decides
    assert move(desk["rita"], doc_id, "translating").status_code == 302  # sent back
    assert doc(app, doc_id).stage == "translating"
    assert move(desk["tia"], doc_id, "in review").status_code == 302
    assert move(desk["rex"], doc_id, "done").status_code == 403
    assert not_moved(move(desk["rita"], doc_id, "done"), desk["rita"], "not approved yet")
    settle(app, doc_id, "approved")
    assert move(desk["rita"], doc_id, "done").status_code == 302
    assert doc(app, doc_id).stage == "done"
    assert move(desk["tom"], doc_id, "translating").status_code == 403  # only an admin reopens
    assert move(desk["ada"], doc_id, "translating").status_code == 302
    assert doc(app, doc_id).stage == "translating"


@pytest.mark.parametrize(
    ("start", "to", "name"), [("translating", "in review", "tom"), ("in review", "done", "tom")]
)
def test_the_owner_moves_a_document_for_its_assignees(app, desk, start, to, name):
    doc_id = assigned_doc(desk, start)
    settle(app, doc_id, "approved")
    assert move(desk[name], doc_id, to).status_code == 302
    assert doc(app, doc_id).stage == to


def test_an_owner_who_translates_does_not_review_their_own_work(app, desk):
    doc_id = new_doc(desk["tom"], translator="tom", reviewer="rita")
    settle(app, doc_id, "confirmed")
    assert move(desk["tom"], doc_id, "in review").status_code == 302
    seg = services(app).store.documents.segment(doc_id, 0)
    r = desk["tom"].api(
        "PUT", f"/api/documents/{doc_id}/segments/0", {"target": "Mine.", "version": seg.version}
    )
    assert r.status_code == 403  # in review, the reviewer writes
    settle(app, doc_id, "approved")
    assert move(desk["tom"], doc_id, "done").status_code == 403
    assert move(desk["tom"], doc_id, "translating").status_code == 403
    r = desk["tom"].post(
        f"/documents/{doc_id}/assign", {"translator": "tom", "reviewer": "", "priority": "normal"}
    )
    assert r.status_code == 403 and doc(app, doc_id).reviewer == "rita"
    assert move(desk["rita"], doc_id, "done").status_code == 302


@pytest.mark.parametrize(
    ("to", "status", "message"),
    [
        ("in review", "draft", "3 sentences are not confirmed yet (1, 2, 3)"),
        ("done", "confirmed", "3 sentences are not approved yet (1, 2, 3)"),
    ],
)
def test_a_document_with_sentences_left_does_not_move_on(app, desk, to, status, message):
    doc_id = assigned_doc(desk, "translating" if to == "in review" else "in review")
    if status != "draft":
        settle(app, doc_id, status)
    who = "tia" if to == "in review" else "rita"
    r = desk[who].post(f"/documents/{doc_id}/stage", {"stage": to})
    assert not_moved(r, desk[who], message)
    assert doc(app, doc_id).stage != to


def test_the_editor_offers_the_moves_the_user_may_make(desk):
    doc_id = assigned_doc(desk, "translating")
    assert "Send to review" in desk["tia"].get(f"/documents/{doc_id}").get_data(as_text=True)
    page = desk["rita"].get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "Send to review" not in page and "Mark done" not in page


@pytest.mark.parametrize(
    ("stage", "message"),
    [("done", "a document translating cannot go to done"), ("ready", "the stage must be one of")],
)
def test_an_impossible_move_is_refused_with_a_400(app, desk, stage, message):
    doc_id = assigned_doc(desk, "translating")
    r = move(desk["ada"], doc_id, stage)
    assert r.status_code == 400 and message in r.get_data(as_text=True)
    assert doc(app, doc_id).stage == "translating"


def test_a_document_without_a_reviewer_cannot_go_to_review(app, translator):
    doc_id = translator.new_document(ARTICLE)
    r = move(translator, doc_id, "in review")
    assert not_moved(r, translator, "assign a reviewer")
    assert doc(app, doc_id).stage == "new"


# -- the queue -----------------------------------------------------------------------


def titles(page):
    return re.findall(r'<a href="/documents/\d+" dir="auto">([^<]+)</a>', page)


@pytest.fixture
def queue(app, desk):
    """Four documents: tia's late one, rita's in review, one without deadline, one done and late."""
    store = services(app).store
    ids = {
        "late": new_doc(desk["tom"], title="late", translator="tia", deadline="2020-01-01"),
        "review": new_doc(
            desk["tom"], title="review", translator="tom", reviewer="rita", deadline="2099-01-01"
        ),
        "open": new_doc(desk["ada"], title="open"),
        "finished": new_doc(desk["ada"], title="finished", translator="ted", deadline="2019-06-01"),
    }
    store.documents.set_stage(ids["review"], "in review")
    store.documents.set_stage(ids["finished"], "done")
    return ids


def test_the_queue_is_sorted_by_deadline_with_undated_documents_last(desk, queue):
    page = desk["ada"].get("/").get_data(as_text=True)
    assert titles(page) == ["finished", "late", "review", "open"]


def test_the_queue_marks_documents_past_their_deadline_and_not_done_as_overdue(desk, queue):
    page = desk["ada"].get("/").get_data(as_text=True)
    assert page.count('class="overdue"') == 1
    row = page[page.index('class="overdue"') :]
    assert titles(row)[0] == "late" and "2020-01-01" in row and "overdue</span>" in row


@pytest.mark.parametrize(
    ("name", "expected"),
    [("tia", ["late"]), ("rita", ["review"]), ("tom", ["late", "review"]), ("rex", []), ("ada", ["open"])],
)
def test_mine_shows_what_is_assigned_to_me_or_owned_by_me(desk, queue, name, expected):
    # ada owns "finished" too, but it is done: mine plus the stage filter shows what is left
    url = "/?mine=1" if name != "ada" else "/?mine=1&stage=new"
    assert titles(desk[name].get(url).get_data(as_text=True)) == expected


def test_the_queue_filters_by_stage(desk, queue):
    assert titles(desk["tia"].get("/?stage=in+review").get_data(as_text=True)) == ["review"]
    assert titles(desk["tia"].get("/?stage=done").get_data(as_text=True)) == ["finished"]
    assert desk["tia"].get("/?stage=ready").status_code == 400


def test_the_queue_shows_assignees_priority_words_and_progress(app, desk, queue):
    desk["tia"].api(
        "POST", f"/api/documents/{queue['late']}/segments/0/confirm", {"target": "Headline", "version": 1}
    )
    page = desk["tia"].get("/?mine=1").get_data(as_text=True)
    for column in ("Stage", "Deadline", "Priority", "Words", "Progress", "Translator", "Reviewer", "Owner"):
        assert re.search(rf"<th( class=\"num\")?>{column}</th>", page), column
    assert "33% · 1/3" in page and "<td>tia</td>" in page and "<td>translating</td>" in page


def test_the_queue_of_the_library_uses_the_given_day_for_lateness(app, desk, queue):
    rows = services(app).documents.queue(services(app).store.accounts.find("ada"), today=date(2019, 1, 1))
    assert [r.overdue for r in rows] == [False, False, False, False]
