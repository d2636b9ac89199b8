"""Changing a document's sentences: autosave, confirm, approve, reject, revert and restore.

Every change checks the user's rights inside the transaction that makes it, records an
honest origin (how the English came to be) and keeps the segment's own history for undo.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from tm.errors import Forbidden, NotFound, QABlocked, TMError
from tm.qa import Issue, blocking, check
from tm.rights import require_write
from tm.store.records import MAX_COMMENT, Comment, DocRow, SegmentChange, SegmentRow, User, context_hash, now
from tm.textcheck import MAX_TARGET, check_typed, is_blank

if TYPE_CHECKING:
    from tm.glossary import Glossary
    from tm.memory import TranslationMemory
    from tm.store.base import Store

MATCH_ORIGINS = ("context", "exact", "fuzzy", "adapted")
# an English sharing less than this with the draft (rapidfuzz ratio over words, 0-100) was written anew
SCRATCH_BELOW = 30


def _same(a: str | None, b: str | None) -> bool:
    """Tell whether two Englishes are the same text, whatever the spaces (a trailing one, an NBSP)."""
    return a is not None and b is not None and a.split() == b.split()


def provenance(seg: SegmentRow, target: str) -> str:
    """Say how a confirmed English came to be from what the translator was given.

    The MT draft unchanged or edited, a memory match (the draft or one inserted from the
    match panel) unchanged or edited, or written from scratch: no draft, or too little of it
    kept. A match that was itself raw MT stays MT: reusing it does not make it a person's work.
    Differences of spacing alone are no edit.
    """
    matches = seg.info.get("matches", [])
    if seg.mt_draft and _same(target, seg.mt_draft):
        return "mt-unchanged"
    for m in matches:
        if _same(target, m.get("target")):
            return "mt-unchanged" if m.get("provenance") == "mt-unchanged" else "match-unchanged"
    # the memory unit the draft came from (none for an MT draft)
    source = next((m for m in matches if seg.unit_id is not None and m.get("unit_id") == seg.unit_id), None)
    from_mt = seg.origin == "mt" or (source is not None and source.get("provenance") == "mt-unchanged")
    if seg.origin in MATCH_ORIGINS and _same(target, seg.draft):
        return "mt-unchanged" if from_mt else "match-unchanged"
    base = seg.draft if seg.draft.strip() else (seg.mt_draft or "")
    if not base.strip() or fuzz.ratio(base.lower().split(), target.lower().split()) < SCRATCH_BELOW:
        return "scratch"
    return "mt-edited" if from_mt or seg.origin not in MATCH_ORIGINS else "match-edited"


class Editing:
    """The sentence-changing operations of Documents (a mixin over its memory and glossary)."""

    memory: TranslationMemory
    glossary: Glossary

    @property
    def store(self) -> Store:
        return self.memory.store

    def _writable(self, doc_id: int, user: User) -> DocRow:
        """Check, inside the caller's transaction, that the user may change the document's sentences."""
        doc = self.store.documents.get(doc_id, layout=False)
        require_write(user, doc)
        if doc.stage == "new":  # the first change starts the translation
            self.store.documents.set_stage(doc_id, "translating", expected="new")
        return doc

    def _qa(self, seg: SegmentRow, target: str) -> tuple[dict[str, Any], list[Issue]]:
        hits = self.glossary.hits(seg.source)
        qa = check(seg.source, target, hits) if target.strip() or seg.status != "draft" else []
        info = {**seg.info, "terms": [h.to_json() for h in hits], "qa": [q.to_json() for q in qa]}
        return info, qa

    def qa_info(self, seg: SegmentRow, target: str) -> dict[str, Any]:
        """Return the segment's info with its glossary terms and the QA findings of target, now."""
        return self._qa(seg, target)[0]

    def start_writing(self, doc_id: int, user: User) -> DocRow:
        """Check that the user may change the document's sentences; a new document starts translating."""
        with self.store.transaction():
            return self._writable(doc_id, user)

    def save(self, doc_id: int, idx: int, target: str, user: User, version: int | None) -> SegmentRow:
        """Autosave an edit as a draft (a confirmed segment that changes goes back to draft)."""
        check_typed(target, "English", limit=MAX_TARGET)
        with self.store.transaction():
            self._writable(doc_id, user)
            seg = self.store.documents.segment(doc_id, idx)
            status = seg.status if target == seg.target else "draft"
            return self.store.documents.save_segment(
                doc_id,
                idx,
                target=target,
                status=status,
                user=user.name,
                expected_version=version,
                info=self.qa_info(seg, target),
            )

    def confirm(
        self,
        doc_id: int,
        idx: int,
        target: str,
        user: User,
        version: int | None,
        *,
        approve: bool = False,
        propagate: bool = True,
        override: bool = False,
    ) -> list[SegmentRow]:
        """Confirm (or, for reviewers and admins, approve) a segment into the memory.

        Blocking QA findings (BLOCKING) refuse the confirm with QABlocked unless `override`
        is set; the override is recorded on the segment and in the unit's history. The unit
        records how its English came to be (provenance) and, when approved, who approved it.
        Unconfirmed repetitions of the sentence get the same English when `propagate` is set.
        Returns every segment that changed.
        """
        if is_blank(target):
            raise TMError("an empty translation cannot be confirmed")
        check_typed(target, "English", limit=MAX_TARGET)
        if approve and user.role not in ("reviewer", "admin"):
            raise Forbidden("only reviewers and admins approve sentences; confirm it instead")
        docs = self.store.documents
        with self.store.transaction():
            doc = self._writable(doc_id, user)
            # only this segment, its neighbours (the context) and its repetitions are read
            before, seg, after = docs.neighbours(doc_id, idx)
            info, qa = self._qa(seg, target)
            stops = blocking(qa)
            if stops and not override:
                raise QABlocked(idx, stops)
            codes = [i.code for i in stops] or None
            if codes:
                info["override"] = {"by": user.name, "at": now(), "codes": codes}
            else:
                info.pop("override", None)
            # a reviewer signing off the translator's English keeps its author and provenance
            signed_off = approve and target == seg.target and seg.status != "draft" and seg.provenance
            prov = seg.provenance if signed_off else provenance(seg, target)
            author = (seg.changed_by or user.name) if signed_off else user.name
            status, action = ("approved", "approve") if approve else ("confirmed", "confirm")
            # confirmed (or approved) already, with this English and these overrides: nothing to
            # write, and no new version or history entry saying nothing happened
            unchanged = (
                target == seg.target
                and seg.status == status
                and seg.rejected_by is None
                and version in (None, seg.version)
                and codes == (seg.info.get("override") or {}).get("codes")
            )
            saved = seg
            if not unchanged:
                saved = docs.save_segment(
                    doc_id,
                    idx,
                    target=target,
                    status=status,
                    user=user.name,
                    expected_version=version,
                    info=info,
                    action=action,
                    provenance=prov,
                    rejected_by=None,
                )
                self.memory.confirm(
                    seg.source,
                    target,
                    author=author,
                    mt_draft=seg.mt_draft,
                    context=context_hash(before.source if before else None, after.source if after else None),
                    meta={"document": doc.title, **({"tags": t} if (t := seg.info.get("tags")) else {})},
                    status=status,
                    reviewer=user.name if approve else None,
                    provenance=prov,
                    qa_override=codes,
                    changed_by=user.name,
                )
                if approve:  # the approval answers the reviewers' own reasons for sending it back
                    for c in self.store.comments.for_document(doc_id, idx):
                        if c.kind == "rejection" and c.id == c.thread_id and c.resolved_at is None:
                            self.store.comments.resolve(c.id, user.name)
            changed = [saved]
            if propagate:
                # only repetitions still holding their untouched draft: never a person's typing or
                # a sentence the reviewer sent back
                for other in docs.repetitions(doc_id, idx, status="draft"):
                    if other.rejected_by is not None or other.target != other.draft:
                        continue
                    changed.append(
                        docs.save_segment(
                            doc_id,
                            other.idx,
                            target=target,
                            status=status,
                            user=user.name,
                            info=self.qa_info(other, target),
                            action=action,
                            provenance=prov,
                            rejected_by=None,
                        )
                    )
        # the index learns the confirmed unit now that it is committed
        self.memory.learn_committed()
        return changed

    def reject(
        self, doc_id: int, idx: int, user: User, version: int | None, reason: str
    ) -> tuple[SegmentRow, Comment]:
        """Send a sentence back to the translator with the reviewer's reason (a comment thread)."""
        reason = reason.strip()
        if is_blank(reason):
            raise TMError("say why the sentence is rejected: the translator reads it in the comment")
        check_typed(reason, "reason", limit=MAX_COMMENT)
        if user.role not in ("reviewer", "admin"):
            raise Forbidden("only reviewers and admins reject sentences; leave a comment instead")
        with self.store.transaction():
            self._writable(doc_id, user)
            seg = self.store.documents.segment(doc_id, idx)
            saved = self.store.documents.save_segment(
                doc_id,
                idx,
                target=seg.target,
                status="draft",
                user=user.name,
                expected_version=version,
                action="reject",
                rejected_by=user.name,
            )
            comment = self.store.comments.add(doc_id, idx, user.name, reason, kind="rejection")
        return saved, comment

    def revert(self, doc_id: int, idx: int, user: User, version: int | None) -> SegmentRow:
        """Put the pre-translation draft back."""
        return self._put_back(doc_id, idx, user, version, "revert", lambda seg: seg.draft)

    def restore(self, doc_id: int, idx: int, change_id: int, user: User, version: int | None) -> SegmentRow:
        """Put an earlier English of the segment back from its history, as a draft (undo)."""

        def earlier(seg: SegmentRow) -> str:
            found = [c for c in self.store.documents.history(doc_id, idx, limit=10**6) if c.id == change_id]
            if not found:
                raise NotFound(f"sentence {idx + 1} has no change {change_id} to go back to")
            return found[0].target

        return self._put_back(doc_id, idx, user, version, "restore", earlier)

    def _put_back(
        self,
        doc_id: int,
        idx: int,
        user: User,
        version: int | None,
        action: str,
        english: Callable[[SegmentRow], str],
    ) -> SegmentRow:
        """Make a segment a draft again with the English `english` picks, as `action` in its history."""
        with self.store.transaction():
            self._writable(doc_id, user)
            seg = self.store.documents.segment(doc_id, idx)
            target = english(seg)
            return self.store.documents.save_segment(
                doc_id,
                idx,
                target=target,
                status="draft",
                user=user.name,
                expected_version=version,
                info=self.qa_info(seg, target),
                action=action,
            )

    def history(self, doc_id: int, idx: int) -> list[SegmentChange]:
        """Return a segment's changes, newest first."""
        return self.store.documents.history(doc_id, idx)
