"""Whole-document pre-translation: memory first (101 -> 100 -> fuzzy/adapted), MT for the rest."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tm import tags
from tm.adapt import Adapted, adapt
from tm.errors import ModelUnavailable
from tm.glossary import Glossary, TermHit
from tm.lang import normalize
from tm.matching import PUNCT_PENALTY, PUNCT_PENALTY_MAX
from tm.memory import CONTEXT, EXACT, FUZZY, Match, TranslationMemory
from tm.mt import StreamingTranslator, Translator
from tm.qa import Issue, check
from tm.segment import Document

ADAPTED, MT, NONE = "adapted", "mt", "none"
DEFAULT_MIN = 75


@dataclass
class SegmentDraft:
    """One segment of a pre-translated document."""

    index: int
    paragraph: int
    source: str
    target: str
    origin: str  # context | exact | fuzzy | adapted | mt | none
    score: int | None = None
    unit_id: int | None = None
    repeat_of: int | None = None
    matches: list[Match] = field(default_factory=list)
    terms: list[TermHit] = field(default_factory=list)
    qa: list[Issue] = field(default_factory=list)
    changes: list[tuple[str, str]] = field(default_factory=list)
    mt_draft: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the stable JSON shape of a segment."""
        return {
            "index": self.index,
            "paragraph": self.paragraph,
            "source": self.source,
            "target": self.target,
            "origin": self.origin,
            "score": self.score,
            "unit_id": self.unit_id,
            "repeat_of": self.repeat_of,
            "adapted": [{"memory": a, "new": b} for a, b in self.changes],
            "terms": [h.to_json() for h in self.terms],
            "qa": [i.to_json() for i in self.qa],
            "matches": [m.to_json() for m in self.matches],
        }


@dataclass
class Pretranslation:
    """A document with a draft for each segment."""

    document: Document
    segments: list[SegmentDraft]
    mt_error: str | None = None
    engine: str | None = None
    model: str | None = None

    def text(self) -> str:
        """Rebuild the English document; segments without a draft keep their Arabic."""
        return self.document.rebuild(s.target if s.origin != NONE else s.source for s in self.segments)

    def counts(self) -> dict[str, int]:
        """Return how many segments came from each origin."""
        return dict(Counter(s.origin for s in self.segments))

    def to_json(self) -> dict[str, Any]:
        """Return the stable JSON shape: segments, origin counts, engine and any MT error."""
        return {
            "segments": [s.to_json() for s in self.segments],
            "counts": self.counts(),
            "engine": self.engine,
            "model": self.model,
            "mt_error": self.mt_error,
        }


TranslatorSource = Translator | Callable[[], Translator] | None


