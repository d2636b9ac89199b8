"""Sessions kept on the server, login timing, no-store, size limits and control characters."""

from __future__ import annotations

import hashlib
import re
import sqlite3
import time
from datetime import timedelta

import pytest
from werkzeug.security import generate_password_hash

import web.auth
import web.security
from tests.conftest import EchoTranslator
from tm.config import Settings
from tm.errors import SettingsError
from tm.store.records import iso
from web import create_app

from .conftest import PASSWORD, Client, CountedBody, services

ARTICLE = "عنوان الخبر\n\nقال الوزير إن الاقتصاد ينمو. وأضاف أن التضخم مستقر.\n"


def cookie(client: Client) -> str:
    return client.http.get_cookie("session").value


def stolen(app, value: str) -> Client:
    """A second browser that got a copy of someone's cookie."""
    thief = Client(app)
    thief.http.set_cookie("session", value)
    return thief


def is_logged_out(client: Client) -> bool:
    page = client.get("/")
    api = client.get("/api/lookup?text=x")
    return (
        page.status_code == 302 and page.headers["Location"].startswith("/login") and api.status_code == 401
    )


def user_id(app, name: str) -> int:
    return services(app).store.accounts.find(name).id


# -- sessions ------------------------------------------------------------------------------


def test_the_cookie_holds_only_a_random_token_and_the_store_only_its_digest(app, tmp_path, translator):
    with translator.http.session_transaction() as s:
        assert set(s) == {"sid", "csrf"}
        token = s["sid"]
    rows = sqlite3.connect(tmp_path / "web.db").execute("SELECT digest, user_id FROM sessions").fetchall()
    assert (hashlib.sha256(token.encode()).hexdigest(), user_id(app, "tom")) in rows
    assert not any(token in digest for digest, _ in rows)


