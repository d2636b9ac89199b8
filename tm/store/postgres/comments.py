"""Threaded comments on segments in PostgreSQL (a part of the PostgreSQL store)."""

from __future__ import annotations

from tm.errors import NotFound
from tm.store.postgres.db import Database
from tm.store.records import COMMENT_KINDS, Comment, now

_COLS = "id, document_id, idx, thread_id, author, body, kind, created_at, resolved_by, resolved_at"


class PostgresComments:
    """Comments on segments: a thread is its first comment and the replies that name it."""

    def __init__(self, db: Database):
        self.db = db

    def add(
        self,
        doc_id: int,
        idx: int,
        author: str,
        body: str,
        *,
        thread: int | None = None,
        kind: str = "comment",
    ) -> Comment:
        """Start a thread on a segment, or reply to `thread` (NotFound if it or the segment is not there)."""
        if kind not in COMMENT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(COMMENT_KINDS)}, not {kind!r}")
        with self.db.transaction():
            if thread is not None:
                first = self.get(thread)
                if first.id != first.thread_id or (first.document_id, first.idx) != (doc_id, idx):
                    raise NotFound(f"there is no thread {thread} on segment {idx} of document {doc_id}")
            elif (
                self.db.execute(
                    "SELECT 1 FROM segments WHERE document_id=%s AND idx=%s", (doc_id, idx)
                ).fetchone()
                is None
            ):
                raise NotFound(f"segment {idx} of document {doc_id} does not exist")
            cur = self.db.execute(
                "INSERT INTO comments (document_id, idx, thread_id, author, body, kind, created_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
                (doc_id, idx, thread or 0, author, body, kind, now()),
            )
            comment_id = int(cur.fetchone()[0])
            if thread is None:
                self.db.execute("UPDATE comments SET thread_id=id WHERE id=%s", (comment_id,))
            else:  # a reply opens a resolved thread again
                self.db.execute(
                    "UPDATE comments SET resolved_by=NULL, resolved_at=NULL WHERE id=%s", (thread,)
                )
            return self.get(comment_id)

    def get(self, comment_id: int) -> Comment:
        """Return a comment or raise NotFound."""
        row = self.db.execute(f"SELECT {_COLS} FROM comments WHERE id=%s", (comment_id,)).fetchone()
        if row is None:
            raise NotFound(f"comment {comment_id} does not exist")
        return Comment(*row)

    def for_document(self, doc_id: int, idx: int | None = None) -> list[Comment]:
        """Return a document's (or one segment's) comments, threads in order, replies after their thread."""
        sql = f"SELECT {_COLS} FROM comments WHERE document_id=%s"
        args: list[int] = [doc_id]
        if idx is not None:
            sql += " AND idx=%s"
            args.append(idx)
        return [Comment(*r) for r in self.db.execute(sql + " ORDER BY idx, thread_id, id", args)]

    def resolve(self, thread: int, by: str | None) -> Comment:
        """Mark a thread resolved by someone, or open again with None; return its first comment."""
        with self.db.transaction():
            first = self.get(thread)
            if first.id != first.thread_id:
                raise NotFound(f"comment {thread} is a reply, not a thread")
            self.db.execute(
                "UPDATE comments SET resolved_by=%s, resolved_at=%s WHERE id=%s",
                (by, now() if by is not None else None, thread),
            )
            return self.get(thread)

    def unresolved(self) -> dict[int, int]:
        """Return, per document with any, the number of threads not resolved."""
        return dict(
            self.db.execute(
                "SELECT document_id, COUNT(*) FROM comments WHERE id=thread_id AND resolved_at IS NULL "
                "GROUP BY document_id"
            )
        )
