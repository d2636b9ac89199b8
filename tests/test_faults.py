"""Faults with real processes: a server killed mid-job, writers racing the web app, a lock held too
long, a killed import, and how long a confirm after someone's import keeps the write lock.

Every process a test starts is killed in its teardown, and every wait has a deadline.
Run with `pytest -s tests/test_faults.py` to see the figures (503s, latencies).
"""

from __future__ import annotations

import json
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.fault_helpers import (
    TM,
    Client,
    Server,
    arabic_text,
    init_memory,
    read_db,
    run_tm,
    tm_env,
    wait_for,
    write_tmx,
)

USERS = {"ada": "admin", "tom": "translator", "tia": "translator"}


@pytest.fixture
def procs():
    """Processes a test starts; each one still running at the end is killed."""
    started: list[subprocess.Popen] = []
    yield started
    for p in started:
        if p.poll() is None:
            p.kill()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


@pytest.fixture
def servers():
    """Servers a test starts; each one is stopped at the end."""
    started: list[Server] = []
    yield started
    for s in started:
        s.kill()


def start_server(servers: list[Server], env: dict[str, str], log: Path, port: int | None = None) -> Server:
    server = Server(env, log, port)
    servers.append(server)
    return server.start()


def log_tail(server: Server, chars: int = 3000) -> str:
    return f"\n---- {server.log_path} (tail) ----\n{server.log()[-chars:]}"


# -- 1. a server killed while drafting ---------------------------------------------------------


