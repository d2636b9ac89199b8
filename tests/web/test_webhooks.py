"""/api/v1/webhooks and the account page's webhooks; a real app delivering to a receiver on loopback."""

from __future__ import annotations

import hashlib
import hmac
import re
import time

import pytest

from tests.webhook_receiver import Receiver
from tm.config import Settings
from tm.store.sqlite import SQLiteStore
from tm.webhooks import MAX_URL
from web import create_app

from .conftest import Bearer, Client, EchoTranslator, services

HOOK = "https://cms.example.org/tm/events"
ARTICLE = "قال الوزير إن الميزانية بلغت 12 مليار دولار.\n\nوأضاف أن العجز تراجع هذا العام.\n"
ENGLISH = ["The minister said the budget reached $12 billion.", "He added that the deficit fell this year."]


def make_token(app, name) -> str:
    r = Client(app, name).post("/account/tokens", {"name": "CMS"})
    return re.search(r'id="new-token-secret" class="secret">([^<]+)<', r.get_data(as_text=True)).group(1)


def call(app, method, path, secret=None, body=None):
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return app.test_client().open(path, method=method, json=body, headers=headers)


@pytest.fixture
def tokens(app):
    return {name: make_token(app, name) for name in ("tom", "tia", "ada")}


def new_hook(app, secret, **body):
    r = call(app, "POST", "/api/v1/webhooks", secret, {"url": HOOK, "events": ["document.done"], **body})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()


# -- the API ---------------------------------------------------------------------------------------


def test_a_webhook_is_registered_with_its_secret_shown_once(app, tokens):
    r = call(
        app,
        "POST",
        "/api/v1/webhooks",
        tokens["tom"],
        {"url": HOOK, "events": ["document.done", "document.drafted"]},
    )
    assert r.status_code == 201
    hook = r.get_json()
    assert r.headers["Location"] == f"/api/v1/webhooks/{hook['id']}"
    assert hook["secret"].startswith("tmwh_")
    assert (hook["url"], hook["events"], hook["document_id"], hook["active"], hook["owner"]) == (
        HOOK,
        ["document.drafted", "document.done"],
        None,
        True,
        "tom",
    )
    listed = call(app, "GET", "/api/v1/webhooks", tokens["tom"])
    one = call(app, "GET", f"/api/v1/webhooks/{hook['id']}", tokens["tom"])
    assert listed.get_json()["items"] == [one.get_json()]
    assert one.get_json() == {k: v for k, v in hook.items() if k != "secret"}
    for answer in (listed, one, Client(app, "tom").get("/account")):
        assert hook["secret"] not in answer.get_data(as_text=True)


def test_webhooks_need_a_valid_token(app, tokens):
    assert call(app, "GET", "/api/v1/webhooks").status_code == 401
    assert (
        call(app, "POST", "/api/v1/webhooks", None, {"url": HOOK, "events": ["document.done"]}).status_code
        == 401
    )
    assert call(app, "GET", "/api/v1/webhooks", "tm_not-a-token").status_code == 401
    store = services(app).store
    [token] = store.accounts.tokens(store.accounts.find("tom").id)
    store.accounts.revoke_token(token.id)
    r = call(app, "POST", "/api/v1/webhooks", tokens["tom"], {"url": HOOK, "events": ["document.done"]})
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthorized"
    assert store.webhooks.for_owner("tom") == []


