"""Glossary pages: list and search, propose, add, approve, edit, reject and delete, import and export CSV/TBX.

Everyone may propose a term; reviewers and admins add terms directly and approve or reject the
proposals. Only approved terms are used (hits, QA, MT); the editor polls `document_terms` and
marks new or changed terms in an open document without a reload.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import FileStorage

from tm.errors import DuplicateTerm, Forbidden, NotFound, TermNotFound, TMError
from tm.formats.tbx import (
    MAX_GLOSSARY_BYTES,
    check_glossary_size,
    read_glossary_csv,
    read_tbx,
    write_glossary_csv,
    write_tbx,
)
from tm.glossary import Glossary
from tm.qa import check
from tm.store.records import NewTerm, Term
from tm.textcheck import check_typed, is_blank
from web import services
from web.security import roles

bp = Blueprint("glossary", __name__, url_prefix="/glossary")

REVIEWERS = ("admin", "reviewer")
MAX_TERM = 300  # characters of a term's Arabic or English: a name, not a paragraph
MAX_NOTE = 2000


def _forbidden(text: str) -> list[str]:
    return [v.strip() for v in text.replace(";", "|").replace("\n", "|").split("|") if v.strip()]


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _fields() -> dict[str, str]:
    """Return the term's fields from a form or a JSON object, as stripped strings (TMError if not text)."""
    if request.is_json:
        try:
            data = request.get_json(silent=True)
        except RecursionError:
            data = None
        if not isinstance(data, dict):
            raise TMError("send a JSON object with source, target and notes")
    else:
        data = request.form.to_dict()
    out: dict[str, str] = {}
    for name in ("source", "target", "notes", "forbidden"):
        value = data.get(name, "")
        if not isinstance(value, str):
            raise TMError(f"{name} must be text")
        out[name] = (
            ""
            if is_blank(value)
            else check_typed(value.strip(), {"forbidden": "forbidden variants"}.get(name, name))
        )
    out["enforce"] = "1" if data.get("enforce") in ("1", True) else ""
    if not out["source"] or not out["target"]:
        raise TMError("A term needs the Arabic and the English.")
    if len(out["source"]) > MAX_TERM or len(out["target"]) > MAX_TERM:
        raise TMError(f"A term's Arabic and English are at most {MAX_TERM} characters each.")
    if len(out["notes"]) > MAX_NOTE:
        raise TMError(f"A note is at most {MAX_NOTE} characters.")
    return out


def _term(term_id: int) -> Term:
    try:
        return services().store.glossary.get(term_id)
    except TermNotFound as e:
        raise NotFound(f"{e}: it was deleted (or rejected) in the meantime") from None


def _duplicate(source: str, target: str) -> TMError:
    """Say which term or proposal is already there."""
    there = services().glossary.find(source, target)
    if there is not None and there.status == "proposed":
        who = f"by {there.author}" if there.author else ""
        return TMError(f"{there.source} → {there.target} is already proposed {who}, waiting for review.")
    return TMError(f"{source} → {target} is already in the glossary.")


