"""Several server processes, one memory: real `tm serve` processes over one SQLite file or schema.

Two single-process servers on two ports over the same memory show what the processes share
(a confirmed unit, login throttling); `tm serve --workers 2` shows the supervisor: one port,
a process that dies is started again, SIGTERM stops them all.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

TM = str(Path(sys.executable).with_name("tm"))
PASSWORD = "processes-password"
POSTGRES = os.environ.get("TM_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
# the figure is 1 s; this bound only keeps a failure from hanging the run
VISIBLE_WITHIN = 5.0

SOURCE = "وصل وزير الخارجية إلى القاهرة صباح اليوم في زيارة رسمية تستمر يومين"
TARGET = "The foreign minister arrived in Cairo this morning on an official two-day visit"
# one word changed: found only through the fuzzy index, which must have learned the unit
NEAR = "وصل وزير الخارجية إلى القاهرة مساء اليوم في زيارة رسمية تستمر يومين"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tm(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([TM, *args], input=stdin, text=True, env=env, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _postgres_schema() -> str | None:
    try:
        import psycopg
    except ImportError:
        pytest.skip("psycopg is not installed (pip install 'tm[postgres]')")
    try:
        with psycopg.connect(POSTGRES, autocommit=True, connect_timeout=3) as conn:
            name = f"tm_test_{uuid.uuid4().hex[:12]}"
            conn.execute(f"CREATE SCHEMA {name}")
            return name
    except psycopg.Error as e:
        pytest.skip(f"no PostgreSQL server answers at {POSTGRES} ({str(e).strip().splitlines()[0]})")
    return None


@pytest.fixture(params=["sqlite", "postgresql"])
def env(request, tmp_path) -> Iterator[dict[str, str]]:
    """A new memory (an SQLite file, or a fresh PostgreSQL schema) with an admin `ada`."""
    schema = None
    if request.param == "sqlite":
        db = str(tmp_path / "memory.db")
    else:
        schema = _postgres_schema()
        db = f"{POSTGRES}?options=-csearch_path%3D{schema}"
    environ = {
        **os.environ,
        "TM_DB": db,
        "TM_CREATE": "1",
        "TM_HOME": str(tmp_path / "home"),
        "TM_OFFLINE": "1",
    }
    tm(environ, "init")
    tm(environ, "user", "add", "ada", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    yield environ
    if schema is not None:
        import psycopg

        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


class Server:
    """A `tm serve` process (or supervisor) on a free loopback port, with its log."""

    def __init__(self, env: dict[str, str], log: Path, *extra: str, stop_with: str = "SIGTERM"):
        self.stop_with = stop_with
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        with open(log, "w") as out:
            self.proc = subprocess.Popen(
                [TM, "serve", "--port", str(self.port), "--threads", "4", *extra],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, as a terminal's
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(self.base + "/login", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(log.read_text())
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            if self.stop_with == "Ctrl+C":  # a terminal sends SIGINT to the whole process group
                os.killpg(self.proc.pid, signal.SIGINT)
            else:
                self.proc.terminate()
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def servers(env, tmp_path) -> Iterator[tuple[Server, Server]]:
    """Two single-process servers on two ports over the same memory."""
    started: list[Server] = []
    try:
        for name in ("a", "b"):
            started.append(Server(env, tmp_path / f"serve-{name}.log"))
        yield started[0], started[1]
    finally:
        for server in started:
            server.stop()


def api(env: dict[str, str]) -> requests.Session:
    """Return an HTTP session that calls /api/v1 with a new token of ada's."""
    secret = tm(env, "token", "create", "ada", "--name", "processes test").strip()
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {secret}"
    return http


def found(http: requests.Session, base: str, text: str) -> dict | None:
    r = http.get(base + "/api/v1/lookup", params={"text": text}, timeout=10)
    assert r.status_code == 200, r.text
    return next((m for m in r.json()["matches"] if m["target"] == TARGET), None)


def confirm_a_sentence(http: requests.Session, base: str) -> None:
    """Create a one-sentence document through a server and confirm its English there."""
    r = http.post(
        base + "/api/v1/documents", json={"title": "visit", "text": SOURCE, "mt": False}, timeout=10
    )
    assert r.status_code == 201, r.text
    doc = r.json()["id"]
    deadline = time.monotonic() + 30
    while http.get(f"{base}/api/v1/documents/{doc}", timeout=10).json()["drafting"]["state"] != "ready":
        assert time.monotonic() < deadline, "the drafting job did not finish"
        time.sleep(0.1)
    segment = http.get(f"{base}/api/v1/documents/{doc}/segments/0", timeout=10).json()
    r = http.post(
        f"{base}/api/v1/documents/{doc}/segments/0/confirm",
        json={"target": TARGET, "version": segment["version"]},
        timeout=10,
    )
    assert r.status_code == 200, r.text


