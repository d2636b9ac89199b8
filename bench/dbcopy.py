"""Benchmark `tm db copy`: a memory of N units from SQLite to PostgreSQL and back.

Run by hand:  python bench/dbcopy.py [--units 1000000] [--pg postgresql://postgres@127.0.0.1/test]

Builds an SQLite memory of N realistic news units (bench/lookup.py's generator, imported
through `store.units.import_units` as `tm import` does; each unit has its history row), then
times `copy_memory` (what `tm db copy` runs, checks included) into a fresh PostgreSQL schema
and from there into a new SQLite file, and prints rows/s and the time per million units.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg  # noqa: E402
from lookup import Realistic  # noqa: E402

from tm.store import open_store  # noqa: E402
from tm.store.records import NewUnit  # noqa: E402
from tm.transfer import copy_memory  # noqa: E402


def build(path: Path, n: int, seed: int) -> float:
    gen = Realistic(seed)
    started = time.perf_counter()
    store = open_store(path)
    try:
        store.units.import_units(
            NewUnit(gen.sentence(), f"English sentence {i}: the minister said talks would resume.")
            for i in range(n)
        )
    finally:
        store.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", help="where the SQLite files go (default: a temporary folder)")
    args = parser.parse_args()
    folder = Path(args.dir or tempfile.mkdtemp(prefix="tm-bench-copy-"))
    source = folder / f"source-{args.units}.db"
    if not source.exists():
        took = build(source, args.units, args.seed)
        print(f"built {args.units} units in {took:.1f} s ({source}, {source.stat().st_size >> 20} MiB)")
    schema = f"tm_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    url = f"{args.pg}?options=-csearch_path%3D{schema}"
    back = folder / f"back-{uuid.uuid4().hex[:6]}.db"
    try:
        for what, src, dst in (
            ("SQLite -> PostgreSQL", str(source), url),
            ("PostgreSQL -> SQLite", url, str(back)),
        ):
            report = copy_memory(src, dst)
            per_million = report.seconds * 1_000_000 / args.units
            print(
                f"{what}: {report.rows} rows in {report.seconds:.1f} s "
                f"({report.rows / report.seconds:,.0f} rows/s; {per_million / 60:.1f} min per million units)"
            )
    finally:
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
        back.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
