"""Documents in the editor: creation, pre-translation, confirming into the memory, export.

The web views call this; nothing here knows about HTTP.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tm.errors import Busy, TMError
from tm.formats.tmx import write_tmx
from tm.glossary import Glossary
from tm.lang import PUNCT, tokenize
from tm.memory import TranslationMemory
from tm.pretranslate import TranslatorSource, pretranslate
from tm.qa import check
from tm.segment import Document, Paragraph, Segment, segment
from tm.store.base import Store
from tm.store.records import DocRow, SegmentRow, Unit, context_hash

MAX_SEGMENTS = 5000


def word_count(text: str) -> int:
    """Count the words of a text as CAT tools do (numbers count, punctuation does not)."""
    return sum(1 for t in tokenize(text) if t.kind != PUNCT)


def layout_of(doc: Document) -> dict[str, Any]:
    """Return what is stored of a document's layout: its paragraphs and leading space."""
    return {"before": doc.before, "paragraphs": doc.to_json()}


def layout_document(layout: dict[str, Any]) -> Document:
    """Rebuild a segmented Document from its stored JSON layout."""
    doc = Document(before=layout["before"])
    for p in layout["paragraphs"]:
        doc.paragraphs.append(
            Paragraph([Segment(s["text"], s["after"]) for s in p["segments"]], p["before"], p["after"])
        )
    return doc


