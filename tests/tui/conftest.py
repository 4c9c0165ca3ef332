"""The TUI tests share their process with the backend: a slower oracle leaves the event loop time to
render and to take keys, so a typed key costs milliseconds, not a second."""

from __future__ import annotations

import asyncio

import pytest
import textual.screen

from tests.conftest import running_backend


@pytest.fixture
async def backend(quantdesk_home):
    instance, task = await running_backend(quantdesk_home, tick_rate=20.0)
    yield instance
    instance.request_stop()
    await asyncio.wait_for(task, 60)


@pytest.fixture(autouse=True)
def paint_at_ten_fps(monkeypatch):
    """The tests read the app's state, not its frames: Textual paints at 10 fps here instead of 60,
    which leaves the two cores to the app's work (a speed knob; snapshots render on demand)."""
    monkeypatch.setattr(textual.screen, "UPDATE_PERIOD", 0.1)
