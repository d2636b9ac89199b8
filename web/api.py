"""JSON endpoints the editor's JavaScript calls: segments, saving, confirming, matches, concordance."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, jsonify, request
from flask.typing import ResponseReturnValue

from tm import files, tags
from tm.errors import NotFound, QABlocked
from tm.memory import Match
from tm.pretranslate import adapt_match
from tm.rights import can_write
from tm.store.records import Job, SegmentRow
from web import origin_badge, services
from web.documents import drafting_stuck, waiting

bp = Blueprint("api", __name__, url_prefix="/api")


def segment_json(s: SegmentRow) -> dict[str, Any]:
    """Return what the editor needs to draw a row; a sentence with tags names them in `tags`."""
    out: dict[str, Any] = {
        "idx": s.idx,
        "paragraph": s.paragraph,
        "source": s.source,
        "target": s.target,
        "draft": s.draft,
        "origin": s.origin,
        "score": s.score,
        "status": s.status,
        "version": s.version,
        "repeat_of": s.repeat_of,
        "terms": s.info.get("terms", []),
        "qa": s.info.get("qa", []),
        "matches": s.info.get("matches", []),
        "adapted": s.info.get("adapted", []),
        "changed_by": s.changed_by,
        "changed_at": s.changed_at,
        "provenance": s.provenance,
        "rejected_by": s.rejected_by,
        "override": s.info.get("override"),
    }
    # only sentences with inline tags carry a table of what they stand for
    if tags.TAG.search(s.source + s.target):
        out["tags"] = _tag_names(s)
    return out


def row_json(s: SegmentRow) -> dict[str, Any]:
    """Return segment_json and, for the editor, the origin as its row shows it (`badge`)."""
    return segment_json(s) | {"badge": origin_badge(s.origin, s.score)}


def _tag_names(s: SegmentRow) -> dict[str, dict[str, str]]:
    """Return what the tags of a sentence stand for, to name its chips: {n: {kind, name, title}}."""
    layouts: dict[int, dict[str, Any]] = g.setdefault("tag_layouts", {})  # one read per document and request
    if s.document_id not in layouts:
        layouts[s.document_id] = services().store.documents.get(s.document_id).layout
    table = tags.subtable(files.block_tags(layouts[s.document_id], s.paragraph), s.source + s.target)
    return {str(n): {"kind": t.kind, "name": t.name, "title": t.title} for n, t in table.items()}


def json_body() -> dict[str, Any]:
    """Return the request's JSON object; 400 for anything else (also nesting too deep to read)."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nesting deeper than Python's decoder goes; silent=True misses it
        data = None
    if not isinstance(data, dict):
        abort(400, "send a JSON object")
    return data


def _target(data: dict[str, Any]) -> str:
    """Return the English text sent; anything but a string is refused."""
    target = data.get("target", "")
    if not isinstance(target, str):
        abort(400, "target must be the English text, as a string")
    return target


def _flag(data: dict[str, Any], name: str, default: bool = False) -> bool:
    """Return a true/false field; anything but a JSON boolean is refused."""
    value = data.get(name, default)
    if not isinstance(value, bool):
        abort(400, f"{name} must be true or false")
    return value


def _version(data: dict[str, Any]) -> int:
    """Return the version of the segment the client edited; a change without it is refused."""
    v = data.get("version")
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        abort(
            400,
            "send the segment's version as a whole number (the `version` you loaded), "
            "so that no one's work is overwritten",
        )
    return v


# what the editor's rows draw from a segment (its polls leave out the Arabic, which the page has,
# and the matches and drafts, which it asks for elsewhere)
ROW_FIELDS = (
    "idx", "target", "origin", "badge", "score", "status", "version", "repeat_of", "qa", "changed_by",
    "changed_at", "provenance", "rejected_by", "override", "tags",
)  # fmt: skip


@bp.get("/documents/<int:doc_id>")
def document(doc_id: int) -> ResponseReturnValue:
    """Return a document's state and segments (the editor polls this while drafts are made and after).

    Segments come while the document is drafted too, with the drafts stored so far. `?rows=1`
    (the editor's polls) gives each segment only what a row draws and, while drafts are made,
    leaves out the sentences still waiting for theirs.
    """
    svc = services()
    doc = svc.store.documents.get(doc_id)
    segs = svc.store.documents.segments(doc_id)
    stuck = drafting_stuck(doc)
    if request.args.get("rows") == "1":
        drafting = doc.status == "translating" and not stuck
        segments = [
            {k: v for k, v in row_json(s).items() if k in ROW_FIELDS}
            for s in segs
            if not (drafting and waiting(s))
        ]
    else:
        segments = [row_json(s) for s in segs]
    return jsonify(
        id=doc.id,
        title=doc.title,
        stage=doc.stage,
        writable=can_write(g.user, doc),
        status=doc.status,
        progress=doc.progress,
        total=doc.total,
        note=doc.note,
        stuck=stuck,
        segments=segments,
    )


