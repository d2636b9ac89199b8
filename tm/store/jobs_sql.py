"""Background jobs in SQL, the same on SQLite and PostgreSQL: any process queues, claims and finishes them.

A job's input file (an uploaded TMX, say) is kept with it in `job_files`, in chunks written in
the transaction that queues the job, so a worker on any machine that reaches the database can
read it, a crash never leaves a job without its file, and a job run again after its worker died
reads the same bytes. The chunks go when the job ends.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import Any, BinaryIO, Protocol

from tm.errors import NotFound
from tm.store.records import Job, now

# bytes per stored chunk of a job's file: big enough to be cheap, small enough to stream
CHUNK = 1024 * 1024

_JOB_COLS = (
    "id, kind, owner, state, params, done, total, result, error, worker, attempts, created_at, "
    "started_at, finished_at, heartbeat_at"
)


class _Database(Protocol):
    def execute(self, sql: str, args: Any = ...) -> Any: ...

    def transaction(self) -> Any: ...


def _job(row: tuple) -> Job:
    return Job(
        row[0], row[1], row[2], row[3], json.loads(row[4]), row[5], row[6],
        None if row[7] is None else json.loads(row[7]),
        row[8], row[9], row[10], row[11], row[12], row[13], row[14],
    )  # fmt: skip


class SQLJobs:
    """The jobs table and its files; `mark` is the engine's parameter placeholder."""

    def __init__(self, db: _Database, *, mark: str = "?"):
        self.db = db
        self._mark = mark

    def _run(self, sql: str, args: Any = ()) -> Any:
        return self.db.execute(sql.replace("?", self._mark) if self._mark != "?" else sql, args)

    def _in(self, values: list[str]) -> str:
        return ",".join("?" * len(values))

    # -- queueing and reading ---------------------------------------------------------

    def submit(
        self, kind: str, owner: str, params: dict[str, Any], *, total: int = 0, file: BinaryIO | None = None
    ) -> Job:
        """Queue a job, with the input file it reads if any (kept in the same transaction)."""
        with self.db.transaction():
            (job_id,) = self._run(
                "INSERT INTO jobs (kind, owner, state, params, total, created_at) "
                "VALUES (?, ?, 'queued', ?, ?, ?) RETURNING id",
                (kind, owner, json.dumps(params, ensure_ascii=False), total, now()),
            ).fetchone()
            if file is not None:
                seq, chunk = 0, file.read(CHUNK)
                while True:  # an empty file is kept as one empty chunk
                    self._run(
                        "INSERT INTO job_files (job_id, seq, data) VALUES (?, ?, ?)", (job_id, seq, chunk)
                    )
                    seq, chunk = seq + 1, file.read(CHUNK)
                    if not chunk:
                        break
            return self.get(int(job_id))

    def get(self, job_id: int) -> Job:
        """Return a job or raise NotFound."""
        row = self._run(f"SELECT {_JOB_COLS} FROM jobs WHERE id=?", (job_id,)).fetchone()
        if row is None:
            raise NotFound(f"job {job_id} does not exist")
        return _job(row)

    def has_file(self, job_id: int) -> bool:
        """Tell whether a job's input file is still kept."""
        return self._run("SELECT 1 FROM job_files WHERE job_id=? LIMIT 1", (job_id,)).fetchone() is not None

    def open_file(self, job_id: int) -> BinaryIO:
        """Return a job's input file for reading, fetched a chunk at a time (NotFound if none is kept)."""
        if not self.has_file(job_id):
            raise NotFound(f"job {job_id} keeps no file")
        return io.BufferedReader(_ChunkReader(self, job_id), buffer_size=CHUNK)

    def _chunk(self, job_id: int, seq: int) -> bytes | None:
        row = self._run("SELECT data FROM job_files WHERE job_id=? AND seq=?", (job_id, seq)).fetchone()
        return None if row is None else bytes(row[0])

    # -- taking and running -----------------------------------------------------------

    def claim(self, worker: str, kinds: Iterable[str]) -> Job | None:
        """Take the oldest queued job of the kinds for a worker (running), or None."""
        kinds = list(kinds)
        if not kinds:
            return None
        marks = self._in(kinds)
        # cheap check first, so idle workers polling the table never take the write lock
        probe = f"SELECT 1 FROM jobs WHERE state='queued' AND kind IN ({marks}) LIMIT 1"
        if not self._run(probe, kinds).fetchone():
            return None
        with self.db.transaction():
            row = self._run(
                f"SELECT id FROM jobs WHERE state='queued' AND kind IN ({marks}) ORDER BY id LIMIT 1", kinds
            ).fetchone()
            return None if row is None else self._take(row[0], worker)

    def claim_id(self, job_id: int, worker: str) -> Job | None:
        """Take one job if it is still queued (None if another worker has it or it ended)."""
        with self.db.transaction():
            return self._take(job_id, worker)

    def _take(self, job_id: int, worker: str) -> Job | None:
        at = now()
        taken = self._run(
            "UPDATE jobs SET state='running', worker=?, attempts=attempts+1, started_at=?, heartbeat_at=? "
            "WHERE id=? AND state='queued'",
            (worker, at, at, job_id),
        ).rowcount
        return self.get(job_id) if taken else None

    def progress(self, job_id: int, done: int, total: int | None = None) -> None:
        """Record progress (and that the worker is alive)."""
        with self.db.transaction():
            self._run(
                "UPDATE jobs SET done=?, total=COALESCE(?, total), heartbeat_at=? WHERE id=?",
                (done, total, now(), job_id),
            )

    def heartbeat(self, job_id: int) -> None:
        """Record that the worker of a running job is alive."""
        with self.db.transaction():
            self._run("UPDATE jobs SET heartbeat_at=? WHERE id=? AND state='running'", (now(), job_id))

    def finish(self, job_id: int, result: Any) -> None:
        """Mark a job done with its result; its file goes."""
        with self.db.transaction():
            self._run(
                "UPDATE jobs SET state='done', done=CASE WHEN done > total THEN done ELSE total END, "
                "result=?, error=NULL, finished_at=? WHERE id=?",
                (json.dumps(result, ensure_ascii=False), now(), job_id),
            )
            self._run("DELETE FROM job_files WHERE job_id=?", (job_id,))

    def fail(self, job_id: int, error: str) -> None:
        """Mark a queued or running job failed with a message for its owner (a finished one stays)."""
        with self.db.transaction():
            failed = self._run(
                "UPDATE jobs SET state='failed', error=?, finished_at=? "
                "WHERE id=? AND state IN ('queued', 'running')",
                (error, now(), job_id),
            ).rowcount
            if failed:
                self._run("DELETE FROM job_files WHERE job_id=?", (job_id,))

    def requeue(self, job_id: int, note: str) -> None:
        """Put a running job back in the queue (its worker died)."""
        with self.db.transaction():
            # only while it is still running: a worker may have finished it since it was read
            self._run(
                "UPDATE jobs SET state='queued', worker=NULL, error=?, heartbeat_at=NULL "
                "WHERE id=? AND state='running'",
                (note, job_id),
            )

    # -- lists and housekeeping -----------------------------------------------------------

    def pending(self, kinds: Iterable[str]) -> int:
        """Return how many jobs of the kinds are queued or running."""
        kinds = list(kinds)
        if not kinds:
            return 0
        return int(
            self._run(
                "SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running') "
                f"AND kind IN ({self._in(kinds)})",
                kinds,
            ).fetchone()[0]
        )

    def queued(self, kinds: Iterable[str]) -> list[Job]:
        """Return the queued jobs of the kinds, oldest first."""
        kinds = list(kinds)
        if not kinds:
            return []
        rows = self._run(
            f"SELECT {_JOB_COLS} FROM jobs WHERE state='queued' AND kind IN ({self._in(kinds)}) ORDER BY id",
            kinds,
        )
        return [_job(r) for r in rows]

    def running(self) -> list[Job]:
        """Return the jobs that some worker is running."""
        rows = self._run(f"SELECT {_JOB_COLS} FROM jobs WHERE state='running' ORDER BY id")
        return [_job(r) for r in rows]

    def prune(self, before: str) -> int:
        """Delete finished jobs that ended before a time; return how many."""
        with self.db.transaction():
            return int(
                self._run(
                    "DELETE FROM jobs WHERE state IN ('done', 'failed') AND finished_at < ?", (before,)
                ).rowcount
            )


class _ChunkReader(io.RawIOBase):
    """A job's stored file as a raw stream, one chunk fetched at a time."""

    def __init__(self, jobs: SQLJobs, job_id: int):
        self._jobs, self._job_id = jobs, job_id
        self._seq, self._buf, self._end = 0, b"", False

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._buf and not self._end:
            chunk = self._jobs._chunk(self._job_id, self._seq)
            if chunk is None:
                self._end = True
            else:
                self._seq += 1
                self._buf = chunk
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n
