"""The alert engine on hand-made price paths: each kind fires exactly once, at the right observation.

Levels and prices are integers in their units (prices PRICE_PRECISION, moves PERCENTAGE_PRECISION, ...);
`P(...)` and `PCT(...)` write them as a person types them, exactly.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from backend.alerts.engine import NO_READING, Alert, AlertEngine, Kind
from backend.domain.alerts import LEVEL_UNITS
from programs.vocabulary import MS_PER_S


def P(text: str | float) -> int:
    """A price typed in USD, in PRICE_PRECISION."""
    return LEVEL_UNITS[Kind.PRICE_ABOVE].fixed(Decimal(str(text)))


def PCT(kind: Kind, text: str | float) -> int:
    """A level typed in %, in `kind`'s unit."""
    return LEVEL_UNITS[kind].fixed(Decimal(str(text)))


PATH = [P(x) for x in (100, 101, 104, 106, 103, 99, 97, 98, 102, 105)]


def _replay(
    engine: AlertEngine, path: list[int], market: str = "SOL-PERP", start: int = 1000, step: int = 1
) -> list[tuple[int, int]]:
    """(observation index, alert id) for every firing along the path (one observation a second)."""
    fired = []
    for i, price in enumerate(path):
        for f in engine.on_price(market, price, (start + i * step) * MS_PER_S):
            fired.append((i, f.alert.id))
    return fired


def _engine(*alerts: Alert) -> AlertEngine:
    engine = AlertEngine()
    for a in alerts:
        engine.add(a)
    return engine


def test_price_above_fires_once_at_the_first_observation_at_or_over_the_level():
    engine = _engine(Alert(1, Kind.PRICE_ABOVE, "SOL-PERP", P("104.0")))
    assert _replay(engine, PATH) == [(2, 1)]
    assert engine.alerts == {}


def test_price_below_fires_once_at_the_first_observation_at_or_under_the_level():
    engine = _engine(Alert(1, Kind.PRICE_BELOW, "SOL-PERP", P("99.5")))
    assert _replay(engine, PATH) == [(5, 1)]


def test_price_cross_fires_on_the_first_crossing_either_way_and_not_before():
    # 102 is crossed up between 101 and 104 (index 2)
    engine = _engine(Alert(1, Kind.PRICE_CROSS, "SOL-PERP", P("102.0")))
    assert _replay(engine, PATH) == [(2, 1)]
    # 100.5 is first crossed down between 103 and 99 (index 5) when the path starts above it
    engine = _engine(Alert(2, Kind.PRICE_CROSS, "SOL-PERP", P("100.5")))
    assert _replay(engine, PATH[3:]) == [(2, 2)]


def test_repeating_cross_fires_on_every_crossing():
    engine = _engine(Alert(1, Kind.PRICE_CROSS, "SOL-PERP", P("102.0"), repeat=True))
    # up 101->104 (2), down 103->99 (5), up 98->102 (8: reaches the level)
    assert _replay(engine, PATH) == [(2, 1), (5, 1), (8, 1)]


def test_move_pct_fires_when_the_rise_within_the_window_reaches_the_level():
    # window 3s: at index 3 (106) the min of [101, 104, 106] over ts 1001..1003 is 101 -> +4.95%;
    # at index 2 (104) vs min 100 -> +4%; level 4.5% -> fires at 3
    engine = _engine(Alert(1, Kind.MOVE_PCT, "SOL-PERP", PCT(Kind.MOVE_PCT, "4.5"), window_s=2, direction="up"))
    assert _replay(engine, PATH) == [(3, 1)]


def test_move_pct_down_and_any_use_the_window_max():
    # a 2s window holds the observations at ts-2..ts (three of them here)
    # down 5%: index 4 (103) vs max 106 is -2.8%; index 5 (99) vs max 106 is -6.6% -> fires at 5
    down = Alert(1, Kind.MOVE_PCT, "SOL-PERP", PCT(Kind.MOVE_PCT, "5"), window_s=2, direction="down")
    # any 4.9%: index 3 (106) vs min 101 is +4.95% -> fires at 3 (the rise counts too)
    anyway = Alert(2, Kind.MOVE_PCT, "SOL-PERP", PCT(Kind.MOVE_PCT, "4.9"), window_s=2, direction="any")
    engine = _engine(down, anyway)
    assert _replay(engine, PATH) == [(3, 2), (5, 1)]


