"""The transformers engine: AutoTokenizer + AutoModelForSeq2SeqLM, in token batches sorted by length."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tm.errors import ModelUnavailable
from tm.mt import MTOptions
from tm.mt.batching import in_order, output_bound, token_batches


def language_setup(tokenizer: Any, model_type: str) -> str | None:
    """Set Arabic as the source language; return the token that must start the English output.

    Marian (opus-mt) models are one language pair and need nothing. NLLB-200 uses
    `arb_Arab` -> `eng_Latn`, M2M100 `ar` -> `en` (`__ar__`, `__en__` tokens).
    """
    vocab = tokenizer.get_vocab()
    if "eng_Latn" in vocab:
        tokenizer.src_lang = "arb_Arab"
        return "eng_Latn"
    if model_type == "m2m_100" or "__en__" in vocab:
        tokenizer.src_lang = "ar"
        return "__en__"
    return None


def load_tokenizer(path: Path) -> Any:
    """Load the tokenizer of a model directory."""
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(str(path))
    except Exception as e:
        raise ModelUnavailable(f"cannot load the tokenizer in {path}: {e}") from None


class HFTranslator:
    """Hugging Face transformers seq2seq translation on CPU or GPU."""

    engine = "transformers"

    def __init__(self, path: Path, model_id: str, options: MTOptions):
        import torch
        from transformers import AutoModelForSeq2SeqLM

        self.model_id, self.options = model_id, options
        if options.threads > 0:
            torch.set_num_threads(options.threads)
        self.tokenizer = load_tokenizer(path)
        try:
            self.model = AutoModelForSeq2SeqLM.from_pretrained(str(path))
        except Exception as e:
            raise ModelUnavailable(f"cannot load the model in {path}: {e}") from None
        self.model.eval()
        device = options.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = device
        self.model.to(device)
        target = language_setup(self.tokenizer, self.model.config.model_type)
        self.forced_bos = self.tokenizer.convert_tokens_to_ids(target) if target else None
        # the decoder cannot go past its position table (512 for opus-mt)
        self.max_positions = int(getattr(self.model.config, "max_position_embeddings", 512) or 512) - 2
        forced_eos = getattr(self.model.generation_config, "forced_eos_token_id", None)
        if isinstance(forced_eos, list):
            forced_eos = forced_eos[0] if forced_eos else None
        self.forced_eos: int | None = forced_eos
        self._lock = threading.Lock()  # one generate at a time: torch already uses every core

    def translate(self, sentences: list[str]) -> list[str]:
        """Translate sentences, returned in their order; empty ones stay empty."""
        return in_order(self.translate_stream(sentences), len(sentences))

    def translate_stream(self, sentences: list[str]) -> Iterator[list[tuple[int, str]]]:
        """Yield each batch as it is translated: token batches of similar length, shortest first."""
        import torch

        todo = [i for i, s in enumerate(sentences) if s.strip()]
        empty = [(i, "") for i, s in enumerate(sentences) if not s.strip()]
        if empty:
            yield empty
        if not todo:
            return
        # the length the encoder sees: the tokenizer's ids with </s> (and a language token)
        lengths = [
            min(self.max_positions, len(ids))
            for ids in self.tokenizer([sentences[i] for i in todo], truncation=True)["input_ids"]
        ]
        batches = token_batches(lengths, self.options.batch_tokens, self.options.batch_size)
        for batch in batches:
            with self._lock, torch.inference_mode():
                enc = self.tokenizer(
                    [sentences[todo[k]] for k in batch],
                    return_tensors="pt",
                    padding=True,
                    truncation=True,
                    max_length=self.max_positions,
                ).to(self.device)
                limits = [output_bound(lengths[k], self.options.max_ratio, self.max_positions) for k in batch]
                kwargs: dict[str, Any] = {
                    "num_beams": max(1, self.options.beams),
                    "max_new_tokens": max(limits),
                }
                if self.forced_bos is not None:
                    kwargs["forced_bos_token_id"] = self.forced_bos
                generated = self.model.generate(**enc, **kwargs)
            rows = []
            for row, limit in zip(generated.tolist(), limits, strict=True):
                # the decoder's start token, then at most `limit` new tokens: a sentence's draft
                # does not depend on the longest sentence beside it in its batch
                if len(row) > 1 + limit:
                    # cut where this sentence's own bound would have stopped it (ending in </s> as
                    # generate does when the model forces one at the bound)
                    row = row[:limit] + [self.forced_eos] if self.forced_eos is not None else row[: 1 + limit]
                if self.forced_bos is not None:
                    # the language token that starts the output is not a "special" token to decode
                    row = [t for t in row if t != self.forced_bos]
                rows.append(row)
            texts = self.tokenizer.batch_decode(rows, skip_special_tokens=True)
            yield [(todo[k], text.strip()) for k, text in zip(batch, texts, strict=True)]
