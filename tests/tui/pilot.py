"""Shared by the Pilot tests that drive the app against a real in-process backend."""

from __future__ import annotations

import inspect
import time
from datetime import UTC, datetime

from backend.client import BackendClient
from quantdesk_tui.app import QuantDeskApp
from quantdesk_tui.config import Config
from tests.polling import WaitTimeout


def make_app(backend, layout: str | None = None) -> QuantDeskApp:
    client = BackendClient.for_url(backend.url, backend.token, client_name="pilot")
    return QuantDeskApp(client, layout, config=Config(), status_clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))


async def wait_for(pilot, predicate, timeout: float = 15.0, what: str = "") -> None:
    """Poll between app turns until `predicate()` holds; a timeout names the condition (its source
    when no `what` is given)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise WaitTimeout(f"timed out after {timeout:g}s waiting for {what or condition_text(predicate)}")
        await pilot.pause(0.05)


def condition_text(predicate) -> str:
    try:
        return " ".join(inspect.getsource(predicate).split())
    except (OSError, TypeError):
        return repr(predicate)
