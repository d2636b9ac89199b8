"""Editor: a 500-sentence document opened and post-edited in a real Chromium, timed by the page.

Run by hand:  python bench/editor.py [--segments 500 50] [--state drafted empty] [--loads 7]
                  [--moves 30] [--baseline HEAD|REV|none] [--profile] [--screenshot FILE]

Makes a fresh SQLite installation in a temporary directory (`tm init`, an admin and a
translator with `tm user add`, API tokens, a few glossary terms), starts `tm serve` on a free
loopback port and, for comparison in the same run, a second `tm serve` on the same memory whose
`web` package is the committed one at --baseline (`git archive REV web`, first on PYTHONPATH:
the working tree is left alone, and both servers run the same `tm`). Through /api/v1 it makes,
for each size, a document whose sentences the memory does not know (the English boxes are
empty: "empty") and then, after importing a memory of generated news pairs (most of the
document's sentences exactly, some with a word changed, some not at all, and --units others),
the same kind of document drafted from the memory ("drafted", the common case). Sentences come
from a generator of Arabic news copy (headlines, short and long sentences with clauses,
numbers, a few repetitions) paired with its English.

Chromium logs in as the translator and, for each document and server, opens the editor
--loads times, each time from a blank page as when a translator opens it from the queue (after
one warm-up load, so the static files are in the cache as for a translator at work; tm serves
them `no-cache`, so each load still revalidates them) and reads the page's own clock
(Navigation, Resource and Paint Timing, marks), in ms from the navigation's start:
  first byte, last byte   of the HTML (responseStart, responseEnd)
  stylesheets in          the last stylesheet's responseEnd (head and body ones)
  Arabic font in          Noto Naskh Arabic's responseEnd
  first paint, FCP        performance.getEntriesByType('paint')
  DCL end                 the end of DOMContentLoaded
  ready                   the editor initialized, its first sentence active: the
                          `tm-editor-ready` mark (editor.js), or for a baseline without it the end
                          of DOMContentLoaded's handlers (a listener on window, which the event
                          reaches after those on document)
  load end                the end of the load event
  long tasks              main-thread tasks over 50 ms until `ready` + 1 s: total and longest
Then it confirms --moves consecutive sentences with Ctrl+Enter, typing the English first where
the box is empty or a finding that blocks a confirm is shown (the save then goes with the
confirm, as when a translator types and confirms at once), and times in the page, from the
keydown (a capture listener on window that runs before the editor's) to the focus of the next
sentence's box (focusin), how much of that the save and confirm requests took (when the page
waited for them), and to the next frame after the focus. Figures are medians of the loads and
p50/p95/max of the moves, new and baseline side by side with the ratio baseline / new; the two
servers take turns so that the load other processes put on the machine falls on both alike.

--profile records a Chromium CPU profile (CDP Profiler) of one load and of the moves of the
largest drafted document on the new code and prints where the time went (self time by function,
and by kind: layout, style, parsing, script as the trace's events count it).
"""

from __future__ import annotations

import argparse
import collections
import csv
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TM = str(Path(sys.executable).with_name("tm"))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PASSWORD = "bench-password-123"
TRANSLATOR = "tina"
ADMIN = "ada"
VIEWPORT = {"width": 1440, "height": 900}

# -- Arabic news copy with its English ------------------------------------------------------------

