"""Alerts on desk totals: the desk's gross exposure and the lowest margin ratio of any trader."""

from __future__ import annotations

from backend.alerts.desk_watch import DeskWatch
from backend.alerts.spec import AlertArgs


def desk(gross: int, ratios: list[int | None]) -> dict:
    """The desk view's integers: exposure in QUOTE_PRECISION, margin ratios in MARGIN_PRECISION."""
    return {
        "totals": {"gross_exposure": gross},
        "traders": [{"trader": f"t{i}", "margin_ratio": r} for i, r in enumerate(ratios)],
    }


async def test_desk_exposure_and_a_traders_margin_ratio_fire_when_crossed(service):
    exposure = await service.add(AlertArgs(kind="desk_exposure", level="1000000"))
    margin = await service.add(AlertArgs(kind="desk-margin-ratio", level=15))
    watch = DeskWatch(service, lambda: desk(0, []), clock=lambda: 100.0)
    assert watch.wanted() and exposure.market is None
    assert watch.check(desk(900_000 * 10**6, [4_000, None])) == []
    fired = watch.check(desk(1_200_000 * 10**6, [4_000, 1_250, None]))
    # in the levels' units: exposure in QUOTE_PRECISION, the margin ratio in MARGIN_PRECISION (12.5% = 1250)
    assert sorted((f.alert.id, f.value) for f in fired) == [(exposure.id, 1_200_000_000_000), (margin.id, 1250)]
    assert "desk gross exposure is $1,200,000" in next(f.message for f in fired if f.alert.id == exposure.id)
    assert watch.check(desk(2_000_000 * 10**6, [500])) == []  # one-shot alerts fired once
    assert not watch.wanted()


async def test_desk_exposure_compares_in_quote_fixed_point_at_the_level_exactly(service):
    # 1,000,000.000001 USD is one QUOTE_PRECISION unit over the level; 999,999.999999 one under
    exposure = await service.add(AlertArgs(kind="desk_exposure", level="1000000.000001"))
    assert exposure.level == 1_000_000_000_001
    watch = DeskWatch(service, lambda: desk(0, []), clock=lambda: 100.0)
    assert watch.check(desk(1_000_000_000_000, [])) == []
    [fired] = watch.check(desk(1_000_000_000_001, []))
    assert fired.value == 1_000_000_000_001 and fired.to_dict()["value"] == "1000000.000001"
