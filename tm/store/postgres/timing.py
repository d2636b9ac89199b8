"""Active editing time per segment, person and day in PostgreSQL (a part of the PostgreSQL store)."""

from __future__ import annotations

from typing import Any

from tm.errors import NotFound
from tm.store.postgres.db import Database
from tm.store.records import check_day


class PostgresEditingTime:
    """The milliseconds people spent actively editing each segment, one row per person and day."""

    def __init__(self, db: Database):
        self.db = db

    def add(self, doc_id: int, idx: int, author: str, ms: int, day: str) -> int:
        """Add ms to what the author spent on a segment that day (YYYY-MM-DD); return that day's total.

        One statement adds to the row, so that two reports at once both count.
        """
        if isinstance(ms, bool) or not isinstance(ms, int) or ms < 0:
            raise ValueError(f"ms must be a whole number of milliseconds, 0 or more, not {ms!r}")
        check_day(day)
        with self.db.transaction():
            if (
                self.db.execute(
                    "SELECT 1 FROM segments WHERE document_id=%s AND idx=%s", (doc_id, idx)
                ).fetchone()
                is None
            ):
                raise NotFound(f"segment {idx} of document {doc_id} does not exist")
            self.db.execute(
                "INSERT INTO editing_time (document_id, idx, author, day, ms) VALUES (%s, %s, %s, %s, %s) "
                "ON CONFLICT (document_id, idx, author, day) "
                "DO UPDATE SET ms = editing_time.ms + excluded.ms",
                (doc_id, idx, author, day, ms),
            )
            row = self.db.execute(
                "SELECT ms FROM editing_time WHERE document_id=%s AND idx=%s AND author=%s AND day=%s",
                (doc_id, idx, author, day),
            ).fetchone()
            return int(row[0])

    def totals(
        self,
        *,
        document: int | None = None,
        author: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> dict[tuple[int, int, str], int]:
        """Return the ms per (document, segment, author), over the days since..until (both included)."""
        where: list[str] = []
        args: list[Any] = []
        for column, op, value in (
            ("document_id", "=", document),
            ("author", "=", author),
            ("day", ">=", None if since is None else check_day(since, "since")),
            ("day", "<=", None if until is None else check_day(until, "until")),
        ):
            if value is not None:
                where.append(f"{column} {op} %s")
                args.append(value)
        sql = "SELECT document_id, idx, author, SUM(ms) FROM editing_time"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self.db.execute(sql + " GROUP BY document_id, idx, author", args)
        return {(doc, idx, who): int(ms) for doc, idx, who, ms in rows}
