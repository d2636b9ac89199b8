"""Benchmark fuzzy lookup: index build, size, latency and recall@1 against brute force.

Run by hand:  python bench/lookup.py --units 100000 1000000 [--corpus synthetic realistic repetitive]

Builds a memory of N units in a temporary SQLite file (through the same bulk import as
`tm import`), builds and saves the fuzzy index, reloads it as a new process would, then
looks up queries made from stored sentences with 10-30% of their words changed. The same
queries are scored by brute force with rapidfuzz over every unit (same word-level scorer);
recall@1 counts queries where the index's best score equals the brute-force best score.

Each figure is printed beside the same figure for the code at --baseline (read from git, run
on the same index arrays, query by query in turn with the current code) and their ratio:
the baseline's candidate step, and for the full lookup its TranslationMemory.lookup with its
own text handling, scoring and diffs (tm/memory.py, tm/matching.py, tm/lang.py at that
revision). The bench counts the queries whose candidates and scores, and whose matches as a
user sees them (kind, score, unit, English, numbers, diff), are the same under both.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from baseline import DEFAULT_REV, patched  # noqa: E402

from tm.candidates import LocalIndex  # noqa: E402
from tm.index import FuzzyIndex  # noqa: E402
from tm.lang import normalize  # noqa: E402
from tm.memory import TranslationMemory  # noqa: E402
from tm.store import open_store  # noqa: E402
from tm.store.records import NewUnit  # noqa: E402

LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


def zipf_vocabulary(rng: random.Random, size: int) -> tuple[list[str], np.ndarray]:
    """Return distinct Arabic-letter words and Zipf(1.0) weights."""
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(LETTERS) for _ in range(rng.randint(2, 8))))
    vocab = sorted(words)
    rng.shuffle(vocab)
    weights = 1 / np.arange(1, size + 1)
    return vocab, weights / weights.sum()


class Synthetic:
    """Sentences of 8-40 words drawn from a Zipfian vocabulary of ~30k words."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.np = np.random.default_rng(seed)
        self.vocab, self.p = zipf_vocabulary(self.rng, 30_000)
        self.cdf = np.cumsum(self.p)

    def words(self, n: int) -> list[str]:
        idx = np.searchsorted(self.cdf, self.np.random(n))
        return [self.vocab[min(i, len(self.vocab) - 1)] for i in idx]

    def sentence(self) -> str:
        return " ".join(self.words(self.rng.randint(8, 40))) + "."


class Realistic(Synthetic):
    """News-like Arabic: function words, proclitics (و ف ب ل ال), templates, names, numbers.

    Many sentences share long stretches (the same template with other names and
    numbers), which is harder for an n-gram index than independent random sentences.
    """

    FUNCTION = "في من على إلى أن إن التي الذي عن مع بين بعد قبل كما حيث وقد قد لم لن هذا هذه ذلك تلك".split()
    TEMPLATES = [
        "قال {p} {t} {o} إن {c}",
        "أعلن {o} في بيان {d} أن {c}",
        "وأضاف {p} أن {c}",
        "وفي {m} {y} {v} {o} {c}",
        "وأكد {t} {o} {p} خلال {e} في {g} أن {c}",
        "يذكر أن {o} قد {v} {c} منذ عام {y}",
        "ومن جهة أخرى {v} {o} صفقة بقيمة {n} مليون دولار مع {g} {c}",
        "وذكر {s} أن {n} {x} {v} في {g} يوم {w}",
    ]

    def __init__(self, seed: int):
        super().__init__(seed)
        r = self.rng
        stems = [w for w in self.vocab if 3 <= len(w) <= 6][:8000]
        self.nouns = stems[:5000]
        self.people = [f"{a} {b}" for a, b in zip(stems[5000:5600], stems[5600:6200], strict=True)]
        self.places = stems[6200:6500]
        self.orgs = [f"وزارة {s}" for s in stems[6500:6700]] + [f"شركة {s}" for s in stems[6700:6900]]
        self.titles = ["الرئيس", "وزير", "المتحدث باسم", "مدير", "رئيس"]
        self.verbs = ["وقعت", "أعلنت", "افتتحت", "رفضت", "أكدت", "بدأت", "استأنفت"]
        self.months = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "ديسمبر"]
        self.days = ["الأحد", "الاثنين", "الثلاثاء", "الأربعاء", "الخميس"]
        self.r = r

    def word(self) -> str:
        r = self.r
        if r.random() < 0.35:
            return r.choice(self.FUNCTION)
        w = self.words(1)[0]
        u = r.random()
        if u < 0.25:
            w = "ال" + w
        elif u < 0.35:
            w = "وال" + w
        elif u < 0.42:
            w = "بال" + w
        elif u < 0.47:
            w = "لل" + w
        elif u < 0.55:
            w = "و" + w
        if r.random() < 0.15:
            w += r.choice(["ة", "ات", "ون", "ين", "ها", "هم"])
        return w

    def clause(self) -> str:
        return " ".join(self.word() for _ in range(self.r.randint(4, 22)))

    def sentence(self) -> str:
        r = self.r
        text = r.choice(self.TEMPLATES).format(
            p=r.choice(self.people),
            t=r.choice(self.titles),
            o=r.choice(self.orgs),
            c=self.clause(),
            d=r.choice(self.days),
            m=r.choice(self.months),
            y=r.randint(1990, 2026),
            v=r.choice(self.verbs),
            e=r.choice(["مؤتمر صحفي", "زيارة رسمية", "اجتماع"]),
            g=r.choice(self.places),
            n=r.randint(2, 900),
            s=r.choice(["موقع", "تقرير", "مصدر"]) + " " + r.choice(self.nouns),
            x=r.choice(self.nouns),
            w=r.choice(self.days),
        )
        return text + r.choice([".", ".", ".", "،", ""])


