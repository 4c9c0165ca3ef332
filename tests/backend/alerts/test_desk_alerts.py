"""Alerts on desk totals: the desk's gross exposure and the lowest margin ratio of any trader."""

from __future__ import annotations

from backend.alerts.desk_watch import DeskWatch
from backend.alerts.spec import AlertArgs


def desk(gross: float, ratios: list[float | None]) -> dict:
    return {
        "totals": {"gross_exposure": gross},
        "traders": [{"trader": f"t{i}", "margin_ratio_pct": r} for i, r in enumerate(ratios)],
    }


async def test_desk_exposure_and_a_traders_margin_ratio_fire_when_crossed(service):
    exposure = await service.add(AlertArgs(kind="desk_exposure", level="1000000"))
    margin = await service.add(AlertArgs(kind="desk-margin-ratio", level=15))
    watch = DeskWatch(service, lambda: desk(0, []), clock=lambda: 100.0)
    assert watch.wanted() and exposure.market is None
    assert watch.check(desk(900_000.0, [40.0, None])) == []
    fired = watch.check(desk(1_200_000.0, [40.0, 12.5, None]))
    assert sorted((f.alert.id, f.value) for f in fired) == [(exposure.id, 1_200_000.0), (margin.id, 12.5)]
    assert "desk gross exposure is $1,200,000" in next(f.message for f in fired if f.alert.id == exposure.id)
    assert watch.check(desk(2_000_000.0, [5.0])) == []  # one-shot alerts fired once
    assert not watch.wanted()
