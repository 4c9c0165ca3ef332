"""The TUI's fake backend answers as the real one does: each reply decodes into the protocol struct the
TUI reads it as and encodes back unchanged (no key the struct lacks, none it adds), and every reply
has the keys and value types of a real backend's reply to the same op."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from backend.api.protocol import (
    AccountView,
    ApiError,
    BookView,
    Candles,
    FillView,
    MarketInfo,
    OrderView,
    PositionView,
    Quote,
    Status,
)
from backend.risk.monitor import AccountRisk
from programs.quantdesk_perp.queries import FundingView, InsuranceView
from tests.polling import wait_until
from tests.tui.fakes import MARKETS, FakeClient, replies

DECODED: list[tuple[str, dict[str, Any], tuple[str, ...], Any]] = [  # op, args, where in the reply, its struct
    ("markets.list", {}, ("markets",), list[MarketInfo]),
    ("status", {}, (), Status),
    ("orders", {"status": "all", "limit": 500}, ("orders",), list[OrderView]),
    ("fills", {"limit": 200}, ("fills",), list[FillView]),
    ("positions", {}, ("positions",), list[PositionView]),
    ("account", {"sub_account": 0}, ("account",), AccountView),
    ("account", {"sub_account": 0}, ("positions",), list[PositionView]),
    ("book", {"market": "SOL-PERP", "depth": 16}, (), BookView),
    ("candles", {"market": "SOL-PERP", "tf": "1m", "limit": 60}, (), Candles),
    ("markets.stats", {}, ("markets", 0, "funding"), FundingView),
    ("admin.markets", {}, ("insurance",), InsuranceView),
    ("risk.monitor", {}, ("accounts",), list[AccountRisk]),
    *[("quote", {"market": m.symbol}, (), Quote) for m in MARKETS],
]


def at(value: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


@pytest.mark.parametrize("op, args, path, kind", DECODED, ids=[f"{d[0]}{list(d[2])}" for d in DECODED])
async def test_each_fake_reply_decodes_into_its_protocol_struct_and_encodes_back_unchanged(op, args, path, kind):
    reply = at(await FakeClient().request(op, **args), path)
    assert msgspec.to_builtins(msgspec.convert(reply, kind)) == reply


def shape_diff(fake: Any, real: Any, path: str = "") -> list[str]:
    """Where the fake's reply differs from the real one in keys or value types (a number is a number;
    None, an empty list and an empty dict are no sample; list items are compared first to first)."""
    if fake is None or real is None:
        return []
    if isinstance(fake, dict) and isinstance(real, dict):
        if not fake or not real:
            return []
        if all(str(k).endswith("-PERP") for k in [*fake, *real]):  # keyed by market: the values are the items
            return shape_diff(next(iter(fake.values())), next(iter(real.values())), f"{path}.<market>")
        diffs = [f"{path}.{k}: only in the real reply" for k in real if k not in fake]
        diffs += [f"{path}.{k}: only in the fake" for k in fake if k not in real]
        return diffs + [d for k in fake if k in real for d in shape_diff(fake[k], real[k], f"{path}.{k}")]
    if isinstance(fake, list) and isinstance(real, list):
        return shape_diff(fake[0], real[0], f"{path}[0]") if fake and real else []
    kinds = {bool: "bool", int: "number", float: "number", str: "str", list: "list", dict: "dict"}
    fake_kind, real_kind = kinds.get(type(fake), type(fake).__name__), kinds.get(type(real), type(real).__name__)
    return [] if fake_kind == real_kind else [f"{path}: {fake_kind} in the fake, {real_kind} in the real reply"]


def test_the_shape_comparison_names_missing_extra_and_retyped_keys():
    real = {"a": 1, "b": {"c": "x", "d": [{"e": 1.5}]}, "f": None}
    assert shape_diff({"a": 2.0, "b": {"c": "y", "d": [{"e": 2}]}, "f": 3}, real) == []
    assert shape_diff({"b": {"c": 1, "d": [{"e": 1, "g": 0}]}, "h": 1}, real) == [
        ".a: only in the real reply",
        ".f: only in the real reply",
        ".h: only in the fake",
        ".b.c: number in the fake, str in the real reply",
        ".b.d[0].g: only in the fake",
    ]


async def populated(client, backend) -> None:
    """A real venue with something in every list the fake fills: a position, a resting and a
    cancelled order, a fill, SOL collateral, a fired alert with its history, an audited admin change."""
    await wait_until(
        lambda: client.request("market.state", market="ETH-PERP"), what="prices on every market", ignore=(ApiError,)
    )
    await client.request("account.deposit", amount="10", asset="SOL")
    await client.request("order.place", market="SOL-PERP", side="buy", size="1", type="market")
    state = await client.request("market.state", market="SOL-PERP")
    below = f"{state['oracle_price'] * 95 // 100 // 1000 / 1000:.3f}"
    await client.request("order.place", market="SOL-PERP", side="buy", size="1", price=below)
    cancel = await client.request("order.place", market="SOL-PERP", side="buy", size="1", price=below)
    await client.request("order.cancel", order_id=cancel["orders"][0]["order_id"])
    await client.request("alert.add", kind="price_above", market="SOL-PERP", level=1)
    await client.request("alert.add", kind="oracle_stale")
    await client.request("admin.update_market", market="SOL-PERP", params={"taker_fee": 600})
    await client.request("link.set", group="1", market="SOL-PERP")
    await wait_until(lambda: backend.services.alerts.history(1), what="the price alert's firing in its history")
    await wait_until(lambda: filled(client), what="the market order filled after its auction, its fill stored")


async def filled(client) -> bool:
    fills = (await client.request("fills"))["fills"]
    return bool(fills) and bool((await client.request("positions"))["positions"])


ARGS: dict[str, dict[str, Any]] = {
    "orders": {"status": "all"},
    "book": {"market": "SOL-PERP", "depth": 8},
    "link.set": {"group": "1", "market": "SOL-PERP"},
    "quote": {"market": "SOL-PERP"},
    "candles": {"market": "SOL-PERP", "tf": "1m", "limit": 60},
}


async def test_every_fake_reply_has_the_keys_and_types_of_the_real_ops_reply(backend, client):
    await populated(client, backend)
    fake = FakeClient()
    diffs, real = {}, {}
    for op in [*replies(), "quote", "candles"]:
        real[op] = await client.request(op, **ARGS.get(op, {}))
        diff = shape_diff(await fake.request(op, **ARGS.get(op, {})), real[op])
        if diff:
            diffs[op] = diff
    assert diffs == {}
    samples = {  # what was compared item by item: none of these lists was empty on the real side
        "orders": len(real["orders"]["orders"]),
        "fills": len(real["fills"]["fills"]),
        "positions": len(real["positions"]["positions"]),
        "collateral": len(real["account"]["account"]["collateral"]),
        "alerts": len(real["alert.list"]["alerts"]),
        "history": len(real["alert.history"]["history"]),
        "audit": len(real["admin.audit"]["audit"]),
        "exposure": len(real["risk.report"]["exposure"]["by_market"]),
        "monitored positions": len(real["risk.monitor"]["accounts"][0]["positions"]),
    }
    assert samples == {
        "orders": 3,
        "fills": 1,
        "positions": 1,
        "collateral": 2,
        "alerts": 2,
        "history": 1,
        "audit": 1,
        "exposure": 1,
        "monitored positions": 1,
    }
