"""The storage contract, split by concern; every engine (SQLite, PostgreSQL) fulfils all of it.

A store is a composition of parts (units, glossary, MT cache, accounts, documents, jobs)
that share one database and one `transaction()`. Each part is a protocol here, and the
contract tests in tests/store/ run against every engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from tm.store.records import (
    Comment,
    Delivery,
    DocRow,
    FeedPosition,
    HistoryEntry,
    ImportResult,
    Job,
    NewTerm,
    NewUnit,
    SegmentChange,
    SegmentRow,
    Session,
    SourceFile,
    Term,
    Token,
    Unit,
    User,
    Webhook,
)

_UNSET: Any = object()


class UnitStore(Protocol):
    """Translation units with their full history and the committed-change feed."""

    def add(self, unit: NewUnit) -> Unit:
        """Store a new unit and its `create` history entry."""
        ...

    def update(
        self,
        unit_id: int,
        *,
        author: str | None,
        expected_version: int | None = None,
        source: str | None = None,
        target: str | None = None,
        origin: str | None = None,
        mt_draft: str | None = _UNSET,
        context: str | None = _UNSET,
        meta: dict[str, Any] | None = None,
        status: str | None = None,
        reviewer: str | None = _UNSET,
        provenance: str | None = _UNSET,
        qa_override: list[str] | None = None,
        changed_by: str | None = None,
    ) -> Unit:
        """Change a unit, bump its version and append the change to its history.

        The entry names `changed_by` (default: `author`) and records in `qa_override` the
        blocking QA findings that person confirmed over.
        """
        ...

    def delete(self, unit_id: int, *, author: str | None, expected_version: int | None = None) -> None:
        """Remove a unit; its history (with the deletion) stays."""
        ...

    def get(self, unit_id: int) -> Unit:
        """Return a unit or raise UnitNotFound."""
        ...

    def get_many(self, ids: Iterable[int]) -> dict[int, Unit]:
        """Return the units that exist among ids."""
        ...

    def find_source(self, norm: str) -> list[Unit]:
        """Return the units whose normalized source is exactly norm, oldest first."""
        ...

    def history(self, unit_id: int) -> list[HistoryEntry]:
        """Return every change of a unit, oldest first, also after deletion."""
        ...

    def iter_units(self, batch: int = 2000) -> Iterator[Unit]:
        """Yield every unit in id order without loading them all."""
        ...

    def list_units(
        self,
        *,
        origin: str | None = None,
        author: str | None = None,
        since: str | None = None,
        until: str | None = None,
        ids: list[int] | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Unit]:
        """Return units newest change first, filtered by origin, author and change date."""
        ...

    def page_units(
        self,
        *,
        after_id: int = 0,
        limit: int = 50,
        origin: str | None = None,
        author: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[Unit]:
        """Return up to limit units with an id above after_id, in id order, filtered as list_units.

        A stable page: paging on from the last id sees every unit that was there once, however
        the memory changes meanwhile.
        """
        ...

    def authors(self) -> list[str]:
        """Return the names that appear as unit authors."""
        ...

    def count(self) -> int:
        """Return the number of units."""
        ...

    def stats(self) -> dict[str, Any]:
        """Return counts by origin and language pair, and the memory's size."""
        ...

    def target_candidates(self, words: list[str], limit: int) -> list[int]:
        """Return ids of the newest units whose normalized target contains the phrase."""
        ...

    def import_units(
        self,
        units: Iterable[NewUnit],
        *,
        on_duplicate: str = "skip",
        progress: Callable[[int], None] | None = None,
        while_swapping: Callable[[Iterable[str]], None] | None = None,
    ) -> ImportResult:
        """Add many units: all of them or, on any error, none; other writers are not held up.

        An engine may call `while_swapping` on a thread of its own while it commits the units,
        with the normalized sources of the units it adds, in order, and maybe of some it read
        and skipped (TranslationMemory.expect_units): a bulk.Swapping, which also tells, before
        the commit, where the units went when it can.
        """
        ...

    # -- the change feed (committed changes only, in an order that never skips one) --

    def feed_position(self) -> FeedPosition:
        """Return the position of the newest committed change."""
        ...

    def changes_since(self, position: FeedPosition) -> tuple[FeedPosition, dict[int, str | None]]:
        """Return the newest position and, per unit changed since, its normalized source or None.

        Raises FeedMismatch when this database never was at `position` (restored, replaced).
        """
        ...

    def snapshot_keys(
        self, without: range | None = None
    ) -> AbstractContextManager[tuple[FeedPosition, Iterator[tuple[int, str]]]]:
        """Yield a position and (id, normalized source) of every unit at that position, consistently.

        The units whose ids are in `without` are left out (the index has them already).
        """
        ...


