"""Glossary pages: list and search, add, edit, delete, import and export CSV/TBX."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from tm.errors import TMError
from tm.formats.tbx import (
    MAX_GLOSSARY_BYTES,
    check_glossary_size,
    read_glossary_csv,
    read_tbx,
    write_glossary_csv,
    write_tbx,
)
from tm.store.records import NewTerm
from web import services
from web.security import roles

bp = Blueprint("glossary", __name__, url_prefix="/glossary")


def _forbidden(text: str) -> list[str]:
    return [v.strip() for v in text.replace(";", "|").replace("\n", "|").split("|") if v.strip()]


@bp.get("/")
def index() -> ResponseReturnValue:
    """List or search the terms."""
    q = request.args.get("q", "").strip()
    g_ = services().glossary
    return render_template("glossary.html", terms=g_.search(q) if q else g_.terms(), q=q)


@bp.post("/")
@roles("admin", "reviewer")
def add() -> ResponseReturnValue:
    """Add a term."""
    f = request.form
    source, target = f.get("source", "").strip(), f.get("target", "").strip()
    if not source or not target:
        flash("A term needs the Arabic and the English.", "error")
        return redirect(url_for("glossary.index"))
    try:
        services().store.glossary.add(
            NewTerm(
                source,
                target,
                f.get("notes", "").strip(),
                _forbidden(f.get("forbidden", "")),
                f.get("enforce") == "1",
                g.user.name,
            )
        )
        flash(f"Added {source} → {target}.", "ok")
    except TMError as e:
        flash(str(e), "error")
    return redirect(url_for("glossary.index"))


@bp.post("/<int:term_id>")
@roles("admin", "reviewer")
def edit(term_id: int) -> ResponseReturnValue:
    """Change a term."""
    f = request.form
    if not f.get("source", "").strip() or not f.get("target", "").strip():
        abort(400, "a term needs the Arabic and the English")
    services().store.glossary.update(
        term_id,
        source=f["source"].strip(),
        target=f["target"].strip(),
        notes=f.get("notes", "").strip(),
        forbidden=_forbidden(f.get("forbidden", "")),
        enforce=f.get("enforce") == "1",
        author=g.user.name,
    )
    flash("Term saved.", "ok")
    return redirect(url_for("glossary.index"))


@bp.post("/<int:term_id>/delete")
@roles("admin", "reviewer")
def delete(term_id: int) -> ResponseReturnValue:
    """Delete a term."""
    services().store.glossary.delete(term_id)
    flash("Term deleted.", "ok")
    return redirect(url_for("glossary.index"))


@bp.post("/import")
@roles("admin")
def import_file() -> ResponseReturnValue:
    """Import terms from CSV/TSV or TBX; all or nothing."""
    upload = request.files.get("file")
    if not upload or not upload.filename:
        flash("Choose a .csv, .tsv or .tbx file.", "error")
        return redirect(url_for("glossary.index"))
    ext = Path(upload.filename).suffix.lower()
    try:
        # read at most one byte past the cap: a huge upload is refused without holding it all
        data = upload.read(MAX_GLOSSARY_BYTES + 1)
        check_glossary_size(len(data), upload.filename)
        if ext == ".tbx":
            terms = read_tbx(data, path=upload.filename)
        elif ext in (".csv", ".tsv"):
            terms = read_glossary_csv(data, path=upload.filename)
        else:
            raise TMError("glossaries are imported from .csv, .tsv or .tbx files")
        added, skipped = services().glossary.import_terms(terms)
        flash(f"Imported {upload.filename}: {added} terms added, {skipped} already there.", "ok")
    except TMError as e:
        flash(str(e), "error")
    return redirect(url_for("glossary.index"))


@bp.get("/export.<fmt>")
def export(fmt: str) -> ResponseReturnValue:
    """Download the glossary as CSV or TBX."""
    if fmt not in ("csv", "tbx"):
        abort(404)
    out = io.StringIO()
    terms = services().store.glossary.all()
    (write_tbx if fmt == "tbx" else write_glossary_csv)(out, terms)
    mimetype = "application/x-tbx+xml" if fmt == "tbx" else "text/csv"
    response = Response(out.getvalue(), mimetype=f"{mimetype}; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="glossary.{fmt}"'
    return response
