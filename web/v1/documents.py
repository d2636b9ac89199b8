"""/api/v1 documents: create from text or a file, the desk's list, sentences, stages, export, analysis.

Every change goes through the library the web editor uses (tm.documents.Documents and its
editing mixin), so the API and the editor cannot disagree on rights or rules: every account
sees every document, as on the desk's queue; changing one needs the same rights as in the
editor (403 with the reason); a change based on an older version of a sentence is a 409.
Files are read and written by tm.files (one module per format).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from flask import abort, g, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from pydantic import Field

from tm.documents import QueueRow, queue_key, queue_row
from tm.errors import Busy, Forbidden, FormatError, NotFound, TMError
from tm.files import EXTENSIONS, MEDIA_TYPES
from tm.rights import can_manage, can_write, moves, read_only_reason
from tm.store.records import SEGMENT_STATUSES, SegmentRow
from tm.textcheck import MAX_TITLE
from web import services
from web.api import segment_json
from web.documents import download, download_bytes, drafting_stuck, start_drafting
from web.v1 import bp
from web.v1.models import Segment
from web.v1.paging import decode_cursor, encode_cursor
from web.v1.spec import Answer, Model, Plain, Query, Text, TypedPlain, created, operation, parse

Stage = Literal["new", "translating", "in review", "done"]
Priority = Literal["normal", "high", "urgent"]
DAY = r"^\d{4}-\d{2}-\d{2}$"
MAX_NAME = 200  # characters of an account name sent as translator or reviewer

# -- what comes in ----------------------------------------------------------------------------


class DocumentFields(Model):
    title: TypedPlain = Field(
        "", max_length=MAX_TITLE, description="empty: the first sentence (a file: its name)"
    )
    translator: Plain | None = Field(None, max_length=MAX_NAME, description="an active translator or admin")
    reviewer: Plain | None = Field(None, max_length=MAX_NAME, description="an active reviewer or admin")
    deadline: str | None = Field(None, pattern=DAY, description="YYYY-MM-DD")
    priority: Priority = "normal"
    mt: bool = Field(
        True, description="draft with MT what the memory does not cover; false: the memory alone"
    )


class NewDocument(DocumentFields):
    text: Text = Field(description="the Arabic text; paragraphs are kept")


class AssignmentChange(Model):
    """The assignment fields to change; a field left out keeps its value, null clears it."""

    translator: Plain | None = Field(None, max_length=MAX_NAME)
    reviewer: Plain | None = Field(None, max_length=MAX_NAME)
    deadline: str | None = Field(None, pattern=DAY, description="YYYY-MM-DD")
    priority: Priority = "normal"


class StageChange(Model):
    stage: Stage


class ListQuery(Query):
    stage: Stage | None = None
    mine: bool = Field(False, description="only documents the account owns, translates or reviews")
    cursor: str | None = Field(
        None, max_length=500, pattern=r"^[A-Za-z0-9_-]+$", description="the `next` of the previous page"
    )
    limit: int = Field(50, ge=1, le=100)


# -- what goes out -----------------------------------------------------------------------------


class Assignment(Answer):
    translator: str | None
    reviewer: str | None
    deadline: str | None = Field(description="YYYY-MM-DD")
    priority: Priority


class Drafting(Answer):
    """The background drafting (memory, then MT) of a document's sentences."""

    state: Literal["translating", "ready", "failed"] = Field(
        description="translating while drafts are made; the sentences are there once ready"
    )
    done: int
    total: int
    job_id: int | None = Field(description="GET /api/v1/jobs/{job_id} follows it")
    note: str | None = Field(description="why it failed, or an MT problem it met")
    stuck: bool = Field(description="translating without a job that will finish it: an owner drafts again")


class Counts(Answer):
    draft: int
    confirmed: int
    approved: int


