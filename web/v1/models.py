"""The shapes /api/v1 answers with, shared by its modules (records of tm.store as JSON)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from web.v1.spec import Answer

Provenance = Literal["mt-unchanged", "mt-edited", "match-unchanged", "match-edited", "scratch"]


class UserInfo(Answer):
    name: str
    role: Literal["admin", "translator", "reviewer"]


class TokenInfo(Answer):
    id: int
    user_id: int
    name: str
    created_at: str
    last_used_at: str | None
    revoked_at: str | None


class Me(Answer):
    user: UserInfo
    token: TokenInfo


class Unit(Answer):
    """A translation unit as stored: the originals byte for byte, with who and how."""

    id: int
    source: str
    target: str
    origin: Literal["human", "mt", "import"]
    source_lang: str
    target_lang: str
    mt_draft: str | None
    author: str | None
    context: str | None
    meta: dict[str, Any]
    created_at: str
    changed_at: str
    version: int = Field(description="send it back with a change: a change based on an older one is a 409")
    status: Literal["confirmed", "approved"]
    reviewer: str | None
    provenance: Provenance | None


class DiffChunk(Answer):
    op: Literal["equal", "insert", "delete", "replace"]
    text: str


class NumberChange(Answer):
    memory: str
    query: str


class Match(Answer):
    """A memory match for a sentence: kind and score, the unit, and how its Arabic differs."""

    kind: str = Field(description="context (101), exact (100) or fuzzy")
    score: int
    source: str
    target: str
    unit_id: int
    origin: str
    author: str | None
    changed_at: str
    status: str
    reviewer: str | None
    provenance: str | None
    qa_override: list[str] | None
    numbers: list[NumberChange]
    diff: list[DiffChunk]


class Matches(Answer):
    matches: list[Match]


class Hit(Answer):
    """A unit containing the searched words, with [start, end) spans in the originals."""

    unit_id: int
    source: str
    target: str
    source_spans: list[list[int]]
    target_spans: list[list[int]]
    origin: str
    changed_at: str


class Hits(Answer):
    hits: list[Hit]


class TermHit(Answer):
    term_id: int
    source: str
    target: str
    notes: str
    forbidden: list[str]
    enforce: bool
    start: int
    end: int
    text: str


class QAIssue(Answer):
    code: str
    message: str


class Adaptation(Answer):
    memory: str
    new: str


class DraftedSegment(Answer):
    index: int
    paragraph: int
    source: str
    target: str
    origin: str = Field(description="context, exact, adapted, fuzzy, mt, or none when nothing drafted it")
    score: int | None
    unit_id: int | None
    repeat_of: int | None
    adapted: list[Adaptation]
    terms: list[TermHit]
    qa: list[QAIssue]
    matches: list[Match]


class Translation(Answer):
    segments: list[DraftedSegment]
    counts: dict[str, int]
    engine: str | None
    model: str | None
    mt_error: str | None
    english: str = Field(description="the English rebuilt with the text's paragraphs")


class JobInfo(Answer):
    id: int
    kind: str
    state: Literal["queued", "running", "done", "failed"]
    done: int
    total: int
    result: Any
    error: str | None
    created_at: str
    started_at: str | None
    finished_at: str | None


class Term(Answer):
    id: int
    source: str
    target: str
    notes: str
    forbidden: list[str]
    enforce: bool
    author: str | None
    created_at: str
    changed_at: str
    status: Literal["proposed", "approved"]
    reviewed_by: str | None


class QAOverride(Answer):
    by: str
    at: str
    codes: list[str]


class SegmentTag(Answer):
    """What an inline tag of a sentence stands for (the tag is a private-use character, tm.tags)."""

    kind: Literal["open", "close", "empty"]
    name: str = Field(description="b, i, a, br, img, a run's formatting...")
    title: str = Field(description="a link's address, a footnote's text, the native code")


class Segment(Answer):
    idx: int
    paragraph: int
    source: str
    target: str
    draft: str = Field(description="what drafting gave (revert puts it back)")
    origin: str = Field(description="context, exact, adapted, fuzzy, mt, or none when nothing drafted it")
    score: int | None
    status: Literal["draft", "confirmed", "approved"]
    version: int = Field(description="send it back with a change: a change based on an older one is a 409")
    repeat_of: int | None
    terms: list[TermHit]
    qa: list[QAIssue]
    matches: list[Match]
    adapted: list[Adaptation]
    changed_by: str | None
    changed_at: str | None
    provenance: Provenance | None
    rejected_by: str | None
    override: QAOverride | None
    tags: dict[str, SegmentTag] = Field(
        default_factory=dict,
        description="what the sentence's inline tags stand for, by number (only sentences with tags)",
    )
