"""Memory pages: search with filters, a unit with its history, edit, delete, import, export."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import FileStorage

from tm.errors import FormatError, UnitNotFound
from tm.formats.csv import write_csv
from tm.formats.tmx import tu_xml
from tm.store.records import DUPLICATE_POLICIES, ORIGINS, Job, Unit
from web import services
from web.jobs import IMPORT
from web.security import roles

bp = Blueprint("memory", __name__, url_prefix="/memory")


def _filters() -> dict[str, Any]:
    f = {k: (request.args.get(k) or "").strip() or None for k in ("origin", "author", "since", "until")}
    if f["origin"] not in (None, *ORIGINS):
        abort(400, "unknown origin")
    if f["until"]:
        f["until"] = f["until"] + "T23:59:59Z~"  # the whole day
    return f


def _form_version() -> int:
    """Return the unit version the form was made from; a change without one is refused."""
    version = request.form.get("version", "")
    if not (version.isascii() and version.isdigit()) or len(version) > 9:
        abort(400, "the form has no unit version; reload the unit and make the change again")
    return int(version)


@bp.get("/")
def search() -> ResponseReturnValue:
    """Search the memory (concordance on source or target) or list recent units, filtered."""
    svc = services()
    q = request.args.get("q", "").strip()
    side = request.args.get("side", "source")
    if side not in ("source", "target"):
        abort(400, "side must be source or target")
    filters = _filters()
    page_arg = request.args.get("page", "0") or "0"
    if not (page_arg.isascii() and page_arg.isdigit()) or len(page_arg) > 6:
        abort(400, "page must be a page number")
    page = int(page_arg)
    spans: dict[int, dict[str, list]] = {}
    if q:
        hits = svc.memory.concordance(q, side=side, limit=200)
        spans = {h.unit.id: {"source": h.source_spans, "target": h.target_spans} for h in hits}
        units = svc.store.units.list_units(ids=list(spans), limit=50, offset=50 * page, **filters)
    else:
        units = svc.store.units.list_units(limit=50, offset=50 * page, **filters)
    return render_template(
        "memory.html",
        units=units,
        spans=spans,
        q=q,
        side=side,
        filters={k: request.args.get(k, "") for k in ("origin", "author", "since", "until")},
        authors=svc.store.units.authors(),
        origins=ORIGINS,
        page=page,
        total=svc.store.units.count(),
    )


@bp.get("/units/<int:unit_id>")
def unit(unit_id: int) -> ResponseReturnValue:
    """A unit with its full history (also after it was deleted)."""
    store = services().store
    history = store.units.history(unit_id)
    if not history:
        abort(404)
    try:
        current = store.units.get(unit_id)
    except UnitNotFound:
        current = None
    return render_template("unit.html", unit=current, history=history, unit_id=unit_id)


def edited(provenance: str | None) -> str | None:
    """Return the provenance of an English someone changed by hand: still from MT or a match, edited."""
    if provenance in ("mt-unchanged", "match-unchanged"):
        return provenance.replace("unchanged", "edited")
    return provenance


@bp.post("/units/<int:unit_id>")
@roles("admin", "reviewer")
def edit(unit_id: int) -> ResponseReturnValue:
    """Change a unit's source or target; the change goes into its history."""
    form = request.form
    version = _form_version()
    target = form.get("target", "")
    source = form.get("source", "")
    if not target.strip() or not source.strip():
        flash("Source and target cannot be empty; delete the unit instead.", "error")
    else:
        old = services().store.units.get(unit_id)
        services().memory.update(
            unit_id,
            author=g.user.name,
            expected_version=version,
            source=source,
            target=target,
            origin="human",
            provenance=edited(old.provenance) if target != old.target else old.provenance,
        )
        flash("Saved. The previous text is in the history below.", "ok")
    return redirect(url_for("memory.unit", unit_id=unit_id))


