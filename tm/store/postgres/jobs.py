"""Background jobs in Postgres: any thread or process queues, claims and finishes them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from tm.errors import NotFound
from tm.store.postgres.db import Database
from tm.store.records import Job, now

_JOB_COLS = (
    "id, kind, owner, state, params, done, total, result, error, worker, attempts, created_at, "
    "started_at, finished_at, heartbeat_at"
)


def _job(row: tuple) -> Job:
    return Job(
        row[0], row[1], row[2], row[3], json.loads(row[4]), row[5], row[6],
        None if row[7] is None else json.loads(row[7]),
        row[8], row[9], row[10], row[11], row[12], row[13], row[14],
    )  # fmt: skip


class PostgresJobs:
    """The jobs table."""

    def __init__(self, db: Database):
        self.db = db

    def submit(self, kind: str, owner: str, params: dict[str, Any], *, total: int = 0) -> Job:
        """Queue a job."""
        with self.db.transaction():
            cur = self.db.execute(
                "INSERT INTO jobs (kind, owner, state, params, total, created_at) "
                "VALUES (%s, %s, 'queued', %s, %s, %s) RETURNING id",
                (kind, owner, json.dumps(params, ensure_ascii=False), total, now()),
            )
            return self.get(int(cur.fetchone()[0]))

    def get(self, job_id: int) -> Job:
        """Return a job or raise NotFound."""
        row = self.db.execute(f"SELECT {_JOB_COLS} FROM jobs WHERE id=%s", (job_id,)).fetchone()
        if row is None:
            raise NotFound(f"job {job_id} does not exist")
        return _job(row)

    def claim(self, worker: str, kinds: Iterable[str]) -> Job | None:
        """Take the oldest queued job of the kinds for a worker (running), or None."""
        kinds = list(kinds)
        if not kinds:
            return None
        # cheap check first, so idle workers polling the table never take the write lock
        if not self.db.execute(
            "SELECT 1 FROM jobs WHERE state='queued' AND kind = ANY(%s) LIMIT 1", (kinds,)
        ).fetchone():
            return None
        with self.db.transaction():
            row = self.db.execute(
                "SELECT id FROM jobs WHERE state='queued' AND kind = ANY(%s) ORDER BY id LIMIT 1", (kinds,)
            ).fetchone()
            if row is None:
                return None
            at = now()
            self.db.execute(
                "UPDATE jobs SET state='running', worker=%s, attempts=attempts+1, started_at=%s, "
                "heartbeat_at=%s WHERE id=%s",
                (worker, at, at, row[0]),
            )
            return self.get(row[0])

    def progress(self, job_id: int, done: int, total: int | None = None) -> None:
        """Record progress (and that the worker is alive)."""
        with self.db.transaction():
            self.db.execute(
                "UPDATE jobs SET done=%s, total=COALESCE(%s, total), heartbeat_at=%s WHERE id=%s",
                (done, total, now(), job_id),
            )

    def heartbeat(self, job_id: int) -> None:
        """Record that the worker of a running job is alive."""
        with self.db.transaction():
            self.db.execute(
                "UPDATE jobs SET heartbeat_at=%s WHERE id=%s AND state='running'", (now(), job_id)
            )

    def finish(self, job_id: int, result: Any) -> None:
        """Mark a job done with its result."""
        with self.db.transaction():
            self.db.execute(
                "UPDATE jobs SET state='done', done=GREATEST(done, total), result=%s, error=NULL, "
                "finished_at=%s WHERE id=%s",
                (json.dumps(result, ensure_ascii=False), now(), job_id),
            )

    def fail(self, job_id: int, error: str) -> None:
        """Mark a queued or running job failed with a message for its owner (a finished one stays)."""
        with self.db.transaction():
            self.db.execute(
                "UPDATE jobs SET state='failed', error=%s, finished_at=%s "
                "WHERE id=%s AND state IN ('queued', 'running')",
                (error, now(), job_id),
            )

    def requeue(self, job_id: int, note: str) -> None:
        """Put a running job back in the queue (its worker died)."""
        with self.db.transaction():
            # only while it is still running: a worker may have finished it since it was read
            self.db.execute(
                "UPDATE jobs SET state='queued', worker=NULL, error=%s, heartbeat_at=NULL "
                "WHERE id=%s AND state='running'",
                (note, job_id),
            )

    def pending(self, kinds: Iterable[str]) -> int:
        """Return how many jobs of the kinds are queued or running."""
        kinds = list(kinds)
        return self.db.execute(
            "SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running') AND kind = ANY(%s)",
            (kinds,),
        ).fetchone()[0]

    def running(self) -> list[Job]:
        """Return the jobs that some worker is running."""
        rows = self.db.execute(f"SELECT {_JOB_COLS} FROM jobs WHERE state='running' ORDER BY id")
        return [_job(r) for r in rows]

    def prune(self, before: str) -> int:
        """Delete finished jobs that ended before a time; return how many."""
        with self.db.transaction():
            return self.db.execute(
                "DELETE FROM jobs WHERE state IN ('done', 'failed') AND finished_at < %s", (before,)
            ).rowcount
