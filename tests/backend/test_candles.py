"""Candles: exact OHLCV aggregation, trade volume, persistence, history backfill, the `candles` op."""

from __future__ import annotations

import pytest

from backend.api.protocol import Candles, FillView
from backend.bus import Bus
from backend.store.migrations import CANDLE_COLUMNS
from backend.candles import (
    CandleService,
    as_candles,
    register_candle_ops,
    simulated_history,
    stored_bar,
    stored_row,
    tradingview_bars,
)
from backend.domain.errors import DomainError
from backend.domain.observations import PriceObservation
from backend.indicators import resample
from backend.quotes import QuoteBook
from backend.store.db import Store
from programs.vocabulary import TIMEFRAME_SECONDS

T0 = 1_700_006_400  # a UTC day boundary
E8 = 10**8  # SOL-PERP's prices are at expo -8
B = 10**9  # BASE_PRECISION


def rows(candles: Candles) -> list[list[int]]:
    """The struct's bars as rows, to compare whole bars at once."""
    columns = (candles.ts_s, candles.open, candles.high, candles.low, candles.close, candles.volume, candles.count)
    return [list(bar) for bar in zip(*columns, strict=True)]


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
    assert (one_min.market, one_min.tf, one_min.expo) == ("SOL-PERP", "1m", -8)
    assert rows(one_min) == [
        [T0, 100 * E8, 1015 * E8 // 10, 99 * E8, 1005 * E8 // 10, 0, 4],
        [T0 + 60, 102 * E8, 102 * E8, 101 * E8, 101 * E8, 0, 2],
    ]
    one_sec = c.bars("SOL-PERP", "1s")
    assert rows(one_sec)[0] == [T0, 100 * E8, 1015 * E8 // 10, 100 * E8, 1015 * E8 // 10, 0, 2]
    assert one_sec.ts_s == [T0, T0 + 1, T0 + 59, T0 + 60, T0 + 61]
    five = c.bars("SOL-PERP", "5m")
    assert rows(five) == [[T0 - T0 % 300, 100 * E8, 102 * E8, 99 * E8, 101 * E8, 0, 6]]
    day = c.bars("SOL-PERP", "1d")
    assert day.ts_s == [T0 - T0 % 86400] and day.count == [6]
    assert len(c.bars("BTC-PERP", "1m")) == 0


def test_late_observation_does_not_rewrite_a_closed_bar():
    c = CandleService(None, None)
    feed(c, [(100.0, T0), (101.0, T0 + 60), (500.0, T0 + 5)])
    assert rows(c.bars("SOL-PERP", "1m")) == [
        [T0, 100 * E8, 100 * E8, 100 * E8, 100 * E8, 0, 1],
        [T0 + 60, 101 * E8, 101 * E8, 101 * E8, 101 * E8, 0, 1],
    ]


def test_trades_add_volume_without_moving_the_oracle_bars():
    c = CandleService(None, None)
    feed(c, [(100.0, T0), (100.2, T0 + 30)])
    c.add_trade("SOL-PERP", 1009 * E8 // 10, 25 * B // 10, T0 + 31)
    c.add_trade("SOL-PERP", 99 * E8, -B, T0 + 32)  # a sell reports negative size: volume is absolute
    feed(c, [(100.4, T0 + 61)])
    c.add_trade("SOL-PERP", 100 * E8, 4 * B, T0 + 40)  # late fill: lands in the closed bar
    bars = rows(c.bars("SOL-PERP", "1m"))
    assert bars[0] == [T0, 100 * E8, 1002 * E8 // 10, 100 * E8, 1002 * E8 // 10, 75 * B // 10, 2]
    assert bars[1][5] == 0


def test_a_paper_fill_adds_its_exact_size_as_volume_at_its_unix_second():
    c = CandleService(None, None)
    feed(c, [(100.0, T0)])
    fill = FillView(1, 1, "SOL-PERP", "buy", price=100_123_456, size=123_456_789, fee=0, role="taker", ts=T0 + 70)
    c._on_fill(fill)  # opens the next minute at the fill price (1e6 -> expo -8: exact)
    assert rows(c.bars("SOL-PERP", "1m"))[1] == [T0 + 60, *[10_012_345_600] * 4, 123_456_789, 0]


def test_store_rows_come_back_as_the_same_exact_integers():
    bar = [T0, 14_512_345_678, 14_600_000_001, 14_400_000_000, 14_599_999_999, 123_456_789_012, 7]
    row = stored_row("BTC-PERP", "1m", -8, bar)
    assert row == ("BTC-PERP", "1m", T0, -8, 14_512_345_678, 14_600_000_001, 14_400_000_000, 14_599_999_999,
                   123_456_789_012, 7)  # fmt: skip
    named = dict(zip(CANDLE_COLUMNS, row, strict=True))
    assert stored_bar(named, -8) == bar
    assert stored_bar(named, -6)[1:5] == [145_123_456, 146_000_000, 144_000_000, 145_999_999]  # rescaled down


async def test_closed_bars_persist_and_come_back_after_a_restart(store):
    bus = Bus()
    c = CandleService(bus, store, feed="replay")
    feed(c, [(100.0, T0), (101.0, T0 + 60), (102.0, T0 + 120)])
    await c.stop()  # flushes closed and forming bars
    await store.write(lambda conn: None)
    again = CandleService(None, store, feed="replay")
    assert [b[:5] for b in rows(again.bars("SOL-PERP", "1m"))] == [
        [T0, 100 * E8, 100 * E8, 100 * E8, 100 * E8],
        [T0 + 60, 101 * E8, 101 * E8, 101 * E8, 101 * E8],
        [T0 + 120, 102 * E8, 102 * E8, 102 * E8, 102 * E8],
    ]
    assert len(again.bars("SOL-PERP", "1s")) == 0  # 1s bars are not stored
    feed(again, [(103.0, T0 + 180)])
    assert again.bars("SOL-PERP", "1m", limit=3).ts_s == [T0 + 60, T0 + 120, T0 + 180]


def test_resample_builds_coarser_bars_exactly():
    bars = [[T0 + 60 * i, 10 * E8 + i, 11 * E8 + i, 9 * E8 + i, 105 * E8 // 10 + i, B + 1, 2] for i in range(10)]
    out = resample(as_candles("SOL-PERP", "1m", -8, bars), "5m", 300)
    first = T0 - T0 % 300
    assert (out.market, out.tf, out.expo) == ("SOL-PERP", "5m", -8)
    assert out.ts_s == [first, first + 300, first + 600][: len(out)]
    k = (T0 - first) // 60  # bars of the first 5m bucket present
    n = 5 - k
    assert rows(out)[0][1:] == [10 * E8, 11 * E8 + n - 1, 9 * E8, 105 * E8 // 10 + n - 1, n * (B + 1), 2 * n]


def test_simulated_history_is_deterministic_and_ends_at_the_sim_start_price():
    a = simulated_history("SOL-PERP", 7, T0 + 17, 600)
    assert a == simulated_history("SOL-PERP", 7, T0 + 17, 600)
    assert a != simulated_history("SOL-PERP", 8, T0 + 17, 600)
    assert len(a) == 600 and a[-1][0] == T0 - 60 and a[0][0] == T0 - 600 * 60
    assert a[-1][4] == 145 * E8 and all(b[3] <= min(b[1], b[4]) and b[2] >= max(b[1], b[4]) for b in a)


async def test_sim_backfill_stores_history_and_seeds_the_24h_window(store):
    quotes = QuoteBook()
    c = CandleService(None, store, quotes, feed="sim", history_days=2, clock=lambda: T0 + 30)
    await c.backfill()
    assert len(c.bars("SOL-PERP", "1m", limit=5000)) == 2880
    assert len(c.bars("SOL-PERP", "1h", limit=5000)) == 48
    assert len(c.bars("SOL-PERP", "15m", limit=5000)) == 192
    quote = quotes.update(obs(150.0, T0 + 31))
    day = simulated_history("SOL-PERP", 7, T0 + 30, 1439)  # the minutes of the last 24h before now's
    assert quote.open_24h == day[0][1]
    assert quote.high_24h == max(max(b[2] for b in day), quote.price)


async def test_pyth_backfill_reads_the_benchmarks_tradingview_shim(store, hermes_url):
    c = CandleService(None, store, feed="pyth", benchmarks_url=hermes_url, history_days=1, clock=lambda: T0)
    await c.backfill()
    one_min = c.bars("BTC-PERP", "1m", limit=5000)
    assert len(one_min) == 1440 and one_min.ts_s[-1] == T0 - 60
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
        "v": [0, 0, 0.5],
    }
    assert tradingview_bars(body, -8) == [[1, E8, E8, E8, E8, 0, 0]]
    body["l"][2] = 2.0
    assert tradingview_bars(body, -8, expo_shift=6)[1] == [3, *[2 * 10**14] * 4, B // 2, 0]
    assert tradingview_bars({"s": "no_data"}, -8) == []
    with pytest.raises(ValueError):
        tradingview_bars({"s": "error", "errmsg": "bad symbol"}, -8)


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
    assert out.market == "SOL-PERP" and len(out) == 10 and out.close[-1] == 129 * E8
    assert out.ts_s == [T0 + 60 * i for i in range(20, 30)]
    assert out.indicators["sma:3"][-1] == 128.0
    assert set(out.indicators["bb:5:2"]) == {"mid", "upper", "lower"}
    assert out.indicators["rsi"][-1] == 100.0  # only gains
    assert len(out.indicators["macd"]["hist"]) == 10 and "candles" in api.streams
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


def test_the_stream_sends_each_forming_bar_as_a_one_bar_struct():
    bus, sent = Bus(), []
    bus.on("candles", sent.append)
    c = CandleService(bus, None)
    feed(c, [(100.0, T0), (100.5, T0 + 1)])
    c._publish()
    one_min = next(bars for bars in sent if bars.tf == "1m")
    assert isinstance(one_min, Candles) and (one_min.market, one_min.expo) == ("SOL-PERP", -8)
    assert rows(one_min) == [[T0, 100 * E8, 1005 * E8 // 10, 100 * E8, 1005 * E8 // 10, 0, 2]]
    assert len(sent) == len(TIMEFRAME_SECONDS)


def test_no_bars_yet_is_an_empty_struct_that_takes_a_live_bar():
    empty = CandleService(None, None).bars("BTC-PERP", "1m")
    assert (empty.market, empty.expo, len(empty)) == ("BTC-PERP", -8, 0)
    empty.absorb(as_candles("BTC-PERP", "1m", -8, [[T0, 1, 3, 1, 2, 5, 1]]))
    assert rows(empty) == [[T0, 1, 3, 1, 2, 5, 1]]
