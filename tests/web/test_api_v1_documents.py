"""The token API's documents: create, read, edit with versions, confirm over QA, stages, export, analysis."""

from __future__ import annotations

import io
import threading

import pytest

from tm.analysis import analyse
from tm.segment import segment
from tm.store.records import NewUnit
from web.security import new_token_secret

from .conftest import services

# The echo translator drafts "EN: <Arabic>": raw MT with Arabic left in it, which QA blocks.
ARTICLE = "قال الوزير إن الميزانية بلغت 12 مليار دولار.\n\nوأضاف أن العجز تراجع هذا العام.\n"
FIRST = "The minister said the budget reached $12bn."
SECOND_DRAFT = "EN: وأضاف أن العجز تراجع هذا العام."


@pytest.fixture
def tokens(app):
    """A live API token for each account of the app fixture, and a revoked one of tom's."""
    accounts = services(app).store.accounts
    out = {}
    for name in ("ada", "tom", "tia", "rita"):
        out[name] = new_token_secret()
        accounts.add_token(accounts.find(name).id, "CMS", out[name])
    out["revoked"] = new_token_secret()
    token = accounts.add_token(accounts.find("tom").id, "old CMS", out["revoked"])
    accounts.revoke_token(token.id)
    return out


def call(app, method, path, secret=None, body=None, form=None):
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    if form is not None:
        return app.test_client().open(
            path, method=method, headers=headers, data=form, content_type="multipart/form-data"
        )
    return app.test_client().open(path, method=method, headers=headers, json=body)


def txt(content=None, name="wire.txt", **fields):
    data = ARTICLE.encode() if content is None else content
    return {"file": (io.BytesIO(data), name), **fields}


def create(app, secret, text=ARTICLE, **fields):
    r = call(app, "POST", "/api/v1/documents", secret, {"title": "Budget", "text": text, **fields})
    assert r.status_code == 201, r.get_data(as_text=True)
    services(app).worker.wait_idle()
    return r.get_json()["id"]


@pytest.fixture
def doc(app, tokens):
    """tom's document, translated by tom and reviewed by rita, drafted."""
    return create(app, tokens["tom"], translator="tom", reviewer="rita")


def get_doc(app, secret, doc_id):
    r = call(app, "GET", f"/api/v1/documents/{doc_id}", secret)
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def seg(app, secret, doc_id, idx):
    return call(app, "GET", f"/api/v1/documents/{doc_id}/segments/{idx}", secret).get_json()


def error(r, status, code):
    assert r.status_code == status, r.get_data(as_text=True)
    err = r.get_json()["error"]
    assert err["code"] == code and set(r.get_json()) == {"error"} and set(err) == {"code", "message"}
    return err["message"]


# -- the way a newsroom system uses it -------------------------------------------------------


