"""build_order: the instruction an order request becomes, field by field (it builds PlaceOrder positionally)."""

from __future__ import annotations

from backend.api.protocol import OrderArgs
from backend.domain.orders import build_order
from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.enums import OrderType, Side, TimeInForce

ORACLE = 145 * 10**6


def test_a_gtd_limit_sell_puts_every_field_where_the_keywords_say() -> None:
    args = OrderArgs(
        market="SOL-PERP",
        side="sell",
        size="2.5",
        price="150.25",
        tif="gtd",
        expire=1_900_000_000,
        reduce_only=True,
        post_only=False,
        sub_account=7,
        client_id=42,
    )
    assert build_order(args, "paper", ORACLE) == ix.PlaceOrder(
        authority="paper",
        sub_account=7,
        market_index=0,
        side=Side.SELL,
        order_type=OrderType.LIMIT,
        size=2_500_000_000,
        price=150_250_000,
        trigger_price=None,
        time_in_force=TimeInForce.GTD,
        reduce_only=True,
        post_only=False,
        expire_time=1_900_000_000,
        trailing_offset=None,
        client_order_id=42,
        auction_duration_slots=None,
    )


def test_a_stop_limit_carries_its_trigger_and_limit_price_apart() -> None:
    args = OrderArgs(market="SOL-PERP", side="buy", size="1", type="stop_limit", trigger="150", price="151", tif="ioc")
    instruction = build_order(args, "paper", ORACLE)
    assert (instruction.price, instruction.trigger_price, instruction.time_in_force) == (
        151_000_000,
        150_000_000,
        TimeInForce.IOC,
    )
    assert (instruction.expire_time, instruction.trailing_offset, instruction.client_order_id) == (None, None, 0)


def test_a_trailing_stop_in_percent_gets_its_offset_from_the_oracle_on_the_tick() -> None:
    args = OrderArgs(market="SOL-PERP", side="sell", size="1", type="trailing_stop", trail_pct="2.5")
    instruction = build_order(args, "paper", ORACLE)
    assert instruction == ix.PlaceOrder(
        authority="paper",
        sub_account=0,
        market_index=0,
        side=Side.SELL,
        order_type=OrderType.TRAILING_STOP,
        size=10**9,
        trailing_offset=3_625_000,  # 2.5% of 145, already on the 0.001 tick
    )
