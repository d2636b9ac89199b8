"""/api/v1 sentences of a document: read, save with the version read (409 when stale), confirm or
approve (422 with the blocking QA findings, which an `override` naming them confirms over), history."""

from __future__ import annotations

import json

from flask import abort, g, jsonify
from flask.typing import ResponseReturnValue
from pydantic import Field

from tm.errors import QABlocked
from tm.textcheck import MAX_TARGET
from web import services
from web.api import segment_json
from web.v1 import bp
from web.v1.models import Segment
from web.v1.spec import MAX_ID, Answer, Model, Plain, Typed, TypedPlain, operation


class SegmentEdit(Model):
    target: TypedPlain = Field(max_length=MAX_TARGET, description="the English (empty clears it)")
    version: int = Field(ge=1, le=MAX_ID, description="the version read: a newer one is a 409")


class SegmentConfirm(Model):
    target: Typed | None = Field(None, max_length=MAX_TARGET, description="omitted: the English as it is")
    version: int = Field(ge=1, le=MAX_ID, description="the version read: a newer one is a 409")
    approve: bool = Field(False, description="approve instead of confirming (reviewers and admins)")
    override: list[Plain] = Field(
        default_factory=list,
        max_length=20,
        description="codes of blocking QA findings to confirm over (recorded with the account's name)",
    )
    propagate: bool = Field(True, description="give the English to the untouched repetitions too")


class Confirmed(Answer):
    segment: Segment
    repetitions: list[Segment] = Field(description="untouched repetitions that got the same English")


class SegmentChange(Answer):
    id: int
    document_id: int
    idx: int
    version: int
    target: str
    status: str
    action: str
    author: str | None
    at: str


class SegmentHistory(Answer):
    changes: list[SegmentChange]


@bp.get("/documents/<int:doc_id>/segments/<int:idx>")
@operation("Documents", answers={200: Segment})
def document_segment(doc_id: int, idx: int) -> ResponseReturnValue:
    """Return one sentence of a document (idx counts from 0) with its version."""
    store = services().store
    store.documents.get(doc_id, layout=False)
    return jsonify(segment_json(store.documents.segment(doc_id, idx)))


@bp.put("/documents/<int:doc_id>/segments/<int:idx>")
@operation("Documents", body=SegmentEdit, answers={200: Segment}, errors=(403, 409))
def save_segment(doc_id: int, idx: int, body: SegmentEdit) -> ResponseReturnValue:
    """Save a sentence's English as a draft (a confirmed sentence whose English changes is a draft again).

    Send the `version` read: when someone changed the sentence since, nothing is saved and the
    answer is a 409 that names the current version; read the sentence again and reapply.
    """
    saved = services().documents.save(doc_id, idx, body.target, g.user, body.version)
    return jsonify(segment_json(saved))


def _blocked(e: QABlocked, overridden: list[str]) -> str:
    """Say which blocking findings refused a confirm and how to confirm over them."""
    codes = [i.code for i in e.issues]
    listed = "; ".join(f"{i.code}: {i.message}" for i in e.issues)
    missing = [c for c in codes if c not in overridden]
    return (
        f"sentence {e.idx + 1} was not confirmed, blocking QA findings: {listed}. Fix the English, or "
        f'confirm again with "override": {json.dumps(codes)} (recorded with your name)'
        + (f"; not overridden: {', '.join(missing)}" if overridden else "")
    )


@bp.post("/documents/<int:doc_id>/segments/<int:idx>/confirm")
@operation("Documents", body=SegmentConfirm, answers={200: Confirmed}, errors=(403, 409, 422))
def confirm_segment(doc_id: int, idx: int, body: SegmentConfirm) -> ResponseReturnValue:
    """Confirm a sentence into the memory; reviewers and admins may approve it instead.

    Blocking QA findings (numbers missing, Arabic left in the English, a forbidden term...) refuse
    it with a 422 whose message lists each finding's code and message; confirming again with those
    codes in `override` confirms over them, and the override is recorded. A stale `version` is a 409.
    """
    docs = services().documents
    target = body.target
    if target is None:
        docs.store.documents.get(doc_id, layout=False)
        target = docs.store.documents.segment(doc_id, idx).target
    step = {"approve": body.approve, "propagate": body.propagate}
    try:
        changed = docs.confirm(doc_id, idx, target, g.user, body.version, **step)
    except QABlocked as e:
        if not body.override or not {i.code for i in e.issues} <= set(body.override):
            abort(422, _blocked(e, body.override))
        # every blocking finding is named: confirm over them (nothing was saved by the refusal)
        changed = docs.confirm(doc_id, idx, target, g.user, body.version, override=True, **step)
    return jsonify(segment=segment_json(changed[0]), repetitions=[segment_json(s) for s in changed[1:]])


@bp.get("/documents/<int:doc_id>/segments/<int:idx>/history")
@operation("Documents", answers={200: SegmentHistory})
def segment_history(doc_id: int, idx: int) -> ResponseReturnValue:
    """Return a sentence's changes, newest first (the latest 50): who changed the English, how and when."""
    docs = services().documents
    docs.store.documents.get(doc_id, layout=False)
    return jsonify(changes=[c.to_json() for c in docs.history(doc_id, idx)])