def test_a_cookie_copied_before_logout_neither_reads_nor_saves_afterwards(app, translator):
    doc_id = translator.new_document(ARTICLE)
    seg = services(app).store.documents.segments(doc_id)[1]
    copy = cookie(translator)
    token = translator.token()
    assert translator.post("/logout").status_code == 302
    thief = stolen(app, copy)
    r = thief.get(f"/documents/{doc_id}")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")
    assert thief.get(f"/api/documents/{doc_id}").status_code == 401
    r = thief.http.put(
        f"/api/documents/{doc_id}/segments/1",
        json={"target": "stolen", "version": seg.version},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 401 and r.get_json() == {"error": "log in first"}
    assert services(app).store.documents.segments(doc_id)[1].target == seg.target
    assert services(app).store.accounts.sessions(user_id(app, "tom")) == []


def test_an_admins_password_change_ends_the_users_sessions_in_other_browsers(app, admin):
    tom, laptop = Client(app, "tom"), Client(app, "tom")
    r = admin.post(
        f"/admin/users/{user_id(app, 'tom')}",
        {"role": "translator", "active": "1", "password": "new password"},
    )
    assert r.status_code == 302
    assert is_logged_out(tom) and is_logged_out(laptop)
    assert Client(app).login("tom", "new password").status_code == 302
    assert admin.get("/").status_code == 200  # the admin's own session goes on


def test_an_admins_role_change_ends_the_users_sessions_and_a_plain_save_does_not(app, admin):
    tom = Client(app, "tom")
    admin.post(f"/admin/users/{user_id(app, 'tom')}", {"role": "translator", "active": "1", "password": ""})
    assert tom.get("/").status_code == 200  # nothing that matters changed
    admin.post(f"/admin/users/{user_id(app, 'tom')}", {"role": "reviewer", "active": "1", "password": ""})
    assert is_logged_out(tom)


def test_locking_an_account_ends_its_sessions(app, admin):
    tom = Client(app, "tom")
    copy = cookie(tom)
    admin.post(f"/admin/users/{user_id(app, 'tom')}", {"role": "translator", "active": "0"})
    assert is_logged_out(tom) and is_logged_out(stolen(app, copy))
    admin.post(f"/admin/users/{user_id(app, 'tom')}", {"role": "translator", "active": "1"})
    assert is_logged_out(stolen(app, copy))  # unlocking does not bring an ended session back


def test_an_admins_own_new_password_keeps_the_session_it_was_made_in(app, admin):
    other = Client(app, "ada")
    admin.post(
        f"/admin/users/{user_id(app, 'ada')}", {"role": "admin", "active": "1", "password": "new password"}
    )
    assert admin.get("/").status_code == 200
    assert is_logged_out(other)


def test_changing_ones_own_password_keeps_this_session_and_ends_the_others(app):
    tom, laptop = Client(app, "tom"), Client(app, "tom")
    r = tom.post(
        "/account/password", {"current": "wrong one", "password": "new password", "repeat": "new password"}
    )
    assert r.status_code == 302 and not is_logged_out(laptop)
    r = tom.post(
        "/account/password", {"current": PASSWORD, "password": "new password", "repeat": "new passwore"}
    )
    assert not is_logged_out(laptop)
    r = tom.post(
        "/account/password", {"current": PASSWORD, "password": "new password", "repeat": "new password"}
    )
    assert r.status_code == 302
    assert tom.get("/account").status_code == 200
    assert is_logged_out(laptop)
    assert Client(app).login("tom", PASSWORD).status_code == 401
    assert Client(app).login("tom", "new password").status_code == 302


def test_the_account_page_lists_where_one_is_logged_in(app):
    tom = Client(app)
    tom.http.get("/login")
    tom.login("tom")
    Client(app, "tom")
    page = tom.get("/account", headers={"User-Agent": "TestBrowser/1.0"}).get_data(as_text=True)
    assert page.count("<tr>") == 3  # the header and two sessions
    assert "(this browser)" in page and "Log out everywhere" in page


def test_log_out_everywhere_ends_every_session_of_the_user_only(app, reviewer):
    tom, laptop = Client(app, "tom"), Client(app, "tom")
    copy = cookie(tom)
    r = tom.post("/account/logout-everywhere")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")
    assert is_logged_out(tom) and is_logged_out(laptop) and is_logged_out(stolen(app, copy))
    assert reviewer.get("/").status_code == 200


def test_a_session_ends_after_twelve_idle_hours(app, monkeypatch):
    tom = Client(app, "tom")
    start = web.security.clock()
    monkeypatch.setattr(web.security, "clock", lambda: start + timedelta(hours=11, minutes=50))
    assert tom.get("/").status_code == 200  # used: the idle clock starts again
    monkeypatch.setattr(web.security, "clock", lambda: start + timedelta(hours=23, minutes=40))
    assert tom.get("/").status_code == 200
    monkeypatch.setattr(web.security, "clock", lambda: start + timedelta(hours=35, minutes=41))
    assert is_logged_out(tom)


def test_a_session_ends_after_seven_days_however_active(app, monkeypatch):
    tom = Client(app, "tom")
    start = web.security.clock()
    hours = 0
    while hours + 11 < 7 * 24:
        hours += 11
        monkeypatch.setattr(web.security, "clock", lambda h=hours: start + timedelta(hours=h))
        assert tom.get("/").status_code == 200, hours
    monkeypatch.setattr(web.security, "clock", lambda: start + timedelta(days=7, minutes=1))
    assert is_logged_out(tom)


def test_idle_and_absolute_expiry_are_settings(app, tmp_path, monkeypatch):
    settings = Settings(db=str(tmp_path / "web.db"), session_idle_hours=1, session_max_days=1)
    short = create_app(settings, store=services(app).store, translator=EchoTranslator())
    try:
        tom = Client(short, "tom")
        start = web.security.clock()
        monkeypatch.setattr(web.security, "clock", lambda: start + timedelta(minutes=61))
        assert is_logged_out(tom)
    finally:
        services(short).worker.stop()
    env = {
        "TM_SESSION_IDLE_HOURS": "2",
        "TM_SESSION_MAX_DAYS": "3",
        "TM_MAX_UPLOAD_MB": "5",
        "TM_MAX_PASTE_MB": "1",
    }
    s = Settings.from_env(env, db="x.db")
    assert (s.session_idle_hours, s.session_max_days, s.max_upload_mb, s.max_paste_mb) == (2, 3, 5, 1)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("TM_SESSION_IDLE_HOURS", "0", "TM_SESSION_IDLE_HOURS must be between 1 and"),
        ("TM_SESSION_IDLE_HOURS", "twelve", "TM_SESSION_IDLE_HOURS must be a whole number"),
        ("TM_SESSION_MAX_DAYS", "400", "TM_SESSION_MAX_DAYS must be between 1 and 365"),
        ("TM_MAX_UPLOAD_MB", "-1", "TM_MAX_UPLOAD_MB must be between 1 and"),
        ("TM_MAX_PASTE_MB", "1.5", "TM_MAX_PASTE_MB must be a whole number"),
    ],
)
def test_bad_session_and_size_settings_are_one_line_errors(variable, value, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({variable: value}, db="x.db")


def test_expired_sessions_are_deleted_when_someone_logs_in(app, monkeypatch):
    Client(app, "tom")
    Client(app, "rita")
    start = web.security.clock()
    monkeypatch.setattr(web.security, "clock", lambda: start + timedelta(hours=13))
    Client(app, "tia")
    accounts = services(app).store.accounts
    assert accounts.sessions(user_id(app, "tom")) == accounts.sessions(user_id(app, "rita")) == []
    assert len(accounts.sessions(user_id(app, "tia"))) == 1


def test_a_login_starts_a_new_session_whatever_the_cookie_held(app):
    c = Client(app, "tom")
    before = cookie(c)
    with c.http.session_transaction() as s:
        old_sid = s["sid"]
    c.login("tom")
    with c.http.session_transaction() as s:
        assert s["sid"] != old_sid
    assert cookie(c) != before


# -- login timing ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["pbkdf2:sha256:30000", "scrypt:32768:8:1"])
def test_a_login_with_an_unknown_name_does_the_same_work_as_with_a_known_one(app, monkeypatch, method):
    """A login's time must not tell whether a name exists: an unknown name checks a password
    against a hash made the way the accounts' hashes are, once, as a known name does."""
    accounts = services(app).store.accounts
    for u in accounts.all():
        accounts.update(u.id, password_hash=generate_password_hash(PASSWORD, method=method))
    checked: list[str] = []
    real_check = web.auth.check_password_hash

    def check(stored: str, password: str) -> bool:
        checked.append(stored.split("$", 1)[0])  # the method and its cost, e.g. pbkdf2:sha256:30000
        return real_check(stored, password)

    monkeypatch.setattr(web.auth, "check_password_hash", check)
    services(app).throttle.blocked = lambda key: False  # the guessing brake is tested elsewhere
    c = Client(app)
    page = c.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    for name in ("tom", "nobody", "", "tom "):
        checked.clear()
        r = c.http.post("/login", data={"name": name, "password": "wrong password", "csrf_token": token})
        assert r.status_code == 401
        assert checked == [method], name


# -- no-store --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/", "/memory/", "/glossary/", "/account", "/api/lookup?text=x", "/admin/users"]
)
def test_answers_behind_the_login_are_never_stored_by_caches(admin, url):
    r = admin.get(url)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"


