"""The contract of `store.comments`: threads of comments on the segments of documents."""

from __future__ import annotations

import pytest

from tm.errors import NotFound

from .contract_documents import add_article


class CommentsContract:
    def test_a_thread_is_its_first_comment_and_its_replies_in_order(self, store):
        doc_id = add_article(store)
        first = store.comments.add(doc_id, 1, "tom", "Is 'control' right here?")
        assert (first.document_id, first.idx, first.thread_id, first.author, first.kind) == (
            doc_id,
            1,
            first.id,
            "tom",
            "comment",
        )
        assert first.body == "Is 'control' right here?" and first.created_at.endswith("Z")
        assert (first.resolved_by, first.resolved_at) == (None, None)
        a = store.comments.add(doc_id, 1, "rita", "Say 'under control'.", thread=first.id)
        b = store.comments.add(doc_id, 1, "tom", "Done.", thread=first.id)
        assert (a.thread_id, b.thread_id) == (first.id, first.id)
        assert store.comments.get(a.id) == a

        comments = store.comments.for_document(doc_id, 1)
        assert [(c.author, c.body) for c in comments] == [
            ("tom", "Is 'control' right here?"),
            ("rita", "Say 'under control'."),
            ("tom", "Done."),
        ]

    def test_a_document_lists_its_threads_by_sentence_with_the_replies_after_each(self, store):
        doc_id = add_article(store)
        late = store.comments.add(doc_id, 4, "tom", "on five")
        early = store.comments.add(doc_id, 0, "tom", "on one")
        second = store.comments.add(doc_id, 0, "tia", "also on one")
        store.comments.add(doc_id, 0, "ada", "reply to the first", thread=early.id)
        store.comments.add(doc_id, 4, "ada", "reply on five", thread=late.id)
        assert [(c.idx, c.thread_id, c.body) for c in store.comments.for_document(doc_id)] == [
            (0, early.id, "on one"),
            (0, early.id, "reply to the first"),
            (0, second.id, "also on one"),
            (4, late.id, "on five"),
            (4, late.id, "reply on five"),
        ]
        assert store.comments.for_document(doc_id, 2) == []

    def test_a_rejection_is_a_thread_of_its_own_kind(self, store):
        doc_id = add_article(store)
        c = store.comments.add(doc_id, 2, "rita", "The name is wrong.", kind="rejection")
        assert (c.kind, c.thread_id) == ("rejection", c.id)
        assert store.comments.get(c.id).kind == "rejection"

    def test_a_reply_to_a_reply_is_refused(self, store):
        doc_id = add_article(store)
        first = store.comments.add(doc_id, 1, "tom", "question")
        reply = store.comments.add(doc_id, 1, "rita", "answer", thread=first.id)
        with pytest.raises(NotFound):
            store.comments.add(doc_id, 1, "tom", "reply to the answer", thread=reply.id)
        assert len(store.comments.for_document(doc_id)) == 2

    def test_a_reply_must_be_on_the_threads_own_sentence_and_document(self, store):
        doc_id = add_article(store)
        other = add_article(store, title="another")
        first = store.comments.add(doc_id, 1, "tom", "question")
        with pytest.raises(NotFound):
            store.comments.add(doc_id, 2, "rita", "wrong sentence", thread=first.id)
        with pytest.raises(NotFound):
            store.comments.add(other, 1, "rita", "wrong document", thread=first.id)
        with pytest.raises(NotFound):
            store.comments.add(doc_id, 1, "rita", "no such thread", thread=first.id + 1000)
        assert store.comments.for_document(other) == []
        assert len(store.comments.for_document(doc_id)) == 1

    def test_a_comment_on_a_missing_sentence_or_document_is_refused(self, store):
        doc_id = add_article(store)
        with pytest.raises(NotFound):
            store.comments.add(doc_id, 6, "tom", "past the last sentence")
        with pytest.raises(NotFound):
            store.comments.add(doc_id + 1000, 0, "tom", "no such document")
        with pytest.raises(NotFound):
            store.comments.get(12345)

    def test_resolving_and_reopening_a_thread_marks_its_first_comment(self, store):
        doc_id = add_article(store)
        first = store.comments.add(doc_id, 1, "tom", "question")
        reply = store.comments.add(doc_id, 1, "rita", "answer", thread=first.id)
        done = store.comments.resolve(first.id, "rita")
        assert (done.id, done.resolved_by) == (first.id, "rita") and done.resolved_at.endswith("Z")
        assert store.comments.get(first.id).resolved_by == "rita"
        assert store.comments.get(reply.id).resolved_by is None  # the thread's state is on its first
        again = store.comments.resolve(first.id, None)
        assert (again.resolved_by, again.resolved_at) == (None, None)
        with pytest.raises(NotFound):
            store.comments.resolve(reply.id, "rita")  # a reply is not a thread
        with pytest.raises(NotFound):
            store.comments.resolve(first.id + 1000, "rita")

    def test_a_reply_opens_a_resolved_thread_again(self, store):
        doc_id = add_article(store)
        first = store.comments.add(doc_id, 3, "tom", "question")
        store.comments.resolve(first.id, "tom")
        store.comments.add(doc_id, 3, "rita", "not so fast", thread=first.id)
        assert (store.comments.get(first.id).resolved_by, store.comments.get(first.id).resolved_at) == (
            None,
            None,
        )
        assert store.comments.unresolved() == {doc_id: 1}

    def test_unresolved_counts_open_threads_per_document(self, store):
        assert store.comments.unresolved() == {}
        one = add_article(store)
        two = add_article(store, title="two")
        quiet = add_article(store, title="no comments")
        a = store.comments.add(one, 0, "tom", "a")
        store.comments.add(one, 0, "rita", "reply, not a thread", thread=a.id)
        store.comments.add(one, 5, "tom", "b")
        c = store.comments.add(two, 2, "tom", "c")
        assert store.comments.unresolved() == {one: 2, two: 1}
        store.comments.resolve(c.id, "tom")
        store.comments.resolve(a.id, "rita")
        assert store.comments.unresolved() == {one: 1}
        assert quiet not in store.comments.unresolved()

    def test_deleting_a_document_removes_its_comments(self, store):
        doc_id = add_article(store)
        kept = add_article(store, title="kept")
        first = store.comments.add(doc_id, 1, "tom", "question")
        reply = store.comments.add(doc_id, 1, "rita", "answer", thread=first.id)
        other = store.comments.add(kept, 1, "tom", "on the other one")
        store.documents.delete(doc_id)
        for gone in (first.id, reply.id):
            with pytest.raises(NotFound):
                store.comments.get(gone)
        assert store.comments.for_document(doc_id) == []
        assert store.comments.unresolved() == {kept: 1}
        assert store.comments.get(other.id) == other
