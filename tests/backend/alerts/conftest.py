"""A loopback webhook receiver on 127.0.0.1 and an alert service on a real store."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from backend.alerts.service import AlertService
from backend.bus import Bus
from backend.notify import Notifier
from backend.store.db import Store


@dataclass
class WebhookReceiver:
    """Answers POSTs with `status`, or never answers when `hang` is set; records what it got."""

    status: int = 200
    hang: bool = False
    bodies: list[Any] = field(default_factory=list)
    connections: int = 0
    url: str = ""
    got: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.decode().split("\r\n"):
                if line.lower().startswith("content-length:"):
                    length = int(line.split(":", 1)[1])
            body = await reader.readexactly(length)
            if self.hang:
                await asyncio.sleep(3600)  # the behaviour under test: a webhook that never answers
            self.bodies.append(json.loads(body))
            self.got.set()
            writer.write(f"HTTP/1.1 {self.status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    rx = WebhookReceiver()
    server = await asyncio.start_server(rx.handle, "127.0.0.1", 0)
    rx.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook/secret"
    yield rx
    server.close()


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store(tmp_path / "alerts.db")
    s.start()
    yield s
    s.stop()


@pytest.fixture
async def service(store) -> AsyncIterator[AlertService]:
    svc = AlertService(
        Bus(), store, notifier=Notifier(desktop=False, webhook_timeout_s=0.2, webhook_attempts=3, backoff_base_s=0.05)
    )
    await svc.start()
    yield svc
    await svc.stop()
