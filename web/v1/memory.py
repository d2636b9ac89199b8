"""/api/v1 memory files: import TMX/CSV/TSV in the background, export the memory as a download."""

from __future__ import annotations

from typing import Literal

from flask import abort, request, url_for
from flask.typing import ResponseReturnValue
from pydantic import Field

from tm.store.records import DUPLICATE_POLICIES
from web.memory import EXPORT_TYPES, export_response, submit_import
from web.security import roles
from web.v1 import bp
from web.v1.models import JobInfo
from web.v1.spec import Plain, Query, created, operation

DATE = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?$"
FILE = {"type": "string", "format": "binary"}


class ExportQuery(Query):
    format: Literal["tmx", "csv", "tsv"] = Field("tmx", description="TMX 1.4b, or a table with a header row")
    origin: Literal["human", "mt", "import"] | None = None
    author: Plain | None = Field(None, max_length=200)
    since: str | None = Field(None, pattern=DATE, description="changed at or after (UTC)")
    until: str | None = Field(None, pattern=DATE, description="changed on or before this day (UTC)")


@bp.post("/memory/import")
@roles("admin")
@operation(
    "Memory",
    form={
        "file": (FILE, "a .tmx, .csv or .tsv file (CSV: source, target, then optional columns)"),
        "on_duplicate": (
            {"type": "string", "enum": list(DUPLICATE_POLICIES), "default": "skip"},
            "a sentence already in the memory: skip it, overwrite its English, or keep both",
        ),
    },
    answers={202: JobInfo},
    errors=(403,),
)
def import_memory() -> ResponseReturnValue:
    """Import a memory file (admins) in the background, all of it or nothing; the job shows progress."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        abort(400, "file: send the .tmx, .csv or .tsv file as multipart form data")
    policy = request.form.get("on_duplicate", "skip")
    if policy not in DUPLICATE_POLICIES:
        abort(400, f"on_duplicate: must be one of {', '.join(DUPLICATE_POLICIES)}")
    job = submit_import(upload, policy)  # FormatError (400) for another kind of file
    return created(job.to_json(), url_for("api_v1.job", job_id=job.id), 202)


@bp.get("/memory/export")
@roles("admin")
@operation("Memory", query=ExportQuery, answers={200: tuple(EXPORT_TYPES.values())}, errors=(403,))
def export_memory(q: ExportQuery) -> ResponseReturnValue:
    """Download the memory, or the part the filters select (admins), streamed as it is read."""
    until = q.until + "T23:59:59Z~" if q.until and len(q.until) == 10 else q.until  # the whole day
    return export_response(
        {"origin": q.origin, "author": q.author, "since": q.since, "until": until}, q.format
    )