def test_a_story_goes_from_the_cms_through_translation_and_review_to_english(app, tokens):
    tom, rita = tokens["tom"], tokens["rita"]
    body = {"title": "Budget", "text": ARTICLE, "translator": "tom", "reviewer": "rita"}
    body |= {"deadline": "2030-01-31", "priority": "urgent"}
    r = call(app, "POST", "/api/v1/documents", tom, body)
    assert r.status_code == 201
    created = r.get_json()
    doc_id = created["id"]
    assert r.headers["Location"] == f"/api/v1/documents/{doc_id}"
    assert created["assignment"] == {
        "translator": "tom",
        "reviewer": "rita",
        "deadline": "2030-01-31",
        "priority": "urgent",
    }
    assert (created["stage"], created["owner"], created["segment_count"]) == ("new", "tom", 2)
    # the worker may already have drafted two sentences by the time the answer is made
    assert created["drafting"]["state"] in ("translating", "ready") and created["drafting"]["job_id"]

    # drafting runs in the background as a job the account can follow
    services(app).worker.wait_idle()
    job = call(app, "GET", f"/api/v1/jobs/{created['drafting']['job_id']}", tom).get_json()
    assert job["state"] == "done"
    doc = get_doc(app, tom, doc_id)
    assert doc["drafting"]["state"] == "ready" and doc["writable"] and doc["read_only"] is None
    assert doc["moves"] == ["translating", "in review"] and doc["manage"]
    assert [s["target"] for s in doc["segments"]] == [f"EN: {ARTICLE.splitlines()[0]}", SECOND_DRAFT]
    assert doc["counts"] == {"draft": 2, "confirmed": 0, "approved": 0}

    # a save with the version read; a second one based on the same version is refused
    v0 = doc["segments"][0]["version"]
    r = call(app, "PUT", f"/api/v1/documents/{doc_id}/segments/0", tom, {"target": FIRST, "version": v0})
    assert r.status_code == 200 and r.get_json()["version"] == v0 + 1
    r = call(app, "PUT", f"/api/v1/documents/{doc_id}/segments/0", tom, {"target": "Other.", "version": v0})
    message = error(r, 409, "conflict")
    assert f"now {v0 + 1}" in message and "nothing was overwritten" in message
    assert seg(app, tom, doc_id, 0)["target"] == FIRST
    assert get_doc(app, tom, doc_id)["stage"] == "translating"  # the first change starts it

    # the raw MT draft with Arabic in it is blocked; confirming over the finding is recorded
    v1 = seg(app, tom, doc_id, 1)["version"]
    confirm = f"/api/v1/documents/{doc_id}/segments/1/confirm"
    message = error(call(app, "POST", confirm, tom, {"version": v1}), 422, "unprocessable")
    assert "arabic-in-target:" in message and 'override": ["arabic-in-target"]' in message
    assert seg(app, tom, doc_id, 1)["status"] == "draft"
    r = call(app, "POST", confirm, tom, {"version": v1, "override": ["arabic-in-target"]})
    assert r.status_code == 200, r.get_data(as_text=True)
    confirmed = r.get_json()["segment"]
    assert (confirmed["status"], confirmed["override"]["codes"]) == ("confirmed", ["arabic-in-target"])
    assert confirmed["override"]["by"] == "tom" and r.get_json()["repetitions"] == []
    r = call(app, "POST", f"/api/v1/documents/{doc_id}/segments/0/confirm", tom, {"version": v0 + 1})
    assert r.get_json()["segment"]["target"] == FIRST and r.get_json()["segment"]["provenance"] == "scratch"
    assert services(app).store.units.count() == 2

    # to review; the translator cannot approve, the reviewer does, then marks it done
    r = call(app, "POST", f"/api/v1/documents/{doc_id}/stage", tom, {"stage": "in review"})
    assert r.status_code == 200 and r.get_json()["stage"] == "in review"
    assert r.get_json()["counts"] == {"draft": 0, "confirmed": 2, "approved": 0}
    assert not get_doc(app, tom, doc_id)["writable"]
    for idx in (0, 1):
        version = seg(app, rita, doc_id, idx)["version"]
        path = f"/api/v1/documents/{doc_id}/segments/{idx}/confirm"
        error(call(app, "POST", path, tom, {"version": version, "approve": True}), 403, "forbidden")
        body = {"version": version, "approve": True, "override": ["arabic-in-target"]}
        r = call(app, "POST", path, rita, body)
        assert r.status_code == 200 and r.get_json()["segment"]["status"] == "approved"
    r = call(app, "POST", f"/api/v1/documents/{doc_id}/stage", rita, {"stage": "done"})
    assert r.status_code == 200 and r.get_json()["stage"] == "done" and r.get_json()["percent"] == 100

    history = call(app, "GET", f"/api/v1/documents/{doc_id}/segments/0/history", tom).get_json()["changes"]
    assert [c["action"] for c in history][:2] == ["approve", "confirm"] and history[0]["author"] == "rita"

    r = call(app, "GET", f"/api/v1/documents/{doc_id}/export?format=txt", tom)
    assert r.status_code == 200 and r.mimetype == "text/plain" and r.mimetype_params["charset"] == "utf-8"
    assert r.get_data(as_text=True) == f"{FIRST}\n\n{SECOND_DRAFT}\n"
    assert 'filename="Budget.en.txt"' in r.headers["Content-Disposition"]
    r = call(app, "GET", f"/api/v1/documents/{doc_id}/export?format=tmx", tom)
    assert r.status_code == 200 and r.mimetype == "application/x-tmx+xml"
    tmx = r.get_data(as_text=True)
    assert "<tmx" in tmx and FIRST in tmx and "Budget.tmx" in r.headers["Content-Disposition"]
    assert call(app, "GET", f"/api/v1/documents/{doc_id}/export", tom).mimetype == "text/plain"


