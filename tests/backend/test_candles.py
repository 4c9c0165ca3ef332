"""Candles: exact OHLCV aggregation, trade volume, persistence, history backfill, the `candles` op."""

from __future__ import annotations

import pytest

from backend.domain.errors import DomainError
from backend.bus import Bus
from backend.candles import CandleService, register_candle_ops, simulated_history, tradingview_bars
from backend.domain.observations import PriceObservation
from backend.indicators import frame, resample
from backend.quotes import QuoteBook
from backend.store.db import Store

T0 = 1_700_006_400  # a UTC day boundary


def obs(price: float, t: int, market: str = "SOL-PERP") -> PriceObservation:
    return PriceObservation(
        market=market,
        price=round(price * 1e8),
        conf=1000,
        expo=-8,
        publish_time=t,
        slot=1,
        ema_price=round(price * 1e8),
        source="sim",
    )


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "c.db")
    s.start()
    yield s
    s.stop()


def feed(candles: CandleService, ticks: list[tuple[float, int]]) -> None:
    for price, t in ticks:
        candles.on_observation(obs(price, t))


def test_observations_aggregate_into_exact_ohlcv_per_timeframe():
    assert T0 % 60 == 0
    c = CandleService(None, None)
    feed(c, [(100.0, T0), (101.5, T0), (99.0, T0 + 1), (100.5, T0 + 59), (102.0, T0 + 60), (101.0, T0 + 61)])
    one_min = c.bars("SOL-PERP", "1m")
    assert one_min == [[T0, 100.0, 101.5, 99.0, 100.5, 0.0, 4], [T0 + 60, 102.0, 102.0, 101.0, 101.0, 0.0, 2]]
    one_sec = c.bars("SOL-PERP", "1s")
    assert one_sec[0] == [T0, 100.0, 101.5, 100.0, 101.5, 0.0, 2]
    assert [b[0] for b in one_sec] == [T0, T0 + 1, T0 + 59, T0 + 60, T0 + 61]
    five = c.bars("SOL-PERP", "5m")
    assert five == [[T0 - T0 % 300, 100.0, 102.0, 99.0, 101.0, 0.0, 6]]
    day = c.bars("SOL-PERP", "1d")
    assert day[0][0] == T0 - T0 % 86400 and day[0][6] == 6
    assert c.bars("BTC-PERP", "1m") == []


def test_late_observation_does_not_rewrite_a_closed_bar():
    c = CandleService(None, None)
    feed(c, [(100.0, T0), (101.0, T0 + 60), (500.0, T0 + 5)])
    assert c.bars("SOL-PERP", "1m") == [
        [T0, 100.0, 100.0, 100.0, 100.0, 0.0, 1],
        [T0 + 60, 101.0, 101.0, 101.0, 101.0, 0.0, 1],
    ]


def test_trades_add_volume_without_moving_the_oracle_bars():
    c = CandleService(None, None)
    feed(c, [(100.0, T0), (100.2, T0 + 30)])
    c.add_trade("SOL-PERP", 100.9, 2.5, T0 + 31)
    c.add_trade("SOL-PERP", 99.0, -1.0, T0 + 32)  # a sell reports negative size: volume is absolute
    feed(c, [(100.4, T0 + 61)])
    c.add_trade("SOL-PERP", 100.0, 4.0, T0 + 40)  # late fill: lands in the closed bar
    bars = c.bars("SOL-PERP", "1m")
    assert bars[0] == [T0, 100.0, 100.2, 100.0, 100.2, 7.5, 2]
    assert bars[1][5] == 0.0


async def test_closed_bars_persist_and_come_back_after_a_restart(store):
    bus = Bus()
    c = CandleService(bus, store, feed="replay")
    feed(c, [(100.0, T0), (101.0, T0 + 60), (102.0, T0 + 120)])
    await c.stop()  # flushes closed and forming bars
    await store.write(lambda conn: None)
    again = CandleService(None, store, feed="replay")
    assert [b[:5] for b in again.bars("SOL-PERP", "1m")] == [
        [T0, 100.0, 100.0, 100.0, 100.0],
        [T0 + 60, 101.0, 101.0, 101.0, 101.0],
        [T0 + 120, 102.0, 102.0, 102.0, 102.0],
    ]
    assert again.bars("SOL-PERP", "1s") == []  # 1s bars are not stored
    feed(again, [(103.0, T0 + 180)])
    assert [b[0] for b in again.bars("SOL-PERP", "1m", limit=3)] == [T0 + 60, T0 + 120, T0 + 180]


def test_resample_builds_coarser_bars_exactly():
    bars = [[T0 + 60 * i, 10.0 + i, 11.0 + i, 9.0 + i, 10.5 + i, 1.0, 2] for i in range(10)]
    out = resample(frame(bars), 300).values.tolist()
    first = T0 - T0 % 300
    assert [r[0] for r in out] == [first, first + 300, first + 600][: len(out)]
    k = (T0 - first) // 60  # bars of the first 5m bucket present
    assert out[0][1:] == [10.0, 11.0 + (5 - k - 1), 9.0, 10.5 + (5 - k - 1), float(5 - k), 2 * (5 - k)]


