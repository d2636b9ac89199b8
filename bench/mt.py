"""Benchmark the MT engines on opus-mt-ar-en's architecture: transformers fp32 vs CTranslate2 int8.

Run by hand:  python bench/mt.py [--article ../shared/samples/news-ar-drone-factory.txt]

The real model cannot be downloaded here, so this builds a MarianMT with exactly its shape
(d_model 512, 6 encoder and 6 decoder layers, 8 heads, FFN 2048, vocabulary 62,834, shared
embeddings) and random weights, converts it with `tm model convert`'s code, and forces every
output to the same length so both engines do the same work. It prints tokens/s and
ms/segment at batch 1 greedy and batch 16 beam 4, their ratio, and the wall time to
pre-translate an article end to end through tm with each engine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.tiny_models import ARABIC, build_marian  # noqa: E402
from tm.mt import MTOptions, load_translator  # noqa: E402
from tm.mt.models import convert_model  # noqa: E402

OUT_TOKENS = 32


def hf_run(tr, sentences: list[str], beams: int, batch: int) -> float:
    """Translate with transformers forcing OUT_TOKENS new tokens; return seconds."""
    import torch

    tok, model = tr.tokenizer, tr.model
    start = time.perf_counter()
    with torch.inference_mode():
        for i in range(0, len(sentences), batch):
            enc = tok(sentences[i : i + batch], return_tensors="pt", padding=True)
            model.generate(**enc, num_beams=beams, min_new_tokens=OUT_TOKENS, max_new_tokens=OUT_TOKENS)
    return time.perf_counter() - start


def ct2_run(tr, sentences: list[str], beams: int, batch: int) -> float:
    """Translate with CTranslate2 forcing OUT_TOKENS decoded tokens; return seconds.

    As tm's engine does, a document's sentences go in one call cut into batches of `batch`,
    which CTranslate2's workers (one per core) translate in parallel.
    """
    tokens = [tr.tokenizer.convert_ids_to_tokens(tr.tokenizer.encode(s)) for s in sentences]
    # batch 1 measures one sentence at a time (the editor's case), so one call each
    calls = [tokens[i : i + 1] for i in range(len(tokens))] if batch == 1 else [tokens]
    start = time.perf_counter()
    for call in calls:
        tr.translator.translate_batch(
            call,
            beam_size=beams,
            max_batch_size=batch,
            min_decoding_length=OUT_TOKENS,
            max_decoding_length=OUT_TOKENS,
        )
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--article", default=str(ROOT.parent / "shared" / "samples" / "news-ar-drone-factory.txt")
    )
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sentences", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the fastest counts")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        path = build_marian(
            Path(tmp) / "opus-mt-ar-en-shape",
            d_model=512,
            layers=6,
            heads=8,
            ffn=2048,
            vocab_size=62_834,
            spm_vocab=400,
        )
        built = time.perf_counter() - t
        t = time.perf_counter()
        convert_model(path)
        converted = time.perf_counter() - t
        print(f"model built in {built:.1f} s, converted to CTranslate2 int8 in {converted:.1f} s")

        options = MTOptions(threads=args.threads, beams=1, batch_size=16)
        hf = load_translator(str(path), engine="transformers", options=options)
        ct2 = load_translator(str(path), engine="ctranslate2", options=options)
        print(
            f"transformers: torch with {args.threads} threads; ctranslate2: {args.threads} workers x 1 thread"
        )
        sentences = [ARABIC[i % len(ARABIC)] for i in range(args.sentences)]
        hf_run(hf, sentences[:2], 1, 1)  # warm up both
        ct2_run(ct2, sentences[:2], 1, 1)

        print(f"\n{OUT_TOKENS} output tokens per segment, {args.threads} threads, best of {args.repeat} runs")
        print(f"{'setting':<22}{'engine':<26}{'tokens/s':>10}{'ms/segment':>12}")
        for label, beams, batch, n in (
            ("batch 1, greedy", 1, 1, 8),
            ("batch 16, beam 4", 4, 16, args.sentences),
        ):
            rates = {}
            for name, tr, run in (("transformers fp32", hf, hf_run), ("ctranslate2 int8", ct2, ct2_run)):
                seconds = min(run(tr, sentences[:n], beams, batch) for _ in range(args.repeat))
                rates[name] = n * OUT_TOKENS / seconds
                print(f"{label:<22}{name:<26}{rates[name]:>10.0f}{1000 * seconds / n:>12.1f}")
            ratio = rates["ctranslate2 int8"] / rates["transformers fp32"]
            print(f"{label:<22}{'ratio ct2 / transformers':<26}{ratio:>10.2f}x")

        article = Path(args.article)
        if article.exists():
            from tm.formats.text import read_text
            from tm.memory import TranslationMemory
            from tm.pretranslate import pretranslate
            from tm.segment import segment

            doc = segment(read_text(article))
            n = sum(len(p.segments) for p in doc.paragraphs)
            tokens = sum(len(hf.tokenizer.encode(seg.text)) for seg in doc.segments())
            # Random weights never say </s>: outputs run to the bound, set to the input length
            # (+10 tokens), about what a real translation of Arabic news into English takes.
            print(
                f"\npre-translating {article.name} ({n} segments, {tokens} source tokens, empty memory, "
                "beam 4, batch 16, output bound = input length + 10):"
            )
            times = {}
            for name, engine in (("transformers fp32", "transformers"), ("ctranslate2 int8", "ctranslate2")):
                memory = TranslationMemory.open(str(Path(tmp) / f"{engine}.db"))
                opts = MTOptions(threads=args.threads, beams=4, max_ratio=1.0)
                tr = load_translator(str(path), engine=engine, options=opts)
                t = time.perf_counter()
                result = pretranslate(doc, memory, translator=tr, batch_size=16)
                times[name] = time.perf_counter() - t
                print(f"  {name:<20} {times[name]:.1f} s ({result.counts()})")
                memory.close()
            print(
                f"  ratio: {times['transformers fp32'] / times['ctranslate2 int8']:.2f}x",
                "faster with ctranslate2",
            )


if __name__ == "__main__":
    main()
