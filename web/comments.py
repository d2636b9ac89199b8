"""Threaded comments on a document's sentences: read, write, reply, resolve."""

from __future__ import annotations

import unicodedata
from typing import Any

from flask import Blueprint, abort, g, jsonify, request
from flask.typing import ResponseReturnValue

from tm.errors import Forbidden, NotFound
from tm.rights import can_resolve
from tm.store.records import MAX_COMMENT, Comment
from tm.textcheck import check_typed, is_blank
from web import services
from web.api import json_body

bp = Blueprint("comments", __name__, url_prefix="/api")

MAX_ID = 2**63 - 1  # what the database's integers hold


def _text(data: dict[str, Any]) -> str:
    """Return the comment's text, stripped; refuse what is not text, empty, too long or has control codes."""
    body = data.get("body")
    if not isinstance(body, str):
        abort(400, "body must be the comment's text, as a string")
    body = body.replace("\r\n", "\n").strip()
    if is_blank(body):
        abort(400, "write something first: the comment is empty")
    check_typed(body, "comment")
    if len(body) > MAX_COMMENT:
        abort(400, f"the comment is {len(body)} characters long; keep it to {MAX_COMMENT}")
    bad = next((c for c in body if c not in "\n\t" and unicodedata.category(c) == "Cc"), None)
    if bad is not None:
        abort(400, f"the comment holds a control character (U+{ord(bad):04X}); only line breaks and tabs may")
    return body


def _thread(data: dict[str, Any]) -> int | None:
    """Return the id of the thread replied to, or None for a new thread."""
    thread = data.get("thread")
    if thread is None:
        return None
    if isinstance(thread, bool) or not isinstance(thread, int) or not 1 <= thread <= MAX_ID:
        abort(400, "thread must be the id of the thread you reply to (a whole number), or left out")
    return thread


def _idx_arg() -> int | None:
    """Return the sentence asked for with ?idx=, or None for the whole document."""
    raw = request.args.get("idx")
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_ID:
        abort(400, "idx must be the number of a sentence (0 for the first)")
    return int(raw)


def _json(comment: Comment, allowed: bool) -> dict[str, Any]:
    return {**comment.to_json(), "can_resolve": allowed}


@bp.get("/documents/<int:doc_id>/comments")
def list_comments(doc_id: int) -> ResponseReturnValue:
    """Return a document's comments (or one sentence's with ?idx=N) and how many threads among them are open.

    Each comment says whether the user may resolve (or reopen) its thread.
    """
    store = services().store
    doc = store.documents.get(doc_id, layout=False)
    idx = _idx_arg()
    if idx is not None:
        store.documents.segment(doc_id, idx)  # NotFound for a sentence the document has not
    comments = store.comments.for_document(doc_id, idx)
    firsts = {c.id: c for c in comments if c.id == c.thread_id}
    allowed = {t: can_resolve(g.user, doc, first) for t, first in firsts.items()}
    return jsonify(
        comments=[_json(c, allowed.get(c.thread_id, False)) for c in comments],
        unresolved=sum(1 for c in firsts.values() if c.resolved_at is None),
    )


@bp.post("/documents/<int:doc_id>/segments/<int:idx>/comments")
def add_comment(doc_id: int, idx: int) -> ResponseReturnValue:
    """Start a thread on a sentence, or reply to one with `thread`: anyone logged in may."""
    data = json_body()
    body, thread = _text(data), _thread(data)
    store = services().store
    doc = store.documents.get(doc_id, layout=False)
    comment = store.comments.add(doc_id, idx, g.user.name, body, thread=thread)
    first = comment if thread is None else store.comments.get(comment.thread_id)
    return jsonify(_json(comment, can_resolve(g.user, doc, first))), 201


@bp.post("/comments/<int:thread_id>/resolve")
def resolve(thread_id: int) -> ResponseReturnValue:
    """Resolve a thread (`resolved`: true) or open it again (false); return its first comment."""
    data = json_body()
    resolved = data.get("resolved")
    if not isinstance(resolved, bool):
        abort(400, "resolved must be true (resolve the thread) or false (open it again)")
    store = services().store
    first = store.comments.get(thread_id)
    if first.id != first.thread_id:
        raise NotFound(f"comment {thread_id} is a reply; resolve its thread {first.thread_id} instead")
    doc = store.documents.get(first.document_id, layout=False)
    if not can_resolve(g.user, doc, first):
        who = ", ".join(
            dict.fromkeys(n for n in (first.author, doc.owner, doc.translator, doc.reviewer) if n)
        )
        raise Forbidden(
            f"only the thread's author, the document's owner, translator or reviewer ({who}) "
            "or an admin can resolve or reopen this thread; reply to it instead"
        )
    first = store.comments.resolve(thread_id, g.user.name if resolved else None)
    return jsonify(_json(first, True))
