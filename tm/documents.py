"""Documents in the editor: creation, pre-translation, confirming into the memory, export.

The web views call this; nothing here knows about HTTP.
"""

from __future__ import annotations

import io
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tm import files, tags
from tm.editing import Editing
from tm.errors import Busy, Forbidden, NotReady, TMError
from tm.files import Parsed
from tm.formats.tmx import write_tmx
from tm.glossary import Glossary
from tm.lang import PUNCT, tokenize
from tm.memory import TranslationMemory
from tm.pretranslate import SegmentDraft, TranslatorSource, pretranslate
from tm.qa import check
from tm.rights import MOVES, may_move, require_manage
from tm.segment import Document, Paragraph, Segment, segment
from tm.store.records import PRIORITIES, STAGES, DocRow, SourceFile, Unit, User
from tm.textcheck import MAX_TITLE, check_typed, is_blank
from tm.webhooks import STAGE_EVENTS, emit

MAX_SEGMENTS = 5000
FILE = "file"  # a draft's origin when the file came with it (a pre-translated XLIFF)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PRIORITY_ORDER = {p: i for i, p in enumerate(reversed(PRIORITIES))}  # urgent first


def parse_deadline(text: str | None) -> str | None:
    """Return a deadline as YYYY-MM-DD, None for an empty one; TMError for anything else."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if not _DATE.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise TMError(
            f"the deadline {text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-12-31"
        ) from None


@dataclass
class QueueRow:
    """A document in the desk's queue with its progress and whether it is late."""

    doc: DocRow
    done: int
    percent: int
    overdue: bool
    counts: dict[str, int] = field(default_factory=dict)  # segments by status


def queue_row(doc: DocRow, counts: dict[str, int], today: str | None = None) -> QueueRow:
    """Return a document's progress (confirmed or approved) and lateness as of today (YYYY-MM-DD)."""
    today = today or datetime.now(UTC).date().isoformat()
    done = counts.get("confirmed", 0) + counts.get("approved", 0)
    percent = round(100 * done / doc.total) if doc.total else 0
    late = doc.deadline is not None and doc.deadline < today and doc.stage != "done"
    return QueueRow(doc, done, percent, late, counts)


def queue_key(doc: DocRow) -> tuple[bool, str, int, int]:
    """Return a document's place in the queue: by deadline (none last), then priority, newest first."""
    return (doc.deadline is None, doc.deadline or "", _PRIORITY_ORDER[doc.priority], -doc.id)


def word_count(text: str) -> int:
    """Count the words of a text as CAT tools do (numbers count, punctuation does not)."""
    return sum(1 for t in tokenize(text) if t.kind != PUNCT)


def _plain_name(name: str) -> str:
    """Return a file's name fit for a title: no control or invisible direction characters."""
    visible = (c for c in name if c.isspace() or unicodedata.category(c) not in ("Cc", "Cf"))
    return " ".join("".join(" " if c.isspace() else c for c in visible).split())


def layout_of(doc: Document) -> dict[str, Any]:
    """Return what is stored of a document's layout: its paragraphs and leading space."""
    return {"before": doc.before, "paragraphs": doc.to_json()}


def layout_document(layout: dict[str, Any]) -> Document:
    """Rebuild a segmented Document from its stored JSON layout."""
    doc = Document(before=layout["before"])
    for p in layout["paragraphs"]:
        doc.paragraphs.append(
            Paragraph([Segment(s["text"], s["after"]) for s in p["segments"]], p["before"], p["after"])
        )
    return doc


# drafts are stored at most this often while a document is drafted (the editor shows them)
DRAFT_EVERY = 0.3


def _draft_row(row: DocRow, held: list[Any], s: SegmentDraft) -> dict[str, Any]:
    """Return what the store keeps of a segment's draft."""
    # what a sentence's inline tags stand for goes with it into the memory (and TMX)
    table = tags.subtable(files.block_tags(row.layout, s.paragraph), s.source)
    if s.index < len(held) and held[s.index][0] is not None:
        # the English the file came with (a pre-translated XLIFF) is the draft, not the memory's
        s.target, s.origin, s.score, s.unit_id = held[s.index][0], FILE, None, None
        s.qa = check(s.source, s.target, s.terms)
    return {
        "idx": s.index,
        "target": s.target,
        "origin": s.origin,
        "score": s.score,
        "unit_id": s.unit_id,
        "mt_draft": s.mt_draft,
        "repeat_of": s.repeat_of,
        "info": {
            "matches": [m.to_json() for m in s.matches],
            "terms": [h.to_json() for h in s.terms],
            "qa": [q.to_json() for q in s.qa],
            "adapted": [{"memory": a, "new": b} for a, b in s.changes],
            **({"tags": tags.table_json(table)} if table else {}),
        },
    }


