"""Webhooks and the outbox of their deliveries in PostgreSQL (a part of the PostgreSQL store)."""

from __future__ import annotations

import json
from typing import Any

from tm.errors import NotFound
from tm.store.postgres.db import Database
from tm.store.records import DELIVERY_EVENTS, DELIVERY_STATES, WEBHOOK_EVENTS, Delivery, Webhook, now

_HOOK = "id, owner, url, events, document_id, secret, active, created_at"
_DELIVERY = (
    "id, webhook_id, event, payload, state, attempts, next_at, last_status, last_error, created_at, "
    "delivered_at"
)


def _events(events: list[str]) -> str:
    """Return a hook's events as stored (JSON, in the vocabulary's order); ValueError when not known."""
    if not events or not isinstance(events, list | tuple):
        raise ValueError("a webhook needs at least one event")
    unknown = [e for e in events if e not in WEBHOOK_EVENTS]
    if unknown:
        raise ValueError(f"unknown events {unknown!r}; events are {', '.join(WEBHOOK_EVENTS)}")
    return json.dumps([e for e in WEBHOOK_EVENTS if e in events])


def _hook(row: tuple) -> Webhook:
    return Webhook(row[0], row[1], row[2], json.loads(row[3]), row[4], row[5], bool(row[6]), row[7])


def _delivery(row: tuple) -> Delivery:
    return Delivery(
        row[0], row[1], row[2], json.loads(row[3]), row[4], row[5], row[6], row[7], row[8], row[9], row[10]
    )


