"""SQLite tables of the glossary and the machine-translation cache (a part of SQLiteStore)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from tm.errors import DuplicateTerm, TermNotFound
from tm.lang import normalize
from tm.store.base import NewTerm, Term, now


class TermTables:
    """Glossary terms and cached MT outputs; mixed into SQLiteStore, which owns `_db`."""

    _db: sqlite3.Connection

    _TERM_COLS = "id, source, target, notes, forbidden, enforce, author, created_at, changed_at"

    @staticmethod
    def _term(row: tuple) -> Term:
        return Term(row[0], row[1], row[2], row[3], json.loads(row[4]), bool(row[5]), *row[6:])

    def add_term(self, term: NewTerm) -> Term:
        """Add a glossary term; the same source and target twice is refused."""
        at = now()
        with self.transaction():
            try:
                cur = self._db.execute(
                    "INSERT INTO terms (source, target, source_norm, notes, forbidden, enforce, author, "
                    "created_at, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    ),
                )
            except sqlite3.IntegrityError:
                raise DuplicateTerm(term.source, term.target) from None
            self._bump_glossary()
            assert cur.lastrowid is not None
            return self.get_term(cur.lastrowid)

    def update_term(self, term_id: int, **changes: Any) -> Term:
        """Change fields of a term (source, target, notes, forbidden, enforce, author)."""
        with self.transaction():
            old = self.get_term(term_id)
            new = {**old.__dict__, **{k: v for k, v in changes.items() if v is not None}}
            try:
                self._db.execute(
                    "UPDATE terms SET source=?, target=?, source_norm=?, notes=?, forbidden=?, enforce=?, "
                    "author=?, changed_at=? WHERE id=?",
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
            except sqlite3.IntegrityError:
                raise DuplicateTerm(new["source"], new["target"]) from None
            self._bump_glossary()
            return self.get_term(term_id)

    def delete_term(self, term_id: int) -> None:
        """Remove a glossary term."""
        with self.transaction():
            self.get_term(term_id)
            self._db.execute("DELETE FROM terms WHERE id=?", (term_id,))
            self._bump_glossary()

    def get_term(self, term_id: int) -> Term:
        """Return a term or raise TermNotFound."""
        row = self._db.execute(f"SELECT {self._TERM_COLS} FROM terms WHERE id=?", (term_id,)).fetchone()
        if row is None:
            raise TermNotFound(term_id)
        return self._term(row)

    def terms(self) -> list[Term]:
        """Return every glossary term, by source."""
        rows = self._db.execute(f"SELECT {self._TERM_COLS} FROM terms ORDER BY source_norm, id")
        return [self._term(r) for r in rows]

    def _bump_glossary(self) -> None:
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES ('glossary_rev', '1') "
            "ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    def glossary_version(self) -> str:
        """Return a value that changes whenever the glossary does (for caches)."""
        row = self._db.execute("SELECT value FROM meta WHERE key='glossary_rev'").fetchone()
        return f"{self.memory_id()}:{row[0] if row else 0}"

    # -- machine-translation cache --------------------------------------------

    def mt_cache_get(self, model: str, keys: Iterable[str]) -> dict[str, str]:
        """Return cached outputs of a model for normalized sentences."""
        keys = list(keys)
        out: dict[str, str] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            rows = self._db.execute(
                "SELECT source_norm, output FROM mt_cache WHERE model=? AND source_norm IN "
                f"({','.join('?' * len(chunk))})",
                (model, *chunk),
            )
            out.update(dict(rows))
        return out

    def mt_cache_put(self, model: str, items: dict[str, str]) -> None:
        """Remember a model's outputs for normalized sentences."""
        at = now()
        with self.transaction():
            self._db.executemany(
                "INSERT INTO mt_cache (model, source_norm, output, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (model, source_norm) DO UPDATE SET output = excluded.output",
                [(model, k, v, at) for k, v in items.items()],
            )
