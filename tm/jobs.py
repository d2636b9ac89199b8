"""Background jobs (pre-translation, imports) kept in the database and run by workers.

A job is a row of the store's jobs table (with its input file, if any, in the store too), so
any process can queue it, report on it and pick it up again: a server restart never leaves one
"running" forever. Two ways to run them share the code here:

- `Worker`: in each server process, one job at a time on a thread (the default for one person
  on SQLite: the MT engine and SQLite's single writer gain nothing from more);
- `tm.queue_rq`: an RQ queue on Redis that carries "run job N" to `tm worker` processes on any
  machine that reaches the database; the row stays the job's truth, so a message delivered twice
  runs the job once (`claim_id`).

A worker that dies mid-job is noticed by the next worker to start (same machine, process gone)
or by a heartbeat older than STALE_AFTER; its job is queued again (at most MAX_ATTEMPTS times):
drafting writes each sentence's draft once and an import is one transaction over a kept file,
so running either again leaves the memory as one run would.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tm.errors import Busy, TMError
from tm.store.base import Store
from tm.store.records import Job, iso

log = logging.getLogger("tm.jobs")

# A running job whose worker has not been heard of for this long is taken to be dead.
STALE_AFTER = timedelta(minutes=2)
HEARTBEAT_EVERY = 15.0
# Finished jobs are kept this long for their owners to read, then deleted.
KEEP_FINISHED = timedelta(days=7)
# A resumable job is tried at most this many times (a job that kills its worker must stop).
MAX_ATTEMPTS = 3


@dataclass
class Kind:
    """How to run a kind of job, and whether a job of it may be run again after a crash."""

    run: Callable[[JobContext], Any]
    resumable: bool
    on_failure: Callable[[Job, str], None] | None = None


class JobContext:
    """What a running job sees: its record, the store and a way to report progress."""

    def __init__(self, job: Job, store: Store):
        self.job, self.store = job, store
        self._last = 0.0

    @property
    def params(self) -> dict[str, Any]:
        """Return the job's parameters."""
        return self.job.params

    def progress(self, done: int, total: int | None = None) -> None:
        """Record progress, at most a few times a second."""
        now = time.monotonic()
        if now - self._last >= 0.25 or (total is not None):
            self._last = now
            try:
                self.store.jobs.progress(self.job.id, done, total)
            except Busy:  # progress is advisory: a busy memory must not fail the job
                log.info("job %s: progress not recorded, the memory is busy", self.job.id)


def worker_name() -> str:
    """Return a name for a worker that tells its machine and process apart from others."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _process_gone(worker: str | None) -> bool:
    """Tell whether a worker ran on this machine in a process that no longer exists."""
    if not worker:
        return True
    parts = worker.split(":")
    if len(parts) < 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return worker not in _live_workers
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


# the names of the workers running in this process (a restarted Worker gets a new name)
_live_workers: set[str] = set()


class Runner:
    """Runs one claimed job to its end under a worker's name, with heartbeats while it runs."""

    def __init__(self, store: Store, kinds: dict[str, Kind], name: str | None = None):
        self.store, self.kinds = store, kinds
        self.name = name or worker_name()
        self._current: int | None = None
        self._stop = threading.Event()
        self._beating = False

    def start_heartbeat(self) -> None:
        """Start telling the store, every HEARTBEAT_EVERY seconds, that the current job's worker lives."""
        if not self._beating:
            self._beating = True
            threading.Thread(target=self._beat, name="tm-jobs-heartbeat", daemon=True).start()

    def stop_heartbeat(self) -> None:
        """Stop the heartbeat thread."""
        self._stop.set()

    def run(self, job: Job) -> None:
        """Run a job the store gave this worker and record how it ended."""
        kind = self.kinds[job.kind]
        self._current = job.id
        try:
            result = kind.run(JobContext(job, self.store))
        except Exception as e:  # reported to the job's owner
            message = str(e) or type(e).__name__
            if not isinstance(e, TMError):
                log.exception("job %s (%s) failed", job.id, job.kind)
            fail(self.store, job, kind, message)
        else:
            _safely(lambda: self.store.jobs.finish(job.id, result))
        finally:
            self._current = None

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_EVERY):
            current = self._current
            if current is not None:
                _safely(lambda: self.store.jobs.heartbeat(current))  # noqa: B023


