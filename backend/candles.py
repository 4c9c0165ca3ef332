"""Live OHLCV candles per market for 1s..1d from oracle observations, persisted, with history backfill.

Bars are exact integers: prices Pyth-shaped at the market's expo, `v` traded base volume in
BASE_PRECISION reported by the venue through `add_trade` (0 when nothing traded), `n` the observations
in a bar, so charts can show activity either way. They leave as one `Candles` struct. Bars of 1m and up
are stored in the `candles` table as the same integers, with the expo their prices carry (1s bars live
in memory only). History at start: a deterministic simulated past for `sim`, Pyth Benchmarks' TradingView
shim for `pyth`, plus whatever this home recorded before. The 1m history also seeds the QuoteBook's
24h window so the watchlist's 24h change means something from the first tick.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import httpx
import msgspec

from backend.api.protocol import Candles, FillView, decimals_of, parse_args
from backend.bus import Bus
from backend.domain.errors import DomainError
from backend.domain.observations import PriceObservation
from backend.indicators import IndicatorError, compute, resample, warmup
from backend.oracle.sim import SECONDS_PER_YEAR, SIM_PARAMS, market_expo
from backend.quotes import QuoteBook
from backend.store.base import StoreLike
from backend.store.migrations import CANDLE_COLUMNS
from programs.quantdesk_perp.markets import MARKETS, MARKETS_BY_SYMBOL, normalize_symbol
from programs.vocabulary import (
    BASE_PRECISION,
    PRICE_PRECISION,
    STORED_TIMEFRAMES,
    TIMEFRAME_SECONDS,
    ErrorCode,
    Timeframe,
)

log = logging.getLogger(__name__)

BENCHMARKS_URL = "https://benchmarks.pyth.network"
MAX_BARS = 5000
PERSISTED = list(STORED_TIMEFRAMES)
Bar = list[int]  # [ts_s, o, h, l, c, v, n]: prices at the market's expo, v in BASE_PRECISION
_SELECT = "SELECT ts_s, expo, o, h, l, c, v, n FROM candles"


def rescaled(value: int, expo: int, to_expo: int) -> int:
    """An integer at `expo` as one at `to_expo` (exact when to_expo <= expo, else rounded down)."""
    return value * 10 ** (expo - to_expo) if to_expo <= expo else value // 10 ** (to_expo - expo)


def as_candles(market: str, tf: str, expo: int, bars: list[Bar]) -> Candles:
    """The aggregator's bars as the columnar struct that leaves this module."""
    ts_s, o, h, lo, c, v, n = [list(column) for column in zip(*bars, strict=True)] if bars else [[] for _ in range(7)]
    return Candles(market, tf, expo, ts_s, o, h, lo, c, v, n)


def stored_row(market: str, tf: str, expo: int, bar: Bar) -> tuple[Any, ...]:
    """A bar as a `candles` table row (migrations.CANDLE_COLUMNS): the same integers and their expo."""
    ts_s, o, h, lo, c, v, n = bar
    return (market, tf, ts_s, expo, o, h, lo, c, v, n)


def stored_bar(row: dict[str, Any], expo: int) -> Bar:
    """A `candles` table row as a bar at `expo` (the row's own integers when it was stored at that expo)."""
    at = int(row["expo"])
    prices = [rescaled(int(row[k]), at, expo) for k in ("o", "h", "l", "c")]
    return [int(row["ts_s"]), *prices, int(row["v"]), int(row["n"])]


class CandlesArgs(msgspec.Struct, forbid_unknown_fields=True):
    market: str
    tf: str = "1m"
    limit: int = 500
    indicators: list[str] = []


