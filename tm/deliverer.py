"""Sending webhook deliveries: one signed POST per attempt, retried with backoff, logged on the row.

A `Deliverer` thread (one per server process; several may share a memory) claims due deliveries
from the store's outbox, POSTs each with the headers and signature tm.webhooks describes, never
follows a redirect, and records the status or error of every attempt: 2xx is delivered; anything
else is tried again after the next delay of its backoff, and failed after the last one.

Addresses are checked on the address actually connected to: link-local, multicast, unspecified
and reserved ones never (cloud metadata services live at 169.254.169.254); loopback and private
ones unless `allow_private=False`.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import socket
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from tm.errors import NotFound, StoreError, TMError
from tm.store.base import Store
from tm.store.records import Delivery, Webhook, iso
from tm.webhooks import body, never_contacted, sign

log = logging.getLogger("tm.webhooks")

# seconds to wait after each failed attempt; after the last one the delivery is failed
BACKOFF = (10.0, 60.0, 300.0, 1800.0, 7200.0, 21600.0)
KEEP_DELIVERED = timedelta(days=30)
KEEP_FAILED = timedelta(days=90)
PRUNE_EVERY = 3600.0


@dataclass
class Outcome:
    """How one attempt went: the HTTP status when an answer came, and what was wrong if anything."""

    status: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        """Tell whether the receiver took the delivery (a 2xx answer)."""
        return self.error is None


class _HTTP(http.client.HTTPConnection):
    """A connection to an address checked beforehand (the name is not resolved again)."""

    def __init__(self, host: str, port: int | None, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _HTTPS(http.client.HTTPSConnection):
    """A TLS connection to an address checked beforehand; the certificate must name the host."""

    def __init__(self, host: str, port: int | None, address: str, timeout: float, context: ssl.SSLContext):
        super().__init__(host, port, timeout=timeout, context=context)
        self.address, self.tls = address, context

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def _address(host: str, port: int, allow_private: bool) -> str:
    """Return the address to connect to for a host; TMError when it has none tm may contact."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise TMError(f"cannot resolve {host}: {e.strerror}") from None
    refused = None
    for info in infos:
        address = str(info[4][0])
        ip = ipaddress.ip_address(address.split("%")[0])
        if never_contacted(ip) or (not allow_private and not ip.is_global):
            refused = address
            continue
        return address
    raise TMError(f"{host} is at {refused}, an address tm does not send webhooks to")