class Repetitive(Realistic):
    """Wire copy: stories sent again and again as updates, and the desk's set phrasings.

    A story is a few sentences; the agency sends it again (an update every hour, the toll
    rising, another official quoted, a clause added or dropped), so each sentence comes back
    in up to 80 versions that share most of their words and differ in a number, a name or a
    word or two, drifting from version to version. Seven sentences in ten are stock ones:
    forty fixed phrasings (market closes, weather, casualty reports) of 12-25 words, each
    used thousands of times with other names, places and numbers in four slots. A query
    then shares most of its words with thousands of units: the worst case for the index.
    """

    def __init__(self, seed: int):
        super().__init__(seed)
        self.pending: list[str] = []
        r = self.r
        self.formulas = []
        for _ in range(40):
            words = self.clause().split() + self.clause().split()
            words = words[: r.randint(12, 25)]
            while len(words) < 12:
                words.append(self.word())
            for i in r.sample(range(len(words)), 4):
                words[i] = r.choice(["{n}", "{p}", "{g}", "{n}"])
            self.formulas.append(" ".join(words))

    def sentence(self) -> str:
        r = self.r
        if r.random() < 0.7:
            return r.choice(self.formulas).format(
                n=r.randint(2, 9000), p=r.choice(self.people), g=r.choice(self.places)
            ) + r.choice([".", "."])
        if not self.pending:
            self._story()
        return self.pending.pop()

    def _update(self, words: list[str]) -> list[str]:
        """Return the next version of a sentence: numbers change, a word or two too."""
        r = self.r
        out = [str(r.randint(2, 900)) if w.isdigit() else w for w in words]
        for _ in range(r.choice([0, 0, 1, 1, 1, 2])):
            u, i = r.random(), r.randrange(len(out))
            if u < 0.5:  # another name, place or word in the same slot
                out[i] = r.choice([*r.choice(self.people).split(), r.choice(self.places), self.word()])
            elif u < 0.75 and len(out) > 6:
                del out[i]
            else:
                out.insert(i, self.word())
        return out

    def _story(self) -> None:
        r = self.r
        story = [super(Repetitive, self).sentence().split() for _ in range(r.randint(2, 6))]
        versions = r.choice([1, 2, 5, 10, 20, 40, 80])
        out = []
        for _ in range(versions):
            out += [" ".join(s) for s in story]
            story = [self._update(s) for s in story]
        r.shuffle(out)
        self.pending = out


CORPORA = {"synthetic": Synthetic, "realistic": Realistic, "repetitive": Repetitive}


def mutate(gen: Synthetic, sentence: str, rng: random.Random) -> str:
    """Change 10-30% of the words: substitutions mostly, some deletions and insertions."""
    words = sentence.rstrip(".،").split()
    k = max(1, round(len(words) * rng.uniform(0.10, 0.30)))
    for _ in range(k):
        op = rng.random()
        i = rng.randrange(len(words))
        if op < 0.7:
            words[i] = gen.words(1)[0]
        elif op < 0.85 and len(words) > 2:
            del words[i]
        else:
            words.insert(i, gen.words(1)[0])
    return " ".join(words) + "."


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def _shown(m: Any) -> tuple[Any, ...]:
    """Return what a user sees of a match: kind, score, unit, English, changed numbers, diff."""
    english = getattr(m, "target", m.unit.target)  # older revisions: no tags, the unit's English
    return m.kind, m.score, m.unit.id, english, m.changed_numbers, [(c.op, c.text) for c in m.diff]


