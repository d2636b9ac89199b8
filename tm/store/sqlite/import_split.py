"""A large import read by several processes at once: each stages its part, one swap adds all.

What a part is comes from the units given (`split(n)`, see tm/formats/tmx_split.py). This
process stages part 0 as any import does (imports.py); every other part is staged by a process
of its own, forked from this one or, when this one runs other threads, started as `python -m
tm.store.sqlite.import_split` (see forking). It reads its part and stages it into a database
file of its own, deciding repeats within the part; it never opens the memory. Then one
transaction swaps the stages in, in file order, each after a recheck against what is in the
memory by then (part 0's only if the memory changed while it staged): what a part repeats of
the memory or of an earlier part is skipped or kept beside it (the duplicate policy), as one
process reading the whole file would decide, and the units get the ids one process would give
them. Imports that overwrite are read by one process (see import_split).

All or nothing, as ever: a part that fails to parse (a cut that was not between two units, or a
real error) makes the import read the whole file in one process, whose error is the file's; a
part's process that dies or fails makes it do the same, after a warning; nothing reaches the
memory before the one swap.
"""

from __future__ import annotations

import gc
import importlib
import json
import logging
import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import IO, Any

from tm.errors import FormatError, StoreError
from tm.store.bulk import AHEAD, Swapping
from tm.store.records import ImportResult, NewUnit
from tm.store.sqlite.db import _translate as translate_error
from tm.store.sqlite.imports import (
    _newest_change,
    _Overwrite,
    _recheck,
    _Stage,
    _Stager,
    _swap,
    alongside,
    placed,
    stage_all,
)

log = logging.getLogger(__name__)

# Parts' stages are attached under these names for the swap (SQLite attaches at most 10).
_PART_SCHEMA = "tm_import_part{}"
MAX_PARTS = 8
# The scratch folder of an import, in the system's temporary folder: this, the pid, a suffix.
_SCRATCH = "tm-import-"


