"""Documents: the list, a new document from pasted text or a file, the editor page, downloads."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import Any
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    stream_template,
    url_for,
)
from flask.typing import ResponseReturnValue

from tm import files, tags
from tm.errors import NotFound, NotReady, TMError
from tm.files import MEDIA_TYPES
from tm.formats.html import looks_like_html
from tm.lang import arabic_script_in
from tm.qa import BLOCKING
from tm.rights import can_manage, can_redraft, can_write, moves, read_only_reason
from tm.store.records import PRIORITIES, STAGES, DocRow, SegmentRow
from web import services
from web.jobs import PRETRANSLATE
from web.security import csrf_token

bp = Blueprint("documents", __name__)


@bp.route("/")
def index() -> ResponseReturnValue:
    """The desk's queue: by deadline, filtered to mine or a stage, with progress, assignees and lateness."""
    mine = request.args.get("mine", "") == "1"
    stage = request.args.get("stage", "") or None
    rows = services().documents.queue(g.user, mine=mine, stage=stage)
    return render_template(
        "documents.html",
        rows=rows,
        mine=mine,
        stage=stage,
        stages=STAGES,
        memory_units=services().store.units.count(),
        unresolved=services().store.comments.unresolved(),
    )


def _people() -> dict[str, list[str]]:
    """Return the active accounts that can translate and review, for the assignment forms."""
    users = [u for u in services().store.accounts.all() if u.active]
    return {
        "translators": [u.name for u in users if u.role in ("translator", "admin")],
        "reviewers": [u.name for u in users if u.role in ("reviewer", "admin")],
        "priorities": list(PRIORITIES),
    }


def start_drafting(doc_id: int, *, mt: bool = True) -> None:
    """Queue a document's drafting (memory, then MT unless mt is false) as a job for the worker."""
    svc = services()
    doc = svc.store.documents.get(doc_id)
    with svc.store.transaction():
        params = {"document": doc_id, "mt": mt}
        job = svc.store.jobs.submit(PRETRANSLATE, g.user.name, params, total=doc.total)
        svc.store.documents.set_state(doc_id, status="translating", progress=0, note="", job_id=job.id)
    svc.worker.notify(job)


def drafting_runs(doc: DocRow) -> bool:
    """Tell whether a document's drafting job is queued or running now."""
    if doc.status != "translating" or doc.job_id is None:
        return False
    try:
        job = services().store.jobs.get(doc.job_id)
    except NotFound:  # pruned, or the database was restored without it
        return False
    return job.state not in ("done", "failed")


def drafting_stuck(doc: DocRow) -> bool:
    """Tell whether a document shows "drafting" without a job that will ever finish it."""
    if doc.status != "translating" or drafting_runs(doc):
        return False
    if doc.job_id is None:
        return True
    # its job is gone or ended; `doc` may have been read just before the drafting ended: a
    # drafting stores the document's status before its job ends, so the document read now
    # tells whether it ended well
    try:
        now = services().store.documents.get(doc.id, layout=False)
    except NotFound:  # deleted meanwhile: nothing to draft
        return False
    return now.status == "translating" and now.job_id == doc.job_id


def waiting(s: SegmentRow) -> bool:
    """Tell whether a sentence of a document being drafted still waits for its draft.

    No draft is stored for it yet and nobody has saved it (a draft never replaces what a person
    saved, so such a sentence waits for nothing).
    """
    return s.changed_by is None and s.origin == "none" and not s.target