# (Arabic, English, feminine): a subject and whether its verb takes the feminine form
SUBJECTS = [
    ("وزير الخارجية", "the foreign minister", False),
    ("رئيس الوزراء", "the prime minister", False),
    ("البنك المركزي", "the central bank", False),
    ("وزارة الصحة", "the health ministry", True),
    ("المتحدث باسم الحكومة", "the government spokesman", False),
    ("الأمم المتحدة", "the United Nations", True),
    ("وزير المالية", "the finance minister", False),
    ("مجلس النواب", "parliament", False),
    ("محافظ البنك المركزي", "the central bank governor", False),
    ("الشرطة", "the police", True),
    ("منظمة الصحة العالمية", "the World Health Organization", True),
    ("شركة النفط الوطنية", "the national oil company", True),
    ("نقابة المعلمين", "the teachers' union", True),
    ("وزير الداخلية", "the interior minister", False),
    ("الدفاع المدني", "civil defence", False),
    ("هيئة الأرصاد الجوية", "the meteorological authority", True),
    ("رئيس البلدية", "the mayor", False),
    ("وزارة التربية", "the education ministry", True),
]
# (masculine, feminine, English past, English present for headlines, conjunction after it)
VERBS = [
    ("قال", "قالت", "said", "says", "إن"),
    ("أعلن", "أعلنت", "announced", "announces", "أن"),
    ("أكد", "أكدت", "stressed", "stresses", "أن"),
    ("ذكر", "ذكرت", "stated", "states", "أن"),
    ("أوضح", "أوضحت", "explained", "explains", "أن"),
    ("كشف", "كشفت", "revealed", "reveals", "أن"),
]
DAYS = [
    ("الأحد", "Sunday"),
    ("الاثنين", "Monday"),
    ("الثلاثاء", "Tuesday"),
    ("الأربعاء", "Wednesday"),
    ("الخميس", "Thursday"),
    ("الجمعة", "Friday"),
    ("السبت", "Saturday"),
]
CITIES = [
    ("القاهرة", "Cairo"),
    ("بيروت", "Beirut"),
    ("عمان", "Amman"),
    ("الرباط", "Rabat"),
    ("تونس", "Tunis"),
    ("بغداد", "Baghdad"),
    ("الدوحة", "Doha"),
    ("الخرطوم", "Khartoum"),
    ("دمشق", "Damascus"),
    ("الجزائر", "Algiers"),
    ("مسقط", "Muscat"),
    ("طرابلس", "Tripoli"),
]
COUNTRIES = [
    ("مصر", "Egypt"),
    ("الأردن", "Jordan"),
    ("المغرب", "Morocco"),
    ("العراق", "Iraq"),
    ("لبنان", "Lebanon"),
    ("قطر", "Qatar"),
    ("السودان", "Sudan"),
    ("الاتحاد الأوروبي", "the European Union"),
    ("الصين", "China"),
    ("تركيا", "Turkey"),
]
MONTHS = [
    ("يناير", "January"),
    ("فبراير", "February"),
    ("مارس", "March"),
    ("أبريل", "April"),
    ("مايو", "May"),
    ("يونيو", "June"),
    ("يوليو", "July"),
    ("سبتمبر", "September"),
    ("أكتوبر", "October"),
    ("ديسمبر", "December"),
]
GOODS = [
    ("الذهب", "gold"),
    ("النفط", "oil"),
    ("القمح", "wheat"),
    ("الوقود", "fuel"),
    ("الخبز", "bread"),
    ("الأدوية", "medicine"),
]
SECTORS = [
    ("قطاع الصحة", "the health sector"),
    ("المزارعين", "farmers"),
    ("الشركات الصغيرة", "small businesses"),
    ("قطاع التعليم", "education"),
    ("الأسر الفقيرة", "poor families"),
    ("مشاريع الطاقة المتجددة", "renewable energy projects"),
]
# words a memory unit may have instead of one of the sentence's (a near match)
SWAPS = ["الجديدة", "الماضي", "المقبلة", "الرسمية", "الحالي", "الكبرى", "الأولى", "المحلية"]
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@dataclass
class Story:
    """A document's text and the English of each of its sentences."""

    text: str
    english: dict[str, str]
    sentences: int


