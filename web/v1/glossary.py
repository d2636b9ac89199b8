"""/api/v1 glossary: terms listed and searched, proposed or added, changed, approved, deleted; files."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import abort, g, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from pydantic import Field

from tm.errors import DuplicateTerm, TermNotFound, TMError
from tm.store.records import NewTerm
from tm.store.records import Term as TermRecord
from tm.textcheck import is_blank
from web import services
from web.glossary import EXPORT_TYPES, MAX_NOTE, MAX_TERM, REVIEWERS, export_response, read_upload
from web.security import roles
from web.v1 import bp
from web.v1.models import Term
from web.v1.paging import decode_cursor, encode_cursor
from web.v1.spec import Answer, Model, Plain, Query, Typed, TypedPlain, created, operation

FILE = {"type": "string", "format": "binary"}


class TermsQuery(Query):
    q: Plain | None = Field(None, max_length=MAX_TERM, description="Arabic or English words in the term")
    status: Literal["proposed", "approved"] | None = None
    cursor: Plain | None = Field(None, max_length=200, description="the `next` of the previous page")
    limit: int = Field(100, ge=1, le=500)


class TermPage(Answer):
    items: list[Term]
    next: str | None


class TermBody(Model):
    source: Typed = Field(max_length=MAX_TERM, description="the Arabic")
    target: Typed = Field(max_length=MAX_TERM, description="the English to use")
    notes: TypedPlain = Field("", max_length=MAX_NOTE)
    forbidden: list[Annotated[TypedPlain, Field(max_length=MAX_TERM)]] = Field(
        default_factory=list, max_length=50, description="English not to use"
    )
    enforce: bool = Field(False, description="keep the term in machine-translation drafts")


class TermChange(Model):
    source: Typed | None = Field(None, max_length=MAX_TERM)
    target: Typed | None = Field(None, max_length=MAX_TERM)
    notes: TypedPlain | None = Field(None, max_length=MAX_NOTE)
    forbidden: list[Annotated[TypedPlain, Field(max_length=MAX_TERM)]] | None = Field(None, max_length=50)
    enforce: bool | None = None


class ExportQuery(Query):
    format: Literal["csv", "tbx"] = "csv"


class ImportResult(Answer):
    added: int
    skipped: int = Field(description="terms already in the glossary")


def _variants(values: list[str]) -> list[str]:
    return [v.strip() for v in values if not is_blank(v)]


def _term(term_id: int) -> TermRecord:
    try:
        return services().store.glossary.get(term_id)
    except TermNotFound:
        abort(404, f"there is no term {term_id}")


def _duplicate(source: str, target: str) -> None:
    there = services().glossary.find(source, target)
    state = "proposed, waiting for review" if there is not None and there.status == "proposed" else "there"
    abort(409, f"{source} → {target} is already {state}" + (f" (term {there.id})" if there else ""))


@bp.get("/glossary/terms")
@operation("Glossary", query=TermsQuery, answers={200: TermPage})
def terms(q: TermsQuery) -> ResponseReturnValue:
    """List or search the glossary's terms and proposals, in the order they were added."""
    after = decode_cursor(q.cursor, keys={"after": int})
    glossary = services().glossary
    found = glossary.search(q.q) if q.q and q.q.strip() else glossary.terms(q.status)
    start = after["after"] if after else 0
    chosen = sorted(
        (t for t in found if t.id > start and (q.status is None or t.status == q.status)), key=lambda t: t.id
    )
    page = chosen[: q.limit]
    more = len(chosen) > q.limit
    return jsonify(
        items=[t.to_json() for t in page], next=encode_cursor({"after": page[-1].id}) if more else None
    )


