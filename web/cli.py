"""The `tm` command with the web editor's commands: serve and user accounts.

These live beside the web app, so the library (`tm`) never imports it; the console script
`tm` is this module's `main`, which is the library's command group plus these commands.
"""

from __future__ import annotations

import logging
import math
import socket
import sys
import threading
import time
from collections.abc import Callable

import click

from tm.cli import main, open_memory
from tm.config import Settings
from tm.errors import TMError
from tm.store import Store
from tm.store.records import MIN_PASSWORD, ROLES, User

__all__ = ["main"]


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--threads",
    type=click.IntRange(1, 256),
    help="Request threads per process. [default: 16 on PostgreSQL, 8 on SQLite]",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes sharing the port (each with its own connections, index and job worker).",
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, threads: int | None, workers: int) -> None:
    """Run the web editor with a production WSGI server (waitress)."""
    settings: Settings = ctx.obj
    threads = threads or default_threads(settings.db)
    if workers == 1:
        _serve(settings, threads, host=host, port=port)
        return
    from web.processes import Supervisor

    _announce(settings)  # migrates the memory once, before the processes open it together
    if settings.api_rate_storage.startswith("memory://"):
        click.echo(
            f"tm: each of the {workers} processes counts API calls on its own, so a token may make up to "
            f"{workers} x TM_API_RATE; set TM_API_RATE_STORAGE=redis://HOST:6379 for one count"
        )
    Supervisor(settings, host=host, port=port, threads=threads, workers=workers, target=serve_process).run()


def default_threads(db: str) -> int:
    """Return how many request threads a server process runs by default for a memory."""
    # A thread waiting for the memory's writer lock is one no lookup can use. PostgreSQL queues
    # writers in order, so more threads let lookups pass waiting saves (bench/load.py, 32
    # clients: lookup p95 0.57 s with 8, 0.25 s with 16). SQLite's writers poll for the lock
    # instead, and more of them starve one another: saves' p99 went from 1 s to 3 s with 16.
    return 16 if db.startswith(("postgresql://", "postgres://")) else 8


def _announce(settings: Settings) -> None:
    """Say which memory is served and whether it needs a first admin (the store is closed again)."""
    from tm.store import open_store

    store = open_store(settings.db, create=bool(settings.create), busy_wait=settings.busy_wait)
    try:
        _describe(store)
    finally:
        store.close()


def _describe(store: Store) -> None:
    click.echo(f"tm: memory {store.location} ({store.units.count()} units)")
    if not store.accounts.all():
        click.echo("tm: no accounts yet; create the first admin with: tm user add NAME --role admin")


def serve_process(settings: Settings, sock: socket.socket, threads: int) -> None:
    """Serve on a socket the supervisor bound, as one of its processes (its own app and connections)."""
    _serve(settings, threads, sock=sock)