class NewsCopy:
    """Arabic news copy and its English: headlines, sentences short and long, numbers, repeats."""

    def __init__(self, seed: int):
        self.r = random.Random(seed)

    def number(self, low: int, high: int) -> tuple[str, str]:
        n = str(self.r.randint(low, high))
        # wire copy writes Eastern Arabic digits now and then; the English has Western ones
        return (n.translate(ARABIC_DIGITS) if self.r.random() < 0.25 else n), n

    def clause(self) -> tuple[str, str]:
        r = self.r
        n_ar, n_en = self.number(2, 900)
        p = f"{r.randint(1, 30)}.{r.randint(1, 9)}" if r.random() < 0.5 else str(r.randint(2, 60))
        city, country, month = r.choice(CITIES), r.choice(COUNTRIES), r.choice(MONTHS)
        goods, sector = r.choice(GOODS), r.choice(SECTORS)
        return r.choice(
            [
                (
                    f"الحكومة ستخصص {n_ar} مليون دولار لدعم {sector[0]}",
                    f"the government will allocate {n_en} million dollars to support {sector[1]}",
                ),
                (f"عدد الضحايا ارتفع إلى {n_ar} شخصا", f"the death toll has risen to {n_en} people"),
                (
                    f"المحادثات مع {country[0]} ستستأنف الأسبوع المقبل في {city[0]}",
                    f"talks with {country[1]} will resume next week in {city[1]}",
                ),
                (
                    f"معدل التضخم بلغ {p} في المئة في شهر {month[0]}",
                    f"the inflation rate reached {p} percent in {month[1]}",
                ),
                (f"أسعار {goods[0]} ارتفعت بنسبة {p} في المئة", f"{goods[1]} prices rose by {p} percent"),
                (
                    f"الوفد سيزور {city[0]} في {month[0]} المقبل لبحث التعاون الاقتصادي",
                    f"the delegation will visit {city[1]} next {month[1]} to discuss economic cooperation",
                ),
                ("الانتخابات ستجرى في موعدها المحدد", "the elections will be held on schedule"),
                (f"{n_ar} مدرسة أغلقت أبوابها بسبب العاصفة", f"{n_en} schools closed because of the storm"),
                (
                    f"الوضع في {city[0]} ما زال صعبا رغم وصول المساعدات",
                    f"the situation in {city[1]} is still difficult despite the arrival of aid",
                ),
                (
                    f"الاتفاق مع {country[0]} يشمل {n_ar} مشروعا في مجال البنية التحتية",
                    f"the agreement with {country[1]} covers {n_en} infrastructure projects",
                ),
            ]
        )

    def headline(self) -> tuple[str, str]:
        r = self.r
        n_ar, n_en = self.number(3, 400)
        city, country, goods = r.choice(CITIES), r.choice(COUNTRIES), r.choice(GOODS)
        year = str(r.randint(1990, 2023))
        return r.choice(
            [
                ("البنك المركزي يرفع سعر الفائدة", "Central bank raises interest rates"),
                (
                    f"ارتفاع حصيلة ضحايا الفيضانات في {city[0]} إلى {n_ar}",
                    f"Flood death toll in {city[1]} rises to {n_en}",
                ),
                (
                    f"تعثر المحادثات بين {country[0]} و{r.choice(COUNTRIES)[0]}",
                    f"Talks with {country[1]} stall",
                ),
                (
                    f"{goods[0]} يسجل أعلى مستوى منذ {year}",
                    f"{goods[1].capitalize()} hits its highest level since {year}",
                ),
                (f"إغلاق {n_ar} مدرسة بسبب العاصفة", f"{n_en} schools closed by the storm"),
                (f"زيارة رسمية إلى {city[0]}", f"An official visit to {city[1]}"),
                ("اقتصاد", "Economy"),
                ("أخبار محلية", "Local news"),
            ]
        )

    def sentence(self) -> tuple[str, str]:
        r = self.r
        subj_ar, subj_en, fem = r.choice(SUBJECTS)
        verb = r.choice(VERBS)
        day = r.choice(DAYS)
        clause_ar, clause_en = self.clause()
        shape = r.random()
        if shape < 0.2:  # short
            ar, en = (
                f"{verb[1] if fem else verb[0]} {subj_ar} {verb[4]} {clause_ar}",
                f"{subj_en} {verb[2]} that {clause_en}",
            )
        else:
            ar = f"{verb[1] if fem else verb[0]} {subj_ar} يوم {day[0]} {verb[4]} {clause_ar}"
            en = f"{subj_en} {verb[2]} on {day[1]} that {clause_en}"
        if shape > 0.55:  # a long one: a clause or two more
            for _ in range(1 if shape < 0.85 else 2):
                more_ar, more_en = self.clause()
                if r.random() < 0.5:
                    ar += f"، {'مشيرة' if fem else 'مشيرا'} إلى أن {more_ar}"
                    en += f", adding that {more_en}"
                else:
                    ar += f" وأن {more_ar}"
                    en += f" and that {more_en}"
        if shape > 0.9:
            ar = f"وفي سياق متصل، {ar}"
            en = f"In a related development, {en}"
        return ar + ".", en[0].upper() + en[1:] + "."

    def story(self, n: int) -> Story:
        """About n sentences in paragraphs under headlines; a few sentences come back (wire copy)."""
        r = self.r
        english: dict[str, str] = {}
        paragraphs: list[str] = []
        count = 0
        said: list[tuple[str, str]] = []
        while count < n:
            if r.random() < 0.12 or not paragraphs:
                ar, en = self.headline()
                english[ar] = en
                paragraphs.append(ar)
                count += 1
                continue
            body = []
            for _ in range(min(r.randint(1, 5), n - count)):
                ar, en = r.choice(said) if said and r.random() < 0.03 else self.sentence()
                said.append((ar, en))
                english[ar] = en
                body.append(ar)
                count += 1
            paragraphs.append(" ".join(body))
        return Story("\n\n".join(paragraphs), english, count)

    def near(self, arabic: str) -> str:
        """The sentence with one word (not a number) changed: a fuzzy match in the memory."""
        words = arabic.rstrip(".").split()
        plain = [
            i for i, w in enumerate(words) if not any(c.isdigit() for c in w) and len(w) > 3 and w != "مليون"
        ]
        if plain:
            words[self.r.choice(plain)] = self.r.choice(SWAPS)
        return " ".join(words) + "."


# -- the installation and its servers --------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


