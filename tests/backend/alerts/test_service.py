"""The alert service: validation codes, persistence, history, bus inputs and webhook delivery."""

from __future__ import annotations

import asyncio
import time

import pytest

from backend.alerts.service import AlertService
from backend.alerts.spec import AlertArgs, AlertEditArgs
from backend.api.protocol import OrderView
from backend.bus import Bus
from backend.domain.errors import DomainError
from backend.domain.observations import FeedHealth, PriceObservation
from backend.notify import Notifier
from tests.polling import wait_until


def obs(market: str, price: float, t: int) -> PriceObservation:
    return PriceObservation(
        market=market,
        price=round(price * 1e8),
        conf=1000,
        expo=-8,
        publish_time=t,
        slot=t,
        ema_price=round(price * 1e8),
        source="replay",
    )


@pytest.mark.parametrize(
    "args, code",
    [
        ({"kind": "price_above", "market": "NOPE-PERP", "level": 1}, "UNKNOWN_MARKET"),
        ({"kind": "price_above", "market": "SOL", "level": "lots"}, "ALERT_BAD_LEVEL"),
        ({"kind": "price_above", "market": "SOL", "level": True}, "ALERT_BAD_LEVEL"),
        ({"kind": "price_above", "market": "SOL", "level": float("nan")}, "ALERT_BAD_LEVEL"),
        ({"kind": "price_above", "market": "SOL", "level": -5}, "ALERT_BAD_LEVEL"),
        ({"kind": "price_above", "market": "SOL"}, "ALERT_BAD_LEVEL"),
        ({"kind": "move_pct", "market": "SOL", "level": 5000, "window": "5m"}, "ALERT_BAD_LEVEL"),
        ({"kind": "move_pct", "market": "SOL", "level": 5}, "ALERT_BAD_WINDOW"),
        ({"kind": "move_pct", "market": "SOL", "level": 5, "window": "5 fortnights"}, "ALERT_BAD_WINDOW"),
        ({"kind": "liq_distance", "level": 150}, "ALERT_BAD_LEVEL"),
        ({"kind": "funding", "market": "SOL", "level": 0}, "ALERT_BAD_LEVEL"),
        ({"kind": "price_above", "market": "SOL", "level": 1, "webhook": "ftp://x/y"}, "ALERT_BAD_WEBHOOK"),
        ({"kind": "price_above", "market": "SOL", "level": 1, "webhook": "http:///nohost"}, "ALERT_BAD_WEBHOOK"),
        ({"kind": "price_above", "market": "SOL", "level": 1, "cooldown": -1}, "ALERT_BAD_COOLDOWN"),
        ({"kind": "price_sideways", "market": "SOL", "level": 1}, "ALERT_BAD_KIND"),
        ({"kind": "price_above", "level": 1}, "ALERT_MARKET_REQUIRED"),
    ],
)
async def test_bad_alert_input_is_refused_with_a_stable_code(service, args, code):
    with pytest.raises(DomainError) as err:
        await service.add(AlertArgs(**args))
    assert err.value.code == code
    assert service.active_count == 0


async def test_alerts_and_their_history_survive_a_restart(store):
    first = AlertService(Bus(), store, notifier=Notifier(desktop=False))
    await first.start()
    once = await first.add(AlertArgs(kind="above", market="sol", level="150"))
    keep = await first.add(AlertArgs(kind="price_below", market="BTC-PERP", level=50_000, repeat=True, cooldown="5m"))
    first.bus.publish("observations", obs("SOL-PERP", 151.0, 100))
    await wait_until(lambda: first.history(), what="the firing in the first service's history")
    await first.stop()

    second = AlertService(Bus(), store, notifier=Notifier(desktop=False))
    await second.start()
    assert [a.id for a in second.list("active")] == [keep.id]
    assert second.get(once.id).status == "fired" and second.get(once.id).fire_count == 1
    assert second.get(keep.id).cooldown_ms == 300_000
    [row] = second.history()
    assert row["alert_id"] == once.id and row["value"] == "151"
    again = await second.add(AlertArgs(kind="price_above", market="ETH-PERP", level=1))
    assert again.id == keep.id + 1
    await second.stop()


