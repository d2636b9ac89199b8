"""`tm serve --workers N`: N server processes on one listening socket, kept running.

The supervisor binds the socket, then starts each server process fresh (multiprocessing's
"spawn": a new interpreter, never a fork), so that no process inherits another's SQLite
connections, PostgreSQL pool or threads; each makes its own app, index and job worker, and
the kernel hands each new connection to one of them. Whatever must be the same for all of
them (sessions, login throttling, jobs, the memory itself) lives in the store.

A process that dies is started again (and the supervisor says so); Ctrl+C or SIGTERM to
the supervisor stops every process, each finishing its requests and saving its index.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

from tm.config import Settings

# a process that dies sooner than this after its start is started again only after a pause,
# so that one that cannot start (a broken memory, a missing model) does not spin
SETTLE = 5.0
PAUSE = 2.0
# how long the processes get to finish their requests and save their index when stopping
STOP_WAIT = 30.0

Target = Callable[[Settings, socket.socket, int], None]


def _say(message: str) -> None:
    print(f"tm: {message}", file=sys.stderr, flush=True)


def _process_main(target: Target, settings: Settings, sock: socket.socket, threads: int) -> None:
    """Run one server process: SIGTERM ends it cleanly; Ctrl+C is the supervisor's to handle."""

    def stop(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: the clean-up must not be cut short
        raise SystemExit(0)  # waitress stops its loop on it; the caller's finally closes the app

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, stop)
    target(settings, sock, threads)


class Supervisor:
    """Starts `workers` server processes on one socket and keeps them running until stopped."""

    def __init__(
        self, settings: Settings, *, host: str, port: int, threads: int, workers: int, target: Target
    ):
        self.settings = settings
        self.host, self.port = host, port
        self.threads = threads
        self.workers = workers
        self.target = target
        self._context = multiprocessing.get_context("spawn")
        self._processes: dict[int, tuple[BaseProcess, float]] = {}
        self._stopping = False

    def _start(self, slot: int, sock: socket.socket) -> None:
        process = self._context.Process(
            target=_process_main,
            args=(self.target, self.settings, sock, self.threads),
            name=f"tm-serve-{slot}",
        )
        process.start()
        self._processes[slot] = (process, time.monotonic())
        _say(f"server process {slot} started (pid {process.pid})")

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stopping = True

    def run(self) -> None:
        """Serve until Ctrl+C or SIGTERM, then stop every process."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.create_server((self.host, self.port), family=family, backlog=1024)
        previous = signal.signal(signal.SIGTERM, self._on_signal)
        try:
            for slot in range(1, self.workers + 1):
                self._start(slot, sock)
            _say(
                f"serving the editor on http://{self.host}:{self.port}/ with {self.workers} processes "
                "(Ctrl+C stops)"
            )
            self._watch(sock)
        except KeyboardInterrupt:
            pass
        finally:
            self._stopping = True
            self._stop_all()
            sock.close()
            signal.signal(signal.SIGTERM, previous)

    def _watch(self, sock: socket.socket) -> None:
        restart_at: dict[int, float] = {}
        while not self._stopping:
            time.sleep(0.2)
            for slot, (process, started) in list(self._processes.items()):
                if process.is_alive() or self._stopping:
                    continue
                del self._processes[slot]
                lived = time.monotonic() - started
                _say(
                    f"server process {slot} (pid {process.pid}) ended with {_how(process.exitcode)} "
                    f"after {lived:.0f} s; starting another"
                )
                process.close()
                restart_at[slot] = time.monotonic() + (PAUSE if lived < SETTLE else 0.0)
            for slot, at in list(restart_at.items()):
                if time.monotonic() >= at and not self._stopping:
                    del restart_at[slot]
                    self._start(slot, sock)

    def _stop_all(self) -> None:
        alive = [p for p, _ in self._processes.values() if p.is_alive()]
        for process in alive:
            try:
                process.terminate()  # SIGTERM: each finishes its requests and saves its index
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + STOP_WAIT
        for process in alive:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                _say(f"server process pid {process.pid} did not stop within {STOP_WAIT:.0f} s; killing it")
                process.kill()
                process.join(5)
        _say("stopped")


def _how(exitcode: Any) -> str:
    if isinstance(exitcode, int) and exitcode < 0:
        try:
            return f"signal {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"signal {-exitcode}"
    return f"exit code {exitcode}"
