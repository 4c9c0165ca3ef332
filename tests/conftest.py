"""Every test gets its own QUANTDESK_HOME so no state leaks between tests or into the user's home."""

from __future__ import annotations

import asyncio

import pytest

from backend.app import Backend, BackendConfig
from backend.client import BackendClient


@pytest.fixture(autouse=True)
def bounded_idle_wait(monkeypatch):
    """Pilot waits after every key until the process looks idle, for up to 1 s. A workstation fed live
    prices is never idle, so each key cost 2 s; tests wait on conditions instead, so cap it at 50 ms."""
    import textual.app
    import textual.pilot
    from textual._wait import wait_for_idle

    async def bounded(min_sleep: float = 0.0, max_sleep: float = 1.0) -> None:
        await wait_for_idle(min(min_sleep, 0.05), min(max_sleep, 0.05))

    monkeypatch.setattr(textual.app, "wait_for_idle", bounded)
    monkeypatch.setattr(textual.pilot, "wait_for_idle", bounded)


@pytest.fixture(autouse=True)
def quantdesk_home(tmp_path, monkeypatch):
    home = tmp_path / "qdhome"
    home.mkdir()
    monkeypatch.setenv("QUANTDESK_HOME", str(home))
    return home


async def running_backend(home, tick_rate: float):
    instance = Backend(BackendConfig(home=home, tick_rate=tick_rate, seed=3))
    task = asyncio.create_task(instance.run())
    for _ in range(2000):  # generous: the suite shares two cores
        if instance.url:
            break
        await asyncio.sleep(0.01)
    assert instance.url, "backend did not start"
    return instance, task


# a real backend in-process on 127.0.0.1 with a random port
@pytest.fixture
async def backend(quantdesk_home):
    instance, task = await running_backend(quantdesk_home, tick_rate=200.0)
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
