"""The `tm` command with the web editor's commands: serve and user accounts.

These live beside the web app, so the library (`tm`) never imports it; the console script
`tm` is this module's `main`, which is the library's command group plus these commands.
"""

from __future__ import annotations

import sys
import threading

import click

from tm.cli import main, open_memory
from tm.config import Settings
from tm.errors import TMError
from tm.store.records import MIN_PASSWORD, ROLES

__all__ = ["main"]


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256), help="Request threads.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, threads: int) -> None:
    """Run the web editor with a production WSGI server (waitress)."""
    from waitress import serve as waitress_serve

    from web import create_app

    settings: Settings = ctx.obj
    app = create_app(settings)
    svc = app.extensions["tm"]
    store = svc.store
    click.echo(f"tm: memory {store.location} ({store.units.count()} units)")
    if not store.accounts.all():
        click.echo("tm: no accounts yet; create the first admin with: tm user add NAME --role admin")
    # load (or, the first time, build) the fuzzy index while the server starts listening
    threading.Thread(target=svc.memory.sync, name="tm-index-warm", daemon=True).start()
    click.echo(f"tm: serving the editor on http://{host}:{port}/ (Ctrl+C stops)")
    sys.stdout.flush()
    try:
        # a body sent without Content-Length (chunked) is bounded by waitress itself
        waitress_serve(
            app,
            host=host,
            port=port,
            threads=threads,
            ident="tm",
            max_request_body_size=settings.max_upload_mb * 1024 * 1024,
        )
    finally:
        svc.close()


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


if __name__ == "__main__":  # pragma: no cover
    main()
