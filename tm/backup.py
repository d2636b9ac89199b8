"""Back up an SQLite memory while it is in use, and restore one; PostgreSQL has pg_dump.

A backup is SQLite's online backup API run in one step: it reads the memory in one read
transaction (WAL: writers keep going), so the file is one consistent state, written beside
the target and renamed into place. A restore copies the backup into the live memory with
the same API, as one write transaction: processes that have the memory open see the old
state or the restored one, never a mix, and nothing renames a file under them (their
-wal/-shm files stay valid). The state replaced is kept first as `memory.db.before-restore`.
A fuzzy index saved from the replaced state is noticed at its next load or refresh (its feed
position is not in the restored history) and rebuilt.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tm.errors import TMError
from tm.store import open_store
from tm.transfer import is_url
from tm.transfer_engines import fsync_dir

__all__ = ["BackupReport", "backup", "pg_dump_command", "restore"]


@dataclass
class BackupReport:
    """What a backup or a restore wrote: where, how many units, how large."""

    path: Path
    units: int
    bytes: int
    kept: Path | None = None  # restore: the replaced state


def pg_dump_command(store: Any, file: str | os.PathLike[str]) -> str:
    """Return the pg_dump command that backs up a PostgreSQL memory's schema (and its restore)."""
    url = store.db.location  # without the password: libpq asks, or reads PGPASSWORD/.pgpass
    schema = store.db.schema
    return (
        f"pg_dump --format=custom --schema={shlex.quote(schema)} --file={shlex.quote(str(file))} "
        f"{shlex.quote(url)}"
    )


def _connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}{'?mode=ro' if readonly else ''}"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def _copy_file(source: sqlite3.Connection, target: Path) -> None:
    """Write the source's database to target (replaced atomically) as one self-contained file."""
    tmp = target.with_name(f".{target.name}.tm-backup-{os.getpid()}")
    _remove(tmp)
    try:
        out = sqlite3.connect(tmp, isolation_level=None)
        try:
            # one step (pages=-1): one read transaction, so a consistent state that writers
            # cannot restart (a stepwise backup starts over whenever another process writes)
            source.backup(out)
            out.execute("PRAGMA journal_mode=DELETE")  # no -wal file beside the backup
        finally:
            out.close()
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
        fsync_dir(target.parent)
    finally:
        _remove(tmp)


def _remove(path: Path) -> None:
    for extra in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{extra}").unlink(missing_ok=True)


def _sqlite_path(location: str, what: str) -> Path:
    if is_url(location):
        raise TMError(
            f"{what} is for SQLite memories; back up PostgreSQL with pg_dump (`tm backup` prints the command)"
        )
    return Path(location)


def _units(path: Path) -> int:
    conn = _connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM units").fetchone()[0])
    finally:
        conn.close()


def backup(location: str, file: str | os.PathLike[str]) -> BackupReport:
    """Back up the SQLite memory at location into file (replaced atomically), while it is in use."""
    path = _sqlite_path(location, "tm backup")
    target = Path(file)
    if target.exists() and target.resolve() == path.resolve():
        raise TMError("the backup would replace the memory itself; name another file")
    open_store(path, create=False).close()  # a tm memory, at this tm's schema
    source = _connect(path)
    try:
        _copy_file(source, target)
    finally:
        source.close()
    return BackupReport(target, _units(target), target.stat().st_size)


def restore(location: str, file: str | os.PathLike[str]) -> BackupReport:
    """Replace the SQLite memory at location with the backup in file, keeping the replaced state."""
    path = _sqlite_path(location, "tm restore")
    backup_file = Path(file)
    if not backup_file.is_file():
        raise TMError(f"there is no backup at {backup_file}")
    if path.exists() and backup_file.resolve() == path.resolve():
        raise TMError("the backup is the memory itself; nothing to restore")
    # check the backup on a private copy: a tm memory whose schema this tm reads (brought
    # forward if older), without touching the backup file itself
    checked = path.with_name(f".{path.name}.tm-restore-{os.getpid()}")
    try:
        original = _connect(backup_file, readonly=True)
        try:
            _copy_file(original, checked)
        except sqlite3.DatabaseError as e:
            raise TMError(f"{backup_file} is not a backup tm can restore (SQLite says: {e})") from e
        finally:
            original.close()
        try:
            open_store(checked, create=False).close()
        except TMError as e:
            raise TMError(f"{backup_file} is not a backup tm can restore: {e}") from e
        ok = _connect(checked)
        try:
            if ok.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise TMError(f"{backup_file} is damaged (SQLite's quick_check fails); nothing was restored")
            kept = None
            if path.exists():
                open_store(path, create=False).close()  # refuse to overwrite a file of another program
                kept = path.with_name(path.name + ".before-restore")
                current = _connect(path)
                try:
                    _copy_file(current, kept)
                    # one write transaction into the live file: readers see before or after
                    ok.backup(current)
                finally:
                    current.close()
            else:
                ok.execute("PRAGMA journal_mode=WAL")
                ok.close()
                os.replace(checked, path)
                fsync_dir(path.parent)
        finally:
            ok.close()
    finally:
        _remove(checked)
    return BackupReport(path, _units(path), path.stat().st_size, kept)