def post(
    url: str, data: bytes, headers: dict[str, str], *, timeout: float, allow_private: bool = True
) -> Outcome:
    """POST a body to a URL once, following no redirect; return the status or the error."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    tls = parts.scheme.lower() == "https"
    port = parts.port or (443 if tls else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        address = _address(host, port, allow_private)
        conn: http.client.HTTPConnection = (
            _HTTPS(host, port, address, timeout, ssl.create_default_context())
            if tls
            else _HTTP(host, port, address, timeout)
        )
        # the timeout is per socket read: a receiver trickling a byte at a time would hold the
        # attempt (and the deliverer) for ever, so the whole attempt has a deadline too
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            sock = conn.sock
            if sock is not None:
                try:  # wakes a read blocked in another thread, as close() alone does not
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        watchdog = threading.Timer(timeout, expire)
        watchdog.start()
        try:
            conn.request("POST", path, body=data, headers=headers)
            response = conn.getresponse()
            status = response.status
            location = response.getheader("Location")
        except (OSError, http.client.HTTPException):
            if expired.is_set():
                raise TimeoutError from None
            raise
        finally:
            watchdog.cancel()
            conn.close()
    except TMError as e:
        return Outcome(None, str(e))
    except ConnectionRefusedError:
        return Outcome(None, "connection refused")
    except TimeoutError:
        return Outcome(None, f"no answer within {timeout:g} s (timeout)")
    except ssl.SSLCertVerificationError as e:
        return Outcome(None, f"the TLS certificate is not trusted: {e.verify_message}")
    except (OSError, http.client.HTTPException) as e:
        return Outcome(None, f"{type(e).__name__}: {e}" if str(e) else type(e).__name__)
    if 200 <= status < 300:
        return Outcome(status, None)
    if 300 <= status < 400:
        return Outcome(
            status, f"HTTP {status}: redirects are not followed (to {location}); register the final URL"
        )
    # the answer's body is not kept: a hook aimed at an internal service must not read it back
    return Outcome(status, f"HTTP {status}")


class Deliverer:
    """Sends due deliveries on a background thread: claims a few, POSTs them at once, records each.

    Several processes may run one on the same memory: a claim is a lease, so a delivery is never
    sent by two of them at once. The backoff, timeout and poll are settable for tests.
    """

    def __init__(
        self,
        store: Store,
        *,
        poll: float = 1.0,
        timeout: float = 10.0,
        backoff: tuple[float, ...] = BACKOFF,
        concurrency: int = 4,
        allow_private: bool = True,
    ):
        self.store, self.poll, self.timeout, self.backoff = store, poll, timeout, tuple(backoff)
        self.concurrency, self.allow_private = max(1, concurrency), allow_private
        # a claim outlives any attempt, so that nobody takes a delivery still being sent
        self.lease = timedelta(seconds=max(60.0, 3 * timeout))
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None

    # -- life ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Start sending (deliveries queued while no deliverer ran go out now)."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="tm-webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the attempts under way (a claim left unfinished is taken again after its lease)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def notify(self) -> None:
        """Tell the deliverer a delivery was queued (it also polls, for other processes' ones)."""
        self._wake.set()

    def _loop(self) -> None:
        try:
            self._rounds()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=False)

    def _rounds(self) -> None:
        last_prune = 0.0
        while not self._stop.is_set():
            sent = 0
            try:
                if time.monotonic() - last_prune > PRUNE_EVERY:
                    last_prune = time.monotonic()
                    self.prune()
                sent = self.run_once()
            except StoreError as e:
                if "was closed" in str(e):  # the memory was closed under us: nothing left to send
                    return
                log.warning("webhook deliveries wait: %s", e)
            except TMError as e:  # busy: the next poll tries again
                log.warning("webhook deliveries wait: %s", e)
            except Exception:
                log.exception("webhook deliveries failed")
            if sent < self.concurrency:  # a full batch: more may be due at once
                self._wake.wait(self.poll)
                self._wake.clear()

    def prune(self) -> int:
        """Delete delivered deliveries older than KEEP_DELIVERED and failed ones older than KEEP_FAILED."""
        t = datetime.now(UTC)
        return self.store.webhooks.prune(
            delivered_before=iso(t - KEEP_DELIVERED), failed_before=iso(t - KEEP_FAILED)
        )

    # -- one round --------------------------------------------------------------------------------

    def run_once(self) -> int:
        """Claim the due deliveries (up to `concurrency`), send them together and record how each went."""
        t = datetime.now(UTC)
        claimed = self.store.webhooks.claim(
            now=iso(t), lease_until=iso(t + self.lease), limit=self.concurrency
        )
        jobs = []
        for delivery in claimed:
            try:
                hook = self.store.webhooks.get(delivery.webhook_id)
            except NotFound:  # deleted meanwhile, and its deliveries with it
                continue
            user = self.store.accounts.find(hook.owner)
            if user is None or not user.active:
                self._settle(
                    delivery, hook, Outcome(None, f"the account {hook.owner} is locked or gone"), final=True
                )
                continue
            jobs.append((delivery, hook))
        if not jobs:
            return len(claimed)
        if len(jobs) == 1:
            [(delivery, hook)] = jobs
            self._settle(delivery, hook, self._send(delivery, hook))
            return len(claimed)
        if self._pool is None:  # its threads start on the first batch of several and only send
            self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="tm-webhook-send")
        futures = {self._pool.submit(self._send, d, h): (d, h) for d, h in jobs}
        for future in as_completed(futures):
            delivery, hook = futures[future]
            self._settle(delivery, hook, future.result())
        return len(claimed)

    def _send(self, delivery: Delivery, hook: Webhook) -> Outcome:
        data = body(delivery)
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "tm-webhooks/1",
            "X-TM-Event": delivery.event,
            "X-TM-Delivery": str(delivery.id),
            "X-TM-Attempt": str(delivery.attempts),
            "X-TM-Webhook": str(hook.id),
            "X-TM-Timestamp": timestamp,
            "X-TM-Signature": sign(hook.secret, timestamp, data),
        }
        try:
            return post(hook.url, data, headers, timeout=self.timeout, allow_private=self.allow_private)
        except Exception as e:  # never lose the outcome of a claim to a bug in sending
            log.exception("webhook delivery %s could not be sent", delivery.id)
            return Outcome(None, f"{type(e).__name__}: {e}")

    def _settle(self, delivery: Delivery, hook: Webhook, outcome: Outcome, *, final: bool = False) -> None:
        attempt = delivery.attempts
        # not the query string: a CMS may put a token of its own there, and logs are read widely
        to = urlsplit(hook.url)
        where = f"webhook {hook.id} delivery {delivery.id} ({delivery.event}) to {to.netloc}{to.path}"
        if outcome.ok:
            state, next_at = "delivered", None
            log.info("%s: delivered, HTTP %s (attempt %d)", where, outcome.status, attempt)
        elif final or attempt > len(self.backoff):
            state, next_at = "failed", None
            log.warning("%s: failed for good after attempt %d: %s", where, attempt, outcome.error)
        else:
            state = "pending"
            next_at = iso(datetime.now(UTC) + timedelta(seconds=self.backoff[attempt - 1]))
            log.warning("%s: attempt %d failed (%s); next at %s", where, attempt, outcome.error, next_at)
        kept = self.store.webhooks.record(
            delivery.id, attempt, state=state, status=outcome.status, error=outcome.error, next_at=next_at
        )
        if not kept:
            log.warning("%s: another deliverer took it over meanwhile; this outcome was not recorded", where)
