"""Background jobs through an RQ queue on Redis, taken by `tm worker` processes on any machine.

Set `TM_QUEUE=redis://HOST:6379/0` on the server processes and the workers: a job is still
queued as a row of the store's jobs table (with its input file), and a message "run job N" goes
to an RQ queue named after the memory, so that one Redis serves several installations. A
`tm worker` (an RQ `SimpleWorker`: the job runs in the worker's process, where the MT model
stays loaded between jobs) takes the message, claims the row and runs the job; progress,
results and failures are written to the row, so the editor and the API show them whichever
worker runs the job.

The row is the truth and the message only a wake-up call: a message delivered twice runs the job
once (`claim_id` takes a queued row only), and a row whose message was lost (Redis restarted, a
server killed between its commit and the send) is sent again by the workers' sweep. A worker
killed mid-job is recovered by the next worker to start on its machine at once, or by any
worker once its heartbeat is older than tm.jobs.STALE_AFTER; its job is queued and sent again.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from tm.errors import TMError
from tm.jobs import (
    STALE_AFTER,
    Kind,
    Runner,
    _live_workers,
    prune,
    recover,
    wait_idle,
    worker_name,
)
from tm.store.records import Job

if TYPE_CHECKING:
    from redis import Redis
    from rq import Queue

    from tm.store.base import Store

log = logging.getLogger("tm.queue")

# how often a worker looks for jobs of dead workers and for queued jobs whose message was lost
SWEEP_EVERY = 30.0
# how long RQ keeps a finished message (the job's row keeps the result for a week)
MESSAGE_TTL = 3600


def _redis(url: str) -> Redis:
    try:
        from redis import Redis
    except ImportError as e:  # pragma: no cover - depends on the installation
        raise TMError("TM_QUEUE names Redis, but its client is not installed: pip install 'tm[redis]'") from e
    return Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)


def queue_name(store: Store) -> str:
    """Return the RQ queue of a memory (one Redis may serve several installations)."""
    return f"tm-{store.memory_id()}"


def message_id(store: Store, job: Job) -> str:
    """Return the RQ id of the message that runs a job's current attempt."""
    return f"{queue_name(store)}-{job.id}-{job.attempts}"


class RQJobs:
    """Jobs sent through RQ: what a server process does with them (send) and what a worker does (run)."""

    def __init__(self, store: Store, kinds: dict[str, Kind], url: str):
        self.store, self.kinds, self.url = store, kinds, url
        self.redis = _redis(url)
        from rq import Queue

        self.queue: Queue = Queue(queue_name(store), connection=self.redis)

    # -- a server process's side: the same calls as tm.jobs.Worker ---------------------

    def start(self) -> None:
        """Nothing runs here: `tm worker` processes take the jobs."""

    def stop(self, timeout: float = 5.0) -> None:
        """Let go of Redis."""
        self.redis.close()

    def notify(self, job: Job | None = None) -> None:
        """Send a queued job to the workers (a job the send misses is sent by their sweep)."""
        if job is None:
            return
        try:
            self.send(job)
        except Exception as e:  # Redis down: the row stays queued, and a worker's sweep sends it
            log.warning("job %s: not sent to the queue (%s); a worker's sweep will send it", job.id, e)

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Block until no job of our kinds is queued or running (tests, shutdown)."""
        wait_idle(self.store, self.kinds, timeout, lambda: None)

    def recover(self) -> list[Job]:
        """Queue again (and send) the jobs whose workers died; return them."""
        return recover(self.store, self.kinds, "", requeued=self.send)

    def prune(self) -> int:
        """Delete finished jobs older than a week."""
        return prune(self.store)

    # -- sending ---------------------------------------------------------------------------

    def send(self, job: Job) -> bool:
        """Put the message for a job's current attempt on the queue unless it is there; tell if sent."""
        from rq.exceptions import NoSuchJobError
        from rq.job import Job as Message

        mid = message_id(self.store, job)
        try:
            old = Message.fetch(mid, connection=self.redis)
        except NoSuchJobError:
            pass
        else:  # on its way, or the trace of a run that ended (a database restored from a backup)
            status = old.get_status()
            waiting = status == "queued" and self.queue.get_job_position(mid) is not None
            if waiting or status in ("started", "deferred", "scheduled"):
                return False
            old.delete()
        self.queue.enqueue(
            perform,
            job.id,
            job_id=mid,
            job_timeout=-1,  # drafting a long story takes what it takes; heartbeats tell a dead worker
            result_ttl=MESSAGE_TTL,
            failure_ttl=MESSAGE_TTL,
            description=f"tm {job.kind} job {job.id}",
        )
        return True

    def sweep(self) -> int:
        """Send every queued job whose message is missing; return how many were sent."""
        return sum(self.send(job) for job in self.store.jobs.queued(self.kinds))


# -- a worker's side ------------------------------------------------------------------------

_runner: Runner | None = None


def perform(job_id: int) -> str:
    """Run one job (RQ calls this in a `tm worker` process with the message's job id)."""
    runner = _runner
    if runner is None:
        raise RuntimeError("tm.queue_rq.perform runs in `tm worker` processes only")
    job = runner.store.jobs.claim_id(job_id, runner.name)
    if job is None:  # another worker has it, it ended, or it was deleted
        return f"job {job_id}: not queued any more"
    if job.kind not in runner.kinds:
        runner.store.jobs.fail(job.id, f"this tm has no job of kind {job.kind!r}")
        return f"job {job_id}: unknown kind"
    runner.run(job)
    return f"job {job_id}: {runner.store.jobs.get(job.id).state}"


def work(store: Store, kinds: dict[str, Kind], url: str, *, burst: bool = False) -> None:
    """Take and run jobs from the memory's queue until stopped (SIGTERM/SIGINT), or until none is left."""
    global _runner
    from rq import SimpleWorker

    jobs = RQJobs(store, kinds, url)
    name = worker_name()
    runner = Runner(store, kinds, name)
    _runner = runner
    _live_workers.add(name)
    stop = threading.Event()

    def housekeeping() -> None:
        recovered = recover(store, kinds, name, requeued=jobs.send)
        sent = jobs.sweep()
        if recovered or sent:
            log.info("recovered %d jobs of dead workers, sent %d queued jobs", len(recovered), sent)
        prune(store)

    def sweeper() -> None:
        while not stop.wait(min(SWEEP_EVERY, STALE_AFTER.total_seconds() / 2)):
            try:
                housekeeping()
            except Exception:
                log.exception("job housekeeping failed")

    housekeeping()  # before taking anything: the jobs of a worker that died here come first
    runner.start_heartbeat()
    threading.Thread(target=sweeper, name="tm-queue-sweep", daemon=True).start()
    worker = SimpleWorker([jobs.queue], connection=jobs.redis, name=name.replace(":", "-"))
    try:
        worker.work(burst=burst, logging_level="WARNING")
    finally:
        stop.set()
        runner.stop_heartbeat()
        _live_workers.discard(name)
        _runner = None


def describe(store: Store, url: str) -> dict[str, Any]:
    """Return what the queue holds for a memory and which workers listen (for `tm worker --status`)."""
    from rq import Worker as RQWorker

    jobs = RQJobs(store, {}, url)
    workers = [w for w in RQWorker.all(queue=jobs.queue)]
    return {
        "queue": jobs.queue.name,
        "messages": jobs.queue.count,
        "workers": sorted(w.name for w in workers),
    }
