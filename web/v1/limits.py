"""How often one API token may call /api/v1 (Flask-Limiter), answered with 429 and Retry-After.

Counts live in TM_API_RATE_STORAGE: memory:// for one server process, redis://... when several
processes or machines serve the same API, so that the limit is one limit.
"""

from __future__ import annotations

import hashlib

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse_many

from tm.config import Settings
from tm.errors import SettingsError
from web.security import API_V1
from web.v1 import bp


def _key() -> str:
    # by token when there is one (a CMS behind one address has many), else by address; the
    # secret alone, so that "bearer", extra spaces or tabs do not make a fresh count
    kind, _, secret = request.headers.get("Authorization", "").strip().partition(" ")
    if kind.lower() == "bearer" and secret.strip():
        return "token:" + hashlib.sha256(secret.strip().encode()).hexdigest()
    return "ip:" + get_remote_address()


def install(app: Flask, settings: Settings) -> Limiter:
    """Limit every /api/v1 call to settings.api_rate per token."""
    try:
        parse_many(settings.api_rate)
    except ValueError:
        raise SettingsError(
            "TM_API_RATE must be a rate such as 600/minute or 20/second;600/minute, "
            f"not {settings.api_rate!r}"
        ) from None
    app.config.update(RATELIMIT_HEADERS_ENABLED=True, RATELIMIT_STORAGE_URI=settings.api_rate_storage)
    limiter = Limiter(_key, app=app, default_limits=[], storage_uri=settings.api_rate_storage)
    limiter.limit(settings.api_rate, exempt_when=lambda: not request.path.startswith(API_V1))(bp)
    return limiter
