"""Load: a running `tm serve --workers N` driven on loopback by a bounded number of API clients.

Run by hand:  python bench/load.py --db /tmp | postgresql://postgres@127.0.0.1/test
                  [--workers 2] [--clients 32] [--seconds 60] [--units 20000] [--pause-ms 0]

Prepares a fresh memory (SQLite: a new file in a temporary directory under --db when it is a
directory, or that file; PostgreSQL: a new schema in that database, dropped at the end),
imports --units generated news-like units (bench/lookup.py's realistic corpus), makes one
translator account and API token per client (as `tm user add` and `tm token create` do), then
starts `tm serve --workers N` on a free port (TM_API_RATE raised so that the per-token limit
does not shape the figures) and makes one document per client through POST /api/v1/documents.
Clients 0-3 also write to one shared document (its owner, its translator and two admins), with
versions they read a while ago, to provoke deliberate 409s.

Each client is a thread with its own keep-alive connection that sends, for --seconds, a mix of
lookups, concordance searches, segment saves (with the version read; a 409 re-reads the
segment) and confirms: back to back by default (the server saturated: latency is then mostly
queueing), or, with --pause-ms, each after a random think time as a translator at the editor
would pace them (the offered rate is printed). Prints requests/s, p50/p95/p99 per kind and
answers by status.

Then the server is stopped (SIGTERM to its process group, as Ctrl+C) and the memory is read
through tm.store.open_store: every acknowledged save must be there (the segment's final version
is at least the acknowledged one; the newest acknowledged save of each segment and person is a
history entry with that version, text and author, since a person's autosaves within two minutes
are merged into one entry; every other acknowledged save is covered by an entry of that person
of a later version), and every acknowledged confirm must have its history entry and a unit in
the memory with that source and English. Exits 1 on a lost save or confirm, or on any 5xx.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from lookup import Realistic, mutate  # noqa: E402

from tm.candidates import LocalIndex  # noqa: E402
from tm.lang import normalize  # noqa: E402
from tm.store import open_store  # noqa: E402
from tm.store.records import NewUnit  # noqa: E402
from web.cli import default_threads  # noqa: E402

TM = str(Path(sys.executable).with_name("tm"))
SHARED_WRITERS = 4  # clients 0..3 also write to the shared document
KINDS = ("lookup", "concordance", "save", "confirm", "read")
MIX = (("lookup", 0.40), ("concordance", 0.15), ("save", 0.35), ("confirm", 0.10))
SCALES = {"مليون": " million", "مليار": " billion", "ألف": " thousand"}  # so that QA finds the numbers
ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the memory ------------------------------------------------------------------------------


class Memory:
    """A fresh memory: a SQLite file or a PostgreSQL schema, removed by close()."""

    def __init__(self, db: str):
        self.tmp = Path(tempfile.mkdtemp(prefix="tm-load-"))
        self.schema: str | None = None
        self.made_dir: Path | None = None
        self.base = db
        if db.startswith(("postgresql://", "postgres://")):
            import psycopg

            self.schema = "load_" + uuid.uuid4().hex[:10]
            with psycopg.connect(db, autocommit=True) as conn:
                conn.execute(f"CREATE SCHEMA {self.schema}")
            sep = "&" if "?" in db else "?"
            self.url = f"{db}{sep}options=-csearch_path%3D{self.schema}"
        else:
            path = Path(db)
            if path.is_dir():
                self.made_dir = Path(tempfile.mkdtemp(prefix="tm-load-", dir=path))
                path = self.made_dir / "memory.db"
            if path.exists():
                raise SystemExit(f"{path} exists: give a directory or a new file")
            self.url = str(path)

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ, TM_DB=self.url, TM_HOME=str(self.tmp / "home"), **extra)
        env.pop("TM_API_RATE_STORAGE", None)
        return env

    def close(self, keep: bool) -> None:
        if self.schema and not keep:
            import psycopg

            with psycopg.connect(self.base, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {self.schema} CASCADE")
        elif self.schema:
            print(f"kept schema {self.schema}")
        elif keep:
            print(f"memory kept in {self.url}")
        elif self.made_dir is not None:
            shutil.rmtree(self.made_dir, ignore_errors=True)
        if not keep:
            shutil.rmtree(self.tmp, ignore_errors=True)


# -- HTTP ------------------------------------------------------------------------------------


@dataclass
class Ack:
    kind: str  # save or confirm
    doc: int
    idx: int
    user: str
    version: int
    target: str
    source: str = ""


@dataclass
class Stats:
    latency: dict[str, list[float]] = field(default_factory=lambda: collections.defaultdict(list))
    status: dict[str, collections.Counter] = field(
        default_factory=lambda: collections.defaultdict(collections.Counter)
    )
    deliberate_409: int = 0
    other_409: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # 5xx, other unexpected answers, dropped connections
    acks: list[Ack] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Client:
    def __init__(self, port: int, token: str, stats: Stats | None = None):
        self.port, self.token, self.stats = port, token, stats
        self.conn: http.client.HTTPConnection | None = None

    def call(self, kind: str, method: str, path: str, body: object = None) -> tuple[int, dict]:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        t = time.perf_counter()
        for attempt in (1, 2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                status = resp.status
                if resp.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                break
            except (ConnectionError, http.client.HTTPException, OSError) as e:
                if self.conn is not None:
                    self.conn.close()
                    self.conn = None
                # a keep-alive connection the server closed between requests: retry once, only
                # for reads (a write may have been applied)
                if attempt == 2 or method != "GET":
                    status, raw = 599, json.dumps({"error": f"{type(e).__name__}: {e}"}).encode()
                    break
        ms = (time.perf_counter() - t) * 1000
        try:
            answer = json.loads(raw) if raw else {}
        except ValueError:
            answer = {"raw": raw[:300].decode(errors="replace")}
        if self.stats is not None:
            with self.stats.lock:
                self.stats.latency[kind].append(ms)
                self.stats.status[kind][status] += 1
                if status >= 500 or status in (400, 401, 403, 404, 429):
                    self.stats.failures.append(f"{status} {method} {path} {body!r:.200} -> {answer!r:.300}")
        return status, answer


# -- CPU -------------------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_stat(pid: str) -> tuple[str, int, float] | None:
    """Return (command, parent pid, CPU seconds) of a process from /proc, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    comm = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    return comm, int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


