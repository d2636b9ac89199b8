"""The desk's glossary: terms, their hits in Arabic sentences (through clitics), term protection."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from tm.lang import PUNCT, clitic_variants, normalize, normalize_with_map, tokenize
from tm.store.base import Store
from tm.store.records import NewTerm, Term


@dataclass
class TermHit:
    """A glossary term found in a sentence; start/end cover the term in the original text."""

    term: Term
    start: int
    end: int
    text: str

    def to_json(self) -> dict[str, object]:
        """Return the JSON shape of a hit."""
        return {
            "term_id": self.term.id,
            "source": self.term.source,
            "target": self.term.target,
            "notes": self.term.notes,
            "forbidden": self.term.forbidden,
            "enforce": self.term.enforce,
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }


def _words(text: str) -> list[str]:
    return [t.text for t in tokenize(text) if t.kind != PUNCT]


def _literal(text: str) -> Callable[[re.Match[str]], str]:
    """Return a re.sub replacement that inserts text as it is (no backslash escapes)."""
    return lambda _match: text


def contains_term(text: str, term: str) -> bool:
    """Tell whether English text contains a term as whole words, ignoring case."""
    return re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text, flags=re.IGNORECASE) is not None


class Glossary:
    """Terms of one store, with a lookup structure rebuilt when the glossary changes."""

    def __init__(self, store: Store):
        self.store = store
        self._lock = threading.Lock()
        self._version: str | None = None
        self._first: dict[str, list[tuple[Term, list[str]]]] = {}

    def _index(self) -> dict[str, list[tuple[Term, list[str]]]]:
        version = self.store.glossary.version()
        with self._lock:
            if version != self._version:
                first: dict[str, list[tuple[Term, list[str]]]] = {}
                for term in self.store.glossary.all():
                    words = _words(normalize(term.source))
                    if not words:
                        continue
                    first.setdefault(words[0], []).append((term, words))
                    if len(words) > 1:  # بلو بورد is often written بلوبورد
                        first.setdefault("".join(words), []).append((term, ["".join(words)]))
                self._first, self._version = first, version
            return self._first

    def terms(self) -> list[Term]:
        """Return every term."""
        return self.store.glossary.all()

    def add(self, source: str, target: str, **kw: object) -> Term:
        """Add a term (see NewTerm for the fields)."""
        return self.store.glossary.add(NewTerm(source, target, **kw))  # type: ignore[arg-type]

    def import_terms(self, terms: list[NewTerm], *, enforce: bool | None = None) -> tuple[int, int]:
        """Add terms in one transaction, skipping those already there; return (added, skipped)."""
        added = skipped = 0
        with self.store.transaction():
            existing = {(normalize(t.source), t.target) for t in self.store.glossary.all()}
            for term in terms:
                if enforce is not None:
                    term.enforce = enforce
                key = (normalize(term.source), term.target)
                if key in existing:
                    skipped += 1
                    continue
                self.store.glossary.add(term)
                existing.add(key)
                added += 1
        return added, skipped

    def search(self, query: str) -> list[Term]:
        """Return terms whose source or target contains the query (normalized)."""
        q = normalize(query)
        return [t for t in self.store.glossary.all() if q in normalize(t.source) or q in normalize(t.target)]

    def hits(self, sentence: str) -> list[TermHit]:
        """Find the terms in an Arabic sentence, longest first, without overlaps.

        A term's first word may carry proclitics (و ف ب ل ك, ال): `والمغرب`, `بالمغرب` and
        `للمغرب` all hit `المغرب`; the hit's span leaves the clitic out.
        """
        index = self._index()
        if not index:
            return []
        tokens = [t for t in tokenize(sentence) if t.kind != PUNCT]
        found: list[tuple[int, int, int, Term]] = []  # (token index, length, prefix chars, term)
        for i, tok in enumerate(tokens):
            for variant in clitic_variants(tok.text):
                for term, words in index.get(variant, ()):
                    n = len(words)
                    if [t.text for t in tokens[i + 1 : i + n]] == words[1:]:
                        found.append((i, n, len(tok.text) - len(variant), term))
        found.sort(key=lambda f: (f[0], -f[1], f[2]))
        hits: list[TermHit] = []
        taken: set[int] = set()
        for i, n, prefix, term in sorted(found, key=lambda f: (-f[1], f[0], f[2])):
            span = set(range(i, i + n))
            if span & taken:
                continue
            taken |= span
            first = tokens[i]
            start = first.start
            if prefix:
                _, index_map = normalize_with_map(sentence[first.start : first.end])
                start = first.start + index_map[prefix]
            end = tokens[i + n - 1].end
            hits.append(TermHit(term, start, end, sentence[start:end]))
        hits.sort(key=lambda h: h.start)
        return hits

    # -- protection in machine translation -----------------------------------------

    @staticmethod
    def mask(sentence: str, hits: list[TermHit]) -> str:
        """Put the English of enforced terms in place of the Arabic, for the MT engine to keep."""
        out, pos = [], 0
        for h in hits:
            if not h.term.enforce:
                continue
            # a clitic before the term (لبلو بورد) is kept, apart from the Latin words
            before = " " if h.start > 0 and sentence[h.start - 1].isalnum() else ""
            after = " " if h.end < len(sentence) and sentence[h.end].isalnum() else ""
            out += [sentence[pos : h.start], before, h.term.target, after]
            pos = h.end
        out.append(sentence[pos:])
        return "".join(out)

    @staticmethod
    def restore(translation: str, hits: list[TermHit]) -> str:
        """Make an MT draft carry enforced terms: replace a 'do not use' variant with the term."""
        for h in hits:
            if not h.term.enforce or contains_term(translation, h.term.target):
                continue
            for bad in sorted(h.term.forbidden, key=len, reverse=True):
                pattern = rf"(?<!\w){re.escape(bad)}(?!\w)"
                if re.search(pattern, translation, flags=re.IGNORECASE):
                    translation = re.sub(
                        pattern, _literal(h.term.target), translation, count=1, flags=re.IGNORECASE
                    )
                    break
        return translation
