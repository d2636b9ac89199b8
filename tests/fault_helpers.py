"""Real processes for fault tests: `tm serve` on a free port, an HTTP client with a session, test data."""

from __future__ import annotations

import http.cookiejar
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from tests.tiny_models import ARABIC

TM = str(Path(sys.executable).with_name("tm"))
PASSWORD = "fault-password"
WORDS = sorted({w for s in ARABIC for w in s.split() if not w[0].isdigit()})


def tm_env(tmp_path: Path, model: Path | None = None) -> dict[str, str]:
    """Return the environment of every tm process of a test: one memory, one data directory."""
    env = {
        **os.environ,
        "TM_DB": str(tmp_path / "memory.db"),
        "TM_HOME": str(tmp_path / "home"),
        "TM_BEAMS": "1",
        # one MT thread: on a busy machine torch's spinning thread pool makes drafting several times slower
        "TM_THREADS": "1",
    }
    env.pop("TM_DEBUG", None)
    if model is not None:
        env["TM_MODEL"] = str(model)
    return env


def run_tm(env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 60) -> str:
    """Run `tm ARGS`, assert it succeeded and return its standard output."""
    proc = subprocess.run([TM, *args], input=stdin, text=True, env=env, capture_output=True, timeout=timeout)
    assert proc.returncode == 0, f"tm {' '.join(args)} failed: {proc.stderr}"
    return proc.stdout


def init_memory(env: dict[str, str], users: dict[str, str]) -> None:
    """Create the memory, then the accounts (name -> role, all with PASSWORD) side by side."""
    run_tm(env, "init")
    adds = {
        name: subprocess.Popen(
            [TM, "user", "add", name, "--role", role, "--password-stdin"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name, role in users.items()
    }
    for name, proc in adds.items():
        try:
            _, err = proc.communicate(PASSWORD + "\n", timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 0, f"tm user add {name} failed: {err}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A `tm serve` process; its output goes to a log file that tests quote in failures."""

    def __init__(self, env: dict[str, str], log: Path, port: int | None = None):
        self.env, self.log_path = env, log
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> Server:
        """Start the server and wait until it answers the login page."""
        with open(self.log_path, "a") as log:
            log.write(f"\n---- tm serve started at {time.strftime('%H:%M:%S')} ----\n")
            log.flush()
            self.proc = subprocess.Popen(
                [TM, "serve", "--port", str(self.port)], env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(self.base + "/login", timeout=2).read()
                return self
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"tm serve did not start:\n{self.log()}") from None
                time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the server (no shutdown code runs) and reap it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        """Stop the server politely, then by force."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float
    url: str = ""

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass
class Client:
    """A browser-like HTTP client: a cookie jar, the session's CSRF token, JSON helpers."""

    base: str
    token: str = ""
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(
        self,
        method: str,
        path: str,
        *,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> Reply:
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        start = time.monotonic()
        try:
            with self.opener.open(req, timeout=timeout) as r:
                body = r.read()
                return Reply(r.status, dict(r.headers), body, time.monotonic() - start, r.geturl())
        except urllib.error.HTTPError as e:
            body = e.read()
            return Reply(e.code, dict(e.headers), body, time.monotonic() - start, e.geturl())

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def form(self, path: str, fields: dict[str, str]) -> Reply:
        body = urllib.parse.urlencode({"csrf_token": self.token, **fields}).encode()
        return self.request(
            "POST", path, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Reply:
        data = json.dumps(body or {}).encode()
        headers = {"Content-Type": "application/json", "X-CSRF-Token": self.token}
        return self.request(method, path, data=data, headers=headers)

    def login(self, name: str, password: str = PASSWORD) -> Client:
        page = self.get("/login").text
        self.token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        r = self.form("/login", {"name": name, "password": password})
        assert r.status == 200 and not r.url.endswith("/login"), (r.status, r.url, r.text[:300])
        # the session keeps its token after login; the pages carry it
        self.token = re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)
        return self

    def new_document(self, title: str, text: str) -> int:
        r = self.form("/documents/new", {"title": title, "text": text})
        assert r.status == 200, (r.status, r.text[:500])
        match = re.search(r"/documents/(\d+)$", r.url)
        assert match, r.url
        return int(match.group(1))

    def document(self, doc_id: int) -> dict[str, Any]:
        r = self.get(f"/api/documents/{doc_id}")
        assert r.status == 200, (r.status, r.text[:300])
        return r.json()


def wait_for(check, timeout: float, what: str, every: float = 0.1):  # type: ignore[no-untyped-def]
    """Call check() until it returns something true; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


def arabic_text(sentences: int, seed: int = 0, per_paragraph: int = 5) -> str:
    """Return an article of distinct Arabic sentences made from the tiny model's words."""
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < sentences:
        s = " ".join(rng.choice(WORDS) for _ in range(rng.randint(7, 12)))
        if s not in seen:
            seen.add(s)
            out.append(s + ".")
    return "\n\n".join(" ".join(out[i : i + per_paragraph]) for i in range(0, len(out), per_paragraph))


def write_tmx(path: Path, units: int, seed: int = 1, tag: str = "imp") -> Path:
    """Write a TMX 1.4b file of distinct Arabic-English units."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        f.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header creationtool="faults" '
            'creationtoolversion="1" segtype="sentence" o-tmf="tm" adminlang="en" srclang="ar" '
            'datatype="plaintext"/><body>\n'
        )
        for i in range(units):
            words = " ".join(rng.choice(WORDS) for _ in range(6))
            f.write(
                f'<tu><tuv xml:lang="ar"><seg>{escape(words)} {tag} {i}</seg></tuv>'
                f'<tuv xml:lang="en"><seg>{tag} unit {i}</seg></tuv></tu>\n'
            )
        f.write("</body></tmx>\n")
    return path


def read_db(path: Path, sql: str, args: tuple = ()) -> list[tuple]:
    """Run a query on the memory read-only (another connection, as any reader would)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()
