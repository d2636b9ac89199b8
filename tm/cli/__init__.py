"""The `tm` command: a translation memory from the shell."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from tm import __version__
from tm.config import Settings
from tm.errors import FormatError, TMError

FORMATS = ("tmx", "csv", "tsv")


def _fail(message: str) -> None:
    click.echo(f"tm: error: {message}", err=True)
    sys.exit(1)


class _Group(click.Group):
    """Turn tm's errors into one line on stderr and a non-zero exit."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run the command with the library's warnings as lines on stderr; flush stdout before exit."""
        logger = logging.getLogger("tm")
        shown = _LogLines()
        logger.addHandler(shown)
        try:
            return super().main(*args, **kwargs)
        finally:
            logger.removeHandler(shown)
            _flush_stdout()

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TMError as e:
            _fail(str(e))
        except BrokenPipeError:
            # `tm ... | head`: the reader has gone; nothing to report
            _quiet_stdout()
            sys.exit(0)
        except KeyboardInterrupt:
            # imports and exports are one transaction / one renamed file: nothing half-done stays
            click.echo("tm: interrupted", err=True)
            sys.exit(130)
        except OSError as e:
            # the system said no (a full disk, a file's permissions): the user can act on it
            if os.environ.get("TM_DEBUG"):
                raise
            where = f": {e.filename}" if e.filename else ""
            _fail(f"{e.strerror or e}{where} (set TM_DEBUG=1 for the traceback)")
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as e:  # a bug: still one line, the traceback on demand
            if os.environ.get("TM_DEBUG"):
                raise
            _fail(f"internal error: {type(e).__name__}: {e} (set TM_DEBUG=1 for the traceback)")


class _LogLines(logging.Handler):
    """Show the library's log records as `tm: warning: ...` lines on stderr, each warning once."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        """Write the record unless the same warning was already shown."""
        text = self.format(record)
        # one cause can be logged twice in a command (the index fails to save when it is
        # built and again when the memory closes); the user needs to read it once
        if record.levelno == logging.WARNING:
            if text in self.seen:
                return
            self.seen.add(text)
        try:
            # click.echo looks sys.stderr up at each call, so a redirected stderr gets the line
            click.echo(f"tm: {record.levelname.lower()}: {text}", err=True)
        except Exception:
            self.handleError(record)


def _flush_stdout() -> None:
    """Flush what is left in stdout's buffer; a reader that has gone is not an error."""
    # `tm translate ... | head -1`: output still buffered when the command returns would
    # otherwise be flushed at interpreter exit, where a closed pipe prints "Exception ignored
    # ... BrokenPipeError" and exits with 120 (Python docs, "Note on SIGPIPE")
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
    except ValueError:  # stdout already closed: nothing left to flush
        pass
    except OSError as e:  # a full disk under `tm export /dev/stdout > file`: say so, fail
        _quiet_stdout()
        _fail(f"cannot write the output: {e.strerror or e}")


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so Python's exit does not fail flushing into a closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file descriptor (tests): nothing to flush into
        pass


@click.group(cls=_Group)
@click.option(
    "--db",
    envvar="TM_DB",
    help="Memory: a SQLite file or postgresql://... (tm[postgres]). Default: memory.db in the data dir.",
)
@click.option(
    "--create", is_flag=True, default=None, help="Create the memory named by --db if it does not exist."
)
@click.version_option(__version__, prog_name="tm")
@click.pass_context
def main(ctx: click.Context, db: str | None, create: bool | None) -> None:
    """tm: an Arabic to English translation memory."""
    ctx.obj = Settings.from_env(db=db, create=1 if create else None)


def open_memory(ctx: click.Context, *, create: bool | None = None) -> Any:
    """Open the memory the settings name (closed when the command ends).

    A memory named by --db/TM_DB must exist unless `create` (tm init) or --create says so:
    a typo in a path should not silently start an empty memory.
    """
    from tm.memory import TranslationMemory

    settings: Settings = ctx.find_root().obj
    opened = TranslationMemory.open(
        settings.db, create=bool(settings.create) if create is None else create, busy_wait=settings.busy_wait
    )
    ctx.call_on_close(opened.close)
    return opened


def format_of(path: str, given: str | None, formats: tuple[str, ...] = FORMATS) -> str:
    """Return the --format given, else the file's extension if it is one of formats."""
    if given:
        return given
    ext = Path(path).suffix.lower().lstrip(".")
    if ext in formats:
        return ext
    raise FormatError(f"cannot tell the format from the name; pass --format ({'|'.join(formats)})", path=path)


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr when it is a terminal; a no-op otherwise."""
    if not sys.stderr.isatty() or total <= 0:
        yield lambda n: None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


# the commands register themselves on `main`
from tm.cli import analyze, glossary, memory, translate  # noqa: E402, F401
from tm.cli import db as db_commands  # noqa: E402, F401  (a module named db: --db is a parameter)

if __name__ == "__main__":  # pragma: no cover
    main()