def test_a_text_file_becomes_a_document_named_after_it(app, tokens):
    form = txt(ARTICLE.encode("utf-8-sig"), "wire-story.TXT", reviewer="rita", priority="high", title="")
    r = call(app, "POST", "/api/v1/documents/file", tokens["tom"], form=form)
    assert r.status_code == 201, r.get_data(as_text=True)
    created = r.get_json()
    assert created["title"] == "wire-story" and created["assignment"]["priority"] == "high"
    assert created["assignment"]["reviewer"] == "rita" and created["assignment"]["translator"] is None
    services(app).worker.wait_idle()
    doc = get_doc(app, tokens["tom"], created["id"])
    assert [s["source"] for s in doc["segments"]] == ARTICLE.strip().split("\n\n")


def test_a_confirm_over_some_but_not_all_blocking_findings_is_refused(app, tokens, doc):
    version = seg(app, tokens["tom"], doc, 0)["version"]
    body = {"target": "EN: الميزانية", "version": version, "override": ["arabic-in-target"]}
    message = error(
        call(app, "POST", f"/api/v1/documents/{doc}/segments/0/confirm", tokens["tom"], body),
        422,
        "unprocessable",
    )
    assert "number-missing" in message and "not overridden: number-missing" in message
    assert services(app).store.units.count() == 0


