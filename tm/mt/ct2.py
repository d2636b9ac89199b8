"""The CTranslate2 engine: the same model converted to int8, several times faster on CPU."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from tm.errors import ModelUnavailable
from tm.mt import MTOptions
from tm.mt.batching import in_order, output_bound, token_batches
from tm.mt.hf import language_setup, load_tokenizer
from tm.mt.models import ct2_dir

MAX_DECODING = 510  # opus-mt's position table holds 512


class CT2Translator:
    """CTranslate2 translation with the original model's tokenizer."""

    engine = "ctranslate2"

    def __init__(self, path: Path, model_id: str, options: MTOptions):
        try:
            import ctranslate2
        except ImportError:
            raise ModelUnavailable("CTranslate2 is not installed; pip install 'tm[ct2]'") from None
        self.model_id, self.options = model_id, options
        converted = ct2_dir(path)
        if not (converted / "model.bin").exists():
            raise ModelUnavailable(f"{path} has no CTranslate2 copy; run `tm model convert {model_id}`")
        device = options.device
        if device == "auto":
            device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        self.tokenizer = load_tokenizer(path)
        config_type = _model_type(path)
        target = language_setup(self.tokenizer, config_type)
        self.prefix = [target] if target else None
        # On CPU, batches run in parallel, one thread each: measured on 2 cores, two
        # single-threaded workers beat one two-threaded worker for both one sentence and
        # a document (bench/mt.py).
        cores = options.threads if options.threads > 0 else (os.cpu_count() or 1)
        threads = {"inter_threads": cores, "intra_threads": 1} if device == "cpu" else {}
        try:
            self.translator = ctranslate2.Translator(
                str(converted),
                device=device,
                compute_type="int8" if device == "cpu" else "int8_float16",
                **threads,
            )
        except Exception as e:
            raise ModelUnavailable(f"cannot load the CTranslate2 model in {converted}: {e}") from None
        # a model converted with a vocabulary map decodes over a short list of likely words
        self.vmap = (converted / "vmap.txt").is_file()
        self._lock = threading.Lock()

    def translate(self, sentences: list[str]) -> list[str]:
        """Translate sentences, returned in their order."""
        return in_order(self.translate_stream(sentences), len(sentences))

    def translate_stream(self, sentences: list[str]) -> Iterator[list[tuple[int, str]]]:
        """Yield each batch as soon as it is translated: token batches, on every worker.

        All batches are queued at once as asynchronous jobs, and each of CTranslate2's workers
        (one per core) takes the next as soon as it is free: the shortest batch first, so the
        first drafts come at once, then the longest first, so that no worker is left alone
        with a long batch at the end while the other has nothing to do.
        """
        todo = [i for i, s in enumerate(sentences) if s.strip()]
        empty = [(i, "") for i, s in enumerate(sentences) if not s.strip()]
        if empty:
            yield empty
        if not todo:
            return
        tokens = [self.tokenizer.convert_ids_to_tokens(self.tokenizer.encode(sentences[i])) for i in todo]
        lengths = [len(t) for t in tokens]
        batches = token_batches(lengths, self.options.batch_tokens, self.options.batch_size)
        batches = batches[:1] + batches[:0:-1]
        pending = []
        with self._lock:  # queue a document's batches together; waiting for them needs no lock
            for batch in batches:
                bound = max(output_bound(lengths[k], self.options.max_ratio, MAX_DECODING) for k in batch)
                results = self.translator.translate_batch(
                    [tokens[k] for k in batch],
                    beam_size=max(1, self.options.beams),
                    max_batch_size=len(batch),
                    max_decoding_length=bound,
                    target_prefix=[self.prefix] * len(batch) if self.prefix else None,
                    use_vmap=self.vmap,
                    asynchronous=True,
                )
                pending.append((batch, results))
        while pending:
            ready = next((job for job in pending if all(r.done() for r in job[1])), None)
            if ready is None:
                time.sleep(0.005)  # the workers run without the GIL; a short nap costs them nothing
                continue
            pending.remove(ready)
            yield [
                (todo[k], self._text(r.result().hypotheses[0], lengths[k]))
                for k, r in zip(*ready, strict=True)
            ]

    def _text(self, hypothesis: list[str], input_tokens: int) -> str:
        # a sentence's draft does not depend on the longest one beside it in its batch
        hypothesis = hypothesis[: output_bound(input_tokens, self.options.max_ratio, MAX_DECODING)]
        if self.prefix:
            hypothesis = [t for t in hypothesis if t != self.prefix[0]]
        ids = self.tokenizer.convert_tokens_to_ids(hypothesis)
        return str(self.tokenizer.decode(ids, skip_special_tokens=True)).strip()


def _model_type(path: Path) -> str:
    import json

    try:
        return json.loads((path / "config.json").read_text(encoding="utf-8")).get("model_type", "")
    except (OSError, ValueError):
        return ""
