"""The desk's glossary: terms, their hits in Arabic sentences (through clitics), term protection."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from tm.lang import PUNCT, Token, clitic_variants, normalize, normalize_with_map, tokenize
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


Index = dict[str, list[tuple[Term, list[str]]]]


def _build_index(terms: list[Term]) -> Index:
    """Index terms by their first normalized word (and by their words run together)."""
    first: Index = {}
    for term in terms:
        words = _words(normalize(term.source))
        if not words:
            continue
        first.setdefault(words[0], []).append((term, words))
        if len(words) > 1:  # بلو بورد is often written بلوبورد
            first.setdefault("".join(words), []).append((term, ["".join(words)]))
    return first


def _find(sentence: str, tokens: list[Token], index: Index) -> list[TermHit]:
    """Find the terms of an index in a sentence's words, longest first, without overlaps."""
    if not index:
        return []
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


@dataclass
class _State:
    """A glossary version's indexes of approved terms and of proposals, and the hits found under it."""

    version: str | None
    approved: Index
    proposed: Index
    found: dict[str, tuple[list[TermHit], list[TermHit]]]


_MAX_FOUND = 50_000  # sentences whose hits are kept; beyond it the memo starts again


class Glossary:
    """Terms of one store, with a lookup structure rebuilt when the glossary changes.

    Only approved terms are hits (for the editor, QA and term protection in MT drafts); the
    translators' proposals have hits of their own, asked for with `proposed=True`, to show as such.
    """

    def __init__(self, store: Store):
        self.store = store
        self._lock = threading.Lock()
        self._state = _State(None, {}, {}, {})

    def _current(self) -> _State:
        """Return the indexes (and hits found so far) of the glossary as it is now."""
        version = self.store.glossary.version()
        with self._lock:
            if version != self._state.version:
                approved: list[Term] = []
                proposed: list[Term] = []
                for term in self.store.glossary.all():
                    (proposed if term.status == "proposed" else approved).append(term)
                self._state = _State(version, _build_index(approved), _build_index(proposed), {})
            return self._state

    def version(self) -> str:
        """Return the glossary's version: it changes when a term is added, changed, approved or deleted."""
        return self.store.glossary.version()

    def terms(self, status: str | None = None) -> list[Term]:
        """Return every term, or those with a status (proposed, approved)."""
        return self.store.glossary.all(status=status)

    def add(self, source: str, target: str, *, status: str = "approved", **kw: object) -> Term:
        """Add a term, or a proposal with status="proposed" (see NewTerm for the fields)."""
        return self.store.glossary.add(NewTerm(source, target, **kw), status=status)  # type: ignore[arg-type]

    def propose(self, source: str, target: str, author: str, notes: str = "") -> Term:
        """Add a translator's proposal: not used for hits, QA or MT until a reviewer approves it."""
        return self.store.glossary.add(NewTerm(source, target, notes, author=author), status="proposed")

    def approve(self, term_id: int, by: str) -> Term:
        """Approve a proposal: from now on it is a term like any other."""
        return self.store.glossary.approve(term_id, by)

    def find(self, source: str, target: str) -> Term | None:
        """Return the term (approved or proposed) with this Arabic, normalized, and this English."""
        key = (normalize(source), target)
        return next((t for t in self.store.glossary.all() if (normalize(t.source), t.target) == key), None)

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
        """Return terms (approved and proposed) whose source or target contains the query (normalized)."""
        q = normalize(query)
        return [t for t in self.store.glossary.all() if q in normalize(t.source) or q in normalize(t.target)]

    def hits(self, sentence: str, *, proposed: bool = False) -> list[TermHit]:
        """Find the approved terms in an Arabic sentence (the proposals instead with proposed=True).

        Longest first, without overlaps. A term's first word may carry proclitics (و ف ب ل ك, ال):
        `والمغرب`, `بالمغرب` and `للمغرب` all hit `المغرب`; the hit's span leaves the clitic out.
        """
        return list(self._lookup(self._current(), sentence)[1 if proposed else 0])

    def hits_many(self, sentences: list[str]) -> list[tuple[list[TermHit], list[TermHit]]]:
        """Return (approved hits, proposal hits) of each sentence, all under one glossary version."""
        state = self._current()
        return [(list(a), list(p)) for a, p in (self._lookup(state, s) for s in sentences)]

    @staticmethod
    def _lookup(state: _State, sentence: str) -> tuple[list[TermHit], list[TermHit]]:
        # an open document asks for all its sentences after every glossary change, and a
        # document with several editors open asks several times: the hits are kept per version
        found = state.found.get(sentence)
        if found is None:
            if not state.approved and not state.proposed:
                return [], []
            tokens = [t for t in tokenize(sentence) if t.kind != PUNCT]
            found = (_find(sentence, tokens, state.approved), _find(sentence, tokens, state.proposed))
            if len(state.found) >= _MAX_FOUND:
                state.found.clear()
            state.found[sentence] = found
        return found

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
