"""Every order an instruction creates gets a record and an id, whatever its fate, with a precise reason."""

from __future__ import annotations

B, P = 10**9, 10**6


async def test_ioc_that_fills_at_once_has_an_order_row_and_id(venue, trading):
    result = await trading.op_place(
        None, {"market": "SOL-PERP", "side": "buy", "size": "1", "price": "155", "tif": "ioc"}
    )
    [order] = result["orders"]
    assert (order["status"], order["filled"], order["size"], order["tif"]) == ("filled", B, B, "ioc")
    assert order["reason"] == "filled in full"
    assert [f["order_id"] for f in result["fills"]] == [order["order_id"]]
    history = (await trading.op_orders(None, {"status": "all"}))["orders"]
    assert [o["order_id"] for o in history] == [order["order_id"]]


async def test_unfilled_ioc_returns_its_id_and_the_cancel_reason(venue, trading):
    result = await trading.op_place(
        None, {"market": "SOL-PERP", "side": "buy", "size": "1", "price": "140", "tif": "ioc"}
    )
    [order] = result["orders"]
    assert order["order_id"] > 0 and result["fills"] == []
    assert (order["status"], order["filled"], order["reason"]) == ("cancelled", 0, "immediate-or-cancel remainder")


async def test_fok_and_crossing_limit_filled_in_full_are_recorded(venue, trading):
    fok = (
        await trading.op_place(None, {"market": "SOL-PERP", "side": "sell", "size": "2", "price": "140", "tif": "fok"})
    )["orders"]
    limit = (await trading.op_place(None, {"market": "SOL-PERP", "side": "buy", "size": "1", "price": "160"}))["orders"]
    assert [(o["tif"], o["side"], o["status"], o["filled"]) for o in fok + limit] == [
        ("fok", "sell", "filled", 2 * B),
        ("gtc", "buy", "filled", B),
    ]
    stored = venue.store._read_conn.execute("SELECT order_id, status FROM orders ORDER BY order_id").fetchall()
    assert stored == [(fok[0]["order_id"], "filled"), (limit[0]["order_id"], "filled")]


async def test_iceberg_slices_that_fill_at_once_each_have_a_record(venue, trading):
    result = await trading.op_iceberg(
        None, {"market": "SOL-PERP", "side": "buy", "size": "3", "display": "1", "price": "160"}
    )
    for _ in range(5):
        venue.slot += 1
        venue.crank()
    await venue.store.write(lambda conn: None)
    orders = (await trading.op_orders(None, {"status": "all"}))["orders"]
    parent = next(o for o in orders if o["order_type"] == "iceberg")
    slices = [o for o in orders if o["parent_id"] == parent["order_id"]]
    assert result["orders"][0]["order_id"] == parent["order_id"]
    assert parent["status"] == "filled" and parent["filled"] == 3 * B
    assert [(o["status"], o["filled"]) for o in slices] == [("filled", B)] * 3
    fill_orders = {f["order_id"] for f in (await trading.op_fills(None, {}))["fills"]}
    assert fill_orders == {o["order_id"] for o in slices}


async def test_order_history_lists_every_status_with_its_reason(venue, trading):
    from backend.venues.records import order_history

    placed = await trading.op_place(None, {"market": "SOL-PERP", "side": "buy", "size": "2", "price": "140"})
    order_id = placed["orders"][0]["order_id"]
    await trading.op_cancel(None, {"order_id": order_id})
    ioc = (
        await trading.op_place(None, {"market": "SOL-PERP", "side": "buy", "size": "1", "price": "155", "tif": "ioc"})
    )["orders"][0]
    await venue.store.write(lambda conn: None)
    assert [(h["status"], h["filled"], h["reason"]) for h in order_history(venue, order_id)["history"]] == [
        ("open", 0, ""),
        ("cancelled", 0, "cancelled by user"),
    ]
    assert [(h["status"], h["filled"], h["reason"]) for h in order_history(venue, ioc["order_id"])["history"]] == [
        ("open", 0, ""),
        ("filled", B, "filled in full"),
    ]


async def test_reduce_only_remainder_capped_by_the_position_says_so(venue, trading):
    await trading.op_place(None, {"market": "SOL-PERP", "side": "buy", "size": "1", "price": "155", "tif": "ioc"})
    closing = (
        await trading.op_place(
            None, {"market": "SOL-PERP", "side": "sell", "size": "3", "price": "145", "tif": "ioc", "reduce_only": True}
        )
    )["orders"][0]
    assert (closing["status"], closing["filled"]) == ("cancelled", B)
    assert closing["reason"] == "reduce-only: the position is closed, the rest had nothing to reduce"
    market = await trading.op_place(
        None, {"market": "SOL-PERP", "side": "buy", "size": "1", "price": "155", "tif": "ioc"}
    )
    close = await trading.op_place(
        None, {"market": "SOL-PERP", "side": "sell", "size": "2", "type": "market", "reduce_only": True}
    )
    for _ in range(12):  # the auction runs out over a few slots
        venue.slot += 1
        venue.crank()
    await venue.store.write(lambda conn: None)
    order_id = close["orders"][0]["order_id"]
    assert market["orders"][0]["status"] == "filled"
    assert venue.recent[order_id].reason == "reduce-only: the position is closed, the rest had nothing to reduce"


async def test_withdrawing_more_than_the_balance_is_refused_in_usdc_not_integers(venue, trading):
    import pytest

    from backend.api.protocol import ApiError

    with pytest.raises(ApiError) as err:
        await trading.op_withdraw(None, {"amount": "1000000"})
    assert err.value.code == "INSUFFICIENT_BALANCE"
    assert err.value.message == ("the USDC balance of sub-account 0 is 100000 USDC and 1000000 USDC was asked for")
