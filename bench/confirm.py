"""Benchmark confirming a sentence (Ctrl+Enter) in documents of 50, 500 and 5,000 segments.

Run by hand:  python bench/confirm.py [--sizes 50 500 5000] [--confirms 200]

Each document is pasted into a fresh SQLite memory (every tenth sentence repeats an
earlier one, as agency copy does), then sentences are confirmed one after the other through
`Documents.confirm`, what the editor's Ctrl+Enter calls: the segment is saved, the
translation goes into the memory with its context, and unconfirmed repetitions get it too.
A confirm should read only the segment, its neighbours and its repetitions, so its latency
should not grow with the document. The baseline printed beside it, measured in the same
run, is what a confirm used to pay first: loading and decoding every segment of the document.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tm.documents import Documents  # noqa: E402
from tm.glossary import Glossary  # noqa: E402
from tm.memory import TranslationMemory  # noqa: E402
from tm.store import open_store  # noqa: E402

WORDS = (
    "قال أعلن الوزير الرئيس الحكومة المتحدث باسم الوزارة إن المفاوضات مستمرة الاقتصاد ينمو "
    "التضخم مستقر الجيش البرلمان وافق على الميزانية الجديدة في العاصمة أمس اليوم شركة الطاقة "
    "المصرف المركزي رفع أسعار الفائدة نقطة مئوية الأسبوع الماضي وسط توقعات"
).split()


def article(n: int, rng: random.Random) -> str:
    lines: list[str] = []
    for i in range(n):
        if i >= 10 and i % 10 == 0:
            lines.append(lines[rng.randrange(i)])  # a repetition
        else:
            lines.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))) + f" {i}.")
    # five sentences a paragraph
    return "\n".join(" ".join(lines[i : i + 5]) for i in range(0, n, 5))


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[50, 500, 5000])
    ap.add_argument("--confirms", type=int, default=200)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    print(f"{'segments':>8}  {'confirm p50':>11}  {'p95':>8}  {'load whole doc p50':>18}  {'ratio':>6}")
    for size in args.sizes:
        rng = random.Random(args.seed)
        with tempfile.TemporaryDirectory() as tmp:
            store = open_store(Path(tmp) / "m.db")
            memory = TranslationMemory(store)
            docs = Documents(memory, Glossary(store))
            doc_id = docs.create("bench", article(size, rng), "bench")
            total = store.documents.get(doc_id).total
            order = rng.sample(range(total), min(args.confirms, total))
            confirm_ms, load_ms = [], []
            for idx in order:
                seg = store.documents.segment(doc_id, idx)
                if seg.status != "draft":
                    continue
                t = time.perf_counter()
                docs.confirm(doc_id, idx, f"English sentence {idx}.", "bench", seg.version)
                confirm_ms.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                store.documents.segments(doc_id)
                load_ms.append((time.perf_counter() - t) * 1000)
            c50, l50 = statistics.median(confirm_ms), statistics.median(load_ms)
            print(
                f"{total:>8}  {c50:>8.2f} ms  {percentile(confirm_ms, 95):>5.2f} ms  "
                f"{l50:>15.2f} ms  {l50 / c50:>5.1f}x"
            )
            memory.close()


if __name__ == "__main__":
    main()
