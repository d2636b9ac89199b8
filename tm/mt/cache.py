"""A translator wrapper that remembers outputs per (model, normalized sentence) in the store."""

from __future__ import annotations

from collections.abc import Iterator

from tm.lang import normalize
from tm.mt import StreamingTranslator, Translator
from tm.mt.batching import in_order
from tm.store.base import Store


class CachedTranslator:
    """Translate only what the store has not seen translated by this model before."""

    def __init__(self, translator: Translator, store: Store):
        self.inner, self.store = translator, store
        self.engine, self.model_id = translator.engine, translator.model_id
        self.cache_key = f"{translator.model_id}|{translator.engine}"
        self.hits = self.misses = 0

    def translate(self, sentences: list[str]) -> list[str]:
        """Return translations, asking the engine once per new normalized sentence."""
        return in_order(self.translate_stream(sentences), len(sentences))

    def translate_stream(self, sentences: list[str]) -> Iterator[list[tuple[int, str]]]:
        """Yield what the store knows at once, then the engine's batches as they come back."""
        keys = [normalize(s) for s in sentences]
        known = self.store.mt_cache.get(self.cache_key, set(keys))
        todo: dict[str, str] = {}
        for key, sentence in zip(keys, sentences, strict=True):
            if key not in known and key not in todo:
                todo[key] = sentence
        self.hits += sum(1 for k in keys if k in known)
        self.misses += len(todo)
        waiting: dict[str, list[int]] = {}
        ready = []
        for i, key in enumerate(keys):
            if key in known:
                ready.append((i, known[key]))
            else:
                waiting.setdefault(key, []).append(i)
        if ready:
            yield ready
        if not todo:
            return
        new = list(todo)
        for batch in stream(self.inner, list(todo.values())):
            fresh = {new[j]: output for j, output in batch}
            self.store.mt_cache.put(self.cache_key, fresh)
            yield [(i, output) for key, output in fresh.items() for i in waiting[key]]


def stream(translator: Translator, sentences: list[str]) -> Iterator[list[tuple[int, str]]]:
    """Yield a translator's batches as they are ready, or all at once if it cannot stream."""
    if isinstance(translator, StreamingTranslator):
        yield from translator.translate_stream(sentences)
    elif sentences:
        yield list(enumerate(translator.translate(sentences)))
