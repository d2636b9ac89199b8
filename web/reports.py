"""The post-editing report (page and CSV) and the editor's reports of active editing time.

The figures come from tm.pe_report and who may see whose from tm.pe_report.scope; the time
the editor counts is recorded through tm.timing. Admins and reviewers see everyone's figures,
a translator their own (asking for someone else's is a 403, never a quietly different report).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from tm import timing
from tm.pe_report import UNKNOWN, Report, build, parse_filter, scope, sees_everyone
from web import PROVENANCE_LABELS, services
from web.api import json_body
from web.tools import csv_download

bp = Blueprint("reports", __name__)

MAX_LISTED = 1000  # sentences listed on the page; the CSV has them all
MAX_DOCUMENTS = 300  # newest documents offered in the filter (any other can be asked for by number)


def current_report() -> Report:
    """Return the report the request's query asks for, as far as the user may see it.

    A malformed filter is a TMError (400), another translator's figures Forbidden (403), a
    document that is not there NotFound (404).
    """
    return build(services().store, scope(g.user, parse_filter(request.args)))


def labels() -> dict[str, str]:
    """Return the words for each origin, as the editor says them."""
    return {**PROVENANCE_LABELS, UNKNOWN: "origin not recorded"}


def duration(ms: int) -> str:
    """Return a duration as people read it: 45 s, 3 min 20 s, 2 h 05 min; "—" for none."""
    if ms <= 0:
        return "—"
    seconds = round(ms / 1000)
    if seconds < 60:
        return f"{max(seconds, 1)} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def percent(value: float | None) -> str:
    """Return a percentage to one decimal, or "—" when there is none."""
    return "—" if value is None else f"{value:.1f}%"


def per_hour(value: float | None) -> str:
    """Return words per hour as a whole number with thousands separated, or "—" without time."""
    return "—" if value is None else f"{round(value):,}"


def _filename(report: Report, title: str | None) -> str:
    """Name the CSV after what it covers (Budget.tom.post-editing.csv, all-documents.post-editing.csv)."""
    f = report.filter
    parts = [title or "all-documents"]
    if f.translator:
        parts.append(f.translator)
    if f.since or f.until:
        parts.append(f"{f.since or 'start'}_{f.until or 'now'}")
    return ".".join(parts) + ".post-editing.csv"


@bp.get("/reports/post-editing")
def post_editing() -> ResponseReturnValue:
    """The post-editing report: origins, edit effort, active time and words per hour, with charts."""
    report = current_report()
    svc = services()
    f = report.filter
    doc = svc.store.documents.get(f.document, layout=False) if f.document is not None else None
    documents = [d for d, _ in svc.store.documents.all()[:MAX_DOCUMENTS]]
    if doc is not None and all(d.id != doc.id for d in documents):
        documents.append(doc)
    people = sorted({u.name for u in svc.store.accounts.all()} | {t.key for t in report.translators})
    chart: dict[str, Any] = {**report.to_json(sentences=False), "labels": labels()}
    return render_template(
        "pe_report.html",
        report=report,
        doc=doc,
        documents=documents,
        people=people,
        everyone=sees_everyone(g.user),
        chart=chart,
        labels=labels(),
        listed=report.sentences[:MAX_LISTED],
        max_listed=MAX_LISTED,
        csv_query=f.query(),
        duration=duration,
        percent=percent,
        per_hour=per_hour,
    )


@bp.get("/reports/post-editing.csv")
def post_editing_csv() -> ResponseReturnValue:
    """Download the report as CSV: one row per confirmed sentence with its figures."""
    report = current_report()
    f = report.filter
    title = services().store.documents.get(f.document, layout=False).title if f.document is not None else None
    return csv_download(report.to_csv(), _filename(report, title))


@bp.post("/api/documents/<int:doc_id>/segments/<int:idx>/time")
def record_time(doc_id: int, idx: int) -> ResponseReturnValue:
    """Record active editing time the editor counted on a sentence: {"ms": 1 to 600000}.

    Only who may change the document's sentences, or its reviewer, has time recorded (403
    otherwise); one report adds at most ten minutes (400 beyond).
    """
    data = json_body()
    total = timing.record(services().store, g.user, doc_id, idx, data.get("ms", 0))
    return jsonify(recorded=data["ms"], today_ms=total)
