"""Background work of the web app (pre-translation, imports) on one worker thread."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Job:
    """A running or finished job: progress in units of `total`, a result or an error."""

    id: int
    kind: str
    total: int = 0
    done: int = 0
    state: str = "running"  # running | done | failed
    result: Any = None
    error: str | None = None
    owner: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return the JSON shape of a job."""
        return {
            "id": self.id,
            "kind": self.kind,
            "total": self.total,
            "done": self.done,
            "state": self.state,
            "result": self.result,
            "error": self.error,
        }


class Jobs:
    """One worker: the MT engine and SQLite both do best with one heavy task at a time."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tm-job")
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def submit(self, kind: str, fn: Callable[[Job], Any], *, total: int = 0, owner: str = "") -> Job:
        """Run fn(job) in the background; its return value becomes job.result."""
        with self._lock:
            job = Job(next(self._ids), kind, total=total, owner=owner)
            self._jobs[job.id] = job

        def run() -> None:
            try:
                job.result = fn(job)
                job.state = "done"
            except Exception as e:  # reported to the user through the job's page
                job.error = str(e) or type(e).__name__
                job.state = "failed"

        self._pool.submit(run)
        return job

    def get(self, job_id: int) -> Job | None:
        """Return a job by id."""
        return self._jobs.get(job_id)

    def wait(self, timeout: float = 30) -> None:
        """Block until the queue is empty (for tests and shutdown)."""
        self._pool.submit(lambda: None).result(timeout=timeout)