@dataclass
class CPU:
    """CPU seconds so far of the server (supervisor and its processes), PostgreSQL and the machine."""

    server: float
    postgres: float
    busy: float
    at: float

    @classmethod
    def now(cls, server_pid: int) -> CPU | None:
        """Read them from /proc (Linux); None elsewhere."""
        try:
            pids = [p for p in os.listdir("/proc") if p.isdigit()]
            with open("/proc/stat") as f:
                ticks = [int(v) for v in f.readline().split()[1:]]
        except OSError:
            return None
        server = postgres = 0.0
        for pid in pids:
            found = _proc_stat(pid)
            if found is None:
                continue
            comm, ppid, seconds = found
            if int(pid) == server_pid or ppid == server_pid:
                server += seconds
            elif comm == "postgres":
                postgres += seconds
        busy = (sum(ticks) - ticks[3] - ticks[4]) / TICK  # all but idle and iowait
        return cls(server, postgres, busy, time.monotonic())


def report_cpu(before: CPU | None, after: CPU | None, requests: int, postgres: bool) -> None:
    """Print the server's CPU per request: the figure the machine's other load changes least."""
    if before is None or after is None or not requests:
        return
    wall = after.at - before.at
    server = after.server - before.server
    per = 1000 / requests
    line = f"server CPU: {server:.1f} s = {server * per:.2f} ms a request ({server / wall:.2f} cores)"
    if postgres:
        pg = after.postgres - before.postgres
        line += f"; PostgreSQL (all its processes): {pg * per:.2f} ms a request ({pg / wall:.2f} cores)"
    busy = after.busy - before.busy
    print(f"{line}; machine busy {busy / wall:.2f} of {os.cpu_count()} cores")


