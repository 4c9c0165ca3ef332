"""/metrics carries the desk's business: orders, fills, volume, fees, equity, OI, the insurance fund."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from backend.business_metrics import BusinessMetrics
from tests.backend.venues.conftest import venue  # noqa: F401  (fixture)


async def test_an_ioc_fill_shows_up_in_the_business_metrics(venue):  # noqa: F811
    from backend.venues.ops import TradingOps

    registry = CollectorRegistry()
    BusinessMetrics(registry, venue.bus, venue, "paper")
    trading = TradingOps(venue)
    placed = await trading.op_place(
        None, {"market": "SOL-PERP", "side": "buy", "size": "2", "price": "155", "tif": "ioc"}
    )
    await trading.op_place(None, {"market": "SOL-PERP", "side": "buy", "size": "1", "price": "140"})
    [fill] = placed["fills"]
    text = generate_latest(registry).decode()
    account = trading.account(0)["account"]
    lines = set(text.splitlines())
    assert {
        'quantdesk_orders_total{market="SOL-PERP",status="filled"} 1.0',
        'quantdesk_fills_total{market="SOL-PERP",role="taker"} 1.0',
        f'quantdesk_volume_usd_total{{market="SOL-PERP"}} {fill["size"] * fill["price"] / 1e15!r}',
        f'quantdesk_fees_usd_total{{market="SOL-PERP"}} {fill["fee"] / 1e6!r}',
        f'quantdesk_equity_usd{{sub_account="0"}} {account["equity"] / 1e6!r}',
        'quantdesk_open_interest_base{market="SOL-PERP"} 2.0',  # user positions only: the AMM is not counted
        'quantdesk_open_orders{market="SOL-PERP"} 1.0',
        "quantdesk_insurance_fund_usd 0.0",
    } <= lines


async def test_the_shipped_dashboard_only_queries_metrics_the_backend_exports(venue):  # noqa: F811
    import json
    import re
    from pathlib import Path

    registry = CollectorRegistry()
    BusinessMetrics(registry, venue.bus, venue, "paper")
    families = list(registry.collect())
    exported = {s.name for f in families for s in f.samples} | {
        f"{f.name}_total" for f in families if f.type == "counter"
    }
    dashboard = json.loads((Path(__file__).parents[2] / "deploy/grafana/quantdesk-dashboard.json").read_text())
    queried = {
        name for p in dashboard["panels"] for t in p["targets"] for name in re.findall(r"quantdesk_\w+", t["expr"])
    }
    assert queried <= exported and len(queried) == 13
