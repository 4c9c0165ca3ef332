"""State snapshots, event records, the order state machine and cross-market margin."""

from __future__ import annotations

from typing import Union

import msgspec
import pytest

from programs.quantdesk_perp.context import Context, OraclePrice
from programs.quantdesk_perp.enums import OrderStatus
from programs.quantdesk_perp.errors import EngineError, ErrorCode
from programs.quantdesk_perp.events import ALL_EVENTS
from programs.quantdesk_perp.orders import LEGAL_TRANSITIONS, transition
from programs.quantdesk_perp.queries import account_margin, book_levels
from programs.quantdesk_perp.state import Order, state_from_bytes, state_to_bytes

from .engine.helpers import (
    SLOT0,
    SOL,
    T0,
    B,
    OrderType,
    P,
    Side,
    ctx,
    fund,
    ix,
    limit,
    market,
    new_state,
    process,
)


def test_snapshot_round_trips_to_an_equal_state_that_keeps_working():
    s = new_state(amm_depth=1000 * B)
    fund(s, "alice", 1000 * P, sol=2 * B)
    fund(s, "bob", 1000 * P)
    process(s, limit("alice", Side.BUY, B, 99 * P), ctx())
    process(s, market("bob", Side.SELL, 2 * B), ctx())
    restored = state_from_bytes(state_to_bytes(s))
    assert restored == s and restored is not s
    step = limit("bob", Side.SELL, B, 101 * P)
    assert process(restored, step, ctx()) == process(s, step, ctx())
    assert restored == s


def test_events_are_immutable_tagged_records():
    s = new_state()
    fund(s, "alice", 1000 * P)
    [placed] = process(s, limit("alice", Side.BUY, B, 99 * P), ctx())
    with pytest.raises(AttributeError):
        placed.size = 5  # type: ignore[misc]
    wire = msgspec.json.encode(placed)
    assert b'"type":"OrderPlaced"' in wire
    assert msgspec.json.decode(wire, type=Union[ALL_EVENTS]) == placed  # noqa: UP007


def test_illegal_order_transition_raises():
    order = Order(1, "a", 0, SOL, Side.BUY, OrderType.LIMIT, OrderStatus.OPEN, B)
    transition(order, OrderStatus.PARTIALLY_FILLED)
    transition(order, OrderStatus.FILLED)
    with pytest.raises(EngineError) as err:
        transition(order, OrderStatus.CANCELLED)
    assert err.value.code == ErrorCode.ILLEGAL_ORDER_TRANSITION
    assert all(not LEGAL_TRANSITIONS[status] for status in (OrderStatus.FILLED, OrderStatus.EXPIRED))


def test_margin_is_cross_market():
    s = new_state()
    process(
        s,
        ix.InitializeMarket(1, "BTC-PERP", "BTC", "USD", 60_000 * P, 100_000, 100_000, 100_000, 20, 500, 250),
        ctx(),
    )
    process(
        s,
        ix.UpdateMarketParameters(1, taker_fee=0, maker_fee=0, amm_depth=0, auction_duration_slots=0),
        ctx(),
    )
    fund(s, "alice", 1000 * P)
    fund(s, "bob", 100_000 * P)
    both = Context(SLOT0, T0, {SOL: OraclePrice(100 * P, 0, SLOT0, T0), 1: OraclePrice(60_000 * P, 0, SLOT0, T0)})
    process(s, limit("bob", Side.SELL, 5 * B, 100 * P), both)
    process(s, limit("alice", Side.BUY, 5 * B, 100 * P), both)  # SOL: 500 notional, 50 initial margin
    btc_sell = ix.PlaceOrder("bob", 0, 1, Side.SELL, OrderType.LIMIT, 10**8, 60_000 * P)
    process(s, btc_sell, both)
    process(s, ix.PlaceOrder("alice", 0, 1, Side.BUY, OrderType.LIMIT, 10**8, 60_000 * P), both)  # 6000, 5%: 300
    summary = account_margin(s, "alice", 0, both)
    assert summary.initial_requirement == 50 * P + 300 * P
    assert summary.notional == 6500 * P and summary.free_collateral == 650 * P
    assert summary.leverage == 65_000  # 6.5x in MARGIN_PRECISION
    with pytest.raises(EngineError) as err:  # resting 0.4 BTC more: 0.5 BTC * 60_000 * 5% = 1500 > 1000 - 50
        process(s, ix.PlaceOrder("alice", 0, 1, Side.BUY, OrderType.LIMIT, 4 * 10**8, 59_000 * P), both)
    assert err.value.code == ErrorCode.INSUFFICIENT_COLLATERAL
    assert book_levels(s, 1) == ([], [])


def test_a_snapshot_from_before_long_short_funding_restarts_each_positions_funding():
    s = new_state()
    fund(s, "alice", 1000 * P)
    fund(s, "bob", 1000 * P)
    process(s, limit("bob", Side.SELL, B, 100 * P), ctx())
    process(s, limit("alice", Side.BUY, B, 100 * P), ctx())
    legacy = msgspec.to_builtins(s)
    for market_doc in legacy["markets"].values():
        market_doc["cumulative_funding"] = 416_666 * 100 * P  # the old single rate, 1e15 scale
    for user_doc in legacy["users"].values():
        for pos in user_doc["positions"].values():
            pos["last_cumulative_funding"] = 416_666 * 100 * P
    restored = state_from_bytes(msgspec.msgpack.encode(legacy))
    assert all(p.last_cumulative_funding == 0 for u in restored.users.values() for p in u.positions.values())
    assert account_margin(restored, "alice", 0, ctx()).unrealized_pnl == 0  # no phantom funding owed


def test_a_snapshot_with_the_margin_ratios_old_names_decodes_to_drifts_names():
    from programs.quantdesk_perp.config import RENAMED_PARAMETERS

    s = new_state()
    fund(s, "alice", 1000 * P)
    process(s, limit("alice", Side.BUY, B, 99 * P), ctx())
    old_name = {new: old for old, new in RENAMED_PARAMETERS.items()}
    legacy = msgspec.to_builtins(s)
    for market_doc in legacy["markets"].values():
        market_doc["config"] = {old_name.get(k, k): v for k, v in market_doc["config"].items()}
    restored = state_from_bytes(msgspec.msgpack.encode(legacy))
    assert restored == s
    config = restored.markets[SOL].config
    assert (config.margin_ratio_initial, config.margin_ratio_maintenance) == (1000, 500)
