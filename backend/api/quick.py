"""Quick ops: requests that run as they are read, without a task of their own (an order: checks,
engine and journal queue at once, then the reply when its group commit resolves).

A quick op's handler is synchronous. It returns the result, or a `Pending` whose future says when
the result is ready; it refuses with `ApiError`/`DomainError` like any op. Its reply keeps its place
in the connection's reply order: it goes out after the reply of the request before it, whichever
kind that was. Per order this saves a task (its creation and two steps) and the awaits around it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from websockets.exceptions import ConnectionClosed
from websockets.protocol import State as WsState

from backend.api.connection import Connection
from backend.api.protocol import ApiError, ErrorCode, Reply, Request, encode, error_info, ok_reply
from backend.domain.errors import DomainError
from backend.metrics import Metrics

log = logging.getLogger(__name__)


class QuickSession(Protocol):
    """What a quick op needs of its connection's session (server.Session)."""

    ws: Connection
    inbox: deque[bytes]  # received, not started yet
    in_flight: set[asyncio.Future[None]]
    last_request: asyncio.Future[None] | None  # replies go out in request order
    reading_paused: bool

    def queue_reply(self, payload: bytes) -> None: ...
    async def send(self, payload: bytes) -> None: ...
    def start_next(self) -> None: ...


class QuickServer(Protocol):
    """What a quick op needs of the API server (server.ApiServer)."""

    metrics: Metrics
    requests: set[asyncio.Future[Any]]  # every connection's requests in flight

    def observe_latency(self, op: str, seconds: float) -> None: ...


QuickHandler = Callable[[Any, dict[str, Any]], Any]  # (session, args) -> the result, or a Pending


@dataclass(slots=True)
class Pending:
    """A quick op's result that is ready once `done` resolves: then the reply is `result()`. A refusal
    raised by `done` or `result` is the error reply, after `refused(exc)` when given."""

    done: asyncio.Future[Any]
    result: Callable[[], Any]
    refused: Callable[[ApiError | DomainError], None] | None = None


def run_quick(server: QuickServer, session: QuickSession, request: Request, handler: QuickHandler) -> None:
    """Run one quick request of `session` now; its reply takes the next place in the reply order."""
    started = time.perf_counter()
    previous = session.last_request
    turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()  # done once the reply is queued
    session.last_request = turn
    session.in_flight.add(turn)
    server.requests.add(turn)
    try:
        result = handler(session, request.args)
    except (ApiError, DomainError) as exc:
        _reply(server, session, request, started, previous, turn, _refusal(server, request, exc))
        return
    except Exception:
        _reply(server, session, request, started, previous, turn, _internal(server, request))
        return
    if type(result) is Pending:
        result.done.add_done_callback(
            lambda _: _reply(server, session, request, started, previous, turn, _outcome(server, request, result))
        )
    else:
        _reply(server, session, request, started, previous, turn, ok_reply(request, result))


def _outcome(server: QuickServer, request: Request, pending: Pending) -> bytes:
    try:
        error = pending.done.exception()  # CancelledError if it was cancelled
        if error is not None:
            raise error
        return ok_reply(request, pending.result())
    except (ApiError, DomainError) as exc:
        if pending.refused is not None:
            pending.refused(exc)
        return _refusal(server, request, exc)
    except (Exception, asyncio.CancelledError):  # a bug, or a future cancelled under it: still a reply
        return _internal(server, request)


def _refusal(server: QuickServer, request: Request, exc: ApiError | DomainError) -> bytes:
    server.metrics.errors.labels(exc.code).inc()
    return encode(Reply(id=request.id, ok=False, error=error_info(exc)))


def _internal(server: QuickServer, request: Request) -> bytes:
    log.exception("op %s failed", request.op)
    server.metrics.errors.labels(ErrorCode.INTERNAL).inc()
    error = ApiError(ErrorCode.INTERNAL, f"internal error in {request.op}; see backend.log")
    return encode(Reply(id=request.id, ok=False, error=error_info(error)))


def _reply(
    server: QuickServer,
    session: QuickSession,
    request: Request,
    started: float,
    previous: asyncio.Future[Any] | None,
    turn: asyncio.Future[None],
    payload: bytes,
) -> None:
    server.observe_latency(request.op, time.perf_counter() - started)
    if previous is None or previous.done():
        _send(server, session, turn, payload)
    else:  # the request before it has not replied yet: this reply follows it
        previous.add_done_callback(lambda _: _send(server, session, turn, payload))


def _send(server: QuickServer, session: QuickSession, turn: asyncio.Future[None], payload: bytes) -> None:
    ws = session.ws
    if ws.protocol.state is WsState.OPEN and not ws.paused:
        session.queue_reply(payload)
        _finished(server, session, turn)
    else:  # the socket's buffer is full (wait for room) or the connection is closing (nothing goes)
        task = asyncio.get_running_loop().create_task(_send_when_possible(server, session, turn, payload))
        server.requests.add(task)
        task.add_done_callback(server.requests.discard)


async def _send_when_possible(
    server: QuickServer, session: QuickSession, turn: asyncio.Future[None], payload: bytes
) -> None:
    with contextlib.suppress(ConnectionClosed):  # the client left; what it asked for still completed
        await session.send(payload)
    _finished(server, session, turn)


def _finished(server: QuickServer, session: QuickSession, turn: asyncio.Future[None]) -> None:
    turn.set_result(None)
    session.in_flight.discard(turn)
    server.requests.discard(turn)
    if session.inbox or session.reading_paused:  # a request waits for room in flight, or reading does
        session.start_next()