def test_refusals_and_the_login_page_are_not_stored_either_but_static_files_may_be(anonymous, admin):
    assert anonymous.get("/").headers["Cache-Control"] == "no-store"
    assert anonymous.get("/api/lookup?text=x").headers["Cache-Control"] == "no-store"
    assert anonymous.get("/login").headers["Cache-Control"] == "no-store"
    assert admin.get("/documents/424242").headers["Cache-Control"] == "no-store"
    assert "no-store" not in admin.get("/static/app.css").headers.get("Cache-Control", "")


# -- size limits -----------------------------------------------------------------------------


class Endless:
    """A 300 MB request body that is never in memory and says how much of it was read."""

    def __init__(self, size: int = 300 * 1024 * 1024) -> None:
        self.size, self.pos, self.read_bytes = size, 0, 0

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = offset if whence == 0 else self.size + offset if whence == 2 else self.pos + offset
        return self.pos

    def read(self, n: int = -1) -> bytes:
        n = 65536 if n is None or n < 0 else min(n, 65536)
        self.read_bytes += n
        return b"a" * n

    def readline(self, n: int = -1) -> bytes:
        return self.read(n)


@pytest.mark.parametrize(
    ("url", "content_type"),
    [
        ("/documents/new", "application/x-www-form-urlencoded"),
        ("/documents/new", "multipart/form-data; boundary=x"),
        ("/api/documents/1/segments/0", "application/json"),
        ("/glossary/import", "multipart/form-data; boundary=x"),
    ],
)
def test_a_body_over_the_limit_is_refused_from_its_length_without_being_read(admin, url, content_type):
    body = Endless()
    r = admin.http.post(
        url,
        input_stream=body,
        content_type=content_type,
        headers={"X-CSRF-Token": admin.token()},
    )
    assert r.status_code == 413 and "split it into parts" in r.get_data(as_text=True)
    assert body.read_bytes == 0