def test_simulated_history_is_deterministic_and_ends_at_the_sim_start_price():
    a = simulated_history("SOL-PERP", 7, T0 + 17, 600)
    assert a == simulated_history("SOL-PERP", 7, T0 + 17, 600)
    assert a != simulated_history("SOL-PERP", 8, T0 + 17, 600)
    assert len(a) == 600 and a[-1][0] == T0 - 60 and a[0][0] == T0 - 600 * 60
    assert a[-1][4] == 145.0 and all(b[3] <= min(b[1], b[4]) and b[2] >= max(b[1], b[4]) for b in a)


async def test_sim_backfill_stores_history_and_seeds_the_24h_window(store):
    quotes = QuoteBook()
    c = CandleService(None, store, quotes, feed="sim", history_days=2, clock=lambda: T0 + 30)
    await c.backfill()
    assert len(c.bars("SOL-PERP", "1m", limit=5000)) == 2880
    assert len(c.bars("SOL-PERP", "1h", limit=5000)) == 48
    assert len(c.bars("SOL-PERP", "15m", limit=5000)) == 192
    quote = quotes.update(obs(150.0, T0 + 31))
    day = simulated_history("SOL-PERP", 7, T0 + 30, 1439)  # the minutes of the last 24h before now's
    assert quote.open_24h == round(day[0][1] * 1e8)
    assert quote.high_24h == max(round(max(b[2] for b in day) * 1e8), quote.price)


async def test_pyth_backfill_reads_the_benchmarks_tradingview_shim(store, hermes_url):
    c = CandleService(None, store, feed="pyth", benchmarks_url=hermes_url, history_days=1, clock=lambda: T0)
    await c.backfill()
    one_min = c.bars("BTC-PERP", "1m", limit=5000)
    assert len(one_min) == 1440 and one_min[-1][0] == T0 - 60
    assert len(c.bars("ETH-PERP", "1d", limit=5000)) == 365
    assert len(c.bars("SOL-PERP", "4h", limit=5000)) >= 359


def test_tradingview_bars_skip_bad_rows_and_reject_errors():
    body = {
        "s": "ok",
        "t": [1, 2, 3],
        "o": [1.0, None, 2.0],
        "h": [1.0, 1.0, 2.0],
        "l": [1.0, 1.0, -2.0],
        "c": [1.0, 1.0, 2.0],
        "v": [0, 0, 0],
    }
    assert tradingview_bars(body) == [[1, 1.0, 1.0, 1.0, 1.0, 0.0, 0]]
    assert tradingview_bars({"s": "no_data"}) == []
    with pytest.raises(ValueError):
        tradingview_bars({"s": "error", "errmsg": "bad symbol"})


class FakeApi:
    def __init__(self):
        self.ops, self.streams = {}, {}

    def op(self, name, handler):
        self.ops[name] = handler

    def stream(self, name, topic, **kw):
        self.streams[name] = topic


async def test_candles_op_returns_columns_and_indicator_series():
    api, c = FakeApi(), CandleService(None, None)
    register_candle_ops(api, c)
    feed(c, [(100.0 + i, T0 + 60 * i) for i in range(30)])
    out = await api.ops["candles"](
        None,
        {"market": "sol", "tf": "1m", "limit": 10, "indicators": ["sma:3", "bb:5:2", "rsi", "macd", "ema:5", "vwap"]},
    )
    assert out["market"] == "SOL-PERP" and len(out["t"]) == 10 and out["c"][-1] == 129.0
    assert out["indicators"]["sma:3"][-1] == pytest.approx(128.0)
    assert set(out["indicators"]["bb:5:2"]) == {"mid", "upper", "lower"}
    assert out["indicators"]["rsi"][-1] == 100.0  # only gains
    assert len(out["indicators"]["macd"]["hist"]) == 10 and "candles" in api.streams
    with pytest.raises(DomainError, match="unknown indicator"):
        await api.ops["candles"](None, {"market": "SOL-PERP", "indicators": ["nope"]})
    with pytest.raises(DomainError, match="limit"):
        await api.ops["candles"](None, {"market": "SOL-PERP", "limit": 5001})
    with pytest.raises(DomainError, match="timeframe"):
        await api.ops["candles"](None, {"market": "SOL-PERP", "tf": "2m"})
    with pytest.raises(DomainError) as err:
        await api.ops["candles"](None, {"market": "DOGE-PERP"})
    assert err.value.code == "UNKNOWN_MARKET"


@pytest.fixture
async def hermes_url():
    from tests.fakes.hermes import FakeHermes

    async with FakeHermes() as fake:
        yield fake.url