class CandleService:
    def __init__(
        self,
        bus: Bus | None,
        store: StoreLike | None,
        quotes: QuoteBook | None = None,
        *,
        feed: str = "sim",
        seed: int = 7,
        benchmarks_url: str = BENCHMARKS_URL,
        history_days: float = 3.0,
        publish_every_s: float = 0.5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.bus = bus
        self.store = store
        self.quotes = quotes
        self.feed = feed
        self.seed = seed
        self.benchmarks_url = benchmarks_url.rstrip("/")
        self.history_days = history_days
        self.publish_every_s = publish_every_s
        self.clock = clock
        self._current: dict[tuple[str, str], Bar] = {}
        self._closed: dict[tuple[str, str], deque[Bar]] = {}
        self._dirty: set[tuple[str, str]] = set()
        self._unsaved: list[tuple[Any, ...]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self.backfilled = asyncio.Event()
        if bus is not None:
            bus.on("observations", self.on_observation)
            bus.on("fills", self._on_fill)

    # -- live aggregation ---------------------------------------------------------------------
    def on_observation(self, obs: PriceObservation) -> None:
        price = rescaled(obs.price, obs.expo, market_expo(obs.market))
        ts_s = obs.publish_time
        for tf, seconds in TIMEFRAME_SECONDS.items():
            key = (obs.market, tf)
            start = ts_s - ts_s % seconds
            bar = self._current.get(key)
            if bar is None or start > bar[0]:
                if bar is not None:
                    self._close(key, tf, bar)
                self._current[key] = [start, price, price, price, price, 0, 1]
            elif start == bar[0]:
                if price > bar[2]:
                    bar[2] = price
                elif price < bar[3]:
                    bar[3] = price
                bar[4] = price
                bar[6] += 1
            else:
                continue  # a late observation for a bar already closed: the closed bar stands
            self._dirty.add(key)

    def add_trade(self, market: str, price: int, size: int, ts_s: int) -> None:
        """The venue reports a fill (price at the market's expo, size in BASE_PRECISION): its size counts
        as volume in the bars containing `ts_s`.

        The fill price does not move the bars (they chart the oracle price); a fill for a bar that
        has no oracle observation yet opens it at the fill price.
        """
        for tf, seconds in TIMEFRAME_SECONDS.items():
            key = (market, tf)
            start = ts_s - ts_s % seconds
            bar = self._current.get(key)
            if bar is not None and bar[0] == start:
                bar[5] += abs(size)
            elif bar is None or start > bar[0]:
                if bar is not None:
                    self._close(key, tf, bar)
                self._current[key] = [start, price, price, price, price, abs(size), 0]
            else:
                closed = self._closed.get(key)
                match = next((b for b in reversed(closed or ()) if b[0] == start), None)
                if match is None:
                    continue
                match[5] += abs(size)
                if tf != "1s":
                    self._unsaved.append(stored_row(market, tf, market_expo(market), match))
            self._dirty.add(key)

    def _on_fill(self, fill: FillView) -> None:
        """Paper venue fills (price 1e6, size 1e9, ts unix seconds) become bar volume."""
        price = rescaled(fill.price, -decimals_of(PRICE_PRECISION), market_expo(fill.market))
        self.add_trade(fill.market, price, fill.size, fill.ts)

    def _close(self, key: tuple[str, str], tf: str, bar: Bar) -> None:
        closed = self._closed.get(key)
        if closed is None:
            closed = self._closed[key] = deque(maxlen=MAX_BARS)
        closed.append(bar)
        if tf != "1s":
            self._unsaved.append(stored_row(key[0], tf, market_expo(key[0]), bar))

    # -- queries ------------------------------------------------------------------------------
    def bars(self, market: str, tf: str, limit: int = 500) -> Candles:
        """The last `limit` bars, oldest first, the forming bar last; memory first, then the store."""
        if tf not in TIMEFRAME_SECONDS:
            raise DomainError(ErrorCode.BAD_REQUEST, f"unknown timeframe {tf!r}; use {', '.join(TIMEFRAME_SECONDS)}")
        key = (market, tf)
        live = list(self._closed.get(key, ()))
        current = self._current.get(key)
        if current is not None:
            live.append(current)
        live = [list(b) for b in live[-limit:]]
        missing = limit - len(live)
        if missing > 0 and self.store is not None and tf != "1s":
            before = live[0][0] if live else 2**62
            rows = self.store.query(
                f"{_SELECT} WHERE market = ? AND tf = ? AND ts_s < ? ORDER BY ts_s DESC LIMIT ?",
                (market, tf, before, missing),
            )
            expo = market_expo(market)
            live = [stored_bar(r, expo) for r in reversed(rows)] + live
        return as_candles(market, tf, market_expo(market), live)

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._backfill_task(), name="candles-backfill"))
        self._tasks.append(asyncio.create_task(self._loop(), name="candles-flush"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        # keep the forming bars too, so a restart continues them
        self._unsaved.extend(
            stored_row(m, tf, market_expo(m), bar) for (m, tf), bar in self._current.items() if tf != "1s"
        )
        self._flush()

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.publish_every_s)
            self._flush()
            self._publish()

    def _flush(self) -> None:
        rows, self._unsaved = self._unsaved, []
        if rows and self.store is not None:
            self.store.submit(lambda conn: _insert(conn, "INSERT OR REPLACE", rows))

    def _publish(self) -> None:
        if self.bus is None:
            return
        dirty, self._dirty = self._dirty, set()
        for market, tf in dirty:
            bar = self._current.get((market, tf))
            if bar is not None:
                self.bus.publish("candles", as_candles(market, tf, market_expo(market), [list(bar)]))

    # -- history ------------------------------------------------------------------------------
    async def _backfill_task(self) -> None:
        try:
            await self.backfill()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("candle history backfill failed")
        finally:
            self.backfilled.set()

    async def backfill(self) -> None:
        if self.store is None:
            return
        now = int(self.clock())
        if self.feed == "sim":
            for spec in MARKETS:
                if not self._has_history(spec.symbol, now):
                    bars = await asyncio.to_thread(
                        simulated_history, spec.symbol, self.seed, now, int(self.history_days * 1440)
                    )
                    await self._save(spec.symbol, "1m", bars)
        elif self.feed == "pyth":
            await asyncio.gather(
                *(self._fetch_benchmarks(spec.symbol, spec.oracle_asset, now, spec.feed_expo_shift) for spec in MARKETS)
            )
        if self.quotes is not None:
            for spec in MARKETS:
                self.seed_quotes(spec.symbol, now)

    def _has_history(self, market: str, now: int) -> bool:
        assert self.store is not None  # history is backfilled only into a store
        rows = self.store.query(
            "SELECT 1 FROM candles WHERE market = ? AND tf = '1m' AND ts_s >= ? LIMIT 1",
            (market, now - int(self.history_days * 86400)),
        )
        return bool(rows)

    async def _save(self, market: str, tf: str, bars: list[Bar], derive_up_to: int = 86400) -> None:
        """Store history bars without overwriting recorded ones; derive the coarser timeframes."""
        if not bars:
            return
        assert self.store is not None  # history is backfilled only into a store
        history = as_candles(market, tf, market_expo(market), bars)
        rows = await asyncio.to_thread(history_rows, history, derive_up_to)  # pandas off the loop
        await self.store.write(lambda conn: _insert(conn, "INSERT OR IGNORE", rows))

    async def _fetch_benchmarks(self, market: str, base: str, now: int, expo_shift: int = 0) -> None:
        """Pyth Benchmarks TradingView shim: 1m for the last days, 1h for 60 days, 1d for a year."""
        plan = [
            ("1", "1m", self.history_days * 86400, 900),
            ("60", "1h", 60 * 86400, 14400),
            ("1D", "1d", 365 * 86400, 0),
        ]
        async with httpx.AsyncClient(timeout=10.0) as client:
            for resolution, tf, span, derive_up_to in plan:
                params = {
                    "symbol": f"Crypto.{base}/USD",
                    "resolution": resolution,
                    "from": str(int(now - span)),
                    "to": str(now),
                }
                try:
                    response = await client.get(f"{self.benchmarks_url}/v1/shims/tradingview/history", params=params)
                    response.raise_for_status()
                    bars = tradingview_bars(response.json(), market_expo(market), expo_shift)
                except (httpx.HTTPError, ValueError) as exc:
                    log.warning("no %s history for %s from Pyth Benchmarks: %s", tf, market, exc)
                    return
                await self._save(market, tf, bars, derive_up_to)

    def seed_quotes(self, market: str, now: int) -> None:
        """Prime the QuoteBook's 24h window from the stored 1m bars of the last day."""
        assert self.store is not None and self.quotes is not None  # called by backfill with both
        expo = market_expo(market)
        rows = self.store.query(
            f"{_SELECT} WHERE market = ? AND tf = '1m' AND ts_s >= ? AND ts_s < ? ORDER BY ts_s",
            (market, now - 86400, now - now % 60),
        )
        bars = [(t // 60, o, h, lo) for t, o, h, lo, *_ in (stored_bar(r, expo) for r in rows)]
        if bars:
            self.quotes.seed(market, bars, expo)


def history_rows(history: Candles, derive_up_to: int) -> list[tuple[Any, ...]]:
    """Rows for the candles table: the bars, plus coarser timeframes up to `derive_up_to` seconds."""
    tables = [history]
    for coarser, seconds in TIMEFRAME_SECONDS.items():
        if TIMEFRAME_SECONDS[Timeframe(history.tf)] < seconds <= derive_up_to:
            tables.append(resample(history, coarser, seconds))
    return [
        stored_row(table.market, table.tf, table.expo, list(bar))
        for table in tables
        for bar in zip(
            table.ts_s, table.open, table.high, table.low, table.close, table.volume, table.count, strict=True
        )
    ]


def _insert(conn: Any, verb: str, rows: list[tuple[Any, ...]]) -> None:
    # returns None on purpose: a cursor handed to the event loop thread must not outlive the batch
    conn.executemany(
        f"{verb} INTO candles ({', '.join(CANDLE_COLUMNS)}) VALUES ({', '.join('?' * len(CANDLE_COLUMNS))})", rows
    )


def tradingview_bars(body: Any, expo: int, expo_shift: int = 0) -> list[Bar]:
    """The TradingView UDF history shape {"s": "ok", "t": [...], "o": [...], ...} -> bars at `expo`;
    prices × 10**expo_shift (the market's unit per feed unit, e.g. 6 for 1MBONK), volume in BASE_PRECISION."""
    if not isinstance(body, dict):
        raise ValueError("history reply is not an object")
    if body.get("s") == "no_data":
        return []
    if body.get("s") != "ok":
        raise ValueError(f"history status {body.get('s')!r}: {body.get('errmsg', '')}")
    cols = [body[k] for k in ("t", "o", "h", "l", "c")]
    volume = body.get("v") or [0] * len(cols[0])
    scale = 10 ** (expo_shift - expo)
    bars = []
    for t, o, h, lo, c, v in zip(*cols, volume, strict=False):
        values = (o, h, lo, c)
        if all(isinstance(x, int | float) and math.isfinite(x) and x > 0 for x in values):
            prices = [round(x * scale) for x in values]
            bars.append([int(t), *prices, round((v or 0) * BASE_PRECISION), 0])
    return bars


def simulated_history(market: str, seed: int, now: int, minutes: int) -> list[Bar]:
    """1m bars for the `minutes` before `now`, walking backwards from the sim's start price.

    A pure function of (market, seed, the minute of now): the simulated past joins the live sim.
    """
    params = SIM_PARAMS[market]
    scale = 10**-params.expo
    rng = random.Random(f"{seed}:{market}:history")
    sigma = params.annual_vol * math.sqrt(15 / SECONDS_PER_YEAR)  # four 15 s steps per minute
    end = now - now % 60
    close = params.start_price
    bars: list[Bar] = []
    for i in range(1, minutes + 1):
        path = [close]
        for _ in range(4):
            path.append(path[-1] * math.exp(-rng.gauss(0.0, sigma)))
        o, h, lo, c = (round(x * scale) for x in (path[-1], max(path), min(path), close))
        bars.append([end - 60 * i, o, h, lo, c, 0, 150])
        close = path[-1]
    bars.reverse()
    return bars


def register_candle_ops(api: Any, candles: CandleService) -> None:
    """`candles` op: {market, tf, limit<=5000, indicators:[...]} -> columnar bars (+ indicator series);
    `candles` stream: the forming bar per (market, tf), conflated."""

    async def op_candles(session: Any, args: dict[str, Any]) -> Candles:
        a = parse_args(args, CandlesArgs)
        symbol = normalize_symbol(a.market)
        if symbol not in MARKETS_BY_SYMBOL:
            raise DomainError(ErrorCode.UNKNOWN_MARKET, f"unknown market {a.market!r}")
        if not 1 <= a.limit <= MAX_BARS:
            raise DomainError(ErrorCode.BAD_REQUEST, f"limit must be 1..{MAX_BARS}")
        try:
            extra = min(warmup(a.indicators), MAX_BARS)
        except IndicatorError as exc:
            raise DomainError(ErrorCode.BAD_REQUEST, str(exc)) from None
        bars = candles.bars(symbol, a.tf, a.limit + extra)
        skip = max(0, len(bars) - a.limit)
        shown = bars.window(skip)
        if a.indicators:
            shown.indicators = compute(bars, a.indicators, skip)
        return shown

    api.op("candles", op_candles)
    api.stream("candles", "candles", key=lambda m: (m.market, m.tf), market_of=lambda m: m.market)
