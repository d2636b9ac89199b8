"""Server-side sessions, roles, CSRF protection and the checks every request passes.

The browser's cookie is Flask's signed cookie and holds only a random session token (and
the CSRF token): the session itself is a row in the store, so logging out, a new password,
a lock or "log out everywhere" ends it at once for every process, and a copied cookie is
worth nothing afterwards. The signature keeps forged cookies from reaching the store.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any

from flask import Flask, Response, abort, g, jsonify, redirect, request, session, url_for

from tm.errors import Busy
from tm.store.base import Store
from tm.store.records import Session, User, iso

PUBLIC = {"auth.login", "static"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# A session's "last seen" is written at most this often (a write per request would queue behind imports).
TOUCH_EVERY = timedelta(minutes=1)
# C0 control characters but TAB, LF and CR, and lone surrogates (JSON can carry them; UTF-8 cannot)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def clock() -> datetime:
    """Return the current UTC time (tests move it forward)."""
    return datetime.now(UTC)


def start_session(user: User) -> Session:
    """Log a user in: a new session in the store, its token alone in a fresh cookie."""
    from web import services

    svc = services()
    t = clock()
    try:  # expired sessions go when someone logs in; a busy memory can prune next time
        svc.store.accounts.prune_sessions(now=iso(t), idle_before=iso(t - _idle()))
    except Busy:
        pass
    token = secrets.token_urlsafe(32)
    found = svc.store.accounts.add_session(
        user.id,
        token,
        expires_at=iso(t + timedelta(days=svc.settings.session_max_days)),
        ip=request.remote_addr or "",
        user_agent=request.user_agent.string,
    )
    session.clear()  # never keep what the cookie held before the login (session fixation)
    session["sid"] = token
    csrf_token()
    return found


def _idle() -> timedelta:
    from web import services

    return timedelta(hours=services().settings.session_idle_hours)


def _current_session() -> tuple[User, Session] | None:
    """Return the user and session of the request's cookie, if the session is alive."""
    from web import services

    token = session.get("sid")
    if not isinstance(token, str) or not token:
        return None
    accounts = services().store.accounts
    found = accounts.get_session(token)
    if found is None:
        return None
    t = clock()
    user = accounts.get(found.user_id)
    if found.expires_at <= iso(t) or found.seen_at < iso(t - _idle()) or user is None or not user.active:
        return None  # the next login prunes it: a read request does not wait to write
    _note_use(accounts.touch_session, found.id, found.seen_at, t)
    return user, found


def _note_use(touch: Callable[[int, str], None], row_id: int, last: str | None, t: datetime) -> None:
    """Record that a session or token was used at t, at most once every TOUCH_EVERY.

    The time is advisory (the idle clock, "last used"): when another writer holds the memory
    it is left late and the request goes on.
    """
    if last is not None and last >= iso(t - TOUCH_EVERY):
        return
    try:
        touch(row_id, iso(t))
    except Busy:
        pass