def test_only_one_of_two_concurrent_saves_of_a_version_wins(app, tokens, doc):
    version = seg(app, tokens["tom"], doc, 0)["version"]
    barrier = threading.Barrier(2)
    answers = {}

    def save(who, text):
        barrier.wait()
        body = {"target": text, "version": version}
        answers[who] = call(app, "PUT", f"/api/v1/documents/{doc}/segments/0", tokens[who], body)

    threads = [
        threading.Thread(target=save, args=("tom", "Tom's English.")),
        threading.Thread(target=save, args=("ada", "Ada's English.")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status_code for r in answers.values())
    assert statuses == [200, 409]
    winner = next(r for r in answers.values() if r.status_code == 200).get_json()["target"]
    assert seg(app, tokens["tom"], doc, 0)["target"] == winner


def test_refused_moves_are_409_with_the_sentences_left(app, tokens, doc):
    tom = tokens["tom"]

    def move(doc_id, stage):
        return error(
            call(app, "POST", f"/api/v1/documents/{doc_id}/stage", tom, {"stage": stage}), 409, "conflict"
        )

    assert "2 sentences are not confirmed yet (1, 2)" in move(doc, "in review")
    assert "cannot go to done" in move(doc, "done")
    assert "assign a reviewer" in move(create(app, tom), "in review")
    assert get_doc(app, tom, doc)["stage"] == "new"


def test_the_assignment_changes_field_by_field_for_the_owner_only(app, tokens, doc):
    tom = tokens["tom"]
    path = f"/api/v1/documents/{doc}"
    r = call(app, "PATCH", path, tom, {"deadline": "2031-05-01"})
    assert r.status_code == 200
    assert r.get_json()["assignment"] == {
        "translator": "tom",
        "reviewer": "rita",
        "deadline": "2031-05-01",
        "priority": "normal",
    }
    r = call(app, "PATCH", path, tom, {"reviewer": None, "translator": "tia", "priority": "high"})
    assert r.get_json()["assignment"] == {
        "translator": "tia",
        "reviewer": None,
        "deadline": "2031-05-01",
        "priority": "high",
    }
    assert "no active account 'nobody'" in error(
        call(app, "PATCH", path, tom, {"reviewer": "nobody"}), 400, "bad_request"
    )
    assert "cannot be the translator" in error(
        call(app, "PATCH", path, tom, {"translator": "rita"}), 400, "bad_request"
    )
    message = error(call(app, "PATCH", path, tokens["tia"], {"priority": "urgent"}), 403, "forbidden")
    assert "only the owner (tom) or an admin" in message
    assert call(app, "PATCH", path, tokens["ada"], {"priority": "urgent"}).status_code == 200
    assert get_doc(app, tom, doc)["assignment"]["priority"] == "urgent"


def test_a_document_is_deleted_by_its_owner_or_an_admin_and_the_memory_keeps_its_sentences(app, tokens, doc):
    version = seg(app, tokens["tom"], doc, 0)["version"]
    body = {"target": FIRST, "version": version}
    assert (
        call(app, "POST", f"/api/v1/documents/{doc}/segments/0/confirm", tokens["tom"], body).status_code
        == 200
    )
    assert "only the owner (tom)" in error(
        call(app, "DELETE", f"/api/v1/documents/{doc}", tokens["tia"]), 403, "forbidden"
    )
    r = call(app, "DELETE", f"/api/v1/documents/{doc}", tokens["tom"])
    assert r.status_code == 204 and r.get_data() == b""
    error(call(app, "GET", f"/api/v1/documents/{doc}", tokens["tom"]), 404, "not_found")
    assert services(app).store.units.count() == 1
    other = create(app, tokens["tom"])
    assert call(app, "DELETE", f"/api/v1/documents/{other}", tokens["ada"]).status_code == 204


# -- tokens and other people's documents ---------------------------------------------------------

# (method, path, body or form factory, what tia's token gets on tom's document)
ENDPOINTS = [
    ("POST", "/api/v1/documents", lambda: {"text": ARTICLE}, None),
    ("POST", "/api/v1/documents/file", lambda: ("form", txt()), None),
    ("GET", "/api/v1/documents", None, None),
    ("GET", "/api/v1/documents/{doc}", None, 200),
    ("PATCH", "/api/v1/documents/{doc}", lambda: {"priority": "high"}, 403),
    ("POST", "/api/v1/documents/{doc}/stage", lambda: {"stage": "translating"}, 403),
    ("DELETE", "/api/v1/documents/{doc}", None, 403),
    ("GET", "/api/v1/documents/{doc}/export?format=txt", None, 200),
    ("GET", "/api/v1/documents/{doc}/export?format=tmx", None, 200),
    ("GET", "/api/v1/documents/{doc}/segments/0", None, 200),
    ("PUT", "/api/v1/documents/{doc}/segments/0", lambda: {"target": "x", "version": 1}, 403),
    ("POST", "/api/v1/documents/{doc}/segments/0/confirm", lambda: {"target": FIRST, "version": 1}, 403),
    ("GET", "/api/v1/documents/{doc}/segments/0/history", None, 200),
    ("GET", "/api/v1/documents/{doc}/analysis", None, 200),
    ("POST", "/api/v1/analysis", lambda: {"text": ARTICLE}, None),
    ("POST", "/api/v1/analysis/file", lambda: ("form", txt()), None),
]
IDS = [f"{m} {p}" for m, p, _, _ in ENDPOINTS]
ON_A_DOCUMENT = pytest.mark.parametrize(
    ("method", "path", "make", "foreign"),
    [e for e in ENDPOINTS if e[3]],
    ids=[i for i, e in zip(IDS, ENDPOINTS, strict=True) if e[3]],
)


def send(app, secret, method, path, make, doc_id):
    payload = make() if make else None
    path = path.format(doc=doc_id)
    if isinstance(payload, tuple):
        return call(app, method, path, secret, form=payload[1])
    return call(app, method, path, secret, payload)


@pytest.mark.parametrize(("method", "path", "make", "foreign"), ENDPOINTS, ids=IDS)
def test_every_endpoint_answers_a_valid_token_and_refuses_none_or_a_revoked_one(
    app, tokens, doc, method, path, make, foreign
):
    for secret in (None, tokens["revoked"]):
        message = error(send(app, secret, method, path, make, doc), 401, "unauthorized")
        assert "token" in message
    r = send(app, tokens["tom"], method, path, make, doc)
    assert r.status_code in (200, 201, 204), r.get_data(as_text=True)


@ON_A_DOCUMENT
def test_another_users_document_is_readable_but_not_writable(app, tokens, doc, method, path, make, foreign):
    r = send(app, tokens["tia"], method, path, make, doc)
    if foreign == 403:
        message = error(r, 403, "forbidden")
        assert "tom" in message or "its translator" in message  # the reason: whose it is
    else:
        assert r.status_code == 200
    assert get_doc(app, tokens["tom"], doc)["assignment"]["priority"] == "normal"


@ON_A_DOCUMENT
def test_a_missing_document_or_sentence_is_404(app, tokens, doc, method, path, make, foreign):
    error(send(app, tokens["ada"], method, path, make, 999), 404, "not_found")
    if "/segments/0" in path:
        error(
            send(app, tokens["ada"], method, path.replace("/segments/0", "/segments/7"), make, doc),
            404,
            "not_found",
        )


def test_the_token_reads_the_documents_rights_as_the_editor_does(app, tokens, doc):
    tia = get_doc(app, tokens["tia"], doc)
    assert (tia["writable"], tia["manage"], tia["moves"]) == (False, False, [])
    assert tia["read_only"] == "read only: assigned to tom"
    assert len(tia["segments"]) == 2
    mine = call(app, "GET", "/api/v1/documents?mine=true", tokens["tia"]).get_json()["items"]
    assert mine == []
    rita = call(app, "GET", "/api/v1/documents?mine=1", tokens["rita"]).get_json()["items"]
    assert [d["id"] for d in rita] == [doc]


# -- the list --------------------------------------------------------------------------------------


def test_paging_returns_each_document_once_while_documents_are_added(app, tokens):
    docs = services(app).documents
    plan = [("2030-01-02", "normal"), (None, "urgent"), ("2030-01-01", "high"), ("2030-01-01", "high")]
    plan += [(None, "normal"), ("2030-01-03", "urgent"), (None, "normal")]
    ids = [docs.create(f"D{i}", ARTICLE, "tom", deadline=d, priority=p) for i, (d, p) in enumerate(plan)]
    expected = [r.doc.id for r in docs.queue(services(app).store.accounts.find("tom"))]
    assert sorted(expected) == sorted(ids)
    seen, cursor, added = [], None, []
    while True:
        path = "/api/v1/documents?limit=3" + (f"&cursor={cursor}" if cursor else "")
        r = call(app, "GET", path, tokens["tom"])
        assert r.status_code == 200
        page = r.get_json()
        assert len(page["items"]) <= 3
        seen += [d["id"] for d in page["items"]]
        cursor = page["next"]
        if not added:  # between pages: one that sorts before the cursor and one after it
            added = [
                docs.create("early", ARTICLE, "tom", deadline="2000-01-01"),
                docs.create("late", ARTICLE, "tom"),
            ]
        if cursor is None:
            break
    assert len(seen) == len(set(seen))
    assert [i for i in seen if i in ids] == expected
    assert added[0] not in seen and added[1] in seen  # newest without deadline: before older ones


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=101", "limit=x", "stage=archived", "cursor=%%%", "cursor=e30", "cursor=" + "A" * 501],
)
def test_malformed_list_queries_are_400(app, tokens, query):
    message = error(call(app, "GET", f"/api/v1/documents?{query}", tokens["tom"]), 400, "bad_request")
    assert query.split("=")[0] in message


