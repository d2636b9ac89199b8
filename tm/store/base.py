"""The storage contract every engine (SQLite, PostgreSQL) fulfils, and its data types."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from tm.lang import normalize

ORIGINS = ("human", "mt", "import")
DUPLICATE_POLICIES = ("skip", "overwrite", "keep")


def now() -> str:
    """Return the current UTC time as ISO 8601 with a Z, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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

    def __post_init__(self) -> None:
        if self.origin not in ORIGINS:
            raise ValueError(f"origin must be one of {', '.join(ORIGINS)}, not {self.origin!r}")


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


_UNSET: Any = object()


class Store(Protocol):
    """Persistent translation units with full history; every engine passes one contract."""

    engine: str

    @property
    def index_path(self) -> Any:
        """Where the fuzzy index of this memory is saved (a Path)."""

    def close(self) -> None:
        """Release the connection."""

    def memory_id(self) -> str:
        """Return this memory's random identity (saved indexes are tied to it)."""

    def transaction(self) -> AbstractContextManager[None]:
        """Group changes: all of them are kept or none (nests)."""

    def add(self, unit: NewUnit) -> Unit:
        """Store a new unit and its `create` history entry."""

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
    ) -> Unit:
        """Change a unit, bump its version and append the change to its history."""

    def delete(self, unit_id: int, *, author: str | None, expected_version: int | None = None) -> None:
        """Remove a unit; its history (with the deletion) stays."""

    def get(self, unit_id: int) -> Unit:
        """Return a unit or raise UnitNotFound."""

    def get_many(self, ids: Iterable[int]) -> dict[int, Unit]:
        """Return the units that exist among ids."""

    def find_source(self, norm: str) -> list[Unit]:
        """Return the units whose normalized source is exactly norm."""

    def history(self, unit_id: int) -> list[HistoryEntry]:
        """Return every change of a unit, oldest first, also after deletion."""

    def iter_units(self, batch: int = 2000) -> Iterator[Unit]:
        """Yield every unit in id order without loading them all."""

    def iter_keys(self) -> Iterator[tuple[int, str]]:
        """Yield (id, normalized source) of every unit in id order."""

    def last_change(self) -> int:
        """Return the id of the newest history entry (0 for an empty memory)."""

    def changes_since(self, change_id: int) -> tuple[int, dict[int, str | None]]:
        """Return the newest change id and each unit changed since: its normalized source, or None."""

    def count(self) -> int:
        """Return the number of units."""

    def stats(self) -> dict[str, Any]:
        """Return counts by origin and language pair, and the memory's size."""

    def target_candidates(self, words: list[str], limit: int) -> list[int]:
        """Return ids of the newest units whose normalized target contains the phrase."""

    def add_term(self, term: NewTerm) -> Term:
        """Add a glossary term (DuplicateTerm when source and target are already there)."""

    def update_term(self, term_id: int, **changes: Any) -> Term:
        """Change fields of a term."""

    def delete_term(self, term_id: int) -> None:
        """Remove a glossary term."""

    def get_term(self, term_id: int) -> Term:
        """Return a term or raise TermNotFound."""

    def terms(self) -> list[Term]:
        """Return every glossary term."""

    def glossary_version(self) -> str:
        """Return a value that changes whenever the glossary does."""

    def mt_cache_get(self, model: str, keys: Iterable[str]) -> dict[str, str]:
        """Return cached outputs of a model for normalized sentences."""

    def mt_cache_put(self, model: str, items: dict[str, str]) -> None:
        """Remember a model's outputs for normalized sentences."""

    def import_units(
        self,
        units: Iterable[NewUnit],
        *,
        on_duplicate: str = "skip",
        progress: Callable[[int], None] | None = None,
    ) -> ImportResult:
        """Add many units in one transaction: all or, on any error, none."""
