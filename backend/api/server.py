"""The WebSocket API: hello/auth, request/reply dispatch to registered ops, subscription pushes,
and plain HTTP `GET /health` and `GET /metrics` on the same port.

Services register ops (`server.op("quote", handler)`) and streams (`server.stream("prices", topic,
key=...)`); the server owns validation, errors, rate limits and the per-connection push tasks. The
sockets are driven by `connection.py`, which hands each session its messages as they are parsed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request as HttpRequest
from websockets.http11 import Response as HttpResponse
from websockets.protocol import State as WsState

from backend.api.admission import (
    AdmissionLimits,
    ConnectionGate,
    install_accept_error_handler,
    raise_open_file_limit,
)
from backend.api.connection import CLOSE_TIMEOUT_S, Connection
from backend.api.protocol import (
    MAX_MESSAGE_BYTES,
    PROTOCOL_VERSION,
    ApiError,
    ErrorCode,
    HelloArgs,
    Push,
    Reply,
    Request,
    SubscribeArgs,
    decode_request,
    encode,
    error_info,
    ok_reply,
    parse_args,
)
from backend.api.quick import QuickHandler, run_quick
from backend.api.ratelimit import TokenBucket
from backend.bus import Bus, Subscription
from backend.domain.errors import DomainError
from backend.metrics import Metrics

log = logging.getLogger(__name__)
Handler = Callable[["Session", dict[str, Any]], Awaitable[Any]]
LISTEN_BACKLOG = 256  # room for a burst of connects (no SYN retransmits); asyncio accepts this many per wake-up
MAX_PIPELINED = 64  # requests of one connection in flight at once (the released ones wait only for their commit)


@dataclass(slots=True, frozen=True)
class StreamSpec:
    topic: str
    key: Callable[[Any], Hashable] | None  # None: every event is delivered (never conflated)
    market_of: Callable[[Any], str] | None = None  # lets a subscriber filter by markets


class Session:
    """One connected client.

    Its requests start one at a time in the order they arrived; one that has done everything but
    wait for its commit releases the connection (`release`), so the next starts and their waits
    for durability overlap (one connection's orders share group commits). Replies go out in
    request order."""

    def __init__(self, server: ApiServer, ws: Connection) -> None:
        self.server = server
        self.ws = ws
        self.authed = False
        self.client = "unknown"
        self.subs: dict[str, tuple[Subscription, asyncio.Task[None]]] = {}
        self.bucket = TokenBucket(server.rate_per_s, server.rate_per_s * 2)
        self.state: dict[str, Any] = {}  # per-session data for services (e.g. link group)
        self.in_flight: set[asyncio.Future[None]] = set()  # tasks, and quick requests' turns
        self.inbox: deque[bytes] = deque()  # received, not started yet
        self._holder: asyncio.Task[None] | None = None  # the started request that has not released
        # the last request started (its task, or a quick op's turn): replies go out in request order
        self.last_request: asyncio.Future[None] | None = None
        self._outbox: list[bytes] = []  # messages sent this loop turn, written together (see send)
        self.reading_paused = False
        self._starting = False  # in start_next: a quick op that replies at once does not start more from inside it

    def received(self, message: bytes) -> None:
        """A request arrived (connection.py calls this for each message it parses, in order)."""
        self.inbox.append(message)
        self.start_next()

    def release(self) -> None:
        """The current request has done everything but wait for its commit: the next one may start."""
        if self._holder is not None:
            self._holder = None
            self.start_next()

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.in_flight.discard(task)
        self.server.requests.discard(task)
        if self._holder is task:
            self._holder = None
        self.start_next()

    def start_next(self) -> None:
        inbox, server = self.inbox, self.server
        if not self._starting:
            self._starting = True
            try:
                while inbox and self._holder is None and len(self.in_flight) < MAX_PIPELINED:
                    request = server.admit(self, inbox.popleft())
                    if isinstance(request, Request) and self.authed:
                        quick = server.quick_ops.get(request.op)
                        if quick is not None:  # runs now and releases at once: the next one starts in this loop
                            run_quick(server, self, request, quick)
                            continue
                    task = asyncio.get_running_loop().create_task(
                        server._on_message(self, request, self.last_request, pipelined=True)
                    )
                    self._holder = self.last_request = task
                    self.in_flight.add(task)
                    server.requests.add(task)
            finally:
                self._starting = False
        # a client that sends faster than its requests start waits in its socket, not in our memory
        transport = self.ws.transport
        if len(inbox) >= MAX_PIPELINED and not self.reading_paused:
            self.reading_paused = True
            transport.pause_reading()
        elif self.reading_paused and len(inbox) < MAX_PIPELINED // 2:
            self.reading_paused = False
            if not transport.is_closing():
                transport.resume_reading()

    def lost(self) -> None:
        """The connection is gone; what it sent before still runs (its orders are applied and committed)."""
        self.close_subs()
        self.server._session_lost(self)

    async def send(self, payload: bytes) -> None:
        """Send one text message. The messages sent in one loop turn (the replies of one group commit,
        a burst of pushes) leave in one socket write; with the socket's buffer full, this waits for it."""
        ws = self.ws
        if ws.protocol.state is not WsState.OPEN or ws.paused:  # closing (raises ConnectionClosed), or full
            self._flush()
            await ws.send(payload, text=True)
            return
        self.queue_reply(payload)

    def queue_reply(self, payload: bytes) -> None:
        """Add a message to this turn's write (the connection is open and its buffer has room)."""
        if not self._outbox:
            asyncio.get_running_loop().call_soon(self._flush)
        self._outbox.append(payload)

    def _flush(self) -> None:
        outbox, self._outbox = self._outbox, []
        protocol = self.ws.protocol
        if not outbox or protocol.state is not WsState.OPEN:  # closed meanwhile: as a send would, nothing goes
            return
        for payload in outbox:
            protocol.send_text(payload)
        self.ws.transport.write(b"".join(protocol.data_to_send()))  # only these frames: nothing else was queued

    async def close(self, code: int, reason: str) -> None:
        """Close the connection after the messages already sent (an error reply says why it closes)."""
        self._flush()
        await self.ws.close(code, reason)

    def close_subs(self) -> None:
        for sub, task in self.subs.values():
            sub.close()
            task.cancel()
        self.subs.clear()


class ApiServer:
    def __init__(
        self,
        bus: Bus,
        metrics: Metrics,
        token: str,
        *,
        rate_per_s: float = 500.0,
        health: Callable[[], dict[str, Any]] | None = None,
        limits: AdmissionLimits | None = None,
    ) -> None:
        self.bus = bus
        self.metrics = metrics
        self.token = token
        self.rate_per_s = rate_per_s
        self.health = health or (lambda: {})
        self.ops: dict[str, Handler] = {}
        self.quick_ops: dict[str, QuickHandler] = {}  # ops that also have a quick form (see quick.py)
        self.streams: dict[str, StreamSpec] = {}
        self.sessions: set[Session] = set()
        self.gate = ConnectionGate(limits or AdmissionLimits(), metrics)
        self.connections: set[Connection] = set()
        self.requests: set[asyncio.Future[Any]] = set()  # every connection's, also of clients that left
        self._server: asyncio.Server | None = None
        self.last_client_seen = time.monotonic()
        # pushes encoded this loop turn, for every other subscriber of the same message: (stream, id) -> (message, frame)
        self._pushes: dict[tuple[str, int], tuple[Any, bytes]] = {}
        self.op("subscribe", self._op_subscribe)
        self.op("unsubscribe", self._op_unsubscribe)

    # -- registration -------------------------------------------------------------------------
    def op(self, name: str, handler: Handler) -> None:
        self.ops[name] = handler
        self.quick_ops.pop(name, None)  # a newer handler (another venue's) replaces the op with its quick form

    def quick_op(self, name: str, handler: QuickHandler) -> None:
        """The quick form of op `name` (registered with `op` too): what an authenticated session runs."""
        self.quick_ops[name] = handler

    def stream(
        self,
        name: str,
        topic: str,
        key: Callable[[Any], Hashable] | None = None,
        market_of: Callable[[Any], str] | None = None,
    ) -> None:
        self.streams[name] = StreamSpec(topic, key, market_of)

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self, host: str, port: int) -> int:
        loop = asyncio.get_running_loop()
        raise_open_file_limit()
        install_accept_error_handler(loop, self.metrics, self.gate.quiet)
        self._server = await loop.create_server(self._connection, host, port, backlog=LISTEN_BACKLOG)
        sock = next(iter(self._server.sockets))
        return int(sock.getsockname()[1])

    def _connection(self) -> Connection:
        connection = Connection(self, max_size=MAX_MESSAGE_BYTES * 4)  # larger: refused with a reply, not a close
        self.connections.add(connection)
        connection.done.add_done_callback(lambda _: self.connections.discard(connection))
        return connection

    async def stop(self) -> None:
        """Close every connection: a close frame to open ones, an abort for handshakes and the unresponsive;
        then let the requests they sent finish (their orders are applied and committing)."""
        if self._server is None:
            return
        self._server.close()
        self._server = None
        for connection in list(self.connections):
            if connection.protocol.state is WsState.OPEN:
                connection.protocol.send_close(1001, "")
                connection.write_frames()
            else:
                connection.transport.abort()  # an idle socket would hold the shutdown until its hello deadline
        if self.connections:
            _, late = await asyncio.wait([c.done for c in self.connections], timeout=CLOSE_TIMEOUT_S)
            for connection in list(self.connections):
                connection.transport.abort()
            if late:
                await asyncio.wait(late, timeout=CLOSE_TIMEOUT_S)
        if self.requests:
            await asyncio.wait(self.requests, timeout=CLOSE_TIMEOUT_S)

    def accepting(self) -> bool:
        return self._server is not None and self._server.is_serving()

    @property
    def client_count(self) -> int:
        return sum(1 for s in self.sessions if s.authed)

    # -- HTTP ---------------------------------------------------------------------------------
    def http(self, request: HttpRequest) -> HttpResponse | None:
        """The answer to a plain HTTP request; None for a WebSocket upgrade."""
        path = request.path.split("?", 1)[0]
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return None
        if path == "/health":
            body = json.dumps(self.health()).encode()
            return _response(HTTPStatus.OK, body, "application/json")
        if path == "/metrics":
            return _response(HTTPStatus.OK, self.metrics.render(), "text/plain; version=0.0.4")
        return _response(HTTPStatus.NOT_FOUND, b'{"error":"not found; try /health or /metrics"}', "application/json")

    # -- WebSocket ----------------------------------------------------------------------------
    def open_session(self, connection: Connection) -> Session:
        session = Session(self, connection)
        self.sessions.add(session)
        return session

    def _session_lost(self, session: Session) -> None:
        self.sessions.discard(session)
        self.metrics.clients.set(self.client_count)
        self.last_client_seen = time.monotonic()

    def admit(self, session: Session, raw: str | bytes) -> Request | Exception:
        """A received message as a request, or why it is refused (the rate limit, or it does not parse)."""
        try:
            if not session.bucket.take():
                raise ApiError(
                    ErrorCode.RATE_LIMITED, f"too many requests: the limit is {self.rate_per_s:g} per second"
                )
            return decode_request(raw)
        except Exception as exc:  # noqa: BLE001 - replied to by _on_message, like any failure of a request
            return exc

    def observe_latency(self, op: str, seconds: float) -> None:
        if op in self.ops or op == "hello":
            self.metrics.request_latency.labels(op).observe(seconds)  # labels: a dict lookup, no lock

    async def _on_message(
        self,
        session: Session,
        message: str | bytes | Request | Exception,
        previous: asyncio.Future[None] | None = None,
        *,
        pipelined: bool = False,
    ) -> None:
        """Handle one request (raw, or as `admit` made it); its reply waits for `previous` (the request
        before it) to reply first.

        Started by `Session.start_next` (`pipelined`), it ends by leaving the connection's requests
        in flight and letting the next one start, unless it released the connection already."""
        started = time.perf_counter()
        req_id: int | None = None
        op = "invalid"
        try:
            if isinstance(message, str | bytes):  # not admitted yet
                message = self.admit(session, message)
            if isinstance(message, Exception):
                raise message
            request = message
            req_id, op = request.id, request.op
            if op == "hello":
                result: Any = self._hello(session, request.args)
            elif not session.authed:
                raise ApiError(ErrorCode.HELLO_REQUIRED, "send hello with your token first")
            else:
                handler = self.ops.get(op)
                if handler is None:
                    raise ApiError(ErrorCode.UNKNOWN_OP, f"unknown op {op!r}")
                result = await handler(session, request.args)
            await _after(previous)
            await session.send(ok_reply(request, result))
        except (
            ApiError,
            DomainError,
        ) as exc:  # a refusal, from the API edge or the domain: code and message as they are
            self.metrics.errors.labels(exc.code).inc()
            await _after(previous)
            await self._send_error(session, req_id, exc)
            if exc.code in (ErrorCode.UNAUTHORIZED, ErrorCode.VERSION_MISMATCH):
                with contextlib.suppress(ConnectionClosed):
                    await session.close(4001, exc.code)
        except ConnectionClosed:
            pass  # the client left; what it asked for still completed
        except Exception:
            log.exception("op %s failed", op)
            self.metrics.errors.labels(ErrorCode.INTERNAL).inc()
            await _after(previous)
            await self._send_error(
                session, req_id, ApiError(ErrorCode.INTERNAL, f"internal error in {op}; see backend.log")
            )
        finally:
            self.observe_latency(op, time.perf_counter() - started)
            if pipelined:  # here, not in a done callback: one loop callback less per request
                session._finished(asyncio.current_task())  # type: ignore[arg-type]

    async def _send_error(self, session: Session, req_id: int | None, exc: ApiError | DomainError) -> None:
        with contextlib.suppress(ConnectionClosed):
            await session.send(encode(Reply(id=req_id, ok=False, error=error_info(exc))))

    def _hello(self, session: Session, args: dict[str, Any]) -> dict[str, Any]:
        hello = parse_args(args, HelloArgs)
        if not hmac.compare_digest(hello.token.encode(), self.token.encode()):
            raise ApiError(ErrorCode.UNAUTHORIZED, "wrong token: use the token in backend.json (--token-file)")
        if hello.version != PROTOCOL_VERSION:
            raise ApiError(
                ErrorCode.VERSION_MISMATCH,
                f"client speaks protocol {hello.version}, backend speaks {PROTOCOL_VERSION}; upgrade the older side",
            )
        session.authed = True
        session.client = hello.client
        self.gate.authenticate(session.ws)
        self.metrics.clients.set(self.client_count)
        self.last_client_seen = time.monotonic()
        return {"protocol": PROTOCOL_VERSION, **self.health()}

    # -- subscriptions ------------------------------------------------------------------------
    async def _op_subscribe(self, session: Session, args: dict[str, Any]) -> dict[str, Any]:
        sub_args = parse_args(args, SubscribeArgs)
        spec = self.streams.get(sub_args.stream)
        if spec is None:
            raise ApiError(
                ErrorCode.UNKNOWN_STREAM,
                f"unknown stream {sub_args.stream!r}; streams: {', '.join(sorted(self.streams))}",
            )
        if sub_args.stream in session.subs:
            old, task = session.subs.pop(sub_args.stream)
            old.close()
            task.cancel()
        sub = self.bus.subscribe(spec.topic, key=spec.key)
        if sub_args.markets and spec.market_of is not None:
            wanted = set(sub_args.markets)
            market_of = spec.market_of
            sub.filter = lambda _t, m: market_of(m) in wanted
        task = asyncio.create_task(self._pump(session, sub_args.stream, sub))
        session.subs[sub_args.stream] = (sub, task)
        return {"stream": sub_args.stream}

    async def _op_unsubscribe(self, session: Session, args: dict[str, Any]) -> dict[str, Any]:
        sub_args = parse_args(args, SubscribeArgs)
        entry = session.subs.pop(sub_args.stream, None)
        if entry is None:
            raise ApiError(ErrorCode.UNKNOWN_STREAM, f"not subscribed to {sub_args.stream!r}")
        entry[0].close()
        entry[1].cancel()
        return {"stream": sub_args.stream}

    async def _pump(self, session: Session, stream: str, sub: Subscription) -> None:
        is_prices = stream == "prices"
        try:
            while True:
                batch = await sub.get_batch()
                if sub.overflowed:
                    await self._send_error(
                        session,
                        None,
                        ApiError(ErrorCode.SLOW_CONSUMER, f"fell too far behind on {stream}; reconnect to resync"),
                    )
                    await session.close(4002, ErrorCode.SLOW_CONSUMER)
                    return
                for _topic, message in batch:
                    await session.send(self._push_frame(stream, message))
                if is_prices:
                    self.metrics.ticks_out.inc(len(batch))
        except (ConnectionClosed, asyncio.CancelledError):
            return

    def _push_frame(self, stream: str, message: Any) -> bytes:
        """The push of `message` on `stream`, encoded once for all its subscribers (they drain in the same turn)."""
        key = (stream, id(message))
        cached = self._pushes.get(key)
        if cached is not None and cached[0] is message:
            return cached[1]
        if not self._pushes:
            asyncio.get_running_loop().call_soon(self._pushes.clear)  # the message is kept alive until then
        frame = encode(Push(stream=stream, data=message))
        self._pushes[key] = (message, frame)
        return frame


async def _after(previous: asyncio.Future[None] | None) -> None:
    """Wait until the connection's previous request has replied (it may still be waiting for its commit)."""
    if previous is not None and not previous.done():
        await asyncio.wait((previous,))


def _response(status: HTTPStatus, body: bytes, content_type: str) -> HttpResponse:
    headers = Headers([("Content-Type", content_type), ("Content-Length", str(len(body))), ("Connection", "close")])
    return HttpResponse(status.value, status.phrase, headers, body)