def test_another_accounts_webhook_is_not_found_even_for_an_admin(app, tokens):
    hook = new_hook(app, tokens["tom"])
    d = services(app).store.webhooks.enqueue(hook["id"], "ping", {"event": "ping"})
    for who in ("tia", "ada"):
        for method, path, body in [
            ("GET", f"/api/v1/webhooks/{hook['id']}", None),
            ("PATCH", f"/api/v1/webhooks/{hook['id']}", {"active": False}),
            ("DELETE", f"/api/v1/webhooks/{hook['id']}", None),
            ("GET", f"/api/v1/webhooks/{hook['id']}/deliveries", None),
            ("POST", f"/api/v1/webhooks/{hook['id']}/ping", None),
            ("POST", f"/api/v1/webhooks/{hook['id']}/deliveries/{d.id}/redeliver", None),
        ]:
            r = call(app, method, path, tokens[who], body)
            assert r.status_code == 404, (who, method, path)
            assert r.get_json()["error"]["code"] == "not_found"
        assert call(app, "GET", "/api/v1/webhooks", tokens[who]).get_json()["items"] == []
    assert call(app, "GET", f"/api/v1/webhooks/{hook['id'] + 1}", tokens["tom"]).status_code == 404
    assert services(app).store.webhooks.get(hook["id"]).active


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://cms.example.org/hook", "events": ["document.done"]},
        {"url": "https://user:secret@cms.example.org/hook", "events": ["document.done"]},
        {"url": "cms.example.org/hook", "events": ["document.done"]},
        {"url": "http://169.254.169.254/latest/meta-data/", "events": ["document.done"]},
        {"url": "https://cms.example.org/" + "a" * MAX_URL, "events": ["document.done"]},
        {"url": "", "events": ["document.done"]},
        {"url": HOOK, "events": []},
        {"url": HOOK, "events": ["document.published"]},
        {"url": HOOK, "events": ["ping"]},
        {"url": HOOK, "events": "document.done"},
        {"url": HOOK},
        {"events": ["document.done"]},
        {"url": HOOK, "events": ["document.done"], "document_id": 999},
        {"url": HOOK, "events": ["document.done"], "document_id": "1"},
        {"url": HOOK, "events": ["document.done"], "secret": "mine"},
    ],
)
def test_a_bad_url_events_or_document_is_a_400_naming_the_field(app, tokens, body):
    r = call(app, "POST", "/api/v1/webhooks", tokens["tom"], body)
    assert r.status_code == 400, r.get_data(as_text=True)
    assert r.get_json()["error"]["code"] == "bad_request"
    assert services(app).store.webhooks.for_owner("tom") == []


def test_a_webhook_on_one_document(app, tokens, translator):
    doc_id = translator.new_document(ARTICLE)
    hook = new_hook(app, tokens["tom"], document_id=doc_id)
    assert hook["document_id"] == doc_id


def test_a_webhook_is_paused_changed_and_deleted(app, tokens):
    hook = new_hook(app, tokens["tom"])
    path = f"/api/v1/webhooks/{hook['id']}"
    r = call(app, "PATCH", path, tokens["tom"], {"active": False, "events": ["document.in_review"]})
    assert r.status_code == 200 and (r.get_json()["active"], r.get_json()["events"]) == (
        False,
        ["document.in_review"],
    )
    ping = call(app, "POST", path + "/ping", tokens["tom"])
    assert ping.status_code == 409 and "paused" in ping.get_json()["error"]["message"]
    assert call(app, "PATCH", path, tokens["tom"], {"url": "gopher://x"}).status_code == 400
    assert call(app, "PATCH", path, tokens["tom"], {"active": True}).get_json()["active"] is True
    r = call(app, "DELETE", path, tokens["tom"])
    assert r.status_code == 204 and r.get_data() == b""
    assert call(app, "GET", path, tokens["tom"]).status_code == 404
    assert call(app, "DELETE", path, tokens["tom"]).status_code == 404