def test_a_unit_confirmed_through_one_process_is_found_by_another_within_a_second(servers, env, request):
    a, b = servers
    http = api(env)
    assert found(http, b.base, NEAR) is None  # b's index is loaded and knows nothing of it yet
    confirm_a_sentence(http, a.base)
    confirmed = time.monotonic()
    fuzzy = exact = None
    while fuzzy is None or exact is None:
        fuzzy = fuzzy or (found(http, b.base, NEAR) and time.monotonic() - confirmed)
        exact = exact or (found(http, b.base, SOURCE) and time.monotonic() - confirmed)
        assert time.monotonic() - confirmed < VISIBLE_WITHIN, "the other process never found the unit"
    engine = request.node.callspec.params["env"]
    print(
        f"\n{engine}: visible in the other process after {fuzzy * 1000:.0f} ms (fuzzy), {exact * 1000:.0f} ms (exact)"
    )
    match = found(http, b.base, NEAR)
    assert match is not None and match["kind"] == "fuzzy" and match["source"] == SOURCE


def login(base: str, name: str, password: str) -> int:
    http = requests.Session()
    page = http.get(base + "/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    r = http.post(
        base + "/login",
        data={"name": name, "password": password, "csrf_token": token.group(1)},
        allow_redirects=False,
        timeout=10,
    )
    return r.status_code


def test_wrong_passwords_through_one_process_slow_the_guesser_down_in_another(servers):
    a, b = servers
    for _ in range(5):
        assert login(a.base, "ada", "not the password") == 401
    assert login(b.base, "ada", PASSWORD) == 429  # even the right password waits, on the other process
    assert login(b.base, "someone", "not the password") == 401  # other names are not affected


def _children(log: Path, count: int, deadline: float) -> list[int]:
    while True:
        pids = [int(p) for p in re.findall(r"server process \d+ started \(pid (\d+)\)", log.read_text())]
        if len(pids) >= count or time.monotonic() > deadline:
            return pids
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a child that ended but was not yet reaped by its parent is a zombie: not alive
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("env", ["sqlite"], indirect=True)
@pytest.mark.parametrize("stop_with", ["SIGTERM", "Ctrl+C"])
def test_workers_share_one_port_a_dead_one_is_replaced_and_all_stop_together(env, tmp_path, stop_with):
    log = tmp_path / "serve.log"
    server = Server(env, log, "--workers", "2", stop_with=stop_with)
    try:
        first = _children(log, 2, time.monotonic() + 30)
        assert len(first) == 2 and all(map(_alive, first))
        http = api(env)
        confirm_a_sentence(http, server.base)
        # whichever process answers (new connections go to either), the unit is there
        assert all(found(http, server.base, NEAR) for _ in range(6))

        os.kill(first[0], signal.SIGKILL)
        pids = _children(log, 3, time.monotonic() + 30)
        assert len(pids) == 3, log.read_text()
        assert "ended with signal SIGKILL" in log.read_text()
        assert requests.get(server.base + "/login", timeout=10).status_code == 200
    finally:
        server.stop()
    assert server.proc.returncode == 0, log.read_text()
    assert not any(map(_alive, pids)), log.read_text()
    assert "stopped" in log.read_text()


def test_a_saturated_servers_queue_warnings_are_said_once_a_minute_not_for_every_request():
    import logging

    from web import cli

    now = [1000.0]
    once = cli._EveryMinute(clock=lambda: now[0])
    record = logging.LogRecord(
        "waitress.queue", logging.WARNING, __file__, 1, "Task queue depth is %d", (3,), None
    )
    said = [once.filter(record) for _ in range(1000)]
    now[0] += 61
    said.append(once.filter(record))
    assert said.count(True) == 2 and said[0] and said[-1]


@pytest.mark.parametrize(
    ("db", "threads"),
    [("/srv/tm/memory.db", 8), ("postgresql://tm@db/tm", 16), ("postgres://tm@db/tm?sslmode=require", 16)],
)
def test_server_processes_run_more_request_threads_on_postgresql_whose_writers_queue_in_order(db, threads):
    from web.cli import default_threads

    assert default_threads(db) == threads
