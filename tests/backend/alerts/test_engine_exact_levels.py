"""Exact alert levels end to end in the backend: typed text or the unit's integer in, the same exact
value out, and oracle prices compared in PRICE_PRECISION integers at the level."""

from __future__ import annotations

import pytest

from backend.alerts.spec import AlertArgs, AlertEditArgs
from backend.domain.errors import DomainError
from backend.domain.observations import PriceObservation


def pyth(market: str, price_1e8: int, t: int) -> PriceObservation:
    """An observation as Pyth sends it: the integer at expo -8."""
    return PriceObservation(market, price_1e8, 1000, -8, t, t, price_1e8, "replay")


async def test_a_145_10_alert_fires_at_the_first_oracle_price_at_145_10_and_not_at_145_099999(service):
    alert = await service.add(AlertArgs(kind="price_above", market="SOL-PERP", level="145.10"))
    seen: list[dict] = []
    service.bus.on("alerts", seen.append)
    for t, price in enumerate([14_509_999_800, 14_509_999_900, 14_510_000_000, 14_510_000_100], start=1):
        service.bus.publish("observations", pyth("SOL-PERP", price, t))
    [fired] = seen
    assert (fired["alert_id"], fired["value"], fired["value_fixed"], fired["ts_ms"]) == (
        alert.id,
        "145.1",
        145_100_000,
        3_000,
    )
    assert fired["level"] == "145.1" and fired["message"] == "SOL-PERP is at 145.1, above 145.1"


async def test_the_oracle_price_reaches_the_engine_as_the_mark_the_engine_uses(service):
    # a feed digit past PRICE_PRECISION rounds as the paper venue's mark does (half up): 145.0999995 is 145.1
    await service.add(AlertArgs(kind="price_above", market="SOL-PERP", level="145.1"))
    service.bus.publish("observations", pyth("SOL-PERP", 14_509_999_949, 1))
    assert service.engine.last_price["SOL-PERP"] == 145_099_999 and service.fired == 0
    service.bus.publish("observations", pyth("SOL-PERP", 14_509_999_950, 2))
    assert service.engine.last_price["SOL-PERP"] == 145_100_000 and service.fired == 1


@pytest.mark.parametrize(
    "args, fixed, text, unit",
    [
        ({"kind": "price_above", "market": "SOL-PERP", "level": "145.10"}, 145_100_000, "145.1", "USD"),
        ({"kind": "price_below", "market": "SOL-PERP", "level_fixed": 145_099_999}, 145_099_999, "145.099999", "USD"),
        ({"kind": "price_cross", "market": "BTC-PERP", "level": 97_000}, 97_000_000_000, "97000", "USD"),
        ({"kind": "price_cross", "market": "BTC-PERP", "level": 145.1}, 145_100_000, "145.1", "USD"),  # JSON number
        ({"kind": "move_pct", "market": "SOL-PERP", "level": "4.5%", "window": "5m"}, 45_000, "4.5", "%"),
        ({"kind": "funding", "market": "SOL-PERP", "level": "-0.0125"}, -125_000, "-0.0125", "%"),
        ({"kind": "margin_ratio", "level": "19.5"}, 1_950, "19.5", "%"),
        ({"kind": "desk_exposure", "level": "1000000.000001"}, 1_000_000_000_001, "1000000.000001", "USD"),
    ],
)
async def test_a_level_comes_back_exactly_as_given_in_text_and_in_its_unit(service, args, fixed, text, unit):
    record = (await service.add(AlertArgs(**args))).to_dict()
    assert (record["level_fixed"], record["level"], record["level_in"]) == (fixed, text, unit)
    [listed] = [a.to_dict() for a in service.list()]
    assert listed["level"] == text and listed["level_fixed"] == fixed


@pytest.mark.parametrize(
    "args, says",
    [
        ({"kind": "price_above", "market": "SOL-PERP", "level": "145.1000001"}, "more than 6 decimals"),
        ({"kind": "move_pct", "market": "SOL-PERP", "level": "4.55555", "window": "5m"}, "more than 4 decimals"),
        ({"kind": "margin_ratio", "level": "19.555"}, "more than 2 decimals"),
        ({"kind": "price_above", "market": "SOL-PERP", "level": "1", "level_fixed": 1}, "not both"),
        ({"kind": "price_above", "market": "SOL-PERP", "level": "1e3"}, "digits 0-9"),
        ({"kind": "price_above", "market": "SOL-PERP", "level": float("inf")}, "finite"),
        ({"kind": "desk_exposure", "level": "1000000000000.000001"}, "out of range"),
    ],
)
async def test_a_level_the_unit_cannot_hold_is_refused_never_rounded(service, args, says):
    with pytest.raises(DomainError) as err:
        await service.add(AlertArgs(**args))
    assert err.value.code == "ALERT_BAD_LEVEL" and says in err.value.message


async def test_an_edit_by_the_units_integer_keeps_it_exactly_and_survives_a_reload(service):
    alert = await service.add(AlertArgs(kind="price_above", market="SOL-PERP", level="150", cooldown="1.5s"))
    edited = await service.edit(AlertEditArgs(id=alert.id, level_fixed=150_000_001))
    assert (edited.level, edited.to_dict()["level"], edited.cooldown_ms) == (150_000_001, "150.000001", 1_500)
    service._load()
    assert service.get(alert.id).to_dict()["level"] == "150.000001"
