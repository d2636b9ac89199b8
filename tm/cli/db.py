"""Whole memories: copy one between engines, back one up, restore one."""

from __future__ import annotations

import sys

import click

from tm.cli import main
from tm.config import Settings
from tm.errors import TMError


@main.group("db")
def db_group() -> None:
    """Whole memories: copy one between SQLite and PostgreSQL."""


class _Progress:
    """Progress lines on stderr, one per whole percent (a pipe reads them as they come)."""

    def __init__(self) -> None:
        self.shown = -1

    def __call__(self, table: str, done: int, total: int) -> None:
        percent = done * 100 // max(total, 1)
        if percent != self.shown:
            self.shown = percent
            click.echo(f"tm: copying {table}: {done} of {total} rows ({percent}%)", err=True)
            sys.stderr.flush()


@db_group.command("copy")
@click.argument("source")
@click.argument("dest")
def copy(source: str, dest: str) -> None:
    """Copy the memory SOURCE into DEST: a new SQLite file or an empty PostgreSQL schema.

    SOURCE and DEST are file paths or postgresql:// URLs. Everything is copied (units with
    their history, documents, glossary, accounts and API tokens, webhooks, MT cache) except
    login sessions and unfinished jobs; DEST gets its own identity. The copy is checked by
    rows and checksums per table and kept only if it matches; SOURCE can stay in use.
    """
    from tm.transfer import copy_memory

    report = copy_memory(source, dest, progress=_Progress())
    width = max(len(t.name) for t in report.tables)
    for t in report.tables:
        skipped = f"  ({t.skipped} not copied)" if t.skipped else ""
        click.echo(f"{t.name:<{width}}  {t.rows:>9} rows  sha256 {t.dest_sum.split(':')[1]}  ok{skipped}")
    click.echo(
        f"copied {report.rows} rows from {report.source} to {report.dest} in {report.seconds:.1f} s; "
        "every table matches"
    )


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_context
def backup(ctx: click.Context, file: str) -> None:
    """Back up the memory into FILE while it is in use (SQLite; PostgreSQL: prints pg_dump's command)."""
    from tm.backup import backup as run_backup
    from tm.backup import pg_dump_command
    from tm.store import open_store
    from tm.transfer import is_url

    settings: Settings = ctx.find_root().obj
    if is_url(settings.db):
        store = open_store(settings.db, create=False)
        try:
            command = pg_dump_command(store, file)
        finally:
            store.close()
        raise TMError(
            "a PostgreSQL memory is backed up with PostgreSQL's own tools; run:\n  "
            f"{command}\nand restore it with pg_restore --dbname=URL {file} "
            "(into a database where that schema does not exist yet)"
        )
    report = run_backup(settings.db, file)
    click.echo(f"backed up {report.units} units to {report.path} ({report.bytes} bytes)")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.pass_context
def restore(ctx: click.Context, file: str) -> None:
    """Replace the memory with the backup FILE; the replaced state is kept as MEMORY.before-restore."""
    from tm.backup import restore as run_restore

    settings: Settings = ctx.find_root().obj
    report = run_restore(settings.db, file)
    kept = f"; the replaced state is in {report.kept}" if report.kept else ""
    click.echo(f"restored {report.units} units into {report.path} from {file}{kept}")
