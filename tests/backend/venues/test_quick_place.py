"""`order.place` as the API runs it (`TradingOps.start_place`, a quick op): the same order, reply and
refusals as `op_place`, with the reply ready when the commit is."""

from __future__ import annotations

import msgspec
import pytest

from backend.api.protocol import encode

from backend.domain.errors import DomainError

B, P = 10**9, 10**6


async def test_a_quick_place_replies_once_committed_with_what_op_place_returns(venue, trading):
    pending = trading.start_place(
        None, {"market": "SOL-PERP", "side": "buy", "size": "1", "price": "140", "tif": "ioc"}
    )
    assert not pending.done.done()  # applied and queued; the reply waits for the group commit
    await pending.done
    result = pending.result()  # the views themselves: the reply's encoder writes them as op_place's plain data
    assert encode(result) == encode(msgspec.to_builtins(result))
    [order] = msgspec.to_builtins(result)["orders"]
    assert result["fills"] == []
    assert (order["status"], order["size"], order["price"], order["tif"], order["reason"]) == (
        "cancelled",
        B,
        140 * P,
        "ioc",
        "immediate-or-cancel remainder",
    )
    stored = venue.store._read_conn.execute("SELECT status FROM orders WHERE order_id = ?", (order["order_id"],))
    assert stored.fetchall() == [("cancelled",)]


async def test_a_quick_place_and_op_place_reply_alike_for_the_same_order(venue, trading):
    order = {"market": "SOL-PERP", "side": "buy", "size": "1", "price": "140", "client_id": 7}  # rests
    pending = trading.start_place(None, order)
    await pending.done
    quick = msgspec.json.decode(encode(pending.result()))
    slow = await trading.op_place(None, order)
    assert [o["order_id"] for o in slow["orders"]] == [o["order_id"] + 1 for o in quick["orders"]]
    for reply in (quick, slow):  # the second order's id is its own; the rest is the same
        for record in reply["orders"]:
            record.pop("order_id")
    assert quick == slow
    assert quick["orders"][0]["status"] == "open" and quick["orders"][0]["client_id"] == "7"


async def test_a_quick_place_refused_by_pre_trade_raises_and_publishes_the_rejection(venue, trading):
    rejected = venue.bus.subscribe("orders")
    with pytest.raises(DomainError) as refused:
        trading.start_place(None, {"market": "SOL-PERP", "side": "buy", "size": "1", "price": "100"})
    assert refused.value.code == "RISK_PRICE_BAND"
    [(_, view)] = rejected.drain()
    assert (view.order_id, view.status, view.market, view.side, view.reason) == (
        0,
        "rejected",
        "SOL-PERP",
        "buy",
        refused.value.message,
    )


async def test_a_quick_place_refused_by_the_engine_speaks_the_engines_code(venue, trading):
    with pytest.raises(DomainError) as refused:
        trading.start_place(None, {"market": "SOL-PERP", "side": "buy", "size": "1", "price": "150", "sub_account": 9})
    assert (refused.value.code, refused.value.message) == ("UNKNOWN_ACCOUNT", "no account paper/9; create it first")
