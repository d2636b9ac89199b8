"""`tm worker` on the RQ queue (Redis at 127.0.0.1:6379): real server and worker processes, on SQLite and
PostgreSQL, with workers SIGKILLed in the middle of a drafting job and of an import.

The server processes only queue jobs (TM_QUEUE set); workers take them, and the job's row in the
memory says how it goes, whichever process asks. A killed worker's job is run again by the next
worker to start, and leaves the memory as one whole run would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests

from tests.engine_helpers import EngineDB, engine_memory
from tests.fault_helpers import (
    TM,
    Client,
    Server,
    arabic_text,
    init_memory,
    run_tm,
    wait_for,
    write_tmx,
)

REDIS = os.environ.get("TM_TEST_REDIS", "redis://127.0.0.1:6379/0")
USERS = {"ada": "admin", "tom": "translator", "tia": "translator"}


def _redis_or_skip() -> None:
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=3).ping()
    except redis.RedisError as e:
        pytest.skip(f"no Redis answers at {REDIS} ({e})")


class Memory:
    """One installation: its environment, and its database seen from outside tm."""

    def __init__(self, where: EngineDB, env: dict[str, str]):
        self.where, self.env = where, env
        self.query, self.hold_writes, self.let_go = where.query, where.hold_writes, where.let_go

    def units(self) -> int:
        return int(json.loads(run_tm(self.env, "stats", "--json"))["units"])


@pytest.fixture(params=["sqlite", "postgresql"])
def memory(request, tmp_path, tiny_marian) -> Iterator[Memory]:
    _redis_or_skip()
    with engine_memory(request.param, tmp_path) as where:
        env = {
            **os.environ,
            "TM_DB": where.db,
            "TM_CREATE": "1",
            "TM_HOME": str(tmp_path / "home"),
            "TM_OFFLINE": "1",
            "TM_MODEL": str(tiny_marian),
            "TM_BEAMS": "1",
            "TM_THREADS": "1",
            "TM_QUEUE": REDIS,
        }
        env.pop("TM_DEBUG", None)
        init_memory(env, USERS)
        yield Memory(where, env)


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen]]:
    started: list[subprocess.Popen] = []
    yield started
    for p in started:
        if p.poll() is None:
            p.kill()
        p.wait(timeout=10)


@pytest.fixture
def server(memory, tmp_path) -> Iterator[Server]:
    s = Server(memory.env, tmp_path / "serve.log")
    s.start()
    yield s
    s.kill()


def start_worker(memory: Memory, procs: list[subprocess.Popen], log: Path) -> subprocess.Popen:
    out = open(log, "a")
    p = subprocess.Popen([TM, "worker"], env=memory.env, stdout=out, stderr=subprocess.STDOUT)
    out.close()
    procs.append(p)
    return p


def kill(p: subprocess.Popen) -> None:
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=10)


def job_row(memory: Memory, job_id: int) -> tuple:
    ((state, worker, attempts, done, total),) = memory.query(
        f"SELECT state, worker, attempts, done, total FROM jobs WHERE id={int(job_id)}"
    )
    return state, worker, attempts, done, total


def test_drafting_waits_for_a_worker_and_a_worker_killed_mid_job_leaves_it_to_the_next(
    memory, server, procs, tmp_path
):
    tom = Client(server.base).login("tom")
    doc_id = tom.new_document("long article", arabic_text(60, seed=11))
    ((job_id,),) = memory.query(f"SELECT job_id FROM documents WHERE id={doc_id}")
    # the server only queues: without a worker the job stays queued
    time.sleep(1.0)
    assert job_row(memory, job_id)[:3] == ("queued", None, 0)
    assert tom.document(doc_id)["status"] == "translating"
    # Redis keeps nothing on disk: a restart loses the message, and the first worker's sweep sends
    # the job again from its row
    ((memory_id,),) = memory.query("SELECT value FROM meta WHERE key='memory_id'")
    queue, message = f"rq:queue:tm-{memory_id}", f"tm-{memory_id}-{job_id}-0"
    conn = redis.Redis.from_url(REDIS)
    assert conn.lrange(queue, 0, -1) == [message.encode()]
    assert conn.delete(queue, f"rq:job:{message}") == 2

    first = start_worker(memory, procs, tmp_path / "worker1.log")
    # progress written by the worker shows through the server's API
    wait_for(lambda: tom.document(doc_id)["progress"] > 0, 60, "the worker to start drafting", every=0.05)
    lock = memory.hold_writes()  # the drafts cannot be stored: the kill lands mid-job
    try:
        state, worker, attempts, _, _ = job_row(memory, job_id)
        assert (state, attempts) == ("running", 1)
        assert worker.split(":")[1] == str(first.pid), worker
        time.sleep(0.5)
        kill(first)
    finally:
        memory.let_go(lock)
    assert job_row(memory, job_id)[0] == "running"  # nobody has noticed yet

    start_worker(memory, procs, tmp_path / "worker2.log")
    doc = wait_for(
        lambda: (d := tom.document(doc_id))["status"] != "translating" and d, 90, "the second worker to draft"
    )
    logs = (tmp_path / "worker2.log").read_text()
    assert doc["status"] == "ready", (doc["status"], doc.get("note"), logs[-2000:])
    state, worker, attempts, done, total = job_row(memory, job_id)
    assert (state, attempts, done, total) == ("done", 2, 60, 60)
    assert worker.split(":")[1] != str(first.pid)
    segments = doc["segments"]
    assert len(segments) == 60 and all(s["target"] and s["origin"] == "mt" for s in segments)
    # each sentence drafted once: one history entry per sentence for the MT draft
    assert memory.query("SELECT COUNT(*) FROM jobs WHERE kind='pretranslate'") == [(1,)]
    job = tom.get(f"/api/jobs/{job_id}").json()
    assert (job["state"], job["done"], job["total"]) == ("done", 60, 60)
    assert Client(server.base).login("tia").get(f"/api/jobs/{job_id}").status == 404
    assert "Traceback" not in logs, logs[-3000:]


def test_an_import_killed_with_its_worker_leaves_the_memory_as_before_and_runs_once_on_the_next(
    memory, server, procs, tmp_path
):
    token = run_tm(memory.env, "token", "create", "ada", "--name", "desk import").strip()
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    run_tm(memory.env, "add", "وقعت الحكومة اتفاقا مع الشركة", "The government signed a deal")
    before = memory.units()

    tmx = write_tmx(tmp_path / "desk.tmx", 100_000, seed=5, tag="queued")
    first = start_worker(memory, procs, tmp_path / "worker1.log")
    with open(tmx, "rb") as f:
        r = api.post(f"{server.base}/api/v1/memory/import", files={"file": ("desk.tmx", f)})
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    # the upload is kept with the job in the memory, not on the server's disk
    assert memory.query(f"SELECT COUNT(*) > 0 FROM job_files WHERE job_id={job_id}") == [(True,)]

    def started() -> bool:
        return api.get(f"{server.base}/api/v1/jobs/{job_id}").json()["done"] > 0

    wait_for(started, 60, "the worker to start importing", every=0.05)
    kill(first)
    assert job_row(memory, job_id)[0] == "running"
    assert memory.units() == before, "a killed import left part of the file in the memory"
    assert memory.query("SELECT COUNT(*) FROM units WHERE target LIKE 'queued unit %'") == [(0,)]

    start_worker(memory, procs, tmp_path / "worker2.log")

    def finished() -> dict | None:
        job = api.get(f"{server.base}/api/v1/jobs/{job_id}").json()
        return job if job["state"] in ("done", "failed") else None

    job = wait_for(finished, 180, "the second worker to import the file")
    assert job["state"] == "done", job
    assert job["result"]["added"] == 100_000, job["result"]
    assert memory.units() == before + 100_000
    assert job_row(memory, job_id)[2] == 2
    assert memory.query(f"SELECT COUNT(*) FROM job_files WHERE job_id={job_id}") == [(0,)]
    # the server process's index learns what the worker imported
    line = next(x for x in tmx.read_text(encoding="utf-8").splitlines() if "queued unit 12345<" in x)
    source = line.split("<seg>")[1].split("</seg>")[0]
    found = api.get(f"{server.base}/api/v1/lookup", params={"text": source}).json()
    assert found["matches"][0]["target"] == "queued unit 12345", found


def test_tm_worker_without_a_queue_says_what_to_set(tmp_path):
    env = {**os.environ, "TM_DB": str(tmp_path / "m.db"), "TM_CREATE": "1", "TM_HOME": str(tmp_path / "h")}
    env.pop("TM_QUEUE", None)
    done = subprocess.run([TM, "worker"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "TM_QUEUE=redis://" in done.stderr and "Traceback" not in done.stderr
