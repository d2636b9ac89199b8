"""/api/v1 basics: who the token is, translating a text at once, lookups, concordance, jobs."""

from __future__ import annotations

from typing import Literal

from flask import abort, g, jsonify
from flask.typing import ResponseReturnValue
from pydantic import Field

from tm.pretranslate import DEFAULT_MIN, pretranslate
from tm.segment import segment
from web import services
from web.api import visible_job
from web.v1 import bp
from web.v1.models import Hits, JobInfo, Matches, Me, Translation
from web.v1.spec import Model, Query, Text, operation

MAX_QUERY = 5000  # characters of a sentence looked up: far beyond any news sentence
MAX_TRANSLATE = 300  # sentences drafted within one call; a longer text is a document


class LookupQuery(Query):
    text: Text = Field(max_length=MAX_QUERY, description="the Arabic sentence")
    min: int = Field(75, ge=1, le=100, description="lowest fuzzy score, in %")
    limit: int = Field(5, ge=1, le=50, description="most matches")


class ConcordanceQuery(Query):
    q: Text = Field(max_length=MAX_QUERY, description="the words to look for")
    side: Literal["source", "target", "both"] = Field(
        "source", description="search the Arabic (source), the English (target) or both"
    )
    limit: int = Field(30, ge=1, le=200)


class TranslateBody(Model):
    text: Text = Field(description="the Arabic text; paragraphs are kept")
    mt: bool = Field(True, description="draft with MT what the memory does not cover")
    min: int = Field(DEFAULT_MIN, ge=50, le=100, description="lowest fuzzy score used as a draft")


@bp.get("/me")
@operation("Account", answers={200: Me})
def me() -> ResponseReturnValue:
    """Return the account and the token the call was made with."""
    return jsonify(user={"name": g.user.name, "role": g.user.role}, token=g.token.to_json())


@bp.get("/lookup")
@operation("Memory", query=LookupQuery, answers={200: Matches})
def lookup(q: LookupQuery) -> ResponseReturnValue:
    """Return the memory's matches for a sentence: 101 in context, 100, then fuzzy, best first."""
    matches = services().memory.lookup(q.text, min_score=q.min, limit=q.limit)
    return jsonify(matches=[m.to_json() for m in matches])


@bp.get("/concordance")
@operation("Memory", query=ConcordanceQuery, answers={200: Hits})
def concordance(q: ConcordanceQuery) -> ResponseReturnValue:
    """Search the memory: units containing the words of q in the Arabic, the English or both.

    Matching ignores diacritics, alef forms, digit shapes and Arabic proclitics; newest first.
    """
    hits = services().memory.concordance(q.q, side=q.side, limit=q.limit)
    return jsonify(hits=[h.to_json() for h in hits])


@bp.post("/translate")
@operation("Translate", body=TranslateBody, answers={200: Translation})
def translate(body: TranslateBody) -> ResponseReturnValue:
    """Draft a text at once: memory first (101, 100, adapted, fuzzy), MT for the rest.

    Answers the segments with origin, score, draft, terms and QA, the counts by origin, and the
    English rebuilt with the paragraphs. At most 300 sentences; a longer text is a document
    (drafted in the background).
    """
    doc = segment(body.text)
    count = sum(len(p.segments) for p in doc.paragraphs)
    if count > MAX_TRANSLATE:
        abort(413, f"the text has {count} sentences; send at most {MAX_TRANSLATE} here, or create a document")
    svc = services()
    result = pretranslate(
        doc,
        svc.memory,
        translator=svc.translator if body.mt else None,
        glossary=svc.glossary,
        min_score=body.min,
    )
    return jsonify(**result.to_json(), english=result.text())


@bp.get("/jobs/<int:job_id>")
@operation("Jobs", answers={200: JobInfo})
def job(job_id: int) -> ResponseReturnValue:
    """Return a background job's state and progress to its owner (or an admin)."""
    found = visible_job(job_id)
    if found is None:
        abort(404, f"there is no job {job_id} of yours")
    return jsonify(found.to_json())
