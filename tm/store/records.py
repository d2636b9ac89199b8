"""The records every store engine reads and writes, and the vocabularies they use (defined once)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from tm.lang import normalize

ORIGINS = ("human", "mt", "import")
DUPLICATE_POLICIES = ("skip", "overwrite", "keep")
ROLES = ("admin", "translator", "reviewer")
SEGMENT_STATUSES = ("draft", "confirmed", "approved")
UNIT_STATUSES = ("confirmed", "approved")  # approved: a reviewer signed the translation off
# How a confirmed English came to be, compared with what the translator was given (honest origins)
PROVENANCES = ("mt-unchanged", "mt-edited", "match-unchanged", "match-edited", "scratch")
TERM_STATUSES = ("proposed", "approved")
COMMENT_KINDS = ("comment", "rejection")
MAX_COMMENT = 4000  # characters of a comment or a rejection's reason
DOCUMENT_STATUSES = ("translating", "ready", "failed")  # the drafting state, not the desk's workflow
STAGES = ("new", "translating", "in review", "done")  # the desk's workflow of a document
PRIORITIES = ("normal", "high", "urgent")
JOB_STATES = ("queued", "running", "done", "failed")
# what a webhook may listen to; "ping" is only ever sent on request, to every hook
WEBHOOK_EVENTS = ("document.drafted", "document.in_review", "document.done")
DELIVERY_EVENTS = (*WEBHOOK_EVENTS, "ping")
DELIVERY_STATES = ("pending", "delivered", "failed")
MIN_PASSWORD = 8


def iso(t: datetime) -> str:
    """Return a time as the store writes times: ISO 8601 with a Z, to the second."""
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def now() -> str:
    """Return the current UTC time as the store writes times."""
    return iso(datetime.now(UTC))


def check_day(day: str, name: str = "day") -> str:
    """Return a real day written YYYY-MM-DD as given; ValueError for anything else (2026-13-45)."""
    try:
        if isinstance(day, str) and len(day) == 10 and date.fromisoformat(day).isoformat() == day:
            return day
    except ValueError:
        pass
    raise ValueError(f"{name} must be a day written YYYY-MM-DD, not {day!r}")


def check_review(status: str, provenance: str | None) -> None:
    """Raise ValueError for a unit status or provenance outside its vocabulary."""
    if status not in UNIT_STATUSES:
        raise ValueError(f"status must be one of {', '.join(UNIT_STATUSES)}, not {status!r}")
    if provenance is not None and provenance not in PROVENANCES:
        raise ValueError(f"provenance must be one of {', '.join(PROVENANCES)}, not {provenance!r}")


def source_hash(norm: str) -> int:
    """Return a signed 64-bit hash of normalized source text, for exact lookups."""
    return int.from_bytes(hashlib.blake2b(norm.encode(), digest_size=8).digest(), "big", signed=True)


def context_hash(prev: str | None, nxt: str | None) -> str:
    """Return the context key of a segment from its neighbours' source text."""
    key = f"{normalize(prev or '')}\x1f{normalize(nxt or '')}"
    return hashlib.blake2b(key.encode(), digest_size=8).hexdigest()


@dataclass
class NewUnit:
    """A translation unit to be added: original texts and what is known about them."""

    source: str
    target: str
    origin: str = "human"
    source_lang: str = "ar"
    target_lang: str = "en"
    mt_draft: str | None = None
    author: str | None = None
    context: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    created_at: str | None = None
    changed_at: str | None = None
    status: str = "confirmed"  # one of UNIT_STATUSES
    reviewer: str | None = None
    provenance: str | None = None  # one of PROVENANCES; None when unknown (imports, older units)
    # for the creating history entry only: who made it (default: the author), QA findings overridden
    changed_by: str | None = None
    qa_override: list[str] | None = None

    def __post_init__(self) -> None:
        if self.origin not in ORIGINS:
            raise ValueError(f"origin must be one of {', '.join(ORIGINS)}, not {self.origin!r}")
        check_review(self.status, self.provenance)