@bp.route("/documents/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    """Create a document from pasted text (or HTML) or an uploaded file, then pre-translate it.

    Files: .txt, .html/.htm, .docx, .xlf/.xliff; a file's English comes back in its own format.
    """
    # the creator translates by default when a translator; the form can name someone else or nobody
    chosen = {
        "translator": request.form.get("translator", g.user.name if g.user.role == "translator" else ""),
        "reviewer": request.form.get("reviewer", ""),
        "deadline": request.form.get("deadline", ""),
        "priority": request.form.get("priority", "normal"),
    }
    if request.method == "GET":
        return render_template("new_document.html", text="", title="", chosen=chosen, **_people())
    title = request.form.get("title", "")
    text = request.form.get("text", "")
    upload = request.files.get("file")
    docs = services().documents
    try:
        if upload and upload.filename:
            name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1]  # a browser may send a path
            data = upload.read()  # the request's size is capped before it is read (TM_MAX_UPLOAD_MB)
            doc_id = docs.create_file(title, name, data, g.user.name, **chosen)
        elif looks_like_html(text):  # HTML pasted from a CMS: its formatting comes back in the English
            doc_id = docs.create_file(title, "pasted.html", text.encode(), g.user.name, **chosen)
        else:
            doc_id = docs.create(title, text, g.user.name, **chosen)
    except TMError as e:
        flash(str(e), "error")
        return render_template("new_document.html", text=text, title=title, chosen=chosen, **_people()), 400
    start_drafting(doc_id)
    if not (upload and upload.filename) and not arabic_script_in(text):
        flash(
            "This text has no Arabic in it: tm drafts Arabic into English. If the English was pasted "
            "by mistake, delete this document and paste the Arabic.",
            "warn",
        )
    return redirect(url_for("documents.editor", doc_id=doc_id))


@bp.route("/documents/<int:doc_id>")
def editor(doc_id: int) -> ResponseReturnValue:
    """The post-editing grid of one document."""
    doc = services().store.documents.get(doc_id)
    stuck = drafting_stuck(doc)
    # while drafts are made the grid opens at once: the sentences fill in as their drafts come
    drafting = doc.status == "translating" and not stuck
    rows = _Rows(doc, drafting)

    def chips(text: str, table: dict[str, dict[str, str]]) -> list[tuple[str, dict[str, Any] | None]]:
        """Split a sentence into its text and its tags, each tag with its chip's label (editor-field.js)."""
        out: list[tuple[str, dict[str, Any] | None]] = []
        for i, piece in enumerate(re.split(f"({tags.TAG.pattern})", text)):
            parsed = tags.parse(piece) if i % 2 else None
            if parsed is None:
                if piece:
                    out.append((piece, None))
                continue
            n, kind = parsed
            tag = table.get(str(n), {})
            label = f"{'/' if kind == tags.CLOSE else ''}{tag.get('name') or 'x'}{n}"
            chip = {"label": label, "title": tag.get("title", ""), "kind": tags.KINDS[kind], "n": n}
            out.append((piece, chip))
        return out

    # The page streams out as it is written: the browser fetches the styles, scripts and font its
    # head names while the server reads the sentences (`rows`, when the page first needs them),
    # and draws the first rows while the server still writes the others (500 sentences are half a
    # megabyte of HTML). The session cookie goes out with the headers, before the template runs:
    # what it would change there (a new CSRF token, the flashed messages it shows and so takes
    # out) is done now.
    csrf_token()
    get_flashed_messages(with_categories=True)  # kept for the template's own call
    page = stream_template(
        "editor.html",
        doc=doc,
        rows=rows,
        chips=chips,
        blocking=BLOCKING,  # the editor moves on at once unless a confirm will likely be refused
        stuck=stuck,
        drafting=drafting,
        is_waiting=waiting,
        writable=can_write(g.user, doc),
        read_only=read_only_reason(doc),
        manage=can_manage(g.user, doc),
        moves=moves(g.user, doc),
        **_people(),
    )
    return Response(_pieces(page), content_type="text/html; charset=utf-8")


class _Rows:
    """A document's sentences for its editor page, read when the (streaming) page first needs them."""

    def __init__(self, doc: DocRow, drafting: bool = False):
        self.doc = doc
        self.drafting = drafting

    @cached_property
    def segments(self) -> list[SegmentRow]:
        """Return the document's segments, drafted or being drafted (none once drafting stopped or failed)."""
        shown = self.doc.status == "ready" or self.drafting
        return services().store.documents.segments(self.doc.id) if shown else []

    @cached_property
    def waiting_terms(self) -> dict[int, list[dict[str, Any]]]:
        """Return the glossary terms in the Arabic of the sentences still waiting for their draft.

        A drafted sentence keeps its terms with its draft; these are the same hits, marked at once.
        """
        if not self.drafting:
            return {}
        pending = [s for s in self.segments if waiting(s)]
        found = services().glossary.hits_many([s.source for s in pending])
        return {s.idx: [h.to_json() for h in hits] for s, (hits, _) in zip(pending, found, strict=True)}

    @cached_property
    def tag_tables(self) -> dict[int, dict[str, dict[str, str]]]:
        """Return what the tags of each sentence with inline tags stand for, to name its chips."""
        return {
            s.idx: {
                str(n): {"kind": t.kind, "name": t.name, "title": t.title}
                for n, t in tags.subtable(
                    files.block_tags(self.doc.layout, s.paragraph), s.source + s.target
                ).items()
            }
            for s in self.segments
            if tags.TAG.search(s.source + s.target)
        }


def _pieces(parts: Iterable[str], first: int = 1024, most: int = 32768) -> Iterator[str]:
    """Join a template's many small strings into writes, from 1 KB (the head, at once) to 32 KB."""
    buf: list[str] = []
    n, limit = 0, first
    for part in parts:
        buf.append(part)
        n += len(part)
        if n >= limit:
            yield "".join(buf)
            buf.clear()
            n, limit = 0, min(2 * limit, most)
    if buf:
        yield "".join(buf)


@bp.route("/documents/<int:doc_id>/assign", methods=["POST"])
def assign(doc_id: int) -> ResponseReturnValue:
    """Change a document's translator, reviewer, deadline and priority (its owner or an admin)."""
    services().documents.assign(
        doc_id,
        g.user,
        translator=request.form.get("translator", ""),
        reviewer=request.form.get("reviewer", ""),
        deadline=request.form.get("deadline", ""),
        priority=request.form.get("priority", ""),
    )
    flash("Assignment saved.", "ok")
    return redirect(url_for("documents.editor", doc_id=doc_id))


@bp.route("/documents/<int:doc_id>/stage", methods=["POST"])
def stage(doc_id: int) -> ResponseReturnValue:
    """Move a document to another stage (to review, done, back to translating) if this user may."""
    try:
        doc = services().documents.move(doc_id, g.user, request.form.get("stage", ""))
    except NotReady as e:  # not yet: said in the editor the translator came from, not on a page of its own
        flash(f"The document did not move: {e}.", "error")
        return redirect(url_for("documents.editor", doc_id=doc_id), 303)
    flash(f"“{doc.title}” is now {doc.stage}.", "ok")
    return redirect(url_for("documents.editor", doc_id=doc_id))


@bp.route("/documents/<int:doc_id>/english.txt")
def english(doc_id: int) -> ResponseReturnValue:
    """Download the English document with the original paragraphs."""
    svc = services()
    doc = svc.store.documents.get(doc_id)
    return download(svc.documents.english(doc_id), f"{doc.title}.en.txt", "text/plain; charset=utf-8")


@bp.route("/documents/<int:doc_id>/file")
def english_file(doc_id: int) -> ResponseReturnValue:
    """Download a document read from a file as that file in English (HTML, DOCX, XLIFF)."""
    doc = services().store.documents.get(doc_id, layout=False)
    data, name = services().documents.export_file(doc_id)
    stem, dot, ext = name.rpartition(".")
    english = f"{stem}.en.{ext}" if dot and doc.format != "xliff" else name  # XLIFF goes back as it came
    return download_bytes(data, english, MEDIA_TYPES[doc.format])


@bp.route("/documents/<int:doc_id>/confirmed.tmx")
def confirmed_tmx(doc_id: int) -> ResponseReturnValue:
    """Download a TMX of the document's confirmed segments."""
    svc = services()
    doc = svc.store.documents.get(doc_id)
    return download(
        svc.documents.confirmed_tmx(doc_id), f"{doc.title}.tmx", "application/x-tmx+xml; charset=utf-8"
    )


@bp.route("/documents/<int:doc_id>/delete", methods=["POST"])
def delete(doc_id: int) -> ResponseReturnValue:
    """Delete a document (its owner or an admin); confirmed sentences stay in the memory."""
    doc = services().documents.delete(doc_id, g.user)
    flash(f"Deleted “{doc.title}”. Its confirmed sentences stay in the memory.", "ok")
    return redirect(url_for("documents.index"))


@bp.route("/documents/<int:doc_id>/retranslate", methods=["POST"])
def retranslate(doc_id: int) -> ResponseReturnValue:
    """Draft a document again (its owner or an admin; once done, an admin); what people saved is kept."""
    doc = services().store.documents.get(doc_id, layout=False)
    if not can_redraft(g.user, doc):
        abort(403)
    # a drafting that ended since `doc` was read, or never will, is started again
    if drafting_runs(doc):
        flash("This document is being drafted already.", "ok")
    else:
        start_drafting(doc_id)
    return redirect(url_for("documents.editor", doc_id=doc_id))


def download(text: str, filename: str, mimetype: str) -> Response:
    """Return text as a file download named filename (Arabic names kept for browsers that can)."""
    return download_bytes(text.encode(), filename, mimetype)


def download_bytes(data: bytes, filename: str, mimetype: str) -> Response:
    """Return bytes as a file download named filename (Arabic names kept for browsers that can)."""
    filename = filename if len(filename) <= 120 else filename[:100] + "…" + filename[-12:]
    response = Response(data, content_type=mimetype)
    ascii_name = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in filename)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response
