"""Machine translation engines behind one protocol; heavy libraries load on first use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

DEFAULT_MODEL = "Helsinki-NLP/opus-mt-ar-en"


class Translator(Protocol):
    """Translates batches of Arabic sentences into English."""

    engine: str
    model_id: str

    def translate(self, sentences: list[str]) -> list[str]:
        """Return one English translation per sentence, in order."""


@dataclass
class MTOptions:
    """How an engine runs: beams (1 = greedy), batch size, CPU threads, output bound."""

    beams: int = 4
    batch_size: int = 16
    threads: int = 0  # 0: the library's default
    device: str = "auto"  # auto | cpu | cuda
    max_ratio: float = 2.0  # output tokens at most max_ratio x input tokens + 10


def load_translator(
    model: str | None = None,
    *,
    engine: str = "auto",
    options: MTOptions | None = None,
    download: bool = True,
) -> Translator:
    """Load a model by Hugging Face id or local directory with the best available engine.

    `engine="auto"` uses the CTranslate2 copy when `tm model convert` made one, else
    transformers. Raises ModelUnavailable with what to do when nothing can be loaded.
    """
    from tm.mt.models import ct2_dir, resolve_model

    options = options or MTOptions()
    name = model or DEFAULT_MODEL
    path = resolve_model(name, download=download)
    if engine not in ("auto", "transformers", "ctranslate2"):
        raise ValueError("engine must be auto, transformers or ctranslate2")
    converted = ct2_dir(path)
    if engine == "ctranslate2" or (engine == "auto" and (converted / "model.bin").exists()):
        from tm.mt.ct2 import CT2Translator

        return CT2Translator(path, name, options)
    from tm.mt.hf import HFTranslator

    return HFTranslator(path, name, options)