def _refuse_control_characters() -> None:
    """Refuse text with NUL or other control characters in the query, a form or a JSON body."""
    texts: list[Any] = [*request.args.keys(), *request.args.values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        texts += [*request.form.keys(), *request.form.values()]
    elif request.is_json:
        try:
            texts.append(request.get_json(silent=True))
        except RecursionError:  # nested too deep to read: the view refuses it
            pass
    while texts:  # a loop, not recursion: a body may nest deeply
        item = texts.pop()
        if isinstance(item, str):
            bad = _CONTROL.search(item)
            if bad:
                code = ord(bad.group())
                broken = 0xD800 <= code <= 0xDFFF
                what = "half of a broken character pair" if broken else "a control character"
                abort(
                    400,
                    f"The text contains {what} (U+{code:04X}) that tm does not store; remove it and try "
                    "again (it usually comes from copying out of a PDF or a binary file).",
                )
        elif isinstance(item, dict):
            texts += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            texts += item


def csrf_token() -> str:
    """Return the session's CSRF token, making one if needed."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


API_V1 = "/api/v1/"
# the API's description and reference page are read without a token
PUBLIC_API = {"api_v1.openapi_json", "api_v1.reference"}
TOKEN_PREFIX = "tm_"  # tokens start with this, so that secret scanners and people recognise them


def new_token_secret() -> str:
    """Return a new API token's secret (shown once; the store keeps its SHA-256)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _token_user() -> None:
    """Authenticate an /api/v1 call by its `Authorization: Bearer` token, or answer 401."""
    from web import services

    kind, _, secret = request.headers.get("Authorization", "").partition(" ")
    if kind.lower() != "bearer" or not secret.strip():
        abort(401, "send a personal API token, Authorization: Bearer tm_... (make one on your account page)")
    accounts = services().store.accounts
    token = accounts.find_token(secret.strip())
    user = accounts.get(token.user_id) if token is not None else None
    if token is None or user is None or not user.active:
        abort(401, "the API token is not valid: it was revoked, mistyped, or its account is locked")
    g.user, g.token = user, token
    _note_use(accounts.touch_token, token.id, token.last_used_at, clock())


def install_security(app: Flask) -> None:
    """Require a session on every page but login, and a CSRF token on every change."""

    @app.before_request
    def load_user() -> Any:
        g.user = g.session = g.token = None
        if request.path.startswith(API_V1):
            # the integration API: a personal token on every call, no cookie, so no CSRF
            if request.endpoint not in PUBLIC_API:
                _token_user()
            _refuse_control_characters()
            return None
        current = _current_session()
        if current is not None:
            g.user, g.session = current
        elif "sid" in session:
            session.pop("sid")  # ended, expired or locked: the cookie no longer logs anyone in
        if request.method in UNSAFE:
            sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token") or ""
            expected = str(session.get("csrf", ""))
            # as bytes: compare_digest refuses str with characters beyond ASCII (a forged token may have them)
            if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
                abort(
                    400,
                    "The form expired or did not come from tm (CSRF check). Reload the page and try again.",
                )
        if g.user is None and request.endpoint not in PUBLIC:
            if request.path.startswith("/api/"):
                return jsonify(error="log in first"), 401
            return redirect(
                url_for("auth.login", next=request.full_path if request.query_string else request.path)
            )
        _refuse_control_characters()
        return None

    @app.context_processor
    def template_globals() -> dict[str, Any]:
        return {"csrf_token": csrf_token, "user": g.get("user")}

    @app.after_request
    def headers(response: Response) -> Response:
        if request.endpoint != "static":
            # pages and answers behind the login must not stay in a browser's or proxy's cache
            response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "font-src 'self'; connect-src 'self'; frame-ancestors 'none'",
        )
        return response


def roles(*allowed: str) -> Callable:
    """Allow a view only to accounts with one of the roles."""

    def wrap(view: Callable) -> Callable:
        @wraps(view)
        def inner(*args: Any, **kwargs: Any) -> Any:
            if g.user is None or g.user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return inner

    return wrap


# After this many wrong passwords for one name from one address, wait LOCKOUT seconds.
MAX_FAILURES = 5
LOCKOUT = 60.0


class Throttle:
    """Counts recent failed logins per (name, address) to slow down password guessing.

    The failures are rows of the store, so every server process sharing the memory counts
    the same ones: a guesser gains nothing by landing on another process.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def _since(self) -> str:
        return iso(clock() - timedelta(seconds=LOCKOUT))

    def blocked(self, key: tuple[str, str]) -> bool:
        name, ip = key
        return self.store.accounts.login_failures(name, ip, since=self._since()) >= MAX_FAILURES

    def fail(self, key: tuple[str, str]) -> None:
        name, ip = key
        self.store.accounts.add_login_failure(name, ip, at=iso(clock()), forget_before=self._since())

    def clear(self, key: tuple[str, str]) -> None:
        name, ip = key
        self.store.accounts.clear_login_failures(name, ip)
