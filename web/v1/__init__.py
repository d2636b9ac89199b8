"""The integration API for newsroom systems, /api/v1: personal tokens, JSON in and out.

Every call carries `Authorization: Bearer tm_...` (web/security.py); there is no cookie and so
no CSRF. Errors are `{"error": {"code", "message"}}` with the status (web/__init__.py). Each view
is declared with `web.v1.spec.operation`: its query, body and answers are pydantic models, which
both check the request and make the OpenAPI document at /api/v1/openapi.json, so the two
cannot drift apart.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")

# the modules below add their routes to bp
from web.v1 import (  # noqa: E402,F401
    analysis,
    core,
    documents,
    glossary,
    limits,
    memory,
    reference,
    reports,
    segments,
    units,
    webhooks,
)
