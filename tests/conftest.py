"""Every test gets its own QUANTDESK_HOME so no state leaks between tests or into the user's home."""

from __future__ import annotations

import asyncio

import pytest

from backend.app import Backend, BackendConfig
from backend.client import BackendClient
from tests.polling import wait_until


@pytest.fixture(autouse=True)
def settle_instead_of_idle(monkeypatch):
    """After every key, Pilot waits until the process looks idle (CPU time), for up to 1 s. A workstation
    fed live prices is never idle, so each key cost up to 2 s, and a capped wait raced the keys. Wait
    instead until the screen has handled every message queued so far (what Pilot does on start), twice,
    since handling one (a screen push) queues more; then a short idle wait for what runs in between."""
    import textual.app
    import textual.pilot
    from textual._context import active_app
    from textual._wait import wait_for_idle
    from textual.pilot import Pilot

    async def settled(min_sleep: float = 0.0, max_sleep: float = 1.0) -> None:
        app = active_app.get(None)
        for _ in range(2):
            if app is not None and app.is_running:
                await Pilot(app)._wait_for_screen(timeout=20.0)
        await wait_for_idle(min(min_sleep, 0.05), min(max_sleep, 0.05))

    monkeypatch.setattr(textual.app, "wait_for_idle", settled)
    monkeypatch.setattr(textual.pilot, "wait_for_idle", settled)


@pytest.fixture(autouse=True)
def quantdesk_home(tmp_path, monkeypatch):
    home = tmp_path / "qdhome"
    home.mkdir()
    monkeypatch.setenv("QUANTDESK_HOME", str(home))
    return home


async def running_backend(home, tick_rate: float):
    instance = Backend(BackendConfig(home=home, tick_rate=tick_rate, seed=3))
    task = asyncio.create_task(instance.run())
    await wait_until(lambda: instance.url or task.done(), what="the backend to listen", timeout=20.0)
    if task.done():
        task.result()  # it failed to start: its own error says why
        raise AssertionError("the backend exited before it listened")
    return instance, task


@pytest.fixture
def idle_decisions(monkeypatch):
    """Call it to start recording the live work a spawned backend's idle watch finds each time it has
    seen no client for its whole grace (it asks only then): a stay-up decision, observed, not slept on."""
    import backend.app
    from backend.lifetime import live_work

    def start() -> list[list[str]]:
        seen: list[list[str]] = []

        def spy(venue, alerts) -> list[str]:
            reasons = live_work(venue, alerts)
            seen.append(reasons)
            return reasons

        monkeypatch.setattr(backend.app, "live_work", spy)
        return seen

    return start


@pytest.fixture
def backend_tick_rate() -> float:
    """Observations per second of the `backend` fixture's simulated feed; a folder's conftest may override it."""
    return 200.0


# a real backend in-process on 127.0.0.1 with a random port
@pytest.fixture
async def backend(quantdesk_home, backend_tick_rate):
    instance, task = await running_backend(quantdesk_home, tick_rate=backend_tick_rate)
    yield instance
    instance.request_stop()
    await asyncio.wait_for(task, 60)


@pytest.fixture
async def client(backend):
    c = BackendClient.for_url(backend.url, backend.token, client_name="test")
    await c.connect()
    yield c
    await c.close()


# one real PostgreSQL 16 (the pgserver wheel) for the whole session; each test gets its own database
@pytest.fixture(scope="session")
def pg_server():
    from backend.store.local_server import LocalPostgres

    server = LocalPostgres().start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server, request):
    import re

    name = "t_" + re.sub(r"[^a-z0-9_]", "_", request.node.name.lower())[:40] + f"_{id(request) % 100000}"
    return pg_server.create_database(name)