class Install:
    """A fresh memory in a temporary directory, and the `tm` commands run on it."""

    def __init__(self, keep: bool):
        self.tmp = Path(tempfile.mkdtemp(prefix="tm-bench-editor-"))
        self.keep = keep
        self.servers: list[subprocess.Popen] = []

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ, TM_DB=str(self.tmp / "memory.db"), TM_HOME=str(self.tmp / "home"), **extra)
        env.pop("TM_API_RATE_STORAGE", None)
        return env

    def tm(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [TM, *args], input=stdin, capture_output=True, text=True, env=self.env(), check=False
        )
        if done.returncode:
            raise SystemExit(f"tm {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def serve(self, name: str, web_from: Path | None) -> int:
        """Start `tm serve` (its `web` from web_from when given); return its port once it answers."""
        port = free_port()
        extra = {"TM_API_RATE": "1000000/minute"}
        if web_from is not None:
            extra["PYTHONPATH"] = os.pathsep.join(filter(None, [str(web_from), os.environ.get("PYTHONPATH")]))
        log = open(self.tmp / f"serve-{name}.log", "wb")  # noqa: SIM115 - open while the server runs
        proc = subprocess.Popen(
            [TM, "serve", "--port", str(port)],
            env=self.env(**extra),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.tmp,
            start_new_session=True,
        )
        self.servers.append(proc)
        deadline = time.monotonic() + 120
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/login")
                if conn.getresponse().status == 200:
                    return port
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"tm serve ({name}) did not start: see {self.tmp / f'serve-{name}.log'}")
            time.sleep(0.2)

    def close(self) -> None:
        for proc in self.servers:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        if self.keep:
            print(f"installation kept in {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def committed_web(rev: str, into: Path) -> Path:
    """Extract the `web` package as it is at rev into a folder of its own (the tree is left alone)."""
    out = into / f"web-{rev}"
    out.mkdir()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", rev, "web"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
        tar.extractall(out, filter="data")
    return out


def api(port: int, token: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    resp = conn.getresponse()
    raw = resp.read()
    return resp.status, json.loads(raw) if raw else {}


def make_document(port: int, token: str, title: str, text: str) -> tuple[int, list[dict]]:
    """Create a document drafted from the memory alone (no MT) and wait until it is ready."""
    status, answer = api(
        port,
        token,
        "POST",
        "/api/v1/documents",
        {"title": title, "text": text, "mt": False, "translator": TRANSLATOR},
    )
    if status != 201:
        raise SystemExit(f"POST /api/v1/documents answered {status}: {answer}")
    doc = int(answer["id"])
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        status, answer = api(port, token, "GET", f"/api/v1/documents/{doc}")
        if status == 200 and answer["drafting"]["state"] == "ready" and answer["segments"]:
            return doc, answer["segments"]
        if status == 200 and answer["drafting"]["state"] == "failed":
            raise SystemExit(f"drafting document {doc} failed")
        time.sleep(0.3)
    raise SystemExit(f"document {doc} was not drafted within 300 s")


def memory_csv(path: Path, stories: list[Story], gen: NewsCopy, others: int) -> int:
    """Write the memory to import: most sentences of the stories, some changed a little, and others."""
    rows: dict[str, str] = {}
    for story in stories:
        for ar, en in story.english.items():
            u = gen.r.random()
            if u < 0.80:
                rows[ar] = en
            elif u < 0.92:
                rows.setdefault(gen.near(ar), en)
    while len(rows) < others + sum(len(s.english) for s in stories) * 0.9:
        ar, en = gen.sentence()
        rows.setdefault(ar, en)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["source", "target"])
        w.writerows(rows.items())
    return len(rows)


# -- in the page --------------------------------------------------------------------------------

# Runs before the page's own scripts: the bench's clock and listeners.
PAGE_PROBE = r"""
(() => {
  const b = window.__bench = { presses: [], long: [], t0: null, from: null };
  // DOMContentLoaded reaches window after every listener on document (the editor's): the end of them
  window.addEventListener("DOMContentLoaded", () => performance.mark("bench-dcl-handlers-done"));
  try {
    new PerformanceObserver((list) => {
      list.getEntries().forEach((e) => b.long.push([e.startTime, e.duration]));
    }).observe({ type: "longtask", buffered: true });
  } catch (e) { /* no long task timing */ }
  window.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || !(e.ctrlKey || e.metaKey)) return;
    const row = document.activeElement && document.activeElement.closest(".seg");
    b.from = row ? row.dataset.idx : null;
    b.t0 = performance.now();
    performance.mark("bench-key");
  }, true);
  document.addEventListener("focusin", (e) => {
    if (b.t0 === null) return;
    const row = e.target.closest && e.target.closest(".seg");
    if (!row || row.dataset.idx === b.from || !e.target.matches("textarea, tm-field")) return;
    const t0 = b.t0;
    const now = performance.now();
    // the save and confirm requests between the key and the focus, if the editor waited for them
    const requests = performance.getEntriesByType("resource").filter((r) => r.startTime >= t0
      && /\/api\/documents\/\d+\/segments\/\d+(\/confirm)?$/.test(r.name) && r.responseEnd <= now);
    const waited = requests.reduce((s, r) => s + r.duration, 0);
    const entry = { from: b.from, to: row.dataset.idx, focus: now - t0, frame: null, requests: waited };
    b.t0 = null;
    performance.mark("bench-focus");
    b.presses.push(entry);
    // the next frame after the focus: what the translator sees
    requestAnimationFrame(() => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => { entry.frame = performance.now() - t0; };
      ch.port2.postMessage(0);
    });
  }, true);
})();
"""

READ_TIMING = r"""
() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = Object.fromEntries(performance.getEntriesByType("paint").map((p) => [p.name, p.startTime]));
  const mark = (name) => {
    const m = performance.getEntriesByName(name, "mark");
    return m.length ? m[0].startTime : null;
  };
  const ready = mark("tm-editor-ready");
  const handlers = mark("bench-dcl-handlers-done");
  const until = (ready !== null ? ready : handlers) + 1000;
  const long = window.__bench.long.filter(([t]) => t < until);
  const resources = performance.getEntriesByType("resource");
  // the head's stylesheets block the first paint; one in the body, that of what follows it
  const blocking = resources.filter((r) => r.initiatorType === "link" && /\.css(\?|$)/.test(r.name));
  const fonts = resources.filter((r) => /\.woff2?$/.test(r.name));
  const end = (list) => (list.length ? Math.max(...list.map((r) => r.responseEnd)) : null);
  return {
    css: end(blocking), font: end(fonts), blocking: blocking.length,
    ttfb: nav.responseStart, response: nav.responseEnd,
    fp: paint["first-paint"] ?? null, fcp: paint["first-contentful-paint"] ?? null,
    dcl: nav.domContentLoadedEventEnd, ready, handlers, load: nav.loadEventEnd,
    long_total: long.reduce((s, [, d]) => s + d, 0), long_max: long.reduce((m, [, d]) => Math.max(m, d), 0),
    html_kb: nav.transferSize ? nav.transferSize / 1024 : nav.encodedBodySize / 1024,
    rows: document.querySelectorAll(".seg").length,
  };
}
"""


@dataclass
class Target:
    """One document on one server: what is measured on it."""

    variant: str  # "new" or "baseline ..."
    port: int
    size: int
    state: str
    doc: int
    english: dict[str, str]
    loads: list[dict] = field(default_factory=list)
    moves: list[dict] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/documents/{self.doc}"


def login(page: Any, port: int) -> None:
    page.goto(f"http://127.0.0.1:{port}/login")
    page.fill("input[name=name]", TRANSLATOR)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$|/documents"))


def open_editor(page: Any, target: Target) -> dict:
    # from another page, as a translator opens a document from the queue (the same address again
    # would be a reload, which revalidates what the cache holds and counts the old page's unload)
    page.goto("about:blank")
    page.goto(target.url, wait_until="load")
    # ready: the editor's mark, or a baseline's end of DOMContentLoaded handlers
    page.wait_for_function(
        "() => performance.getEntriesByName('tm-editor-ready').length"
        " || performance.getEntriesByName('bench-dcl-handlers-done').length",
        timeout=60_000,
    )
    page.wait_for_timeout(1100)  # the long tasks until ready + 1 s
    return page.evaluate(READ_TIMING)


def english_for(source: str, english: dict[str, str]) -> str:
    """The English of a sentence: the story's, or its numbers for one the segmenter split otherwise."""
    if source in english:
        return english[source]
    digits = source.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))
    numbers = " ".join(
        n + {"مليون": " million"}.get(scale, "")
        for n, scale in re.findall(r"(\d+(?:\.\d+)?)(?:\s+(مليون))?", digits)
    )
    return f"The sentence in English {numbers}".strip() + "."


