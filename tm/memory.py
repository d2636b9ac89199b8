"""TranslationMemory: lookup (101/100/fuzzy), adding and confirming units, concordance."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tm import tags
from tm.candidates import CandidateIndex, LocalIndex
from tm.errors import TMError
from tm.index import Candidate
from tm.lang import PUNCT, Token, light_stem, normalize, tokenize
from tm.matching import DiffChunk, diff, score
from tm.store.base import Store
from tm.store.records import NewUnit, Unit, context_hash

CONTEXT, EXACT, FUZZY = "context", "exact", "fuzzy"
log = logging.getLogger("tm.memory")


@dataclass
class Match:
    """A memory unit that matches a query, with its CAT score and the differences."""

    kind: str
    score: int
    unit: Unit
    diff: list[DiffChunk] = field(default_factory=list)
    changed_numbers: list[tuple[str, str]] = field(default_factory=list)
    punct_changes: int = 0
    # the unit's English with its tags numbered as the query's (tm.tags); None: the unit's own
    tagged: str | None = None

    @property
    def target(self) -> str:
        """Return the English to reuse: the unit's, its inline tags renumbered for the query."""
        return self.unit.target if self.tagged is None else self.tagged

    def to_json(self) -> dict[str, Any]:
        """Return the stable JSON shape of a match."""
        return {
            "kind": self.kind,
            "score": self.score,
            "source": self.unit.source,
            "target": self.target,
            "unit_id": self.unit.id,
            "origin": self.unit.origin,
            "author": self.unit.author,
            "changed_at": self.unit.changed_at,
            "status": self.unit.status,
            "reviewer": self.unit.reviewer,
            "provenance": self.unit.provenance,
            # the blocking QA findings its English was confirmed over, if any: reuse it knowingly
            "qa_override": self.unit.meta.get("qa_override"),
            "numbers": [{"memory": m, "query": q} for m, q in self.changed_numbers],
            "diff": [c.to_json() for c in self.diff],
        }


@dataclass
class ConcordanceHit:
    """A unit containing the searched words, with (start, end) spans in the original texts."""

    unit: Unit
    source_spans: list[tuple[int, int]]
    target_spans: list[tuple[int, int]]

    def to_json(self) -> dict[str, Any]:
        """Return the stable JSON shape of a concordance hit."""
        return {
            "unit_id": self.unit.id,
            "source": self.unit.source,
            "target": self.unit.target,
            "source_spans": [list(s) for s in self.source_spans],
            "target_spans": [list(s) for s in self.target_spans],
            "origin": self.unit.origin,
            "changed_at": self.unit.changed_at,
        }


def _find_phrase(tokens: list[Token], words: list[str], key) -> list[tuple[int, int]]:
    """Return the original spans where the word sequence occurs (punctuation skipped)."""
    toks = [t for t in tokens if t.kind != PUNCT]
    keys = [key(t.text) for t in toks]
    n = len(words)
    spans = []
    for i in range(len(toks) - n + 1):
        if keys[i : i + n] == words:
            spans.append((toks[i].start, toks[i + n - 1].end))
    return spans