def test_the_list_filters_by_stage(app, tokens, doc):
    other = create(app, tokens["tia"])
    call(app, "POST", f"/api/v1/documents/{other}/stage", tokens["tia"], {"stage": "translating"})
    items = call(app, "GET", "/api/v1/documents?stage=translating", tokens["tom"]).get_json()["items"]
    assert [d["id"] for d in items] == [other]
    assert items[0]["drafting"]["state"] == "ready" and items[0]["counts"]["draft"] == 2


# -- analysis --------------------------------------------------------------------------------------


def fill(app):
    store = services(app).store
    store.units.add(NewUnit("قال الوزير إن الميزانية بلغت 12 مليار دولار.", FIRST))
    services(app).memory.sync()


def test_analysis_of_a_text_is_the_libraries_and_changes_nothing(app, tokens):
    fill(app)
    store = services(app).store
    before = (store.units.count(), store.units.feed_position(), store.documents.all())
    text = ARTICLE + "قال الوزير إن الميزانية بلغت 12 مليار دولار.\n"
    r = call(app, "POST", "/api/v1/analysis", tokens["tom"], {"text": text})
    assert r.status_code == 200
    sources = [s.text for s in segment(text).segments()]
    assert r.get_json() == analyse(sources, services(app).memory).to_json()
    bands = {b["band"]: b["segments"] for b in r.get_json()["bands"]}
    assert (bands["exact"], bands["repetition"], bands["none"]) == (1, 1, 1)
    r = call(app, "POST", "/api/v1/analysis/file?sentences=false", tokens["tom"], form=txt(text.encode()))
    assert r.status_code == 200 and "sentences" not in r.get_json()
    assert (r.get_json()["total"]["segments"], r.get_json()["total"]["words"]) == (3, 22)
    assert (store.units.count(), store.units.feed_position(), store.documents.all()) == before


