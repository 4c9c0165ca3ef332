"""`quantdesk twap` and `quantdesk iceberg` send their request struct (defaults omitted) and say what was placed,
as every order command does (`commands/trading.py: place`)."""

from __future__ import annotations

import argparse

from quantdesk_tui.commands.trading import iceberg, twap
from tests.tui.fakes import FakeClient


def parent(order_id: int, order_type: str, price: int = 0) -> dict:
    return {
        "order_id": order_id,
        "side": "buy",
        "size": 10 * 10**9,
        "market": "SOL-PERP",
        "order_type": order_type,
        "status": "open",
        "price": price,
    }


async def test_twap_sends_its_request_and_says_the_parent_it_placed():
    client = FakeClient()
    client.replies["order.twap"] = {"orders": [parent(9, "twap")]}
    typed = argparse.Namespace(
        market="SOL-PERP", side="buy", size="10", duration=600, interval=30, limit=None, reduce_only=False, sub=0
    )
    result, text = await twap(client, typed)
    assert client.requests[-1] == (
        "order.twap",
        {"market": "SOL-PERP", "side": "buy", "size": "10", "duration": 600, "interval": 30},
    )
    assert (result, text) == (client.replies["order.twap"], "order 9: buy 10 SOL-PERP twap open")


async def test_iceberg_sends_its_request_and_says_the_parent_and_its_price():
    client = FakeClient()
    client.replies["order.iceberg"] = {"orders": [parent(10, "iceberg", 150_500_000)]}
    typed = argparse.Namespace(
        market="SOL-PERP", side="buy", size="10", display="2", limit="150.5", reduce_only=True, sub=1
    )
    _result, text = await iceberg(client, typed)
    assert client.requests[-1] == (
        "order.iceberg",
        {
            "market": "SOL-PERP",
            "side": "buy",
            "size": "10",
            "display": "2",
            "price": "150.5",
            "reduce_only": True,
            "sub_account": 1,
        },
    )
    assert text == "order 10: buy 10 SOL-PERP iceberg open @ 150.5"
