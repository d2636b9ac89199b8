"""Benchmark MT drafting on opus-mt-ar-en's architecture: the engine alone, then a whole article.

Run by hand:  python bench/mt.py [--article ../shared/samples/news-ar-drone-factory.txt]
              [--beams 4 2 1] [--engines ctranslate2 transformers] [--baseline REV]
              [--repeat N] [--work DIR (keeps the built model for the next run)]

The real model cannot be downloaded here, so this builds a MarianMT with exactly its shape
(d_model 512, 6 encoder and 6 decoder layers, 8 heads, FFN 2048, vocabulary 62,834, shared
embeddings) and random weights, and converts it with `tm model convert`'s code.

So that its figures are what a real model would do:
* Tokens. opus-mt's source vocabulary cuts Arabic news into about 1.6 pieces a word. The
  bench writes Arabic text (the article's words and the tests' sentences, shuffled into
  new sentences), trains unigram SentencePiece models of growing size on it, and keeps the
  first that cuts the article into at most --pieces-per-word (1.6) pieces a word; filler
  pieces then pad the vocabulary to opus-mt's 62,834, so the output layer costs what it does.
* Output length. Random weights never say </s>. A stand-in for it stops every batch at
  1.4 tokens per source word of its longest sentence (--out-per-word), about what English
  translations of Arabic news take, for the baseline and the new code alike. A real
  model's short sentences stop earlier inside a batch; transformers still computes them to
  the end, CTranslate2 drops them, so a batch mixing lengths (the baseline's document-order
  batches) costs a real CTranslate2 model somewhat less than it costs here.

It measures the engine alone on the very token lists tm's pipeline sends it (the article's
sentences, each batch decoding to the stand-in </s> of its longest sentence), at several
batch sizes and with each thread layout (one worker on all threads, a worker per thread),
and counts the same output tokens (the ones a real model would write) for the engine and
the pipeline, so the pipeline's % of the engine's best compares like with like. For
reference it also prints the engine on 32 short sentences forced to 32 tokens each (the
figure issue 12 first compared with: more and shorter sentences than the article has, so
bigger batches than the article allows). Then it pre-translates the article through tm
(empty memory) with the code at --baseline (read with `git show`) and the current code, in
turns with the engine alone so that machine load falls on all: wall time, output tokens/s,
% of the engine's best, the time to the first drafted sentence, and the ratios.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.baseline import old_module  # noqa: E402
from tests.tiny_models import ARABIC, build_marian, train_spm  # noqa: E402
from tm.mt import MTOptions, load_translator  # noqa: E402
from tm.mt.models import convert_model  # noqa: E402

OUT_TOKENS = 32


def words_in(pieces: list[str]) -> int:
    """Count the words of a tokenized sentence: the pieces that start one."""
    return sum(1 for p in pieces if p.startswith("▁"))


def arabic_text(article: str, lines: int = 3000, seed: int = 0) -> list[str]:
    """Write Arabic sentences from the article's words and the tests' sentences, shuffled."""
    words = article.split() + " ".join(ARABIC).split()
    rng = random.Random(seed)
    return [" ".join(rng.choices(words, k=15)) for _ in range(lines)]


def fit_vocabulary(texts: list[str], article: str, target: float, work: Path) -> tuple[int, float]:
    """Return the smallest source vocabulary cutting the article into at most target pieces a word."""
    import sentencepiece as spm

    words = len(article.split())
    rate = math.inf
    size = 200
    for size in range(200, 2000, 10):
        model = train_spm(texts, work / f"fit{size}", size)
        rate = len(spm.SentencePieceProcessor(model_file=str(model)).encode(article)) / words
        if rate <= target:
            break
    return size, rate


class Stop:
    """The stand-in for </s>: a batch decodes out_per_word tokens per word of its longest sentence."""

    def __init__(self, out_per_word: float):
        self.out_per_word = out_per_word

    def bound(self, sentences: list[list[str]]) -> int:
        return max(1, math.ceil(self.out_per_word * max(words_in(s) for s in sentences)))

    def ct2(self, tr: Any) -> None:
        """Make a CT2Translator's calls decode to the bound."""
        inner, stop = tr.translator, self

        class Proxy:
            def translate_batch(self, tokens: list[list[str]], **kw: Any) -> Any:
                bound = stop.bound(tokens) + (1 if kw.get("target_prefix") else 0)
                kw.update(min_decoding_length=bound, max_decoding_length=bound)
                return inner.translate_batch(tokens, **kw)

        tr.translator = Proxy()

    def hf(self, tr: Any) -> None:
        """Make an HFTranslator's generate calls decode to the bound."""
        model, tok, stop = tr.model, tr.tokenizer, self
        generate = model.generate

        def bounded(**kw: Any) -> Any:
            rows = [tok.convert_ids_to_tokens(r) for r in kw["input_ids"].tolist()]
            bound = stop.bound(rows)
            kw.update(min_new_tokens=bound, max_new_tokens=bound)
            return generate(**kw)

        model.generate = bounded


