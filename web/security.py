"""Sessions, roles and CSRF protection for every state-changing request."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, abort, g, jsonify, redirect, request, session, url_for

PUBLIC = {"auth.login", "static"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def csrf_token() -> str:
    """Return the session's CSRF token, making one if needed."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def install_security(app: Flask) -> None:
    """Require a session on every page but login, and a CSRF token on every change."""

    @app.before_request
    def load_user() -> Any:
        from web import services

        g.user = None
        user_id = session.get("user_id")
        if user_id is not None:
            user = services().store.accounts.get(int(user_id))
            if user is not None and user.active:
                g.user = user
            else:
                session.clear()
        if request.method in UNSAFE:
            sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token") or ""
            if not hmac.compare_digest(sent, session.get("csrf", "")) or not sent:
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
        return None

    @app.context_processor
    def template_globals() -> dict[str, Any]:
        return {"csrf_token": csrf_token, "user": g.get("user")}

    @app.after_request
    def headers(response: Response) -> Response:
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
    """Counts recent failed logins per (name, address) to slow down password guessing."""

    def __init__(self) -> None:
        self._failures: dict[tuple[str, str], list[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, key: tuple[str, str]) -> bool:
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._failures.get(key, []) if now - t < LOCKOUT]
            self._failures[key] = recent
            return len(recent) >= MAX_FAILURES

    def fail(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures.setdefault(key, []).append(time.monotonic())

    def clear(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures.pop(key, None)
