"""A webhook receiver on loopback for tests: a real HTTP server that records what tm sends.

    with Receiver() as cms:                 # answers 200 to everything
        ...register cms.url...
        [got] = cms.wait(1)                 # the requests, once that many came
        got.verified(secret)                # the signature checked as a receiver would

`Receiver(answers=[500, 200])` answers 500 to the first request and 200 after; `delay` makes it
slow; an answer 3xx carries `Location: <url>/moved`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """One request the receiver got: path, headers (by lower-case name) and the raw body."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """Return the body parsed."""
        return json.loads(self.body)

    def verified(self, secret: str, tolerance: int = 300) -> bool:
        """Check the signature as the README tells a receiver to: with hmac and hashlib only."""
        timestamp = self.headers["x-tm-timestamp"]
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
            return False
        mac = hmac.new(secret.encode(), timestamp.encode() + b"." + self.body, hashlib.sha256)
        return hmac.compare_digest("sha256=" + mac.hexdigest(), self.headers["x-tm-signature"])


class Receiver:
    """An HTTP server on 127.0.0.1 (a free port) in a thread, answering POSTs as told."""

    def __init__(
        self,
        answers: list[int] | None = None,
        *,
        delay: float = 0.0,
        before_answer: Callable[[], object] | None = None,
    ):
        self.answers = list(answers or [])
        self.delay = delay
        self.before_answer = before_answer  # called in the request's thread before answering
        self.answer_body = b"ok"  # what every answer carries
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._arrived:
                    receiver.requests.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, data)
                    )
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    receiver._arrived.notify_all()
                if receiver.before_answer is not None:
                    receiver.before_answer()
                if receiver.delay:
                    time.sleep(receiver.delay)
                try:
                    self.send_response(status)
                    if 300 <= status < 400:
                        self.send_header("Location", receiver.url + "/moved")
                    self.send_header("Content-Length", str(len(receiver.answer_body)))
                    self.end_headers()
                    self.wfile.write(receiver.answer_body)
                except OSError:  # the sender gave up (timeout) before the answer
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        """Return the address to register."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait(self, count: int, timeout: float = 15.0) -> list[Received]:
        """Return the requests once at least count came; AssertionError after timeout."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.requests) >= count, timeout):
                raise AssertionError(f"{len(self.requests)} requests came in {timeout} s, not {count}")
            return list(self.requests)

    def close(self) -> None:
        """Stop serving and free the port."""
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
