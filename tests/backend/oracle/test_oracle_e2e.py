"""`python -m backend --feed pyth` against the fake Hermes, read back through the SDK."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import httpx

from backend.api.protocol import ApiError
from backend.client import BackendClient
from tests.polling import wait_until


async def test_backend_subprocess_on_fake_hermes_serves_its_price(hermes, coingecko, quantdesk_home):
    hermes.set_price("SOL-PERP", 151.25)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "backend",
        "--feed",
        "pyth",
        "--hermes-url",
        hermes.url,
        "--coingecko-url",
        coingecko.url,
        "--benchmarks-url",
        hermes.url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    try:
        url = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode().strip()
        assert url.startswith("ws://127.0.0.1:")
        async with BackendClient.for_home(quantdesk_home) as client:

            async def on_pyth() -> tuple[dict, dict, dict] | None:
                status = await client.request("status")
                pyth = next(f for f in status["feeds"] if f["source"] == "pyth")
                quote = await client.request("quote", market="SOL-PERP")
                healthy = quote["source"] == "pyth" and pyth["active"] and pyth["state"] == "healthy"
                return (status, pyth, quote) if healthy else None

            status, pyth, quote = await wait_until(  # CoinGecko may carry the first quotes until Pyth's stream is up
                on_pyth, what="SOL-PERP quoted by a healthy, active Pyth feed", timeout=20.0, ignore=(ApiError,)
            )
            assert quote["price"] == 151_25000000 and quote["source"] == "pyth" and quote["expo"] == -8
            assert status["feed"] == "pyth" and pyth["active"] and pyth["state"] == "healthy"

            async def with_history() -> dict | None:
                candles = await client.request("candles", market="SOL-PERP", tf="1m", limit=100)
                return candles if len(candles["ts_s"]) == 100 else None

            # the history download lands after the first live bars
            candles = await wait_until(with_history, what="100 1m bars: the downloaded history and the live bar")
            assert candles["close"][-1] == 151_25000000  # history + the live bar
            assert candles["expo"] == -8
        http = url.replace("ws://", "http://")
        async with httpx.AsyncClient() as h:

            async def pyth_healthy_over_http() -> bool:  # a loaded machine may see the feed stale a moment
                health = (await h.get(f"{http}/health")).json()
                metrics = (await h.get(f"{http}/metrics")).text
                active = any(f["source"] == "pyth" and f["active"] for f in health["feeds"])
                return active and 'quantdesk_feed_healthy{source="pyth"} 1.0' in metrics

            await wait_until(pyth_healthy_over_http, what="/health and /metrics showing Pyth active and healthy")
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 10)