def test_the_deliveries_log_pages_newest_first_and_a_ping_is_sent(app, tokens):
    services(app).deliverer.stop()  # the log as queued, before anything is sent
    hook = new_hook(app, tokens["tom"])
    pinged = [call(app, "POST", f"/api/v1/webhooks/{hook['id']}/ping", tokens["tom"]) for _ in range(5)]
    assert {r.status_code for r in pinged} == {202}
    first = pinged[0].get_json()
    assert (first["event"], first["state"], first["attempts"], first["last_status"], first["last_error"]) == (
        "ping",
        "pending",
        0,
        None,
        None,
    )
    assert first["next_at"].endswith("Z") and first["payload"]["delivery"] == first["id"]
    seen, cursor = [], None
    while True:
        path = f"/api/v1/webhooks/{hook['id']}/deliveries?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = call(app, "GET", path, tokens["tom"]).get_json()
        seen += [d["id"] for d in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == sorted((r.get_json()["id"] for r in pinged), reverse=True)
    r = call(app, "GET", f"/api/v1/webhooks/{hook['id']}/deliveries?cursor=nonsense", tokens["tom"])
    assert r.status_code == 400


def test_a_delivery_is_sent_again_as_a_new_one(app, tokens):
    services(app).deliverer.stop()
    hook = new_hook(app, tokens["tom"])
    old = call(app, "POST", f"/api/v1/webhooks/{hook['id']}/ping", tokens["tom"]).get_json()
    r = call(app, "POST", f"/api/v1/webhooks/{hook['id']}/deliveries/{old['id']}/redeliver", tokens["tom"])
    assert r.status_code == 202
    again = r.get_json()
    assert (
        again["id"] != old["id"]
        and again["event"] == "ping"
        and again["payload"]["redelivery_of"] == old["id"]
    )
    other = new_hook(app, tokens["tom"])
    r = call(app, "POST", f"/api/v1/webhooks/{other['id']}/deliveries/{old['id']}/redeliver", tokens["tom"])
    assert r.status_code == 404


def test_the_api_reference_has_the_webhook_calls(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/webhooks", "/api/v1/webhooks/{hook_id}", "/api/v1/webhooks/{hook_id}/deliveries"} <= set(
        spec["paths"]
    )
    create = spec["paths"]["/api/v1/webhooks"]["post"]
    assert create["tags"] == ["Webhooks"] and "X-TM-Signature" in create["description"]


# -- the account page ----------------------------------------------------------------------------------


def test_the_account_page_lists_webhooks_with_their_deliveries_and_deletes_one(app, tokens):
    services(app).deliverer.stop()
    hook = new_hook(app, tokens["tom"])
    store = services(app).store
    d = store.webhooks.enqueue(hook["id"], "ping", {"event": "ping"})
    store.webhooks.claim(now="2999-01-01T00:00:00Z", lease_until="2000-01-01T00:00:00Z")
    store.webhooks.record(
        d.id, 1, state="pending", status=500, error="HTTP 500: database down", next_at="2000-01-01T00:00:00Z"
    )
    tom = Client(app, "tom")
    page = tom.get("/account").get_data(as_text=True)
    assert HOOK in page and "document.done" in page and "HTTP 500: database down" in page
    assert HOOK not in Client(app, "tia").get("/account").get_data(as_text=True)
    assert Client(app, "tia").post(f"/account/webhooks/{hook['id']}/delete").status_code == 404
    assert Client(app, "tia").post(f"/account/webhooks/{hook['id']}/ping").status_code == 404
    assert tom.post(f"/account/webhooks/{hook['id']}/ping").status_code == 302
    assert store.webhooks.deliveries(hook["id"])[0].event == "ping"
    r = tom.http.post(f"/account/webhooks/{hook['id']}/delete")  # no CSRF token
    assert r.status_code in (400, 403) and store.webhooks.for_owner("tom")
    assert tom.post(f"/account/webhooks/{hook['id']}/delete").status_code == 302
    assert store.webhooks.for_owner("tom") == []
    page = tom.get("/account").get_data(as_text=True)
    assert "deleted: nothing more is sent to it" in page and f"<code>{HOOK}</code>" not in page


def test_a_webhook_is_made_on_the_account_page_with_its_secret_shown_once(app):
    tom = Client(app, "tom")
    r = tom.post("/account/webhooks", {"url": HOOK, "events": ["document.done", "document.drafted"]})
    assert r.status_code == 200
    secret = re.search(r'id="new-webhook-secret" class="secret">([^<]+)<', r.get_data(as_text=True)).group(1)
    [hook] = services(app).store.webhooks.for_owner("tom")
    assert hook.secret == secret and hook.events == ["document.drafted", "document.done"]
    assert secret not in tom.get("/account").get_data(as_text=True)
    r = tom.post("/account/webhooks", {"url": "ftp://nope", "events": ["document.done"]})
    assert r.status_code == 302 and len(services(app).store.webhooks.for_owner("tom")) == 1
    assert "ftp" in tom.get("/account").get_data(as_text=True)  # the flash says what was wrong


# -- a real app delivering -----------------------------------------------------------------------------


def verified(secret: str, headers, body: bytes) -> bool:
    """The README's recipe, with hmac and hashlib only."""
    timestamp = headers["x-tm-timestamp"]
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
        return False
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest("sha256=" + mac.hexdigest(), headers["x-tm-signature"])


def test_the_app_delivers_a_signed_done_when_a_reviewer_marks_a_document_done(app, tokens):
    tom, rita = Client(app, "tom"), Client(app, "rita")
    with Receiver() as cms:
        hook = call(
            app,
            "POST",
            "/api/v1/webhooks",
            tokens["tom"],
            {"url": cms.url, "events": ["document.drafted", "document.done"]},
        ).get_json()
        r = tom.post(
            "/documents/new", {"title": "Budget", "text": ARTICLE, "translator": "tom", "reviewer": "rita"}
        )
        doc_id = int(r.headers["Location"].rsplit("/", 1)[1])
        [drafted] = cms.wait(1)  # the app's worker drafts it, its deliverer tells the CMS
        assert drafted.headers["x-tm-event"] == "document.drafted"
        assert drafted.json()["document"]["status"] == "ready"
        for idx, english in enumerate(ENGLISH):
            seg = services(app).store.documents.segment(doc_id, idx)
            r = tom.api(
                "POST",
                f"/api/documents/{doc_id}/segments/{idx}/confirm",
                {"target": english, "version": seg.version},
            )
            assert r.status_code == 200, r.get_data(as_text=True)
        assert tom.post(f"/documents/{doc_id}/stage", {"stage": "in review"}).status_code == 302
        for idx, english in enumerate(ENGLISH):
            seg = services(app).store.documents.segment(doc_id, idx)
            r = rita.api(
                "POST",
                f"/api/documents/{doc_id}/segments/{idx}/confirm",
                {"target": english, "version": seg.version, "approve": True},
            )
            assert r.status_code == 200, r.get_data(as_text=True)
        assert cms.requests == [drafted]  # in review is not among this hook's events
        assert rita.post(f"/documents/{doc_id}/stage", {"stage": "done"}).status_code == 302
        done = cms.wait(2)[1]
    assert verified(hook["secret"], done.headers, done.body)
    assert not verified(hook["secret"], done.headers, done.body.replace(b"done", b"dome"))
    event = done.json()
    assert done.headers["x-tm-event"] == event["event"] == "document.done"
    assert (event["document"]["id"], event["document"]["stage"], event["document"]["title"]) == (
        doc_id,
        "done",
        "Budget",
    )
    english = call(app, "GET", event["document"]["english_url"], tokens["tom"])
    assert english.status_code == 200 and ENGLISH[0] in english.get_data(as_text=True)
    log = call(app, "GET", f"/api/v1/webhooks/{hook['id']}/deliveries", tokens["tom"]).get_json()["items"]
    assert [(d["event"], d["state"], d["last_status"]) for d in log] == [
        ("document.done", "delivered", 200),
        ("document.drafted", "delivered", 200),
    ]


def test_with_webhook_private_0_the_app_does_not_call_loopback(tmp_path):
    store = SQLiteStore(tmp_path / "public.db")
    settings = Settings(db=str(tmp_path / "public.db"), webhook_private=0)
    app = create_app(settings, store=store, translator=EchoTranslator())
    app.config["TESTING"] = True
    try:
        store.accounts.add("tom", "x", "translator")
        tom = Bearer(app, "tom")
        with Receiver() as cms:
            hook = tom.post("/api/v1/webhooks", {"url": cms.url, "events": ["document.done"]}).get_json()
            assert tom.post(f"/api/v1/webhooks/{hook['id']}/ping").status_code == 202
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                [d] = store.webhooks.deliveries(hook["id"])
                if d.last_error:
                    break
                time.sleep(0.1)
            assert cms.requests == []
            assert d.attempts >= 1 and "an address tm does not send webhooks to" in d.last_error
    finally:
        services(app).worker.stop()
        services(app).deliverer.stop()
        store.close()
