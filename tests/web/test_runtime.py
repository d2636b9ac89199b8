"""The app under faults: jobs that outlive their worker, a busy memory, bad numbers, long imports."""

from __future__ import annotations

import socket
import sqlite3
import threading
from urllib.parse import urlencode

import pytest
from werkzeug.test import encode_multipart

from tests.conftest import EchoTranslator
from tm.config import Settings
from tm.store.records import NewUnit
from web import create_app

from .conftest import CountedBody, services

ARTICLE = "عنوان الخبر\n\nقال الوزير إن الاقتصاد ينمو. وأضاف أن التضخم مستقر.\n"
DEAD_WORKER = f"{socket.gethostname()}:999999999:gone"  # no process has this pid


def restart(app, tmp_path):
    """Start a second app on the same memory, as a restarted server process would."""
    store = services(app).store
    again = create_app(Settings(db=str(tmp_path / "web.db")), store=store, translator=EchoTranslator())
    again.config["TESTING"] = True
    return again


def test_a_job_is_readable_only_by_its_owner_and_admins(app, translator, reviewer, admin):
    doc_id = translator.new_document(ARTICLE)
    job_id = services(app).store.documents.get(doc_id).job_id
    mine = translator.get(f"/api/jobs/{job_id}")
    assert mine.status_code == 200 and mine.get_json()["state"] == "done"
    assert admin.get(f"/api/jobs/{job_id}").status_code == 200
    from .conftest import Client

    for other in (Client(app, "tia"), reviewer):
        r = other.get(f"/api/jobs/{job_id}")
        assert r.status_code == 404 and "result" not in r.get_json()
    assert translator.get("/api/jobs/999999").status_code == 404


def test_drafting_left_running_by_a_dead_worker_resumes_after_a_restart(app, tmp_path, translator):
    svc = services(app)
    svc.worker.stop()  # the first server process is gone
    store = svc.store
    doc_id = svc.documents.create("wire", ARTICLE, "tom")
    job = store.jobs.submit("pretranslate", "tom", {"document": doc_id})
    store.documents.set_state(doc_id, job_id=job.id)
    assert store.jobs.claim(DEAD_WORKER, ["pretranslate"]).state == "running"
    again = restart(app, tmp_path)
    try:
        services(again).worker.wait_idle(30)
        done = store.jobs.get(job.id)
        assert (done.state, done.attempts) == ("done", 2)
        assert store.documents.get(doc_id).status == "ready"
        assert store.documents.segments(doc_id)[0].target == "EN: عنوان الخبر"
    finally:
        services(again).worker.stop()


def test_an_import_whose_worker_died_runs_again_from_the_file_kept_with_it(app, tmp_path, admin):
    import io

    svc = services(app)
    svc.worker.stop()
    tmx = (
        '<?xml version="1.0" encoding="UTF-8"?><tmx version="1.4"><header srclang="ar" adminlang="en" '
        'segtype="sentence" datatype="plaintext" o-tmf="t" creationtool="t" creationtoolversion="1"/>'
        "<body>"
        + "".join(
            f'<tu><tuv xml:lang="ar"><seg>قال المتحدث باسم الوزارة {i}</seg></tuv>'
            f'<tuv xml:lang="en"><seg>The ministry spokesman said {i}</seg></tuv></tu>'
            for i in range(3)
        )
        + "</body></tmx>"
    ).encode()
    params = {"format": "tmx", "name": "desk.tmx", "on_duplicate": "skip"}
    job = svc.store.jobs.submit("import", "ada", params, total=len(tmx), file=io.BytesIO(tmx))
    with svc.store.jobs.open_file(job.id) as kept:
        assert kept.read() == tmx
    svc.store.jobs.claim(DEAD_WORKER, ["import"])
    again = restart(app, tmp_path)
    try:
        services(again).worker.wait_idle(30)
        done = svc.store.jobs.get(job.id)
        assert (done.state, done.attempts, done.result["added"]) == ("done", 2, 3), done
        assert svc.store.units.count() == 3
        assert not svc.store.jobs.has_file(job.id), "the file outlived its job"
        assert admin.get(f"/api/jobs/{job.id}").get_json()["state"] == "done"
    finally:
        services(again).worker.stop()