def pretranslate(
    doc: Document,
    memory: TranslationMemory,
    *,
    translator: TranslatorSource = None,
    glossary: Glossary | None = None,
    min_score: int = DEFAULT_MIN,
    batch_size: int = 16,
    progress: Callable[[int], None] | None = None,
    on_draft: Callable[[SegmentDraft], None] | None = None,
    before_mt: Callable[[], None] | None = None,
) -> Pretranslation:
    """Draft every segment: in-context, exact, adapted or fuzzy from memory, else MT.

    `translator` may be a function that loads one; it is called only when some segment
    needs MT. When no model can be loaded, those segments get origin `none` and the
    reason is in `mt_error`; everything from the memory is still there. `progress(1)` is
    called once for each segment as it gets its draft: from the memory while the segments
    are looked up, from MT as each batch comes back. `on_draft(segment)` is called once for
    each segment, finished (QA included), in the same order: memory drafts first, then MT
    drafts as they are ready (an engine that streams sends its shortest sentences first),
    then the segments left without a draft. `before_mt()` is called once the memory's drafts
    are all out, before an engine is loaded (only when some segment needs MT).

    A streaming engine (`translate_stream`) gets every sentence at once and batches them by
    its own options (tokens, length order, all cores); any other gets batches of
    `batch_size` sentences in document order.
    """

    # progress counts drafted segments, one call each: those from the memory as they are
    # looked up, the others as their MT batch comes back, so a progress bar moves during MT
    def report(n: int) -> None:
        if progress is not None:
            for _ in range(n):
                progress(1)

    def finish(draft: SegmentDraft) -> None:
        draft.qa = check(draft.source, draft.target, draft.terms) if draft.origin != NONE else []
        finished.add(draft.index)
        if on_draft is not None:
            on_draft(draft)

    finished: set[int] = set()
    paragraphs = [i for i, p in enumerate(doc.paragraphs) for _ in p.segments]
    segments = list(doc.segments())
    contexts = doc.contexts()
    drafts: list[SegmentDraft] = []
    first_seen: dict[str, int] = {}
    for i, seg in enumerate(segments):
        norm = normalize(seg.text)
        draft = SegmentDraft(i, paragraphs[i], seg.text, "", NONE)
        first = first_seen.setdefault(norm, i)
        draft.repeat_of = first if first != i else None
        draft.terms = glossary.hits(seg.text) if glossary else []
        draft.matches = memory.lookup(seg.text, context=contexts[i], min_score=min_score, limit=5)
        _from_memory(draft)
        drafts.append(draft)
        if draft.origin != NONE or not draft.source.strip():
            finish(draft)
            report(1)

    result = Pretranslation(doc, drafts)
    need = [d for d in drafts if d.origin == NONE and d.source.strip()]
    if need:
        if before_mt is not None:
            before_mt()
        engine = _engine(translator, result)
        if engine is not None:
            result.engine, result.model = engine.engine, engine.model_id
            # MT sees no inline tags; those at a sentence's edges go back around its output
            masked = {d.index: tags.strip(Glossary.mask(d.source, d.terms)) for d in need}
            waiting: dict[str, list[SegmentDraft]] = {}
            for d in need:  # repetitions go to the engine once
                waiting.setdefault(masked[d.index], []).append(d)
            unique = list(waiting)
            for batch in _batches(engine, unique, batch_size):
                for j, output in batch:
                    for d in waiting[unique[j]]:
                        lead, trail = tags.edges(d.source)
                        d.mt_draft = lead + Glossary.restore(output, d.terms) + trail
                        d.target, d.origin = d.mt_draft, MT
                        finish(d)
                report(sum(len(waiting[unique[j]]) for j, _ in batch))
        else:
            report(len(need))
    for d in drafts:
        if d.index not in finished:
            finish(d)
    return result


def _batches(engine: Translator, unique: list[str], batch_size: int) -> Iterator[list[tuple[int, str]]]:
    """Yield (index in unique, output) batches: as the engine streams them, else in fixed batches."""
    if isinstance(engine, StreamingTranslator):
        yield from engine.translate_stream(unique)
        return
    step = max(1, batch_size)
    for start in range(0, len(unique), step):
        chunk = unique[start : start + step]
        yield list(enumerate(engine.translate(chunk), start))


def _from_memory(draft: SegmentDraft) -> None:
    """Take the best memory match: 101/100 as is, a fuzzy one adapted when only numbers differ."""
    if not draft.matches:
        return
    best = draft.matches[0]
    draft.unit_id = best.unit.id
    if best.kind in (CONTEXT, EXACT):
        draft.target, draft.origin, draft.score = best.target, best.kind, best.score
        return
    adapted = adapt_match(best, draft.source)
    if adapted is not None:
        draft.target, draft.origin, draft.changes = adapted.target, ADAPTED, adapted.changes
        draft.score = adapted.score
        return
    if best.kind == FUZZY:
        draft.target, draft.origin, draft.score = best.target, FUZZY, best.score


def adapt_match(match: Match, source: str) -> Adapted | None:
    """Return a fuzzy match's English adapted to source, when only numbers, months or weekdays
    differ (None otherwise), with the score an adapted draft gets (the editor's panel offers it
    with that score too, so that the badge and the panel agree)."""
    if match.kind in (CONTEXT, EXACT):
        return None
    adapted = adapt(match.unit.source, match.target, source)
    if adapted is None:
        return None
    # what is left of the difference is punctuation only: score without the number penalties
    left = min(PUNCT_PENALTY_MAX, PUNCT_PENALTY * match.punct_changes)
    adapted.score = min(99, max(match.score, 100 - left))
    return adapted


def _engine(source: TranslatorSource, result: Pretranslation) -> Translator | None:
    if source is None:
        result.mt_error = "no machine-translation model was given"
        return None
    if callable(source) and not hasattr(source, "translate"):
        try:
            return source()
        except ModelUnavailable as e:
            result.mt_error = str(e)
            return None
    return source  # type: ignore[return-value]