class DocumentSummary(Answer):
    id: int
    title: str
    owner: str
    stage: Stage
    assignment: Assignment
    overdue: bool
    words: int
    segment_count: int
    counts: Counts = Field(description="sentences by status")
    percent: int = Field(description="sentences confirmed or approved, in % of all")
    drafting: Drafting
    created_at: str
    changed_at: str


class Document(DocumentSummary):
    writable: bool = Field(description="whether this account may change its sentences now")
    read_only: str | None = Field(description="why not, when it may not")
    manage: bool = Field(description="whether this account may change the assignment (PATCH)")
    moves: list[Stage] = Field(description="the stages this account may move it to now")
    segments: list[Segment] = Field(description="empty while drafting")


class DocumentPage(Answer):
    items: list[DocumentSummary]
    next: str | None = Field(description="pass it as cursor for the next page; null on the last page")


# -- formats -----------------------------------------------------------------------------------


READABLE = ", ".join(sorted(EXTENSIONS))  # what a document can be made from


@dataclass(frozen=True)
class Export:
    """A kind of file a document is exported as."""

    media_type: str | tuple[str, ...]
    what: str


EXPORTS: dict[str, Export] = {
    "txt": Export(
        "text/plain", "the English, paragraphs as in the Arabic (untranslated sentences keep their Arabic)"
    ),
    "tmx": Export("application/x-tmx+xml", "a TMX of the confirmed sentences"),
    "file": Export(
        tuple(MEDIA_TYPES[f] for f in ("html", "docx", "xliff")),
        "a document made from a file: that file (HTML, DOCX, XLIFF) in English, with its formatting",
    ),
}


MEDIA = ("text/plain", "application/x-tmx+xml", *(MEDIA_TYPES[f] for f in ("html", "docx", "xliff")))


class ExportQuery(Query):
    format: str = Field(
        "txt",
        description="; ".join(f"{k}: {e.what}" for k, e in EXPORTS.items()),
        json_schema_extra={"enum": list(EXPORTS)},
    )


def upload() -> tuple[str, bytes]:
    """Return the uploaded file's name and bytes; 400 without one, 413 when larger than tm takes."""
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        abort(400, "file: send the file as a multipart/form-data field named file")
    name = sent.filename.replace("\\", "/").rsplit("/", 1)[-1]  # a browser may send a whole path
    return name, sent.read()  # the request's size is capped before it is read (TM_MAX_UPLOAD_MB)


# -- documents ---------------------------------------------------------------------------------


def _summary(row: QueueRow) -> dict[str, Any]:
    doc = row.doc
    return {
        "id": doc.id,
        "title": doc.title,
        "owner": doc.owner,
        "stage": doc.stage,
        "assignment": {
            "translator": doc.translator,
            "reviewer": doc.reviewer,
            "deadline": doc.deadline,
            "priority": doc.priority,
        },
        "overdue": row.overdue,
        "words": doc.words,
        "segment_count": doc.total,
        "counts": {s: row.counts.get(s, 0) for s in SEGMENT_STATUSES},
        "percent": row.percent,
        "drafting": {
            "state": doc.status,
            "done": doc.progress,
            "total": doc.total,
            "job_id": doc.job_id,
            "note": doc.note or None,
            "stuck": drafting_stuck(doc),
        },
        "created_at": doc.created_at,
        "changed_at": doc.changed_at,
    }