def test_a_60_mb_paste_is_refused_without_being_read(app, translator):
    text = "قال الوزير إن الاقتصاد ينمو. " * (60 * 1024 * 1024 // 50)
    body = (f"title=big&csrf_token={translator.token()}&text=" + text).encode()
    counted = CountedBody(body)
    r = translator.http.post(
        "/documents/new",
        input_stream=counted,
        content_type="application/x-www-form-urlencoded",
        headers={"Content-Length": str(len(body))},
    )
    assert r.status_code == 413 and "pasted text up to 10 MB" in r.get_data(as_text=True)
    assert counted.read_bytes == 0
    assert services(app).store.documents.all() == []


def test_the_size_limits_are_settings(app, tmp_path):
    settings = Settings(db=str(tmp_path / "web.db"), max_paste_mb=1, max_upload_mb=2)
    small = create_app(settings, store=services(app).store, translator=EchoTranslator())
    try:
        tom = Client(small, "tom")
        paste = "جملة عربية قصيرة. " * (1536 * 1024 // 30)  # about 1.5 MB of UTF-8
        r = tom.post("/documents/new", {"title": "t", "text": paste})
        assert r.status_code == 413 and "pasted text up to 1 MB, files up to 2 MB" in r.get_data(as_text=True)
        r = tom.http.post(
            "/documents/new",
            data={
                "csrf_token": tom.token(),
                "file": (__import__("io").BytesIO(b"x" * (3 * 1024 * 1024)), "a.txt"),
            },
            content_type="multipart/form-data",
        )
        assert r.status_code == 413
        assert tom.post("/documents/new", {"title": "t", "text": "جملة عربية قصيرة."}).status_code == 302
    finally:
        services(small).worker.stop()


# -- control characters ------------------------------------------------------------------------


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x1f"])
def test_pasted_text_with_a_control_character_is_refused(app, translator, char):
    r = translator.post("/documents/new", {"title": "t", "text": f"قال الوزير{char} إن الاقتصاد ينمو."})
    assert r.status_code == 400
    assert f"control character (U+{ord(char):04X})" in r.get_data(as_text=True)
    assert services(app).store.documents.all() == []


def test_tabs_and_line_breaks_are_taken(translator):
    assert translator.new_document("عنوان\r\n\r\nقال\tالوزير إن الاقتصاد ينمو.\n") > 0


def test_segment_saves_and_confirms_with_control_characters_are_refused(app, translator):
    doc_id = translator.new_document(ARTICLE)
    seg = services(app).store.documents.segments(doc_id)[1]
    for action, method in (("", "PUT"), ("/confirm", "POST")):
        r = translator.api(
            method,
            f"/api/documents/{doc_id}/segments/1{action}",
            {"target": "The\x00 minister", "version": seg.version},
        )
        assert r.status_code == 400 and "U+0000" in r.get_json()["error"]
    r = translator.api(
        "PUT", f"/api/documents/{doc_id}/segments/1", {"target": "bad \ud800", "version": seg.version}
    )
    assert r.status_code == 400 and "half of a broken character pair (U+D800)" in r.get_json()["error"]
    assert services(app).store.documents.segments(doc_id)[1] == seg
    assert services(app).store.units.count() == 0


def test_glossary_and_unit_edits_with_control_characters_are_refused(app, admin):
    store = services(app).store
    r = admin.post("/glossary/", {"source": "المغرب", "target": "Morocco\x07"})
    assert r.status_code == 400 and store.glossary.all() == []
    admin.post("/glossary/", {"source": "المغرب", "target": "Morocco"})
    term = store.glossary.all()[0]
    r = admin.post(f"/glossary/{term.id}", {"source": "المغرب", "target": "Moro\x00cco"})
    assert r.status_code == 400 and store.glossary.get(term.id).target == "Morocco"
    from tm.store.records import NewUnit

    unit = store.units.add(NewUnit("قال الوزير", "The minister said"))
    r = admin.post(
        f"/memory/units/{unit.id}", {"source": "قال الوزير", "target": "The\x0c minister", "version": "1"}
    )
    assert r.status_code == 400 and store.units.get(unit.id).target == "The minister said"


def test_pages_do_not_wait_for_another_writer_to_note_that_a_session_was_used(app, tmp_path, monkeypatch):
    tom = Client(app, "tom")
    start = web.security.clock()
    monkeypatch.setattr(web.security, "clock", lambda: start + timedelta(minutes=5))
    importer = sqlite3.connect(tmp_path / "web.db", isolation_level=None)
    importer.execute("BEGIN IMMEDIATE")  # another process holds the write lock (a long import)
    try:
        started = time.perf_counter()
        assert tom.get("/").status_code == 200
        assert time.perf_counter() - started < 5  # not the 10 s a change waits for the lock
    finally:
        importer.execute("ROLLBACK")
        importer.close()
    assert tom.get("/").status_code == 200
    seen = services(app).store.accounts.sessions(user_id(app, "tom"))[0].seen_at
    assert seen == iso(start + timedelta(minutes=5))
