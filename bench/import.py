"""Benchmark TMX import and export throughput.

Run by hand:  python bench/import.py [--news 100000] [--units 200000]

First `tm import` of news-length sentences (20-30 words, diacritized), done as the command
does it (read, by as many processes as there are cores for a large file, import in one
transaction, the fuzzy index learning the units and saved),
in turns with the code at --baseline (read from git), printing units/s for both and the
ratio. Then the general figures below on shorter sentences.

Writes a TMX file of N Arabic-English units (with props, notes, dates and some inline
codes), imports it into a fresh SQLite memory through `tm.formats.tmx.read_tmx` and
`store.units.import_units` (what `tm import` does), then exports it again, and prints
units/s for parsing alone, the whole import, and the export, in one run. While the import
runs, another thread adds a unit every 50 ms (what an editor's confirm does) and the bench
prints how long those writes waited: the import must not hold other writers up.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from baseline import DEFAULT_REV, patched  # noqa: E402
from lookup import Realistic  # noqa: E402

from tm.formats.tmx import ReadReport, read_tmx, write_tmx  # noqa: E402
from tm.formats.tmx_split import TMXFile  # noqa: E402
from tm.memory import TranslationMemory  # noqa: E402
from tm.store import open_store  # noqa: E402
from tm.store.records import NewUnit  # noqa: E402

HARAKAT = "\u064e\u064f\u0650\u0651\u0652\u064b\u064c\u064d"


def news_sentence(gen: Realistic, rng: random.Random) -> str:
    """A news-length sentence: 20-30 words, diacritized as edited wire copy often is."""
    words: list[str] = []
    size = rng.randint(20, 30)
    while len(words) < size:
        words += gen.sentence().rstrip(".،").split()
    text = " ".join(words[:size]) + "."
    return "".join(
        c + rng.choice(HARAKAT) if "\u0621" <= c <= "\u064a" and rng.random() < 0.6 else c for c in text
    )


def write_sample(path: Path, n: int, seed: int, news: bool) -> None:
    gen = Realistic(seed)
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n')
        f.write(
            '<header creationtool="bench" creationtoolversion="1" segtype="sentence" o-tmf="x" '
            'adminlang="en-US" srclang="ar-SA" datatype="plaintext"/>\n<body>\n'
        )
        for i in range(n):
            src = news_sentence(gen, rng) if news else gen.sentence()
            src = src.replace("&", "&amp;").replace("<", "&lt;")
            tag = '<ph x="1">&lt;br/&gt;</ph>' if rng.random() < 0.1 else ""
            tgt = (
                f"The minister said on Tuesday that talks with the company on deal {i} would resume "
                "next week in the capital, according to a statement."
                if news
                else f"English sentence number {i} of the desk memory."
            )
            f.write(
                f'<tu tuid="{i}" creationdate="20240102T030405Z" creationid="desk">'
                f'<prop type="client">wire</prop><note>n{i}</note>'
                f'<tuv xml:lang="ar-SA"><seg>{src}{tag}</seg></tuv>'
                f'<tuv xml:lang="en-US"><seg>{tgt}{tag}</seg></tuv>'
                "</tu>\n"
            )
        f.write("</body>\n</tmx>\n")


def baseline_swaps(rev: str) -> list[tuple[object, str, object]]:
    """Return the swaps that make `tm import` run rev's reading, staging and index building."""
    from baseline import old_module

    import tm.candidates
    import tm.store.sqlite.imports

    lang = old_module(rev, "tm/lang.py")
    bulk = old_module(rev, "tm/store/bulk.py", normalize=lang.normalize)
    imports = old_module(
        rev, "tm/store/sqlite/imports.py", prepare=bulk.prepare, batches=bulk.batches, Prepared=bulk.Prepared
    )
    tmx = old_module(rev, "tm/formats/tmx.py")
    index = old_module(rev, "tm/index.py", match_key=lang.match_key)
    return [
        (tm.store.sqlite.imports, "import_units", _without_help(imports.import_units)),
        (tm.candidates, "FuzzyIndex", _builds_without_help(index.FuzzyIndex)),
        (sys.modules[__name__], "file_units", _old_file_units(tmx.read_tmx)),
    ]


def file_units(path: Path, f: IO[bytes], report: ReadReport) -> Iterable[NewUnit]:
    """Return the units `tm import` imports from a TMX file (parts read by several processes)."""
    return TMXFile(path, report=report, progress=lambda n: None)


def _old_file_units(read: Callable[..., Iterator[NewUnit]]) -> Callable[..., Iterable[NewUnit]]:
    """Return file_units as the baseline's `tm import` did it: one stream, one process."""

    def units(path: Path, f: IO[bytes], report: ReadReport) -> Iterable[NewUnit]:
        return read(f, path=str(path), report=report, progress=lambda n: None)

    return units


def _builds_without_help(old: Any) -> Any:
    """Return the baseline's FuzzyIndex, its build taking (and ignoring) codes made ahead."""

    class Old(old):  # type: ignore[misc, valid-type]
        @classmethod
        def build(cls, keys: Any, memory_id: str = "", position: Any = None, known: Any = None) -> Any:
            return old.build(keys, memory_id, position)

    return Old


def _without_help(import_units: Callable[..., Any]) -> Callable[..., Any]:
    """Return the baseline's import_units, taking (and ignoring) what it did not know of."""

    def call(*args: Any, while_swapping: Any = None, **kwargs: Any) -> Any:
        return import_units(*args, **kwargs)

    return call


