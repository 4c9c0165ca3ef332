"""One client's TCP connection: plain HTTP or a WebSocket, framed by websockets' Sans-I/O `ServerProtocol`.

An `asyncio.Protocol` feeds the socket's bytes to the library's protocol and hands each complete
message to its session as it is parsed, so the requests of one read are dispatched in one pass,
without a coroutine, future or lock per message. The library keeps the opening handshake, the
size limit, ping/pong and the close handshake (whole data frames take the fast path of
`framing.py`); this class adds the keepalive, the close timeout and write backpressure (`paused`,
and `send` waits for the socket's buffer to drain).
"""

from __future__ import annotations

import asyncio
import logging
from http import HTTPStatus
from typing import Protocol

from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.server import ServerProtocol

from backend.api.admission import ConnectionGate
from backend.api.framing import FastServerProtocol

CLOSE_TIMEOUT_S = 0.5  # a client gets this long to answer a close frame, so a shutdown takes under a second
PING_INTERVAL_S = 20.0  # a ping this often; no pong by the next one closes the connection (1011)
_QUIET = logging.getLogger("backend.api.websocket")  # the library logs each handshake at INFO
_QUIET.setLevel(logging.WARNING)


class Receiver(Protocol):
    """The session that gets a WebSocket's messages."""

    def received(self, message: bytes) -> None: ...

    def lost(self) -> None: ...


class Endpoint(Protocol):
    """What the server answers a connection with."""

    gate: ConnectionGate

    def http(self, request: Request) -> Response | None: ...  # None: the request is a WebSocket upgrade

    def accepting(self) -> bool: ...

    def open_session(self, conn: Connection) -> Receiver: ...


class Connection(asyncio.Protocol):
    def __init__(self, endpoint: Endpoint, max_size: int) -> None:
        self.endpoint = endpoint
        self.protocol = FastServerProtocol(max_size=max_size, logger=_QUIET)
        self.transport: asyncio.Transport = None  # type: ignore[assignment]  # set by connection_made
        self.receiver: Receiver | None = None
        self.paused = False  # the socket's write buffer is full
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()  # resolved on connection_lost
        self._drained: asyncio.Future[None] | None = None
        self._fragments: list[bytes] = []
        self._close_timer: asyncio.TimerHandle | None = None
        self._keepalive: asyncio.TimerHandle | None = None
        self._awaiting_pong = False
        self._handshake_reported = False

    # -- asyncio.Protocol -----------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.endpoint.gate.admit(self, transport)

    def data_received(self, data: bytes) -> None:
        protocol = self.protocol
        protocol.receive_data(data)
        events = protocol.events_received()
        while events:  # accepting the handshake parses the frames that came with the request
            for event in events:
                if isinstance(event, Frame):
                    self._frame(event)
                elif isinstance(event, Request):
                    self._handshake(event)
            events = protocol.events_received()
        self._send_pending()
        if self.receiver is None:
            self._check_handshake()

    def eof_received(self) -> None:
        self.protocol.receive_eof()
        self._send_pending()  # None: the transport closes
        if self.receiver is None:
            self._check_handshake()

    def connection_lost(self, exc: Exception | None) -> None:
        self.endpoint.gate.closed(self)
        self.protocol.receive_eof()  # the protocol's state becomes CLOSED: a send raises ConnectionClosed
        for timer in (self._close_timer, self._keepalive):
            if timer is not None:
                timer.cancel()
        self._wake_writers()
        if self.receiver is not None:
            self.receiver.lost()
        if not self.done.done():
            self.done.set_result(None)

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        self._wake_writers()

    # -- what a session uses ----------------------------------------------------------------------
    async def send(self, message: bytes, text: bool = True) -> None:
        """Send one message once the socket's buffer has room; ConnectionClosed once the connection closes."""
        while self.paused and self.protocol.state is State.OPEN:
            if self._drained is None:
                self._drained = asyncio.get_running_loop().create_future()
            await asyncio.shield(self._drained)
        if self.protocol.state is not State.OPEN:
            protocol = self.protocol
            raise ConnectionClosed(protocol.close_rcvd, protocol.close_sent, protocol.close_rcvd_then_sent)
        if text:
            self.protocol.send_text(message)
        else:
            self.protocol.send_binary(message)
        self._send_pending()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Start the close handshake after what was already sent; return once the TCP connection is gone."""
        if self.protocol.state is State.OPEN:
            self.protocol.send_close(code, reason)
            self._send_pending()
        elif self.protocol.state is State.CONNECTING:
            self.transport.abort()
        await asyncio.shield(self.done)

    def write_frames(self) -> None:
        """Write what the protocol has queued (frames a session added with `protocol.send_text`)."""
        self._send_pending()

    # -- internals --------------------------------------------------------------------------------
    def _handshake(self, request: Request) -> None:
        protocol = self.protocol
        response = self.endpoint.http(request)
        if response is None:
            response = protocol.accept(request) if self.endpoint.accepting() else _unavailable(protocol)
        protocol.send_response(response)
        if protocol.state is State.OPEN:
            self.receiver = self.endpoint.open_session(self)
            self._keepalive = asyncio.get_running_loop().call_later(PING_INTERVAL_S, self._ping)

    def _check_handshake(self) -> None:
        """Report a failed opening handshake (garbage, a bad upgrade, EOF before the request) once."""
        error = self.protocol.handshake_exc
        if error is not None and not self._handshake_reported:
            self._handshake_reported = True
            self.endpoint.gate.handshake_failed(self, error)

    def _frame(self, frame: Frame) -> None:
        opcode, data = frame.opcode, bytes(frame.data)  # parsed frames hold bytes already: no copy
        if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
            if frame.fin:
                if self.receiver is not None:
                    self.receiver.received(data)
            else:
                self._fragments = [data]
        elif opcode is Opcode.CONT:
            self._fragments.append(data)
            if frame.fin:
                message, self._fragments = b"".join(self._fragments), []
                if self.receiver is not None:
                    self.receiver.received(message)
        elif opcode is Opcode.PONG:
            self._awaiting_pong = False
        # a ping is answered and a close frame echoed by the protocol itself

    def _send_pending(self) -> None:
        protocol, transport = self.protocol, self.transport
        for data in protocol.data_to_send():
            if data:
                transport.write(data)
            elif transport.can_write_eof():  # the protocol is done: half-close, the client closes its side
                transport.write_eof()
            else:
                transport.close()
        if self._close_timer is None and (protocol.eof_sent or protocol.close_expected()):  # closing: bounded
            self._close_timer = asyncio.get_running_loop().call_later(CLOSE_TIMEOUT_S, transport.abort)

    def _ping(self) -> None:
        if self.protocol.state is not State.OPEN:
            return
        if self._awaiting_pong:
            self.protocol.fail(1011, "keepalive ping timeout")
        else:
            self._awaiting_pong = True
            self.protocol.send_ping(b"")
            self._keepalive = asyncio.get_running_loop().call_later(PING_INTERVAL_S, self._ping)
        self._send_pending()

    def _wake_writers(self) -> None:
        if self._drained is not None:
            if not self._drained.done():
                self._drained.set_result(None)
            self._drained = None


def _unavailable(protocol: ServerProtocol) -> Response:
    return protocol.reject(HTTPStatus.SERVICE_UNAVAILABLE, "the backend is shutting down\n")