@dataclass
class Unit:
    """A stored translation unit; `version` grows with every change."""

    id: int
    source: str
    target: str
    origin: str
    source_lang: str
    target_lang: str
    mt_draft: str | None
    author: str | None
    context: str | None
    meta: dict[str, Any]
    created_at: str
    changed_at: str
    version: int
    status: str = "confirmed"  # one of UNIT_STATUSES
    reviewer: str | None = None  # who approved it
    provenance: str | None = None  # one of PROVENANCES, None when unknown

    def to_json(self) -> dict[str, Any]:
        """Return the stable JSON shape of a unit."""
        return {
            "id": self.id,
            "source": self.source,
            "target": self.target,
            "origin": self.origin,
            "source_lang": self.source_lang,
            "target_lang": self.target_lang,
            "mt_draft": self.mt_draft,
            "author": self.author,
            "context": self.context,
            "meta": self.meta,
            "created_at": self.created_at,
            "changed_at": self.changed_at,
            "version": self.version,
            "status": self.status,
            "reviewer": self.reviewer,
            "provenance": self.provenance,
        }


@dataclass
class NewTerm:
    """A glossary term to add: Arabic source, English target and how to use it."""

    source: str
    target: str
    notes: str = ""
    forbidden: list[str] = field(default_factory=list)  # English variants not to use
    enforce: bool = False  # protect the term in machine-translation drafts
    author: str | None = None


@dataclass
class Term:
    """A stored glossary term."""

    id: int
    source: str
    target: str
    notes: str
    forbidden: list[str]
    enforce: bool
    author: str | None
    created_at: str
    changed_at: str
    status: str = "approved"  # one of TERM_STATUSES: a proposal is not used until approved
    reviewed_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the JSON shape of a term."""
        return dict(self.__dict__)


@dataclass
class HistoryEntry:
    """One change of a unit: its state after the change (before it, for a delete)."""

    id: int
    unit_id: int
    version: int
    action: str  # create | update | delete
    source: str
    target: str
    origin: str
    mt_draft: str | None
    author: str | None
    at: str
    meta: dict[str, Any]
    status: str = "confirmed"
    reviewer: str | None = None
    provenance: str | None = None
    qa_override: list[str] | None = None  # the blocking QA codes the author confirmed over


@dataclass
class ImportResult:
    """What an import did."""

    added: int = 0
    updated: int = 0
    skipped: int = 0
    refused: int = 0
    messages: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return the JSON shape of the summary."""
        return {
            "added": self.added,
            "updated": self.updated,
            "skipped": self.skipped,
            "refused": self.refused,
            "messages": self.messages,
        }


@dataclass
class User:
    """An account."""

    id: int
    name: str
    password_hash: str
    role: str
    active: bool
    created_at: str


@dataclass
class DocRow:
    """A document: its layout (paragraphs and separators) rebuilds the text around segments."""

    id: int
    title: str
    owner: str
    layout: dict[str, Any]
    words: int
    status: str  # translating | ready | failed
    progress: int
    total: int
    note: str | None
    created_at: str
    changed_at: str
    job_id: int | None = None  # the newest pre-translation job of the document
    translator: str | None = None  # the assigned translator (writes while new or translating)
    reviewer: str | None = None  # the assigned reviewer (writes while in review)
    deadline: str | None = None  # YYYY-MM-DD
    priority: str = "normal"  # one of PRIORITIES
    stage: str = "new"  # one of STAGES
    format: str = "text"  # text, or the format of the file it came from (html, docx, xliff)


@dataclass
class SourceFile:
    """The file a document came from, kept to give it back in English with its formatting."""

    name: str
    data: bytes


