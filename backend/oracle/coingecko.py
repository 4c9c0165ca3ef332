"""CoinGecko's simple/price endpoint, polled: the fallback when Pyth is degraded or down.

CoinGecko publishes no confidence interval, so `conf` is a synthetic SYNTHETIC_CONF_BPS of the
price (wide enough that the engine's conservative side means something). Prices use the same
exponent as the market's Pyth feed so the two sources are interchangeable downstream.
While standing by (`wanted` False) it polls slowly, just enough to show health; when the
aggregator needs it, it polls at `interval` and right away.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import time
from typing import Any

import httpx

from backend.backoff import Backoff
from backend.domain.observations import PriceObservation
from backend.oracle.base import Emit, OracleSource
from backend.oracle.pyth_hermes import SLOT_EPOCH, SLOT_SECONDS, retry_after_seconds
from backend.oracle.validate import Reject, Rejected, ValidationConfig
from programs.quantdesk_perp.markets import MARKETS
from programs.vocabulary import BPS_PER_ONE

log = logging.getLogger(__name__)

COINGECKO_URL = "https://api.coingecko.com"
COINGECKO_PRO_URL = "https://pro-api.coingecko.com"
COINGECKO_IDS: dict[str, str] = {
    "SOL": "solana",
    "BTC": "bitcoin",
    "ETH": "ethereum",
    "JUP": "jupiter-exchange-solana",
    "BONK": "bonk",
    "WIF": "dogwifcoin",
}
EXPO: dict[str, int] = {"BONK": -10}  # the rest use -8, like their Pyth feeds
SYNTHETIC_CONF_BPS = 10


class CoinGeckoSource(OracleSource):
    name = "coingecko"
    validation = ValidationConfig(max_age_s=600.0)  # CoinGecko refreshes its prices every ~20-60 s

    def __init__(
        self,
        base_url: str = COINGECKO_URL,
        *,
        markets: list[str] | None = None,
        interval: float = 6.0,
        standby_interval: float = 60.0,
        api_key: str | None = None,
        pro: bool | None = None,
        timeout: float = 5.0,
    ) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        specs = [m for m in MARKETS if markets is None or m.symbol in markets]
        self.ids = {COINGECKO_IDS[m.oracle_asset]: m for m in specs if m.oracle_asset in COINGECKO_IDS}
        self.interval = interval
        self.standby_interval = standby_interval
        self.fresh_after_s = max(3 * interval, 2.0)
        self._api_key = api_key if api_key is not None else os.environ.get("COINGECKO_API_KEY") or None
        self._pro = pro if pro is not None else "pro-api" in self.base_url
        self.timeout = timeout
        self.wanted = False
        self._wake = asyncio.Event()
        self.polls = 0
        self.set_health("down", "not polled yet")

    def __repr__(self) -> str:
        return f"CoinGeckoSource({self.base_url!r})"

    def set_wanted(self, wanted: bool) -> None:
        was = self.wanted
        super().set_wanted(wanted)
        if wanted and not was:
            self._wake.set()

    def _headers(self) -> dict[str, str]:
        if not self._api_key:
            return {}
        return {"x-cg-pro-api-key" if self._pro else "x-cg-demo-api-key": self._api_key}

    async def run(self, emit: Emit) -> None:
        backoff = Backoff(1.0, 120.0)
        params = {"ids": ",".join(self.ids), "vs_currencies": "usd", "include_last_updated_at": "true"}
        url = f"{self.base_url}/api/v3/simple/price"
        async with httpx.AsyncClient(timeout=self.timeout, headers=self._headers()) as client:
            while True:
                self._wake.clear()  # a wake-up from here on means: poll again right after this one
                delay: float | None = None
                try:
                    response = await client.get(url, params=params)
                    self.polls += 1
                    if response.status_code == 429:
                        # CoinGecko's free tier is ~30 calls/min; honour Retry-After, else back off
                        delay = max(retry_after_seconds(response.headers.get("Retry-After"), 0.0), backoff.next())
                        self.set_health("down", f"rate limited (HTTP 429); retrying in {delay:.0f}s")
                    elif response.status_code != 200:
                        delay = backoff.next()
                        self.set_health("down", f"HTTP {response.status_code}; retrying in {delay:.0f}s")
                    elif self._handle(response.content, emit, time.monotonic_ns()):
                        backoff.reset()
                    else:
                        delay = backoff.next()
                        self.set_health("degraded", "no usable prices in the last reply")
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    delay = backoff.next()
                    self.set_health("down", f"{exc.__class__.__name__}; retrying in {delay:.0f}s")
                if delay is None or self.state == "degraded":
                    normal = self.interval if self.wanted else self.standby_interval
                    delay = normal if delay is None else min(delay, normal)
                if "rate limited" in self.reason:
                    await asyncio.sleep(delay)  # a wake-up must not cut a Retry-After short
                    continue
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):  # not wait_for: 3.11's can swallow a cancel
                        await self._wake.wait()

    def _handle(self, raw: bytes, emit: Emit, recv_ns: int) -> int:
        try:
            observations = self.parse(raw, recv_ns)
        except Rejected as exc:
            self.reject(exc.reason, exc.detail)
            return 0
        if observations:
            self.set_health("healthy", "polling" if self.wanted else "standing by")
        for obs in observations:
            emit(obs)
        return len(observations)

    def parse(self, raw: bytes, recv_ns: int = 0) -> list[PriceObservation]:
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise Rejected(Reject.BAD_JSON, str(exc)[:120]) from None
        if not isinstance(body, dict):
            raise Rejected(Reject.BAD_JSON, "reply is not an object")
        out = []
        for coin_id, entry in body.items():
            spec = self.ids.get(coin_id)
            try:
                if spec is None:
                    raise Rejected(Reject.UNKNOWN_FEED, f"coin id {coin_id[:60]!r}")
                out.append(self._observation(spec, entry, recv_ns))
            except Rejected as exc:
                self.reject(exc.reason, exc.detail)
        return out

    def _observation(self, spec: Any, entry: Any, recv_ns: int) -> PriceObservation:
        if not isinstance(entry, dict) or "usd" not in entry or "last_updated_at" not in entry:
            raise Rejected(Reject.MISSING_FIELD, f"{spec.symbol}: needs usd and last_updated_at")
        usd, updated = entry["usd"], entry["last_updated_at"]
        if not isinstance(usd, int | float) or isinstance(usd, bool) or not isinstance(updated, int):
            raise Rejected(Reject.BAD_NUMBER, f"{spec.symbol}: usd={usd!r} last_updated_at={updated!r}")
        if not math.isfinite(usd):
            raise Rejected(Reject.NAN, f"{spec.symbol}: usd={usd!r}")
        expo = EXPO.get(spec.oracle_asset, -8)
        price = round(usd * 10.0**-expo)
        expo += spec.feed_expo_shift  # the market's unit: 1MBONK = a million BONK
        return PriceObservation(
            market=spec.symbol,
            price=price,
            conf=max(1, price * SYNTHETIC_CONF_BPS // BPS_PER_ONE),
            expo=expo,
            publish_time=updated,
            slot=int((updated - SLOT_EPOCH) / SLOT_SECONDS),
            ema_price=price,
            source=self.name,
            recv_ns=recv_ns,
        )