BLOCKING = ("empty-target", "number-missing", "term-forbidden", "arabic-in-target", "untranslated")


def confirm_moves(page: Any, target: Target, n: int, pause_ms: int) -> None:
    """Ctrl+Enter on n sentences in turn; an empty box, or a draft QA would block, gets its English first."""
    done = len(page.evaluate("window.__bench.presses"))
    for _ in range(n):
        info = page.evaluate(
            """() => {
              const row = document.querySelector('.seg.active');
              if (!row) return null;
              const box = row.querySelector('.tgt > textarea, .tgt > tm-field');
              return {
                idx: row.dataset.idx, source: window.tm.editor.sourceText(row), value: box.value,
                focused: document.activeElement === box,
                qa: Array.from(row.querySelectorAll('ul.qa li')).map((li) => li.dataset.code),
              };
            }"""
        )
        if info is None:
            break
        box = f"#seg-{info['idx']} .tgt > textarea, #seg-{info['idx']} .tgt > tm-field"
        if not info["focused"]:
            page.focus(box)
        if not info["value"].strip() or set(info["qa"]) & set(BLOCKING):
            page.keyboard.press("Control+a")
            page.keyboard.insert_text(english_for(info["source"], target.english))
        for attempt in (1, 2):
            page.keyboard.press("Control+Enter")
            try:
                page.wait_for_function(f"() => window.__bench.presses.length > {done}", timeout=30_000)
                break
            except Exception as e:  # QA blocked the confirm: the translator puts the English right
                blocked = page.evaluate(f"Boolean(document.querySelector('#seg-{info['idx']} .blocked'))")
                if attempt == 1 and blocked:
                    page.click(f"#seg-{info['idx']} .blocked button.primary")  # Fix it
                    page.keyboard.press("Control+a")
                    page.keyboard.insert_text(english_for(info["source"], target.english))
                    continue
                state = page.evaluate(
                    "[document.getElementById('toast').textContent, document.querySelector('.seg.active').id,"
                    " document.activeElement.outerHTML.slice(0, 120)]"
                )
                raise SystemExit(f"sentence {info['idx']}: no move to the next one: {state}") from e
        done += 1
        page.wait_for_timeout(pause_ms)  # reading the next sentence; its lookups finish meanwhile
    target.moves = page.evaluate("window.__bench.presses")