class PostgresWebhooks:
    """Webhooks (one row per registered URL) and deliveries (one row per event per hook)."""

    def __init__(self, db: Database):
        self.db = db

    # -- hooks ----------------------------------------------------------------------

    def add(
        self, owner: str, url: str, events: list[str], secret: str, *, document_id: int | None = None
    ) -> Webhook:
        """Register a webhook (events among WEBHOOK_EVENTS; NotFound for a document that is not there)."""
        stored = _events(events)
        if not url or not secret:
            raise ValueError("a webhook needs a URL and a secret")
        with self.db.transaction():
            if (
                document_id is not None
                and self.db.execute("SELECT 1 FROM documents WHERE id=%s", (document_id,)).fetchone() is None
            ):
                raise NotFound(f"document {document_id} does not exist")
            cur = self.db.execute(
                "INSERT INTO webhooks (owner, url, events, document_id, secret, active, created_at) "
                "VALUES (%s, %s, %s, %s, %s, 1, %s) RETURNING id",
                (owner, url, stored, document_id, secret, now()),
            )
            return self.get(int(cur.fetchone()[0]))

    def get(self, hook_id: int) -> Webhook:
        """Return a webhook or raise NotFound."""
        row = self.db.execute(f"SELECT {_HOOK} FROM webhooks WHERE id=%s", (hook_id,)).fetchone()
        if row is None:
            raise NotFound(f"webhook {hook_id} does not exist")
        return _hook(row)

    def for_owner(self, owner: str) -> list[Webhook]:
        """Return an account's webhooks, oldest first."""
        return [
            _hook(r)
            for r in self.db.execute(f"SELECT {_HOOK} FROM webhooks WHERE owner=%s ORDER BY id", (owner,))
        ]

    def update(
        self,
        hook_id: int,
        *,
        url: str | None = None,
        events: list[str] | None = None,
        active: bool | None = None,
    ) -> Webhook:
        """Change a webhook's URL, events or active flag (NotFound if there is no such hook)."""
        changes: dict[str, Any] = {}
        if url is not None:
            if not url:
                raise ValueError("a webhook needs a URL")
            changes["url"] = url
        if events is not None:
            changes["events"] = _events(events)
        if active is not None:
            changes["active"] = int(bool(active))
        with self.db.transaction():
            self.get(hook_id)
            for column, value in changes.items():  # column names come from the code above, not the caller
                self.db.execute(f"UPDATE webhooks SET {column}=%s WHERE id=%s", (value, hook_id))
            return self.get(hook_id)

    def delete(self, hook_id: int) -> None:
        """Remove a webhook and its deliveries (NotFound if there is no such hook)."""
        with self.db.transaction():
            if self.db.execute("DELETE FROM webhooks WHERE id=%s", (hook_id,)).rowcount != 1:
                raise NotFound(f"webhook {hook_id} does not exist")

    def listening(self, event: str, document_id: int) -> list[Webhook]:
        """Return the active webhooks of an event for a document (theirs, or every document's)."""
        return [
            _hook(r)
            for r in self.db.execute(
                f"SELECT {_HOOK} FROM webhooks w WHERE active=1 AND (document_id IS NULL OR document_id=%s) "
                "AND w.events::jsonb ? %s ORDER BY id",
                (document_id, event),
            )
        ]

    # -- the outbox -------------------------------------------------------------------

    def enqueue(
        self, hook_id: int, event: str, payload: dict[str, Any], *, at: str | None = None
    ) -> Delivery:
        """Queue a delivery due at `at` (default now), in the caller's transaction if there is one."""
        if event not in DELIVERY_EVENTS:
            raise ValueError(f"event must be one of {', '.join(DELIVERY_EVENTS)}, not {event!r}")
        created = now()
        with self.db.transaction():
            self.get(hook_id)
            cur = self.db.execute(
                "INSERT INTO deliveries (webhook_id, event, payload, state, attempts, next_at, created_at) "
                "VALUES (%s, %s, %s, 'pending', 0, %s, %s) RETURNING id",
                (hook_id, event, json.dumps(payload, ensure_ascii=False), at or created, created),
            )
            return self.get_delivery(int(cur.fetchone()[0]))

    def claim(self, *, now: str, lease_until: str, limit: int = 10) -> list[Delivery]:
        """Take due pending deliveries of active hooks: each counts an attempt and is due again
        only at lease_until, so no other claim takes it meanwhile; oldest due first."""
        due_sql = (
            "SELECT d.id FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id "
            "WHERE d.state='pending' AND d.next_at <= %s AND w.active=1 ORDER BY d.next_at, d.id LIMIT %s"
        )
        # a read first, so that an idle poll never takes the write lock
        if self.db.execute(due_sql, (now, limit)).fetchone() is None:
            return []
        claimed = []
        with self.db.transaction():
            for (delivery_id,) in self.db.execute(due_sql, (now, limit)).fetchall():
                # the condition is the claim: another process that took it first changed next_at
                cur = self.db.execute(
                    "UPDATE deliveries SET next_at=%s, attempts=attempts+1 "
                    "WHERE id=%s AND state='pending' AND next_at <= %s",
                    (lease_until, delivery_id, now),
                )
                if cur.rowcount == 1:
                    claimed.append(self.get_delivery(delivery_id))
        return claimed

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

        Returns False (and changes nothing) when the delivery is no longer that claim's.
        """
        if state not in DELIVERY_STATES:
            raise ValueError(f"state must be one of {', '.join(DELIVERY_STATES)}, not {state!r}")
        if state == "pending" and next_at is None:
            raise ValueError("a delivery tried again needs the time of its next attempt")
        at = now()
        with self.db.transaction():
            cur = self.db.execute(
                "UPDATE deliveries SET state=%s, last_status=%s, last_error=%s, "
                "next_at=COALESCE(%s, next_at), delivered_at=%s "
                "WHERE id=%s AND attempts=%s AND state='pending'",
                (
                    state,
                    status,
                    error,
                    next_at if state == "pending" else None,
                    at if state == "delivered" else None,
                    delivery_id,
                    attempt,
                ),
            )
            return cur.rowcount == 1

    def get_delivery(self, delivery_id: int) -> Delivery:
        """Return a delivery or raise NotFound."""
        row = self.db.execute(f"SELECT {_DELIVERY} FROM deliveries WHERE id=%s", (delivery_id,)).fetchone()
        if row is None:
            raise NotFound(f"delivery {delivery_id} does not exist")
        return _delivery(row)

    def deliveries(self, hook_id: int, *, before: int | None = None, limit: int = 50) -> list[Delivery]:
        """Return a webhook's deliveries newest first, those with an id below `before` when given."""
        return [
            _delivery(r)
            for r in self.db.execute(
                f"SELECT {_DELIVERY} FROM deliveries WHERE webhook_id=%s AND id < %s "
                "ORDER BY id DESC LIMIT %s",
                (hook_id, before if before is not None else 2**63 - 1, limit),
            )
        ]

    def prune(self, *, delivered_before: str, failed_before: str) -> int:
        """Delete delivered deliveries made before delivered_before and failed ones made before
        failed_before (pending ones stay); return how many."""
        with self.db.transaction():
            return self.db.execute(
                "DELETE FROM deliveries WHERE (state='delivered' AND created_at < %s) "
                "OR (state='failed' AND created_at < %s)",
                (delivered_before, failed_before),
            ).rowcount
