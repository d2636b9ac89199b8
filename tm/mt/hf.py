"""The transformers engine: AutoTokenizer + AutoModelForSeq2SeqLM, batched and sorted by length."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from tm.errors import ModelUnavailable
from tm.mt import MTOptions


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
        self._lock = threading.Lock()  # one generate at a time: torch already uses every core

    def translate(self, sentences: list[str]) -> list[str]:
        """Translate sentences in batches of similar length; empty ones stay empty."""
        import torch

        out = [""] * len(sentences)
        todo = [i for i, s in enumerate(sentences) if s.strip()]
        lengths = {i: len(self.tokenizer.tokenize(sentences[i])) for i in todo}
        todo.sort(key=lambda i: lengths[i])
        size = max(1, self.options.batch_size)
        with self._lock, torch.inference_mode():
            for start in range(0, len(todo), size):
                batch = todo[start : start + size]
                enc = self.tokenizer(
                    [sentences[i] for i in batch],
                    return_tensors="pt",
                    padding=True,
                    truncation=True,
                    max_length=self.max_positions,
                ).to(self.device)
                longest = int(enc["input_ids"].shape[1])
                kwargs: dict[str, Any] = {
                    "num_beams": max(1, self.options.beams),
                    "max_new_tokens": min(self.max_positions, int(self.options.max_ratio * longest) + 10),
                }
                if self.forced_bos is not None:
                    kwargs["forced_bos_token_id"] = self.forced_bos
                generated = self.model.generate(**enc, **kwargs)
                if self.forced_bos is not None:
                    # the language token that starts the output is not a "special" token to decode
                    generated = [[t for t in row.tolist() if t != self.forced_bos] for row in generated]
                texts = self.tokenizer.batch_decode(generated, skip_special_tokens=True)
                for i, text in zip(batch, texts, strict=True):
                    out[i] = text.strip()
        return out