# -- the profile --------------------------------------------------------------------------------


def summarize_profile(profile: dict, top: int = 14) -> list[str]:
    """Self time by function (url:line name) of a CDP Profiler profile, the largest first."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    self_us: collections.Counter = collections.Counter()
    samples, deltas = profile.get("samples", []), profile.get("timeDeltas", [])
    for sample, delta in zip(samples, deltas[1:] + [0], strict=True):
        f = nodes[sample]["callFrame"]
        where = f"{f['url'].rsplit('/', 1)[-1]}:{f['lineNumber'] + 1}" if f["url"] else ""
        self_us[f"{f['functionName'] or '(anonymous)'} {where}".strip()] += delta
    total = sum(self_us.values()) or 1
    return [f"{us / 1000:8.1f} ms {100 * us / total:5.1f}%  {name}" for name, us in self_us.most_common(top)]


def summarize_trace(path: Path) -> list[str]:
    """Main-thread time by kind of work in a Chromium trace (top-level events of the renderer)."""
    events = json.loads(path.read_text())
    events = events["traceEvents"] if isinstance(events, dict) else events
    kinds = {
        "Layout": "layout",
        "UpdateLayoutTree": "style",
        "ParseHTML": "parse HTML",
        "ParseAuthorStyleSheet": "parse CSS",
        "EvaluateScript": "script (evaluate)",
        "FunctionCall": "script (calls)",
        "EventDispatch": "script (events)",
        "TimerFire": "script (timers)",
        "FireAnimationFrame": "script (frames)",
        "v8.compile": "compile",
        "Paint": "paint",
        "PrePaint": "pre-paint",
        "Layerize": "layerize",
        "HitTest": "hit test",
    }
    renderer = {
        e["pid"]
        for e in events
        if e.get("name") == "thread_name" and e["args"].get("name") == "CrRendererMain"
    }
    main = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("name") == "thread_name"
        and e["args"].get("name") == "CrRendererMain"
        and e["pid"] in renderer
    }
    ms: collections.Counter = collections.Counter()
    count: collections.Counter = collections.Counter()
    for e in events:
        if e.get("ph") == "X" and (e.get("pid"), e.get("tid")) in main and e.get("name") in kinds:
            ms[kinds[e["name"]]] += e.get("dur", 0) / 1000
            count[kinds[e["name"]]] += 1
    return [f"{v:8.1f} ms  {k} ({count[k]} events)" for k, v in ms.most_common()]


def profile_target(browser: Any, target: Target, moves: int, pause_ms: int, out: Path) -> None:
    """A CPU profile and a trace of one load and of the moves on a target, summarized."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(PAGE_PROBE)
    page = context.new_page()
    login(page, target.port)
    page.goto(target.url)
    page.wait_for_timeout(500)
    cdp = context.new_cdp_session(page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 100})

    def profiled(name: str, what: str, action: Callable[[], object]) -> None:
        """Run action under the CPU profiler and a trace, then print where the time went."""
        trace = out / f"trace-{name}-{target.size}.json"
        categories = ["devtools.timeline", "v8.execute", "blink"]
        browser.start_tracing(page=page, path=str(trace), categories=categories)
        cdp.send("Profiler.start")
        action()
        profile = cdp.send("Profiler.stop")["profile"]
        browser.stop_tracing()
        print(f"\nprofile of {what}: self time")
        print("\n".join(summarize_profile(profile)))
        print("main thread by kind (trace):")
        print("\n".join(summarize_trace(trace)))

    profiled(
        "load",
        f"a load ({target.size} sentences, {target.state}, {target.variant})",
        lambda: open_editor(page, target),
    )
    profiled("moves", f"{moves} Ctrl+Enter moves", lambda: confirm_moves(page, target, moves, pause_ms))
    print(f"(traces in {out}: open them in chrome://tracing or the DevTools Performance panel)")
    context.close()


