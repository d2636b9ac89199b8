"""A real app over a real SQLite memory, a deterministic translator, and logged-in clients."""

from __future__ import annotations

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
