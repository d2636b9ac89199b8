"""The integration API for newsroom systems, /api/v1: personal tokens, JSON in and out.

Every call carries `Authorization: Bearer tm_...` (web/security.py); there is no cookie and so
no CSRF. Errors are `{"error": {"code", "message"}}` with the status (web/__init__.py). This is
the first part of the API: who the token is, translating a text, lookups, concordance and
job status.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, request
from flask.typing import ResponseReturnValue

from tm.pretranslate import DEFAULT_MIN, pretranslate
from tm.segment import segment
from tm.textcheck import is_blank
from web import services
from web.api import concordance_side, json_body, visible_job

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")

MAX_QUERY = 5000  # characters of a sentence looked up: far beyond any news sentence
MAX_TRANSLATE = 300  # sentences drafted within one call; a longer text is a document


def _text(name: str) -> str:
    text = request.args.get(name, "")
    if not text.strip():
        abort(400, f"give the text to look for in ?{name}=")
    if len(text) > MAX_QUERY:
        abort(400, f"{name} is longer than {MAX_QUERY} characters; send one sentence")
    return text


def _number(name: str, default: int, low: int, high: int) -> int:
    value = request.args.get(name, str(default))
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        abort(400, f"{name} must be a whole number from {low} to {high}")
    return int(value)


@bp.get("/me")
def me() -> ResponseReturnValue:
    """Return the account and the token the call was made with."""
    return jsonify(user={"name": g.user.name, "role": g.user.role}, token=g.token.to_json())


@bp.get("/lookup")
def lookup() -> ResponseReturnValue:
    """Return the memory's matches for a sentence: 101 in context, 100, then fuzzy, best first."""
    text = _text("text")
    min_score = _number("min", 75, 1, 100)
    limit = _number("limit", 5, 1, 50)
    matches = services().memory.lookup(text, min_score=min_score, limit=limit)
    return jsonify(matches=[m.to_json() for m in matches])


@bp.get("/concordance")
def concordance() -> ResponseReturnValue:
    """Return units containing the words of q, in the Arabic (side=source) or the English (side=target)."""
    side = concordance_side()
    hits = services().memory.concordance(_text("q"), side=side, limit=_number("limit", 30, 1, 200))
    return jsonify(hits=[h.to_json() for h in hits])


@bp.post("/translate")
def translate() -> ResponseReturnValue:
    """Draft a text at once: memory first (101, 100, adapted, fuzzy), MT for the rest.

    Body: {"text": "...", "mt": true, "min": 75}. Answers the segments with origin, score,
    draft, terms and QA, the counts by origin, and the English rebuilt with the paragraphs.
    Longer texts go through a document (drafted in the background).
    """
    data = json_body()
    text = data.get("text")
    if not isinstance(text, str) or is_blank(text):
        abort(400, "send the Arabic text to translate in text")
    use_mt = data.get("mt", True)
    min_score = data.get("min", DEFAULT_MIN)
    if not isinstance(use_mt, bool):
        abort(400, "mt must be true or false")
    if isinstance(min_score, bool) or not isinstance(min_score, int) or not 50 <= min_score <= 100:
        abort(400, "min must be a whole number from 50 to 100")
    doc = segment(text)
    count = sum(len(p.segments) for p in doc.paragraphs)
    if count > MAX_TRANSLATE:
        abort(413, f"the text has {count} sentences; send at most {MAX_TRANSLATE} here, or create a document")
    svc = services()
    result = pretranslate(
        doc,
        svc.memory,
        translator=svc.translator if use_mt else None,
        glossary=svc.glossary,
        min_score=min_score,
    )
    return jsonify(**result.to_json(), english=result.text())


@bp.get("/jobs/<int:job_id>")
def job(job_id: int) -> ResponseReturnValue:
    """Return a background job's state and progress to its owner (or an admin)."""
    found = visible_job(job_id)
    if found is None:
        abort(404, f"there is no job {job_id} of yours")
    return jsonify(found.to_json())
