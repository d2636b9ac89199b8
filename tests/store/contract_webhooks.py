"""The contract of `store.webhooks`: registered hooks and the outbox of their deliveries."""

from __future__ import annotations

import threading

import pytest

from tm.errors import NotFound

from .contract_common import WAIT, Boom
from .contract_documents import add_article

URL = "https://cms.example.org/hooks/tm"
T0, T1, T2, T3 = (
    "2030-01-01T10:00:00Z",
    "2030-01-01T10:00:10Z",
    "2030-01-01T10:01:00Z",
    "2030-01-01T11:00:00Z",
)


def hook(store, owner="cms", events=("document.done",), **kw):
    return store.webhooks.add(owner, kw.pop("url", URL), list(events), "tmwh_secret", **kw)


def queued(store, h, event="document.done", at=T0, **payload):
    return store.webhooks.enqueue(h.id, event, {"event": event, **payload}, at=at)


class WebhooksContract:
    def test_a_hook_is_kept_with_its_events_secret_and_scope(self, store):
        doc_id = add_article(store)
        h = store.webhooks.add(
            "cms", URL, ["document.done", "document.drafted"], "tmwh_s", document_id=doc_id
        )
        assert (h.owner, h.url, h.secret, h.document_id, h.active) == ("cms", URL, "tmwh_s", doc_id, True)
        assert h.events == ["document.drafted", "document.done"]  # in the vocabulary's order
        assert h.created_at.endswith("Z")
        assert store.webhooks.get(h.id) == h
        assert "secret" not in h.to_json() and h.to_json()["url"] == URL
        other = hook(store, owner="wire")
        assert store.webhooks.for_owner("cms") == [h]
        assert store.webhooks.for_owner("wire") == [other]
        assert store.webhooks.for_owner("nobody") == []

    @pytest.mark.parametrize("events", [[], ["document.deleted"], ["ping"], ["document.done", "x"]])
    def test_a_hook_needs_known_events(self, store, events):
        with pytest.raises(ValueError):
            store.webhooks.add("cms", URL, events, "tmwh_s")
        assert store.webhooks.for_owner("cms") == []

    def test_a_hook_on_a_missing_document_or_a_missing_hook_is_not_found(self, store):
        with pytest.raises(NotFound):
            hook(store, document_id=999)
        with pytest.raises(NotFound):
            store.webhooks.get(1)
        with pytest.raises(NotFound):
            store.webhooks.delete(1)
        with pytest.raises(NotFound):
            store.webhooks.update(1, active=False)
        with pytest.raises(NotFound):
            store.webhooks.enqueue(1, "ping", {})

    def test_a_hook_changes_its_url_events_and_active_flag(self, store):
        h = hook(store)
        changed = store.webhooks.update(h.id, url="http://10.0.0.5/tm", events=["document.in_review"])
        assert (changed.url, changed.events, changed.active) == (
            "http://10.0.0.5/tm",
            ["document.in_review"],
            True,
        )
        assert store.webhooks.update(h.id, active=False).active is False
        assert store.webhooks.get(h.id).secret == h.secret
        with pytest.raises(ValueError):
            store.webhooks.update(h.id, events=["nothing"])

    def test_only_active_hooks_of_the_event_for_that_document_or_every_document_listen(self, store):
        doc, other = add_article(store), add_article(store, title="another")
        everything = hook(store, events=["document.done", "document.drafted"])
        this_one = hook(store, document_id=doc)
        that_one = hook(store, document_id=other)
        drafted_only = hook(store, events=["document.drafted"])
        paused = hook(store)
        store.webhooks.update(paused.id, active=False)
        assert [h.id for h in store.webhooks.listening("document.done", doc)] == [everything.id, this_one.id]
        assert [h.id for h in store.webhooks.listening("document.done", other)] == [
            everything.id,
            that_one.id,
        ]
        assert [h.id for h in store.webhooks.listening("document.drafted", doc)] == [
            everything.id,
            drafted_only.id,
        ]
        assert store.webhooks.listening("document.in_review", doc) == []

    def test_deleting_a_document_deletes_the_hooks_on_it_and_a_hook_its_deliveries(self, store):
        doc = add_article(store)
        on_doc, general = hook(store, document_id=doc), hook(store)
        d = queued(store, general)
        store.documents.delete(doc)
        with pytest.raises(NotFound):
            store.webhooks.get(on_doc.id)
        store.webhooks.delete(general.id)
        with pytest.raises(NotFound):
            store.webhooks.get_delivery(d.id)

    def test_a_queued_delivery_is_pending_with_its_payload(self, store):
        h = hook(store)
        d = store.webhooks.enqueue(h.id, "document.done", {"event": "document.done", "title": "بيان"}, at=T0)
        assert (d.webhook_id, d.event, d.payload, d.state, d.attempts, d.next_at) == (
            h.id,
            "document.done",
            {"event": "document.done", "title": "بيان"},
            "pending",
            0,
            T0,
        )
        assert (d.last_status, d.last_error, d.delivered_at) == (None, None, None)
        assert store.webhooks.get_delivery(d.id) == d
        with pytest.raises(ValueError):
            store.webhooks.enqueue(h.id, "document.lost", {})

    def test_a_delivery_is_queued_with_its_change_or_not_at_all(self, store):
        h = hook(store)
        with pytest.raises(Boom):
            with store.transaction():
                queued(store, h)
                raise Boom
        assert store.webhooks.deliveries(h.id) == []
        with store.transaction():
            d = queued(store, h)
        assert store.webhooks.deliveries(h.id) == [d]

    def test_a_claim_takes_due_deliveries_of_active_hooks_once_until_its_lease_ends(self, store):
        h, paused = hook(store), hook(store)
        first, second = queued(store, h, at=T0), queued(store, h, at=T1)
        later = queued(store, h, at=T3)
        queued(store, paused, at=T0)
        store.webhooks.update(paused.id, active=False)
        taken = store.webhooks.claim(now=T1, lease_until=T2)
        assert [(d.id, d.attempts, d.next_at) for d in taken] == [(first.id, 1, T2), (second.id, 1, T2)]
        assert store.webhooks.claim(now=T1, lease_until=T2) == []  # leased
        assert [d.id for d in store.webhooks.claim(now=T2, lease_until=T3, limit=1)] == [first.id]
        assert store.webhooks.get_delivery(first.id).attempts == 2
        assert store.webhooks.get_delivery(later.id).attempts == 0

    def test_an_attempt_is_recorded_by_its_claim_only(self, store):
        h = hook(store)
        d = queued(store, h)
        [claimed] = store.webhooks.claim(now=T0, lease_until=T1)
        assert store.webhooks.record(d.id, 1, state="pending", status=500, error="HTTP 500", next_at=T2)
        again = store.webhooks.get_delivery(d.id)
        assert (again.state, again.last_status, again.last_error, again.next_at) == (
            "pending",
            500,
            "HTTP 500",
            T2,
        )
        store.webhooks.claim(now=T2, lease_until=T3)
        # the first claim's late outcome is not this claim's
        assert not store.webhooks.record(d.id, claimed.attempts, state="delivered", status=200, error=None)
        assert store.webhooks.record(d.id, 2, state="delivered", status=204, error=None)
        done = store.webhooks.get_delivery(d.id)
        assert (done.state, done.attempts, done.last_status, done.last_error) == ("delivered", 2, 204, None)
        assert done.delivered_at is not None and done.delivered_at.endswith("Z")
        assert not store.webhooks.record(d.id, 2, state="failed", status=None, error="late")
        assert store.webhooks.claim(now=T3, lease_until=T3) == []

    def test_a_failed_delivery_is_not_claimed_again(self, store):
        d = queued(store, hook(store))
        store.webhooks.claim(now=T0, lease_until=T1)
        assert store.webhooks.record(d.id, 1, state="failed", status=None, error="connection refused")
        failed = store.webhooks.get_delivery(d.id)
        assert (failed.state, failed.last_error, failed.delivered_at) == (
            "failed",
            "connection refused",
            None,
        )
        assert store.webhooks.claim(now=T3, lease_until=T3) == []

    def test_recording_needs_a_known_state_and_a_next_time_to_retry(self, store):
        d = queued(store, hook(store))
        store.webhooks.claim(now=T0, lease_until=T1)
        with pytest.raises(ValueError):
            store.webhooks.record(d.id, 1, state="lost", status=None, error=None)
        with pytest.raises(ValueError):
            store.webhooks.record(d.id, 1, state="pending", status=500, error="HTTP 500")

    def test_claims_at_once_never_take_one_delivery_twice(self, store):
        h = hook(store)
        made = {queued(store, h).id for _ in range(40)}
        taken: list[int] = []
        lock = threading.Lock()

        def claim() -> None:
            while True:
                got = store.webhooks.claim(now=T0, lease_until=T3, limit=3)
                if not got:
                    return
                with lock:
                    taken.extend(d.id for d in got)

        threads = [threading.Thread(target=claim) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(WAIT)
        assert sorted(taken) == sorted(made)

    def test_deliveries_are_listed_newest_first_a_page_at_a_time(self, store):
        h, other = hook(store), hook(store)
        ids = [queued(store, h, n=n).id for n in range(5)]
        queued(store, other)
        page = store.webhooks.deliveries(h.id, limit=2)
        assert [d.id for d in page] == ids[::-1][:2]
        rest = store.webhooks.deliveries(h.id, before=page[-1].id, limit=10)
        assert [d.id for d in rest] == ids[::-1][2:]
        assert store.webhooks.deliveries(h.id, before=ids[0]) == []

    def test_pruning_deletes_old_settled_deliveries_and_keeps_pending_ones(self, store):
        h = hook(store)
        delivered, failed, pending = queued(store, h), queued(store, h), queued(store, h)
        store.webhooks.claim(now="2999-01-01T00:00:00Z", lease_until=T0, limit=2)
        store.webhooks.record(delivered.id, 1, state="delivered", status=200, error=None)
        store.webhooks.record(failed.id, 1, state="failed", status=410, error="HTTP 410")
        assert (
            store.webhooks.prune(
                delivered_before="2000-01-01T00:00:00Z", failed_before="2999-01-01T00:00:00Z"
            )
            == 1
        )
        assert [d.id for d in store.webhooks.deliveries(h.id)] == [pending.id, delivered.id]
        assert (
            store.webhooks.prune(
                delivered_before="2999-01-01T00:00:00Z", failed_before="2999-01-01T00:00:00Z"
            )
            == 1
        )
        assert [d.id for d in store.webhooks.deliveries(h.id)] == [pending.id]