def processes() -> int:
    """Return how many processes an import may read with: the cores this process may use."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_PARTS))


def _sweep() -> None:
    """Remove the scratch folders of imports whose process was killed (nothing else would)."""
    if os.name != "posix":  # os.kill(pid, 0) is no question on Windows (it sends Ctrl+C)
        return
    for folder in Path(tempfile.gettempdir()).glob(f"{_SCRATCH}*-*"):
        try:
            pid = int(folder.name[len(_SCRATCH) :].split("-")[0])
            os.kill(pid, 0)
        except ProcessLookupError:  # its import is gone
            shutil.rmtree(folder, ignore_errors=True)
        except (ValueError, OSError):  # not one of ours, or another user's
            continue


class _Fallback(Exception):
    """The parts could not be imported: read the whole file in one process.

    `quiet` for a part that is not well formed: the whole file's reading says what is wrong
    with it, or reads it (a cut that was not between two units).
    """

    def __init__(self, why: str, *, quiet: bool = False):
        super().__init__(why)
        self.quiet = quiet


def import_split(
    part: Any,
    units: Iterable[NewUnit],
    on_duplicate: str,
    progress: Callable[[int], None] | None,
    while_swapping: Callable[[Iterable[str]], None] | None = None,
) -> ImportResult | None:
    """Import units in parts read by several processes; None when they are not split.

    `part` is the SQLite units part. On None the caller imports the units in one process (what
    progress reported of a part already read is then reported again).
    """
    db = part.db
    split = getattr(units, "split", None)
    # Under `overwrite`, one process decides a repeat by the batch it falls in (bulk.BATCH: the
    # memory's target before the import, or the one staged in the same batch), which parts
    # staged apart cannot reproduce: such imports are read by one process.
    if split is None or on_duplicate == "overwrite" or db.in_transaction or db.conn().in_transaction:
        return None
    specs = split(processes())
    if not specs:
        return None
    _sweep()
    try:
        scratch = tempfile.mkdtemp(prefix=f"{_SCRATCH}{os.getpid()}-")
    except OSError as e:
        log.warning("reading the file in one process: no scratch folder (%s)", e)
        return None
    children: list[_Child] = []
    try:
        try:
            fork = forking()  # asked once: the children's threads come after the last fork
            for i, spec in enumerate(specs[1:], 1):
                children.append(_Child(Path(scratch) / f"part{i}.db", spec, on_duplicate, fork=fork))
            for child in children:
                child.listen()
        except OSError as e:  # no process can be started: one process reads it all
            log.warning("reading the file in one process: %s", e)
            return None
        try:
            return _run(part, units, specs[0], children, on_duplicate, progress, while_swapping)
        except _Fallback as e:
            (log.info if e.quiet else log.warning)("reading the file in one process: %s", e)
            return None
    finally:
        for child in children:
            child.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def _run(
    part: Any,
    units: Any,
    spec: dict[str, Any],
    children: list[_Child],
    policy: str,
    progress: Callable[[int], None] | None,
    while_swapping: Callable[[Iterable[str]], None] | None,
) -> ImportResult:
    db = part.db
    module = importlib.import_module(spec["module"])
    result = ImportResult()
    overwrites: list[_Overwrite] = []
    stage = _Stage(db)
    attached: list[str] = []
    try:
        stager = _Stager(db.conn(), stage, policy, result, overwrites)
        before = _newest_change(db)
        read_progress = getattr(units, "progress", None)  # bytes read, as the reader reports them
        reported = 0

        def report(n: int) -> None:
            # this process's bytes, and the other parts' read meanwhile
            nonlocal reported
            if read_progress is not None:
                others = sum(child.bytes for child in children)
                read_progress(n + others - reported)
                reported = others

        own, own_summary = module.open_part(spec, report)
        staged: list[str] = []  # this part's normalized sources, for while_swapping
        try:
            stage_all(db, stager, own, progress, staged if while_swapping is not None else None)
        except FormatError:
            raise _Fallback("the first part of the file is not well formed on its own", quiet=True) from None

        complete = len(staged) < AHEAD  # this part's sources are all in `staged`

        def norms() -> Iterator[str]:
            # on a thread of its own, from the wait for the other parts to the swap's end: this
            # part's, then each other part's from its file once it is staged (the swap's recheck
            # may delete from it: each side waits for the other's lock, never both at once)
            yield from staged
            if not complete:
                return
            for child in children:
                if child.proc.wait() != 0:
                    return  # the import reads the file again in one process
                uri = f"{child.stage.resolve().as_uri()}?mode=ro"
                # read at once, not as they are coded: the recheck's deletions wait for no reader
                with closing(sqlite3.connect(uri, uri=True, timeout=60)) as conn:
                    rows = conn.execute("SELECT source_norm FROM stage ORDER BY seq").fetchall()
                yield from (row[0] for row in rows)

        swapping = Swapping(norms)
        with alongside(while_swapping, swapping), _stopping(children):
            outcomes = [child.outcome() for child in children]
            report(0)
            if progress is not None:
                progress(sum(o["added"] + o["skipped"] + o["updated"] for o in outcomes))
            for i, child in enumerate(children):
                schema = _PART_SCHEMA.format(i + 1)
                db.execute(f"ATTACH ? AS {schema}", (str(child.stage),))
                attached.append(schema)
            with db.large_commit(), db.transaction():
                start = _newest_change(db)
                if start != before:  # others changed the memory while this staged
                    _recheck(part, stage.table, policy, result, overwrites)
                first, count = _swap(part, stage.table, result, overwrites)
                for schema, outcome in zip(attached, outcomes, strict=True):
                    table = f"{schema}.stage"
                    result.added += outcome["added"]
                    result.skipped += outcome["skipped"]
                    result.updated += outcome["updated"]
                    # what this part repeats of the earlier parts, swapped in just now (skip or
                    # keep: the parts overwrite nothing)
                    _recheck(part, table, policy, result, [])
                    count += _swap(part, table, result, [])[1]  # the ids go on from the last part's
                swapping.place(placed(db, first, count, start) if complete else None)
        db.checkpoint_soon()  # as imports.import_units does
        units.merge([own_summary(), *(outcome["reader"] for outcome in outcomes)])
        return result
    finally:
        for schema in attached:
            try:
                db.execute(f"DETACH {schema}")
            except (sqlite3.Error, StoreError):
                pass
        stage.close(quiet=True)


def forking() -> bool:
    """Tell whether the parts' processes can be forked from this one, not started afresh.

    A fork starts reading at once, where a new interpreter first spends some 0.2 s of a core
    importing tm. It is safe while this process runs one thread: another thread could hold a
    lock (of Python, of SQLite) that the child would wait for forever. Servers and workers,
    which run several, start new interpreters (`python -m tm.store.sqlite.import_split`).
    """
    return hasattr(os, "fork") and threading.active_count() == 1


@contextmanager
def _stopping(children: list[_Child]) -> Iterator[None]:
    """Stop the parts' processes still running when the block fails (before the sources'
    thread is joined, which may wait for them)."""
    try:
        yield
    except BaseException:
        for child in children:
            child.kill()
        raise


class _Child:
    """The process that stages one part into a database file of its own.

    It is forked from this process (`fork`, see forking) or started as a new interpreter; it
    reports on its standard output (`listen` reads it) and writes its errors to a file.
    """

    def __init__(self, stage: Path, spec: dict[str, Any], policy: str, *, fork: bool = False):
        self.stage = stage
        self.bytes = 0  # of the file read so far, as the child reports it
        self.status: dict[str, Any] | None = None
        self.reader: threading.Thread | None = None
        self.errors = open(stage.with_suffix(".err"), "w+b")  # noqa: SIM115 (closed in stop)
        job = {"stage": str(stage), "policy": policy, "spec": spec}
        self.proc: subprocess.Popen[bytes] | _Forked
        try:
            if fork:
                self.proc = _Forked(job, self.errors)
                return
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tm.store.sqlite.import_split"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.errors,
            )
        except BaseException:
            self.errors.close()
            raise
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(job).encode())
            self.proc.stdin.close()
        except BrokenPipeError:  # it ended at once: outcome() says how
            pass

    def listen(self) -> None:
        """Read what the child reports, on a thread of its own (after the last fork)."""
        assert self.proc.stdout is not None
        self.reader = threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True)
        self.reader.start()

    def _read(self, out: IO[bytes]) -> None:
        # one line per batch read (bytes so far), and a last line of JSON: how it ended
        for line in out:
            if line.startswith(b"{"):
                self.status = json.loads(line)
            else:
                try:
                    self.bytes = int(line)
                except ValueError:
                    pass

    def outcome(self) -> dict[str, Any]:
        """Wait for the part to be staged; return what the child reports, or raise _Fallback."""
        code = self.proc.wait()
        if self.reader is not None:
            self.reader.join()
        status = self.status or {}
        if code == 0 and status.get("staged"):
            return status
        if status.get("format_error"):
            raise _Fallback("a part of the file is not well formed on its own", quiet=True)
        self.errors.seek(0)
        tail = self.errors.read()[-2000:].decode("utf-8", "replace").strip()
        raise _Fallback(f"the process reading a part ended with code {code}: {tail or 'no message'}")

    def kill(self) -> None:
        """Kill the process if it still runs (the import failed or was interrupted)."""
        if self.proc.poll() is None:
            self.proc.kill()

    def stop(self) -> None:
        """Stop the process if it still runs, and close what this side kept of it."""
        self.kill()
        self.proc.wait()
        if self.reader is not None:
            self.reader.join()
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        self.errors.close()


# -- the child process -----------------------------------------------------------------


class _Forked:
    """A part's process forked from this one, seen as the subprocess.Popen _Child uses.

    multiprocessing forks it (flushing the standard streams first, so that the child does not
    write again what this process had buffered) and ends it with os._exit: nothing of this
    process (its connections to the memory) is closed or cleaned up by the child.
    """

    def __init__(self, job: dict[str, Any], errors: IO[bytes]):
        # multiprocessing reaps the child without a lock (subprocess.Popen has one): a second
        # thread waiting at once could find it gone, and its exit code unknown
        self._reaping = threading.Lock()
        read, write = os.pipe()
        try:
            self.process = multiprocessing.get_context("fork").Process(
                target=_forked, args=(job, read, write, errors.fileno()), name="tm-import-part", daemon=True
            )
            self.process.start()
        except BaseException:
            os.close(read)
            raise
        finally:
            os.close(write)  # the child's now: its end is the end of what it reports
        self.stdout = os.fdopen(read, "rb")

    def wait(self) -> int:
        with self._reaping:
            self.process.join()
            return self.process.exitcode  # type: ignore[return-value]  # set once joined

    def poll(self) -> int | None:
        if not self._reaping.acquire(blocking=False):
            return None  # another thread waits for it: it runs still
        try:
            return self.process.exitcode
        finally:
            self._reaping.release()

    def kill(self) -> None:
        self.process.kill()


def _forked(job: dict[str, Any], read: int, write: int, errors: int) -> None:
    """Stage a part in a child forked from the importer (_Forked); its exit code says how."""
    # The importer's objects are never collected here: the collector leaves them unread,
    # so their pages stay shared with the importer rather than copied.
    gc.freeze()
    os.close(read)
    # its errors (multiprocessing prints a traceback to sys.stderr) go to the file outcome() reads
    os.dup2(errors, 2)
    sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
    with os.fdopen(write, "wb") as out:
        code = _stage_part(job, out)
    if code:
        sys.exit(code)


class _Scratch:
    """What _Stage and _Stager use of a Database, over a private connection of the child.

    The stage file is attached to it; the memory is not opened at all (the swap checks each
    part against it).
    """

    in_transaction = False

    def __init__(self, stage: str):
        self.path = Path(stage)
        self._conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)

    def conn(self) -> sqlite3.Connection:
        return self._conn

    def execute(self, sql: str, args: Any = ()) -> sqlite3.Cursor:
        return self._conn.execute(sql, args)

    def translate(self, e: sqlite3.Error) -> StoreError:
        return translate_error(e, self.path)


def _stage_part(job: dict[str, Any], out: IO[bytes]) -> int:
    """Stage one part into its database file, reporting on `out`; return the exit code.

    One line per batch read (the bytes of the file read so far), and a last line of JSON.
    The units are decided against each other, not against the memory: the swap rechecks
    every part against the memory and the parts before it.
    """
    spec = job["spec"]
    module = importlib.import_module(spec["module"])
    done = 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        out.write(b"%d\n" % done)
        out.flush()

    scratch = _Scratch(job["stage"])
    stage = _Stage(scratch, job["stage"])  # type: ignore[arg-type]  # the part of a Database it uses
    result = ImportResult()
    overwrites: list[_Overwrite] = []
    stager = _Stager(scratch.conn(), stage, job["policy"], result, overwrites, memory=False)
    units, summary = module.open_part(spec, progress)
    try:
        stage_all(scratch, stager, units, None, None)  # type: ignore[arg-type]  # as for _Stage
    except FormatError as e:
        out.write(json.dumps({"format_error": str(e)}).encode() + b"\n")
        return 3
    stage.close()  # detached: the file stays for the importer
    status = {
        "staged": True,
        "added": result.added,
        "skipped": result.skipped,
        "updated": result.updated,
        "reader": summary(),
    }
    out.write(json.dumps(status, ensure_ascii=False).encode() + b"\n")
    out.flush()
    return 0


def _child() -> int:
    """The new interpreter's part (`python -m tm.store.sqlite.import_split`): the job on stdin."""
    return _stage_part(json.loads(sys.stdin.buffer.read()), sys.stdout.buffer)


if __name__ == "__main__":
    sys.exit(_child())