# -- the run -------------------------------------------------------------------------------------


def measure(browser: Any, targets: list[Target], loads: int, moves: int, pause_ms: int) -> None:
    """Loads, then moves, on each target; the variants of a document take turns."""
    contexts: dict[int, Any] = {}
    pages: dict[int, Any] = {}
    for port in sorted({t.port for t in targets}):
        contexts[port] = browser.new_context(viewport=VIEWPORT)
        contexts[port].add_init_script(PAGE_PROBE)
        pages[port] = contexts[port].new_page()
        pages[port].on("pageerror", lambda e: print(f"error in the page: {e}"))
        login(pages[port], port)
    groups: dict[tuple[int, str], list[Target]] = collections.defaultdict(list)
    for t in targets:
        groups[(t.size, t.state)].append(t)
    for (size, state), group in groups.items():
        for t in group:  # warm-up: the static files in the cache, the server's first reads done
            open_editor(pages[t.port], t)
        for k in range(loads):
            for t in group[:: 1 if k % 2 == 0 else -1]:
                t.loads.append(open_editor(pages[t.port], t))
        for i, t in enumerate(group if moves % 2 == 0 else group[::-1]):
            page = pages[t.port]
            open_editor(page, t)
            confirm_moves(page, t, moves, pause_ms)
            del i
        print(f"measured {size} sentences, {state}: {', '.join(t.variant for t in group)}", flush=True)
    for c in contexts.values():
        c.close()


