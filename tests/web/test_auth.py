import pytest

from .conftest import PASSWORD, Client, services

PAGES = [
    "/",
    "/documents/new",
    "/documents/1",
    "/documents/1/english.txt",
    "/documents/1/confirmed.tmx",
    "/memory/",
    "/memory/units/1",
    "/memory/import",
    "/memory/export.tmx",
    "/glossary/",
    "/glossary/export.csv",
    "/admin/users",
]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_users_are_sent_to_login(anonymous, url):
    r = anonymous.get(url)
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    "url", ["/api/documents/1", "/api/lookup?text=x", "/api/concordance?q=x", "/api/jobs/1"]
)
def test_anonymous_api_calls_get_401(anonymous, url):
    r = anonymous.get(url)
    assert r.status_code == 401 and r.get_json() == {"error": "log in first"}


def test_login_logout_and_wrong_password(app):
    c = Client(app)
    r = c.login("tom", "wrong password")
    assert r.status_code == 401 and "Wrong name or password" in r.get_data(as_text=True)
    r = c.login("tom")
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert c.get("/").status_code == 200
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert c.post("/logout").status_code == 302
    assert c.get("/").status_code == 302


@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("//evil.example/x", "/"),
        ("/\t/evil.example/x", "/"),  # browsers drop the tab: //evil.example
        ("/\n/evil.example/x", "/"),
        ("/\\evil.example/x", "/"),  # a backslash reads as a slash
        ("https://evil.example/x", "/"),
        ("evil.example", "/"),
        ("/documents/7?mine=1", "/documents/7?mine=1"),
    ],
)
def test_login_redirects_only_to_local_pages(app, target, location):
    import re
    from urllib.parse import quote

    c = Client(app)
    page = c.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = c.http.post(
        f"/login?next={quote(target)}", data={"name": "tom", "password": PASSWORD, "csrf_token": token}
    )
    assert r.status_code == 302 and r.headers["Location"] == location


def test_first_start_tells_how_to_create_the_admin(tmp_path):
    from tests.conftest import EchoTranslator
    from tm.config import Settings
    from tm.store.sqlite import SQLiteStore
    from web import create_app

    store = SQLiteStore(tmp_path / "empty.db")
    app = create_app(Settings(db=str(tmp_path / "empty.db")), store=store, translator=EchoTranslator())
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "tm user add NAME --role admin" in page
    app.extensions["tm"].close()


def test_the_secret_key_is_made_once_per_installation(app, store):
    assert app.secret_key == store.accounts.secret_key() and len(app.secret_key) == 64


def test_a_locked_account_cannot_log_in_and_loses_its_session(app, admin):
    tom = Client(app, "tom")
    user = services(app).store.accounts.find("tom")
    r = admin.post(f"/admin/users/{user.id}", {"active": "0", "role": "translator"})
    assert r.status_code == 302
    assert tom.get("/").status_code == 302
    assert Client(app).login("tom").status_code == 401


def test_admin_creates_accounts_and_cannot_lock_themselves_out(app, admin):
    r = admin.post("/admin/users", {"name": "nour", "password": "long enough", "role": "reviewer"})
    assert r.status_code == 302
    assert services(app).store.accounts.find("nour").role == "reviewer"
    admin.post("/admin/users", {"name": "short", "password": "123", "role": "reviewer"})
    assert services(app).store.accounts.find("short") is None
    me = services(app).store.accounts.find("ada")
    admin.post(f"/admin/users/{me.id}", {"active": "0", "role": "admin"})
    assert services(app).store.accounts.find("ada").active


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/admin/users"),
        ("post", "/admin/users"),
        ("get", "/memory/import"),
        ("post", "/memory/import"),
        ("get", "/memory/export.tmx"),
        ("post", "/memory/units/1"),
        ("post", "/memory/units/1/delete"),
        ("post", "/glossary/1/approve"),
        ("post", "/glossary/1"),
        ("post", "/glossary/1/delete"),
        ("post", "/glossary/import"),
    ],
)
def test_a_translator_cannot_reach_admin_or_reviewer_actions(translator, method, url):
    r = getattr(translator, method)(url)
    assert r.status_code == 403
    assert "Your account cannot do this" in r.get_data(as_text=True)


def test_requests_without_a_csrf_token_are_refused_and_change_nothing(app, translator):
    r = translator.http.post("/documents/new", data={"text": "جملة عربية."})
    assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True)
    r = translator.http.post("/documents/new", data={"text": "جملة عربية.", "csrf_token": "forged"})
    assert r.status_code == 400
    assert services(app).store.documents.all() == []
    r = translator.http.put("/api/documents/1/segments/0", json={"target": "x"})
    assert r.status_code == 400 and "CSRF" in r.get_json()["error"]
    r = translator.http.post("/logout")
    assert r.status_code == 400


def test_security_headers(translator):
    r = translator.get("/")
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY"


def test_password_guessing_is_slowed_down(app):
    c = Client(app)
    for _ in range(5):
        assert c.login("rita", "guess").status_code == 401
    r = c.login("rita")  # even the right password waits now
    assert r.status_code == 429 and "Too many wrong passwords" in r.get_data(as_text=True)
    assert Client(app).login("tom").status_code == 302  # other accounts are not affected


@pytest.mark.parametrize("form", [{"active": "maybe"}, {"active": ""}, {"role": "emperor"}])
def test_an_account_change_with_an_unknown_value_is_refused_and_changes_nothing(app, admin, form):
    tom = Client(app, "tom")
    before = services(app).store.accounts.find("tom")
    r = admin.post(f"/admin/users/{before.id}", {"role": "translator", **form})
    assert r.status_code == 400
    assert services(app).store.accounts.find("tom") == before
    assert tom.get("/").status_code == 200