@bp.post("/glossary/terms")
@operation("Glossary", body=TermBody, answers={201: Term}, errors=(409,))
def add_term(body: TermBody) -> ResponseReturnValue:
    """Add a term (reviewers and admins) or propose one (translators: used once a reviewer approves it)."""
    source, target, notes = body.source.strip(), body.target.strip(), body.notes.strip()
    try:
        if g.user.role in REVIEWERS:
            term = services().store.glossary.add(
                NewTerm(source, target, notes, _variants(body.forbidden), body.enforce, g.user.name)
            )
        else:  # a proposal is Arabic, English and a note; the reviewer decides the rest
            term = services().glossary.propose(source, target, g.user.name, notes)
    except DuplicateTerm:
        _duplicate(source, target)
    return created(term.to_json(), url_for("api_v1.term", term_id=term.id))


@bp.get("/glossary/terms/<int:term_id>")
@operation("Glossary", answers={200: Term})
def term(term_id: int) -> ResponseReturnValue:
    """Return a term or a proposal."""
    return jsonify(_term(term_id).to_json())


@bp.patch("/glossary/terms/<int:term_id>")
@roles(*REVIEWERS)
@operation("Glossary", body=TermChange, answers={200: Term}, errors=(403, 409))
def change_term(term_id: int, body: TermChange) -> ResponseReturnValue:
    """Change the fields sent of a term or a proposal (reviewers and admins); a proposal stays one."""
    old = _term(term_id)
    changes: dict[str, object] = {}
    if body.source is not None:
        changes["source"] = body.source.strip()
    if body.target is not None:
        changes["target"] = body.target.strip()
    if body.notes is not None:
        changes["notes"] = body.notes.strip()
    if body.forbidden is not None:
        changes["forbidden"] = _variants(body.forbidden)
    if body.enforce is not None:
        changes["enforce"] = body.enforce
    if not changes:
        abort(400, "send at least one of source, target, notes, forbidden, enforce")
    if old.status != "proposed":
        changes["author"] = g.user.name  # a proposal keeps its proposer as author
    try:
        term = services().store.glossary.update(term_id, **changes)
    except DuplicateTerm:
        _duplicate(str(changes.get("source", old.source)), str(changes.get("target", old.target)))
    except TermNotFound:
        abort(404, f"there is no term {term_id}")
    return jsonify(term.to_json())


@bp.post("/glossary/terms/<int:term_id>/approve")
@roles(*REVIEWERS)
@operation("Glossary", answers={200: Term}, errors=(403,))
def approve_term(term_id: int) -> ResponseReturnValue:
    """Approve a proposal (reviewers and admins): from now on it is used in drafts, QA and MT."""
    store = services().store
    with store.transaction():
        term = _term(term_id)
        if term.status == "proposed":
            term = store.glossary.approve(term_id, g.user.name)
    return jsonify(term.to_json())


@bp.delete("/glossary/terms/<int:term_id>")
@roles(*REVIEWERS)
@operation("Glossary", answers={204: None}, errors=(403,))
def delete_term(term_id: int) -> ResponseReturnValue:
    """Delete a term, or reject a proposal (reviewers and admins)."""
    _term(term_id)
    try:
        services().store.glossary.delete(term_id)
    except TermNotFound:
        abort(404, f"there is no term {term_id}")
    return "", 204


@bp.post("/glossary/import")
@roles("admin")
@operation(
    "Glossary",
    form={"file": (FILE, "a .csv, .tsv or .tbx file of terms")},
    answers={200: ImportResult},
    errors=(403,),
)
def import_terms() -> ResponseReturnValue:
    """Import terms from CSV/TSV or TBX (admins): all of them or none; terms already there are skipped."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        abort(400, "file: send the .csv, .tsv or .tbx file as multipart form data")
    try:
        added, skipped = services().glossary.import_terms(read_upload(upload))
    except TMError as e:
        abort(400, str(e))
    return jsonify(added=added, skipped=skipped)


@bp.get("/glossary/export")
@operation("Glossary", query=ExportQuery, answers={200: tuple(EXPORT_TYPES.values())})
def export_terms(q: ExportQuery) -> ResponseReturnValue:
    """Download the approved terms (proposals are not the desk's glossary yet) as CSV or TBX."""
    return export_response(q.format)
