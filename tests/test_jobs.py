"""How the job runner records a job's end, seen by another process reading the same SQLite file."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from tm.jobs import Kind, Runner, recover
from tm.store.sqlite import SQLiteStore


@pytest.fixture
def stores(tmp_path):
    """The worker's store and another connection to the same file (a web process reading)."""
    mine, other = SQLiteStore(tmp_path / "jobs.db"), SQLiteStore(tmp_path / "jobs.db")
    yield mine, other
    mine.close()
    other.close()


def boom(ctx):
    raise RuntimeError("the engine is gone")


def test_a_failed_job_and_what_its_failure_leaves_are_seen_together(stores):
    mine, other = stores
    seen = []

    def on_failure(job, message):
        # while the failure's traces are left, a reader still sees the job running ...
        seen.append(other.jobs.get(job.id).state)
        mine.accounts.add("trace", "x", "translator")  # what the failure leaves, in the store

    runner = Runner(mine, {"boom": Kind(boom, resumable=True, on_failure=on_failure)}, name="w1")
    job = mine.jobs.submit("boom", "tom", {})
    runner.run(mine.jobs.claim("w1", ["boom"]))
    # ... and then both at once
    assert seen == ["running"]
    assert other.jobs.get(job.id).state == "failed"
    assert other.jobs.get(job.id).error == "the engine is gone"
    assert [(a.name, a.role) for a in other.accounts.all()] == [("trace", "translator")]


def test_a_job_whose_failure_cannot_be_followed_up_is_still_recorded_failed(stores):
    mine, other = stores

    def on_failure(job, message):
        mine.accounts.add("trace", "x", "translator")
        raise RuntimeError("the follow-up failed too")

    runner = Runner(mine, {"boom": Kind(boom, resumable=True, on_failure=on_failure)}, name="w1")
    job = mine.jobs.submit("boom", "tom", {})
    runner.run(mine.jobs.claim("w1", ["boom"]))
    failed = other.jobs.get(job.id)
    assert (failed.state, failed.error) == ("failed", "the engine is gone")
    # the follow-up's half-done change went with it
    assert [a.name for a in other.accounts.all()] == []


def test_a_dead_workers_job_whose_failure_cannot_be_followed_up_is_failed_once_not_at_every_recovery(stores):
    mine, other = stores
    calls = []

    def on_failure(job, message):
        calls.append(job.id)
        raise PermissionError("the upload left with the job cannot be removed")

    kinds = {"once": Kind(lambda ctx: None, resumable=False, on_failure=on_failure)}
    job = mine.jobs.submit("once", "tom", {})
    # a worker of this machine whose process has ended
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    mine.jobs.claim(f"{socket.gethostname()}:{ended.stdout.strip()}:dead", ["once"])
    assert [j.id for j in recover(mine, kinds, "me")] == [job.id]
    failed = other.jobs.get(job.id)
    assert failed.state == "failed" and "Start it again" in failed.error
    # the next recoveries (each start of a worker, once a minute) find nothing left to do
    assert recover(mine, kinds, "me") == [] and recover(mine, kinds, "me") == []
    assert calls == [job.id]
