"""A real app over a real SQLite memory, a deterministic translator, and logged-in clients."""

from __future__ import annotations

import io
import re

import pytest
from werkzeug.security import generate_password_hash

from tests.conftest import EchoTranslator
from tm.config import Settings
from tm.store.sqlite import SQLiteStore
from web import create_app

PASSWORD = "correct horse"


@pytest.fixture
def store(tmp_path):
    s = SQLiteStore(tmp_path / "web.db")
    yield s
    s.close()


@pytest.fixture
def app(store, tmp_path):
    settings = Settings(db=str(tmp_path / "web.db"))
    app = create_app(settings, store=store, translator=EchoTranslator())
    app.config["TESTING"] = True
    for name, role in (("ada", "admin"), ("tom", "translator"), ("tia", "translator"), ("rita", "reviewer")):
        # a cheap hash keeps the suite fast; the app checks whatever method a hash names
        store.accounts.add(name, generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"), role)
    yield app
    services(app).worker.stop()
    services(app).deliverer.stop()


def services(app):
    return app.extensions["tm"]


class Client:
    """A test client that logs in and sends the CSRF token like the browser does."""

    def __init__(self, app, name=None):
        self.app = app
        self.http = app.test_client()
        if name:
            self.login(name)

    def token(self) -> str:
        with self.http.session_transaction() as s:
            if "csrf" not in s:
                s["csrf"] = "t" * 40
            return s["csrf"]

    def login(self, name, password=PASSWORD):
        page = self.http.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return self.http.post("/login", data={"name": name, "password": password, "csrf_token": token})

    def get(self, url, **kw):
        return self.http.get(url, **kw)

    def post(self, url, data=None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token())
        return self.http.post(url, data=data, **kw)

    def api(self, method, url, body=None):
        return self.http.open(
            url, method=method, json=body if body is not None else {}, headers={"X-CSRF-Token": self.token()}
        )

    def new_document(self, text, title="Test"):
        r = self.post("/documents/new", {"title": title, "text": text})
        assert r.status_code == 302, r.get_data(as_text=True)
        doc_id = int(r.headers["Location"].rsplit("/", 1)[1])
        services(self.app).worker.wait_idle()
        return doc_id


@pytest.fixture
def admin(app):
    return Client(app, "ada")


@pytest.fixture
def translator(app):
    return Client(app, "tom")


@pytest.fixture
def reviewer(app):
    return Client(app, "rita")


@pytest.fixture
def anonymous(app):
    return Client(app)


class Bearer:
    """A client of the token API (/api/v1) acting as one account, with its own personal token."""

    def __init__(self, app, name):
        from web.security import new_token_secret

        accounts = services(app).store.accounts
        self.app, self.name, self.secret = app, name, new_token_secret()
        self.token_id = accounts.add_token(accounts.find(name).id, f"{name}'s tests", self.secret).id
        self.http = app.test_client()

    def call(self, method, url, body=None, *, secret=..., **kw):
        headers = kw.pop("headers", {})
        secret = self.secret if secret is ... else secret
        if secret is not None:
            headers["Authorization"] = f"Bearer {secret}"
        if body is not None:
            kw["json"] = body
        return self.http.open(url, method=method, headers=headers, **kw)

    def get(self, url, **kw):
        return self.call("GET", url, **kw)

    def post(self, url, body=None, **kw):
        return self.call("POST", url, body, **kw)

    def put(self, url, body=None, **kw):
        return self.call("PUT", url, body, **kw)

    def patch(self, url, body=None, **kw):
        return self.call("PATCH", url, body, **kw)

    def delete(self, url, **kw):
        return self.call("DELETE", url, **kw)

    def revoke(self):
        services(self.app).store.accounts.revoke_token(self.token_id)


def error_of(response, status):
    """Return the API error's message after checking the status and the error shape."""
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert set(error) == {"code", "message"} and error["message"]
    return error["message"]


class CountedBody(io.BytesIO):
    """A request body that counts the bytes the app read of it (a refusal from the length reads none)."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.read_bytes = 0

    def read(self, n: int | None = -1) -> bytes:
        out = super().read(n)
        self.read_bytes += len(out)
        return out

    def readline(self, n: int | None = -1) -> bytes:
        out = super().readline(n)
        self.read_bytes += len(out)
        return out

    def readinto(self, buf) -> int:  # type: ignore[override]
        n = super().readinto(buf)
        self.read_bytes += n
        return n
