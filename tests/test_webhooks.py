"""Webhooks: signing, events from the desk's workflow, and delivery to a real receiver on loopback."""

from __future__ import annotations

import ipaddress
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time

import pytest
from werkzeug.security import generate_password_hash

from tests.store.contract_common import Boom
from tests.webhook_receiver import Receiver
from tm.deliverer import Deliverer, post
from tm.documents import Documents
from tm.errors import TMError
from tm.glossary import Glossary
from tm.memory import TranslationMemory
from tm.store.sqlite import SQLiteStore
from tm.webhooks import (
    MAX_HOOKS,
    body,
    check_url,
    document_json,
    emit,
    never_contacted,
    ping,
    register,
    sign,
    verify,
)

ARTICLE = "أعلنت الوزارة عن خطة جديدة للنقل.\n\nوقال الوزير إن الخطة تشمل 40 حافلة."
ENGLISH = ["The ministry announced a new transport plan.", "The minister said the plan has 40 buses."]
FAST = (0.01, 0.01)  # three attempts in all, at once


@pytest.fixture
def store(tmp_path):
    s = SQLiteStore(tmp_path / "m.db")
    for name, role in (("ada", "admin"), ("tom", "translator"), ("rita", "reviewer"), ("cms", "translator")):
        s.accounts.add(name, generate_password_hash("x", method="pbkdf2:sha256:1000"), role)
    yield s
    s.close()


@pytest.fixture
def docs(store):
    memory = TranslationMemory(store, save_index=False)
    yield Documents(memory, Glossary(store))
    memory.close()


def user(store, name):
    return store.accounts.find(name)


def article(docs, title="خطة النقل"):
    doc = docs.create(title, ARTICLE, "cms", translator="tom", reviewer="rita")
    drafts = [
        {"idx": i, "target": t, "origin": "mt", "score": None, "unit_id": None, "mt_draft": t,
         "repeat_of": None, "info": {}}
        for i, t in enumerate(ENGLISH)
    ]  # fmt: skip
    docs.store.documents.set_drafts(doc, drafts)
    return doc


def to_done(docs, doc):
    """Confirm, send to review, approve and mark done, as the translator and the reviewer do."""
    store = docs.store
    for i, t in enumerate(ENGLISH):
        docs.confirm(doc, i, t, user(store, "tom"), store.documents.segment(doc, i).version)
    docs.move(doc, user(store, "tom"), "in review")
    for i, t in enumerate(ENGLISH):
        docs.confirm(doc, i, t, user(store, "rita"), store.documents.segment(doc, i).version, approve=True)
    docs.move(doc, user(store, "rita"), "done")


def events(store, hook):
    return [d.event for d in reversed(store.webhooks.deliveries(hook.id))]


