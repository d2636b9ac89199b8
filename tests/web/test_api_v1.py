"""The integration API's tokens: made on the account page or by `tm token`, hashed, revocable, no CSRF."""

from __future__ import annotations

import re

import pytest

from tests.cli_run import run_tm as tm
from tm.store.records import NewUnit
from tm.store.sqlite import SQLiteStore

from .conftest import Client, services

SENTENCE = "قال الوزير إن الاقتصاد ينمو بسرعة هذا العام."


def make_token(client: Client, name="CMS on desk-1") -> str:
    r = client.post("/account/tokens", {"name": name})
    assert r.status_code == 200
    return re.search(r'id="new-token-secret" class="secret">([^<]+)<', r.get_data(as_text=True)).group(1)


def call(app, path, secret=None, **headers):
    if secret is not None:
        headers["Authorization"] = f"Bearer {secret}"
    return app.test_client().get(path, headers=headers)


@pytest.fixture
def secret(app):
    return make_token(Client(app, "tom"))


def test_a_token_made_on_the_account_page_is_shown_once_and_works(app, secret):
    tom = Client(app, "tom")
    assert secret.startswith("tm_") and len(secret) > 40
    assert secret not in tom.get("/account").get_data(as_text=True)  # never again
    r = call(app, "/api/v1/me", secret)
    assert r.status_code == 200
    assert r.get_json()["user"] == {"name": "tom", "role": "translator"}
    assert r.get_json()["token"]["name"] == "CMS on desk-1"
    assert services(app).store.accounts.tokens(r.get_json()["token"]["user_id"])[0].last_used_at is not None
    assert "CMS on desk-1" in tom.get("/account").get_data(as_text=True)


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Basic dG9tOng=", "Bearer tm_not-a-token", "bearer\ttm_x"],
)
def test_a_call_without_a_valid_token_gets_401_in_the_apis_error_shape(app, header):
    headers = {} if header is None else {"Authorization": header}
    r = app.test_client().get("/api/v1/me", headers=headers)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    error = r.get_json()["error"]
    assert error["code"] == "unauthorized" and "token" in error["message"]


def test_a_browser_session_alone_does_not_open_the_token_api(app):
    assert Client(app, "tom").get("/api/v1/me").status_code == 401


def test_a_revoked_token_is_refused_at_once(app, secret):
    tom = Client(app, "tom")
    [token] = services(app).store.accounts.tokens(services(app).store.accounts.find("tom").id)
    assert tom.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    assert call(app, "/api/v1/me", secret).status_code == 401
    assert "revoked" in tom.get("/account").get_data(as_text=True)


def test_a_locked_accounts_token_is_refused(app, secret):
    store = services(app).store
    store.accounts.update(store.accounts.find("tom").id, active=False)
    assert call(app, "/api/v1/me", secret).status_code == 401


def test_nobody_revokes_someone_elses_token(app, secret):
    store = services(app).store
    [token] = store.accounts.tokens(store.accounts.find("tom").id)
    r = Client(app, "tia").post(f"/account/tokens/{token.id}/revoke")
    assert r.status_code == 404
    assert call(app, "/api/v1/me", secret).status_code == 200


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "\u200b"])
def test_a_token_needs_a_name(app, name):
    tom = Client(app, "tom")
    r = tom.post("/account/tokens", {"name": name})
    assert r.status_code == 302
    assert services(app).store.accounts.tokens(services(app).store.accounts.find("tom").id) == []


def test_lookup_and_concordance_answer_with_a_token(app, secret):
    store = services(app).store
    store.units.add(NewUnit(SENTENCE, "The minister said the economy is growing fast this year."))
    services(app).memory.sync()
    r = call(app, f"/api/v1/lookup?text={SENTENCE}", secret)
    assert r.status_code == 200
    [match] = r.get_json()["matches"]
    assert (match["kind"], match["score"]) == ("exact", 100)
    r = call(app, "/api/v1/concordance?q=الاقتصاد", secret)
    assert [h["target"] for h in r.get_json()["hits"]] == [
        "The minister said the economy is growing fast this year."
    ]


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/lookup",
        "/api/v1/lookup?text=%20",
        "/api/v1/lookup?text=x&min=abc",
        "/api/v1/lookup?text=x&min=0",
        "/api/v1/lookup?text=x&limit=99999999999999999999",
        "/api/v1/lookup?text=" + "ق" * 5001,
        "/api/v1/concordance?q=x&side=left",
    ],
)
def test_malformed_calls_get_400_in_the_apis_error_shape(app, secret, query):
    r = call(app, query, secret)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_request"


