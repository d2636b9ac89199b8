"""A server SIGKILLed while it imports a document (a large web page sent through the API) leaves
the memory with the whole document or none of it, on SQLite and PostgreSQL.

The kill lands at a different moment each round: first while the server holds the memory's write
lock (storing the document), then after fixed delays (reading the upload, splitting it, storing
it). Whatever the moment, every document in the memory has all its sentences and its file.
"""

from __future__ import annotations

import os
import threading
import time

import pytest
import requests

from tests.engine_helpers import EngineDB, engine_memory
from tests.fault_helpers import Server, run_tm

PARAGRAPHS = 1600  # about 4,800 sentences: under the 5,000 a document may have


def page() -> bytes:
    rows = []
    for i in range(PARAGRAPHS):
        rows.append(
            f"<p>قال <b>المتحدث</b> باسم الوزارة {i} إن المفاوضات استمرت. "
            f'وأضاف أن <a href="https://example.org/{i}">الاتفاق</a> سيوقع قريبا. '
            f"ولم يذكر تفاصيل أخرى عن الموعد {i}.</p>"
        )
    return ('<!doctype html><html lang="ar"><body>' + "\n".join(rows) + "</body></html>").encode()


def check_whole(db: EngineDB) -> list[tuple]:
    """Every document has all its sentences and its file; return (id, total) of each."""
    docs = db.query("SELECT id, total, format FROM documents ORDER BY id")
    for doc_id, total, fmt in docs:
        assert db.query(f"SELECT COUNT(*) FROM segments WHERE document_id={doc_id}") == [(total,)], doc_id
        files = db.query(f"SELECT COUNT(*) FROM document_files WHERE document_id={doc_id}")
        assert files == [(1 if fmt != "text" else 0,)], (doc_id, fmt)
    orphans = db.query("SELECT COUNT(*) FROM segments WHERE document_id NOT IN (SELECT id FROM documents)")
    assert orphans == [(0,)]
    return [(d, t) for d, t, _ in docs]


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_server_killed_while_importing_a_document_keeps_all_of_it_or_none(engine, tmp_path):
    with engine_memory(engine, tmp_path) as db:
        env = {
            **os.environ,
            "TM_DB": db.db,
            "TM_CREATE": "1",
            "TM_HOME": str(tmp_path / "home"),
            "TM_OFFLINE": "1",
        }
        env.pop("TM_QUEUE", None)
        run_tm(env, "init")
        run_tm(env, "user", "add", "ada", "--role", "admin", "--password-stdin", stdin="fault-password\n")
        token = run_tm(env, "token", "create", "ada", "--name", "cms").strip()
        body = page()
        outcomes = []
        for delay in (None, 0.3, 1.2):  # None: while the server holds the write lock
            server = Server(env, tmp_path / "serve.log").start()
            before = check_whole(db)
            answers: list[int] = []

            def send(base: str = server.base, answers: list[int] = answers) -> None:
                try:
                    r = requests.post(
                        f"{base}/api/v1/documents/file",
                        headers={"Authorization": f"Bearer {token}"},
                        files={"file": ("story.html", body, "text/html")},
                        data={"mt": "false"},
                        timeout=60,
                    )
                    answers.append(r.status_code)
                except requests.RequestException:
                    answers.append(0)  # the server died under it

            sender = threading.Thread(target=send)
            sender.start()
            if delay is None:  # in the transaction that stores it (held over two looks, 10 ms apart)
                deadline = time.monotonic() + 30
                while not (db.writing() and (time.sleep(0.01) or db.writing())):
                    assert time.monotonic() < deadline and sender.is_alive(), "the import never wrote"
            else:
                time.sleep(delay)
            server.kill()
            sender.join(60)
            after = check_whole(db)
            added = [d for d in after if d not in before]
            assert len(after) - len(before) in (0, 1) and len(added) == len(after) - len(before)
            if answers == [201]:  # acknowledged: it must be there
                assert len(added) == 1
            for _, total in added:
                assert total > 4000
            outcomes.append((delay, answers, len(added)))
        print(f"\n{engine}: (kill after s, answers, documents kept) {outcomes}")
        assert "Traceback" not in (tmp_path / "serve.log").read_text()
