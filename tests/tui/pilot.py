"""Shared by the Pilot tests that drive the app against a real in-process backend."""

from __future__ import annotations

from datetime import UTC, datetime

from backend.client import BackendClient
from quantdesk_tui.app import QuantDeskApp
from quantdesk_tui.config import Config


def make_app(backend, layout: str | None = None) -> QuantDeskApp:
    client = BackendClient.for_url(backend.url, backend.token, client_name="pilot")
    return QuantDeskApp(client, layout, config=Config(), status_clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))


async def wait_for(pilot, predicate, timeout: float = 15.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not reached")