class TranslationMemory:
    """A store plus its candidate index: what the CLI and the web editor talk to."""

    def __init__(
        self,
        store: Store,
        *,
        index: CandidateIndex | None = None,
        save_index: bool = True,
        background: bool = False,
        feed_every: float = 0.0,
    ):
        self.store = store
        # not `index or ...`: an empty index is falsy (it has a length)
        self.index: CandidateIndex = (
            index
            if index is not None
            else LocalIndex(store, save=save_index, background=background, feed_every=feed_every)
        )

    @classmethod
    def open(cls, location: str, *, create: bool = True, busy_wait: float | None = None) -> TranslationMemory:
        """Open the memory at a path (SQLite) or URL."""
        from tm.store import open_store

        return cls(open_store(location, create=create, busy_wait=busy_wait))

    def close(self) -> None:
        """Save the index if it has unsaved changes and close the store."""
        try:
            self.index.close()
        finally:
            self.store.close()

    def sync(self) -> None:
        """Bring the candidate index up to date with committed changes (after, not in, a transaction)."""
        if self.store.in_transaction:
            # The index learns committed changes only, and learning someone else's import
            # here would hold the write lock while it works: the caller syncs after commit.
            return
        self.index.refresh()

    def expect_units(self, norms: Iterable[str]) -> None:
        """Let the index prepare for units about to be committed (a large import's, during its swap)."""
        self.index.expect(norms)

    def learn_committed(self) -> None:
        """Sync after a change was committed; a failure here must not report the change as failed.

        The change is in the memory whatever happens next; the index learns it at the next lookup.
        """
        try:
            self.sync()
        except TMError as e:
            log.warning("the fuzzy index will learn the last change later: %s", e)

    # -- lookup ---------------------------------------------------------------

    def lookup(
        self,
        text: str,
        context: tuple[str | None, str | None] | str | None = None,
        min_score: int = 70,
        limit: int = 5,
    ) -> list[Match]:
        """Return matches for text, best first: in-context 101, exact 100, then fuzzy.

        `context` is the (previous, next) source segment or a context hash from
        `context_hash`; a unit stored with the same context is an in-context match.
        """
        norm = normalize(text)
        ctx = context_hash(*context) if isinstance(context, tuple) else context
        matches: list[Match] = []
        units = self.store.units
        exact = units.find_source(norm)
        # an approved translation first, then the newest (sorts are stable)
        exact.sort(key=lambda u: u.changed_at, reverse=True)
        exact.sort(key=lambda u: u.status != "approved")
        for u in exact:
            if ctx is not None and u.context == ctx:
                matches.append(Match(CONTEXT, 101, u))
        for u in exact:
            if not (ctx is not None and u.context == ctx):
                matches.append(Match(EXACT, 100, u))
        seen = {u.id for u in exact}
        if len(matches) < limit:
            candidates = [c for c in self.index.candidates(norm, min_score, limit) if c.unit_id not in seen]
            found = units.get_many([c.unit_id for c in candidates])
            # Every candidate is scored when tags change scores after scoring (_tagged), and
            # when the index may not know a unit's present source (its score is no ceiling).
            every = self.index.lagging or bool(tags.TAG.search(text))
            every = every or any(tags.TAG.search(u.source) for u in (*exact, *found.values()))
            matches.extend(_fuzzy(norm, candidates, found, min_score, limit - len(matches), every))
        if tags.TAG.search(text) or any(tags.TAG.search(m.unit.source) for m in matches):
            _tagged(text, matches)
        matches = matches[:limit]
        for m in matches:
            if m.kind == FUZZY:
                m.diff = diff(m.unit.source, text)
        return matches

    # -- changes --------------------------------------------------------------

    def add(
        self,
        source: str,
        target: str,
        *,
        origin: str = "human",
        author: str | None = None,
        mt_draft: str | None = None,
        context: tuple[str | None, str | None] | str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> Unit:
        """Add a unit (a new translation beside any others of the same source)."""
        ctx = context_hash(*context) if isinstance(context, tuple) else context
        unit = self.store.units.add(
            NewUnit(
                source,
                target,
                origin=origin,
                author=author,
                mt_draft=mt_draft,
                context=ctx,
                meta=meta or {},
            )
        )
        self.learn_committed()
        return unit

    def confirm(
        self,
        source: str,
        target: str,
        *,
        author: str | None,
        mt_draft: str | None = None,
        context: tuple[str | None, str | None] | str | None = None,
        meta: dict[str, Any] | None = None,
        status: str = "confirmed",
        reviewer: str | None = None,
        provenance: str | None = None,
        qa_override: list[str] | None = None,
        changed_by: str | None = None,
    ) -> Unit:
        """Record a translator's confirmed (or a reviewer's approved) translation.

        The unit of the same original source (and context, when given) is updated, so
        the memory keeps one current translation per sentence and the old one in its
        history; otherwise a new unit is added. `author` wrote the English, `changed_by`
        (default: the author) made this change, `reviewer` approved it; `provenance` says
        how the English came to be and `qa_override` which blocking QA findings were overridden.
        """
        ctx = context_hash(*context) if isinstance(context, tuple) else context
        if tags.TAG.search(source):  # the memory keeps inline tags numbered 1, 2, ... (tm.tags)
            source, mapping = tags.canonical(source)
            target = tags.renumber(target, mapping)
            mt_draft = tags.renumber(mt_draft, mapping) if mt_draft else mt_draft
            if meta and "tags" in meta:  # what each tag stands for, under its new number
                table = tags.table_from_json(meta["tags"])
                renumbered = {mapping[n]: t for n, t in table.items() if n in mapping}
                meta = {**meta, "tags": tags.table_json(renumbered)}
        units = self.store.units
        meta = {k: v for k, v in (meta or {}).items() if k != "qa_override"}
        if qa_override:  # on the unit too, so that a match shows it was confirmed over QA
            meta["qa_override"] = qa_override
        with self.store.transaction():
            same = [u for u in units.find_source(normalize(source)) if u.source == source]
            same.sort(key=lambda u: (u.context != ctx, u.id))
            if same and (ctx is None or same[0].context in (ctx, None)):
                old = same[0]
                if (
                    old.target == target
                    and (ctx is None or old.context == ctx)
                    and (old.status, old.reviewer) == (status, reviewer)
                    and provenance in (None, old.provenance)
                    and not qa_override
                    and "qa_override" not in old.meta
                ):
                    return old
                unit = units.update(
                    old.id,
                    author=author,
                    target=target,
                    origin="human",
                    mt_draft=mt_draft if mt_draft is not None else old.mt_draft,
                    context=ctx if ctx is not None else old.context,
                    meta={**{k: v for k, v in old.meta.items() if k != "qa_override"}, **meta},
                    status=status,
                    reviewer=reviewer,
                    provenance=provenance if provenance is not None else old.provenance,
                    qa_override=qa_override,
                    changed_by=changed_by,
                )
            else:
                unit = self.store.units.add(
                    NewUnit(
                        source,
                        target,
                        author=author,
                        mt_draft=mt_draft,
                        context=ctx,
                        meta=meta or {},
                        status=status,
                        reviewer=reviewer,
                        provenance=provenance,
                        qa_override=qa_override,
                        changed_by=changed_by,
                    )
                )
        self.learn_committed()
        return unit

    def update(self, unit_id: int, **changes: Any) -> Unit:
        """Change a unit (see Store.update); the change goes into its history."""
        unit = self.store.units.update(unit_id, **changes)
        self.learn_committed()
        return unit

    def delete(self, unit_id: int, *, author: str | None, expected_version: int | None = None) -> None:
        """Delete a unit; its history records who deleted it and when."""
        self.store.units.delete(unit_id, author=author, expected_version=expected_version)
        self.learn_committed()

    # -- concordance ----------------------------------------------------------

    def concordance(self, text: str, *, side: str = "source", limit: int = 50) -> list[ConcordanceHit]:
        """Find units whose source (or target, or both) contains the words of text.

        Matching ignores diacritics, alef forms, digit shapes and Arabic proclitics
        (searching `المغرب` finds `والمغرب` and `بالمغرب`). Spans point into the originals.
        """
        if side not in ("source", "target", "both"):
            raise ValueError("side must be source, target or both")
        norm = normalize(text)
        words = [t.text for t in tokenize(norm) if t.kind != PUNCT]
        if not words:
            return []
        stems = [light_stem(w) for w in words]
        hits: dict[int, ConcordanceHit] = {}
        if side in ("source", "both"):
            ids = self.index.phrase_candidates(stems, limit * 4)
            for unit in self.store.units.get_many(ids).values():
                spans = _find_phrase(tokenize(unit.source), stems, light_stem)
                if spans:
                    hits[unit.id] = ConcordanceHit(unit, spans, [])
        if side in ("target", "both"):
            ids = self.store.units.target_candidates(words, limit * 4)
            for unit in self.store.units.get_many(ids).values():
                spans = _find_phrase(tokenize(unit.target), words, lambda w: w)
                if not spans:
                    continue
                if unit.id in hits:
                    hits[unit.id].target_spans = spans
                else:
                    hits[unit.id] = ConcordanceHit(unit, [], spans)
        result = sorted(hits.values(), key=lambda h: h.unit.changed_at, reverse=True)
        return result[:limit]


def _rank(score: int, unit: Unit) -> tuple[int, bool, str]:
    """Return the sort key of a fuzzy match: score, then approved, then newest (highest first)."""
    return score, unit.status == "approved", unit.changed_at


def _ceiling(base: float) -> int:
    """Return the highest score a unit of this word-level score can get (penalties only lower it)."""
    return 100 if base >= 100 else min(99, int(base + 0.5))


def _fuzzy(
    norm: str, candidates: list[Candidate], found: dict[int, Unit], min_score: int, wanted: int, every: bool
) -> list[Match]:
    """Score the candidates found in the store; return the fuzzy matches, best first.

    Unless `every`, only the first `wanted` are exact: a candidate is not scored when `wanted`
    matches already rank at least as high as it could (its score at most that of its index
    score with no penalty, its approval and date known), since the results are cut there.
    """
    fuzzy: list[Match] = []
    ranks: list[tuple[int, bool, str]] = []  # of the matches, highest first
    for c in candidates:
        unit = found.get(c.unit_id)
        if unit is None:
            continue
        if not every and len(ranks) >= wanted:
            # a match ranked as high comes first: it was a candidate before this one
            if ranks[wanted - 1] >= _rank(_ceiling(c.base), unit):
                continue
        s = score(normalize(unit.source), norm)
        if s.score >= min_score:
            m = Match(FUZZY, s.score, unit, [], s.changed_numbers, s.punct_changes)
            fuzzy.append(m)
            ranks.append(_rank(s.score, unit))
            ranks.sort(reverse=True)
    # best score first; among equals an approved translation, then the newest (a stable sort)
    fuzzy.sort(key=lambda m: _rank(m.score, m.unit), reverse=True)
    return fuzzy


def _tagged(text: str, matches: list[Match]) -> None:
    """Give matches the query's tag numbers and lower those whose tags differ (tm.tags.penalty).

    The memory keeps sentences with tags numbered 1, 2, ... (canonical); the query has them as
    they stand in its paragraph. A match whose tags differ scores less, like a changed number,
    and is no longer a 100 or 101: the order is best score first again.
    """
    _, mapping = tags.canonical(text)
    back = {new: old for old, new in mapping.items()}
    for m in matches:
        if tags.TAG.search(m.unit.target):
            m.tagged = tags.renumber(m.unit.target, back)
        lost = tags.penalty(text, m.unit.source)
        if lost:
            m.score = min(m.score, 100) - lost
            if m.kind != FUZZY:
                m.kind = FUZZY
    matches.sort(key=lambda m: m.score, reverse=True)
