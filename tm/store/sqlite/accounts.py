"""The editor's accounts and the installation's session key in SQLite (a part of the SQLite store)."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from tm.errors import NotFound, TMError
from tm.store.records import ROLES, Session, Token, User, now, session_digest
from tm.store.sqlite.db import Database

_USER_COLS = "id, name, password_hash, role, active, created_at"


_SESSION_COLS = "id, user_id, created_at, seen_at, expires_at, ip, user_agent"
_TOKEN_COLS = "id, user_id, name, created_at, last_used_at, revoked_at"


def _user(row: tuple | None) -> User | None:
    return User(row[0], row[1], row[2], row[3], bool(row[4]), row[5]) if row else None


def _session(row: tuple | None) -> Session | None:
    return Session(*row) if row else None


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
        keep_session: int | None = None,
    ) -> None:
        """Change role, active flag or password hash of an account.

        A new password, another role or a lock ends the account's sessions (but keep_session).
        """
        if role is not None and role not in ROLES:
            raise TMError(f"role must be one of {', '.join(ROLES)}")
        with self.db.transaction():
            before = self.get(user_id)
            for key, value in (("role", role), ("active", active), ("password_hash", password_hash)):
                if value is not None:
                    self.db.execute(f"UPDATE users SET {key}=? WHERE id=?", (value, user_id))
            if before is not None and (
                password_hash is not None or active is False or (role is not None and role != before.role)
            ):
                self.end_sessions(user_id, keep=keep_session)

    # -- sessions ------------------------------------------------------------------

    def add_session(
        self, user_id: int, token: str, *, expires_at: str, ip: str = "", user_agent: str = ""
    ) -> Session:
        """Start a session for a user under a secret token (only its digest is stored)."""
        at = now()
        with self.db.transaction():
            cur = self.db.execute(
                "INSERT INTO sessions (digest, user_id, created_at, seen_at, expires_at, ip, user_agent) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (session_digest(token), user_id, at, at, expires_at, ip[:64], user_agent[:256]),
            )
        return Session(int(cur.lastrowid or 0), user_id, at, at, expires_at, ip[:64], user_agent[:256])

    def get_session(self, token: str) -> Session | None:
        """Return the session of a token, or None (ended, pruned or never made)."""
        row = self.db.execute(
            f"SELECT {_SESSION_COLS} FROM sessions WHERE digest=?", (session_digest(token),)
        ).fetchone()
        return _session(row)

    def sessions(self, user_id: int) -> list[Session]:
        """Return a user's sessions, most recently seen first."""
        rows = self.db.execute(
            f"SELECT {_SESSION_COLS} FROM sessions WHERE user_id=? ORDER BY seen_at DESC, id DESC",
            (user_id,),
        )
        return [s for s in map(_session, rows) if s is not None]

    def touch_session(self, session_id: int, seen_at: str) -> None:
        """Record that a session was used at a time (never moves it back); Busy at once, never a wait."""
        with self._without_waiting(), self.db.transaction():
            self.db.execute(
                "UPDATE sessions SET seen_at=? WHERE id=? AND seen_at<?", (seen_at, session_id, seen_at)
            )

    def end_session(self, session_id: int) -> None:
        """End one session at once (its token no longer finds it)."""
        with self.db.transaction():
            self.db.execute("DELETE FROM sessions WHERE id=?", (session_id,))

    def end_sessions(self, user_id: int, *, keep: int | None = None) -> int:
        """End every session of a user but `keep`; return how many ended."""
        with self.db.transaction():
            cur = self.db.execute("DELETE FROM sessions WHERE user_id=? AND id IS NOT ?", (user_id, keep))
        return cur.rowcount

    def prune_sessions(self, *, now: str, idle_before: str) -> int:
        """Delete sessions past their end or not seen since idle_before; Busy at once, never a wait."""
        with self._without_waiting(), self.db.transaction():
            cur = self.db.execute("DELETE FROM sessions WHERE expires_at<=? OR seen_at<?", (now, idle_before))
        return cur.rowcount

    # -- login throttling -----------------------------------------------------

    def login_failures(self, name: str, ip: str, *, since: str) -> int:
        """Return how many wrong passwords were given for a name from an address since a time."""
        row = self.db.execute(
            "SELECT count(*) FROM login_failures WHERE name=? AND ip=? AND at>=?", (name, ip, since)
        ).fetchone()
        return int(row[0])

    def add_login_failure(self, name: str, ip: str, *, at: str, forget_before: str) -> int:
        """Record a wrong password for a name from an address; return how many it has since forget_before.

        Failures of every name older than forget_before are deleted in the same transaction.
        """
        with self.db.transaction():
            self.db.execute("DELETE FROM login_failures WHERE at<?", (forget_before,))
            self.db.execute("INSERT INTO login_failures (name, ip, at) VALUES (?, ?, ?)", (name, ip, at))
            return self.login_failures(name, ip, since=forget_before)

    def clear_login_failures(self, name: str, ip: str) -> None:
        """Forget the wrong passwords of a name from an address (it logged in)."""
        with self.db.transaction():
            self.db.execute("DELETE FROM login_failures WHERE name=? AND ip=?", (name, ip))

    # -- API tokens -----------------------------------------------------------

    def add_token(self, user_id: int, name: str, secret: str) -> Token:
        """Give a user a named API token for a secret (only its digest is stored)."""
        at = now()
        with self.db.transaction():
            if self.get(user_id) is None:
                raise NotFound(f"there is no account {user_id}")
            cur = self.db.execute(
                "INSERT INTO tokens (user_id, name, digest, created_at) VALUES (?, ?, ?, ?)",
                (user_id, name, session_digest(secret), at),
            )
        return Token(int(cur.lastrowid or 0), user_id, name, at)

    def tokens(self, user_id: int) -> list[Token]:
        """Return a user's tokens, revoked ones too, newest first."""
        rows = self.db.execute(
            f"SELECT {_TOKEN_COLS} FROM tokens WHERE user_id=? ORDER BY id DESC", (user_id,)
        )
        return [Token(*r) for r in rows]

    def find_token(self, secret: str) -> Token | None:
        """Return the live (not revoked) token of a secret, or None."""
        row = self.db.execute(
            f"SELECT {_TOKEN_COLS} FROM tokens WHERE digest=? AND revoked_at IS NULL",
            (session_digest(secret),),
        ).fetchone()
        return Token(*row) if row else None

    def touch_token(self, token_id: int, used_at: str) -> None:
        """Record when a token was last used (never moves it back); Busy at once, never a wait."""
        with self._without_waiting(), self.db.transaction():
            self.db.execute(
                "UPDATE tokens SET last_used_at=? WHERE id=? AND (last_used_at IS NULL OR last_used_at<?)",
                (used_at, token_id, used_at),
            )

    def revoke_token(self, token_id: int, *, user_id: int | None = None) -> Token:
        """Revoke a token (of that user, when given) at once; NotFound if there is no such token."""
        with self.db.transaction():
            row = self.db.execute(f"SELECT {_TOKEN_COLS} FROM tokens WHERE id=?", (token_id,)).fetchone()
            if row is None or (user_id is not None and row[1] != user_id):
                raise NotFound(f"there is no token {token_id}" + (" of yours" if user_id is not None else ""))
            self.db.execute(
                "UPDATE tokens SET revoked_at=? WHERE id=? AND revoked_at IS NULL", (now(), token_id)
            )
            return Token(
                *self.db.execute(f"SELECT {_TOKEN_COLS} FROM tokens WHERE id=?", (token_id,)).fetchone()
            )

    @contextmanager
    def _without_waiting(self) -> Iterator[None]:
        """Make this thread's writes fail with Busy at once instead of queueing behind another writer.

        For housekeeping that a request does on the side (last seen, pruning): an import holding
        the write lock must not hold up every page for the busy timeout.
        """
        if self.db.in_transaction:  # inside a caller's transaction the lock is held already
            yield
            return
        conn = self.db.conn()
        conn.execute("PRAGMA busy_timeout=0")
        try:
            yield
        finally:
            conn.execute(f"PRAGMA busy_timeout={int(self.db.busy_timeout * 1000)}")