def test_analysis_of_a_document_counts_its_sentences_against_the_memory_now(app, tokens, doc):
    fill(app)
    r = call(app, "GET", f"/api/v1/documents/{doc}/analysis", tokens["tia"])
    assert r.status_code == 200
    assert [s["band"] for s in r.get_json()["sentences"]] == ["exact", "none"]


# -- bad input: a clear 400 naming the field, never a 500 ------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": " \n\u200b"}, "text"),
        ({"text": 5}, "text"),
        ({"text": ["نص"]}, "text"),
        ({"text": "نص", "colour": "red"}, "colour"),
        ({"text": "نص", "title": "x" * 301}, "title"),
        ({"text": "نص", "title": "\u202eexe.doc"}, "title"),
        ({"text": "نص\x01"}, "control character"),
        ({"text": "نص", "deadline": "tomorrow"}, "deadline"),
        ({"text": "نص", "deadline": "2030-02-30"}, "deadline"),
        ({"text": "نص", "priority": "asap"}, "priority"),
        ({"text": "نص", "priority": None}, "priority"),
        ({"text": "نص", "translator": "nobody"}, "translator"),
        ({"text": "نص", "reviewer": "tom"}, "reviewer"),
        ({"text": "نص", "mt": "yes"}, "mt"),
    ],
)
def test_creating_from_a_malformed_body_is_400_and_creates_nothing(app, tokens, body, field):
    message = error(call(app, "POST", "/api/v1/documents", tokens["tom"], body), 400, "bad_request")
    assert field in message
    assert services(app).store.documents.all() == []


@pytest.mark.parametrize("raw", [b"{", b"[]", b'"text"', b"null", b"[" * 100_000])
def test_a_body_that_is_not_a_json_object_is_400(app, tokens, raw):
    r = app.test_client().post(
        "/api/v1/documents",
        data=raw,
        content_type="application/json",
        headers={"Authorization": f"Bearer {tokens['tom']}"},
    )
    assert "JSON object" in error(r, 400, "bad_request")