def test_a_job_that_keeps_killing_its_worker_is_given_up_with_a_message(app, tmp_path):
    import io

    svc = services(app)
    svc.worker.stop()
    job = svc.store.jobs.submit(
        "import",
        "ada",
        {"format": "tmx", "name": "x.tmx", "on_duplicate": "skip"},
        file=io.BytesIO(b"<tmx/>"),
    )
    for _ in range(3):  # three workers died running it
        svc.store.jobs.claim(DEAD_WORKER, ["import"])
        svc.store.jobs.requeue(job.id, "died")
    svc.store.jobs.claim(DEAD_WORKER, ["import"])
    again = restart(app, tmp_path)
    try:
        failed = svc.store.jobs.get(job.id)
        assert failed.state == "failed" and "Start it again" in failed.error, failed
        assert not svc.store.jobs.has_file(job.id)
    finally:
        services(again).worker.stop()


def test_a_document_whose_drafting_job_is_gone_offers_a_retry_that_works(app, translator):
    svc = services(app)
    doc_id = translator.new_document(ARTICLE)
    failed = svc.store.jobs.submit("pretranslate", "tom", {"document": 0})
    svc.store.jobs.fail(failed.id, "lost")
    svc.store.documents.set_state(doc_id, status="translating", job_id=failed.id)
    page = translator.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "Draft it again" in page and 'id="drafting"' not in page
    assert translator.get(f"/api/documents/{doc_id}").get_json()["stuck"] is True
    r = translator.post(f"/documents/{doc_id}/retranslate")
    assert r.status_code == 302
    svc.worker.wait_idle(30)
    assert svc.store.documents.get(doc_id).status == "ready"
    assert "Draft it again" not in translator.get(f"/documents/{doc_id}").get_data(as_text=True)


def test_a_document_being_drafted_is_not_drafted_twice(app, translator):
    svc = services(app)
    svc.worker.stop()
    doc_id = svc.documents.create("wire", ARTICLE, "tom")
    job = svc.store.jobs.submit("pretranslate", "tom", {"document": doc_id})
    svc.store.documents.set_state(doc_id, job_id=job.id)
    translator.post(f"/documents/{doc_id}/retranslate")
    assert svc.store.jobs.pending(["pretranslate"]) == 1


def test_finished_jobs_are_pruned_after_a_week(app, store):
    jobs = store.jobs
    old, recent, queued = (jobs.submit("import", "ada", {}) for _ in range(3))
    for job in (old, recent):
        jobs.finish(job.id, {"added": 1})
    store.db.execute("UPDATE jobs SET finished_at='2020-01-01T00:00:00Z' WHERE id=?", (old.id,))
    assert services(app).worker.prune() == 1
    assert {j for j in (recent.id, queued.id)} == {jobs.get(recent.id).id, jobs.get(queued.id).id}
    with pytest.raises(Exception, match="does not exist"):
        jobs.get(old.id)