@bp.put("/documents/<int:doc_id>/segments/<int:idx>")
def save(doc_id: int, idx: int) -> ResponseReturnValue:
    """Autosave an edited target as a draft."""
    data = json_body()
    seg = services().documents.save(doc_id, idx, _target(data), g.user, _version(data))
    return jsonify(segment=row_json(seg))


@bp.post("/documents/<int:doc_id>/segments/<int:idx>/confirm")
def confirm(doc_id: int, idx: int) -> ResponseReturnValue:
    """Confirm a segment into the memory (reviewers and admins may approve instead).

    Blocking QA findings answer 422 with the findings unless `override` is true.
    """
    data = json_body()
    try:
        changed = services().documents.confirm(
            doc_id,
            idx,
            _target(data),
            g.user,
            _version(data),
            approve=_flag(data, "approve"),
            propagate=_flag(data, "propagate", True),
            override=_flag(data, "override"),
        )
    except QABlocked as e:
        response = jsonify(error=str(e), qa=[i.to_json() for i in e.issues])
        response.status_code = 422
        return response
    return jsonify(segments=[row_json(s) for s in changed])


@bp.post("/documents/<int:doc_id>/segments/<int:idx>/reject")
def reject(doc_id: int, idx: int) -> ResponseReturnValue:
    """Send a sentence back to the translator with a reason (reviewers and admins)."""
    data = json_body()
    reason = data.get("reason", "")
    if not isinstance(reason, str):
        abort(400, "reason must be text")
    seg, comment = services().documents.reject(doc_id, idx, g.user, _version(data), reason)
    return jsonify(segment=row_json(seg), comment=comment.to_json())


@bp.get("/documents/<int:doc_id>/segments/<int:idx>/history")
def history(doc_id: int, idx: int) -> ResponseReturnValue:
    """Return a sentence's changes, newest first (what undo can go back to)."""
    return jsonify(changes=[c.to_json() for c in services().documents.history(doc_id, idx)])


@bp.post("/documents/<int:doc_id>/segments/<int:idx>/restore")
def restore(doc_id: int, idx: int) -> ResponseReturnValue:
    """Put an earlier English of a sentence back from its history, as a draft."""
    data = json_body()
    change = data.get("change")
    if isinstance(change, bool) or not isinstance(change, int) or not 1 <= change < 2**63:
        abort(400, "change must be the id of an entry of the sentence's history")
    seg = services().documents.restore(doc_id, idx, change, g.user, _version(data))
    return jsonify(segment=row_json(seg))


@bp.post("/documents/<int:doc_id>/segments/<int:idx>/revert")
def revert(doc_id: int, idx: int) -> ResponseReturnValue:
    """Put the pre-translation draft back."""
    seg = services().documents.revert(doc_id, idx, g.user, _version(json_body()))
    return jsonify(segment=row_json(seg))


@bp.get("/lookup")
def lookup() -> ResponseReturnValue:
    """Return memory matches for a sentence (fresh: what was confirmed a minute ago counts)."""
    text = request.args.get("text", "")
    min_score = request.args.get("min", "60")
    if not (min_score.isascii() and min_score.isdigit()) or not 1 <= int(min_score) <= 100:
        abort(400, "min must be a whole number from 1 to 100")
    matches = services().memory.lookup(text, min_score=int(min_score), limit=9) if text else []
    return jsonify(matches=[_match_json(m, text) for m in matches])


def _match_json(match: Match, text: str) -> dict[str, Any]:
    """Return a match for the editor's panel: with its English adapted to the sentence where only
    numbers, months or weekdays differ, as drafting adapts it (what Ctrl+1 inserts)."""
    out = match.to_json()
    adapted = adapt_match(match, text)
    if adapted is not None:
        out["adapted"] = {
            "target": adapted.target,
            "score": adapted.score,
            "changes": [{"memory": a, "new": b} for a, b in adapted.changes],
        }
    return out


def concordance_side() -> str:
    """Return the ?side= of a concordance search (source, target or both); 400 for anything else."""
    side = request.args.get("side", "source")
    if side not in ("source", "target", "both"):
        abort(400, "side must be source, target or both")
    return side


@bp.get("/concordance")
def concordance() -> ResponseReturnValue:
    """Search the memory for words or a phrase in the Arabic (or English with side=target)."""
    side = concordance_side()
    q = request.args.get("q", "")
    hits = services().memory.concordance(q, side=side, limit=30) if q.strip() else []
    return jsonify(hits=[h.to_json() for h in hits])


def visible_job(job_id: int) -> Job | None:
    """Return a job if the user may see it (its owner or an admin), else None.

    A job that does not exist and one of someone else's look the same: ids are not confirmed.
    """
    try:
        found = services().store.jobs.get(job_id)
    except NotFound:
        return None
    return found if found.owner == g.user.name or g.user.role == "admin" else None


@bp.get("/jobs/<int:job_id>")
def job(job_id: int) -> ResponseReturnValue:
    """Return the progress of a background job to its owner (or an admin)."""
    found = visible_job(job_id)
    if found is None:
        abort(404)
    return jsonify(found.to_json())