def tm_import(path: Path, db: Path) -> tuple[int, float, float, float]:
    """Do what `tm import FILE` does; return units added, seconds importing, seconds in all
    and CPU seconds in all.

    The units are read and imported in one transaction, then the fuzzy index learns them (a
    rebuild, for a large import) and is saved as the memory closes.
    """
    memory = TranslationMemory.open(str(db))
    report = ReadReport()
    t, cpu = time.perf_counter(), _cpu()
    with path.open("rb") as f:
        units = file_units(path, f, report)
        result = memory.store.units.import_units(
            units, on_duplicate="skip", while_swapping=memory.expect_units
        )
    t_import = time.perf_counter() - t
    memory.learn_committed()
    memory.close()
    return result.added, t_import, time.perf_counter() - t, _cpu() - cpu


def _cpu() -> float:
    """Return the CPU seconds of this process and of the ended processes it started (parts)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def news(path: Path, tmp: Path, n: int, seed: int, rev: str | None, rounds: int) -> None:
    """Time `tm import` of news-length sentences, taking turns with the baseline."""
    write_sample(path, n, seed, news=True)
    print(f"\nnews-length TMX (20-30 diacritized words): {n:,} units, {path.stat().st_size / 1e6:.0f} MB")
    variants: list[tuple[str, list]] = [("new", [])]
    if rev:
        variants.append((f"baseline {rev}", baseline_swaps(rev)))
    figures: dict[str, list[tuple[float, float, float]]] = {name: [] for name, _ in variants}
    for r in range(rounds):
        for name, swaps in variants[:: 1 if r % 2 else -1]:
            db = tmp / f"news-{r}-{len(figures[name])}-{name.split()[0]}.db"
            with patched(*swaps):
                added, t_import, t_all, cpu = tm_import(path, db)
            assert added == n
            figures[name].append((n / t_import, n / t_all, cpu))
            for f in tmp.glob(db.name + "*"):
                f.unlink()
    best: dict[str, tuple[float, float, float]] = {}
    for name, runs in figures.items():
        best[name] = (max(i for i, _, _ in runs), max(a for _, a, _ in runs), min(c for _, _, c in runs))
        print(
            f"tm import {name:>16}: {best[name][1]:,.0f} units/s with the index "
            f"({best[name][0]:,.0f} units/s reading and importing; {best[name][2]:.1f} s of CPU; "
            f"best of {len(runs)})"
        )
    if rev:
        old = best[f"baseline {rev}"]
        # CPU time is what a busy machine disturbs least: others' work stretches the wall clock
        print(
            f"tm import   new / baseline: {best['new'][1] / old[1]:.2f}x with the index, "
            f"{best['new'][0] / old[0]:.2f}x reading and importing, "
            f"{old[2] / best['new'][2]:.2f}x in CPU time"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--units", type=int, default=200_000)
    ap.add_argument("--news", type=int, default=100_000, help="units of the news-length import (0: skip)")
    ap.add_argument("--rounds", type=int, default=2, help="news-length imports of each variant, in turn")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument(
        "--baseline",
        default=DEFAULT_REV,
        metavar="REV",
        help=f"git revision whose import path is timed beside the current one "
        f"(default {DEFAULT_REV}, before issue 12; 'none' to skip)",
    )
    args = ap.parse_args()
    rev = None if args.baseline == "none" else args.baseline
    with tempfile.TemporaryDirectory() as tmp:
        if args.news:
            news(Path(tmp) / "news.tmx", Path(tmp), args.news, args.seed, rev, args.rounds)
        if not args.units:
            return
        tmx = Path(tmp) / "sample.tmx"
        write_sample(tmx, args.units, args.seed, news=False)
        print(f"\nTMX file: {args.units:,} units, {tmx.stat().st_size / 1e6:.0f} MB")

        t = time.perf_counter()
        with tmx.open("rb") as f:
            parsed = sum(1 for _ in read_tmx(f, path=str(tmx)))
        t_parse = time.perf_counter() - t
        print(f"parse only:   {parsed / t_parse:,.0f} units/s ({t_parse:.1f} s)")

        store = open_store(Path(tmp) / "m.db")
        waits: list[float] = []
        importing = threading.Event()

        def writer() -> None:
            i = 0
            while importing.is_set():
                t0 = time.perf_counter()
                store.units.add(NewUnit(f"جملة يضيفها مترجم أثناء الاستيراد {i}", f"a confirm {i}"))
                waits.append(time.perf_counter() - t0)
                i += 1
                time.sleep(0.05)

        importing.set()
        other = threading.Thread(target=writer)
        other.start()
        t = time.perf_counter()
        with tmx.open("rb") as f:
            result = store.units.import_units(read_tmx(f, path=str(tmx)))
        t_import = time.perf_counter() - t
        importing.clear()
        other.join()
        print(
            f"import:       {result.added / t_import:,.0f} units/s ({t_import:.1f} s, {result.added:,} added)"
        )

        t = time.perf_counter()
        with (Path(tmp) / "out.tmx").open("w", encoding="utf-8") as out:
            written = write_tmx(out, store.units.iter_units())
        t_export = time.perf_counter() - t
        print(f"export:       {written / t_export:,.0f} units/s ({t_export:.1f} s)")
        print(f"import / parse time ratio: {t_import / t_parse:.2f}")
        waits.sort()
        print(
            f"a concurrent writer during the import: {len(waits)} adds, "
            f"p50 {1000 * waits[len(waits) // 2]:.1f} ms, max {1000 * waits[-1]:.0f} ms "
            f"(the longest wait is the final swap; the import took {t_import:.1f} s)"
        )
        store.close()


if __name__ == "__main__":
    main()
