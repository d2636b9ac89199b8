"""The glossary and the machine-translation cache in Postgres (parts of the Postgres store)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable
from typing import Any

from psycopg.errors import UniqueViolation

from tm.errors import DuplicateTerm, TermNotFound
from tm.lang import normalize
from tm.store.postgres.db import Database
from tm.store.records import TERM_STATUSES, NewTerm, Term, now


class PostgresGlossary:
    """Glossary terms."""

    def __init__(self, db: Database, memory_id: Callable[[], str]):
        self.db = db
        self._memory_id = memory_id

    _TERM_COLS = (
        "id, source, target, notes, forbidden, enforce, author, created_at, changed_at, status, reviewed_by"
    )

    @staticmethod
    def _term(row: tuple) -> Term:
        return Term(row[0], row[1], row[2], row[3], json.loads(row[4]), bool(row[5]), *row[6:])

    @staticmethod
    def _check_status(status: str) -> None:
        if status not in TERM_STATUSES:
            raise ValueError(f"a term's status is one of {', '.join(TERM_STATUSES)}, not {status!r}")

    def add(self, term: NewTerm, *, status: str = "approved") -> Term:
        """Add a term (a proposal with status="proposed"); the same source and target twice is refused."""
        self._check_status(status)
        at = now()
        with self.db.transaction():
            try:
                cur = self.db.execute(
                    "INSERT INTO terms (source, target, source_norm, notes, forbidden, enforce, author, "
                    "created_at, changed_at, status) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                    "RETURNING id",
                    (
                        term.source,
                        term.target,
                        normalize(term.source),
                        term.notes,
                        json.dumps(term.forbidden, ensure_ascii=False),
                        int(term.enforce),
                        term.author,
                        at,
                        at,
                        status,
                    ),
                )
            except UniqueViolation:
                raise DuplicateTerm(term.source, term.target) from None
            self._bump_glossary()
            return self.get(int(cur.fetchone()[0]))

    def update(self, term_id: int, **changes: Any) -> Term:
        """Change fields of a term (source, target, notes, forbidden, enforce, author), not its status."""
        unknown = set(changes) - {"source", "target", "notes", "forbidden", "enforce", "author"}
        if unknown:  # the status changes through approve() only, which records the reviewer
            raise TypeError(f"a term has no changeable field {', '.join(sorted(unknown))}")
        with self.db.transaction():
            old = self.get(term_id)
            new = {**old.__dict__, **{k: v for k, v in changes.items() if v is not None}}
            try:
                self.db.execute(
                    "UPDATE terms SET source=%s, target=%s, source_norm=%s, notes=%s, forbidden=%s, "
                    "enforce=%s, author=%s, changed_at=%s WHERE id=%s",
                    (
                        new["source"],
                        new["target"],
                        normalize(new["source"]),
                        new["notes"],
                        json.dumps(list(new["forbidden"]), ensure_ascii=False),
                        int(bool(new["enforce"])),
                        new["author"],
                        now(),
                        term_id,
                    ),
                )
            except UniqueViolation:
                raise DuplicateTerm(new["source"], new["target"]) from None
            self._bump_glossary()
            return self.get(term_id)

    def approve(self, term_id: int, by: str) -> Term:
        """Approve a proposed term (from now on it is used), recording who; an approved one stays as it is."""
        with self.db.transaction():
            if self.get(term_id).status == "approved":
                return self.get(term_id)
            self.db.execute(
                "UPDATE terms SET status='approved', reviewed_by=%s, changed_at=%s WHERE id=%s",
                (by, now(), term_id),
            )
            self._bump_glossary()
            return self.get(term_id)

    def delete(self, term_id: int) -> None:
        """Remove a glossary term."""
        with self.db.transaction():
            self.get(term_id)
            self.db.execute("DELETE FROM terms WHERE id=%s", (term_id,))
            self._bump_glossary()

    def get(self, term_id: int) -> Term:
        """Return a term or raise TermNotFound."""
        row = self.db.execute(f"SELECT {self._TERM_COLS} FROM terms WHERE id=%s", (term_id,)).fetchone()
        if row is None:
            raise TermNotFound(term_id)
        return self._term(row)

    def all(self, *, status: str | None = None) -> list[Term]:
        """Return every glossary term, by source; only those with a status when one is given."""
        if status is None:
            rows = self.db.execute(f"SELECT {self._TERM_COLS} FROM terms ORDER BY source_norm, id")
        else:
            self._check_status(status)
            rows = self.db.execute(
                f"SELECT {self._TERM_COLS} FROM terms WHERE status=%s ORDER BY source_norm, id", (status,)
            )
        return [self._term(r) for r in rows]

    def _bump_glossary(self) -> None:
        # a random token, not a counter: a rollback must not let a later change reuse a version
        # that a reader inside the rolled-back transaction has already seen
        self.db.execute(
            "INSERT INTO meta (key, value) VALUES ('glossary_rev', %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (secrets.token_hex(8),),
        )

    def version(self) -> str:
        """Return a value that changes whenever the glossary does (for caches)."""
        row = self.db.execute("SELECT value FROM meta WHERE key='glossary_rev'").fetchone()
        return f"{self._memory_id()}:{row[0] if row else 0}"


class PostgresMTCache:
    """Machine-translation outputs per (model, normalized sentence)."""

    def __init__(self, db: Database):
        self.db = db

    def get(self, model: str, keys: Iterable[str]) -> dict[str, str]:
        """Return cached outputs of a model for normalized sentences."""
        keys = list(keys)
        if not keys:
            return {}
        rows = self.db.execute(
            "SELECT source_norm, output FROM mt_cache WHERE model=%s AND source_norm = ANY(%s)", (model, keys)
        )
        return dict(rows)

    def put(self, model: str, items: dict[str, str]) -> None:
        """Remember a model's outputs for normalized sentences."""
        at = now()
        with self.db.transaction():
            self.db.executemany(
                "INSERT INTO mt_cache (model, source_norm, output, created_at) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (model, source_norm) DO UPDATE SET output = excluded.output",
                [(model, k, v, at) for k, v in items.items()],
            )