# -- the run ---------------------------------------------------------------------------------


@dataclass
class Seat:
    """One client's account, token and documents."""

    n: int
    user: str
    token: str
    doc: int = 0
    segments: list[dict] = field(default_factory=list)


def prepare(mem: Memory, args: argparse.Namespace, gen: Realistic) -> tuple[list[str], list[Seat]]:
    t = time.perf_counter()
    sentences = [gen.sentence() for _ in range(args.units)]
    store = open_store(mem.url)
    added = store.units.import_units(
        NewUnit(s, f"translation {i} of the load memory", origin="import") for i, s in enumerate(sentences)
    ).added
    LocalIndex(store).rebuild()  # the SQLite index file, as a served memory has it
    store.close()
    print(
        f"memory: {mem.url}\nimported {added:,} units and built the index in {time.perf_counter() - t:.1f} s"
    )

    t = time.perf_counter()
    # the accounts and tokens `tm user add` and `tm token create` would make, made here: 64 CLI
    # starts took a minute on a loaded machine and measured nothing
    from werkzeug.security import generate_password_hash

    from web.security import new_token_secret

    password = generate_password_hash("load-password-123")
    store = open_store(mem.url, create=False)
    seats: list[Seat] = []
    for n in range(args.clients):
        name = f"load{n:02d}"
        role = "admin" if n in (2, 3) else "translator"
        user = store.accounts.add(name, password, role)
        secret = new_token_secret()
        store.accounts.add_token(user.id, "load", secret)
        seats.append(Seat(n, name, secret))
    store.close()
    if len(seats) != args.clients:
        raise SystemExit("could not make every account")
    seats.sort(key=lambda s: s.n)
    print(f"{args.clients} accounts and tokens in {time.perf_counter() - t:.1f} s")
    return sentences, seats


def document_text(gen: Realistic, n: int, tag: str) -> str:
    # distinct sentences (a tag number in each) so that confirms propagate to no repetition
    lines = []
    for i in range(n):
        s = gen.sentence().rstrip(".،")
        lines.append(f"{s} {tag}{i}.")
    return "\n".join(lines)


def make_documents(port: int, seats: list[Seat], gen: Realistic, per_doc: int) -> dict:
    def create(seat: Seat, text: str, **extra: object) -> int:
        status, answer = Client(port, seat.token).call(
            "setup", "POST", "/api/v1/documents", {"text": text, "mt": False, **extra}
        )
        if status != 201:
            raise SystemExit(f"POST /api/v1/documents answered {status}: {answer}")
        return int(answer["id"])

    def ready(seat: Seat, doc: int) -> list[dict]:
        for _ in range(600):
            status, answer = Client(port, seat.token).call("setup", "GET", f"/api/v1/documents/{doc}")
            if status == 200 and answer["drafting"]["state"] == "ready" and answer["segments"]:
                return answer["segments"]
            if status == 200 and answer["drafting"]["state"] == "failed":
                raise SystemExit(f"drafting document {doc} failed")
            time.sleep(0.2)
        raise SystemExit(f"document {doc} was not drafted within 120 s")

    for seat in seats:
        seat.doc = create(seat, document_text(gen, per_doc, f"{seat.n}-"))
    for seat in seats:
        seat.segments = ready(seat, seat.doc)
    shared_doc = create(seats[0], document_text(gen, 8, "s-"), translator=seats[1].user)
    return {"doc": shared_doc, "segments": ready(seats[0], shared_doc)}