def engine_short(raw: Any, tr: Any, engine: str, beams: int, batch: int, sentences: list[str]) -> float:
    """Translate sentences at a fixed batch size forcing OUT_TOKENS each; return output tokens/s."""
    if engine == "ctranslate2":
        tokens = [tr.tokenizer.convert_ids_to_tokens(tr.tokenizer.encode(s)) for s in sentences]
        start = time.perf_counter()
        # one call: CTranslate2 sorts and cuts its batches, its workers take them
        raw.translate_batch(
            tokens,
            beam_size=beams,
            max_batch_size=batch,
            min_decoding_length=OUT_TOKENS,
            max_decoding_length=OUT_TOKENS,
        )
    else:
        import torch

        start = time.perf_counter()
        with torch.inference_mode():
            for i in range(0, len(sentences), batch):
                enc = tr.tokenizer(sentences[i : i + batch], return_tensors="pt", padding=True)
                raw(**enc, num_beams=beams, min_new_tokens=OUT_TOKENS, max_new_tokens=OUT_TOKENS)
    return len(sentences) * OUT_TOKENS / (time.perf_counter() - start)


def engine_article(
    raw: Any, tr: Any, engine: str, beams: int, batch: int, pieces: list[list[str]], stop: Stop
) -> float:
    """Translate the pipeline's sentences alone, in batches of `batch`; return the seconds taken.

    The same token lists the pipeline sends, cut as CTranslate2 cuts one call's batches
    (longest first, `batch` sentences each) and all queued at once, each batch decoding to
    the stand-in </s> of its longest sentence, as the pipeline's batches do.
    """
    order = sorted(range(len(pieces)), key=lambda i: -len(pieces[i]))
    chunks = [[pieces[i] for i in order[k : k + batch]] for k in range(0, len(order), batch)]
    start = time.perf_counter()
    if engine == "ctranslate2":
        jobs = []
        for chunk in chunks:
            bound = stop.bound(chunk)
            jobs.append(
                raw.translate_batch(
                    chunk,
                    beam_size=beams,
                    max_batch_size=len(chunk),
                    min_decoding_length=bound,
                    max_decoding_length=bound,
                    asynchronous=True,
                )
            )
        for job in jobs:
            for result in job:
                result.result()
    else:
        import torch

        with torch.inference_mode():
            for chunk in chunks:
                ids = [tr.tokenizer.convert_tokens_to_ids(p) for p in chunk]
                enc = tr.tokenizer.pad({"input_ids": ids}, return_tensors="pt")
                bound = stop.bound(chunk)
                raw(**enc, num_beams=beams, min_new_tokens=bound, max_new_tokens=bound)
    return time.perf_counter() - start