def _form_errors(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Show a refused change of a form on the glossary page (JSON callers get the error as JSON)."""

    @wraps(view)
    def inner(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        try:
            return view(*args, **kwargs)
        except (NotFound, Forbidden):
            raise
        except TMError as e:
            if _wants_json():
                raise
            flash(str(e), "error")
            return redirect(url_for("glossary.index"))

    return inner


def _sent_fields() -> bool:
    """Tell whether the request carries a term's fields (an approval may come with edits)."""
    if request.is_json:
        data = request.get_json(silent=True)
        return isinstance(data, dict) and "source" in data
    return "source" in request.form


def _done(message: str, term: Term | None = None, status: int = 200) -> ResponseReturnValue:
    """Answer a change: JSON for the editor, a flash and the glossary page for a form."""
    if _wants_json():
        return jsonify(message=message, term=term.to_json() if term else None), status
    flash(message, "ok")
    return redirect(url_for("glossary.index"))


@bp.get("/")
def index() -> ResponseReturnValue:
    """List or search the terms, the proposals waiting for review first."""
    q = request.args.get("q", "").strip()
    g_ = services().glossary
    found = g_.search(q) if q else g_.terms()
    return render_template(
        "glossary.html",
        proposals=[t for t in found if t.status == "proposed"],
        terms=[t for t in found if t.status != "proposed"],
        q=q,
    )


@bp.post("/")
@_form_errors
def add() -> ResponseReturnValue:
    """Add a term (reviewers and admins) or propose one (everyone else); a form or JSON."""
    f = _fields()
    reviewer = g.user.role in REVIEWERS
    try:
        if reviewer:
            term = services().store.glossary.add(
                NewTerm(
                    f["source"],
                    f["target"],
                    f["notes"],
                    _forbidden(f["forbidden"]),
                    f["enforce"] == "1",
                    g.user.name,
                )
            )
        else:  # a proposal is Arabic, English and a note; the reviewer decides the rest
            term = services().glossary.propose(f["source"], f["target"], g.user.name, f["notes"])
    except DuplicateTerm:
        raise _duplicate(f["source"], f["target"]) from None
    if reviewer:
        return _done(f"Added {term.source} → {term.target}.", term, 201)
    return _done(
        f"Proposed {term.source} → {term.target}, waiting for review "
        "(a reviewer or an admin approves it before it is used).",
        term,
        201,
    )


def _save(term: Term, f: dict[str, str]) -> Term:
    """Write the form's fields to a term; a proposal keeps its proposer as author."""
    try:
        return services().store.glossary.update(
            term.id,
            source=f["source"],
            target=f["target"],
            notes=f["notes"],
            forbidden=_forbidden(f["forbidden"]),
            enforce=f["enforce"] == "1",
            author=term.author if term.status == "proposed" else g.user.name,
        )
    except DuplicateTerm:
        raise _duplicate(f["source"], f["target"]) from None


@bp.post("/<int:term_id>")
@roles(*REVIEWERS)
@_form_errors
def edit(term_id: int) -> ResponseReturnValue:
    """Change a term or a proposal (which stays a proposal)."""
    term = _save(_term(term_id), _fields())
    return _done(
        "Proposal saved, still waiting for review." if term.status == "proposed" else "Term saved.", term
    )


@bp.post("/<int:term_id>/approve")
@roles(*REVIEWERS)
@_form_errors
def approve(term_id: int) -> ResponseReturnValue:
    """Approve a proposal, with the reviewer's edits when the form sends them."""
    store = services().store
    with store.transaction():
        term = _term(term_id)
        if term.status != "proposed":  # by another reviewer a moment ago, say
            return _done(f"{term.source} → {term.target} is already approved.", term)
        if _sent_fields():
            term = _save(term, _fields())
        term = store.glossary.approve(term_id, g.user.name)
    return _done(
        f"Approved {term.source} → {term.target} (proposed by {term.author or 'nobody'}): it is used in "
        "drafts and QA from now on and shows in open documents.",
        term,
    )


@bp.post("/<int:term_id>/delete")
@roles(*REVIEWERS)
def delete(term_id: int) -> ResponseReturnValue:
    """Delete a term, or reject a proposal (which deletes it)."""
    term = _term(term_id)
    services().store.glossary.delete(term_id)
    if term.status == "proposed":
        return _done(f"Rejected {term.source} → {term.target}: the proposal is deleted.")
    return _done(f"Deleted {term.source} → {term.target}.")


# -- new or changed terms in an open document ---------------------------------------------


@bp.get("/documents/<int:doc_id>/terms")
def document_terms(doc_id: int) -> ResponseReturnValue:
    """Return a document's approved term hits, proposals and QA per segment under the current glossary.

    `since` is the glossary version the editor has: when it is still current, the answer is
    just `{"version": v, "changed": false}`, so that polling costs one read.
    """
    svc = services()
    since = request.args.get("since", "")
    if len(since) > 200:
        abort(400, "since is a glossary version as this address returned it")
    version = svc.glossary.version()  # before the reads: a change after it is seen on the next poll
    svc.store.documents.get(doc_id, layout=False)  # a document that is gone is a 404
    if since == version:
        return jsonify(version=version, changed=False)
    # the sentences are there while the document is drafted too (the editor shows them): the
    # terms in their Arabic do not wait for the drafts
    segments = svc.store.documents.segments(doc_id)
    return jsonify(version=version, changed=True, segments=segment_terms(svc.glossary, segments))


def segment_terms(glossary: Glossary, segments: list[Any]) -> list[dict[str, Any]]:
    """Return, per segment, its approved hits, the proposals in it and the QA of its English."""
    out = []
    for s, (hits, proposed) in zip(segments, glossary.hits_many([s.source for s in segments]), strict=True):
        qa = check(s.source, s.target, hits) if s.target.strip() or s.status != "draft" else []
        out.append(
            {
                "idx": s.idx,
                "version": s.version,
                "terms": [h.to_json() for h in hits],
                "proposed": [{**h.to_json(), "author": h.term.author} for h in proposed],
                "qa": [q.to_json() for q in qa],
            }
        )
    return out


@bp.post("/import")
@roles("admin")
def import_file() -> ResponseReturnValue:
    """Import terms from CSV/TSV or TBX; all or nothing."""
    upload = request.files.get("file")
    if not upload or not upload.filename:
        flash("Choose a .csv, .tsv or .tbx file.", "error")
        return redirect(url_for("glossary.index"))
    try:
        added, skipped = services().glossary.import_terms(read_upload(upload))
        flash(f"Imported {upload.filename}: {added} terms added, {skipped} already there.", "ok")
    except TMError as e:
        flash(str(e), "error")
    return redirect(url_for("glossary.index"))


def read_upload(upload: FileStorage) -> list[NewTerm]:
    """Read the terms of an uploaded CSV/TSV or TBX file (TMError for anything else or too big)."""
    name = upload.filename or ""
    ext = Path(name).suffix.lower()
    # read at most one byte past the cap: a huge upload is refused without holding it all
    data = upload.read(MAX_GLOSSARY_BYTES + 1)
    check_glossary_size(len(data), name)
    if ext == ".tbx":
        return read_tbx(data, path=name)
    if ext in (".csv", ".tsv"):
        return read_glossary_csv(data, path=name)
    raise TMError("glossaries are imported from .csv, .tsv or .tbx files")


@bp.get("/export.<fmt>")
def export(fmt: str) -> ResponseReturnValue:
    """Download the approved terms as CSV or TBX."""
    if fmt not in EXPORT_TYPES:
        abort(404)
    return export_response(fmt)


EXPORT_TYPES = {"csv": "text/csv", "tbx": "application/x-tbx+xml"}


def export_response(fmt: str) -> Response:
    """Answer the approved terms as a CSV or TBX download."""
    out = io.StringIO()
    terms = services().store.glossary.all(status="approved")  # proposals are not the desk's glossary yet
    (write_tbx if fmt == "tbx" else write_glossary_csv)(out, terms)
    response = Response(out.getvalue(), mimetype=f"{EXPORT_TYPES[fmt]}; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="glossary.{fmt}"'
    return response
