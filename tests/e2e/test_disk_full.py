"""The disk fills under a stream of orders: refused (STORE_UNAVAILABLE) -> degraded -> resumed, no restart.

A real backend (in this process, serving on 127.0.0.1) on a small tmpfs home. A filler file takes the last free byte; orders go on
until the store refuses one; /health says degraded and trading is REDUCING; the filler is removed
and orders are acked again. What a restart recovers holds every acked order and no refused one.
The timeline (seconds) is printed for the record (`pytest -s`); nothing here asserts a duration.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from backend.api.protocol import ApiError
from backend.app import Backend, BackendConfig
from backend.bus import Bus
from backend.client import BackendClient
from backend.store.db import Store
from backend.venues.paper import PaperVenue
from tests.fakes.tmpfs import small_tmpfs
from tests.polling import wait_until

ORDER = {"market": "SOL-PERP", "side": "buy", "size": "0.1", "price": "140"}


async def start_backend(home: Path) -> tuple[Backend, asyncio.Task, BackendClient, str]:
    """The backend in this process (the subprocess start-up costs seconds), serving on 127.0.0.1."""
    instance = Backend(BackendConfig(home=home, tick_rate=20.0, seed=5))
    task = asyncio.create_task(instance.run())
    await wait_until(lambda: instance.url or task.done(), what="the backend to listen", timeout=20.0)
    assert instance.url, f"the backend exited before it listened: {task}"
    client = BackendClient.for_url(instance.url, instance.token, client_name="e2e-disk", timeout=10)
    return instance, task, client, instance.url.replace("ws://", "http://")


def fill(disk: Path) -> Path:
    """Take every free byte of the disk with one file."""
    filler = disk / "filler"
    chunk = b"\0" * 65536
    with filler.open("wb", buffering=0) as f:
        try:
            while True:
                f.write(chunk)
        except OSError:
            pass
    with filler.open("ab", buffering=0) as f:  # and the last partial chunk
        for size in (16384, 4096, 512, 1):
            try:
                while True:
                    f.write(b"\0" * size)
            except OSError:
                pass
    return filler


async def place(client: BackendClient) -> int | ApiError:
    try:
        return (await client.request("order.place", **ORDER))["orders"][0]["order_id"]
    except ApiError as exc:
        return exc


async def test_full_disk_refuses_orders_degrades_and_resumes_without_restart(tmp_path):
    with small_tmpfs(tmp_path / "disk", "16m") as home:
        backend, task, client, http = await start_backend(home)
        web = httpx.AsyncClient()
        try:
            await client.connect()
            first = await wait_until(  # a price is in
                lambda: _when(place(client), lambda r: isinstance(r, int)), what="the first order acked", timeout=30
            )
            acked, refused = [first], []
            for _ in range(5):
                result = await place(client)
                assert isinstance(result, int), result
                acked.append(result)
            filler = fill(home)
            t_full = time.monotonic()

            async def refused_now() -> bool:
                result = await place(client)
                if isinstance(result, int):
                    acked.append(result)
                    return False
                assert result.code == "STORE_UNAVAILABLE", result
                refused.append(result)
                return True

            await wait_until(refused_now, what="an order refused by the full disk", timeout=30)
            t_refused = time.monotonic()

            async def health() -> dict:
                return (await web.get(f"{http}/health")).json()

            degraded = await wait_until(
                lambda: _when(health(), lambda h: h["degraded"] == ["store"]), what="/health degraded", timeout=30
            )
            t_degraded = time.monotonic()
            assert degraded["status"] == "degraded" and degraded["store"]["writable"] is False
            assert "full" in degraded["store"]["fault"]
            assert (await client.request("risk.state"))["state"] == "REDUCING"
            again = await place(client)  # pre-trade refuses an opening order first: trading is REDUCING
            assert isinstance(again, ApiError) and again.code == "REDUCING"
            with pytest.raises(ApiError) as cancel:  # a cancel reduces risk, so pre-trade lets it through
                await client.request("order.cancel", order_id=acked[0])
            assert cancel.value.code == "STORE_UNAVAILABLE"  # the store refuses it
            open_ids = {o["order_id"] for o in (await client.request("orders"))["orders"]}
            assert open_ids == set(acked)  # nothing refused is live

            # stay full long enough for the writer's probes to back off to their cap, then free the space
            await wait_until(
                lambda: _when(health(), lambda h: time.time() - h["store"]["unwritable_since"] > 1.5),
                what="1.5 s unwritable (the probes' backoff at its cap: the behaviour under test)",
                timeout=30,
                interval=0.2,
            )
            filler.unlink()
            t_free = time.monotonic()
            resumed = await wait_until(
                lambda: _when(place(client), lambda r: isinstance(r, int)),
                what="an order acked after the space came back",
                timeout=30,
                interval=0.05,
            )
            t_resumed = time.monotonic()
            acked.append(resumed)
            after = await health()
            assert after["status"] == "ok" and after["degraded"] == []
            assert (await client.request("risk.state"))["state"] == "ACTIVE"
            print(
                f"\nfull-disk timeline: disk full at 0.00s; first STORE_UNAVAILABLE at {t_refused - t_full:.2f}s; "
                f"/health degraded seen at {t_degraded - t_full:.2f}s; space freed at {t_free - t_full:.2f}s; "
                f"first ack again at {t_resumed - t_full:.2f}s ({t_resumed - t_free:.2f}s after the space returned); "
                f"{len(acked)} acked, {len(refused) + 1} refused"
            )
            await client.close()
        finally:
            await web.aclose()
            backend.request_stop()
            await asyncio.wait_for(task, 30)

        # what a restart recovers: every acked order, no refused one, and a consistent replay
        store = Store(home / "quantdesk.db")
        venue = PaperVenue(Bus(), store)
        recovery = venue.recover()
        store.stop()
        assert recovery["consistent"] is True and set(venue.state.orders) == set(acked)


async def _when(awaitable, check):
    value = await awaitable
    return value if check(value) else None