def settle(deliverer, store, delivery_id, timeout=10.0):
    """Run the deliverer until a delivery is delivered or failed; return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        deliverer.run_once()
        d = store.webhooks.get_delivery(delivery_id)
        if d.state != "pending":
            return d
        time.sleep(0.02)
    raise AssertionError(f"delivery {delivery_id} is still pending: {d}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- signing ---------------------------------------------------------------------------------------


def test_the_signature_is_hmac_sha256_of_the_timestamp_a_dot_and_the_body():
    # computed apart: printf '%s' '1700000000.{"delivery":1,"event":"ping"}' | openssl dgst -sha256 -hmac tmwh_test-secret
    signature = sign("tmwh_test-secret", 1700000000, b'{"delivery":1,"event":"ping"}')
    assert signature == "sha256=6af49adf3fd2efc0e141c5682323253276e07ad47a9cdbbd61be4bde1e0f0c84"


def test_verify_takes_a_fresh_signed_body_and_refuses_anything_changed_or_old():
    data, t = b'{"event":"document.done"}', int(time.time())
    good = sign("s3cret", t, data)
    assert verify("s3cret", str(t), good, data)
    assert not verify("s3cret", str(t), good, data + b" ")
    assert not verify("other", str(t), good, data)
    assert not verify("s3cret", str(t + 1), good, data)
    assert not verify("s3cret", str(t - 301), sign("s3cret", t - 301, data), data)  # a replay
    assert not verify("s3cret", "soon", good, data)


# -- registering -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "",
        "cms.example.org/hook",
        "ftp://cms.example.org/hook",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "https://user:pass@cms.example.org/hook",
        "https://token@cms.example.org/hook",
        "https:///hook",
        "https://cms.example.org:99999/hook",
        "https://cms.example.org/ho ok",
        "https://cms.example.org/hook#part",
        "https://cms.example.org/\u0646\u0634\u0631",
        "https://cms.example.org/ho\nok",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/hook",
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",
        "https://cms.example.org/" + "a" * 2000,
    ],
)
def test_a_url_tm_cannot_or_must_not_post_to_is_refused_with_the_reason(url):
    with pytest.raises(TMError, match="url"):
        check_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://cms.example.org/hooks/tm?desk=ar",
        "http://127.0.0.1:8080/hook",
        "http://[::1]:8080/hook",
        "http://10.1.2.3/tm",
        "HTTPS://CMS.EXAMPLE.ORG",
    ],
)
def test_http_and_https_urls_are_taken_as_given(url):
    assert check_url(url) == url


def test_a_hook_is_registered_with_a_new_secret_and_known_events_only(store, docs):
    cms = user(store, "cms")
    h = register(store, cms, "https://cms.example.org/hook", ["document.done", "document.drafted"])
    assert h.secret.startswith("tmwh_") and len(h.secret) > 40
    assert h.events == ["document.drafted", "document.done"] and h.owner == "cms"
    assert register(store, cms, "https://cms.example.org/hook", ["document.done"]).secret != h.secret
    with pytest.raises(TMError, match="events"):
        register(store, cms, "https://cms.example.org/hook", ["document.published"])
    with pytest.raises(TMError, match="events"):
        register(store, cms, "https://cms.example.org/hook", [])
    with pytest.raises(TMError, match="document_id"):
        register(store, cms, "https://cms.example.org/hook", ["document.done"], document_id=999)
    doc = article(docs)
    assert (
        register(store, cms, "https://cms.example.org/hook", ["document.done"], document_id=doc).document_id
        == doc
    )


def test_an_account_has_at_most_so_many_hooks(store):
    cms = user(store, "cms")
    for _ in range(MAX_HOOKS):
        register(store, cms, "https://cms.example.org/hook", ["document.done"])
    with pytest.raises(TMError, match="delete one"):
        register(store, cms, "https://cms.example.org/hook", ["document.done"])
    assert register(store, user(store, "tom"), "https://cms.example.org/hook", ["document.done"])


# -- events ----------------------------------------------------------------------------------------


def test_an_event_says_what_the_document_is_and_where_to_fetch_it_and_its_english(store, docs):
    doc = article(docs)
    h = register(store, user(store, "cms"), "https://cms.example.org/hook", ["document.done"])
    to_done(docs, doc)
    [d] = store.webhooks.deliveries(h.id)
    assert d.event == "document.done" and d.state == "pending" and d.attempts == 0
    sent = json.loads(body(d))
    assert sent["delivery"] == d.id and sent["event"] == "document.done" and sent["webhook"] == h.id
    assert sent["created_at"].endswith("Z")
    document = sent["document"]
    assert document == document_json(store.documents.get(doc, layout=False))
    assert (document["id"], document["title"], document["stage"], document["status"]) == (
        doc,
        "خطة النقل",
        "done",
        "translating",  # drafted by hand in this test: the drafting state never became ready
    )
    assert (document["owner"], document["translator"], document["reviewer"]) == ("cms", "tom", "rita")
    assert document["url"] == f"/api/v1/documents/{doc}"
    assert document["english_url"] == f"/api/v1/documents/{doc}/export?format=txt"
    assert "خطة النقل".encode() in body(d)  # Arabic as UTF-8, not \u escapes


def test_the_workflow_emits_in_review_and_done_and_nothing_for_other_moves(store, docs):
    doc = article(docs)
    h = register(store, user(store, "cms"), "https://x.example/h", ["document.in_review", "document.done"])
    to_done(docs, doc)
    assert events(store, h) == ["document.in_review", "document.done"]
    docs.move(doc, user(store, "ada"), "translating")  # an admin reopens it: not an event
    assert events(store, h) == ["document.in_review", "document.done"]


def test_drafting_emits_drafted_when_ready_and_when_failed(store, docs):
    doc = docs.create("خطة النقل", ARTICLE, "cms", translator="tom")
    h = register(store, user(store, "cms"), "https://x.example/h", ["document.drafted"])

    class Echo:
        engine, model_id = "echo", "echo-1"

        def translate(self, sentences):
            return [f"EN: {s}" for s in sentences]

    docs.pretranslate(doc, Echo())
    [ready] = store.webhooks.deliveries(h.id)
    assert ready.payload["document"]["status"] == "ready"

    class Broken:
        engine, model_id = "broken", "broken-1"

        def translate(self, sentences):
            raise RuntimeError("the GPU caught fire")

    other = docs.create("خطة أخرى", "جملة لم تترجم من قبل أبدا.", "cms", translator="tom")
    with pytest.raises(RuntimeError):
        docs.pretranslate(other, Broken())
    failed = store.webhooks.deliveries(h.id)[0]
    assert failed.payload["document"]["id"] == other
    assert failed.payload["document"]["status"] == "failed"
    assert "GPU caught fire" in failed.payload["document"]["note"]


def test_an_event_goes_to_the_hooks_of_that_event_and_document_whose_accounts_are_active(store, docs):
    doc, other = article(docs), article(docs, "خطة أخرى")
    hooks = {
        name: register(
            store,
            user(store, owner),
            f"https://cms.example.org/{name.replace(' ', '-')}",
            events,
            document_id=scope,
        )
        for name, owner, events, scope in [
            ("every document", "cms", ["document.done"], None),
            ("this document", "tom", ["document.done"], doc),
            ("another document", "cms", ["document.done"], other),
            ("another event", "cms", ["document.drafted"], None),
            ("paused", "cms", ["document.done"], None),
            ("locked account", "rita", ["document.done"], None),
            ("an admin's", "ada", ["document.done", "document.in_review"], None),
        ]
    }
    store.webhooks.update(hooks["paused"].id, active=False)
    store.accounts.update(user(store, "rita").id, active=False)
    queued = emit(store, "document.done", store.documents.get(doc, layout=False))
    assert sorted(d.webhook_id for d in queued) == sorted(
        hooks[n].id for n in ("every document", "this document", "an admin's")
    )
    assert {d.event for d in queued} == {"document.done"}
    # every active account reads every document on the desk, so the translator's hook on all
    # documents hears of one it is not assigned to
    tom_all = register(store, user(store, "tom"), "https://cms.example.org/tom", ["document.done"])
    assert tom_all.id in {
        d.webhook_id for d in emit(store, "document.done", store.documents.get(other, layout=False))
    }
    with pytest.raises(ValueError):
        emit(store, "document.published", store.documents.get(doc, layout=False))


def test_an_event_of_a_change_that_rolls_back_is_never_queued(store, docs):
    doc = article(docs)
    h = register(store, user(store, "cms"), "https://x.example/h", ["document.done"])
    with pytest.raises(Boom):
        with store.transaction():
            store.documents.set_stage(doc, "done")
            emit(store, "document.done", store.documents.get(doc, layout=False))
            raise Boom
    assert store.webhooks.deliveries(h.id) == []
    assert store.documents.get(doc, layout=False).stage == "new"


def test_a_move_refused_for_sentences_left_queues_nothing(store, docs):
    doc = article(docs)
    h = register(store, user(store, "cms"), "https://x.example/h", ["document.in_review"])
    with pytest.raises(TMError, match="not confirmed"):
        docs.move(doc, user(store, "tom"), "in review")
    assert store.webhooks.deliveries(h.id) == []


# -- delivering to a receiver on loopback ---------------------------------------------------------


def test_a_delivery_is_posted_signed_and_recorded_as_delivered(store):
    with Receiver() as cms:
        h = register(store, user(store, "cms"), cms.url, ["document.done"])
        d = ping(store, h)
        done = settle(Deliverer(store), store, d.id)
        [got] = cms.wait(1)
    assert (done.state, done.attempts, done.last_status, done.last_error) == ("delivered", 1, 200, None)
    assert done.delivered_at is not None
    assert got.path == "/hook" and got.body == body(d)
    assert got.verified(h.secret) and not got.verified("tmwh_another")
    assert verify(h.secret, got.headers["x-tm-timestamp"], got.headers["x-tm-signature"], got.body)
    assert got.headers["x-tm-event"] == "ping" and got.headers["x-tm-delivery"] == str(d.id)
    assert got.headers["x-tm-webhook"] == str(h.id) and got.headers["x-tm-attempt"] == "1"
    assert got.headers["content-type"] == "application/json"
    assert got.json() == {"delivery": d.id, "event": "ping", "created_at": d.payload["created_at"],
                          "webhook": h.id, "events": ["document.done"]}  # fmt: skip


def test_an_error_answer_is_retried_with_backoff_and_each_attempt_logged(store):
    with Receiver(answers=[500, 503]) as cms:
        h = register(store, user(store, "cms"), cms.url, ["document.done"])
        d = ping(store, h)
        deliverer = Deliverer(store, backoff=(0.01, 0.01, 0.01))
        assert deliverer.run_once() == 1
        after_one = store.webhooks.get_delivery(d.id)
        assert (after_one.state, after_one.attempts, after_one.last_status) == ("pending", 1, 500)
        assert after_one.last_error.startswith("HTTP 500")
        done = settle(deliverer, store, d.id)
        got = cms.wait(3)
    assert (done.state, done.attempts, done.last_status, done.last_error) == ("delivered", 3, 200, None)
    assert [r.headers["x-tm-attempt"] for r in got] == ["1", "2", "3"]
    assert {r.headers["x-tm-delivery"] for r in got} == {str(d.id)} and all(r.verified(h.secret) for r in got)


def test_the_backoff_puts_the_next_attempt_later_each_time(store):
    with Receiver(answers=[500, 500]) as cms:
        h = register(store, user(store, "cms"), cms.url, ["document.done"])
        d = ping(store, h)
        deliverer = Deliverer(store)  # the real backoff: 10 s, then 1 min
        deliverer.run_once()
        first = store.webhooks.get_delivery(d.id)
        assert deliverer.run_once() == 0  # not due yet
    assert first.state == "pending" and first.attempts == 1
    wait = time.mktime(time.strptime(first.next_at, "%Y-%m-%dT%H:%M:%SZ")) - time.mktime(
        time.strptime(first.created_at, "%Y-%m-%dT%H:%M:%SZ")
    )
    assert 8 <= wait <= 12


def test_a_receiver_that_is_down_is_retried_then_the_delivery_fails(store):
    h = register(store, user(store, "cms"), f"http://127.0.0.1:{free_port()}/hook", ["document.done"])
    d = ping(store, h)
    failed = settle(Deliverer(store, backoff=FAST), store, d.id)
    assert (failed.state, failed.attempts, failed.last_status) == ("failed", 3, None)
    assert failed.last_error == "connection refused" and failed.delivered_at is None


def test_a_receiver_that_trickles_its_answer_is_cut_off_at_the_attempts_deadline():
    # a byte every 0.2 s: each read is quick, the whole answer never comes
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    stop = threading.Event()

    def trickle():
        conn, _ = server.accept()
        conn.recv(65536)
        try:
            for ch in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000:
                if stop.is_set():
                    break
                conn.sendall(bytes([ch]))
                time.sleep(0.2)
        except OSError:
            pass
        finally:
            conn.close()

    sender = threading.Thread(target=trickle, daemon=True)
    sender.start()
    outcomes = []
    attempt = threading.Thread(
        target=lambda: outcomes.append(
            post(f"http://127.0.0.1:{server.getsockname()[1]}/hook", b"{}", {}, timeout=1.0)
        )
    )
    attempt.start()
    attempt.join(60)  # a hang guard only: without the deadline the attempt would last 30 minutes
    stop.set()
    server.close()
    assert not attempt.is_alive()
    [outcome] = outcomes
    assert outcome.status is None and "timeout" in (outcome.error or "")


def test_an_error_answer_is_logged_by_its_status_without_its_body(store):
    with Receiver(answers=[500]) as cms:
        cms.answer_body = b'{"redis_password": "hunter2"}'
        outcome = post(cms.url, b"{}", {}, timeout=5)
    assert (outcome.status, outcome.error) == (500, "HTTP 500")


@pytest.mark.parametrize("address", ["100.100.100.200", "100.64.0.1", "fd00:ec2::254", "169.254.169.254"])
def test_cloud_metadata_and_shared_addresses_are_never_contacted(address):
    assert never_contacted(ipaddress.ip_address(address))


@pytest.mark.parametrize(("url", "words"), [("http://[::1/x", "not an address"), ("http://a:0/", "port")])
def test_an_unreadable_url_or_port_zero_is_refused(url, words):
    with pytest.raises(TMError, match=words):
        check_url(url)


def test_a_slow_receiver_times_out_and_is_retried(store):
    with Receiver(delay=1.0) as cms:
        h = register(store, user(store, "cms"), cms.url, ["document.done"])
        d = ping(store, h)
        failed = settle(Deliverer(store, timeout=0.2, backoff=(0.01,)), store, d.id)
        assert len(cms.wait(2)) == 2
    assert (failed.state, failed.attempts, failed.last_status) == ("failed", 2, None)
    assert "timeout" in failed.last_error


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_not_followed(store, status):
    with Receiver(answers=[status]) as cms:
        h = register(store, user(store, "cms"), cms.url, ["document.done"])
        d = ping(store, h)
        Deliverer(store).run_once()
        time.sleep(0.1)
        assert [r.path for r in cms.requests] == ["/hook"]  # never /hook/moved
    after = store.webhooks.get_delivery(d.id)
    assert (after.state, after.last_status) == ("pending", status)
    assert "redirects are not followed" in after.last_error and "/hook/moved" in after.last_error


def test_a_hook_of_a_locked_account_is_not_sent_its_deliveries_fail(store):
    with Receiver() as cms:
        h = register(store, user(store, "cms"), cms.url, ["document.done"])
        d = ping(store, h)
        store.accounts.update(user(store, "cms").id, active=False)
        failed = settle(Deliverer(store), store, d.id)
        assert cms.requests == []
    assert failed.state == "failed" and "locked" in failed.last_error


def test_a_paused_hook_keeps_its_deliveries_until_it_resumes(store):
    with Receiver() as cms:
        h = register(store, user(store, "cms"), cms.url, ["document.done"])
        d = ping(store, h)
        store.webhooks.update(h.id, active=False)
        deliverer = Deliverer(store)
        assert deliverer.run_once() == 0
        assert store.webhooks.get_delivery(d.id).state == "pending"
        store.webhooks.update(h.id, active=True)
        assert settle(deliverer, store, d.id).state == "delivered"


def test_private_addresses_can_be_refused_and_link_local_ones_always_are():
    with Receiver() as cms:
        outcome = post(cms.url, b"{}", {}, timeout=1, allow_private=False)
        assert outcome.status is None and "127.0.0.1" in outcome.error
        assert post(cms.url, b"{}", {}, timeout=1).ok  # allowed by default: the CMS is on the intranet
        assert len(cms.requests) == 1
    outcome = post("http://169.254.169.254/latest/meta-data/", b"{}", {}, timeout=1)
    assert outcome.status is None and "169.254.169.254" in outcome.error
    assert "cannot resolve" in post("http://no-such-host.invalid/h", b"{}", {}, timeout=1).error


def test_two_deliverers_on_one_memory_never_send_a_delivery_twice(tmp_path, store):
    with Receiver(delay=0.01) as cms:
        h = register(store, user(store, "cms"), cms.url, ["document.done"])
        made = [ping(store, h).id for _ in range(30)]
        other = SQLiteStore(tmp_path / "m.db")  # as another server process would open it
        deliverers = [Deliverer(store, poll=0.02), Deliverer(other, poll=0.02)]
        for d in deliverers:
            d.start()
        try:
            got = cms.wait(30)
            deadline = time.monotonic() + 10
            while any(store.webhooks.get_delivery(i).state != "delivered" for i in made):
                assert time.monotonic() < deadline, "not every delivery was recorded"
                time.sleep(0.05)
            time.sleep(0.2)  # a second sending would show by now
        finally:
            for d in deliverers:
                d.stop()
            other.close()
    sent = sorted(int(r.headers["x-tm-delivery"]) for r in cms.requests)
    assert sent == sorted(made) and len(got) == 30
    assert {store.webhooks.get_delivery(i).attempts for i in made} == {1}


def test_a_started_deliverer_sends_what_is_queued_and_stops_when_told(store):
    with Receiver() as cms:
        h = register(store, user(store, "cms"), cms.url, ["document.done"])
        # a poll far longer than the waits below: only notify and stop can make them pass
        deliverer = Deliverer(store, poll=600.0)
        deliverer.start()
        try:
            d = ping(store, h)
            deliverer.notify()  # no need to wait for the poll
            cms.wait(1, timeout=60)
        finally:
            deliverer.stop()
            deliverer._thread.join(60)
    assert not deliverer._thread.is_alive()
    assert store.webhooks.get_delivery(d.id).state == "delivered"


def test_a_deliverer_ends_when_its_memory_is_closed(tmp_path):
    store = SQLiteStore(tmp_path / "x.db")
    deliverer = Deliverer(store, poll=0.02)
    deliverer.start()
    store.close()
    deliverer._thread.join(3)
    assert not deliverer._thread.is_alive()


def test_old_settled_deliveries_are_pruned(store):
    h = register(store, user(store, "cms"), "http://127.0.0.1:9/h", ["document.done"])
    d = ping(store, h)
    store.webhooks.claim(now="2999-01-01T00:00:00Z", lease_until="2000-01-01T00:00:00Z")
    store.webhooks.record(d.id, 1, state="delivered", status=200, error=None)
    assert Deliverer(store).prune() == 0  # a fresh one stays
    store.db.execute("UPDATE deliveries SET created_at='2000-01-01T00:00:00Z'")
    assert Deliverer(store).prune() == 1


def test_sending_happens_beside_other_deliveries_not_after_them(store):
    # the receiver answers no request until four are in at once: sent one after another, the
    # first would wait out the sender's timeout and fail
    together = threading.Barrier(4, timeout=30)
    with Receiver(before_answer=together.wait) as cms:
        h = register(store, user(store, "cms"), cms.url, ["document.done"])
        ids = [ping(store, h).id for _ in range(4)]
        assert Deliverer(store, concurrency=4, timeout=20).run_once() == 4
    assert {store.webhooks.get_delivery(i).state for i in ids} == {"delivered"}


def test_threads_are_not_left_behind(store):
    before = threading.active_count()
    deliverer = Deliverer(store, poll=0.02)
    deliverer.start()
    deliverer.stop()
    time.sleep(0.1)
    assert threading.active_count() <= before


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")
def test_https_checks_the_receivers_certificate(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-days", "1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    with Receiver() as cms:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert, key)
        cms.server.socket = tls.wrap_socket(cms.server.socket, server_side=True)
        outcome = post(cms.url.replace("http://", "https://"), b"{}", {}, timeout=2)
    assert outcome.status is None and "certificate is not trusted" in outcome.error
    assert cms.requests == []  # a self-signed receiver never gets the body
