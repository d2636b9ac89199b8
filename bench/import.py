"""Benchmark TMX import and export throughput.

Run by hand:  python bench/import.py [--units 200000]

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
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from lookup import Realistic  # noqa: E402

from tm.formats.tmx import read_tmx, write_tmx  # noqa: E402
from tm.store import open_store  # noqa: E402
from tm.store.records import NewUnit  # noqa: E402


def write_sample(path: Path, n: int, seed: int) -> None:
    gen = Realistic(seed)
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n')
        f.write(
            '<header creationtool="bench" creationtoolversion="1" segtype="sentence" o-tmf="x" '
            'adminlang="en-US" srclang="ar-SA" datatype="plaintext"/>\n<body>\n'
        )
        for i in range(n):
            src = gen.sentence().replace("&", "&amp;").replace("<", "&lt;")
            tag = '<ph x="1">&lt;br/&gt;</ph>' if rng.random() < 0.1 else ""
            f.write(
                f'<tu tuid="{i}" creationdate="20240102T030405Z" creationid="desk">'
                f'<prop type="client">wire</prop><note>n{i}</note>'
                f'<tuv xml:lang="ar-SA"><seg>{src}{tag}</seg></tuv>'
                f'<tuv xml:lang="en-US"><seg>English sentence number {i} of the desk memory.{tag}</seg></tuv>'
                "</tu>\n"
            )
        f.write("</body>\n</tmx>\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--units", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmx = Path(tmp) / "sample.tmx"
        write_sample(tmx, args.units, args.seed)
        print(f"TMX file: {args.units:,} units, {tmx.stat().st_size / 1e6:.0f} MB")

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