def test_move_window_forgets_prices_older_than_the_window():
    engine = _engine(Alert(1, Kind.MOVE_PCT, "SOL-PERP", PCT(Kind.MOVE_PCT, "5"), window_s=10, direction="up"))
    # 100 at t=0, 106 at t=20: the 100 is out of the window, so no move
    assert engine.on_price("SOL-PERP", P(100), 0) == []
    assert engine.on_price("SOL-PERP", P(103), 15 * MS_PER_S) == []
    assert engine.on_price("SOL-PERP", P(106), 20 * MS_PER_S) == []  # vs min 103 within [10, 20]: +2.9%


def test_price_alerts_of_other_markets_do_not_fire():
    engine = _engine(Alert(1, Kind.PRICE_ABOVE, "BTC-PERP", P("50.0")))
    assert _replay(engine, PATH, market="SOL-PERP") == []


def test_repeating_above_fires_once_per_excursion():
    engine = _engine(Alert(1, Kind.PRICE_ABOVE, "SOL-PERP", P("104.0"), repeat=True))
    # above at 2 (104), stays above at 3, re-arms at 4 (103), above again at 9 (105)
    assert _replay(engine, PATH) == [(2, 1), (9, 1)]


def test_cooldown_suppresses_an_excursion_that_starts_inside_it():
    alert = Alert(1, Kind.PRICE_ABOVE, "SOL-PERP", P("104.0"), repeat=True, cooldown_ms=10 * MS_PER_S)
    engine = _engine(alert)
    # second excursion at index 9 is 7s after the first firing: suppressed
    assert _replay(engine, PATH) == [(2, 1)]
    # with a 5s cooldown it fires again
    engine = _engine(Alert(2, Kind.PRICE_ABOVE, "SOL-PERP", P("104.0"), repeat=True, cooldown_ms=5 * MS_PER_S))
    assert _replay(engine, PATH) == [(2, 2), (9, 2)]


def test_funding_alert_fires_beyond_a_positive_or_negative_level():
    f = Kind.FUNDING
    engine = _engine(Alert(1, f, "SOL-PERP", PCT(f, "0.05")), Alert(2, f, "SOL-PERP", PCT(f, "-0.02")))
    rates = [PCT(f, r) for r in ("0.01", "0.04", "0.051", "0.06", "0", "-0.019", "-0.02")]
    fired = [(i, a.alert.id) for i, r in enumerate(rates) for a in engine.on_value("funding", "SOL-PERP", r, i)]
    assert fired == [(2, 1), (6, 2)]


def test_liquidation_distance_and_margin_ratio_fire_once_below_and_above_their_levels():
    liq, margin = Kind.LIQ_DISTANCE, Kind.MARGIN_RATIO
    engine = _engine(Alert(1, liq, None, PCT(liq, 10)), Alert(2, margin, None, PCT(margin, 20)))
    distances = [*(PCT(liq, d) for d in ("25", "12", "9.9", "5")), NO_READING]
    ratios = [PCT(margin, r) for r in ("50", "30", "20.1", "20", "15")]
    fired = []
    for i, (d, r) in enumerate(zip(distances, ratios, strict=True)):
        fired += [(i, f.alert.id) for f in engine.on_value("liq", "*", d, i)]
        fired += [(i, f.alert.id) for f in engine.on_value("margin", "*", r, i)]
    assert fired == [(2, 1), (3, 2)]


def test_event_alerts_filter_by_market_and_one_shot_leaves_the_index():
    engine = _engine(
        Alert(1, Kind.ORDER_FILLED, "SOL-PERP", None), Alert(2, Kind.ORDER_FILLED, None, None, repeat=True)
    )
    assert [f.alert.id for f in engine.on_event(Kind.ORDER_FILLED, "BTC-PERP", 1000, "x")] == [2]
    assert [f.alert.id for f in engine.on_event(Kind.ORDER_FILLED, "SOL-PERP", 2000, "x")] == [1, 2]
    assert [f.alert.id for f in engine.on_event(Kind.ORDER_FILLED, "SOL-PERP", 3000, "x")] == [2]
    assert [f.alert.id for f in engine.on_event(Kind.ORDER_REJECTED, "SOL-PERP", 3000, "x")] == []


