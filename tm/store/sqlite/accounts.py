"""The editor's accounts and the installation's session key in SQLite (a part of the SQLite store)."""

from __future__ import annotations

import secrets
import sqlite3

from tm.errors import TMError
from tm.store.records import ROLES, User, now
from tm.store.sqlite.db import Database

_USER_COLS = "id, name, password_hash, role, active, created_at"


def _user(row: tuple | None) -> User | None:
    return User(row[0], row[1], row[2], row[3], bool(row[4]), row[5]) if row else None


class SQLiteAccounts:
    """Accounts of the web editor."""

    def __init__(self, db: Database):
        self.db = db

    def secret_key(self) -> str:
        """Return this installation's session-signing key, made on first use."""
        row = self.db.execute("SELECT value FROM meta WHERE key='secret_key'").fetchone()
        if row:
            return row[0]
        with self.db.transaction():
            self.db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('secret_key', ?)", (secrets.token_hex(32),)
            )
        return self.db.execute("SELECT value FROM meta WHERE key='secret_key'").fetchone()[0]

    def add(self, name: str, password_hash: str, role: str) -> User:
        """Create an account; the name must be new."""
        if role not in ROLES:
            raise TMError(f"role must be one of {', '.join(ROLES)}")
        with self.db.transaction():
            try:
                cur = self.db.execute(
                    "INSERT INTO users (name, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
                    (name, password_hash, role, now()),
                )
            except sqlite3.IntegrityError:
                raise TMError(f"there is already a user called {name}") from None
            user = self.get(int(cur.lastrowid or 0))
        assert user is not None
        return user

    def get(self, user_id: int) -> User | None:
        """Return a user by id."""
        return _user(self.db.execute(f"SELECT {_USER_COLS} FROM users WHERE id=?", (user_id,)).fetchone())

    def find(self, name: str) -> User | None:
        """Return a user by name."""
        return _user(self.db.execute(f"SELECT {_USER_COLS} FROM users WHERE name=?", (name,)).fetchone())

    def all(self) -> list[User]:
        """Return every account, by name."""
        rows = self.db.execute(f"SELECT {_USER_COLS} FROM users ORDER BY name")
        return [u for u in map(_user, rows) if u is not None]

    def update(
        self,
        user_id: int,
        *,
        role: str | None = None,
        active: bool | None = None,
        password_hash: str | None = None,
    ) -> None:
        """Change role, active flag or password hash of an account."""
        if role is not None and role not in ROLES:
            raise TMError(f"role must be one of {', '.join(ROLES)}")
        with self.db.transaction():
            for key, value in (("role", role), ("active", active), ("password_hash", password_hash)):
                if value is not None:
                    self.db.execute(f"UPDATE users SET {key}=? WHERE id=?", (value, user_id))