class _EveryMinute(logging.Filter):
    """Let a logger's messages through at most once a minute."""

    # for waitress's "Task queue depth is N", said for every request that finds every thread
    # busy: thousands of lines a minute under load, each costing the CPU the requests wait for

    def __init__(self, every: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.every, self.clock = every, clock
        self._last = -math.inf
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            now = self.clock()
            if now - self._last < self.every:
                return False
            self._last = now
            return True


def _serve(
    settings: Settings, threads: int, *, host: str = "", port: int = 0, sock: socket.socket | None = None
) -> None:
    from waitress import serve as waitress_serve

    from web import create_app

    queue_log = logging.getLogger("waitress.queue")
    if not any(isinstance(f, _EveryMinute) for f in queue_log.filters):
        queue_log.addFilter(_EveryMinute())
    app = create_app(settings)
    svc = app.extensions["tm"]
    if sock is None:  # one process; a supervisor of several says this itself
        _describe(svc.store)
        click.echo(f"tm: serving the editor on http://{host}:{port}/ (Ctrl+C stops)")
    # load (or, the first time, build) the fuzzy index while the server starts listening
    threading.Thread(target=svc.memory.sync, name="tm-index-warm", daemon=True).start()
    where = {"sockets": [sock]} if sock is not None else {"host": host, "port": port}
    sys.stdout.flush()
    try:
        # a body sent without Content-Length (chunked) is bounded by waitress itself
        waitress_serve(
            app,
            **where,
            threads=threads,
            ident="tm",
            max_request_body_size=settings.max_upload_mb * 1024 * 1024,
        )
    finally:
        svc.close()


@main.command()
@click.option("--burst", is_flag=True, help="Stop once no job is left, instead of waiting for more.")
@click.option("--status", is_flag=True, help="Show the queue's waiting messages and its workers, and stop.")
@click.pass_context
def worker(ctx: click.Context, burst: bool, status: bool) -> None:
    """Take background jobs (drafting, imports) from the queue at TM_QUEUE and run them.

    Start as many as the MT load needs, on any machine that reaches the memory's database and
    Redis; each loads the MT model once and runs one job at a time. SIGTERM or Ctrl+C stops a
    worker after its current job; a worker killed mid-job has its job run again by another.
    """
    from tm.queue_rq import describe, work
    from tm.store import open_store
    from web import Services

    settings: Settings = ctx.obj
    if not settings.queue:
        raise TMError(
            "tm worker takes jobs from a queue: set TM_QUEUE=redis://HOST:6379/0 here and on the "
            "server processes (without it, each server process runs its jobs itself)"
        )
    store = open_store(settings.db, create=bool(settings.create), busy_wait=settings.busy_wait)
    try:
        if status:
            found = describe(store, settings.queue)
            click.echo(f"queue {found['queue']}: {found['messages']} waiting")
            for name in found["workers"]:
                click.echo(f"worker {name}")
            return
        svc = Services(settings, store, None, start_worker=False)
        click.echo(f"tm: worker for memory {store.location} on queue {settings.queue.split('@')[-1]}")
        sys.stdout.flush()
        try:
            work(store, svc.worker.kinds, settings.queue, burst=burst)
        finally:
            svc.close()
    finally:
        store.close()


@main.group()
def user() -> None:
    """Accounts of the web editor."""


def _password(password_stdin: bool) -> str:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD:
        raise TMError(f"a password needs at least {MIN_PASSWORD} characters")
    return password


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def user_add(ctx: click.Context, name: str, role: str, password_stdin: bool) -> None:
    """Create an account (asks for the password)."""
    from werkzeug.security import generate_password_hash

    accounts = open_memory(ctx).store.accounts
    created = accounts.add(name, generate_password_hash(_password(password_stdin)), role)
    click.echo(f"created {created.name} ({created.role})")


@user.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def user_password(ctx: click.Context, name: str, password_stdin: bool) -> None:
    """Set a new password for an account."""
    from werkzeug.security import generate_password_hash

    accounts = open_memory(ctx).store.accounts
    found = accounts.find(name)
    if found is None:
        raise TMError(f"there is no user called {name}")
    accounts.update(found.id, password_hash=generate_password_hash(_password(password_stdin)))
    click.echo(f"password of {name} changed")


@user.command("list")
@click.pass_context
def user_list(ctx: click.Context) -> None:
    """Show the accounts."""
    for u in open_memory(ctx).store.accounts.all():
        click.echo(f"{u.name}\t{u.role}\t{'active' if u.active else 'locked'}")


@main.group()
def token() -> None:
    """Personal API tokens for /api/v1 (newsroom systems, scripts)."""


def _account(ctx: click.Context, name: str) -> User:
    found = open_memory(ctx).store.accounts.find(name)
    if found is None:
        raise TMError(f"there is no user called {name}")
    return found


@token.command("create")
@click.argument("name")
@click.option("--name", "label", required=True, help="What the token is for, e.g. 'CMS on desk-1'.")
@click.pass_context
def token_create(ctx: click.Context, name: str, label: str) -> None:
    """Make an API token for the account NAME; it is printed once and never shown again."""
    from web.security import new_token_secret

    label = label.strip()
    if not label or len(label) > 100:
        raise TMError("give the token a name of 1 to 100 characters (what it is for)")
    secret = new_token_secret()
    made = open_memory(ctx).store.accounts.add_token(_account(ctx, name).id, label, secret)
    click.echo(secret)
    click.echo(f"token {made.id} ({label}) for {name}: keep it now, tm shows it only this once", err=True)


@token.command("list")
@click.argument("name")
@click.pass_context
def token_list(ctx: click.Context, name: str) -> None:
    """Show the account's tokens: id, name, made, last used, revoked."""
    for t in open_memory(ctx).store.accounts.tokens(_account(ctx, name).id):
        state = f"revoked {t.revoked_at}" if t.revoked_at else "live"
        click.echo(f"{t.id}\t{t.name}\tmade {t.created_at}\tlast used {t.last_used_at or 'never'}\t{state}")


@token.command("revoke")
@click.argument("token_id", type=int)
@click.pass_context
def token_revoke(ctx: click.Context, token_id: int) -> None:
    """Revoke a token at once (by the id `tm token list` shows)."""
    open_memory(ctx).store.accounts.revoke_token(token_id)
    click.echo(f"token {token_id} revoked")


if __name__ == "__main__":  # pragma: no cover
    main()