def recover(
    store: Store, kinds: dict[str, Kind], me: str, *, requeued: Callable[[Job], Any] | None = None
) -> list[Job]:
    """Queue again (or fail) the jobs whose workers died; return them.

    `requeued` is told of each job queued again (a queue on Redis sends it out again).
    """
    stale_before = iso(datetime.now(UTC) - STALE_AFTER)
    recovered = []
    for job in store.jobs.running():
        if job.worker == me:
            continue
        if not (_process_gone(job.worker) or (job.heartbeat_at or "") < stale_before):
            continue
        kind = kinds.get(job.kind)
        if kind is not None and kind.resumable and job.attempts < MAX_ATTEMPTS:
            store.jobs.requeue(job.id, "the worker stopped while this ran; it was started again")
            again = store.jobs.get(job.id)
            if requeued is not None and again.state == "queued":
                requeued(again)
        else:
            message = (
                "the worker stopped while this job ran; nothing of it was kept. Start it again."
                if kind is None or not kind.resumable
                else f"this job stopped its worker {job.attempts} times; it was given up. Start it again."
            )
            fail(store, job, kind, message)
        recovered.append(job)
    return recovered


def fail(store: Store, job: Job, kind: Kind | None, message: str) -> None:
    """Record a job's failure and what its kind leaves after one, together.

    Together, a reader never sees the job failed and the failure's traces not left yet (a
    document "being drafted" by a failed job looks stopped, not failed). A job another worker
    finished meanwhile stays finished, and leaves nothing. Should what the failure leaves fail
    itself, the job's failure is still recorded, alone: a job left running would be recovered,
    and fail the same way, again and again.
    """
    try:
        with store.transaction():
            store.jobs.fail(job.id, message)
            failed = store.jobs.get(job.id).state == "failed"
            if failed and kind is not None and kind.on_failure is not None:
                kind.on_failure(job, message)
    except Exception:
        log.exception("job %s (%s): what its failure leaves could not be left", job.id, job.kind)
        _safely(lambda: store.jobs.fail(job.id, message))


def prune(store: Store) -> int:
    """Delete finished jobs older than KEEP_FINISHED."""
    return store.jobs.prune(iso(datetime.now(UTC) - KEEP_FINISHED))


def wait_idle(store: Store, kinds: dict[str, Kind], timeout: float, poke: Callable[[], None]) -> None:
    """Block until no job of the kinds is queued or running (tests, shutdown)."""
    deadline = time.monotonic() + timeout
    while store.jobs.pending(list(kinds)):
        if time.monotonic() > deadline:
            raise TimeoutError("background jobs did not finish in time")
        poke()
        time.sleep(0.02)


def _safely(fn: Callable[[], Any]) -> None:
    try:
        fn()
    except Exception:
        log.exception("job housekeeping failed")


class Worker:
    """Runs queued jobs of known kinds on one background thread of this process."""

    def __init__(self, store: Store, kinds: dict[str, Kind], *, poll: float = 2.0):
        self.store, self.kinds, self.poll = store, kinds, poll
        self.runner = Runner(store, kinds)
        self.name = self.runner.name
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- life -------------------------------------------------------------------

    def start(self) -> None:
        """Recover jobs of dead workers, prune old ones, and start taking jobs."""
        _live_workers.add(self.name)
        self.recover()
        self.prune()
        self._thread = threading.Thread(target=self._loop, name="tm-jobs", daemon=True)
        self._thread.start()
        self.runner.start_heartbeat()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the current job (a job still running then is recovered at the next start)."""
        self._stop.set()
        self._wake.set()
        self.runner.stop_heartbeat()
        if self._thread is not None:
            self._thread.join(timeout)
        _live_workers.discard(self.name)

    def notify(self, job: Job | None = None) -> None:
        """Tell the worker a job was queued (it also polls, for jobs queued by other processes)."""
        self._wake.set()

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Block until no job of our kinds is queued or running (tests, shutdown)."""
        wait_idle(self.store, self.kinds, timeout, self._wake.set)

    # -- recovery ---------------------------------------------------------------

    def recover(self) -> list[Job]:
        """Queue again (or fail) the jobs whose workers died; return them."""
        return recover(self.store, self.kinds, self.name)

    def prune(self) -> int:
        """Delete finished jobs older than KEEP_FINISHED."""
        return prune(self.store)

    # -- the loop -----------------------------------------------------------------

    def _loop(self) -> None:
        last_recovery = time.monotonic()
        while not self._stop.is_set():
            try:
                job = self.store.jobs.claim(self.name, self.kinds)
            except TMError as e:  # busy or unavailable: try again at the next poll
                if self._stop.is_set():
                    return
                log.warning("cannot take a job: %s", e)
                job = None
            if job is None:
                self._wake.wait(self.poll)
                self._wake.clear()
                if time.monotonic() - last_recovery > STALE_AFTER.total_seconds() / 2:
                    last_recovery = time.monotonic()
                    _safely(self.recover)
                    _safely(self.prune)
                continue
            self.runner.run(job)