@pytest.mark.parametrize(
    ("form", "words"),
    [
        (txt(b"PK\x03\x04", "story.docx"), "this .docx is damaged"),
        (txt(b"<p> | </p>", "story.html"), "no text to translate"),
        (txt(b"x", "story"), "tm reads .docx, .htm, .html, .text, .txt, .xlf, .xliff files"),
        (txt(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "photo.txt"), "file:"),
        (txt(b"price \x80\x89\x99\x85 " * 40, "junk.txt"), "neither UTF-8 nor Windows-1256"),
        (txt(b"   \n\n", "blank.txt"), "file"),
        ({"title": "no file"}, "file: send the file"),
        (txt(colour="red"), "colour"),
        (txt(deadline="31/12/2030"), "deadline"),
        (txt(title="x" * 301), "title"),
        (txt(translator="nobody"), "nobody"),
    ],
)
def test_a_bad_upload_is_400_and_creates_nothing(app, tokens, form, words):
    message = error(call(app, "POST", "/api/v1/documents/file", tokens["tom"], form=form), 400, "bad_request")
    assert words in message
    assert services(app).store.documents.all() == []


def test_a_json_body_sent_to_the_upload_is_told_to_send_a_file(app, tokens):
    r = call(app, "POST", "/api/v1/documents/file", tokens["tom"], {"text": ARTICLE})
    assert "multipart/form-data" in error(r, 400, "bad_request")


@pytest.mark.parametrize(
    ("method", "suffix", "body", "words"),
    [
        ("PUT", "segments/0", {"target": 5, "version": 1}, "target"),
        ("PUT", "segments/0", {"target": "x"}, "version"),
        ("PUT", "segments/0", {"target": "x", "version": 0}, "version"),
        ("PUT", "segments/0", {"target": "x", "version": "1"}, "version"),
        ("PUT", "segments/0", {"target": "x", "version": True}, "version"),
        ("PUT", "segments/0", {"target": "x", "version": 2**64}, "version"),
        ("PUT", "segments/0", {"target": "x" * 20_001, "version": 1}, "target"),
        ("PUT", "segments/0", {"target": "\u202bx", "version": 1}, "target: holds an invisible direction"),
        ("POST", "segments/0/confirm", {"version": 1, "override": "arabic-in-target"}, "override"),
        ("POST", "segments/0/confirm", {"version": 1, "approve": "yes"}, "approve"),
        ("POST", "segments/0/confirm", {"target": " ", "version": 1}, "target: is empty"),
        ("POST", "stage", {"stage": "archived"}, "stage"),
        ("POST", "stage", {}, "stage"),
        ("PATCH", "", {"deadline": "soon"}, "deadline"),
        ("PATCH", "", {"owner": "tia"}, "owner"),
    ],
)
def test_malformed_changes_are_400_and_change_nothing(app, tokens, doc, method, suffix, body, words):
    path = f"/api/v1/documents/{doc}" + (f"/{suffix}" if suffix else "")
    before = get_doc(app, tokens["tom"], doc)
    message = error(call(app, method, path, tokens["tom"], body), 400, "bad_request")
    assert words in message
    assert get_doc(app, tokens["tom"], doc) == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/documents/{doc}/export?format=pdf", None),
        ("GET", "/api/v1/documents/{doc}/analysis?sentences=perhaps", None),
        ("POST", "/api/v1/analysis", {"text": "   "}),
        ("POST", "/api/v1/analysis", {"text": "نص", "min": 5}),
        ("POST", "/api/v1/analysis", {"text": None}),
    ],
)
def test_other_malformed_calls_are_400(app, tokens, doc, method, path, body):
    error(call(app, method, path.format(doc=doc), tokens["tom"], body), 400, "bad_request")