def test_a_busy_memory_answers_503_with_retry_after_and_changes_nothing(app, translator, store, tmp_path):
    doc_id = translator.new_document(ARTICLE)
    seg = store.documents.segment(doc_id, 1)
    store.db.conn().execute("PRAGMA busy_timeout=200")
    other = sqlite3.connect(tmp_path / "web.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        url = f"/api/documents/{doc_id}/segments/1"
        r = translator.api("PUT", url, {"target": "edited while busy", "version": seg.version})
        assert r.status_code == 503 and r.headers["Retry-After"] == "2"
        assert "busy" in r.get_json()["error"]
        r = translator.api(
            "POST", url + "/confirm", {"target": "confirmed while busy", "version": seg.version}
        )
        assert r.status_code == 503
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert store.documents.segment(doc_id, 1).version == seg.version
    assert services(app).memory.lookup("قال الوزير إن الاقتصاد ينمو.") == []
    r = translator.api("PUT", url, {"target": "edited", "version": seg.version})
    assert r.status_code == 200 and r.get_json()["segment"]["version"] == seg.version + 1


@pytest.mark.parametrize(
    "body", [{"target": "x", "version": "1"}, {"target": "x"}, {"target": "x", "version": True}]
)
def test_a_save_without_a_whole_number_version_is_refused_and_changes_nothing(app, translator, store, body):
    doc_id = translator.new_document(ARTICLE)
    before = store.documents.segment(doc_id, 1)
    for url in (f"/api/documents/{doc_id}/segments/1", f"/api/documents/{doc_id}/segments/1/confirm"):
        r = translator.api("PUT" if url.endswith("/1") else "POST", url, body)
        assert r.status_code == 400 and "version" in r.get_json()["error"]
    after = store.documents.segment(doc_id, 1)
    assert (after.version, after.target, after.status) == (before.version, before.target, before.status)


def test_a_unit_edit_without_its_version_is_refused(app, reviewer):
    unit = services(app).memory.add("ارتفع الدولار.", "The dollar rose.")
    r = reviewer.post(f"/memory/units/{unit.id}", {"source": "ارتفع الدولار.", "target": "overwritten"})
    assert r.status_code == 400
    assert reviewer.post(f"/memory/units/{unit.id}/delete", {}).status_code == 400
    assert services(app).store.units.get(unit.id).target == "The dollar rose."


@pytest.mark.parametrize(
    "url", ["/memory/?page=abc", "/memory/?page=99999999999999999999999", "/api/lookup?text=x&min=abc"]
)
def test_bad_numbers_in_addresses_are_a_clear_400(translator, url):
    r = translator.get(url)
    assert r.status_code == 400


def test_saves_go_through_while_a_long_import_runs(app, translator, store):
    doc_id = translator.new_document(ARTICLE * 20)
    started, finished = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def units():
        for i in range(20_000):
            if i == 2000:
                started.set()
            yield NewUnit(f"قال المتحدث باسم الوزارة إن الجلسة رقم {i} انتهت في العاصمة", f"session {i}")

    def run():
        try:
            store.units.import_units(units())
        except BaseException as e:
            errors.append(e)
        finally:
            finished.set()

    importer = threading.Thread(target=run)
    importer.start()
    assert started.wait(30)
    during = 0  # confirms that came back while the import was still going
    total = store.documents.get(doc_id).total
    n = 0
    while not finished.is_set() or n < 5:
        idx = n % total
        seg = store.documents.segment(doc_id, idx)
        r = translator.api(
            "POST",
            f"/api/documents/{doc_id}/segments/{idx}/confirm",
            {"target": f"English {idx}", "version": seg.version},
        )
        assert r.status_code == 200, r.get_json()
        during += not finished.is_set()
        n += 1
    importer.join(60)
    assert not errors
    # the import stages its rows without the write lock: saves do not wait for it to end
    assert during >= 3, f"only {during} confirms while the import ran"
    confirmed = store.documents.segments(doc_id)[: min(n, total)]
    imported = [u for u in store.units.iter_units() if u.target.startswith("session ")]
    by_editor = [u for u in store.units.iter_units() if u.author == "tom"]
    assert len(imported) == 20_000 and store.units.count() == 20_000 + len(by_editor)
    assert {u.source for u in by_editor} == {s.source for s in confirmed}
    for seg in confirmed:
        best = services(app).memory.lookup(seg.source)[0]
        assert best.score >= 100 and best.unit.target.startswith("English ")
    print(f"{n} confirms, {during} of them while the import ran")
    assert (
        services(app).memory.lookup("قال المتحدث باسم الوزارة إن الجلسة رقم 123 انتهت في العاصمة")[0].score
        == 100
    )


def test_a_json_body_nested_too_deep_is_a_clear_400(app, translator):
    doc_id = translator.new_document(ARTICLE)
    deep = "[" * 100_000 + "]" * 100_000
    r = translator.http.put(
        f"/api/documents/{doc_id}/segments/1",
        data=deep,
        content_type="application/json",
        headers={"X-CSRF-Token": translator.token()},
    )
    assert r.status_code == 400 and "JSON object" in r.get_json()["error"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/jobs/99999999999999999999",
        "/api/documents/99999999999999999999",
        "/documents/99999999999999999999",
        "/memory/units/99999999999999999999",
    ],
)
def test_an_id_too_large_for_the_database_is_no_page(translator, url):
    assert translator.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/memory/?page=²", "/api/lookup?text=x&min=²", "/api/lookup?text=x&min=٣"])
