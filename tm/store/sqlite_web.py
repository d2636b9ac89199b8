"""SQLite tables of the web editor: accounts, documents and their segments (part of SQLiteStore)."""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterable
from typing import Any

from tm.errors import StaleUnit, TMError
from tm.store.base import now
from tm.store.docs import ROLES, DocRow, SegmentRow, User

_DOC_COLS = "id, title, owner, layout, words, status, progress, total, note, created_at, changed_at"
_SEG_COLS = (
    "document_id, idx, paragraph, source, target, draft, origin, score, unit_id, mt_draft, status, "
    "version, repeat_of, info, changed_by, changed_at"
)


class NotFound(TMError):
    """A document, segment or user that does not exist."""


class WebTables:
    """Accounts, documents and segments; mixed into SQLiteStore, which owns `_db`."""

    _db: sqlite3.Connection

    # -- installation secret ---------------------------------------------------

    def secret_key(self) -> str:
        """Return this installation's session-signing key, made on first use."""
        with self.transaction():
            self._db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('secret_key', ?)", (secrets.token_hex(32),)
            )
        return self._db.execute("SELECT value FROM meta WHERE key='secret_key'").fetchone()[0]

    # -- users -----------------------------------------------------------------

    def _user(self, row: tuple | None) -> User | None:
        return User(row[0], row[1], row[2], row[3], bool(row[4]), row[5]) if row else None

    def add_user(self, name: str, password_hash: str, role: str) -> User:
        """Create an account; the name must be new."""
        if role not in ROLES:
            raise TMError(f"role must be one of {', '.join(ROLES)}")
        with self.transaction():
            try:
                cur = self._db.execute(
                    "INSERT INTO users (name, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
                    (name, password_hash, role, now()),
                )
            except sqlite3.IntegrityError:
                raise TMError(f"there is already a user called {name}") from None
        user = self.get_user(int(cur.lastrowid or 0))
        assert user is not None
        return user

    def get_user(self, user_id: int) -> User | None:
        """Return a user by id."""
        return self._user(
            self._db.execute(
                "SELECT id, name, password_hash, role, active, created_at FROM users WHERE id=?", (user_id,)
            ).fetchone()
        )

    def find_user(self, name: str) -> User | None:
        """Return a user by name."""
        return self._user(
            self._db.execute(
                "SELECT id, name, password_hash, role, active, created_at FROM users WHERE name=?", (name,)
            ).fetchone()
        )

    def users(self) -> list[User]:
        """Return every account."""
        rows = self._db.execute(
            "SELECT id, name, password_hash, role, active, created_at FROM users ORDER BY name"
        )
        return [u for u in map(self._user, rows) if u is not None]

    def update_user(self, user_id: int, **changes: Any) -> None:
        """Change role, active flag or password hash of an account."""
        allowed = {"role", "active", "password_hash"}
        if set(changes) - allowed:
            raise ValueError(f"cannot change {set(changes) - allowed}")
        if changes.get("role") is not None and changes["role"] not in ROLES:
            raise TMError(f"role must be one of {', '.join(ROLES)}")
        with self.transaction():
            for key, value in changes.items():
                if value is not None:
                    self._db.execute(f"UPDATE users SET {key}=? WHERE id=?", (value, user_id))

    # -- documents -------------------------------------------------------------

    def add_document(
        self, title: str, owner: str, layout: dict[str, Any], words: int, sources: list[tuple[int, str]]
    ) -> int:
        """Store a new document (status translating) with its segments (paragraph, source)."""
        at = now()
        with self.transaction():
            cur = self._db.execute(
                "INSERT INTO documents (title, owner, layout, words, status, total, created_at, changed_at) "
                "VALUES (?, ?, ?, ?, 'translating', ?, ?, ?)",
                (title, owner, json.dumps(layout, ensure_ascii=False), words, len(sources), at, at),
            )
            doc_id = int(cur.lastrowid or 0)
            self._db.executemany(
                "INSERT INTO segments (document_id, idx, paragraph, source) VALUES (?, ?, ?, ?)",
                [(doc_id, i, p, s) for i, (p, s) in enumerate(sources)],
            )
        return doc_id

    def document(self, doc_id: int) -> DocRow:
        """Return a document or raise NotFound."""
        row = self._db.execute(f"SELECT {_DOC_COLS} FROM documents WHERE id=?", (doc_id,)).fetchone()
        if row is None:
            raise NotFound(f"document {doc_id} does not exist")
        return DocRow(*row[:3], json.loads(row[3]), *row[4:])

    def documents(self) -> list[tuple[DocRow, dict[str, int]]]:
        """Return every document, newest first, with its segment counts by status."""
        docs = [
            DocRow(*r[:3], json.loads(r[3]), *r[4:])
            for r in self._db.execute(f"SELECT {_DOC_COLS} FROM documents ORDER BY id DESC")
        ]
        counts: dict[int, dict[str, int]] = {}
        for doc_id, status, n in self._db.execute(
            "SELECT document_id, status, COUNT(*) FROM segments GROUP BY 1, 2"
        ):
            counts.setdefault(doc_id, {})[status] = n
        return [(d, counts.get(d.id, {})) for d in docs]

    def set_document_state(
        self, doc_id: int, *, status: str | None = None, progress: int | None = None, note: str | None = None
    ) -> None:
        """Record pre-translation progress, the final status and a note (an MT error, say)."""
        with self.transaction():
            for key, value in (("status", status), ("progress", progress), ("note", note)):
                if value is not None:
                    self._db.execute(
                        f"UPDATE documents SET {key}=?, changed_at=? WHERE id=?", (value, now(), doc_id)
                    )

    def delete_document(self, doc_id: int) -> None:
        """Remove a document and its segments (the memory keeps what was confirmed)."""
        with self.transaction():
            self.document(doc_id)
            self._db.execute("DELETE FROM documents WHERE id=?", (doc_id,))

    # -- segments --------------------------------------------------------------

    def _segment(self, row: tuple) -> SegmentRow:
        return SegmentRow(*row[:13], json.loads(row[13]), *row[14:])

    def segments(self, doc_id: int) -> list[SegmentRow]:
        """Return a document's segments in order."""
        rows = self._db.execute(
            f"SELECT {_SEG_COLS} FROM segments WHERE document_id=? ORDER BY idx", (doc_id,)
        )
        return [self._segment(r) for r in rows]

    def segment(self, doc_id: int, idx: int) -> SegmentRow:
        """Return one segment or raise NotFound."""
        row = self._db.execute(
            f"SELECT {_SEG_COLS} FROM segments WHERE document_id=? AND idx=?", (doc_id, idx)
        ).fetchone()
        if row is None:
            raise NotFound(f"segment {idx} of document {doc_id} does not exist")
        return self._segment(row)

    def set_drafts(self, doc_id: int, drafts: Iterable[dict[str, Any]]) -> None:
        """Store pre-translation results: target = draft, origin, score, unit, MT draft, info."""
        with self.transaction():
            self._db.executemany(
                "UPDATE segments SET target=:target, draft=:target, origin=:origin, score=:score, "
                "unit_id=:unit_id, mt_draft=:mt_draft, repeat_of=:repeat_of, info=:info "
                "WHERE document_id=:doc AND idx=:idx",
                [{**d, "doc": doc_id, "info": json.dumps(d["info"], ensure_ascii=False)} for d in drafts],
            )

    def save_segment(
        self,
        doc_id: int,
        idx: int,
        *,
        target: str,
        status: str,
        user: str,
        expected_version: int | None = None,
        info: dict | None = None,
    ) -> SegmentRow:
        """Save a segment's target and status; a save based on an older version is refused."""
        with self.transaction():
            old = self.segment(doc_id, idx)
            if expected_version is not None and expected_version != old.version:
                raise StaleUnit(idx, expected_version, old.version)
            self._db.execute(
                "UPDATE segments SET target=?, status=?, version=version+1, changed_by=?, changed_at=?, "
                "info=? WHERE document_id=? AND idx=?",
                (
                    target,
                    status,
                    user,
                    now(),
                    json.dumps(info if info is not None else old.info, ensure_ascii=False),
                    doc_id,
                    idx,
                ),
            )
            self._db.execute("UPDATE documents SET changed_at=? WHERE id=?", (now(), doc_id))
            return self.segment(doc_id, idx)
