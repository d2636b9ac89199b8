"""Document-wide tools of the editor: find and replace across the English, the QA report."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, jsonify, render_template
from flask.typing import ResponseReturnValue

from tm import replace
from tm.analysis import Analysis, analyse
from tm.qa_report import Report, report, report_csv
from tm.rights import can_write
from tm.store.records import DocRow
from web import services
from web.api import json_body, row_json
from web.documents import download

bp = Blueprint("tools", __name__)


def _search(data: dict[str, Any]) -> dict[str, Any]:
    """Return the find text, replacement and options sent; anything of the wrong type is refused."""
    find, repl = data.get("find"), data.get("replace", "")
    if not isinstance(find, str) or not isinstance(repl, str):
        abort(400, "find and replace must be text")
    opts = {}
    for name in ("case", "whole_words", "regex"):
        value = data.get(name, False)
        if not isinstance(value, bool):
            abort(400, f"{name} must be true or false")
        opts[name] = value
    return {"find": find, "replace": repl, **opts}


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63


@bp.post("/api/documents/<int:doc_id>/replace/preview")
def replace_preview(doc_id: int) -> ResponseReturnValue:
    """Return what a replacement would change in each sentence's English (nothing is saved)."""
    search = _search(json_body())
    svc = services()
    doc = svc.store.documents.get(doc_id, layout=False)
    found = replace.preview(svc.store.documents.segments(doc_id), **search)
    return jsonify(
        changes=[c.to_json() for c in found],
        matches=sum(len(c.spans) for c in found),
        unconfirms=sum(c.unconfirms for c in found),
        writable=can_write(g.user, doc),
    )


@bp.post("/api/documents/<int:doc_id>/replace")
def replace_apply(doc_id: int) -> ResponseReturnValue:
    """Replace in the chosen sentences, each at the version previewed; changed ones are skipped."""
    data = json_body()
    search = _search(data)
    chosen = data.get("segments")
    if not isinstance(chosen, list) or not chosen:
        abort(400, 'send the sentences to replace in as segments: [{"idx": 0, "version": 3}, ...]')
    idxs, versions = [], []
    for item in chosen:
        if not isinstance(item, dict) or not _int(item.get("idx")) or not _int(item.get("version")):
            abort(400, "each segment must be {idx, version} with whole numbers, as the preview gave them")
        idxs.append(item["idx"])
        versions.append(item["version"])
    svc = services()
    done = replace.apply(svc.documents, doc_id, g.user, idxs=idxs, versions=versions, **search)
    return jsonify(
        segments=[row_json(s) for s in done.changed],
        skipped=[s.to_json() for s in done.skipped],
        unconfirmed=done.unconfirmed,
    )


def _report(doc_id: int) -> tuple[DocRow, Report]:
    svc = services()
    doc = svc.store.documents.get(doc_id, layout=False)
    segs = svc.store.documents.segments(doc_id) if doc.status == "ready" else []
    return doc, report(segs, svc.glossary.hits)


def csv_download(text: str, filename: str) -> ResponseReturnValue:
    """Download a CSV report, with a byte-order mark so that spreadsheets read the Arabic as UTF-8."""
    return download("\ufeff" + text, filename, "text/csv; charset=utf-8")


@bp.get("/documents/<int:doc_id>/qa")
def qa_page(doc_id: int) -> ResponseReturnValue:
    """The document's QA findings now, by kind, blocking first, and the confirms over QA."""
    doc, rep = _report(doc_id)
    return render_template("qa_report.html", doc=doc, report=rep)


@bp.get("/documents/<int:doc_id>/qa.csv")
def qa_csv(doc_id: int) -> ResponseReturnValue:
    """Download the QA findings as CSV, one row per finding."""
    doc, rep = _report(doc_id)
    return csv_download(report_csv(rep), f"{doc.title}.qa.csv")


# -- match analysis ----------------------------------------------------------------


def _analysis(doc_id: int) -> tuple[DocRow, Analysis]:
    svc = services()
    doc = svc.store.documents.get(doc_id, layout=False)
    sources = [s.source for s in svc.store.documents.segments(doc_id)]
    return doc, analyse(sources, svc.memory)


@bp.get("/documents/<int:doc_id>/analysis")
def analysis_page(doc_id: int) -> ResponseReturnValue:
    """The document's match analysis against the memory as it is now: words per match band."""
    doc, result = _analysis(doc_id)
    return render_template("analysis.html", doc=doc, analysis=result)


@bp.get("/documents/<int:doc_id>/analysis.csv")
def analysis_csv(doc_id: int) -> ResponseReturnValue:
    """Download the match analysis as CSV: one row per band and a total."""
    doc, result = _analysis(doc_id)
    return csv_download(result.to_csv(), f"{doc.title}.analysis.csv")
