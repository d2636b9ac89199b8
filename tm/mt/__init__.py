"""Machine translation engines behind one protocol; heavy libraries load on first use."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

DEFAULT_MODEL = "Helsinki-NLP/opus-mt-ar-en"
# What machine translation needs beyond tm itself (the `[mt]` extra).
MT_LIBRARIES = ("torch", "transformers", "sentencepiece")


def require_mt_libraries() -> None:
    """Raise ModelUnavailable, saying how to install them, when the MT libraries are missing."""
    import importlib.util

    from tm.errors import ModelUnavailable

    missing = []
    for name in MT_LIBRARIES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # a broken or blocked installation
            found = False
        if not found:
            missing.append(name)
    if missing:
        raise ModelUnavailable(
            f"machine translation needs {', '.join(missing)}, which tm installs with its [mt] extra: "
            "`pip install torch==2.13.0` (the CPU build) then `pip install -e '.[mt]'` in the checkout "
            "(or `pip install 'tm[mt]'`); until then tm drafts from the memory alone"
        )


class Translator(Protocol):
    """Translates batches of Arabic sentences into English."""

    engine: str
    model_id: str

    def translate(self, sentences: list[str]) -> list[str]:
        """Return one English translation per sentence, in order."""


@runtime_checkable
class StreamingTranslator(Protocol):
    """A translator that hands back each batch as soon as it is translated."""

    engine: str
    model_id: str

    def translate(self, sentences: list[str]) -> list[str]:
        """Return one English translation per sentence, in order."""

    def translate_stream(self, sentences: list[str]) -> Iterator[list[tuple[int, str]]]:
        """Yield batches of (index in sentences, translation) as they are ready, short ones first.

        Every index comes exactly once; an empty sentence comes back empty in the first batch.
        """


@dataclass
class MTOptions:
    """How an engine runs: beams (1 = greedy), batch limits, CPU threads, output bound.

    A batch holds at most `batch_size` sentences and `batch_tokens` source tokens counted
    with padding (its size times its longest sentence); sentences are sorted by length so
    that batches waste little on padding, and short sentences come back first.
    """

    beams: int = 4
    batch_size: int = 16
    batch_tokens: int = 512
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

    require_mt_libraries()
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
