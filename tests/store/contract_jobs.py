"""The contract of `store.jobs`: a queue any thread or process can submit to, claim from and finish."""

from __future__ import annotations

import io
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tm.errors import NotFound

from .contract_common import WAIT

PARAMS = {
    "document": 7,
    "title": "بيان وزارة الخارجية",
    "options": {"min_score": 75, "glossary": True},
    "files": [],
}


class JobsContract:
    def test_a_submitted_job_is_queued_with_its_params(self, store):
        job = store.jobs.submit("pretranslate", "sara", PARAMS, total=12)
        assert (job.kind, job.owner, job.state, job.params) == ("pretranslate", "sara", "queued", PARAMS)
        assert (job.done, job.total, job.attempts, job.worker, job.result, job.error) == (
            0,
            12,
            0,
            None,
            None,
            None,
        )
        assert (job.started_at, job.finished_at) == (None, None)
        assert job.created_at.endswith("Z")
        assert store.jobs.get(job.id) == job

    def test_a_missing_job_raises_not_found(self, store):
        with pytest.raises(NotFound):
            store.jobs.get(4242)

    def test_claim_takes_the_oldest_queued_job_of_the_given_kinds_only(self, store):
        imp = store.jobs.submit("import", "omar", {"path": "/tmp/أخبار.tmx"})
        first = store.jobs.submit("pretranslate", "sara", PARAMS)
        second = store.jobs.submit("pretranslate", "lina", PARAMS)
        claimed = store.jobs.claim("worker-1", ["pretranslate"])
        assert claimed.id == first.id
        assert (claimed.state, claimed.worker, claimed.attempts) == ("running", "worker-1", 1)
        assert claimed.started_at is not None and claimed.params == PARAMS
        assert store.jobs.get(first.id) == claimed
        assert store.jobs.claim("worker-2", ["export"]) is None
        assert store.jobs.claim("worker-2", []) is None
        assert store.jobs.claim("worker-2", ["pretranslate", "import"]).id == imp.id
        assert store.jobs.claim("worker-2", ["pretranslate"]).id == second.id
        assert store.jobs.claim("worker-2", ["pretranslate", "import"]) is None

    def test_an_empty_queue_gives_no_job(self, store):
        assert store.jobs.claim("worker-1", ["pretranslate"]) is None

    def test_concurrent_workers_never_claim_the_same_job(self, store):
        submitted = {store.jobs.submit("pretranslate", "sara", {"n": i}).id for i in range(20)}

        def work(name):
            mine = []
            while (job := store.jobs.claim(name, ["pretranslate"])) is not None:
                assert job.worker == name
                mine.append(job.id)
            return mine

        with ThreadPoolExecutor(max_workers=4) as pool:
            claimed = [f.result(timeout=WAIT) for f in [pool.submit(work, f"worker-{w}") for w in range(4)]]
        every = [i for mine in claimed for i in mine]
        assert sorted(every) == sorted(submitted)
        assert all(store.jobs.get(i).attempts == 1 for i in every)
        assert len(store.jobs.running()) == 20

    def test_progress_and_heartbeat_are_recorded(self, store):
        job = store.jobs.submit("pretranslate", "sara", PARAMS, total=10)
        store.jobs.claim("worker-1", ["pretranslate"])
        store.jobs.progress(job.id, 4)
        got = store.jobs.get(job.id)
        assert (got.done, got.total, got.state) == (4, 10, "running")
        assert got.heartbeat_at is not None
        store.jobs.progress(job.id, 5, total=12)
        got = store.jobs.get(job.id)
        assert (got.done, got.total) == (5, 12)
        store.jobs.heartbeat(job.id)
        after = store.jobs.get(job.id)
        assert after.heartbeat_at >= got.heartbeat_at and (after.done, after.state) == (5, "running")

    def test_finish_keeps_the_result_as_json(self, store):
        job = store.jobs.submit("import", "omar", {"path": "desk.tmx"}, total=3)
        store.jobs.claim("worker-1", ["import"])
        result = {"added": 2, "skipped": 1, "messages": ["سطر 4: وحدة فارغة"], "ratio": 0.5, "note": None}
        store.jobs.finish(job.id, result)
        got = store.jobs.get(job.id)
        assert (got.state, got.result, got.error, got.done) == ("done", result, None, 3)
        assert got.finished_at is not None and got.finished_at >= got.started_at
        assert store.jobs.running() == []

    @pytest.mark.parametrize("result", [[1, "٢", None], "تم", 7])
    def test_a_result_of_any_json_shape_round_trips(self, store, result):
        job = store.jobs.submit("export", "omar", {})
        store.jobs.finish(job.id, result)
        assert store.jobs.get(job.id).result == result

    def test_fail_keeps_the_message_for_the_owner(self, store):
        job = store.jobs.submit("pretranslate", "sara", PARAMS)
        store.jobs.claim("worker-1", ["pretranslate"])
        store.jobs.fail(job.id, "تعذر تحميل النموذج: no model")
        got = store.jobs.get(job.id)
        assert (got.state, got.error) == ("failed", "تعذر تحميل النموذج: no model")
        assert got.finished_at is not None
        assert store.jobs.claim("worker-2", ["pretranslate"]) is None

    def test_a_requeued_job_is_claimed_again_with_one_more_attempt(self, store):
        job = store.jobs.submit("pretranslate", "sara", PARAMS)
        store.jobs.claim("worker-1", ["pretranslate"])
        store.jobs.requeue(job.id, "worker-1 stopped answering")
        got = store.jobs.get(job.id)
        assert (got.state, got.worker, got.error) == ("queued", None, "worker-1 stopped answering")
        assert store.jobs.running() == []
        again = store.jobs.claim("worker-2", ["pretranslate"])
        assert (again.id, again.state, again.worker, again.attempts) == (job.id, "running", "worker-2", 2)

    def test_requeue_leaves_a_job_that_is_no_longer_running_alone(self, store):
        job = store.jobs.submit("pretranslate", "sara", PARAMS)
        store.jobs.claim("worker-1", ["pretranslate"])
        store.jobs.finish(job.id, {"drafted": 12})  # the worker ends just as recovery gives up on it
        store.jobs.requeue(job.id, "worker-1 stopped answering")
        got = store.jobs.get(job.id)
        assert (got.state, got.result, got.worker) == ("done", {"drafted": 12}, "worker-1")
        assert store.jobs.claim("worker-2", ["pretranslate"]) is None

    def test_running_lists_the_jobs_some_worker_has(self, store):
        a = store.jobs.submit("pretranslate", "sara", PARAMS)
        b = store.jobs.submit("import", "omar", {})
        c = store.jobs.submit("pretranslate", "lina", PARAMS)
        store.jobs.submit("pretranslate", "lina", PARAMS)
        for _ in range(3):
            store.jobs.claim("worker-1", ["pretranslate", "import"])
        store.jobs.finish(b.id, {})
        assert [(j.id, j.state, j.worker) for j in store.jobs.running()] == [
            (a.id, "running", "worker-1"),
            (c.id, "running", "worker-1"),
        ]

    def test_pending_counts_queued_and_running_jobs_of_the_kinds(self, store):
        jobs = [
            store.jobs.submit(kind, "sara", {})
            for kind in ("pretranslate", "pretranslate", "import", "export")
        ]
        assert store.jobs.pending(["pretranslate"]) == 2
        assert store.jobs.pending(["pretranslate", "import"]) == 3
        store.jobs.claim("worker-1", ["pretranslate"])
        assert store.jobs.pending(["pretranslate"]) == 2
        store.jobs.finish(jobs[0].id, {})
        store.jobs.fail(jobs[2].id, "broken file")
        assert store.jobs.pending(["pretranslate", "import"]) == 1
        assert store.jobs.pending(["export"]) == 1
        assert store.jobs.pending(["translate"]) == 0
        assert store.jobs.pending([]) == 0

    def test_prune_deletes_only_finished_jobs_older_than_the_given_time(self, store):
        old_done = store.jobs.submit("import", "omar", {})
        old_failed = store.jobs.submit("import", "omar", {})
        store.jobs.finish(old_done.id, {"added": 1})
        store.jobs.fail(old_failed.id, "broken")
        time.sleep(1.1)  # times are kept to the second
        recent = store.jobs.submit("import", "omar", {})
        store.jobs.finish(recent.id, {"added": 2})
        running = store.jobs.submit("pretranslate", "sara", PARAMS)
        store.jobs.claim("worker-1", ["pretranslate"])
        queued = store.jobs.submit("pretranslate", "sara", PARAMS)
        cutoff = store.jobs.get(recent.id).finished_at
        assert store.jobs.prune("2000-01-01T00:00:00Z") == 0
        assert store.jobs.prune(cutoff) == 2
        for gone in (old_done, old_failed):
            with pytest.raises(NotFound):
                store.jobs.get(gone.id)
        assert store.jobs.get(recent.id).state == "done"
        assert store.jobs.prune("2999-01-01T00:00:00Z") == 1
        assert (store.jobs.get(queued.id).state, store.jobs.get(running.id).state) == ("queued", "running")

    # -- a job's file, and claiming one job by id (the queue on Redis names the job it sends) --

    def test_a_job_keeps_its_file_in_chunks_until_it_ends(self, store):
        from tm.store.jobs_sql import CHUNK

        data = bytes(range(256)) * (CHUNK // 256) * 2 + "نهاية الملف".encode()  # two chunks and a bit
        job = store.jobs.submit("import", "ada", {"format": "tmx"}, total=len(data), file=io.BytesIO(data))
        other = store.jobs.submit("import", "ada", {"format": "tmx"}, file=io.BytesIO(b"<tmx/>"))
        assert store.jobs.has_file(job.id) and store.jobs.has_file(other.id)
        with store.jobs.open_file(job.id) as f:
            assert f.read(10) == data[:10]
            assert f.read() == data[10:]
        store.jobs.claim("w", ["import"])
        store.jobs.finish(job.id, {"added": 1})
        assert not store.jobs.has_file(job.id)
        with pytest.raises(NotFound):
            store.jobs.open_file(job.id)
        store.jobs.fail(other.id, "bad file")
        assert not store.jobs.has_file(other.id)

    def test_a_job_without_a_file_keeps_none_and_an_empty_file_is_kept_empty(self, store):
        job = store.jobs.submit("pretranslate", "sara", PARAMS)
        assert not store.jobs.has_file(job.id)
        with pytest.raises(NotFound):
            store.jobs.open_file(job.id)
        empty = store.jobs.submit("import", "ada", {}, file=io.BytesIO(b""))
        assert store.jobs.has_file(empty.id)
        with store.jobs.open_file(empty.id) as f:
            assert f.read() == b""

    def test_a_failed_submit_keeps_neither_the_job_nor_its_file(self, store):
        class Broken(io.RawIOBase):
            def __init__(self) -> None:
                self.calls = 0

            def readable(self) -> bool:
                return True

            def read(self, n: int = -1) -> bytes:
                self.calls += 1
                if self.calls > 2:
                    raise OSError("the upload broke off")
                return b"x" * 1000

        with pytest.raises(OSError, match="broke off"):
            store.jobs.submit("import", "ada", {"format": "tmx"}, file=Broken())
        assert store.jobs.queued(["import"]) == []
        assert store.jobs.pending(["import"]) == 0

    def test_claim_id_takes_a_queued_job_once(self, store):
        job = store.jobs.submit("pretranslate", "sara", PARAMS)
        with ThreadPoolExecutor(4) as pool:
            taken = list(pool.map(lambda w: store.jobs.claim_id(job.id, w), ["a", "b", "c", "d"]))
        winners = [t for t in taken if t is not None]
        assert len(winners) == 1 and winners[0].state == "running" and winners[0].attempts == 1
        assert store.jobs.claim_id(job.id, "e") is None  # running
        store.jobs.finish(job.id, {})
        assert store.jobs.claim_id(job.id, "e") is None  # done
        assert store.jobs.claim_id(98765, "e") is None  # gone

    def test_queued_lists_the_waiting_jobs_of_the_kinds_oldest_first(self, store):
        a = store.jobs.submit("pretranslate", "sara", PARAMS)
        b = store.jobs.submit("import", "ada", {})
        c = store.jobs.submit("pretranslate", "sara", PARAMS)
        store.jobs.claim_id(c.id, "w")
        assert [j.id for j in store.jobs.queued(["pretranslate", "import"])] == [a.id, b.id]
        assert [j.id for j in store.jobs.queued(["pretranslate"])] == [a.id]
        assert store.jobs.queued([]) == []
