"""Benchmark MT drafting on opus-mt-ar-en's architecture: the engine alone, then a whole article.

Run by hand:  python bench/mt.py [--article ../shared/samples/news-ar-drone-factory.txt]
              [--beams 4 2 1] [--engines ctranslate2 transformers] [--baseline REV]

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

It prints the engine's best throughput alone (forced 32-token outputs, several batch
sizes), then pre-translates the article through tm (empty memory) with the code at
--baseline (read with `git show`) and the current code in turns, so machine load falls on
both: wall time, output tokens/s (the tokens a real model would write), % of the engine's
best, the time to the first drafted sentence, and the ratios.
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


def engine_alone(tr: Any, engine: str, beams: int, batch: int, sentences: list[str]) -> float:
    """Translate sentences at a fixed batch size forcing OUT_TOKENS each; return output tokens/s."""
    if engine == "ctranslate2":
        tokens = [tr.tokenizer.convert_ids_to_tokens(tr.tokenizer.encode(s)) for s in sentences]
        start = time.perf_counter()
        # one call: CTranslate2's workers (one per core) take its batches in parallel
        tr.translator.translate_batch(
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
                tr.model.generate(
                    **enc, num_beams=beams, min_new_tokens=OUT_TOKENS, max_new_tokens=OUT_TOKENS
                )
    return len(sentences) * OUT_TOKENS / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--article", default=str(ROOT.parent / "shared" / "samples" / "news-ar-drone-factory.txt")
    )
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--beams", type=int, nargs="+", default=[4, 2, 1])
    ap.add_argument("--engines", nargs="+", default=["ctranslate2"], choices=["ctranslate2", "transformers"])
    ap.add_argument("--batches", type=int, nargs="+", default=[4, 8, 16, 32], help="engine-alone batch sizes")
    ap.add_argument("--batch-tokens", type=int, default=MTOptions.batch_tokens)
    ap.add_argument("--pieces-per-word", type=float, default=1.6)
    ap.add_argument("--out-per-word", type=float, default=1.4)
    ap.add_argument("--repeat", type=int, default=2, help="runs of each measurement; the fastest counts")
    ap.add_argument("--baseline", default="HEAD", help="git revision to compare with")
    args = ap.parse_args()

    import torch

    from tm.formats.text import read_text
    from tm.memory import TranslationMemory
    from tm.pretranslate import pretranslate
    from tm.segment import segment

    torch.set_num_threads(args.threads)
    article_text = read_text(args.article)
    doc = segment(article_text)
    with tempfile.TemporaryDirectory() as tmp:
        texts = arabic_text(article_text)
        size, rate = fit_vocabulary(texts, article_text, args.pieces_per_word, Path(tmp))
        t = time.perf_counter()
        path = build_marian(
            Path(tmp) / "opus-mt-ar-en-shape",
            d_model=512,
            layers=6,
            heads=8,
            ffn=2048,
            vocab_size=62_834,
            spm_vocab=size,
            arabic=texts,
        )
        convert_model(path)
        print(
            f"source SentencePiece: {size} pieces trained on {len(texts)} written Arabic sentences, "
            f"{rate:.2f} pieces a word on {Path(args.article).name}; vocabulary padded to 62,834; "
            f"model built and converted to int8 in {time.perf_counter() - t:.0f} s"
        )
        stop = Stop(args.out_per_word)
        old = {
            "ctranslate2": old_module(args.baseline, "tm/mt/ct2.py").CT2Translator,
            "transformers": old_module(args.baseline, "tm/mt/hf.py").HFTranslator,
        }
        old_pretranslate = old_module(args.baseline, "tm/pretranslate.py").pretranslate
        samples = [ARABIC[i % len(ARABIC)] for i in range(32)]
        segments = [s.text for s in doc.segments()]

        for engine in args.engines:
            print(f"\n== {engine}, {args.threads} threads ==")
            for beams in args.beams:
                options = MTOptions(threads=args.threads, beams=beams, batch_tokens=args.batch_tokens)
                new = load_translator(str(path), engine=engine, options=options)
                base = old[engine](
                    path, str(path), MTOptions(threads=args.threads, beams=beams, batch_size=16)
                )
                engine_alone(new, engine, beams, 2, samples[:2])  # warm up
                raw = {
                    name: tr.translator if engine == "ctranslate2" else tr.model.generate
                    for name, tr in (("new", new), ("baseline", base))
                }
                for tr in (new, base):
                    getattr(stop, "ct2" if engine == "ctranslate2" else "hf")(tr)
                rates = {b: 0.0 for b in args.batches}
                pieces = [new.tokenizer.convert_ids_to_tokens(new.tokenizer.encode(s)) for s in segments]
                useful = sum(math.ceil(args.out_per_word * words_in(p)) for p in pieces)
                runs: dict[str, list[tuple[float, float]]] = {"baseline": [], "new": []}
                for rep in range(args.repeat):
                    # the engine alone, in turns with the pipelines so that load falls on all
                    bounded = new.translator if engine == "ctranslate2" else new.model.generate
                    if engine == "ctranslate2":
                        new.translator = raw["new"]
                    else:
                        new.model.generate = raw["new"]
                    for b in args.batches:
                        rates[b] = max(rates[b], engine_alone(new, engine, beams, b, samples))
                    if engine == "ctranslate2":
                        new.translator = bounded
                    else:
                        new.model.generate = bounded
                    for name, tr, run in (("baseline", base, old_pretranslate), ("new", new, pretranslate)):
                        memory = TranslationMemory.open(str(Path(tmp) / f"{engine}-{beams}-{name}-{rep}.db"))
                        first: list[float] = []
                        start = time.perf_counter()
                        result = run(
                            doc,
                            memory,
                            translator=tr,
                            batch_size=16,
                            progress=lambda n, first=first: first.append(time.perf_counter()),
                        )
                        wall = time.perf_counter() - start
                        memory.close()
                        assert result.counts().get("mt") == len(segments), result.counts()
                        runs[name].append((wall, first[0] - start))
                best = max(rates, key=lambda b: rates[b])
                print(
                    f"beam {beams}: engine alone, {OUT_TOKENS} tokens out: "
                    + ", ".join(f"batch {b} {r:.0f}" for b, r in rates.items())
                    + f" tokens/s; best {rates[best]:.0f} at batch {best}"
                )
                got = {name: (min(w for w, _ in r), min(f for _, f in r)) for name, r in runs.items()}
                print(
                    f"beam {beams}: {Path(args.article).name}, {len(segments)} segments, "
                    f"{sum(len(p) for p in pieces)} source tokens, {useful} output tokens "
                    f"(batch 16 / {args.batch_tokens} tokens), best of {args.repeat}:"
                )
                print(f"  {'':<10}{'wall s':>8}{'tokens/s':>10}{'% engine':>10}{'first s':>9}")
                for name, (wall, first_s) in got.items():
                    speed = useful / wall
                    print(
                        f"  {name:<10}{wall:>8.2f}{speed:>10.0f}"
                        f"{100 * speed / rates[best]:>9.0f}%{first_s:>9.2f}"
                    )
                (bw, bf), (nw, nf) = got["baseline"], got["new"]
                print(f"  {'ratio':<10}{bw / nw:>7.2f}x{'':>20}{bf / nf:>8.2f}x")


if __name__ == "__main__":
    main()