def _counts(segs: list[SegmentRow]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in segs:
        counts[s.status] = counts.get(s.status, 0) + 1
    return counts


def _summary_of(doc_id: int) -> dict[str, Any]:
    store = services().store
    doc = store.documents.get(doc_id, layout=False)
    return _summary(queue_row(doc, _counts(store.documents.segments(doc_id))))


def _create(text: str, fields: DocumentFields) -> ResponseReturnValue:
    doc_id = services().documents.create(
        fields.title,
        text,
        g.user.name,
        translator=fields.translator,
        reviewer=fields.reviewer,
        deadline=fields.deadline,
        priority=fields.priority,
    )
    return _created(doc_id, fields)


def _created(doc_id: int, fields: DocumentFields) -> ResponseReturnValue:
    start_drafting(doc_id, mt=fields.mt)  # exactly as the web page starts it: a job for the worker
    return created(_summary_of(doc_id), url_for("api_v1.document", doc_id=doc_id))


@bp.post("/documents")
@operation("Documents", body=NewDocument, answers={201: DocumentSummary})
def create_document(body: NewDocument) -> ResponseReturnValue:
    """Create a document from an Arabic text; drafting (memory, then MT) runs in the background.

    The token's account owns it. `translator` and `reviewer` name active accounts (400 otherwise).
    Answers 201 with the document and its drafting job; poll GET /api/v1/documents/{id} (or the
    job) until `drafting.state` is `ready`, then read the sentences or export the English.
    """
    return _create(body.text, body)


FILE_FORM: dict[str, tuple[dict[str, Any], str]] = {
    "file": (
        {"type": "string", "format": "binary"},
        f"the Arabic as a {READABLE} file (text in UTF-8, UTF-16 with a byte-order mark or "
        "Windows-1256); the English comes back in the same format (export format=file)",
    ),
    "title": ({"type": "string", "maxLength": MAX_TITLE}, "empty: the file's name"),
    "translator": ({"type": "string"}, "an active translator or admin"),
    "reviewer": ({"type": "string"}, "an active reviewer or admin"),
    "deadline": ({"type": "string", "pattern": DAY}, "YYYY-MM-DD"),
    "priority": ({"type": "string", "enum": ["normal", "high", "urgent"]}, "normal by default"),
    "mt": ({"type": "boolean", "default": True}, "false: draft from the memory alone, without MT"),
}


@bp.post("/documents/file")
@operation("Documents", form=FILE_FORM, answers={201: DocumentSummary})
def create_document_from_file() -> ResponseReturnValue:
    """Create a document from an uploaded text file (multipart/form-data), drafted in the background.

    The other fields are those of POST /api/v1/documents, as form fields; an empty one is left out.
    """
    # the same checks and messages as a JSON body; an empty field is one left out
    sent: dict[str, Any] = {k: v for k, v in request.form.items() if v != ""}
    if "mt" in sent:  # a form says true or false in words
        sent["mt"] = {"true": True, "false": False}.get(sent["mt"], sent["mt"])
    checked: DocumentFields = parse(DocumentFields, sent)
    name, data = upload()
    try:
        doc_id = services().documents.create_file(
            checked.title,
            name,
            data,
            g.user.name,
            translator=checked.translator,
            reviewer=checked.reviewer,
            deadline=checked.deadline,
            priority=checked.priority,
        )
    except FormatError as e:
        abort(400, f"file: {e}")
    return _created(doc_id, checked)


@bp.get("/documents")
@operation("Documents", query=ListQuery, answers={200: DocumentPage})
def documents(q: ListQuery) -> ResponseReturnValue:
    """List the desk's documents as the queue shows them: by deadline (none last), priority, newest.

    Paging by cursor returns each document once, also when documents are created between pages
    (a document whose deadline or priority changes meanwhile moves in the order).
    """
    after = decode_cursor(q.cursor, keys={"deadline": str, "rank": int, "id": int})
    rows = services().documents.queue(g.user, mine=q.mine, stage=q.stage)
    if after is not None:
        key = (after["deadline"] == "", after["deadline"], after["rank"], -after["id"])
        rows = [r for r in rows if queue_key(r.doc) > key]
    page = rows[: q.limit]
    following = None
    if len(rows) > q.limit:
        _, deadline, rank, neg_id = queue_key(page[-1].doc)
        following = encode_cursor({"deadline": deadline, "rank": rank, "id": -neg_id})
    return jsonify(items=[_summary(r) for r in page], next=following)


@bp.get("/documents/<int:doc_id>")
@operation("Documents", answers={200: Document})
def document(doc_id: int) -> ResponseReturnValue:
    """Return a document: drafting state, stage, assignment, counts, this account's rights, sentences."""
    store = services().store
    doc = store.documents.get(doc_id, layout=False)
    segs = store.documents.segments(doc_id)
    writable = can_write(g.user, doc)
    return jsonify(
        **_summary(queue_row(doc, _counts(segs))),
        writable=writable,
        read_only=None if writable else read_only_reason(doc),
        manage=can_manage(g.user, doc),
        moves=moves(g.user, doc),
        segments=[segment_json(s) for s in segs] if doc.status != "translating" else [],
    )


@bp.patch("/documents/<int:doc_id>")
@operation("Documents", body=AssignmentChange, answers={200: DocumentSummary}, errors=(403,))
def update_document(doc_id: int, body: AssignmentChange) -> ResponseReturnValue:
    """Change who translates and reviews a document, its deadline or priority (its owner or an admin).

    A field left out keeps its value; null (or "") clears a translator, reviewer or deadline.
    """
    docs = services().documents
    doc = docs.store.documents.get(doc_id, layout=False)
    sent = body.model_fields_set
    docs.assign(
        doc_id,
        g.user,
        translator=body.translator if "translator" in sent else doc.translator,
        reviewer=body.reviewer if "reviewer" in sent else doc.reviewer,
        deadline=body.deadline if "deadline" in sent else doc.deadline,
        priority=body.priority if "priority" in sent else doc.priority,
    )
    return jsonify(_summary_of(doc_id))


@bp.post("/documents/<int:doc_id>/stage")
@operation("Documents", body=StageChange, answers={200: DocumentSummary}, errors=(403, 409))
def move_document(doc_id: int, body: StageChange) -> ResponseReturnValue:
    """Move a document to another stage, as the editor's buttons do (the `moves` of the document).

    A move the account may not make is a 403. A move the document's state refuses is a 409 whose
    message says why: sentences not yet confirmed (review) or approved (done), listed by number
    from 1; no reviewer assigned; no such move from its stage; or someone moved it meanwhile.
    """
    try:
        services().documents.move(doc_id, g.user, body.stage)
    except (Forbidden, NotFound, Busy):
        raise
    except TMError as e:
        abort(409, str(e))
    return jsonify(_summary_of(doc_id))


@bp.delete("/documents/<int:doc_id>")
@operation("Documents", answers={204: None}, errors=(403,))
def delete_document(doc_id: int) -> ResponseReturnValue:
    """Delete a document (its owner or an admin); its confirmed sentences stay in the memory."""
    services().documents.delete(doc_id, g.user)
    return "", 204


@bp.get("/documents/<int:doc_id>/export")
@operation("Documents", query=ExportQuery, answers={200: MEDIA}, errors=(422,))
def export_document(doc_id: int, q: ExportQuery) -> ResponseReturnValue:
    """Download a document: `txt` the English text, `tmx` its confirmed sentences, `file` the file in English.

    `file` is for a document made from a file (HTML, DOCX, XLIFF): the same file with each
    sentence's English (drafts too; a sentence without English keeps its Arabic) and its
    formatting; a pasted text has none (422).
    """
    if q.format not in EXPORTS:
        abort(400, f"format: one of {', '.join(EXPORTS)}, not {q.format!r}")
    docs = services().documents
    doc = docs.store.documents.get(doc_id, layout=False)
    if q.format == "txt":
        return download(docs.english(doc_id), doc.title + ".en.txt", "text/plain; charset=utf-8")
    if q.format == "tmx":
        return download(
            docs.confirmed_tmx(doc_id), doc.title + ".tmx", "application/x-tmx+xml; charset=utf-8"
        )
    if doc.format == "text":
        abort(422, "format: this document was pasted as text and has no file; use format=txt")
    data, name = docs.export_file(doc_id)
    return download_bytes(data, name, MEDIA_TYPES[doc.format])
