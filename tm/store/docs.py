"""Data types of the web editor's tables: accounts, documents, segments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ROLES = ("admin", "translator", "reviewer")
STATUSES = ("draft", "confirmed", "approved")


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