def build_model(work: Path, article_text: str, pieces_per_word: float) -> Path:
    """Build (or find, in a --work directory used before) the opus-mt-shaped model, converted."""
    import sentencepiece as spm

    path = work / "opus-mt-ar-en-shape"
    texts = arabic_text(article_text)
    if (path / "ctranslate2" / "model.bin").exists():
        tok = spm.SentencePieceProcessor(model_file=str(path / "source.spm"))
        rate = len(tok.encode(article_text)) / len(article_text.split())
        print(f"model from {path}: {tok.get_piece_size()} source pieces, {rate:.2f} pieces a word")
        return path
    size, rate = fit_vocabulary(texts, article_text, pieces_per_word, work)
    t = time.perf_counter()
    build_marian(
        path, d_model=512, layers=6, heads=8, ffn=2048, vocab_size=62_834, spm_vocab=size, arabic=texts
    )
    convert_model(path)
    print(
        f"source SentencePiece: {size} pieces trained on {len(texts)} written Arabic sentences, "
        f"{rate:.2f} pieces a word on the article; vocabulary padded to 62,834; "
        f"model built and converted to int8 in {time.perf_counter() - t:.0f} s"
    )
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--article", default=str(ROOT.parent / "shared" / "samples" / "news-ar-drone-factory.txt")
    )
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--beams", type=int, nargs="+", default=[4, 2, 1])
    ap.add_argument("--engines", nargs="+", default=["ctranslate2"], choices=["ctranslate2", "transformers"])
    ap.add_argument(
        "--batches",
        type=int,
        nargs="+",
        default=[2, 3, 4, 6, 9, 18],
        help="engine-alone batch sizes on the article's sentences",
    )
    ap.add_argument(
        "--short-batches",
        type=int,
        nargs="*",
        default=[8, 16, 32],
        help="engine-alone batch sizes on 32 short sentences forced to 32 tokens (nothing: skip)",
    )
    ap.add_argument("--batch-tokens", type=int, default=MTOptions.batch_tokens)
    ap.add_argument("--pieces-per-word", type=float, default=1.6)
    ap.add_argument("--out-per-word", type=float, default=1.4)
    ap.add_argument("--repeat", type=int, default=2, help="runs of each measurement; the fastest counts")
    ap.add_argument("--baseline", default="HEAD", help="git revision to compare with")
    ap.add_argument(
        "--work", help="a directory to build the model in and find it again (default: a temporary one)"
    )
    args = ap.parse_args()

    import torch

    from tm.formats.text import read_text
    from tm.segment import segment

    torch.set_num_threads(args.threads)
    article_text = read_text(args.article)
    doc = segment(article_text)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.work) if args.work else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        path = build_model(work, article_text, args.pieces_per_word)
        for engine in args.engines:
            print(f"\n== {engine}, {args.threads} threads ==")
            for beams in args.beams:
                compare(args, engine, beams, path, doc, Path(tmp))


def engines(
    args: argparse.Namespace, engine: str, beams: int, path: Path, stop: Stop
) -> tuple[Any, Any, dict]:
    """Return the current and the baseline translators (decoding to the stand-in </s>) and raw engines.

    The raw engines, for the engine alone: a CTranslate2 translator per thread layout (one
    worker on every thread, a worker per thread), or torch's generate.
    """
    options = MTOptions(threads=args.threads, beams=beams, batch_tokens=args.batch_tokens)
    new: Any = load_translator(str(path), engine=engine, options=options)
    module = "tm/mt/ct2.py" if engine == "ctranslate2" else "tm/mt/hf.py"
    old = getattr(
        old_module(args.baseline, module), "CT2Translator" if engine == "ctranslate2" else "HFTranslator"
    )
    base = old(path, str(path), MTOptions(threads=args.threads, beams=beams, batch_size=16))
    if engine == "ctranslate2":
        import ctranslate2

        raws = {
            f"{w} worker{'s' if w > 1 else ''} x {t} thread{'s' if t > 1 else ''}": ctranslate2.Translator(
                str(path / "ctranslate2"), compute_type="int8", inter_threads=w, intra_threads=t
            )
            for w, t in sorted({(1, args.threads), (args.threads, 1)})
        }
        stop.ct2(new)
        stop.ct2(base)
    else:
        raws = {"torch": new.model.generate}
        stop.hf(new)
        stop.hf(base)
    return new, base, raws


