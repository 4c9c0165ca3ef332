"""A tiny JSON-RPC server on 127.0.0.1 for HttpRpc tests: scripted answers, stalls and garbage."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, Self

Handler = Callable[[dict[str, Any]], Any]


class FakeRpcServer:
    """`handlers[method]` returns a result, or one of the sentinels below to misbehave."""

    STALL, GARBAGE, HTTP_500 = object(), object(), object()

    def __init__(self) -> None:
        self.handlers: dict[str, Any] = {}
        self.calls: list[str] = []
        self._server: asyncio.base_events.Server | None = None
        self.url = ""

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.decode().split("\r\n"):
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":", 1)[1])
                request = json.loads(await reader.readexactly(length))
                method = request["method"]
                self.calls.append(method)
                handler = self.handlers.get(method)
                answer = handler(request) if callable(handler) else handler
                if answer is self.STALL:
                    await asyncio.sleep(30)
                    return
                if answer is self.GARBAGE:
                    self._reply(writer, 200, b"<html>502 bad gateway</html>")
                elif answer is self.HTTP_500:
                    self._reply(writer, 500, b"oops")
                elif isinstance(answer, dict) and "__error__" in answer:
                    body = {"jsonrpc": "2.0", "id": request["id"], "error": answer["__error__"]}
                    self._reply(writer, 200, json.dumps(body).encode())
                else:
                    body = {"jsonrpc": "2.0", "id": request["id"], "result": answer}
                    self._reply(writer, 200, json.dumps(body).encode())
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    @staticmethod
    def _reply(writer: asyncio.StreamWriter, status: int, body: bytes) -> None:
        reason = "OK" if status == 200 else "Error"
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"Connection: keep-alive\r\n\r\n".encode()
            + body
        )


def ctx(value: Any, slot: int = 100) -> dict[str, Any]:
    return {"context": {"slot": slot}, "value": value}