def test_removed_alert_never_fires():
    engine = _engine(
        Alert(1, Kind.PRICE_ABOVE, "SOL-PERP", P("104.0")), Alert(2, Kind.PRICE_CROSS, "SOL-PERP", P("102.0"))
    )
    engine.remove(1)
    engine.remove(2)
    assert _replay(engine, PATH) == []


@given(
    st.lists(st.integers(min_value=P(1), max_value=P(200)), min_size=1, max_size=40),
    st.lists(st.integers(min_value=P(1), max_value=P(200)), min_size=1, max_size=20),
)
def test_index_matches_a_naive_scan(path, levels):
    """The sorted index fires exactly what checking every alert on every observation would."""
    engine = AlertEngine()
    for i, level in enumerate(levels):
        engine.add(Alert(i, Kind.PRICE_ABOVE, "SOL-PERP", level, repeat=True))
        engine.add(Alert(1000 + i, Kind.PRICE_BELOW, "SOL-PERP", level, repeat=True))
        engine.add(Alert(2000 + i, Kind.PRICE_CROSS, "SOL-PERP", level, repeat=True))
    armed = {i: True for i in range(len(levels))} | {1000 + i: True for i in range(len(levels))}
    prev = None
    for t, price in enumerate(path):
        got = sorted(f.alert.id for f in engine.on_price("SOL-PERP", price, t * MS_PER_S))
        expected = []
        for i, level in enumerate(levels):
            for aid, cond in ((i, price >= level), (1000 + i, price <= level)):
                if cond and armed[aid]:
                    expected.append(aid)
                    armed[aid] = False
                elif not cond:
                    armed[aid] = True
            if prev is not None and (prev < level <= price or price <= level < prev):
                expected.append(2000 + i)
        prev = price
        assert got == sorted(expected)


def test_an_alert_at_145_10_fires_at_the_first_price_at_or_over_it_and_not_at_145_099999():
    engine = _engine(
        Alert(1, Kind.PRICE_ABOVE, "SOL-PERP", P("145.10")), Alert(2, Kind.PRICE_BELOW, "SOL-PERP", P("145.10"))
    )
    path = [P("145.099998"), P("145.099999"), P("145.100000"), P("145.100001")]
    assert path[1] == 145_099_999 and path[2] == 145_100_000
    fired = [(i, f.alert.id, f.value) for i, price in enumerate(path) for f in engine.on_price("SOL-PERP", price, i)]
    assert fired == [(0, 2, 145_099_998), (2, 1, 145_100_000)]  # the below one fires at once, the above one at 145.1
    cross = _engine(Alert(3, Kind.PRICE_CROSS, "SOL-PERP", P("145.10")))
    assert [(i, f.alert.id) for i, p in enumerate(path) for f in cross.on_price("SOL-PERP", p, i)] == [(2, 3)]


def test_a_firing_carries_the_exact_level_and_value_as_typed_text_and_integers():
    engine = _engine(Alert(7, Kind.PRICE_ABOVE, "SOL-PERP", P("145.10")))
    (firing,) = engine.on_price("SOL-PERP", P("145.123456"), 5 * MS_PER_S)
    record = firing.to_dict()
    assert (record["level"], record["value"]) == ("145.1", "145.123456")
    assert (record["level_fixed"], record["value_fixed"], record["ts_ms"]) == (145_100_000, 145_123_456, 5_000)
    assert firing.message == "SOL-PERP is at 145.123456, above 145.1"


def test_a_move_of_exactly_the_level_fires_and_one_unit_less_does_not():
    # from 100 to 104.5 is +4.5% exactly; to 104.499999 is +4.499999%: floor to 4.4999% < 4.5%
    level = PCT(Kind.MOVE_PCT, "4.5")
    short = _engine(Alert(1, Kind.MOVE_PCT, "SOL-PERP", level, window_s=60, direction="up"))
    assert _replay(short, [P(100), P("104.499999")]) == []
    exact = _engine(Alert(1, Kind.MOVE_PCT, "SOL-PERP", level, window_s=60, direction="up"))
    assert _replay(exact, [P(100), P("104.5")]) == [(1, 1)]