@dataclass
class SegmentRow:
    """A segment of a document with its draft, current target and review status."""

    document_id: int
    idx: int
    paragraph: int
    source: str
    target: str
    draft: str
    origin: str
    score: int | None
    unit_id: int | None
    mt_draft: str | None
    status: str
    version: int
    repeat_of: int | None
    info: dict[str, Any]
    changed_by: str | None
    changed_at: str | None
    provenance: str | None = None  # how the confirmed English came to be (PROVENANCES)
    rejected_by: str | None = None  # the reviewer who sent it back, until it is confirmed again


@dataclass
class SegmentChange:
    """One change of a segment in a document (its undo history): the English after the change."""

    id: int
    document_id: int
    idx: int
    version: int
    target: str
    status: str
    action: str  # draft | save | confirm | approve | reject | revert | restore | replace
    author: str | None
    at: str

    def to_json(self) -> dict[str, Any]:
        """Return the JSON shape of a segment change."""
        return dict(self.__dict__)


@dataclass
class Comment:
    """A comment on a segment; `thread_id` is the id of the thread's first comment (its own, for that one)."""

    id: int
    document_id: int
    idx: int
    thread_id: int
    author: str
    body: str
    kind: str  # one of COMMENT_KINDS: a rejection is the reviewer's reason for sending a sentence back
    created_at: str
    resolved_by: str | None = None  # set on the thread's first comment
    resolved_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the JSON shape of a comment."""
        return dict(self.__dict__)


@dataclass
class Job:
    """A background job (pre-translation, import) as the jobs table holds it."""

    id: int
    kind: str
    owner: str
    state: str  # queued | running | done | failed
    params: dict[str, Any]
    done: int
    total: int
    result: Any
    error: str | None
    worker: str | None
    attempts: int
    created_at: str
    started_at: str | None
    finished_at: str | None
    heartbeat_at: str | None

    def to_json(self) -> dict[str, Any]:
        """Return the JSON shape of a job (what its owner may see)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "result": self.result,
            "error": self.error,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
        }


@dataclass(frozen=True)
class FeedPosition:
    """A place in the change feed: the newest change applied and its random token.

    The token tells the database state apart from another one with the same change id
    (a backup restored, a file replaced): a position whose token the database does not
    have at that id was never part of this database's history.
    """

    change: int = 0
    token: int = 0


def session_digest(token: str) -> str:
    """Return what a store keeps of a session's secret token (its SHA-256, never the token)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Token:
    """A personal API token of a user: named, revocable, with when it was last used (never the secret)."""

    id: int
    user_id: int
    name: str
    created_at: str
    last_used_at: str | None = None
    revoked_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the JSON shape of a token (without its secret, which is never kept)."""
        return dict(self.__dict__)


@dataclass
class Session:
    """A logged-in browser: who, since when, last seen, until when at most, and from where."""

    id: int
    user_id: int
    created_at: str
    seen_at: str
    expires_at: str  # the absolute end, however active the session is
    ip: str
    user_agent: str


@dataclass
class Webhook:
    """A URL a newsroom system registered for events, with the secret its deliveries are signed with."""

    id: int
    owner: str  # the account whose rights decide which documents' events it gets
    url: str
    events: list[str]  # among WEBHOOK_EVENTS
    document_id: int | None  # None: every document the owner may see
    secret: str  # the HMAC key; shown to its owner once, when made
    active: bool
    created_at: str

    def to_json(self) -> dict[str, Any]:
        """Return the JSON shape of a webhook, without its secret."""
        return {k: v for k, v in self.__dict__.items() if k != "secret"}


@dataclass
class Delivery:
    """One event for one webhook: what is sent, and how its attempts went."""

    id: int
    webhook_id: int
    event: str  # one of DELIVERY_EVENTS
    payload: dict[str, Any]  # the event's data; the body sent adds the delivery's id
    state: str  # one of DELIVERY_STATES
    attempts: int  # attempts started
    next_at: str  # when it is due (pending), or when it was last claimed
    last_status: int | None  # the HTTP status of the last attempt, None when none came back
    last_error: str | None  # why the last attempt failed (connection refused, timeout, HTTP 500: ...)
    created_at: str
    delivered_at: str | None = None
