"""The TUI tests share their process with the backend: a slower oracle leaves the event loop time to
render and to take keys, so a typed key costs milliseconds, not a second."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import running_backend


@pytest.fixture
async def backend(quantdesk_home):
    instance, task = await running_backend(quantdesk_home, tick_rate=20.0)
    yield instance
    instance.request_stop()
    await asyncio.wait_for(task, 60)