async def test_edit_remove_and_reenable(service):
    a = await service.add(AlertArgs(kind="price_above", market="SOL-PERP", level=150))
    edited = await service.edit(AlertEditArgs(id=a.id, level="160", webhook="https://127.0.0.1:9/h"))
    assert edited.level == 160_000_000 and edited.webhook == "https://127.0.0.1:9/h"
    service.bus.publish("observations", obs("SOL-PERP", 155.0, 1))
    assert service.get(a.id).fire_count == 0
    service.bus.publish("observations", obs("SOL-PERP", 161.0, 2))
    assert service.get(a.id).status == "fired"
    assert (await service.edit(AlertEditArgs(id=a.id, enabled=True))).status == "active"
    with pytest.raises(DomainError) as err:
        await service.edit(AlertEditArgs(id=a.id, level="x"))
    assert err.value.code == "ALERT_BAD_LEVEL" and service.get(a.id).level == 160_000_000
    await service.remove(a.id)
    with pytest.raises(DomainError) as err:
        await service.remove(a.id)
    assert err.value.code == "ALERT_NOT_FOUND"


async def test_fired_alert_reaches_the_stream_history_and_a_loopback_webhook(service, receiver):
    seen = []
    service.bus.on("alerts", seen.append)
    a = await service.add(AlertArgs(kind="price_cross", market="SOL-PERP", level=150, webhook=receiver.url))
    for t, p in enumerate([148.0, 149.5, 150.5, 151.0]):
        service.bus.publish("observations", obs("SOL-PERP", p, t))
    assert [m["alert_id"] for m in seen] == [a.id]
    await asyncio.wait_for(receiver.got.wait(), 5)
    [body] = receiver.bodies
    assert body["kind"] == "price_cross" and body["market"] == "SOL-PERP" and body["value"] == "150.5"
    await wait_until(
        lambda: service.history() and service.history()[0]["delivery"] == "webhook ok",
        what="the webhook delivery recorded in the history",
    )


async def test_hanging_webhook_does_not_slow_evaluation_and_is_tried_a_bounded_number_of_times(service, receiver):
    receiver.hang = True
    await service.add(AlertArgs(kind="price_above", market="SOL-PERP", level=100, webhook=receiver.url, repeat=True))
    started = time.perf_counter()
    for t in range(200):  # 100 excursions above the level: 100 firings, each queued for the hanging webhook
        service.bus.publish("observations", obs("SOL-PERP", 101.0 if t % 2 == 0 else 99.0, t))
    elapsed = time.perf_counter() - started
    assert service.fired == 100
    assert elapsed < 0.5, f"evaluation took {elapsed:.3f}s with a hanging webhook"
    # one message: 3 attempts of 0.2s each, then given up
    await wait_until(lambda: service.notifier.stats.webhook_failed >= 1, what="a failed webhook delivery")
    await wait_until(
        lambda: any("timed out" in (r["delivery"] or "") for r in service.history(limit=200)),
        what="a timed-out delivery recorded in the history",
    )
    assert service.notifier.stats.webhook_ok == 0


async def test_a_hanging_webhook_is_retried_exactly_the_configured_number_of_times(store, receiver):
    receiver.hang = True
    svc = AlertService(
        Bus(),
        store,
        notifier=Notifier(
            desktop=False, webhook_timeout_s=0.1, webhook_attempts=3, backoff_base_s=0.01, webhook_workers=1
        ),
    )
    await svc.start()
    await svc.add(AlertArgs(kind="price_above", market="SOL-PERP", level=100, webhook=receiver.url))
    svc.bus.publish("observations", obs("SOL-PERP", 101.0, 1))
    await wait_until(lambda: svc.notifier.stats.webhook_failed == 1, what="one failed webhook delivery")
    assert receiver.connections == 3 and svc.notifier.stats.webhook_attempts == 3
    await svc.stop()


