"""A translator wrapper that remembers outputs per (model, normalized sentence) in the store."""

from __future__ import annotations

from tm.lang import normalize
from tm.mt import Translator
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
        keys = [normalize(s) for s in sentences]
        known = self.store.mt_cache.get(self.cache_key, set(keys))
        todo: dict[str, str] = {}
        for key, sentence in zip(keys, sentences, strict=True):
            if key not in known and key not in todo:
                todo[key] = sentence
        self.hits += sum(1 for k in keys if k in known)
        self.misses += len(todo)
        if todo:
            outputs = self.inner.translate(list(todo.values()))
            fresh = dict(zip(todo, outputs, strict=True))
            self.store.mt_cache.put(self.cache_key, fresh)
            known.update(fresh)
        return [known[k] for k in keys]