def client_loop(
    port: int,
    seat: Seat,
    shared: dict,
    queries: list[str],
    phrases: list[str],
    stats: Stats,
    stop: float,
    seed: int,
    pause_ms: float = 0.0,
) -> None:
    rng = random.Random(seed)
    c = Client(port, seat.token, stats)
    versions: dict[tuple[int, int], int] = {(seat.doc, s["idx"]): s["version"] for s in seat.segments}
    sources: dict[tuple[int, int], str] = {(seat.doc, s["idx"]): s["source"] for s in seat.segments}
    if seat.n < SHARED_WRITERS:
        for s in shared["segments"]:
            versions[(shared["doc"], s["idx"])] = s["version"]
            sources[(shared["doc"], s["idx"])] = s["source"]
    kinds, weights = zip(*MIX, strict=True)
    count = 0
    while time.monotonic() < stop:
        if pause_ms:  # a translator reading and typing before the next request
            time.sleep(min(rng.expovariate(1000 / pause_ms), max(0.0, stop - time.monotonic())))
            if time.monotonic() >= stop:
                break
        kind = rng.choices(kinds, weights)[0]
        if kind == "lookup":
            c.call(kind, "GET", "/api/v1/lookup?text=" + urllib.parse.quote(rng.choice(queries)))
            continue
        if kind == "concordance":
            c.call(kind, "GET", "/api/v1/concordance?q=" + urllib.parse.quote(rng.choice(phrases)))
            continue
        # a write: the shared document half of the time for the shared writers
        on_shared = seat.n < SHARED_WRITERS and rng.random() < 0.5
        doc = shared["doc"] if on_shared else seat.doc
        n_segs = len(shared["segments"]) if on_shared else len(seat.segments)
        idx = rng.randrange(n_segs)
        key = (doc, idx)
        count += 1
        if kind == "save":
            target = f"Saved by {seat.user}, edit {count}: segment {idx} at {time.time():.3f}"
            status, answer = c.call(
                kind,
                "PUT",
                f"/api/v1/documents/{doc}/segments/{idx}",
                {"target": target, "version": versions[key]},
            )
        else:
            numbers = " ".join(
                n + SCALES.get(scale, "")
                for n, scale in re.findall(
                    r"(\d+)(?:\s+(مليون|مليار|ألف))?", sources[key].translate(ARABIC_DIGITS)
                )
            )
            target = f"Confirmed by {seat.user}, edit {count}: {numbers}"
            status, answer = c.call(
                kind,
                "POST",
                f"/api/v1/documents/{doc}/segments/{idx}/confirm",
                {"target": target, "version": versions[key]},
            )
            if status == 422:  # a blocking QA finding the numbers did not avoid: confirm over it
                message = str((answer.get("error") or {}).get("message", ""))
                codes = re.search(r'"override": (\[[^\]]*\])', message)
                override = json.loads(codes.group(1)) if codes else []
                status, answer = c.call(
                    kind,
                    "POST",
                    f"/api/v1/documents/{doc}/segments/{idx}/confirm",
                    {"target": target, "version": versions[key], "override": override},
                )
        if status == 200:
            seg = answer["segment"] if kind == "confirm" else answer
            versions[key] = seg["version"]
            with stats.lock:
                stats.acks.append(Ack(kind, doc, idx, seat.user, seg["version"], target, sources[key]))
        elif status == 409:
            with stats.lock:
                if on_shared:
                    stats.deliberate_409 += 1
                else:
                    stats.other_409.append(f"{kind} {doc}/{idx} v{versions[key]}: {answer}")
            status, answer = c.call("read", "GET", f"/api/v1/documents/{doc}/segments/{idx}")
            if status == 200:
                versions[key] = answer["version"]
        elif status != 599:
            with stats.lock:
                stats.failures.append(f"{status} {kind} {doc}/{idx}: {answer!r:.300}")