def test_a_job_of_someone_else_is_not_found(app, secret):
    job = services(app).store.jobs.submit("pretranslate", "tia", {"document": 1})
    r = call(app, f"/api/v1/jobs/{job.id}", secret)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    mine = services(app).store.jobs.submit("pretranslate", "tom", {"document": 1})
    assert call(app, f"/api/v1/jobs/{mine.id}", secret).get_json()["state"] == "queued"


def test_tm_token_creates_lists_and_revokes_from_the_command_line(tmp_path):
    tm(tmp_path, "init")
    store = SQLiteStore(tmp_path / "memory.db")
    store.accounts.add("cms", "hash", "translator")
    store.close()
    made = tm(tmp_path, "token", "create", "cms", "--name", "CMS on desk-1")
    secret = made.stdout.strip()
    assert secret.startswith("tm_") and "shows it only this once" in made.stderr
    listed = tm(tmp_path, "token", "list", "cms").stdout
    assert "CMS on desk-1" in listed and "live" in listed and secret not in listed
    token_id = listed.split("\t")[0]
    assert "revoked" in tm(tmp_path, "token", "revoke", token_id).stdout
    assert "revoked" in tm(tmp_path, "token", "list", "cms").stdout
    missing = tm(tmp_path, "token", "create", "nobody", "--name", "x", check=False)
    assert missing.returncode != 0 and "no user called nobody" in missing.stderr


def post(app, path, secret, body):
    return app.test_client().post(path, json=body, headers={"Authorization": f"Bearer {secret}"})


def test_translate_drafts_from_the_memory_first_then_mt_without_csrf(app, secret):
    store = services(app).store
    store.units.add(NewUnit(SENTENCE, "The minister said the economy is growing fast this year."))
    services(app).memory.sync()
    text = f"{SENTENCE}\n\nوارتفعت أسعار الذهب في السوق المحلية."
    r = post(app, "/api/v1/translate", secret, {"text": text})
    assert r.status_code == 200, r.get_data(as_text=True)
    data = r.get_json()
    assert [(s["origin"], s["score"]) for s in data["segments"]] == [("exact", 100), ("mt", None)]
    assert data["segments"][1]["target"] == "EN: وارتفعت أسعار الذهب في السوق المحلية."
    assert data["english"].startswith("The minister said the economy is growing fast this year.\n\nEN: ")
    assert data["counts"] == {"exact": 1, "mt": 1}
    assert store.units.count() == 1  # drafting changes nothing in the memory


def test_translate_with_mt_off_leaves_what_the_memory_lacks_undrafted(app, secret):
    r = post(app, "/api/v1/translate", secret, {"text": "وارتفعت أسعار الذهب.", "mt": False})
    assert [s["origin"] for s in r.get_json()["segments"]] == ["none"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": ""},
        {"text": "\u200b"},
        {"text": 5},
        {"text": "نص", "mt": "yes"},
        {"text": "نص", "min": 10},
    ],
)
def test_translate_refuses_malformed_bodies(app, secret, body):
    r = post(app, "/api/v1/translate", secret, body)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_request"


def test_translate_sends_long_texts_to_documents(app, secret):
    text = "\n".join(f"قال المتحدث إن الاجتماع رقم {i} انتهى." for i in range(301))
    r = post(app, "/api/v1/translate", secret, {"text": text})
    assert r.status_code == 413 and "create a document" in r.get_json()["error"]["message"]


def test_translate_without_a_token_is_refused(app):
    r = app.test_client().post("/api/v1/translate", json={"text": "نص"})
    assert r.status_code == 401