def test_the_openapi_document_describes_every_documents_call(app, tokens):
    spec = call(app, "GET", "/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path, methods in {
        "/api/v1/documents": {"get", "post"},
        "/api/v1/documents/file": {"post"},
        "/api/v1/documents/{doc_id}": {"get", "patch", "delete"},
        "/api/v1/documents/{doc_id}/stage": {"post"},
        "/api/v1/documents/{doc_id}/export": {"get"},
        "/api/v1/documents/{doc_id}/segments/{idx}": {"get", "put"},
        "/api/v1/documents/{doc_id}/segments/{idx}/confirm": {"post"},
        "/api/v1/documents/{doc_id}/segments/{idx}/history": {"get"},
        "/api/v1/documents/{doc_id}/analysis": {"get"},
        "/api/v1/analysis": {"post"},
        "/api/v1/analysis/file": {"post"},
    }.items():
        assert set(paths[path]) == methods, path
    export = paths["/api/v1/documents/{doc_id}/export"]["get"]
    assert set(export["responses"]["200"]["content"]) == {
        "text/plain",
        "application/x-tmx+xml",
        "text/html",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/xliff+xml",
    }
    assert "422" in paths["/api/v1/documents/{doc_id}/segments/{idx}/confirm"]["post"]["responses"]
    assert "multipart/form-data" in paths["/api/v1/documents/file"]["post"]["requestBody"]["content"]


@pytest.mark.parametrize(("mt", "second"), [(True, "mt"), (False, "none")])
def test_mt_false_drafts_a_document_from_the_memory_alone(app, tokens, mt, second):
    services(app).store.units.add(NewUnit("قال الوزير إن الميزانية بلغت 12 مليار دولار.", FIRST))
    doc_id = create(app, tokens["tom"], mt=mt)
    origins = [s["origin"] for s in get_doc(app, tokens["tom"], doc_id)["segments"]]
    assert origins == ["exact", second]


def test_mt_false_works_for_an_uploaded_file_too(app, tokens):
    r = call(app, "POST", "/api/v1/documents/file", tokens["tom"], form=txt(mt="false"))
    assert r.status_code == 201, r.get_data(as_text=True)
    services(app).worker.wait_idle()
    segments = get_doc(app, tokens["tom"], r.get_json()["id"])["segments"]
    assert [s["origin"] for s in segments] == ["none", "none"]
    bad = call(app, "POST", "/api/v1/documents/file", tokens["tom"], form=txt(mt="perhaps"))
    assert "mt" in error(bad, 400, "bad_request")


def test_an_html_story_goes_in_by_file_and_comes_back_as_html_in_english(app, tokens):
    page = '<html lang="ar"><body><p>قال <a href="https://x.example">الوزير</a> إن العجز تراجع.</p></body></html>'
    r = call(
        app, "POST", "/api/v1/documents/file", tokens["tom"], form=txt(page.encode(), "wire.html", mt="false")
    )
    assert r.status_code == 201, r.get_data(as_text=True)
    doc_id = r.get_json()["id"]
    services(app).worker.wait_idle()
    [s] = get_doc(app, tokens["tom"], doc_id)["segments"]
    a, ea = chr(0xE004), chr(0xE005)
    assert s["source"] == f"قال {a}الوزير{ea} إن العجز تراجع."
    assert s["tags"] == {"1": {"kind": "open", "name": "a", "title": "https://x.example"}}
    english = f"The {a}minister{ea} said the deficit fell."
    r = call(
        app,
        "PUT",
        f"/api/v1/documents/{doc_id}/segments/0",
        tokens["tom"],
        {"target": english, "version": s["version"]},
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    out = call(app, "GET", f"/api/v1/documents/{doc_id}/export?format=file", tokens["tom"])
    assert out.status_code == 200 and out.mimetype == "text/html"
    assert out.get_data(as_text=True) == (
        '<html lang="en"><body><p>The <a href="https://x.example">minister</a> said the deficit fell.</p></body></html>'
    )
    text = call(app, "GET", f"/api/v1/documents/{doc_id}/export?format=txt", tokens["tom"])
    assert text.get_data(as_text=True) == "The minister said the deficit fell.\n"
    pasted = create(app, tokens["tom"])
    refused = call(app, "GET", f"/api/v1/documents/{pasted}/export?format=file", tokens["tom"])
    assert "pasted as text" in error(refused, 422, "unprocessable")