def report(stats: Stats, seconds: float) -> None:
    total = sum(len(v) for v in stats.latency.values())
    print(f"\nrequests: {total:,} in {seconds:.1f} s = {total / seconds:,.1f} requests/s")
    print(f"{'kind':<12} {'count':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  statuses")
    for kind in KINDS:
        lat = stats.latency.get(kind, [])
        if not lat:
            continue
        codes = ", ".join(f"{k}: {v}" for k, v in sorted(stats.status[kind].items()))
        print(
            f"{kind:<12} {len(lat):>7,} {len(lat) / seconds:>8.1f} {percentile(lat, 50):>8.1f} "
            f"{percentile(lat, 95):>8.1f} {percentile(lat, 99):>8.1f}  {codes}"
        )
    by_status: collections.Counter = collections.Counter()
    for kind in KINDS:
        by_status.update(stats.status.get(kind, {}))
    others = {k: v for k, v in by_status.items() if k not in (200, 409)}
    print(
        f"by status: 200: {by_status[200]:,}; 409: {by_status[409]:,} ({stats.deliberate_409} deliberate on "
        f"the shared document, {len(stats.other_409)} elsewhere); others: {others or 'none'}"
    )
    for line in (stats.other_409 + stats.failures)[:20]:
        print("  ", line)