def test_a_server_killed_while_drafting_resumes_the_job_after_a_restart(tmp_path, tiny_marian, servers):
    env = tm_env(tmp_path, tiny_marian)
    init_memory(env, USERS)
    db = tmp_path / "memory.db"
    log = tmp_path / "serve.log"
    first = start_server(servers, env, log)
    tom = Client(first.base).login("tom")
    doc_id = tom.new_document("long article", arabic_text(60, seed=7))

    doc = wait_for(
        lambda: (d := tom.document(doc_id))["status"] == "translating" and d["progress"] > 0 and d,
        timeout=30,
        what="drafting to start",
        every=0.05,
    )
    # Hold the memory's write lock from here to the kill: the drafting goes on (its progress
    # notes give way to a busy memory) but cannot store its drafts, so the kill surely lands
    # in the middle of the job however fast the machine drafts.
    lock = sqlite3.connect(db, timeout=10, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    assert doc["total"] == 60 and not doc["stuck"]
    ((job_id,),) = read_db(db, "SELECT job_id FROM documents WHERE id=?", (doc_id,))
    assert read_db(db, "SELECT state FROM jobs WHERE id=?", (job_id,)) == [("running",)]
    status = read_db(db, "SELECT status FROM documents WHERE id=?", (doc_id,))
    assert status == [("translating",)], "drafting ended between its first progress note and the lock"
    time.sleep(0.5)  # into the MT part of the job

    first.kill()
    lock.execute("ROLLBACK")
    lock.close()
    # the dead server's job is still "running" in the database: only a restart can notice it
    assert read_db(db, "SELECT state FROM jobs WHERE id=?", (job_id,)) == [("running",)]

    second = start_server(servers, env, log, port=first.port)
    # the session cookie is signed with the installation's key: it survives the restart
    started = time.monotonic()
    states = []

    def settled():
        d = tom.document(doc_id)
        states.append((d["status"], d["progress"], d["stuck"]))
        return d if d["status"] != "translating" or d["stuck"] else None

    try:
        doc = wait_for(settled, timeout=60, what=f"document {doc_id} to leave 'translating'")
    except AssertionError as e:  # stuck at "translating" with no way out
        raise AssertionError(f"{e}; last states {states[-3:]}{log_tail(second)}") from None
    print(f"\nafter the restart the document was {doc['status']} in {time.monotonic() - started:.1f} s")
    if doc["status"] != "ready":
        editor = tom.get(f"/documents/{doc_id}").text
        has_retry = f"/documents/{doc_id}/retranslate" in editor
        pytest.fail(
            f"the job was not resumed: document {doc['status']} stuck={doc['stuck']} note={doc['note']!r}; "
            f"retry form on the editor page: {has_retry}{log_tail(second)}"
        )
    assert len(doc["segments"]) == 60
    assert all(s["target"] and s["origin"] == "mt" for s in doc["segments"]), doc["segments"][:3]

    job = tom.get(f"/api/jobs/{job_id}")
    assert job.status == 200, job.text
    assert job.json()["state"] == "done" and job.json()["kind"] == "pretranslate", job.json()
    assert job.json()["done"] == job.json()["total"] == 60
    assert read_db(db, "SELECT attempts FROM jobs WHERE id=?", (job_id,)) == [(2,)]
    assert read_db(db, "SELECT COUNT(*) FROM jobs") == [(1,)], "the restart queued a second job"

    tia = Client(second.base).login("tia")
    assert tia.get(f"/api/jobs/{job_id}").status == 404
    assert tia.get(f"/api/jobs/{job_id + 1000}").status == 404
    ada = Client(second.base).login("ada")
    assert ada.get(f"/api/jobs/{job_id}").status == 200
    assert "Traceback" not in second.log(), log_tail(second)


# -- 2. CLI writers, an import and the web app at once ------------------------------------------


PY_WRITER = """
import json, os, sys, time
from tm.errors import Busy
from tm.memory import TranslationMemory

memory = TranslationMemory.open(sys.argv[1])
stop, end = sys.argv[2], time.monotonic() + float(sys.argv[3])
ok, busy, errors, slow, i = [], [], [], [], 0
while not os.path.exists(stop) and time.monotonic() < end:
    i += 1
    start = time.time()
    try:
        memory.confirm("وأكد المتحدث باسم الوزارة أن المفاوضات مستمرة رقم %d" % i, "py unit %d" % i, author="py")
        ok.append(i)
    except Busy:
        busy.append(i)
    except Exception as e:
        errors.append("%d: %s: %s" % (i, type(e).__name__, e))
    if time.time() - start > 0.3:
        slow.append([start, time.time() - start])
memory.close()
print(json.dumps({"ok": ok, "busy": busy, "errors": errors, "slow": slow}))
"""

SH_WRITER = """
end=$((SECONDS + $3)); i=0
while [ ! -e "$2" ] && [ $SECONDS -lt $end ]; do
  i=$((i + 1))
  if "$1" add "زار وزير الخارجية المغرب والتقى نظيره رقم $i" "cli unit $i" >/dev/null 2>>"$4"; then
    echo "ok $i"
  else
    echo "fail $i"
  fi
done
"""


@dataclass
class Call:
    user: str
    kind: str  # save | confirm | stale
    status: int
    seconds: float
    start: float
    end: float
    retry_after: str | None = None


@dataclass
class Editor:
    """One translator saving and confirming the segments of a document as fast as the server allows."""

    client: Client
    name: str
    doc_id: int
    versions: dict[int, int] = field(default_factory=dict)
    targets: dict[int, str] = field(default_factory=dict)
    sources: dict[int, str] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    confirmed: list[tuple[str, str]] = field(default_factory=list)  # (source, target) answered 200
    refused: list[tuple[str, str]] = field(default_factory=list)  # confirms answered 503
    problems: list[str] = field(default_factory=list)

    def load(self) -> None:
        for s in self.client.document(self.doc_id)["segments"]:
            self.versions[s["idx"]], self.targets[s["idx"]], self.sources[s["idx"]] = (
                s["version"],
                s["target"],
                s["source"],
            )

    def run(self, stop: threading.Event) -> None:
        n = 0
        idxs = sorted(self.versions)
        while not stop.is_set() and len(self.problems) < 20:
            n += 1
            idx = idxs[n % len(idxs)]
            try:
                if n % 25 == 0 and self.versions[idx] > 1:
                    self.step(idx, "stale", f"{self.name} stale {n}", self.versions[idx] - 1)
                else:
                    kind = "confirm" if n % 2 else "save"
                    self.step(idx, kind, f"{self.name} {kind} {n}", self.versions[idx])
            except Exception as e:  # a dropped connection, a timeout: a problem, not a crash
                self.problems.append(f"{self.name} #{n}: {type(e).__name__}: {e}")

    def step(self, idx: int, kind: str, target: str, version: int) -> None:
        path = f"/api/documents/{self.doc_id}/segments/{idx}"
        start = time.monotonic()
        if kind == "confirm":
            r = self.client.api("POST", path + "/confirm", {"target": target, "version": version})
        else:
            r = self.client.api("PUT", path, {"target": target, "version": version})
        self.calls.append(
            Call(self.name, kind, r.status, r.seconds, start, time.monotonic(), r.headers.get("Retry-After"))
        )
        expected = (409, 503) if kind == "stale" else (200, 503)
        if r.status not in expected:
            self.problems.append(f"{self.name} {kind} {idx}: {r.status} {r.text[:300]}")
        if r.status == 200:
            changed = r.json()["segments"] if kind == "confirm" else [r.json()["segment"]]
            for s in changed:
                self.versions[s["idx"]], self.targets[s["idx"]] = s["version"], s["target"]
            if changed[0]["target"] != target or changed[0]["version"] != version + 1:
                self.problems.append(f"{self.name} {kind} {idx}: 200 but {changed[0]}")
            if kind == "confirm":
                self.confirmed.append((self.sources[idx], target))
            return
        if r.status == 503 and not r.headers.get("Retry-After"):
            self.problems.append(f"{self.name} {kind} {idx}: 503 without Retry-After")
        if kind == "confirm":
            self.refused.append((self.sources[idx], target))
        # refused: the segment must be as it was
        now = {s["idx"]: s for s in self.client.document(self.doc_id)["segments"]}[idx]
        if (now["version"], now["target"]) != (self.versions[idx], self.targets[idx]):
            self.problems.append(
                f"{self.name} {kind} {idx} answered {r.status} but the segment changed: "
                f"{(self.versions[idx], self.targets[idx])} -> {(now['version'], now['target'])}"
            )
            self.versions[idx], self.targets[idx] = now["version"], now["target"]


@dataclass
class Watcher:
    """A reader beside the writers: its latency, and when the import's units became visible."""

    client: Client
    doc_id: int
    db: Path
    reads: list[Call] = field(default_factory=list)
    committed_at: float | None = None
    problems: list[str] = field(default_factory=list)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set() and len(self.problems) < 20:
            start = time.monotonic()
            try:
                r = self.client.get(f"/api/documents/{self.doc_id}")
                self.reads.append(Call("ada", "read", r.status, r.seconds, start, time.monotonic()))
                if r.status != 200:
                    self.problems.append(f"read: {r.status} {r.text[:300]}")
                if self.committed_at is None:
                    ((n,),) = read_db(self.db, "SELECT COUNT(*) FROM units WHERE target LIKE 'imp unit %'")
                    if n:
                        self.committed_at = time.monotonic()
            except Exception as e:
                self.problems.append(f"read: {type(e).__name__}: {e}")
            time.sleep(0.02)


def figures(seconds: list[float]) -> str:
    if not seconds:
        return "no requests"
    q = sorted(seconds)
    p95 = q[min(len(q) - 1, int(0.95 * len(q)))]
    return f"n={len(q)} p50={statistics.median(q) * 1000:.0f} ms p95={p95 * 1000:.0f} ms max={q[-1] * 1000:.0f} ms"


def test_two_cli_writers_and_the_web_app_at_once_never_answer_500(tmp_path, tiny_marian, servers, procs):
    env = tm_env(tmp_path, tiny_marian)
    init_memory(env, USERS)
    db = tmp_path / "memory.db"
    server = start_server(servers, env, tmp_path / "serve.log")
    editors = []
    for seed, name in enumerate(("tom", "tia")):
        client = Client(server.base).login(name)
        doc_id = client.new_document(f"{name}'s article", arabic_text(24, seed=100 + seed))
        editors.append(Editor(client, name, doc_id))
    for e in editors:
        wait_for(lambda e=e: e.client.document(e.doc_id)["status"] == "ready", 30, f"{e.name}'s drafts")
        e.load()
    big = write_tmx(tmp_path / "big.tmx", 30_000)

    # the writers run for `loop` seconds and until 1 s after the import ended (at most 60 s)
    loop, after, limit = 6.0, 1.0, 60.0
    stop, stop_file = threading.Event(), tmp_path / "stop-writers"
    sh = subprocess.Popen(
        [
            "bash",
            "-c",
            SH_WRITER,
            "sh-writer",
            TM,
            str(stop_file),
            str(int(limit)),
            str(tmp_path / "sh-writer.err"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    procs.append(sh)
    py = subprocess.Popen(
        [sys.executable, "-c", PY_WRITER, str(db), str(stop_file), str(limit)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    procs.append(py)
    watcher = Watcher(Client(server.base).login("ada"), editors[0].doc_id, db)
    threads = [threading.Thread(target=e.run, args=(stop,), name=e.name) for e in editors]
    threads.append(threading.Thread(target=watcher.run, args=(stop,), name="watcher"))
    began = time.monotonic()
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)
        import_log = open(tmp_path / "import.log", "w")
        imp = subprocess.Popen(
            [TM, "import", "--json", str(big)], env=env, stdout=import_log, stderr=subprocess.STDOUT
        )
        procs.append(imp)
        import_start, import_wall = time.monotonic(), time.time()
        deadline = began + limit
        import_end = None
        while time.monotonic() < deadline:
            if import_end is None and imp.poll() is not None:
                import_end = time.monotonic()
            if import_end is not None and time.monotonic() > max(began + loop, import_end + after):
                break
            time.sleep(0.02)
        loop_end = time.monotonic()
        import_end = import_end or loop_end
    finally:
        stop_file.touch()
        stop.set()
        for t in threads:
            t.join(timeout=40)
    import_log.close()
    assert not any(t.is_alive() for t in threads), "an editor thread hung"
    assert imp.poll() is not None, f"the import did not end within {limit} s"
    sh_out, _ = sh.communicate(timeout=40)
    py_out, py_err = py.communicate(timeout=40)

    calls = [c for e in editors for c in e.calls]
    statuses: dict[int, int] = {}
    for c in calls:
        statuses[c.status] = statuses.get(c.status, 0) + 1
    # a stale save is a PUT too: it waits for the write lock before it finds the version changed
    puts = [c for c in calls if c.kind in ("save", "stale")]
    during = [c.seconds for c in puts if c.end >= import_start and c.start <= import_end]
    aftermath = [c.seconds for c in puts if c.end > import_end]
    saves = [c.seconds for c in puts]
    committed = f"{watcher.committed_at - import_start:+.1f} s" if watcher.committed_at else "never seen"
    slowest = ", ".join(
        f"{c.kind} {c.seconds:.2f} s from {c.start - import_start:+.1f} s"
        for c in sorted(calls + watcher.reads, key=lambda c: -c.seconds)[:6]
    )
    sh_ok = [int(line.split()[1]) for line in sh_out.splitlines() if line.startswith("ok ")]
    sh_fail = [int(line.split()[1]) for line in sh_out.splitlines() if line.startswith("fail ")]
    py_result = json.loads(py_out) if py_out.strip() else {"ok": [], "busy": [], "errors": [py_err[-2000:]]}
    py_slow = ", ".join(f"{d:.2f} s from {t - import_wall:+.1f} s" for t, d in py_result.get("slow", []))
    print(
        f"\nweb: {len(calls)} requests in {loop_end - began:.1f} s, statuses {dict(sorted(statuses.items()))}, "
        f"503s: {statuses.get(503, 0)}"
        f"\nsaves (PUT), all:     {figures(saves)}"
        f"\nsaves, during import ({import_end - import_start:.1f} s): {figures(during)}"
        f"\nsaves, after import:  {figures(aftermath)}"
        f"\nconfirms:            {figures([c.seconds for c in calls if c.kind == 'confirm'])}"
        f"\nreads (GET, other user): {figures([c.seconds for c in watcher.reads])}"
        f"\nimport: started at +0.0 s, its units visible at {committed}, ended at {import_end - import_start:+.1f} s"
        f"\nslowest: {slowest}"
        f"\ntm add loop: {len(sh_ok)} ok, {len(sh_fail)} failed; python writer: {len(py_result['ok'])} ok, "
        f"{len(py_result['busy'])} busy, {len(py_result['errors'])} errors; import exit {imp.returncode}"
        f"\npython writer's confirms over 0.3 s: {py_slow or 'none'}"
    )

    problems = [p for e in editors for p in e.problems] + watcher.problems
    assert not problems, "\n".join(problems[:20]) + log_tail(server)
    assert 500 not in statuses, log_tail(server)
    assert set(statuses) <= {200, 409, 503}, statuses
    assert statuses.get(200, 0) > 50, statuses
    assert during, "no save ran while the import did"
    assert max(saves) < 2.0, (
        f"a save took {max(saves):.2f} s (slowest: {slowest}; python writer's slow confirms: {py_slow})"
    )

    # the import: all of it, once
    assert imp.returncode == 0, (tmp_path / "import.log").read_text()[-2000:]
    assert read_db(db, "SELECT COUNT(*) FROM units WHERE target LIKE 'imp unit %'") == [(30_000,)]

    # the CLI writers: every success is there, every refusal is not
    sh_units = {r[0] for r in read_db(db, "SELECT target FROM units WHERE target LIKE 'cli unit %'")}
    assert sh_units == {f"cli unit {i}" for i in sh_ok}, (tmp_path / "sh-writer.err").read_text()[-2000:]
    assert not py_result["errors"], py_result["errors"][:5]
    py_units = {r[0] for r in read_db(db, "SELECT target FROM units WHERE target LIKE 'py unit %'")}
    assert py_units == {f"py unit {i}" for i in py_result["ok"]}
    assert sh_ok and py_result["ok"]

    # the web: every confirm answered 200 is in the history, none answered 503 is anywhere
    history = set(read_db(db, "SELECT source, target FROM history"))
    lost = [c for e in editors for c in e.confirmed if c not in history]
    assert not lost, f"{len(lost)} confirmed translations are not in the memory: {lost[:5]}"
    ghosts = [c for e in editors for c in e.refused if c in history]
    assert not ghosts, f"{len(ghosts)} confirms answered 503 are in the memory: {ghosts[:5]}"
    # and the last confirm of each sentence is the memory's current translation (a 100% match)
    for e in editors:
        last = dict(e.confirmed)
        for source, target in list(last.items())[:5]:
            r = e.client.get("/api/lookup?" + urlencode({"text": source}))
            assert r.status == 200, r.text
            best = r.json()["matches"][0]
            assert best["score"] in (100, 101) and best["target"] == target, best
    assert "Traceback" not in server.log(), log_tail(server)


def test_a_writer_holding_the_lock_too_long_gets_503_with_retry_after_and_changes_nothing(tmp_path, servers):
    # no MT model: the drafts are empty at once (a note says why), which is all this test needs;
    # a change waits 2 s for the write lock instead of 10
    env = {**tm_env(tmp_path, tmp_path / "no-model"), "TM_OFFLINE": "1", "TM_BUSY_WAIT": "2"}
    init_memory(env, {"tom": "translator"})
    db = tmp_path / "memory.db"
    server = start_server(servers, env, tmp_path / "serve.log")
    saver, confirmer = Client(server.base).login("tom"), Client(server.base).login("tom")
    doc_id = saver.new_document("short", arabic_text(3, seed=9))
    wait_for(lambda: saver.document(doc_id)["status"] == "ready", 30, "the drafts")
    before = saver.document(doc_id)["segments"]
    path = f"/api/documents/{doc_id}/segments"
    replies = {}

    def send(name: str, client: Client, method: str, url: str, body: dict) -> None:
        replies[name] = client.api(method, url, body)

    calls = {
        "save": (
            saver,
            "PUT",
            f"{path}/0",
            {"target": "saved while locked", "version": before[0]["version"]},
        ),
        "confirm": (
            confirmer,
            "POST",
            f"{path}/1/confirm",
            {"target": "confirmed while locked", "version": before[1]["version"]},
        ),
    }
    # another process (here: a plain SQLite connection) takes the write lock and keeps it
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        threads = [threading.Thread(target=send, args=(name, *call)) for name, call in calls.items()]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=40)
    finally:
        conn.rollback()
        conn.close()
    assert not any(t.is_alive() for t in threads), "a request hung"
    print(
        "\nwhile the lock was held: "
        + ", ".join(f"{k} {r.status} in {r.seconds:.1f} s" for k, r in replies.items())
    )
    for name, r in replies.items():
        assert r.status == 503, (name, r.status, r.text[:300], log_tail(server))
        assert 1.5 < r.seconds < 10, f"{name} answered after {r.seconds:.1f} s, not after TM_BUSY_WAIT=2"
        assert r.headers.get("Retry-After"), (name, r.headers)
        assert "busy" in r.json()["error"], r.json()
    assert saver.document(doc_id)["segments"] == before
    assert read_db(db, "SELECT COUNT(*) FROM history WHERE target LIKE '% while locked'") == [(0,)]
    assert read_db(db, "SELECT COUNT(*) FROM units") == [(0,)]

    # the lock is free: the same changes go through
    for name, (client, method, url, body) in calls.items():
        r = client.api(method, url, body)
        assert r.status == 200, (name, r.status, r.text[:300])
    assert read_db(db, "SELECT target FROM units") == [("confirmed while locked",)]
    assert "Traceback" not in server.log(), log_tail(server)


# -- 3. a killed import ---------------------------------------------------------------------------


def export_text(env: dict[str, str], path: Path) -> list[str]:
    """Export the memory as TMX and return its lines without the export's date."""
    run_tm(env, "export", str(path))
    return [line for line in path.read_text(encoding="utf-8").splitlines() if "creationdate=" not in line]


def test_a_killed_import_leaves_the_memory_as_it_was(tmp_path, procs):
    env = tm_env(tmp_path)
    env["TM_CREATE"] = "1"
    db = tmp_path / "memory.db"
    run_tm(env, "init")
    run_tm(env, "import", str(write_tmx(tmp_path / "small.tmx", 200, seed=3, tag="old")))
    run_tm(env, "add", "وقعت الحكومة اتفاقا بقيمة 500 مليون دولار مع الشركة", "The government signed a deal")
    before_count = read_db(db, "SELECT COUNT(*) FROM units")
    before_export = export_text(env, tmp_path / "before.tmx")
    assert before_count == [(201,)]

    big = write_tmx(tmp_path / "big.tmx", 60_000, seed=4, tag="new")
    log = open(tmp_path / "import.log", "w")
    wal = Path(f"{db}-wal")
    written = wal.stat().st_size if wal.exists() else 0
    imp = subprocess.Popen([TM, "import", str(big)], env=env, stdout=log, stderr=subprocess.STDOUT)
    procs.append(imp)
    # killed while it writes the units into the memory (one transaction of tens of MB, the
    # file staged apart before): once the memory's write-ahead log has grown by a megabyte
    deadline = time.monotonic() + 120
    while not (wal.exists() and wal.stat().st_size > written + 2**20):
        assert imp.poll() is None, "the import ended before it could be killed: make the file bigger"
        assert time.monotonic() < deadline, "the import never began writing into the memory"
        time.sleep(0.002)
    imp.send_signal(signal.SIGKILL)
    imp.wait(timeout=10)
    log.close()

    assert read_db(db, "SELECT COUNT(*) FROM units") == before_count
    assert read_db(db, "SELECT COUNT(*) FROM units WHERE target LIKE 'new unit %'") == [(0,)]
    assert export_text(env, tmp_path / "after.tmx") == before_export
    assert json.loads(run_tm(env, "stats", "--json"))["units"] == 201

    run_tm(
        env, "add", "قال الرئيس إن الاقتصاد ينمو بسرعة هذا العام", "The president said the economy grows fast"
    )
    found = json.loads(run_tm(env, "lookup", "--json", "قال الرئيس إن الاقتصاد ينمو بسرعة كبيرة هذا العام"))
    assert found and found[0]["target"] == "The president said the economy grows fast", found
    assert found[0]["kind"] == "fuzzy" and found[0]["score"] >= 75, found[0]


# -- 4. what a writer holds the write lock for ----------------------------------------------------

CONFIRMER = """
import sys
from tm.memory import TranslationMemory

memory = TranslationMemory.open(sys.argv[1])
memory.confirm("قال الرئيس إن الاقتصاد ينمو بسرعة", "The president said the economy grows", author="py")
print("ready", flush=True)
sys.stdin.readline()
memory.confirm("وقعت الحكومة اتفاقا جديدا مع الشركة", "The government signed a new deal", author="py")
print("done", flush=True)
# the index learned the confirm after its commit: a fuzzy lookup finds it
matches = memory.lookup("وقعت الحكومة اليوم اتفاقا جديدا مع الشركة", min_score=60)
print([(m.kind, m.unit.target) for m in matches], flush=True)
memory.close()
"""


def test_a_confirm_after_another_process_imported_keeps_other_writers_waiting_briefly(tmp_path, procs):
    env = tm_env(tmp_path)
    db = tmp_path / "memory.db"
    run_tm(env, "init")
    child = subprocess.Popen(
        [sys.executable, "-c", CONFIRMER, str(db)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    procs.append(child)
    assert child.stdout.readline().strip() == "ready", child.stderr.read()
    # another process imports while the child keeps its (now old) index in memory
    run_tm(env, "import", str(write_tmx(tmp_path / "big.tmx", 50_000)), timeout=120)

    conn = sqlite3.connect(db, timeout=30, isolation_level=None)
    waits = []
    try:
        child.stdin.write("go\n")
        child.stdin.flush()
        deadline = time.monotonic() + 30
        while child.poll() is None and time.monotonic() < deadline:
            start = time.monotonic()
            conn.execute("BEGIN IMMEDIATE")
            waits.append(time.monotonic() - start)
            conn.execute("ROLLBACK")
            time.sleep(0.005)
    finally:
        conn.close()
    out, err = child.communicate(timeout=30)
    assert child.returncode == 0 and "done" in out, err
    print(f"\nanother writer's longest wait for the lock during the confirm: {max(waits):.2f} s")
    assert max(waits) < 0.2
    assert "('fuzzy', 'The government signed a new deal')" in out, out


def test_a_chunked_body_over_the_upload_limit_is_refused_by_the_server(tmp_path, servers):
    import http.client

    env = {**tm_env(tmp_path), "TM_MAX_UPLOAD_MB": "1"}
    init_memory(env, {"tom": "translator"})
    server = Server(env, tmp_path / "serve.log").start()
    servers.append(server)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest("POST", "/documents/new")
    conn.putheader("Transfer-Encoding", "chunked")  # no Content-Length for the app to check
    conn.putheader("Content-Type", "application/x-www-form-urlencoded")
    conn.endheaders()
    chunk = b"text=" + b"a" * (64 * 1024 - 5)
    try:
        for _ in range(40):  # 2.5 MB, past the 1 MB limit
            conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            chunk = b"a" * (64 * 1024)
        conn.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):  # the server may close as soon as it has refused
        pass
    status = conn.getresponse().status
    assert status == 413
    assert read_db(tmp_path / "memory.db", "SELECT COUNT(*) FROM documents") == [(0,)]
