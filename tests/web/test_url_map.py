"""Every route, every method, with bad ids, bad query strings and bad bodies: never a 500."""

from __future__ import annotations

import json
import re

import pytest

from tm.store.records import NewTerm, NewUnit

from .conftest import Client, services

ARTICLE = "عنوان الخبر\n\nقال الوزير إن الاقتصاد ينمو. وأضاف أن التضخم مستقر.\n"
BAD_IDS = ["0", "-1", str(2**70), "abc"]
GOOD_IDS = {"int": "1", "default": "csv"}
BAD_QUERIES = [
    "page=abc",
    "page=99999999999999999999",
    "page=-1",
    "min=%C2%B2",
    "min=abc",
    "min=0",
    "q=a%00b",
    "q=%ff%fe",
    "text=a%00b",
    "side=xyz",
    "origin=xyz",
    "author=%00",
    "since=abc&until=%00",
    "since=9999-99-99&until=abc",
    "next=%00",
    "fmt=%00",
    "q=" + "%D9%82" * 5000,
]
DEEP = "[" * 10_000 + "]" * 10_000
BAD_JSON = [
    ("", "application/json"),
    ("not json", "application/json"),
    ("[1, 2]", "application/json"),
    (DEEP, "application/json"),
    ('{"target": ' + DEEP + "}", "application/json"),
    (json.dumps({"target": 5, "version": "x", "approve": [], "propagate": {}}), "application/json"),
    (json.dumps({"target": "x", "version": 2**70}), "application/json"),
    (json.dumps({"target": "x", "version": -1}), "application/json"),
    (json.dumps({"target": "x", "version": True}), "application/json"),
    (json.dumps({"target": None, "version": 1.5}), "application/json"),
    ('{"target": "\\ud800", "version": 1}', "application/json"),
    ("\xff\xfe", "application/json"),
]
BAD_FORMS = [
    {},
    {"version": "abc", "target": "", "source": ""},
    {"version": str(2**70), "target": "x", "source": "y"},
    {"version": "٣", "target": "x", "source": "y"},
    {"role": "emperor", "active": "maybe", "password": "short"},
    {"name": "", "password": "", "role": ""},
    {"on_duplicate": "explode", "title": "", "text": ""},
    {"source": "x", "target": "y", "enforce": "yes", "forbidden": "|||"},
    {"current": "", "password": "x", "repeat": "y"},
    {"text": "a\x00b", "target": "\x01", "source": "\x1f"},
]


def _fill(rule: str, values: dict[str, str]) -> str:
    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", lambda m: values[m.group(2)], rule)


def _converters(rule) -> dict[str, str]:
    return {name: type(conv).__name__ for name, conv in rule._converters.items()}


def _addresses(rule) -> list[str]:
    """The rule's address with good ids, then with each bad value in each argument."""
    convs = _converters(rule)
    good = {name: GOOD_IDS["int"] if "Int" in kind else GOOD_IDS["default"] for name, kind in convs.items()}
    urls = [_fill(rule.rule, good)]
    for name in convs:
        for bad in BAD_IDS:
            urls.append(_fill(rule.rule, {**good, name: bad}))
    return urls


@pytest.fixture
def world(app):
    """A memory with a document, a unit, a term and a job, so good ids reach the views."""
    admin = Client(app, "ada")
    admin.new_document(ARTICLE)
    store = services(app).store
    store.units.add(NewUnit("قال الوزير", "The minister said"))
    store.glossary.add(NewTerm("المغرب", "Morocco"))
    return admin


def test_no_route_answers_500_to_malformed_input(app, world):
    admin = world
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash answers 500 here, so every one is listed
    store = services(app).store
    ada = store.accounts.find("ada")
    # actions that end the admin's own session are walked with throwaway clients; deletions go last
    rules = sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint != "static"),
        key=lambda r: ("delete" in r.endpoint, r.rule),
    )
    failures: list[str] = []
    sent = 0
    # the token API's routes are walked with ada's API token (they take no cookie and no CSRF)
    secret = "tm_walker-token-for-the-url-map-test-0123456789"
    store.accounts.add_token(ada.id, "walker", secret)

    def headers(rule, c: Client) -> dict[str, str]:
        if rule.rule.startswith("/api/v1/"):
            store.accounts.update(ada.id, active=True, role="admin")  # a walked lock must not hide it
            return {"Authorization": f"Bearer {secret}"}
        return {"X-CSRF-Token": c.token()}

    def check(response, what: str) -> None:
        nonlocal sent
        sent += 1
        if response.status_code >= 500:
            failures.append(f"{what} -> {response.status_code}")

    def client_for(rule) -> Client:
        nonlocal admin
        if rule.endpoint in ("auth.logout", "auth.logout_everywhere"):
            return Client(app, "ada")
        with admin.http.session_transaction() as s:
            sid = s.get("sid")
        if not sid or store.accounts.get_session(sid) is None:
            store.accounts.update(ada.id, active=True, role="admin")
            admin = Client(app, "ada")
        return admin

    for rule in rules:
        methods = sorted(rule.methods - {"OPTIONS"})
        for url in _addresses(rule):
            for method in methods:
                for query in ["", *BAD_QUERIES]:
                    c = client_for(rule)
                    full = f"{url}?{query}" if query else url
                    check(c.http.open(full, method=method, headers=headers(rule, c)), f"{method} {full}")
                if method in ("GET", "HEAD"):
                    continue
                for body, content_type in BAD_JSON:
                    c = client_for(rule)
                    r = c.http.open(
                        url,
                        method=method,
                        data=body,
                        content_type=content_type,
                        headers=headers(rule, c),
                    )
                    check(r, f"{method} {url} JSON {body[:40]!r}")
                for form in BAD_FORMS:
                    c = client_for(rule)
                    r = c.http.open(
                        url, method=method, data={**form, "csrf_token": c.token()}, headers=headers(rule, c)
                    )
                    check(r, f"{method} {url} form {form}")
                    r = c.http.open(url, method=method, data=form)  # no CSRF token, no API token
                    check(r, f"{method} {url} form without CSRF {form}")
                    if rule.rule.startswith("/api/v1/"):
                        assert r.status_code == 401, f"{method} {url} took a call without an API token"
                    else:
                        assert r.status_code == 400, f"{method} {url} took a form without a CSRF token"
                for forged in ("جملة", "é" * 40):
                    c = client_for(rule)
                    check(
                        c.http.open(url, method=method, data={"csrf_token": forged}),
                        f"{method} {url} forged CSRF",
                    )
                    r = c.http.open(
                        url,
                        method=method,
                        json={},
                        headers={"X-CSRF-Token": forged.encode().decode("latin-1")},
                    )
                    check(r, f"{method} {url} forged CSRF header")
    assert sent > 1000
    assert not failures, "\n".join(failures[:50])
