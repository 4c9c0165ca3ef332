"""The TUI tests share their process with the backend: a slower oracle leaves the event loop time to
render and to take keys, so a typed key costs milliseconds, not a second."""

from __future__ import annotations

import pytest


@pytest.fixture
def backend_tick_rate() -> float:
    return 20.0
