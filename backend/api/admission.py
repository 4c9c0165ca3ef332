"""Who may hold a connection: a hello deadline, caps per home, a per-IP accept rate, quiet refusals.

An idle socket costs the backend a file descriptor until someone closes it, so a flood of them
could lock the trader's own terminals out. Every connection must authenticate within the hello
deadline; when the unauthenticated ones reach their cap, the oldest makes room for the newcomer
(a flood cannot starve a real client's fresh connection); the total per home is capped; each IP
may open only so many connections per second. Every refusal is counted in /metrics and logged at
most once per interval per reason, with how many lines were held back, never with a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from dataclasses import dataclass
from typing import Any, Protocol

from websockets.protocol import Protocol as WsProtocol
from websockets.protocol import State as WsState

from backend.api.ratelimit import TokenBucket
from backend.metrics import Metrics

log = logging.getLogger(__name__)


class GatedConnection(Protocol):
    """What the gate needs of a connection (`backend/api/connection.py`): its state, its socket, a close."""

    @property
    def protocol(self) -> WsProtocol: ...

    @property
    def transport(self) -> asyncio.Transport: ...

    async def close(self, code: int = 1000, reason: str = "") -> None: ...


@dataclass(slots=True, frozen=True)
class AdmissionLimits:
    hello_deadline_s: float = 5.0
    max_connections: int = 256  # per backend, i.e. per QUANTDESK_HOME
    max_unauthenticated: int = 64
    accepts_per_ip_per_s: float = 200.0
    accept_burst: float = 400.0
    log_every_s: float = 10.0


class QuietLog:
    """At most one line per key per interval; the next line says how many were held back."""

    def __init__(self, logger: logging.Logger, every_s: float) -> None:
        self.logger = logger
        self.every_s = every_s
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def warning(self, key: str, message: str) -> None:
        now = time.monotonic()
        if now - self._last.get(key, -self.every_s) < self.every_s:
            self._held[key] = self._held.get(key, 0) + 1
            return
        held = self._held.pop(key, 0)
        self._last[key] = now
        suffix = f" ({held} more like it since the last line)" if held else ""
        self.logger.warning("%s%s", message, suffix)


class ConnectionGate:
    """Tracks every TCP connection from accept to close and refuses or evicts by the limits."""

    def __init__(self, limits: AdmissionLimits, metrics: Metrics) -> None:
        self.limits = limits
        self.metrics = metrics
        self.quiet = QuietLog(log, limits.log_every_s)
        self.unauthenticated: dict[GatedConnection, float] = {}  # insertion order = oldest first
        self.authenticated: set[GatedConnection] = set()
        self.refused: weakref.WeakSet[GatedConnection] = weakref.WeakSet()  # their failed handshakes are expected
        self._buckets: dict[str, TokenBucket] = {}

    @property
    def open_count(self) -> int:
        return len(self.unauthenticated) + len(self.authenticated)

    def admit(self, conn: GatedConnection, transport: asyncio.BaseTransport) -> None:
        """Called on accept: keep the connection under the hello deadline, or drop it at once."""
        peer = transport.get_extra_info("peername")
        ip = str(peer[0]) if isinstance(peer, tuple) and peer else "unknown"
        if not self._bucket(ip).take():
            self.refuse(
                conn,
                "accept_rate",
                f"refusing connections from {ip}: more than {self.limits.accepts_per_ip_per_s:g} per second",
            )
            return
        if self.open_count >= self.limits.max_connections and not self.unauthenticated:
            self.refuse(
                conn,
                "max_connections",
                f"refusing a connection: {self.open_count} are open, the limit is {self.limits.max_connections}",
            )
            return
        if (
            self.open_count >= self.limits.max_connections
            or len(self.unauthenticated) >= self.limits.max_unauthenticated
        ):
            oldest = next(iter(self.unauthenticated))
            self.refuse(
                oldest,
                "unauthenticated_evicted",
                f"closing the oldest connection without a hello to make room ({self.limits.max_unauthenticated} max)",
            )
        self.unauthenticated[conn] = time.monotonic()
        self._gauge()
        asyncio.get_running_loop().call_later(self.limits.hello_deadline_s, self._deadline, conn)

    def authenticate(self, conn: GatedConnection) -> None:
        if self.unauthenticated.pop(conn, None) is not None:
            self.authenticated.add(conn)
            self._gauge()

    def closed(self, conn: GatedConnection) -> None:
        self.unauthenticated.pop(conn, None)
        self.authenticated.discard(conn)
        self._gauge()

    def refuse(self, conn: GatedConnection, reason: str, message: str) -> None:
        self.metrics.connections_refused.labels(reason).inc()
        self.quiet.warning(reason, message)
        self.unauthenticated.pop(conn, None)
        self.refused.add(conn)
        self._gauge()
        drop(conn, 4008, reason)

    def handshake_failed(self, conn: GatedConnection, error: BaseException) -> None:
        """A failed opening handshake (garbage, a bad upgrade) is counted and said in one quiet line."""
        if conn in self.refused:
            return  # we dropped it ourselves; that refusal is already counted
        self.metrics.connections_refused.labels("bad_handshake").inc()
        self.quiet.warning("bad_handshake", f"a client failed the opening handshake ({type(error).__name__}: {error})")

    def _deadline(self, conn: GatedConnection) -> None:
        if conn in self.unauthenticated:
            self.refuse(
                conn,
                "hello_timeout",
                f"closing a connection that sent no valid hello within {self.limits.hello_deadline_s:g}s",
            )

    def _bucket(self, ip: str) -> TokenBucket:
        bucket = self._buckets.get(ip)
        if bucket is None:
            if len(self._buckets) > 4096:  # forget quiet peers rather than grow without bound
                self._buckets.clear()
            bucket = self._buckets[ip] = TokenBucket(self.limits.accepts_per_ip_per_s, self.limits.accept_burst)
        return bucket

    def _gauge(self) -> None:
        self.metrics.connections_open.labels("unauthenticated").set(len(self.unauthenticated))
        self.metrics.connections_open.labels("authenticated").set(len(self.authenticated))


def drop(conn: GatedConnection, code: int, reason: str) -> None:
    """Close now: an open WebSocket gets a close frame (its close timeout is short), anything else is aborted."""
    if conn.protocol.state is WsState.OPEN:
        asyncio.get_running_loop().create_task(conn.close(code, reason))
    elif conn.transport is not None:
        conn.transport.abort()


def install_accept_error_handler(loop: asyncio.AbstractEventLoop, metrics: Metrics, quiet: QuietLog) -> None:
    """asyncio pauses accepting for a second after EMFILE; make its log line counted and rate-limited."""
    previous = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        message = str(context.get("message", ""))
        if message.startswith("socket.accept() out of system resource"):
            metrics.connections_refused.labels("accept_error").inc()
            quiet.warning("accept_error", f"{message}: {context.get('exception')}; accepting resumes shortly")
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)


def raise_open_file_limit(wanted: int = 65_536) -> None:
    """Lift the soft limit on open files towards the hard one, so caps bind before the OS does."""
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        if soft != resource.RLIM_INFINITY and soft < target:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