@bp.post("/units/<int:unit_id>/delete")
@roles("admin", "reviewer")
def delete(unit_id: int) -> ResponseReturnValue:
    """Delete a unit; its history records who did it."""
    services().memory.delete(unit_id, author=g.user.name, expected_version=_form_version())
    flash(f"Deleted unit {unit_id}. Its history stays.", "ok")
    return redirect(url_for("memory.unit", unit_id=unit_id))


@bp.route("/import", methods=["GET", "POST"])
@roles("admin")
def import_file() -> ResponseReturnValue:
    """Upload a TMX/CSV/TSV file and import it in the background, with progress and a summary."""
    if request.method == "GET":
        return render_template("import.html", job=None)
    upload = request.files.get("file")
    policy = request.form.get("on_duplicate", "skip")
    if policy not in DUPLICATE_POLICIES:
        abort(400, "unknown duplicate policy")
    if not upload or not upload.filename:
        flash("Choose a .tmx, .csv or .tsv file.", "error")
        return render_template("import.html", job=None), 400
    try:
        job = submit_import(upload, policy)
    except FormatError as e:
        flash(str(e), "error")
        return render_template("import.html", job=None), 400
    return render_template("import.html", job=job, filename=upload.filename)


def submit_import(upload: FileStorage, policy: str) -> Job:
    """Keep an uploaded TMX/CSV/TSV file and queue its import (FormatError for another kind)."""
    name = upload.filename or ""
    fmt = Path(name).suffix.lower().lstrip(".")
    if fmt not in ("tmx", "csv", "tsv"):
        raise FormatError("tm imports .tmx, .csv and .tsv files", path=name)
    # the file is kept with the job in the memory, so a worker on any machine can read it
    svc = services()
    params = {"format": fmt, "name": name, "on_duplicate": policy}
    with tempfile.TemporaryFile() as f:  # the upload's size, without holding it all in memory
        upload.save(f)
        size = f.tell()
        f.seek(0)
        job = svc.store.jobs.submit(IMPORT, g.user.name, params, total=size, file=f)
    svc.worker.notify(job)
    return job


@bp.get("/export.tmx")
@roles("admin")
def export() -> ResponseReturnValue:
    """Download the memory, or the part the filters select, as TMX 1.4b (streamed)."""
    return export_response(_filters(), "tmx")


def _rows(units: list[Unit], delimiter: str, header: bool) -> str:
    out = io.StringIO()
    write_csv(out, units, delimiter=delimiter, header=header)
    return out.getvalue()


EXPORT_TYPES = {"tmx": "application/x-tmx+xml", "csv": "text/csv", "tsv": "text/tab-separated-values"}


def export_response(f: dict[str, Any], fmt: str) -> Response:
    """Stream the units the filters select as TMX 1.4b, CSV or TSV, read in batches as it goes."""
    svc = services()

    def keep(u: Unit) -> bool:
        return (
            (not f["origin"] or u.origin == f["origin"])
            and (not f["author"] or u.author == f["author"])
            and (not f["since"] or u.changed_at >= f["since"])
            and (not f["until"] or u.changed_at < f["until"])
        )

    def tmx() -> Iterator[str]:
        from tm import __version__

        yield '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n'
        yield (
            f'  <header creationtool="tm" creationtoolversion="{__version__}" segtype="sentence" o-tmf="tm" '
            'adminlang="en" srclang="ar" datatype="plaintext"/>\n  <body>\n'
        )
        for u in svc.store.units.iter_units():
            if keep(u):
                yield tu_xml(u)
        yield "  </body>\n</tmx>\n"

    def table() -> Iterator[str]:
        delimiter = "\t" if fmt == "tsv" else ","
        batch: list[Unit] = []
        header = True
        for u in (u for u in svc.store.units.iter_units() if keep(u)):
            batch.append(u)
            if len(batch) == 500:
                yield _rows(batch, delimiter, header)
                batch, header = [], False
        if batch or header:
            yield _rows(batch, delimiter, header)

    body = tmx() if fmt == "tmx" else table()
    response = Response(stream_with_context(body), mimetype=f"{EXPORT_TYPES[fmt]}; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="memory.{fmt}"'
    return response
