"""A fake CoinGecko `/api/v3/simple/price` that can misbehave: 429, stall, garbage, stale or jumping prices."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from .http import HttpRequest, MiniHttpServer, respond

DEFAULT_USD = {
    "solana": 149.5,
    "bitcoin": 96_900.0,
    "ethereum": 3_395.0,
    "jupiter-exchange-solana": 0.9,
    "bonk": 0.000025,
    "dogwifcoin": 2.1,
}


class FakeCoinGecko:
    def __init__(self) -> None:
        self.prices: dict[str, float] = dict(DEFAULT_USD)
        self.mode = "ok"  # ok | stall | garbage | 429 | drop
        self.retry_after = 1
        self.time_offset = 0  # added to last_updated_at (stale: negative)
        self.http = MiniHttpServer(self._handle)
        self.polls = 0

    @property
    def url(self) -> str:
        return self.http.url

    @property
    def requests(self) -> list[HttpRequest]:
        return self.http.requests

    async def start(self) -> None:
        await self.http.start()

    async def stop(self) -> None:
        await self.http.stop()

    async def __aenter__(self) -> FakeCoinGecko:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def body(self, ids: list[str]) -> dict[str, Any]:
        now = int(time.time()) + self.time_offset
        return {i: {"usd": self.prices[i], "last_updated_at": now} for i in ids if i in self.prices}

    async def _handle(self, req: HttpRequest) -> None:
        if req.path != "/api/v3/simple/price":
            await respond(req, 404, {"error": "not found"})
            return
        self.polls += 1
        if self.mode == "429":
            await respond(req, 429, {"status": {"error_code": 429}}, headers={"Retry-After": str(self.retry_after)})
        elif self.mode == "stall":
            await asyncio.sleep(3600)
        elif self.mode == "garbage":
            await respond(req, 200, b"<html>oops")
        elif self.mode == "drop":
            req.writer.transport.abort()
        else:
            ids = req.query.get("ids", [""])[0].split(",")
            await respond(req, 200, self.body(ids))