@dataclass
class Documents:
    """The editor's operations on documents, over one memory (and its store) and a glossary."""

    memory: TranslationMemory
    glossary: Glossary

    @property
    def store(self) -> Store:
        return self.memory.store

    def create(self, title: str, text: str, owner: str) -> int:
        """Segment text and store it as a new document waiting for pre-translation."""
        doc = segment(text)
        sources = [(i, s.text) for i, p in enumerate(doc.paragraphs) for s in p.segments]
        if not sources:
            raise TMError("the text is empty: paste an Arabic article or choose a .txt file")
        if len(sources) > MAX_SEGMENTS:
            raise TMError(
                f"the text has {len(sources)} sentences; split it into parts of at most {MAX_SEGMENTS}"
            )
        title = title.strip() or sources[0][1][:60]
        return self.store.documents.add(title, owner, layout_of(doc), word_count(text), sources)

    def pretranslate(
        self,
        doc_id: int,
        translator: TranslatorSource,
        *,
        min_score: int = 75,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        """Draft every segment (memory, then MT), recording progress as it goes."""
        row = self.store.documents.get(doc_id)
        doc = layout_document(row.layout)
        self.store.documents.set_state(doc_id, status="translating", progress=0)
        done = 0

        def progress(n: int) -> None:
            nonlocal done
            done += n
            if done % 10 == 0:
                try:
                    self.store.documents.set_state(doc_id, progress=done)
                except Busy:  # progress is advisory: a busy memory must not fail the drafting
                    pass
                if on_progress is not None:
                    on_progress(done)

        try:
            result = pretranslate(
                doc,
                self.memory,
                translator=translator,
                glossary=self.glossary,
                min_score=min_score,
                progress=progress,
            )
        except Exception as e:
            self.store.documents.set_state(doc_id, status="failed", note=f"pre-translation failed: {e}")
            raise
        drafts = []
        for s in result.segments:
            drafts.append(
                {
                    "idx": s.index,
                    "target": s.target,
                    "origin": s.origin,
                    "score": s.score,
                    "unit_id": s.unit_id,
                    "mt_draft": s.mt_draft,
                    "repeat_of": s.repeat_of,
                    "info": {
                        "matches": [m.to_json() for m in s.matches],
                        "terms": [h.to_json() for h in s.terms],
                        "qa": [q.to_json() for q in s.qa],
                        "adapted": [{"memory": a, "new": b} for a, b in s.changes],
                    },
                }
            )
        self.store.documents.set_drafts(doc_id, drafts)
        self.store.documents.set_state(
            doc_id, status="ready", progress=len(drafts), note=result.mt_error or ""
        )

    # -- editing ----------------------------------------------------------------

    def _info(self, seg: SegmentRow, target: str) -> dict[str, Any]:
        hits = self.glossary.hits(seg.source)
        qa = check(seg.source, target, hits) if target.strip() or seg.status != "draft" else []
        return {**seg.info, "terms": [h.to_json() for h in hits], "qa": [q.to_json() for q in qa]}

    def save(self, doc_id: int, idx: int, target: str, user: str, version: int | None) -> SegmentRow:
        """Autosave an edit as a draft (a confirmed segment that changes goes back to draft)."""
        seg = self.store.documents.segment(doc_id, idx)
        status = seg.status if target == seg.target else "draft"
        return self.store.documents.save_segment(
            doc_id,
            idx,
            target=target,
            status=status,
            user=user,
            expected_version=version,
            info=self._info(seg, target),
        )

    def confirm(
        self,
        doc_id: int,
        idx: int,
        target: str,
        user: str,
        version: int | None,
        *,
        approve: bool = False,
        propagate: bool = True,
    ) -> list[SegmentRow]:
        """Confirm (or approve) a segment: it goes into the memory with its MT draft and author.

        Unconfirmed repetitions of the same sentence in the document get the same translation
        when `propagate` is set. Returns every segment that changed.
        """
        if not target.strip():
            raise TMError("an empty translation cannot be confirmed")
        docs = self.store.documents
        # only this segment, its neighbours (the context) and its repetitions are read
        before, seg, after = docs.neighbours(doc_id, idx)
        status = "approved" if approve else "confirmed"
        context = context_hash(before.source if before else None, after.source if after else None)
        title = docs.get(doc_id, layout=False).title
        with self.store.transaction():
            saved = docs.save_segment(
                doc_id,
                idx,
                target=target,
                status=status,
                user=user,
                expected_version=version,
                info=self._info(seg, target),
            )
            self.memory.confirm(
                seg.source,
                target,
                author=user,
                mt_draft=seg.mt_draft,
                context=context,
                meta={"document": title},
            )
            changed = [saved]
            if propagate:
                for other in docs.repetitions(doc_id, idx, status="draft"):
                    changed.append(
                        docs.save_segment(
                            doc_id,
                            other.idx,
                            target=target,
                            status="confirmed",
                            user=user,
                            info=self._info(other, target),
                        )
                    )
        # the index learns the confirmed unit now that it is committed
        self.memory.learn_committed()
        return changed

    def revert(self, doc_id: int, idx: int, user: str, version: int | None) -> SegmentRow:
        """Put the pre-translation draft back."""
        seg = self.store.documents.segment(doc_id, idx)
        return self.store.documents.save_segment(
            doc_id,
            idx,
            target=seg.draft,
            status="draft",
            user=user,
            expected_version=version,
            info=self._info(seg, seg.draft),
        )

    # -- output -----------------------------------------------------------------

    def english(self, doc_id: int) -> str:
        """Rebuild the document in English; segments without a translation keep their Arabic."""
        row = self.store.documents.get(doc_id)
        segs = self.store.documents.segments(doc_id)
        return layout_document(row.layout).rebuild(s.target if s.target.strip() else s.source for s in segs)

    def confirmed_tmx(self, doc_id: int) -> str:
        """Return a TMX of the document's confirmed and approved segments."""
        row: DocRow = self.store.documents.get(doc_id)
        out = io.StringIO()
        units = [
            Unit(
                s.idx + 1,
                s.source,
                s.target,
                "human",
                "ar",
                "en",
                s.mt_draft,
                s.changed_by,
                None,
                {"tmx": {"props": [["x-document", row.title]]}},
                s.changed_at or row.created_at,
                s.changed_at or row.created_at,
                s.version,
            )
            for s in self.store.documents.segments(doc_id)
            if s.status in ("confirmed", "approved")
        ]
        write_tmx(out, units)
        return out.getvalue()