class GlossaryStore(Protocol):
    """The desk's glossary terms."""

    def add(self, term: NewTerm, *, status: str = "approved") -> Term:
        """Add a term, or a proposal with status="proposed" (DuplicateTerm if the pair is there)."""
        ...

    def update(self, term_id: int, **changes: Any) -> Term:
        """Change fields of a term (source, target, notes, forbidden, enforce, author), not its status."""
        ...

    def approve(self, term_id: int, by: str) -> Term:
        """Approve a proposed term, recording who did; an approved term is left as it is."""
        ...

    def delete(self, term_id: int) -> None:
        """Remove a term."""
        ...

    def get(self, term_id: int) -> Term:
        """Return a term or raise TermNotFound."""
        ...

    def all(self, *, status: str | None = None) -> list[Term]:
        """Return every term (or those with one status: proposed or approved), by source."""
        ...

    def version(self) -> str:
        """Return a value that changes whenever the glossary does (added, changed, approved, deleted)."""
        ...


class MTCacheStore(Protocol):
    """Machine-translation outputs per (model, normalized sentence)."""

    def get(self, model: str, keys: Iterable[str]) -> dict[str, str]:
        """Return cached outputs of a model for normalized sentences."""
        ...

    def put(self, model: str, items: dict[str, str]) -> None:
        """Remember a model's outputs for normalized sentences."""
        ...


class AccountStore(Protocol):
    """The editor's accounts, their sessions and the installation's cookie-signing key."""

    def secret_key(self) -> str:
        """Return this installation's session-signing key, made on first use."""
        ...

    def add(self, name: str, password_hash: str, role: str) -> User:
        """Create an account; the name must be new."""
        ...

    def get(self, user_id: int) -> User | None:
        """Return a user by id."""
        ...

    def find(self, name: str) -> User | None:
        """Return a user by name."""
        ...

    def all(self) -> list[User]:
        """Return every account, by name."""
        ...

    def update(
        self,
        user_id: int,
        *,
        role: str | None = None,
        active: bool | None = None,
        password_hash: str | None = None,
        keep_session: int | None = None,
    ) -> None:
        """Change role, active flag or password hash of an account.

        A new password, another role or a lock ends the account's sessions (but keep_session).
        """
        ...

    def add_session(
        self, user_id: int, token: str, *, expires_at: str, ip: str = "", user_agent: str = ""
    ) -> Session:
        """Start a session for a user under a secret token (only its digest is stored)."""
        ...

    def get_session(self, token: str) -> Session | None:
        """Return the session of a token, or None (ended, pruned or never made)."""
        ...

    def sessions(self, user_id: int) -> list[Session]:
        """Return a user's sessions, most recently seen first."""
        ...

    def touch_session(self, session_id: int, seen_at: str) -> None:
        """Record that a session was used at a time (never moves it back); Busy at once, never a wait."""
        ...

    def end_session(self, session_id: int) -> None:
        """End one session at once (its token no longer finds it)."""
        ...

    def end_sessions(self, user_id: int, *, keep: int | None = None) -> int:
        """End every session of a user but `keep`; return how many ended."""
        ...

    def prune_sessions(self, *, now: str, idle_before: str) -> int:
        """Delete sessions past their end or not seen since idle_before; Busy at once, never a wait."""
        ...

    def login_failures(self, name: str, ip: str, *, since: str) -> int:
        """Return how many wrong passwords were given for a name from an address since a time."""
        ...

    def add_login_failure(self, name: str, ip: str, *, at: str, forget_before: str) -> int:
        """Record a wrong password for a name from an address; return how many it has since forget_before.

        Failures of every name older than forget_before are deleted in the same transaction.
        """
        ...

    def clear_login_failures(self, name: str, ip: str) -> None:
        """Forget the wrong passwords of a name from an address (it logged in)."""
        ...

    def add_token(self, user_id: int, name: str, secret: str) -> Token:
        """Give a user a named API token for a secret (only its digest is stored)."""
        ...

    def tokens(self, user_id: int) -> list[Token]:
        """Return a user's tokens, revoked ones too, newest first."""
        ...

    def find_token(self, secret: str) -> Token | None:
        """Return the live (not revoked) token of a secret, or None."""
        ...

    def touch_token(self, token_id: int, used_at: str) -> None:
        """Record when a token was last used (never moves it back); Busy at once, never a wait."""
        ...

    def revoke_token(self, token_id: int, *, user_id: int | None = None) -> Token:
        """Revoke a token (of that user, when given) at once; NotFound if there is no such token."""
        ...