@dataclass
class Documents(Editing):
    """The editor's operations on documents, over one memory (and its store) and a glossary."""

    memory: TranslationMemory
    glossary: Glossary

    def create(
        self,
        title: str,
        text: str,
        owner: str,
        *,
        translator: str | None = None,
        reviewer: str | None = None,
        deadline: str | None = None,
        priority: str = "normal",
    ) -> int:
        """Segment text and store it as a new document waiting for pre-translation."""
        doc = segment(text)
        return self._add(
            Parsed("text", doc),
            title,
            owner,
            (translator, reviewer, deadline, priority),
            empty="the text is empty: paste an Arabic article or choose a .txt file",
        )

    def create_file(
        self,
        title: str,
        name: str,
        data: bytes,
        owner: str,
        *,
        translator: str | None = None,
        reviewer: str | None = None,
        deadline: str | None = None,
        priority: str = "normal",
    ) -> int:
        """Read a file (.txt, .html, .docx, .xliff) and store it as a new document; keep the file.

        Its English comes back in the same format (`export_file`). FormatError for a file tm
        cannot read, TMError for one with no text or too many sentences.
        """
        parsed = files.read(name, data)
        stem = Path(name.replace("\\", "/")).stem
        assignment = (translator, reviewer, deadline, priority)
        if parsed.format == "text":  # a text file is a pasted text with a name
            empty = "the text is empty: paste an Arabic article or choose a .txt file"
            return self._add(parsed, title.strip() or _plain_name(stem), owner, assignment, empty=empty)
        file = SourceFile(name, data)
        return self._add(
            parsed, title, owner, assignment, empty=f"{name} holds no text to translate", file=file
        )

    def _add(
        self,
        parsed: Parsed,
        title: str,
        owner: str,
        assignment: tuple[str | None, str | None, str | None, str],
        *,
        empty: str,
        file: SourceFile | None = None,
    ) -> int:
        """Store a read document: its sentences, layout, title (the first sentence by default) and file."""
        translator, reviewer, deadline, priority = self._assignment(*assignment)
        sources = parsed.sources()
        if not sources:
            raise TMError(empty)
        if len(sources) > MAX_SEGMENTS:
            raise TMError(
                f"the text has {len(sources)} sentences; split it into parts of at most {MAX_SEGMENTS}"
            )
        title = title.strip() if not is_blank(title) else ""
        fallback = _plain_name(Path(file.name).stem) if file else tags.strip(sources[0][1])[:60]
        title = check_typed(title, "title", limit=MAX_TITLE) or fallback[:MAX_TITLE]
        layout = parsed.layout()
        if any(t is not None for t, _ in parsed.targets):  # a pre-translated XLIFF: its English is kept
            layout["held"] = [list(t) for t in parsed.targets]
        return self.store.documents.add(
            title,
            owner,
            layout,
            word_count(tags.strip(parsed.document.rebuild())),
            sources,
            translator=translator,
            reviewer=reviewer,
            deadline=deadline,
            priority=priority,
            format=parsed.format,
            file=file,
        )

    # -- the desk's workflow --------------------------------------------------------

    def _person(self, name: str | None, what: str, roles: tuple[str, ...]) -> str | None:
        name = (name or "").strip()
        if not name:
            return None
        user = self.store.accounts.find(name)
        if user is None or not user.active:
            raise TMError(f"there is no active account {name!r} to be the {what}; pick one from the list")
        if user.role not in roles:
            raise TMError(f"{name} is a {user.role} and cannot be the {what}; pick a {' or an '.join(roles)}")
        return name

    def _assignment(
        self, translator: str | None, reviewer: str | None, deadline: str | None, priority: str | None
    ) -> tuple[str | None, str | None, str | None, str]:
        priority = (priority or "normal").strip()
        if priority not in PRIORITIES:
            raise TMError(f"the priority must be one of {', '.join(PRIORITIES)}, not {priority!r}")
        return (
            self._person(translator, "translator", ("translator", "admin")),
            self._person(reviewer, "reviewer", ("reviewer", "admin")),
            parse_deadline(deadline),
            priority,
        )

    def assign(
        self,
        doc_id: int,
        user: User,
        *,
        translator: str | None,
        reviewer: str | None,
        deadline: str | None,
        priority: str | None,
    ) -> None:
        """Change who translates and reviews a document, its deadline and priority (owner or admin)."""
        require_manage(user, self.store.documents.get(doc_id, layout=False))
        t, r, d, p = self._assignment(translator, reviewer, deadline, priority)
        self.store.documents.assign(doc_id, translator=t, reviewer=r, deadline=d, priority=p)

    def move(self, doc_id: int, user: User, stage: str) -> DocRow:
        """Move a document to another stage, if this user may make that move from its current stage."""
        if stage not in STAGES:
            raise TMError(f"the stage must be one of {', '.join(STAGES)}, not {stage!r}")
        doc = self.store.documents.get(doc_id, layout=False)
        if (doc.stage, stage) not in MOVES:
            raise TMError(f"a document {doc.stage} cannot go to {stage}")
        if not may_move(user, doc, stage):
            who = MOVES[(doc.stage, stage)]
            may = "an admin" if who is None else f"its {who}, its owner or an admin"
            raise Forbidden(f"only {may} can move this document from {doc.stage} to {stage}")
        if stage == "in review" and not doc.reviewer:
            raise NotReady("assign a reviewer before sending the document to review")
        with self.store.transaction():  # the sentences cannot change between the check and the move
            self._require_complete(doc_id, stage)
            if not self.store.documents.set_stage(doc_id, stage, expected=doc.stage):
                raise NotReady("someone else moved this document meanwhile; reload the page and try again")
            if stage in STAGE_EVENTS:  # webhooks hear of the move exactly when it is kept
                emit(self.store, STAGE_EVENTS[stage], self.store.documents.get(doc_id, layout=False))
        return self.store.documents.get(doc_id, layout=False)

    def _require_complete(self, doc_id: int, stage: str) -> None:
        """Refuse to move a document on with sentences left: review needs all confirmed, done all approved."""
        if stage not in ("in review", "done"):
            return
        segs = self.store.documents.segments(doc_id)
        if stage == "in review":
            left, what, to = [s for s in segs if s.status == "draft"], "confirmed", "sending it to review"
        else:
            left, what, to = [s for s in segs if s.status != "approved"], "approved", "marking it done"
        if left:
            numbers = ", ".join(str(s.idx + 1) for s in left[:10]) + (", …" if len(left) > 10 else "")
            many = len(left) != 1
            raise NotReady(
                f"{len(left)} sentence{'s are' if many else ' is'} not {what} yet ({numbers}): "
                f"{'they need' if many else 'it needs'} to be {what} before {to}"
            )

    def queue(
        self, user: User, *, mine: bool = False, stage: str | None = None, today: date | None = None
    ) -> list[QueueRow]:
        """Return the desk's queue: by deadline (none last), then priority, newest first; filtered."""
        if stage is not None and stage not in STAGES:
            raise TMError(f"the stage must be one of {', '.join(STAGES)}, not {stage!r}")
        today_s = (today or datetime.now(UTC).date()).isoformat()
        rows = []
        for doc, counts in self.store.documents.all():
            if mine and user.name not in (doc.owner, doc.translator, doc.reviewer):
                continue
            if stage is not None and doc.stage != stage:
                continue
            rows.append(queue_row(doc, counts, today_s))
        rows.sort(key=lambda r: queue_key(r.doc))
        return rows

    def pretranslate(
        self,
        doc_id: int,
        translator: TranslatorSource,
        *,
        min_score: int = 75,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        """Draft every segment (memory, then MT), storing drafts as they come.

        The memory's drafts are stored before MT starts, then MT's as its batches come back
        (shortest sentences first), a few times a second at most: the editor shows them while
        the rest is drafted. A segment someone has saved meanwhile keeps their English (it gets
        the draft only as "back to the draft"). Run again after a crash, the drafting stores
        each sentence's draft once (the MT cache makes the sentences drafted before cheap).
        """
        row = self.store.documents.get(doc_id)
        doc = layout_document(row.layout)
        self.store.documents.set_state(doc_id, status="translating", progress=0)
        held = row.layout.get("held") or []
        waiting: list[dict[str, Any]] = []
        last = time.monotonic()

        def store_drafts(*, force: bool) -> None:
            nonlocal last
            if not waiting or (not force and time.monotonic() - last < DRAFT_EVERY):
                return
            last = time.monotonic()
            try:
                with self.store.transaction():
                    self.store.documents.set_drafts(doc_id, waiting)
                    self.store.documents.set_state(doc_id, progress=len(stored) + len(waiting))
            except Busy:  # the memory is busy: these drafts go with the next ones, or at the end
                return
            stored.update(d["idx"] for d in waiting)
            waiting.clear()
            if on_progress is not None:
                on_progress(len(stored))

        stored: set[int] = set()

        def drafted(s: SegmentDraft) -> None:
            waiting.append(_draft_row(row, held, s))
            store_drafts(force=False)

        try:
            result = pretranslate(
                doc,
                self.memory,
                translator=translator,
                glossary=self.glossary,
                min_score=min_score,
                on_draft=drafted,
                before_mt=lambda: store_drafts(force=True),  # the memory's drafts show before any MT
            )
        except Exception as e:
            with self.store.transaction():
                self.store.documents.set_state(doc_id, status="failed", note=f"pre-translation failed: {e}")
                emit(self.store, "document.drafted", self.store.documents.get(doc_id, layout=False))
            raise
        with self.store.transaction():
            if waiting:
                self.store.documents.set_drafts(doc_id, waiting)
            self.store.documents.set_state(
                doc_id, status="ready", progress=len(result.segments), note=result.mt_error or ""
            )
            emit(self.store, "document.drafted", self.store.documents.get(doc_id, layout=False))

    def delete(self, doc_id: int, user: User) -> DocRow:
        """Delete a document (its owner or an admin); its confirmed sentences stay in the memory."""
        doc = self.store.documents.get(doc_id, layout=False)
        if user.role != "admin" and user.name != doc.owner:
            raise Forbidden(f"only the owner ({doc.owner}) or an admin can delete this document")
        self.store.documents.delete(doc_id)
        return doc

    # -- output -----------------------------------------------------------------

    def english(self, doc_id: int) -> str:
        """Rebuild the document in English; segments without a translation keep their Arabic.

        A document from a file gives its text here without the inline formatting (tags);
        `export_file` gives the file itself.
        """
        row = self.store.documents.get(doc_id)
        segs = self.store.documents.segments(doc_id)
        texts = iter(s.target if s.target.strip() else s.source for s in segs)
        doc = layout_document(row.layout)
        if row.format == "text":
            return doc.rebuild(texts)
        # a file's blocks (headings, paragraphs, cells) as paragraphs of text, one blank line apart
        blocks = [p.rebuild([next(texts) for _ in p.segments]).strip() for p in doc.paragraphs]
        return "\n\n".join(tags.strip(b) for b in blocks if b) + "\n"

    def export_file(self, doc_id: int) -> tuple[bytes, str]:
        """Return a document from a file as that file in English, and the file's name.

        Every sentence with an English (a draft too) has it in the file, with its formatting;
        a sentence without one keeps its Arabic. TMError for a pasted document (no file).
        """
        row = self.store.documents.get(doc_id)
        source = self.store.documents.file(doc_id)
        if source is None or row.format == "text":
            raise TMError("this document was pasted as text; download its English as text")
        english = [
            files.SentenceEnglish(
                s.target if s.target.strip() else None,
                s.status,
                s.origin if s.origin not in ("none", "") else None,
                s.score,
            )
            for s in self.store.documents.segments(doc_id)
        ]
        return files.rebuild(row.layout, source.data, source.name, english), source.name

    def confirmed_tmx(self, doc_id: int) -> str:
        """Return a TMX of the document's confirmed and approved segments."""
        row: DocRow = self.store.documents.get(doc_id)
        out = io.StringIO()
        units = [
            Unit(
                s.idx + 1,
                s.source,
                s.target,
                "human",
                "ar",
                "en",
                s.mt_draft,
                s.changed_by,
                None,
                {"tmx": {"props": [["x-document", row.title]]}},
                s.changed_at or row.created_at,
                s.changed_at or row.created_at,
                s.version,
            )
            for s in self.store.documents.segments(doc_id)
            if s.status in ("confirmed", "approved")
        ]
        write_tmx(out, units)
        return out.getvalue()