def verify(url: str, stats: Stats) -> int:
    """Count acknowledged saves and confirms that the memory does not have."""
    store = open_store(url, create=False)
    docs = store.documents
    lost: list[str] = []  # "save ..." or "confirm ..."
    histories: dict[tuple[int, int], list] = {}
    finals: dict[tuple[int, int], int] = {}
    for a in stats.acks:
        key = (a.doc, a.idx)
        if key not in histories:
            histories[key] = docs.history(a.doc, a.idx, limit=1_000_000)
            finals[key] = docs.segment(a.doc, a.idx).version
    newest: dict[tuple[int, int, str], Ack] = {}
    for a in stats.acks:
        if a.kind == "save":
            k = (a.doc, a.idx, a.user)
            if k not in newest or newest[k].version < a.version:
                newest[k] = a
    units_checked = 0
    unit_texts: dict[str, set[tuple[str, str | None]]] = {}
    for a in stats.acks:
        key = (a.doc, a.idx)
        hist = histories[key]
        where = f"{a.kind} {a.doc}/{a.idx} v{a.version} by {a.user}"
        if finals[key] < a.version:
            lost.append(f"{where}: the segment is at version {finals[key]}")
            continue
        if a.kind == "save":
            if newest[(a.doc, a.idx, a.user)] is a:
                if not any(
                    h.version == a.version and h.target == a.target and h.author == a.user for h in hist
                ):
                    lost.append(f"{where}: no history entry with its text ({a.target!r})")
            elif not any(h.author == a.user and h.version >= a.version for h in hist):
                lost.append(f"{where}: no history entry of {a.user} at or after it")
        else:
            if not any(h.version == a.version and h.target == a.target and h.author == a.user for h in hist):
                lost.append(f"{where}: no history entry with its text ({a.target!r})")
            # a later confirm of the sentence updates the unit: this English is then in its history
            if a.source not in unit_texts:
                texts: set[tuple[str, str | None]] = set()
                for u in store.units.find_source(normalize(a.source)):
                    texts.update((h.target, h.author) for h in store.units.history(u.id))
                unit_texts[a.source] = texts
                units_checked += 1
            if (a.target, a.user) not in unit_texts[a.source]:
                lost.append(f"{where}: no unit with its English ({a.target!r}) in the memory or its history")
    saves = sum(a.kind == "save" for a in stats.acks)
    print(
        f"\nverified {saves:,} acknowledged saves and {len(stats.acks) - saves:,} acknowledged confirms "
        f"(the units of {units_checked:,} sentences and their history read) in {len(histories):,} segments"
    )
    for line in lost[:20]:
        print("  lost:", line)
    n_saves = sum(line.startswith("save") for line in lost)
    print(f"lost acknowledged saves: {n_saves}")
    print(f"lost acknowledged confirms: {len(lost) - n_saves}")
    return len(lost)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--db", default=tempfile.gettempdir(), help="a directory or new file (SQLite), or a postgresql:// URL"
    )
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--threads", type=int, help="request threads per server process (default: tm serve's for the engine)"
    )
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--units", type=int, default=20_000)
    ap.add_argument("--segments", type=int, default=20, help="sentences in each client's document")
    ap.add_argument(
        "--pause-ms",
        type=float,
        default=0.0,
        help="each client waits a random think time (exponential, this mean) before each request, as a "
        "translator at the editor does; 0 (the default): back to back, the server saturated",
    )
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", action="store_true", help="keep the memory (file or schema) afterwards")
    args = ap.parse_args()

    gen = Realistic(args.seed)
    mem = Memory(args.db)
    server: subprocess.Popen | None = None
    log_path = mem.tmp / "serve.log"
    failed = True

    def stop_server() -> None:
        nonlocal server
        if server is None:
            return
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            print("the server did not stop within 60 s of SIGTERM: killed")
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        except ProcessLookupError:
            pass
        print(f"server stopped (exit status {server.returncode})")
        server = None

    try:
        sentences, seats = prepare(mem, args, gen)
        port = free_port()
        threads = args.threads or default_threads(mem.url)
        with open(log_path, "wb") as log:
            server = subprocess.Popen(
                [
                    TM,
                    "serve",
                    "--workers",
                    str(args.workers),
                    "--threads",
                    str(threads),
                    "--port",
                    str(port),
                ],
                env=mem.env(TM_API_RATE="1000000/minute"),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: SIGTERM reaches the supervisor and workers
            )
        t = time.perf_counter()
        probe = Client(port, seats[0].token)
        while True:
            if server.poll() is not None:
                raise SystemExit(f"tm serve exited with {server.returncode}: see {log_path}")
            if probe.call("setup", "GET", "/api/v1/me")[0] == 200:
                break
            if time.perf_counter() - t > 120:
                raise SystemExit(f"tm serve did not answer within 120 s: see {log_path}")
            time.sleep(0.2)
        print(
            f"tm serve --workers {args.workers} --threads {threads} answering on port {port} "
            f"after {time.perf_counter() - t:.1f} s"
        )

        shared = make_documents(port, seats, gen, args.segments)
        rng = random.Random(args.seed + 1)
        queries = [mutate(gen, sentences[rng.randrange(len(sentences))], rng) for _ in range(2000)]
        phrases = []
        for _ in range(500):
            words = sentences[rng.randrange(len(sentences))].rstrip(".،").split()
            i = rng.randrange(len(words))
            phrases.append(" ".join(words[i : i + rng.choice((1, 2, 2, 3))]))
        print(
            f"{len(seats)} documents of {args.segments} sentences and a shared one of "
            f"{len(shared['segments'])} (clients 0-{SHARED_WRITERS - 1} write to it); "
            f"running {args.clients} clients for {args.seconds:g} s"
        )
        if args.pause_ms:
            print(
                f"paced: each client waits {args.pause_ms:g} ms on average (exponential) before each "
                f"request: offered at most {args.clients * 1000 / args.pause_ms:,.1f} requests/s"
            )
        else:
            print("saturated: each client sends its next request as soon as the last is answered")

        stats = Stats()
        cpu_before = CPU.now(server.pid)
        start = time.monotonic()
        stop = start + args.seconds
        clients = [
            threading.Thread(
                target=client_loop,
                args=(
                    port,
                    seat,
                    shared,
                    queries,
                    phrases,
                    stats,
                    stop,
                    args.seed * 1000 + seat.n,
                    args.pause_ms,
                ),
                daemon=True,
            )
            for seat in seats
        ]
        for th in clients:
            th.start()
        for th in clients:
            th.join()
        elapsed = time.monotonic() - start
        cpu_after = CPU.now(server.pid)
        report(stats, elapsed)
        report_cpu(cpu_before, cpu_after, sum(map(len, stats.latency.values())), mem.schema is not None)
        stop_server()
        lost = verify(mem.url, stats)
        fives = sum(v for kind in stats.status for k, v in stats.status[kind].items() if k >= 500)
        if fives:
            print(f"5xx answers (or dropped connections, 599): {fives}")
        failed = bool(lost or fives)
    except KeyboardInterrupt:
        print("\ninterrupted")
    finally:
        stop_server()
        mem.close(keep=args.keep or failed)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
