"""The editor's documents and their segments in PostgreSQL (a part of the PostgreSQL store)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from tm.errors import NotFound, StaleSegment
from tm.lang import normalize
from tm.store.base import _UNSET
from tm.store.postgres.db import Database
from tm.store.records import (
    DOCUMENT_STATUSES,
    PRIORITIES,
    PROVENANCES,
    SEGMENT_STATUSES,
    STAGES,
    DocRow,
    SegmentChange,
    SegmentRow,
    SourceFile,
    check_day,
    iso,
    now,
    source_hash,
)

_DOC_COLS = (
    "id, title, owner, layout, words, status, progress, total, note, created_at, changed_at, job_id, "
    "translator, reviewer, deadline, priority, stage, format"
)
_SEG_COLS = (
    "document_id, idx, paragraph, source, target, draft, origin, score, unit_id, mt_draft, status, "
    "version, repeat_of, info, changed_by, changed_at, provenance, rejected_by"
)
# a person's autosaves of one segment closer together than this are one history entry
SAVE_RUN_SECONDS = 120


def _doc(row: tuple) -> DocRow:
    return DocRow(
        row[0], row[1], row[2], json.loads(row[3]), row[4], row[5], row[6], row[7], row[8], row[9],
        row[10], row[11], row[12], row[13], row[14], row[15], row[16], row[17],
    )  # fmt: skip


def _check_assignment(priority: str) -> None:
    if priority not in PRIORITIES:
        raise ValueError(f"priority must be one of {', '.join(PRIORITIES)}, not {priority!r}")


class PostgresDocuments:
    """The editor's documents and their segments."""

    def __init__(self, db: Database):
        self.db = db

    # -- documents -------------------------------------------------------------

    def add(
        self,
        title: str,
        owner: str,
        layout: dict[str, Any],
        words: int,
        sources: list[tuple[int, str]],
        *,
        translator: str | None = None,
        reviewer: str | None = None,
        deadline: str | None = None,
        priority: str = "normal",
        format: str = "text",
        file: SourceFile | None = None,
    ) -> int:
        """Store a new document (status translating, stage new) with its segments (paragraph, source)."""
        _check_assignment(priority)
        at = now()
        with self.db.transaction():
            cur = self.db.execute(
                "INSERT INTO documents (title, owner, layout, words, status, total, created_at, changed_at, "
                "translator, reviewer, deadline, priority, format) "
                "VALUES (%s, %s, %s, %s, 'translating', %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                (
                    title,
                    owner,
                    json.dumps(layout, ensure_ascii=False),
                    words,
                    len(sources),
                    at,
                    at,
                    translator,
                    reviewer,
                    deadline,
                    priority,
                    format,
                ),
            )
            doc_id = int(cur.fetchone()[0])
            if file is not None:
                self.db.execute(
                    "INSERT INTO document_files (document_id, name, data) VALUES (%s, %s, %s)",
                    (doc_id, file.name, file.data),
                )
            self.db.executemany(
                "INSERT INTO segments (document_id, idx, paragraph, source, source_key) "
                "VALUES (%s, %s, %s, %s, %s)",
                [(doc_id, i, p, s, source_hash(normalize(s))) for i, (p, s) in enumerate(sources)],
            )
        return doc_id

    def file(self, doc_id: int) -> SourceFile | None:
        """Return the file a document came from (None for a pasted text; NotFound for no document)."""
        self.get(doc_id, layout=False)
        sql = "SELECT name, data FROM document_files WHERE document_id=%s"
        row = self.db.execute(sql, (doc_id,)).fetchone()
        return SourceFile(row[0], bytes(row[1])) if row else None

    def get(self, doc_id: int, *, layout: bool = True) -> DocRow:
        """Return a document or raise NotFound; `layout=False` skips its (large) layout."""
        cols = _DOC_COLS if layout else _DOC_COLS.replace("layout", "'{}'")
        row = self.db.execute(f"SELECT {cols} FROM documents WHERE id=%s", (doc_id,)).fetchone()
        if row is None:
            raise NotFound(f"document {doc_id} does not exist")
        return _doc(row)

    def all(self) -> list[tuple[DocRow, dict[str, int]]]:
        """Return every document (without layouts), newest first, with its segment counts by status."""
        cols = _DOC_COLS.replace("layout", "'{}'")  # the list never needs the layouts
        docs = [_doc(r) for r in self.db.execute(f"SELECT {cols} FROM documents ORDER BY id DESC")]
        counts: dict[int, dict[str, int]] = {}
        for doc_id, status, n in self.db.execute(
            "SELECT document_id, status, COUNT(*) FROM segments GROUP BY 1, 2"
        ):
            counts.setdefault(doc_id, {})[status] = n
        return [(d, counts.get(d.id, {})) for d in docs]

    def set_state(
        self,
        doc_id: int,
        *,
        status: str | None = None,
        progress: int | None = None,
        note: str | None = None,
        job_id: int | None = None,
    ) -> None:
        """Record pre-translation progress, the status, a note (an MT error, say) and the job."""
        if status is not None and status not in DOCUMENT_STATUSES:
            raise ValueError(f"document status must be one of {', '.join(DOCUMENT_STATUSES)}")
        with self.db.transaction():
            for key, value in (
                ("status", status),
                ("progress", progress),
                ("note", note),
                ("job_id", job_id),
            ):
                if value is not None:
                    self.db.execute(
                        f"UPDATE documents SET {key}=%s, changed_at=%s WHERE id=%s", (value, now(), doc_id)
                    )

    def assign(
        self,
        doc_id: int,
        *,
        translator: str | None,
        reviewer: str | None,
        deadline: str | None,
        priority: str,
    ) -> None:
        """Set a document's translator, reviewer, deadline (YYYY-MM-DD) and priority (NotFound if none)."""
        _check_assignment(priority)
        with self.db.transaction():
            cur = self.db.execute(
                "UPDATE documents SET translator=%s, reviewer=%s, deadline=%s, priority=%s, changed_at=%s "
                "WHERE id=%s",
                (translator, reviewer, deadline, priority, now(), doc_id),
            )
            if cur.rowcount == 0:
                raise NotFound(f"document {doc_id} does not exist")

    def set_stage(self, doc_id: int, stage: str, *, expected: str | None = None) -> bool:
        """Move a document to a workflow stage; with `expected`, only from that stage.

        Returns whether it moved (False when another change moved it first). NotFound if none.
        """
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {', '.join(STAGES)}, not {stage!r}")
        with self.db.transaction():
            self.get(doc_id, layout=False)
            sql = "UPDATE documents SET stage=%s, changed_at=%s WHERE id=%s"
            args: list[Any] = [stage, now(), doc_id]
            if expected is not None:
                sql += " AND stage=%s"
                args.append(expected)
            return self.db.execute(sql, args).rowcount == 1

    def delete(self, doc_id: int) -> None:
        """Remove a document and its segments (the memory keeps what was confirmed)."""
        with self.db.transaction():
            self.get(doc_id, layout=False)
            self.db.execute("DELETE FROM documents WHERE id=%s", (doc_id,))

    # -- segments --------------------------------------------------------------

    def _segment(self, row: tuple) -> SegmentRow:
        return SegmentRow(
            row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9], row[10],
            row[11], row[12], json.loads(row[13]), row[14], row[15], row[16], row[17],
        )  # fmt: skip

    def segments(self, doc_id: int) -> list[SegmentRow]:
        """Return a document's segments in order."""
        rows = self.db.execute(
            f"SELECT {_SEG_COLS} FROM segments WHERE document_id=%s ORDER BY idx", (doc_id,)
        )
        return [self._segment(r) for r in rows]

    def segment(self, doc_id: int, idx: int) -> SegmentRow:
        """Return one segment or raise NotFound."""
        row = self.db.execute(
            f"SELECT {_SEG_COLS} FROM segments WHERE document_id=%s AND idx=%s", (doc_id, idx)
        ).fetchone()
        if row is None:
            raise NotFound(f"segment {idx} of document {doc_id} does not exist")
        return self._segment(row)

    def neighbours(self, doc_id: int, idx: int) -> tuple[SegmentRow | None, SegmentRow, SegmentRow | None]:
        """Return the segment before, the segment and the one after (NotFound if idx is not there)."""
        rows = {
            r[1]: self._segment(r)
            for r in self.db.execute(
                f"SELECT {_SEG_COLS} FROM segments WHERE document_id=%s AND idx BETWEEN %s AND %s",
                (doc_id, idx - 1, idx + 1),
            )
        }
        if idx not in rows:
            raise NotFound(f"segment {idx} of document {doc_id} does not exist")
        return rows.get(idx - 1), rows[idx], rows.get(idx + 1)

    def repetitions(self, doc_id: int, idx: int, *, status: str | None = None) -> list[SegmentRow]:
        """Return the other segments of the document with the same normalized source."""
        seg = self.segment(doc_id, idx)
        key = source_hash(normalize(seg.source))
        sql = f"SELECT {_SEG_COLS} FROM segments WHERE document_id=%s AND source_key=%s AND idx != %s"
        args: list[Any] = [doc_id, key, idx]
        if status is not None:
            sql += " AND status=%s"
            args.append(status)
        # no ORDER BY: Postgres would walk the whole document in idx order instead of the key's index
        rows = sorted((self._segment(r) for r in self.db.execute(sql, args)), key=lambda r: r.idx)
        # the key is a hash: compare the text too
        norm = normalize(seg.source)
        return [r for r in rows if normalize(r.source) == norm]

    def set_drafts(self, doc_id: int, drafts: Iterable[dict[str, Any]]) -> None:
        """Store pre-translation results: target = draft, origin, score, unit, MT draft, info.

        A segment a person has saved or confirmed keeps its English, status and version: it
        only gets the new draft and MT draft (what "back to the draft" offers).
        """
        rows = [{**d, "doc": doc_id, "info": json.dumps(d["info"], ensure_ascii=False)} for d in drafts]
        with self.db.transaction():
            self.db.executemany(
                "UPDATE segments SET target=%(target)s, draft=%(target)s, origin=%(origin)s, "
                "score=%(score)s, unit_id=%(unit_id)s, mt_draft=%(mt_draft)s, repeat_of=%(repeat_of)s, "
                "info=%(info)s "
                "WHERE document_id=%(doc)s AND idx=%(idx)s AND changed_by IS NULL",
                rows,
            )
            # the draft as the first entry of an untouched segment's history (undo goes back to it);
            # drafted again (a resumed job, "Draft it again"), that entry gets the new draft
            marks = [{"doc": doc_id, "idx": d["idx"], "at": now()} for d in rows]
            self.db.executemany(
                "UPDATE segment_history SET target=s.target, at=%(at)s FROM segments s "
                "WHERE s.document_id=%(doc)s AND s.idx=%(idx)s AND s.changed_by IS NULL "
                "AND segment_history.document_id=s.document_id AND segment_history.idx=s.idx "
                "AND segment_history.action='draft' AND segment_history.version=s.version",
                marks,
            )
            self.db.executemany(
                "INSERT INTO segment_history (document_id, idx, version, target, status, action, at) "
                "SELECT document_id, idx, version, target, status, 'draft', %(at)s FROM segments s "
                "WHERE document_id=%(doc)s AND idx=%(idx)s AND changed_by IS NULL AND NOT EXISTS "
                "(SELECT 1 FROM segment_history h WHERE h.document_id=s.document_id AND h.idx=s.idx "
                "AND h.action='draft' AND h.version=s.version)",
                marks,
            )
            self.db.executemany(
                "UPDATE segments SET draft=%(target)s, mt_draft=%(mt_draft)s "
                "WHERE document_id=%(doc)s AND idx=%(idx)s AND changed_by IS NOT NULL",
                rows,
            )

    def save_segment(
        self,
        doc_id: int,
        idx: int,
        *,
        target: str,
        status: str,
        user: str,
        expected_version: int | None = None,
        info: dict | None = None,
        action: str = "save",
        provenance: str | None = _UNSET,
        rejected_by: str | None = _UNSET,
    ) -> SegmentRow:
        """Save a segment's target and status; a save based on an older version is refused.

        The change goes into the segment's history as `action`; a person's autosaves within
        SAVE_RUN_SECONDS of their previous one update that entry instead of adding one.
        """
        if status not in SEGMENT_STATUSES:
            raise ValueError(f"segment status must be one of {', '.join(SEGMENT_STATUSES)}")
        if provenance is not _UNSET and provenance is not None and provenance not in PROVENANCES:
            raise ValueError(f"provenance must be one of {', '.join(PROVENANCES)}")
        at = now()
        with self.db.transaction():
            old = self.segment(doc_id, idx)
            if expected_version is not None and expected_version != old.version:
                raise StaleSegment(idx, expected_version, old.version)
            self.db.execute(
                "UPDATE segments SET target=%s, status=%s, version=version+1, changed_by=%s, changed_at=%s, "
                "info=%s, provenance=%s, rejected_by=%s WHERE document_id=%s AND idx=%s",
                (
                    target,
                    status,
                    user,
                    at,
                    json.dumps(info if info is not None else old.info, ensure_ascii=False),
                    old.provenance if provenance is _UNSET else provenance,
                    old.rejected_by if rejected_by is _UNSET else rejected_by,
                    doc_id,
                    idx,
                ),
            )
            self._record(old, target, status, action, user, at)
            self.db.execute("UPDATE documents SET changed_at=%s WHERE id=%s", (at, doc_id))
            return self.segment(doc_id, idx)

    def _record(self, old: SegmentRow, target: str, status: str, action: str, user: str, at: str) -> None:
        """Append the change to the segment's history, or extend the author's run of autosaves."""
        last = self.db.execute(
            "SELECT id, action, author, at FROM segment_history WHERE document_id=%s AND idx=%s "
            "ORDER BY id DESC LIMIT 1",
            (old.document_id, old.idx),
        ).fetchone()
        run_start = iso(datetime.fromisoformat(at) - timedelta(seconds=SAVE_RUN_SECONDS))
        if action == "save" and last is not None and last[1:3] == ("save", user) and last[3] >= run_start:
            self.db.execute(
                "UPDATE segment_history SET version=%s, target=%s, status=%s, at=%s WHERE id=%s",
                (old.version + 1, target, status, at, last[0]),
            )
            return
        self.db.execute(
            "INSERT INTO segment_history (document_id, idx, version, target, status, action, author, at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (old.document_id, old.idx, old.version + 1, target, status, action, user, at),
        )

    def history(self, doc_id: int, idx: int, *, limit: int = 50) -> list[SegmentChange]:
        """Return a segment's changes, newest first (NotFound if the segment is not there)."""
        self.segment(doc_id, idx)
        rows = self.db.execute(
            "SELECT id, document_id, idx, version, target, status, action, author, at FROM segment_history "
            "WHERE document_id=%s AND idx=%s ORDER BY id DESC LIMIT %s",
            (doc_id, idx, limit),
        )
        return [SegmentChange(*r) for r in rows]

    def confirmations(
        self,
        *,
        document: int | None = None,
        author: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[tuple[SegmentRow, SegmentChange]]:
        """Return the confirmed and approved segments, each with the history entry that confirmed it.

        That entry is the segment's newest `confirm`, or its newest `approve` when it has no
        confirm (a reviewer's sign-off does not make the reviewer its translator); filtered by
        document, by the entry's author and by the entry's day (UTC, YYYY-MM-DD, both ends
        included); in order of document and segment. One query: each segment's entry is found
        through the history's (document, segment, id) index.
        """
        seg_cols = ", ".join(f"s.{c.strip()}" for c in _SEG_COLS.split(","))
        sql = (
            f"SELECT {seg_cols}, h.id, h.document_id, h.idx, h.version, h.target, h.status, h.action, "
            "h.author, h.at FROM segments s JOIN segment_history h ON h.id = ("
            "SELECT x.id FROM segment_history x WHERE x.document_id = s.document_id AND x.idx = s.idx "
            "AND x.action IN ('confirm', 'approve') ORDER BY x.action = 'confirm' DESC, x.id DESC LIMIT 1) "
            "WHERE s.status IN ('confirmed', 'approved')"
        )
        args: list[Any] = []
        if document is not None:
            sql += " AND s.document_id = %s"
            args.append(document)
        if author is not None:
            sql += " AND h.author = %s"
            args.append(author)
        if since is not None:
            sql += " AND h.at >= %s"
            args.append(check_day(since, "since"))
        if until is not None:  # the times are ...T..Z: before the next day's first second
            sql += " AND h.at < %s"
            args.append((date.fromisoformat(check_day(until, "until")) + timedelta(days=1)).isoformat())
        rows = self.db.execute(sql + " ORDER BY s.document_id, s.idx", args)
        n = len(_SEG_COLS.split(","))
        return [(self._segment(r[:n]), SegmentChange(*r[n:])) for r in rows]