def _rebind(module: Any, current: Any, old: Any) -> None:
    """Point the names module imported from a current module at the same names of its old version."""
    for name, value in list(vars(module).items()):
        if not name.startswith("__") and getattr(current, name, None) is value and hasattr(old, name):
            setattr(module, name, getattr(old, name))


def baseline_code(rev: str) -> tuple[type, list[tuple[object, str, object]]]:
    """Return the FuzzyIndex class at rev and the swap that puts rev's lookup (text handling,
    scoring, diffs and all) in TranslationMemory."""
    from baseline import old_module

    import tm.lang
    import tm.matching

    index = old_module(rev, "tm/index.py")
    lang = old_module(rev, "tm/lang.py")
    matching = old_module(rev, "tm/matching.py")
    _rebind(matching, tm.lang, lang)
    memory = old_module(rev, "tm/memory.py")
    _rebind(memory, tm.lang, lang)
    _rebind(memory, tm.matching, matching)
    return index.FuzzyIndex, [(TranslationMemory, "lookup", memory.TranslationMemory.lookup)]


@contextlib.contextmanager
def bench_store(server: str | None) -> Iterator[tuple[Any, str]]:
    """Yield a new, empty memory: a SQLite file in a temporary folder, or a fresh schema on a server."""
    if server is None:
        with tempfile.TemporaryDirectory() as tmp:
            store = open_store(Path(tmp) / "bench.db")
            try:
                yield store, "SQLite"
            finally:
                store.close()
        return
    import psycopg

    schema = f"tm_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in server else "?"
    store = open_store(f"{server}{sep}options=-csearch_path%3D{schema}")
    try:
        yield store, "PostgreSQL"
    finally:
        store.close()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def run(
    n_units: int, corpus: str, n_queries: int, n_brute: int, seed: int, rev: str | None, server: str | None
) -> None:
    gen = CORPORA[corpus](seed)
    rng = random.Random(seed + 1)
    print(f"\n== {corpus}: {n_units:,} units ==")
    with bench_store(server) as (store, engine):
        t = time.perf_counter()
        sentences = [gen.sentence() for _ in range(n_units)]
        t_gen = time.perf_counter() - t
        t = time.perf_counter()
        result = store.units.import_units(
            NewUnit(s, f"translation {i}", origin="import") for i, s in enumerate(sentences)
        )
        t_import = time.perf_counter() - t
        where = (
            f"{Path(store.location).stat().st_size / 1e6:.0f} MB file" if engine == "SQLite" else "PostgreSQL"
        )
        print(
            f"generated in {t_gen:.1f} s; imported {result.added:,} units in {t_import:.1f} s "
            f"({result.added / t_import:,.0f} units/s, {where})"
        )

        built = LocalIndex(store)
        t = time.perf_counter()
        built.rebuild()
        t_build = time.perf_counter() - t
        index_file = store.index_path
        saved = f"file {index_file.stat().st_size / 1e6:.0f} MB" if index_file else "no file on this engine"
        print(f"index build: {t_build:.1f} s; in memory {built.fuzzy.nbytes() / 1e6:.0f} MB; {saved}")
        # a new process: load the saved file (SQLite) or build from the feed (PostgreSQL)
        memory = TranslationMemory(store)
        t = time.perf_counter()
        size = len(memory.index)
        t_load = time.perf_counter() - t
        assert size == len(built) and (index_file is None or memory.index.rebuilds == 0)
        how = "load of the saved file" if index_file else "build from the change feed"
        print(f"index at start ({how}): {t_load * 1000:.0f} ms")

        queries = [mutate(gen, sentences[rng.randrange(n_units)], rng) for _ in range(n_queries)]
        norms = [normalize(q) for q in queries]
        index = memory.index.fuzzy
        variants: list[tuple[str, FuzzyIndex, list]] = [("new", index, [])]
        if rev:
            # the same arrays under the old code: only the algorithms differ
            old_class, swaps = baseline_code(rev)
            old_index = object.__new__(old_class)
            old_index.__dict__.update(index.__dict__)
            variants.append((f"baseline {rev}", old_index, swaps))
        local = memory.index
        assert isinstance(local, LocalIndex)
        cand_ms: dict[str, list[float]] = {name: [] for name, _, _ in variants}
        look_ms: dict[str, list[float]] = {name: [] for name, _, _ in variants}
        tops: dict[str, list[float]] = {name: [] for name, _, _ in variants}
        results: dict[str, list[list[tuple[int, float]]]] = {name: [] for name, _, _ in variants}
        matches: dict[str, list[list[tuple[Any, ...]]]] = {name: [] for name, _, _ in variants}
        for q in norms[:5]:  # warm up
            for _, ix, _ in variants:
                ix.candidates(q, 50, 5)
        # new and baseline take turns query by query (and go first in turn), so that the load
        # other processes put on the machine falls on both alike
        for k, (q, norm) in enumerate(zip(queries, norms, strict=True)):
            for name, ix, swaps in variants[:: 1 if k % 2 else -1]:
                t = time.perf_counter()
                found = ix.candidates(norm, 50, 5)
                cand_ms[name].append((time.perf_counter() - t) * 1000)
                tops[name].append(found[0].base if found else 0.0)
                results[name].append([(c.unit_id, c.base) for c in found])
                local._index = ix
                with patched(*swaps):
                    t = time.perf_counter()
                    found_matches = memory.lookup(q, min_score=50, limit=5)
                    look_ms[name].append((time.perf_counter() - t) * 1000)
                matches[name].append([_shown(m) for m in found_matches])
        local._index = index

        def figures(values: dict[str, list[float]], what: str) -> None:
            for name, ms in values.items():
                print(f"{what} {name:>16}: p50 {percentile(ms, 50):.2f} ms, p95 {percentile(ms, 95):.2f} ms")
            if rev:
                new, old = values["new"], values[f"baseline {rev}"]
                print(
                    f"{what} {'baseline / new':>16}: p50 {percentile(old, 50) / percentile(new, 50):.1f}x, "
                    f"p95 {percentile(old, 95) / percentile(new, 95):.1f}x"
                )

        figures(cand_ms, "index candidates")
        figures(look_ms, "full lookup     ")
        print("  (full lookup: exact + index + SQLite fetch + scores + diffs)")
        if rev:
            same = sum(a == b for a, b in zip(results["new"], results[f"baseline {rev}"], strict=True))
            print(f"candidates and scores identical to the baseline for {same}/{len(norms)} queries")
            same = sum(a == b for a, b in zip(matches["new"], matches[f"baseline {rev}"], strict=True))
            print(f"matches as shown (kind, score, English, diff) identical for {same}/{len(norms)} queries")

        # brute force: the same word-level scorer over every unit
        all_codes = [index._string(i) for i in range(len(index.unit_ids))]
        ok = 0
        brute_ms = []
        for k in range(min(n_brute, n_queries)):
            qcodes = "".join(map(chr, index._codes(norms[k], grow=False)))
            t = time.perf_counter()
            best = process.extractOne(qcodes, all_codes, scorer=Levenshtein.normalized_similarity)
            brute_ms.append((time.perf_counter() - t) * 1000)
            brute = 100 * best[1] if best else 0.0
            if abs(brute - tops["new"][k]) < 1e-6 or (brute < 50 and tops["new"][k] == 0):
                ok += 1
        nb = min(n_brute, n_queries)
        ratio = statistics.median(brute_ms) / statistics.median(cand_ms["new"])
        print(
            f"brute force rapidfuzz over {len(all_codes):,} units: p50 {statistics.median(brute_ms):.0f} ms "
            f"a query ({ratio:,.0f}x the index)"
        )
        print(f"recall@1 against brute force: {ok}/{nb} = {100 * ok / nb:.1f}%")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--units", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--corpus", nargs="+", default=["synthetic", "realistic", "repetitive"], choices=CORPORA)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--brute", type=int, default=100, help="queries also scored by brute force")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--baseline",
        default=DEFAULT_REV,
        metavar="REV",
        help=f"git revision whose index and text handling are timed beside the current code "
        f"(default {DEFAULT_REV}, before issue 12; 'none' to skip)",
    )
    ap.add_argument(
        "--db",
        metavar="URL",
        help="a PostgreSQL server (postgresql://user@host/db): each run gets a fresh schema, dropped after",
    )
    args = ap.parse_args()
    rev = None if args.baseline == "none" else args.baseline
    for corpus in args.corpus:
        for n in args.units:
            run(n, corpus, args.queries, args.brute, args.seed, rev, args.db)


if __name__ == "__main__":
    main()