class DocumentStore(Protocol):
    """The editor's documents and their segments."""

    def add(
        self,
        title: str,
        owner: str,
        layout: dict[str, Any],
        words: int,
        sources: list[tuple[int, str]],
        *,
        translator: str | None = None,
        reviewer: str | None = None,
        deadline: str | None = None,
        priority: str = "normal",
        format: str = "text",
        file: SourceFile | None = None,
    ) -> int:
        """Store a new document (status translating, stage new) with its segments (paragraph, source).

        A document read from a file has its format and keeps the file (`file`).
        """
        ...

    def file(self, doc_id: int) -> SourceFile | None:
        """Return the file a document came from (None for a pasted text; NotFound for no document)."""
        ...

    def get(self, doc_id: int, *, layout: bool = True) -> DocRow:
        """Return a document or raise NotFound; `layout=False` skips its (large) layout."""
        ...

    def all(self) -> list[tuple[DocRow, dict[str, int]]]:
        """Return every document, newest first, with its segment counts by status."""
        ...

    def set_state(
        self,
        doc_id: int,
        *,
        status: str | None = None,
        progress: int | None = None,
        note: str | None = None,
        job_id: int | None = None,
    ) -> None:
        """Record pre-translation progress, the status, a note and the drafting job."""
        ...

    def assign(
        self,
        doc_id: int,
        *,
        translator: str | None,
        reviewer: str | None,
        deadline: str | None,
        priority: str,
    ) -> None:
        """Set a document's translator, reviewer, deadline (YYYY-MM-DD) and priority (NotFound if none)."""
        ...

    def set_stage(self, doc_id: int, stage: str, *, expected: str | None = None) -> bool:
        """Move a document to a stage (with `expected`: only from that one); return whether it moved."""
        ...

    def delete(self, doc_id: int) -> None:
        """Remove a document and its segments."""
        ...

    def segments(self, doc_id: int) -> list[SegmentRow]:
        """Return a document's segments in order."""
        ...

    def segment(self, doc_id: int, idx: int) -> SegmentRow:
        """Return one segment or raise NotFound."""
        ...

    def neighbours(self, doc_id: int, idx: int) -> tuple[SegmentRow | None, SegmentRow, SegmentRow | None]:
        """Return the segment before, the segment and the one after (NotFound if idx is not there)."""
        ...

    def repetitions(self, doc_id: int, idx: int, *, status: str | None = None) -> list[SegmentRow]:
        """Return the other segments of the document with the same normalized source."""
        ...

    def set_drafts(self, doc_id: int, drafts: Iterable[dict[str, Any]]) -> None:
        """Store pre-translation results: target = draft, origin, score, unit, MT draft, info."""
        ...

    def save_segment(
        self,
        doc_id: int,
        idx: int,
        *,
        target: str,
        status: str,
        user: str,
        expected_version: int | None = None,
        info: dict[str, Any] | None = None,
        action: str = "save",
        provenance: str | None = _UNSET,
        rejected_by: str | None = _UNSET,
    ) -> SegmentRow:
        """Save a segment's target and status; a save based on an older version is refused.

        The change goes into the segment's history as `action` (a person's run of autosaves
        within two minutes is one entry, updated).
        """
        ...

    def history(self, doc_id: int, idx: int, *, limit: int = 50) -> list[SegmentChange]:
        """Return a segment's changes, newest first (NotFound if the segment is not there)."""
        ...

    def confirmations(
        self,
        *,
        document: int | None = None,
        author: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[tuple[SegmentRow, SegmentChange]]:
        """Return the confirmed and approved segments, each with the history entry that confirmed it.

        That entry is the segment's newest `confirm`, or its newest `approve` when it has no
        confirm; filtered by document, by the entry's author and by the entry's day (UTC,
        YYYY-MM-DD, both ends included); in order of document and segment.
        """
        ...


class CommentStore(Protocol):
    """Threaded comments on the segments of documents."""

    def add(
        self,
        doc_id: int,
        idx: int,
        author: str,
        body: str,
        *,
        thread: int | None = None,
        kind: str = "comment",
    ) -> Comment:
        """Start a thread on a segment, or reply to `thread` (NotFound if it or the segment is not there)."""
        ...

    def get(self, comment_id: int) -> Comment:
        """Return a comment or raise NotFound."""
        ...

    def for_document(self, doc_id: int, idx: int | None = None) -> list[Comment]:
        """Return a document's (or one segment's) comments, threads in order, replies after their thread."""
        ...

    def resolve(self, thread: int, by: str | None) -> Comment:
        """Mark a thread resolved by someone, or open again with None; return its first comment."""
        ...

    def unresolved(self) -> dict[int, int]:
        """Return, per document with any, the number of threads not resolved."""
        ...


class EditingTimeStore(Protocol):
    """Active editing time the editor records, per segment, person and day (UTC)."""

    def add(self, doc_id: int, idx: int, author: str, ms: int, day: str) -> int:
        """Add ms to what the author spent on a segment that day (YYYY-MM-DD); return that day's total.

        NotFound if the segment is not there; ValueError for a negative ms or a malformed day.
        """
        ...

    def totals(
        self,
        *,
        document: int | None = None,
        author: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> dict[tuple[int, int, str], int]:
        """Return the ms per (document, segment, author), over the days since..until (both included)."""
        ...


class WebhookStore(Protocol):
    """Webhooks newsroom systems register, and the outbox of their deliveries with every attempt.

    A delivery is enqueued inside the transaction of the change it reports (it exists exactly
    when that change committed); any process may claim due deliveries, and a claim is a lease
    that no other process can take until it runs out.
    """

    def add(
        self, owner: str, url: str, events: list[str], secret: str, *, document_id: int | None = None
    ) -> Webhook:
        """Register a webhook (events among WEBHOOK_EVENTS; NotFound for a document that is not there)."""
        ...

    def get(self, hook_id: int) -> Webhook:
        """Return a webhook or raise NotFound."""
        ...

    def for_owner(self, owner: str) -> list[Webhook]:
        """Return an account's webhooks, oldest first."""
        ...

    def update(
        self,
        hook_id: int,
        *,
        url: str | None = None,
        events: list[str] | None = None,
        active: bool | None = None,
    ) -> Webhook:
        """Change a webhook's URL, events or active flag (NotFound if there is no such hook)."""
        ...

    def delete(self, hook_id: int) -> None:
        """Remove a webhook and its deliveries (NotFound if there is no such hook)."""
        ...

    def listening(self, event: str, document_id: int) -> list[Webhook]:
        """Return the active webhooks of an event for a document (theirs, or every document's)."""
        ...

    def enqueue(
        self, hook_id: int, event: str, payload: dict[str, Any], *, at: str | None = None
    ) -> Delivery:
        """Queue a delivery due at `at` (default now), in the caller's transaction if there is one."""
        ...

    def claim(self, *, now: str, lease_until: str, limit: int = 10) -> list[Delivery]:
        """Take due pending deliveries of active hooks: each counts an attempt and is due again
        only at lease_until, so no other claim takes it meanwhile; oldest due first."""
        ...

    def record(
        self,
        delivery_id: int,
        attempt: int,
        *,
        state: str,
        status: int | None,
        error: str | None,
        next_at: str | None = None,
    ) -> bool:
        """Record how attempt number `attempt` went: delivered, failed, or pending again at next_at.

        Returns False (and changes nothing) when the delivery is no longer that claim's: another
        claim took it after the lease ran out, or it was settled or deleted meanwhile.
        """
        ...

    def get_delivery(self, delivery_id: int) -> Delivery:
        """Return a delivery or raise NotFound."""
        ...

    def deliveries(self, hook_id: int, *, before: int | None = None, limit: int = 50) -> list[Delivery]:
        """Return a webhook's deliveries newest first, those with an id below `before` when given."""
        ...

    def prune(self, *, delivered_before: str, failed_before: str) -> int:
        """Delete delivered deliveries made before delivered_before and failed ones made before
        failed_before (pending ones stay); return how many."""
        ...


class JobStore(Protocol):
    """Background jobs: any process may queue one, claim it, report progress and finish it."""

    def submit(
        self, kind: str, owner: str, params: dict[str, Any], *, total: int = 0, file: BinaryIO | None = None
    ) -> Job:
        """Queue a job, with the input file it reads if any (kept in the same transaction)."""
        ...

    def has_file(self, job_id: int) -> bool:
        """Tell whether a job's input file is still kept."""
        ...

    def open_file(self, job_id: int) -> BinaryIO:
        """Return a job's input file for reading (NotFound if none is kept)."""
        ...

    def get(self, job_id: int) -> Job:
        """Return a job or raise NotFound."""
        ...

    def claim(self, worker: str, kinds: Iterable[str]) -> Job | None:
        """Take the oldest queued job of the kinds for a worker (running), or None."""
        ...

    def claim_id(self, job_id: int, worker: str) -> Job | None:
        """Take one job if it is still queued (None if another worker has it or it ended)."""
        ...

    def progress(self, job_id: int, done: int, total: int | None = None) -> None:
        """Record progress (and that the worker is alive)."""
        ...

    def heartbeat(self, job_id: int) -> None:
        """Record that the worker of a running job is alive."""
        ...

    def finish(self, job_id: int, result: Any) -> None:
        """Mark a job done with its result."""
        ...

    def fail(self, job_id: int, error: str) -> None:
        """Mark a queued or running job failed with a message for its owner (a finished one stays)."""
        ...

    def requeue(self, job_id: int, note: str) -> None:
        """Put a job that is still running back in the queue (its worker died)."""
        ...

    def pending(self, kinds: Iterable[str]) -> int:
        """Return how many jobs of the kinds are queued or running."""
        ...

    def queued(self, kinds: Iterable[str]) -> list[Job]:
        """Return the queued jobs of the kinds, oldest first."""
        ...

    def running(self) -> list[Job]:
        """Return the jobs that some worker is running."""
        ...

    def prune(self, before: str) -> int:
        """Delete finished jobs that ended before a time; return how many."""
        ...


class Store(Protocol):
    """A memory: its parts, one transaction across them, and where its files live."""

    engine: str

    @property
    def units(self) -> UnitStore:
        """Return the translation units, their history and the change feed."""
        ...

    @property
    def glossary(self) -> GlossaryStore:
        """Return the glossary."""
        ...

    @property
    def mt_cache(self) -> MTCacheStore:
        """Return the machine-translation cache."""
        ...

    @property
    def accounts(self) -> AccountStore:
        """Return the editor's accounts."""
        ...

    @property
    def documents(self) -> DocumentStore:
        """Return the editor's documents."""
        ...

    @property
    def jobs(self) -> JobStore:
        """Return the background jobs."""
        ...

    @property
    def comments(self) -> CommentStore:
        """Return the comments on segments."""
        ...

    @property
    def timing(self) -> EditingTimeStore:
        """Return the active editing time recorded per segment, person and day."""
        ...

    @property
    def webhooks(self) -> WebhookStore:
        """Return the webhooks and the outbox of their deliveries."""
        ...

    @property
    def location(self) -> str:
        """Return where the memory is (a path or URL without password), for messages."""
        ...

    @property
    def index_path(self) -> Path | None:
        """Return where a local fuzzy index of this memory may be saved (None: nowhere)."""
        ...

    def memory_id(self) -> str:
        """Return this memory's random identity (saved indexes are tied to it)."""
        ...

    def schema_version(self) -> int:
        """Return the schema version of the database."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """Group changes across parts: all of them are kept or none (nests)."""
        ...

    @property
    def in_transaction(self) -> bool:
        """Tell whether this thread is inside a write transaction of the store."""
        ...

    @property
    def commits(self) -> int:
        """Return how many write transactions this process has committed (a number that only grows).

        A change to it tells derived state (the fuzzy index) that this process changed the
        memory, to be learned at once; other processes' changes come through the feed.
        """
        ...

    def close(self) -> None:
        """Release every connection."""
        ...
