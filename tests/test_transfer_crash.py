"""`tm db copy` SIGKILLed halfway leaves the destination exactly as before, on both engines.

A real `tm` process copies a memory of 100,000 units; when its progress on stderr says half
of the rows are written it is killed, and the destination is checked: no SQLite file at the
path, an empty PostgreSQL schema. Then the copy runs again, to completion.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from tests.cli_run import TM
from tests.test_transfer import SERVER, needs_postgres, pg_url  # noqa: F401 (a fixture)
from tm.store import open_store
from tm.store.records import NewUnit
from tm.transfer import TABLES, checksums, copy_memory

UNITS = 100_000
DEADLINE = 300.0  # seconds any one wait may take on a loaded machine


@pytest.fixture(scope="module")
def big_memory(tmp_path_factory):
    """A memory of 100,000 units (each with its history row) and a few edits and deletes."""
    path = tmp_path_factory.mktemp("big") / "source.db"
    store = open_store(path)
    try:
        store.units.import_units(
            NewUnit(
                f"قال المتحدث في البيان رقم {i} إن المحادثات ستستأنف.",
                f"Talks will resume, statement {i} said.",
            )
            for i in range(UNITS)
        )
        for unit_id in range(1, 200, 7):
            store.units.update(unit_id, author="ada", target=f"Edited {unit_id}.")
        store.units.delete(UNITS, author="ada")
    finally:
        store.close()
    return str(path)


def _kill_halfway(home, source: str, dest: str) -> list[str]:
    """Run `tm db copy` and SIGKILL it once it reports half of the rows written; return its lines."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TM_")}
    env["TM_HOME"] = str(home)
    proc = subprocess.Popen(
        [TM, "db", "copy", source, dest], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    lines: list[str] = []
    try:
        assert proc.stderr is not None
        started = time.monotonic()
        for line in proc.stderr:
            lines.append(line)
            if "(5" in line and "rows (" in line:  # 50% .. 59%
                proc.send_signal(signal.SIGKILL)
                break
            assert time.monotonic() - started < DEADLINE, lines
        proc.wait(timeout=DEADLINE)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, lines)
    return lines


def _complete(source: str, dest: str) -> None:
    report = copy_memory(source, dest)
    assert all(t.ok for t in report.tables)
    mine, theirs = checksums(source), checksums(dest)
    assert mine["units"] == theirs["units"] and mine["history"] == theirs["history"]
    store = open_store(dest, create=False)
    try:
        assert store.units.count() == UNITS - 1
        assert store.units.add(NewUnit("جديدة.", "New.")).id == UNITS + 1  # past the deleted one
    finally:
        store.close()


def test_a_copy_to_sqlite_killed_halfway_leaves_no_file_and_runs_again(big_memory, tmp_path):
    dest = tmp_path / "copy.db"
    lines = _kill_halfway(tmp_path, big_memory, str(dest))
    assert any("units" in line for line in lines)
    assert not dest.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".copy.db.tm-copy-")]  # the dead one's
    _complete(big_memory, str(dest))
    assert not [p.name for p in tmp_path.iterdir() if "tm-copy" in p.name]  # cleared by the next copy


@needs_postgres
def test_a_copy_to_postgresql_killed_halfway_leaves_the_schema_empty_and_runs_again(
    big_memory,
    tmp_path,
    pg_url,  # noqa: F811
):
    url = pg_url()
    _kill_halfway(tmp_path, big_memory, url)
    import psycopg

    with psycopg.connect(url) as conn:
        for table in TABLES:
            assert conn.execute(f"SELECT count(*) FROM {table.name}").fetchone() == (0,), table.name
        keys = {r[0] for r in conn.execute("SELECT key FROM meta")}
        assert keys <= {"schema_version", "memory_id"}
    _complete(big_memory, url)