async def test_order_and_oracle_events_fire_their_alerts(store):
    class FakeOracle:
        feeds = [FeedHealth("sim", "healthy", active=True), FeedHealth("coingecko", "healthy")]

        def health(self):
            return self.feeds

    oracle = FakeOracle()
    svc = AlertService(Bus(), store, oracle=oracle, notifier=Notifier(desktop=False), oracle_poll_s=3600)
    await svc.start()
    filled = await svc.add(AlertArgs(kind="order_filled", market="SOL-PERP"))
    rejected = await svc.add(AlertArgs(kind="order_rejected"))
    stale = await svc.add(AlertArgs(kind="oracle_stale"))
    failover = await svc.add(AlertArgs(kind="oracle_failover"))
    seen = []
    svc.bus.on("alerts", seen.append)
    order = OrderView(
        order_id=7,
        market="SOL-PERP",
        side="buy",
        order_type="market",
        status="filled",
        size=2 * 10**9,
        filled=2 * 10**9,
        avg_fill_price=150_000_000,
    )
    svc.bus.publish("orders", order)
    svc.bus.publish("orders", order)  # published twice: fires once
    svc.bus.publish(
        "orders",
        OrderView(
            order_id=8,
            market="BTC-PERP",
            side="sell",
            order_type="limit",
            status="rejected",
            size=10**9,
            reason="RISK_MAX_NOTIONAL",
        ),
    )
    svc.check_oracle()
    oracle.feeds = [FeedHealth("sim", "down", "crashed"), FeedHealth("coingecko", "healthy", active=True)]
    svc.check_oracle()
    svc.check_oracle()
    got = [(m["alert_id"], m["message"]) for m in seen]
    assert got == [
        (filled.id, "order 7 buy 2 SOL-PERP filled at 150"),
        (rejected.id, "order 8 sell 1 BTC-PERP rejected: RISK_MAX_NOTIONAL"),
        (stale.id, "oracle feed sim is down: crashed"),
        (failover.id, "oracle failed over from sim to coingecko"),
    ]
    await svc.stop()


async def test_risk_snapshots_drive_liquidation_and_margin_alerts(service):
    liq = await service.add(AlertArgs(kind="liq_distance", market="SOL-PERP", level=10))
    margin = await service.add(AlertArgs(kind="margin_ratio", level=20))
    seen = []
    service.bus.on("alerts", seen.append)

    def snapshot(distance: int, ratio: int) -> dict:
        """The monitor's integers: the distance in PERCENTAGE_PRECISION, the ratio in MARGIN_PRECISION."""
        return {
            "authority": "paper",
            "sub_account": 0,
            "margin_ratio": ratio,
            "positions": [{"market": "SOL-PERP", "liq_distance": distance}],
        }

    # 30%/60%, 12%/40%, 10.0001%/20.01%, then exactly at both levels (10% and 20%: they fire), then under
    for d, r in [(300_000, 6_000), (120_000, 4_000), (100_001, 2_001), (100_000, 2_000), (60_000, 1_500)]:
        service.bus.publish("risk", snapshot(d, r))
    assert [(m["alert_id"], m["value"]) for m in seen] == [(liq.id, "10"), (margin.id, "20")]


async def test_funding_events_fire_the_funding_alert(service):
    a = await service.add(AlertArgs(kind="funding", market="SOL-PERP", level=0.05))
    seen = []
    service.bus.on("alerts", seen.append)
    for rate in (100_000, 400_000, 600_000, 700_000):  # 0.01%, 0.04%, 0.06%, 0.07% per interval
        service.bus.publish("funding", {"market": "SOL-PERP", "rate": rate, "ts": 1})
    assert [(m["alert_id"], m["value"]) for m in seen] == [(a.id, "0.06")]


async def test_a_liquidation_fires_the_liquidation_alert_with_human_numbers(store):
    from backend.api.protocol import LiquidationView

    svc = AlertService(Bus(), store, notifier=Notifier(desktop=False), oracle_poll_s=3600)
    await svc.start()
    alert = await svc.add(AlertArgs(kind="liquidation"))
    seen = []
    svc.bus.on("alerts", seen.append)
    svc.bus.publish(
        "liquidations",
        LiquidationView(
            kind="liquidation",
            market="SOL-PERP",
            ts=1,
            seq=10,
            side="sell",
            size=30 * 10**9,
            price=118 * 10**6,
            fee=70_800_000,
            insurance_fee=35_400_000,
            liquidator="keeper",
            insurance_fund=30_821_337,
        ),
    )
    assert [(m["alert_id"], m["message"]) for m in seen] == [
        (
            alert.id,
            (
                "liquidation: sub-account 0 sell 30 SOL-PERP at 118.000000 (fee 70.800000 USDC) by keeper; "
                "insurance fund 30.821337 USDC"
            ),
        )
    ]
    await svc.stop()