def median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def report(targets: list[Target]) -> None:
    groups: dict[tuple[int, str], list[Target]] = collections.defaultdict(list)
    for t in targets:
        groups[(t.size, t.state)].append(t)
    load_keys = [
        ("ttfb", "first byte"),
        ("response", "last byte"),
        ("css", "stylesheets in"),
        ("font", "Arabic font in"),
        ("fp", "first paint"),
        ("fcp", "FCP"),
        ("dcl", "DCL end"),
        ("ready", "ready"),
        ("load", "load end"),
        ("long_total", "long tasks"),
        ("long_max", "longest task"),
    ]

    def fmt(v: float | None) -> str:
        return "-" if v is None else f"{v:.0f}"

    for (size, state), group in groups.items():
        rows = group[0].loads[0]["rows"] if group[0].loads else "?"
        html = median([x["html_kb"] for x in group[0].loads])
        print(f"\n== {size} sentences ({rows} rows, HTML {html or 0:.0f} KB), {state} ==")
        print(
            f"{'page load, ms (median of ' + str(len(group[0].loads)) + ')':<34}"
            + "".join(f"{t.variant:>18}" for t in group)
            + ("      base/new" if len(group) > 1 else "")
        )
        for key, label in load_keys:
            vals = []
            for t in group:
                if key == "ready":  # the editor's mark, else the end of DOMContentLoaded's handlers
                    v = median([x["ready"] if x["ready"] is not None else x["handlers"] for x in t.loads])
                else:
                    v = median([x[key] for x in t.loads])
                vals.append(v)
            ratio = ""
            if len(vals) > 1 and vals[0] and vals[1] is not None and vals[0] > 0.5:
                ratio = f"{vals[1] / vals[0]:13.2f}x"
            print(f"  {label:<32}" + "".join(f"{fmt(v):>18}" for v in vals) + ratio)
        print(
            f"{'Ctrl+Enter, ms (' + str(len(group[0].moves)) + ' moves)':<34}"
            + "".join(f"{t.variant:>18}" for t in group)
        )
        for what, label in (
            ("focus", "to the next box's focus"),
            ("requests", "  of which requests"),
            ("frame", "to the next frame"),
        ):
            for p, name in ((50, "p50"), (95, "p95"), (100, "max")):
                vals = [percentile([m[what] for m in t.moves if m[what] is not None], p) for t in group]
                ratio = f"{vals[1] / vals[0]:13.2f}x" if len(vals) > 1 and vals[0] > 0 else ""
                print(f"  {label + ' ' + name:<32}" + "".join(f"{v:18.1f}" for v in vals) + ratio)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--segments", type=int, nargs="+", default=[500, 50], help="sentences per document")
    ap.add_argument("--state", nargs="+", default=["drafted", "empty"], choices=["drafted", "empty"])
    ap.add_argument("--loads", type=int, default=7, help="page loads timed per document and server")
    ap.add_argument("--moves", type=int, default=30, help="Ctrl+Enter presses timed per document and server")
    ap.add_argument("--pause", type=int, default=400, help="ms between presses (the translator reads)")
    ap.add_argument("--units", type=int, default=5000, help="other units in the memory")
    ap.add_argument(
        "--baseline",
        default="HEAD",
        metavar="REV",
        help="git revision whose web package a second server runs, timed beside the working tree's "
        "(default HEAD, the committed code; 'none' to skip)",
    )
    ap.add_argument(
        "--profile", action="store_true", help="profile a load and the moves of the largest document"
    )
    ap.add_argument("--screenshot", metavar="FILE", help="save a screenshot of the largest drafted document")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--keep", action="store_true", help="keep the installation and its server logs")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    inst = Install(args.keep)
    try:
        t = time.perf_counter()
        inst.tm("init")
        inst.tm("user", "add", ADMIN, "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
        inst.tm("user", "add", TRANSLATOR, "--role", "translator", "--password-stdin", stdin=PASSWORD + "\n")
        token = inst.tm("token", "create", TRANSLATOR, "--name", "bench").strip().splitlines()[0].strip()
        for ar, en in (
            ("البنك المركزي", "central bank"),
            ("سعر الفائدة", "interest rate"),
            ("وزارة الصحة", "health ministry"),
            ("الأمم المتحدة", "United Nations"),
        ):
            inst.tm("glossary", "add", ar, en, "--author", ADMIN)
        variants: list[tuple[str, int]] = [("new", inst.serve("new", None))]
        if args.baseline != "none":
            rev = subprocess.run(
                ["git", "rev-parse", "--short", args.baseline],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
            web_dir = committed_web(rev, inst.tmp)
            variants.append((f"baseline {rev}", inst.serve("baseline", web_dir)))
        ports = ", ".join(f"{p} ({v})" for v, p in variants)
        print(f"tm serve on ports {ports} in {time.perf_counter() - t:.1f} s")

        gen = NewsCopy(args.seed)
        stories = {(size, state): gen.story(size) for size in args.segments for state in args.state}
        targets: list[Target] = []

        def documents(state: str) -> None:
            for size in args.segments:
                story = stories[(size, state)]
                for variant, port in variants:
                    doc, segs = make_document(port, token, f"Bench {size} {state} {variant}", story.text)
                    targets.append(Target(variant, port, size, state, doc, story.english))
                    drafted = sum(bool(s["target"]) for s in segs)
                    print(f"document {doc}: {len(segs)} sentences, {drafted} drafted ({state}, {variant})")

        if "empty" in args.state:  # before the memory knows the sentences
            documents("empty")
        if "drafted" in args.state:
            t = time.perf_counter()
            path = inst.tmp / "memory.csv"
            n = memory_csv(path, [stories[(s, "drafted")] for s in args.segments], gen, args.units)
            inst.tm("import", str(path))
            print(f"imported {n:,} units in {time.perf_counter() - t:.1f} s")
            documents("drafted")
        targets.sort(key=lambda t: (-t.size, t.state != "drafted"))

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                if args.screenshot:
                    shown = next(t for t in targets if t.variant == "new")
                    context = browser.new_context(viewport=VIEWPORT)
                    page = context.new_page()
                    login(page, shown.port)
                    page.goto(shown.url)
                    page.wait_for_selector(".seg.active")
                    page.wait_for_timeout(1500)
                    page.screenshot(path=args.screenshot)
                    print(f"screenshot of document {shown.doc} in {args.screenshot}")
                    context.close()
                measure(browser, targets, args.loads, args.moves, args.pause)
                report(targets)
                if args.profile:
                    # a fresh document: the measured ones have their first sentences confirmed
                    size = max(args.segments)
                    state = "drafted" if "drafted" in args.state else "empty"
                    doc, _ = make_document(
                        variants[0][1], token, "Bench profile", stories[(size, state)].text
                    )
                    target = Target("new", variants[0][1], size, state, doc, stories[(size, state)].english)
                    profile_target(browser, target, min(args.moves, 15), args.pause, inst.tmp)
                    inst.keep = True
            finally:
                browser.close()
    finally:
        inst.close()


if __name__ == "__main__":
    main()