def compare(args: argparse.Namespace, engine: str, beams: int, path: Path, doc: Any, tmp: Path) -> None:
    """Measure the engine alone and both pipelines in turns, --repeat times; print the best of each."""
    from tm.memory import TranslationMemory
    from tm.pretranslate import pretranslate

    old_pretranslate = old_module(args.baseline, "tm/pretranslate.py").pretranslate
    stop = Stop(args.out_per_word)
    new, base, raws = engines(args, engine, beams, path, stop)
    samples = [ARABIC[i % len(ARABIC)] for i in range(32)]
    segments = [s.text for s in doc.segments()]
    unique = list(dict.fromkeys(segments))  # what the pipeline sends the engine
    pieces = [new.tokenizer.convert_ids_to_tokens(new.tokenizer.encode(s)) for s in unique]
    useful = sum(math.ceil(args.out_per_word * words_in(p)) for p in pieces)
    for raw in raws.values():  # warm up
        engine_short(raw, new, engine, beams, 2, samples[:2])
    for tr in (new, base):
        tr.translate(samples[:2])
    article: dict[tuple[str, int], float] = {}
    short: dict[tuple[str, int], float] = {}
    runs: dict[str, list[tuple[float, float]]] = {"baseline": [], "new": []}
    for rep in range(args.repeat):
        # the engine alone, in turns with the pipelines so that load falls on all
        for layout, raw in raws.items():
            for b in args.batches:
                seconds = engine_article(raw, new, engine, beams, b, pieces, stop)
                article[layout, b] = max(article.get((layout, b), 0.0), useful / seconds)
            for b in args.short_batches:
                speed = engine_short(raw, new, engine, beams, b, samples)
                short[layout, b] = max(short.get((layout, b), 0.0), speed)
        for name, tr, run in (("baseline", base, old_pretranslate), ("new", new, pretranslate)):
            memory = TranslationMemory.open(str(tmp / f"{engine}-{beams}-{name}-{rep}.db"))
            first: list[float] = []

            def progress(n: int, first: list[float] = first) -> None:
                first.append(time.perf_counter())

            start = time.perf_counter()
            result = run(doc, memory, translator=tr, batch_size=16, progress=progress)
            wall = time.perf_counter() - start
            memory.close()
            assert result.counts().get("mt") == len(segments), result.counts()
            runs[name].append((wall, first[0] - start))

    best = max(article, key=lambda k: article[k])
    print(
        f"beam {beams}: the engine alone on the article's {len(pieces)} sentences, {useful} output "
        "tokens (batches longest first, each to its longest's bound), tokens/s:"
    )
    for layout in raws:
        print(f"  {layout}: " + ", ".join(f"batch {b} {article[layout, b]:.0f}" for b in args.batches))
    print(f"  best {article[best]:.0f} ({best[0]}, batch {best[1]})")
    top = max(short, key=lambda k: short[k]) if short else None
    if top:
        print(
            f"beam {beams}: the engine alone on {len(samples)} short sentences forced to {OUT_TOKENS} "
            f"tokens: best {short[top]:.0f} tokens/s ({top[0]}, batch {top[1]}); "
            + "; ".join(
                f"{layout}: " + ", ".join(f"{b} {short[layout, b]:.0f}" for b in args.short_batches)
                for layout in raws
            )
        )
    got = {name: (min(w for w, _ in r), min(f for _, f in r)) for name, r in runs.items()}
    print(
        f"beam {beams}: {Path(args.article).name}, {len(segments)} segments, "
        f"{sum(len(p) for p in pieces)} source tokens, {useful} output tokens, "
        f"tm's pipeline (empty memory), best of {args.repeat}:"
    )
    print(f"  {'':<10}{'wall s':>8}{'tokens/s':>10}{'% engine':>10}{'% short':>9}{'first s':>9}")
    for name, (wall, first_s) in got.items():
        speed = useful / wall
        of_engine = f"{100 * speed / article[best]:>9.0f}%"
        of_short = f"{100 * speed / short[top]:>8.0f}%" if top else f"{'':>9}"
        print(f"  {name:<10}{wall:>8.2f}{speed:>10.0f}{of_engine}{of_short}{first_s:>9.2f}")
    (bw, bf), (nw, nf) = got["baseline"], got["new"]
    print(f"  {'ratio':<10}{bw / nw:>7.2f}x{'':>29}{bf / nf:>8.2f}x")


if __name__ == "__main__":
    main()