def test_digits_that_are_not_ascii_in_numbers_are_a_clear_400(translator, url):
    assert translator.get(url).status_code == 400


def test_a_target_that_is_not_text_is_refused(app, translator, store):
    doc_id = translator.new_document(ARTICLE)
    r = translator.api("PUT", f"/api/documents/{doc_id}/segments/1", {"target": {"a": 1}, "version": 1})
    assert r.status_code == 400 and "string" in r.get_json()["error"]
    assert store.documents.segment(doc_id, 1).version == 1


def test_someone_elses_job_and_a_missing_job_answer_alike(app, translator):
    from .conftest import Client

    doc_id = translator.new_document(ARTICLE)
    job_id = services(app).store.documents.get(doc_id).job_id
    tia = Client(app, "tia")
    theirs, missing = tia.get(f"/api/jobs/{job_id}"), tia.get(f"/api/jobs/{job_id + 1000}")
    assert (theirs.status_code, theirs.get_json()) == (missing.status_code, missing.get_json())


def test_a_long_paste_is_taken_and_a_huge_one_refused_at_once_with_the_limits(app, translator, store):
    services(app).worker.stop()  # only the request is under test, not drafting 4,000 sentences
    line = "قال المتحدث إن الاجتماع رقم {} سيعقد في العاصمة الأسبوع المقبل بحضور الوزراء."
    long_text = "\n".join(line.format(i) for i in range(4000))
    assert len(long_text.encode()) > 500_000  # more than a form field's default limit
    for multipart in (False, True):
        r = translator.post(
            "/documents/new",
            {"title": "long", "text": long_text},
            content_type="multipart/form-data" if multipart else None,
        )
        assert r.status_code == 302
        assert store.documents.get(int(r.headers["Location"].rsplit("/", 1)[1])).total == 4000
    huge = {"title": "huge", "text": "ا" * (6 * 1024 * 1024), "csrf_token": translator.token()}  # 12 MB
    boundary, multipart = encode_multipart(huge)
    limit = 10 * 1024 * 1024
    for body, content_type, most in (
        # a form: refused from its length, nothing of it read
        (urlencode(huge).encode(), "application/x-www-form-urlencoded", 0),
        # a multipart body may carry a file larger than a paste: read until its text passes
        # the paste limit (and a buffer's worth), not to its end
        (multipart, f"multipart/form-data; boundary={boundary}", limit + 256 * 1024),
    ):
        counted = CountedBody(body)
        r = translator.http.post(
            "/documents/new",
            input_stream=counted,
            content_type=content_type,
            headers={"Content-Length": str(len(body))},
        )
        assert r.status_code == 413 and "pasted text up to 10 MB" in r.get_data(as_text=True)
        assert counted.read_bytes <= most < len(body)
    assert len(store.documents.all()) == 2


def test_drafting_again_is_for_the_owner_or_an_admin_and_keeps_saved_sentences(app, translator, admin, store):
    from .conftest import Client

    doc_id = translator.new_document(ARTICLE)
    seg = store.documents.segment(doc_id, 1)
    r = translator.api(
        "POST",
        f"/api/documents/{doc_id}/segments/1/confirm",
        {"target": "The minister said", "version": seg.version},
    )
    assert r.status_code == 200
    assert Client(app, "tia").post(f"/documents/{doc_id}/retranslate").status_code == 403
    assert admin.post(f"/documents/{doc_id}/retranslate").status_code == 302
    services(app).worker.wait_idle(30)
    kept = store.documents.segment(doc_id, 1)
    assert (kept.target, kept.status) == ("The minister said", "confirmed")
    assert store.documents.segment(doc_id, 2).target == "EN: وأضاف أن التضخم مستقر."
