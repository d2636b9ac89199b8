"""Comments on sentences through the JSON API and the queue: who may write, reply and resolve."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from .conftest import PASSWORD, Client, services

ARTICLE = "عنوان الخبر\n\nقال الوزير إن الاقتصاد ينمو. وأضاف أن التضخم مستقر.\n"
BIG = 2**63

# tom owns the document, tia translates it, rita reviews it, ada is an admin; ted (a translator)
# and rex (a reviewer) have nothing to do with it
EVERYONE = ("ada", "tom", "tia", "rita", "ted", "rex")


@pytest.fixture
def desk(app, store):
    for name, role in (("ted", "translator"), ("rex", "reviewer")):
        store.accounts.add(name, generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"), role)
    return {name: Client(app, name) for name in EVERYONE}


@pytest.fixture
def doc_id(desk):
    tom = desk["tom"]
    r = tom.post(
        "/documents/new", {"title": "Wire", "text": ARTICLE, "translator": "tia", "reviewer": "rita"}
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    services(tom.app).worker.wait_idle()
    return int(r.headers["Location"].rsplit("/", 1)[1])


def comments_url(doc_id, idx=None):
    return f"/api/documents/{doc_id}/comments" + ("" if idx is None else f"?idx={idx}")


def comment(client, doc_id, idx, body, thread=None):
    payload = {"body": body} if thread is None else {"body": body, "thread": thread}
    return client.api("POST", f"/api/documents/{doc_id}/segments/{idx}/comments", payload)


def started(client, doc_id, idx=1, body="Is 'stable' right?"):
    r = comment(client, doc_id, idx, body)
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()


def resolve(client, thread, resolved=True):
    return client.api("POST", f"/api/comments/{thread}/resolve", {"resolved": resolved})


def raw_post(client, url, data, content_type="application/json"):
    return client.http.post(
        url, data=data, content_type=content_type, headers={"X-CSRF-Token": client.token()}
    )


# -- writing and reading ------------------------------------------------------------------


def test_a_comment_starts_a_thread_and_comes_back_with_the_document(desk, doc_id):
    first = started(desk["ted"], doc_id, 1, "  Is 'stable' right?\n")
    assert (first["document_id"], first["idx"], first["author"], first["kind"]) == (
        doc_id,
        1,
        "ted",
        "comment",
    )
    assert (first["thread_id"], first["body"], first["resolved_by"]) == (
        first["id"],
        "Is 'stable' right?",
        None,
    )
    assert first["can_resolve"] is True  # its author

    r = desk["rex"].get(comments_url(doc_id))
    assert r.status_code == 200
    data = r.get_json()
    assert data["unresolved"] == 1
    assert [(c["id"], c["body"], c["can_resolve"]) for c in data["comments"]] == [
        (first["id"], "Is 'stable' right?", False)
    ]


def test_replies_follow_their_thread_and_one_sentence_can_be_asked_for(desk, doc_id):
    first = started(desk["ted"], doc_id, 1)
    other = started(desk["tia"], doc_id, 2, "Name of the minister?")
    r = comment(desk["rita"], doc_id, 1, "Say 'steady'.", thread=first["id"])
    assert r.status_code == 201
    reply = r.get_json()
    assert (reply["thread_id"], reply["author"], reply["can_resolve"]) == (first["id"], "rita", True)

    everything = desk["ted"].get(comments_url(doc_id)).get_json()
    assert [c["body"] for c in everything["comments"]] == [
        "Is 'stable' right?",
        "Say 'steady'.",
        other["body"],
    ]
    assert everything["unresolved"] == 2
    one = desk["ted"].get(comments_url(doc_id, 1)).get_json()
    assert [c["author"] for c in one["comments"]] == ["ted", "rita"]
    assert one["unresolved"] == 1
    assert all(c["can_resolve"] for c in one["comments"])  # ted started the thread
    assert desk["ted"].get(comments_url(doc_id, 0)).get_json() == {"comments": [], "unresolved": 0}


def test_a_colleague_may_comment_on_a_document_they_cannot_write(app, desk, doc_id):
    services(app).store.documents.set_stage(doc_id, "done")  # read only for all but admins
    r = comment(desk["rex"], doc_id, 0, "Headline is too long for the web.")
    assert r.status_code == 201 and r.get_json()["author"] == "rex"


def test_line_breaks_and_tabs_are_kept_and_the_longest_comment_fits(desk, doc_id):
    body = "first line\n\tindented\r\nlast line"
    assert started(desk["tom"], doc_id, 0, body)["body"] == "first line\n\tindented\nlast line"
    assert started(desk["tom"], doc_id, 0, "x" * 4000)["body"] == "x" * 4000
    assert started(desk["tom"], doc_id, 0, "قال: الرقم ١٥٪")["body"] == "قال: الرقم ١٥٪"


def test_a_reviewers_rejection_is_listed_as_a_rejection_thread(app, desk, doc_id):
    services(app).store.documents.set_stage(doc_id, "in review")
    version = desk["rita"].get(f"/api/documents/{doc_id}").get_json()["segments"][1]["version"]
    r = desk["rita"].api(
        "POST", f"/api/documents/{doc_id}/segments/1/reject", {"version": version, "reason": "Wrong tense."}
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    data = desk["tia"].get(comments_url(doc_id, 1)).get_json()
    assert [(c["kind"], c["author"], c["body"], c["can_resolve"]) for c in data["comments"]] == [
        ("rejection", "rita", "Wrong tense.", False)  # tia translates it: the reviewer settles it
    ]
    assert data["unresolved"] == 1


# -- resolving ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["ted", "tom", "tia", "rita", "ada"])
def test_the_threads_author_the_owner_the_assignees_and_admins_resolve_and_reopen(desk, doc_id, who):
    first = started(desk["ted"], doc_id)
    r = resolve(desk[who], first["id"])
    assert r.status_code == 200, r.get_data(as_text=True)
    done = r.get_json()
    assert (done["id"], done["resolved_by"], done["can_resolve"]) == (first["id"], who, True)
    assert done["resolved_at"]
    assert desk[who].get(comments_url(doc_id)).get_json()["unresolved"] == 0

    r = resolve(desk[who], first["id"], False)
    assert r.status_code == 200
    assert (r.get_json()["resolved_by"], r.get_json()["resolved_at"]) == (None, None)
    assert desk[who].get(comments_url(doc_id)).get_json()["unresolved"] == 1


def test_someone_with_nothing_to_do_with_the_thread_cannot_resolve_it(app, desk, doc_id):
    first = started(desk["tia"], doc_id)
    for who in ("ted", "rex"):  # a translator and a reviewer not assigned
        r = resolve(desk[who], first["id"])
        assert r.status_code == 403
        message = r.get_json()["error"]
        assert "tia" in message and "tom" in message and "rita" in message and "admin" in message
        listed = desk[who].get(comments_url(doc_id)).get_json()["comments"]
        assert [c["can_resolve"] for c in listed] == [False]
    assert services(app).store.comments.get(first["id"]).resolved_by is None
    # they may still reply, which is how they take part
    assert comment(desk["ted"], doc_id, 1, "I agree.", thread=first["id"]).status_code == 201


def test_a_reply_opens_a_resolved_thread_again(desk, doc_id):
    first = started(desk["ted"], doc_id)
    assert resolve(desk["tom"], first["id"]).status_code == 200
    assert comment(desk["rex"], doc_id, 1, "Not settled yet.", thread=first["id"]).status_code == 201
    data = desk["tom"].get(comments_url(doc_id)).get_json()
    assert data["unresolved"] == 1 and data["comments"][0]["resolved_by"] is None


# -- the queue ----------------------------------------------------------------------------


def test_the_queue_shows_open_threads_until_they_are_resolved(desk, doc_id):
    page = desk["tia"].get("/").get_data(as_text=True)
    assert "open comment" not in page
    first = started(desk["ted"], doc_id)
    started(desk["ted"], doc_id, 2, "second")
    comment(desk["rita"], doc_id, 1, "a reply is not a thread", thread=first["id"])
    page = desk["tia"].get("/").get_data(as_text=True)
    assert "2 open comments" in page and 'title="2 comment threads not resolved' in page
    resolve(desk["ted"], first["id"])
    assert "1 open comment<" in desk["tia"].get("/").get_data(as_text=True)
    second = desk["ted"].get(comments_url(doc_id, 2)).get_json()["comments"][0]
    resolve(desk["ted"], second["id"])
    assert "open comment" not in desk["tia"].get("/").get_data(as_text=True)


def test_the_editor_page_carries_the_comments_panel(desk, doc_id):
    page = desk["rex"].get(f"/documents/{doc_id}").get_data(as_text=True)
    assert 'id="comments"' in page and 'id="comment-body"' in page
    assert "editor-comments.js" in page and "comments.css" in page


# -- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload, message",
    [
        ({}, "body must be"),
        ({"body": 5}, "body must be"),
        ({"body": None}, "body must be"),
        ({"body": ["a"]}, "body must be"),
        ({"body": ""}, "empty"),
        ({"body": " \n\t "}, "empty"),
        ({"body": "x" * 4001}, "4000"),
        ({"body": "bell\x07"}, "U+0007"),
        ({"body": "nul\x00"}, "U+0000"),
        ({"body": "escape \x1b[31m"}, "U+001B"),
        ({"body": "a\rb"}, "U+000D"),
        ({"body": "c1 \x85 in the middle"}, "U+0085"),
        ({"body": "ok", "thread": "1"}, "thread must be"),
        ({"body": "ok", "thread": True}, "thread must be"),
        ({"body": "ok", "thread": 0}, "thread must be"),
        ({"body": "ok", "thread": -3}, "thread must be"),
        ({"body": "ok", "thread": 1.5}, "thread must be"),
        ({"body": "ok", "thread": BIG}, "thread must be"),
        ({"body": "ok", "thread": 10**100}, "thread must be"),
    ],
)
def test_a_bad_comment_is_refused_with_a_reason(desk, doc_id, payload, message):
    r = desk["tom"].api("POST", f"/api/documents/{doc_id}/segments/1/comments", payload)
    assert r.status_code == 400
    assert message in r.get_json()["error"]
    assert desk["tom"].get(comments_url(doc_id)).get_json()["comments"] == []


@pytest.mark.parametrize("data", ["not json", "[1, 2]", '"text"', "null", "{" * 100_000 + "}" * 100_000])
def test_a_body_that_is_not_a_json_object_is_refused(desk, doc_id, data):
    tom = desk["tom"]
    thread = started(tom, doc_id)["id"]
    for url in (f"/api/documents/{doc_id}/segments/1/comments", f"/api/comments/{thread}/resolve"):
        r = raw_post(tom, url, data)
        assert r.status_code == 400 and r.get_json() == {"error": "send a JSON object"}


def test_what_does_not_exist_answers_404(desk, doc_id):
    tom = desk["tom"]
    first = started(tom, doc_id, 1)
    reply = comment(tom, doc_id, 1, "reply", thread=first["id"]).get_json()
    cases = [
        comment(tom, doc_id + 1000, 0, "no such document"),
        comment(tom, doc_id, 99, "no such sentence"),
        comment(tom, doc_id, 1, "no such thread", thread=first["id"] + 1000),
        comment(tom, doc_id, 1, "a reply to a reply", thread=reply["id"]),
        comment(tom, doc_id, 2, "the thread is on sentence 1", thread=first["id"]),
        tom.api("POST", f"/api/documents/{doc_id}/segments/{BIG}/comments", {"body": "huge"}),
        tom.api("POST", f"/api/documents/{BIG}/segments/0/comments", {"body": "huge"}),
        tom.get(comments_url(doc_id + 1000)),
        tom.get(comments_url(doc_id, 99)),
        tom.get(f"/api/documents/{BIG}/comments"),
        resolve(tom, first["id"] + 1000),
        resolve(tom, reply["id"]),
        resolve(tom, BIG),
        resolve(tom, 10**30),
    ]
    assert [r.status_code for r in cases] == [404] * len(cases)
    assert all("error" in r.get_json() for r in cases)
    assert "resolve its thread" in resolve(tom, reply["id"]).get_json()["error"]


@pytest.mark.parametrize("idx", ["x", "-1", "1.0", "", " 1", "١", str(BIG), "9" * 400])
def test_a_bad_sentence_number_in_the_list_is_refused(desk, doc_id, idx):
    r = desk["tom"].get(f"/api/documents/{doc_id}/comments?idx={idx}")
    assert r.status_code == 400 and "idx must be" in r.get_json()["error"]


@pytest.mark.parametrize("payload", [{}, {"resolved": "yes"}, {"resolved": 1}, {"resolved": None}])
def test_resolving_needs_true_or_false(desk, doc_id, payload):
    first = started(desk["tom"], doc_id)
    r = desk["tom"].api("POST", f"/api/comments/{first['id']}/resolve", payload)
    assert r.status_code == 400 and "resolved must be true" in r.get_json()["error"]


def test_changes_without_the_csrf_token_are_refused(desk, doc_id):
    tom = desk["tom"]
    r = tom.http.post(f"/api/documents/{doc_id}/segments/1/comments", json={"body": "forged"})
    assert r.status_code in (400, 403)
    assert tom.get(comments_url(doc_id)).get_json()["comments"] == []


@pytest.mark.parametrize(
    "method, url",
    [
        ("GET", "/api/documents/1/comments"),
        ("POST", "/api/documents/1/segments/0/comments"),
        ("POST", "/api/comments/1/resolve"),
    ],
)
def test_logged_out_calls_get_401(anonymous, method, url):
    r = anonymous.api(method, url, {"body": "x", "resolved": True})
    assert r.status_code == 401 and r.get_json() == {"error": "log in first"}


def test_the_editor_page_sends_a_logged_out_visitor_to_login(anonymous, desk, doc_id):
    r = anonymous.get(f"/documents/{doc_id}")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")
