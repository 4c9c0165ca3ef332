"""A minimal blocking WebSocket client (RFC 6455: handshake, masked text frames, ping/pong, close).

Only for the thin CLI path (`cli_thin.py`): one request and its reply over ws:// on a loopback
backend, with nothing but the standard library, so a one-shot `quantdesk quote --json` does not pay
for importing asyncio and websockets. The TUI and the SDK use `websockets` (backend.client).
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import struct

ACCEPT_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 §1.3
MAX_FRAME_BYTES = 2**24  # as the SDK's max_size
OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class WireError(Exception):
    """The connection failed, closed or spoke something that is not WebSocket."""


def split_url(url: str) -> tuple[str, int, str]:
    """(host, port, path) of a ws:// URL; wss:// and anything else is not for this client."""
    if not url.startswith("ws://"):
        raise WireError(f"not a ws:// URL: {url!r}")
    netloc, _, path = url[len("ws://") :].partition("/")
    host, sep, port = netloc.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise WireError(f"no host:port in {url!r}")
    return host.strip("[]"), int(port), "/" + path


def mask(payload: bytes, key: bytes) -> bytes:
    """XOR with the 4-byte key, as one big integer (far faster than a loop over bytes)."""
    n = len(payload)
    if not n:
        return payload
    repeated = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big")


class WebSocket:
    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._reader = sock.makefile("rb")

    @classmethod
    def connect(cls, url: str, timeout: float) -> WebSocket:
        host, port, path = split_url(url)
        try:
            # the host as bytes: a str host is IDNA-encoded first, and importing that codec costs ms
            sock = socket.create_connection((host.encode("ascii"), port), timeout=timeout)  # type: ignore[arg-type]  # typeshed: the host may be bytes
        except (OSError, UnicodeError) as exc:
            raise WireError(f"cannot reach {url}: {exc}") from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # small frames, answered at once
        ws = cls(sock)
        try:
            ws._handshake(host, port, path)
        except (OSError, WireError):
            ws.close()
            raise
        return ws

    def _handshake(self, host: str, port: int, path: str) -> None:
        key = base64.b64encode(os.urandom(16))
        self._sock.sendall(
            b"GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path.encode(), host.encode(), port, key)
        )
        status = self._reader.readline(65536)
        if not status.startswith(b"HTTP/1.1 101"):
            raise WireError(f"no WebSocket upgrade: {status.strip()[:80]!r}")
        headers: dict[bytes, bytes] = {}
        while (line := self._reader.readline(65536)) not in (b"\r\n", b"\n", b""):
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        expected = base64.b64encode(hashlib.sha1(key + ACCEPT_GUID).digest())
        if headers.get(b"sec-websocket-accept") != expected:
            raise WireError("the server's Sec-WebSocket-Accept does not match")

    def send_text(self, text: str) -> None:
        self._send_frame(OP_TEXT, text.encode())

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 2**16:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        key = os.urandom(4)  # a client masks every frame (RFC 6455 §5.3)
        try:
            self._sock.sendall(header + key + mask(payload, key))
        except OSError as exc:
            raise WireError(f"send failed: {exc}") from None

    def recv_text(self) -> str:
        """The next text message; pings are answered on the way, a close frame ends the connection."""
        parts: list[bytes] = []
        while True:
            fin, opcode, payload = self._read_frame()
            if opcode == OP_PING:
                self._send_frame(OP_PONG, payload)
            elif opcode == OP_CLOSE:
                raise WireError("the server closed the connection")
            elif opcode in (OP_TEXT, OP_BINARY, OP_CONTINUATION):
                parts.append(payload)
                if sum(map(len, parts)) > MAX_FRAME_BYTES:
                    raise WireError("message too large")
                if fin:
                    return b"".join(parts).decode()

    def _read_frame(self) -> tuple[bool, int, bytes]:
        first, second = self._read_exactly(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._read_exactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._read_exactly(8))
        if length > MAX_FRAME_BYTES:
            raise WireError("frame too large")
        key = self._read_exactly(4) if second & 0x80 else b""
        payload = self._read_exactly(length)
        return bool(first & 0x80), first & 0x0F, mask(payload, key) if key else payload

    def _read_exactly(self, n: int) -> bytes:
        try:
            data = self._reader.read(n)
        except OSError as exc:  # includes the socket timeout
            raise WireError(f"receive failed: {exc}") from None
        if len(data) != n:
            raise WireError("the connection closed mid-frame")
        return data

    def close(self) -> None:
        try:
            self._send_frame(OP_CLOSE, struct.pack("!H", 1000))
        except WireError:
            pass
        self._reader.close()
        self._sock.close()
