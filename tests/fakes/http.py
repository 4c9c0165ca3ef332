"""A tiny HTTP/1.1 server on asyncio streams: enough for JSON endpoints and SSE, with misbehaviour hooks."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(slots=True)
class HttpRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    writer: asyncio.StreamWriter = field(repr=False)


Handler = Callable[[HttpRequest], Awaitable[None]]


class MiniHttpServer:
    """Serves `handler(request)`; the handler writes the response with `respond` / `start_stream`."""

    def __init__(self, handler: Handler, port: int = 0) -> None:
        self.handler = handler
        self.port = port
        self.requests: list[HttpRequest] = []
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close the listener and every open connection (the port can be started again)."""
        if self._server is not None:
            self._server.close()
            self.drop()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None

    def drop(self) -> None:
        """Cut every open connection mid-stream."""
        for writer in list(self._writers):
            transport = writer.transport
            transport.abort()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                method, target, _ = line.decode().split(" ", 2)
                headers: dict[str, str] = {}
                while True:
                    h = await reader.readline()
                    if h in (b"\r\n", b"\n", b""):
                        break
                    k, _, v = h.decode().partition(":")
                    headers[k.strip().lower()] = v.strip()
                parts = urlsplit(target)
                req = HttpRequest(method, parts.path, parse_qs(parts.query), headers, writer)
                self.requests.append(req)
                await self.handler(req)
                if writer.is_closing():
                    return
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()


async def respond(
    req: HttpRequest,
    status: int,
    body: bytes | str | Any,
    *,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> None:
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    head = [f"HTTP/1.1 {status} X", f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    req.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
    await req.writer.drain()


async def start_stream(req: HttpRequest, content_type: str = "text/event-stream") -> None:
    """Begin a close-delimited streaming response (no Content-Length): write chunks, then close."""
    head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n"
    req.writer.write(head.encode())
    await req.writer.drain()
