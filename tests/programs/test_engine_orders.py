"""Hand-worked exact-integer tests for every order type (book-only market unless the test says)."""

from __future__ import annotations

import pytest

from programs.quantdesk_perp.enums import OrderStatus
from programs.quantdesk_perp.errors import EngineError, ErrorCode
from programs.quantdesk_perp.events import (
    OrderCancelled,
    OrderExpired,
    OrderFilled,
    OrderPlaced,
    OrderTriggered,
)
from programs.quantdesk_perp.processor import crank_state
from programs.quantdesk_perp.queries import book_levels, collateral_ledger

from .engine.helpers import (
    SLOT0,
    SOL,
    T0,
    B,
    OrderType,
    P,
    Side,
    TimeInForce,
    ctx,
    fund,
    ix,
    limit,
    market,
    new_state,
    position,
    process,
    usdc,
)


def fills(events):
    return [e for e in events if isinstance(e, OrderFilled)]


@pytest.fixture
def state():
    s = new_state()
    for who in ("alice", "bob", "carol", "dave"):
        fund(s, who, 10_000 * P)
    return s


def test_market_order_fills_resting_limit_at_maker_price(state):
    process(state, limit("alice", Side.SELL, 2 * B, 101 * P), ctx())
    events = process(state, market("bob", Side.BUY, 1 * B), ctx())
    [fill] = fills(events)
    assert (fill.base, fill.quote, fill.price, fill.maker_order_id) == (B, 101 * P, 101 * P, 1)
    assert (position(state, "bob").base, position(state, "bob").quote_entry) == (B, -101 * P)
    assert (position(state, "alice").base, position(state, "alice").quote_entry) == (-B, 101 * P)
    assert state.orders[1].status == OrderStatus.PARTIALLY_FILLED and state.orders[1].filled == B
    assert book_levels(state, SOL) == ([], [(101 * P, B)])


def test_fees_round_up_and_go_to_the_fee_pool():
    s = new_state(taker_fee=500, maker_fee=200)
    fund(s, "alice", 1000 * P)
    fund(s, "bob", 1000 * P)
    process(s, limit("alice", Side.SELL, B, 100_001_000), ctx())  # 100.001
    [fill] = fills(process(s, market("bob", Side.BUY, B), ctx()))
    # taker: 100.001 * 5 bps = 0.0500005 -> 50_001 (up); maker: 100.001 * 2 bps = 0.0200002 -> 20_001
    assert (fill.taker_fee, fill.maker_fee) == (50_001, 20_001)
    assert usdc(s, "bob") == 1000 * P - 50_001 and usdc(s, "alice") == 1000 * P - 20_001
    assert s.markets[SOL].fee_pool == 70_002
    assert collateral_ledger(s)[0] == collateral_ledger(s)[1]


def test_odd_notional_rounds_against_both_sides():
    from programs.quantdesk_perp.state import State

    s = State()
    process(
        s,
        ix.InitializeMarket(SOL, "SOL-PERP", "SOL", "USD", 100 * P, 1, 1_000_000, 1_000_000, 10, 1000, 500),
        ctx(),
    )
    process(
        s,
        ix.UpdateMarketParameters(SOL, taker_fee=0, maker_fee=0, amm_depth=0, auction_duration_slots=0),
        ctx(),
    )
    fund(s, "alice", 1000 * P)
    fund(s, "bob", 1000 * P)
    process(s, limit("alice", Side.SELL, 3_000_000, 100_000_333), ctx())
    process(s, market("bob", Side.BUY, 3_000_000), ctx())
    # 0.003 SOL * 100.000333 = 0.300000999 USD: the buyer pays 300_001 (up), the seller gets 300_000 (down)
    assert position(s, "bob").quote_entry == -300_001
    assert position(s, "alice").quote_entry == 300_000
    assert s.markets[SOL].fee_pool == 1
    assert collateral_ledger(s)[0] == collateral_ledger(s)[1]


def test_limit_order_partially_fills_then_rests(state):
    process(state, limit("alice", Side.SELL, 2 * B, 100 * P), ctx())
    events = process(state, limit("bob", Side.BUY, 3 * B, 101 * P), ctx())
    assert [f.base for f in fills(events)] == [2 * B]
    order = state.orders[2]
    assert order.status == OrderStatus.PARTIALLY_FILLED and order.remaining == B
    assert book_levels(state, SOL) == ([(101 * P, B)], [])
    assert position(state, "bob").open_bids == B


def test_price_time_priority(state):
    process(state, limit("carol", Side.SELL, B, 100 * P), ctx())
    process(state, limit("dave", Side.SELL, B, 100 * P), ctx())
    process(state, limit("alice", Side.SELL, B, 99 * P), ctx())
    events = process(state, market("bob", Side.BUY, 2 * B), ctx())
    assert [(f.maker_authority, f.price) for f in fills(events)] == [("alice", 99 * P), ("carol", 100 * P)]


def test_ioc_remainder_is_cancelled(state):
    process(state, limit("alice", Side.SELL, B, 100 * P), ctx())
    events = process(state, limit("bob", Side.BUY, 2 * B, 100 * P, time_in_force=TimeInForce.IOC), ctx())
    assert fills(events)[0].base == B
    assert any(isinstance(e, OrderCancelled) for e in events)
    assert 2 not in state.orders and book_levels(state, SOL) == ([], [])


def test_fok_refused_when_not_fully_fillable_and_fills_when_it_is(state):
    process(state, limit("alice", Side.SELL, B, 100 * P), ctx())
    with pytest.raises(EngineError) as err:
        process(state, limit("bob", Side.BUY, 2 * B, 100 * P, time_in_force=TimeInForce.FOK), ctx())
    assert err.value.code == ErrorCode.FOK_NOT_FILLED
    events = process(state, limit("bob", Side.BUY, B, 100 * P, time_in_force=TimeInForce.FOK), ctx())
    assert fills(events)[0].base == B


def test_post_only_would_cross_is_refused(state):
    process(state, limit("alice", Side.SELL, B, 100 * P), ctx())
    with pytest.raises(EngineError) as err:
        process(state, limit("bob", Side.BUY, B, 100 * P, post_only=True), ctx())
    assert err.value.code == ErrorCode.POST_ONLY_WOULD_CROSS
    process(state, limit("bob", Side.BUY, B, 99_999_000, post_only=True), ctx())
    assert book_levels(state, SOL)[0] == [(99_999_000, B)]


def test_self_trade_prevention_cancels_the_resting_order(state):
    process(state, limit("alice", Side.SELL, B, 100 * P), ctx())
    process(state, limit("bob", Side.SELL, B, 101 * P), ctx())
    events = process(state, market("alice", Side.BUY, B), ctx())
    assert any(isinstance(e, OrderCancelled) and e.order_id == 1 for e in events)
    assert fills(events)[0].maker_authority == "bob"


def _long_alice(state, size=B, price=100 * P):
    process(state, limit("bob", Side.SELL, size, price), ctx())
    process(state, market("alice", Side.BUY, size), ctx())


def _alice_closes(state, order_type, **prices):
    """Alice's reduce-only sell of B, the conditional order that closes the long `_long_alice` opened."""
    order = ix.PlaceOrder("alice", 0, SOL, Side.SELL, order_type, B, reduce_only=True, **prices)
    return process(state, order, ctx())


def test_stop_market_triggers_at_the_oracle_and_fills(state):
    _long_alice(state)
    stop_id = _alice_closes(state, OrderType.STOP_MARKET, trigger_price=95 * P)[0].order_id
    assert state.orders[stop_id].status == OrderStatus.PENDING_TRIGGER
    process(state, limit("carol", Side.BUY, B, 95 * P), ctx())
    assert crank_state(state, ctx(96 * P, SLOT0 + 1)) == []
    events = crank_state(state, ctx(95 * P, SLOT0 + 2))
    assert any(isinstance(e, OrderTriggered) for e in events)
    [fill] = fills(events)
    assert (fill.taker_order_id, fill.quote) == (stop_id, 95 * P)
    assert position(state, "alice").base == 0 and position(state, "alice").realized_pnl == -5 * P


@pytest.mark.parametrize(
    ("order_type", "limit_price", "trigger"),
    [(OrderType.STOP_LIMIT, 94 * P, 95 * P), (OrderType.TAKE_PROFIT_LIMIT, 111 * P, 110 * P)],
    ids=["stop_limit", "take_profit_limit"],
)
def test_stop_and_take_profit_limits_rest_at_their_limit_after_trigger(state, order_type, limit_price, trigger):
    _long_alice(state)
    _alice_closes(state, order_type, price=limit_price, trigger_price=trigger)
    crank_state(state, ctx(trigger, SLOT0 + 1))
    assert book_levels(state, SOL)[1] == [(limit_price, B)]


def test_take_profit_market_triggers_above_for_a_long(state):
    _long_alice(state)
    _alice_closes(state, OrderType.TAKE_PROFIT_MARKET, trigger_price=110 * P)
    process(state, limit("carol", Side.BUY, B, 110 * P), ctx())
    assert fills(crank_state(state, ctx(109 * P, SLOT0 + 1))) == []
    [fill] = fills(crank_state(state, ctx(110 * P, SLOT0 + 2)))
    assert fill.quote == 110 * P and position(state, "alice").realized_pnl == 10 * P


def test_trailing_stop_follows_the_high_and_fires_on_the_pullback(state):
    _long_alice(state)
    order_id = _alice_closes(state, OrderType.TRAILING_STOP, trailing_offset=5 * P)[0].order_id
    assert state.orders[order_id].trigger_price == 95 * P
    crank_state(state, ctx(110 * P, SLOT0 + 1))
    assert state.orders[order_id].trigger_price == 105 * P
    process(state, limit("carol", Side.BUY, B, 105 * P), ctx(110 * P, SLOT0 + 1))
    assert fills(crank_state(state, ctx(106 * P, SLOT0 + 2))) == []
    [fill] = fills(crank_state(state, ctx(105 * P, SLOT0 + 3)))
    assert fill.quote == 105 * P and position(state, "alice").realized_pnl == 5 * P


def test_gtd_order_expires_in_the_crank(state):
    process(state, limit("alice", Side.BUY, B, 99 * P, time_in_force=TimeInForce.GTD, expire_time=T0 + 60), ctx())
    assert crank_state(state, ctx(t=T0 + 59)) == []
    events = crank_state(state, ctx(t=T0 + 60))
    assert events == [OrderExpired(1)] and book_levels(state, SOL) == ([], [])
    assert position(state, "alice").open_bids == 0


def test_oco_one_side_triggers_and_cancels_the_other(state):
    _long_alice(state)
    events = process(state, ix.PlaceOcoOrder("alice", 0, SOL, Side.SELL, B, 110 * P, 95 * P), ctx())
    tp_id, sl_id = [e.order_id for e in events if isinstance(e, OrderPlaced)]
    process(state, limit("carol", Side.BUY, B, 95 * P), ctx())
    events = crank_state(state, ctx(95 * P, SLOT0 + 1))
    assert OrderCancelled(tp_id, "other side of OCO triggered") in events
    assert fills(events)[0].taker_order_id == sl_id
    assert tp_id not in state.orders and sl_id not in state.orders


def test_bracket_legs_arm_when_the_entry_fills_and_become_an_oco(state):
    events = process(
        state,
        ix.PlaceBracketOrder("alice", 0, SOL, Side.BUY, 2 * B, 110 * P, 95 * P, entry_price=100 * P),
        ctx(),
    )
    entry_id = events[-1].order_id
    tp_id, sl_id = [e.order_id for e in events if isinstance(e, OrderPlaced) and e.order_id != entry_id]
    assert state.orders[tp_id].status == OrderStatus.PENDING_ENTRY
    assert crank_state(state, ctx(90 * P, SLOT0 + 1)) == []  # unarmed legs ignore the price
    process(state, market("bob", Side.SELL, B), ctx())  # entry half fills
    assert state.orders[tp_id].status == OrderStatus.PENDING_TRIGGER and state.orders[tp_id].size == B
    process(state, limit("carol", Side.BUY, B, 110 * P), ctx())
    events = crank_state(state, ctx(110 * P, SLOT0 + 2))
    assert fills(events)[0].taker_order_id == tp_id
    assert OrderCancelled(sl_id, "other side of OCO triggered") in events
    assert position(state, "alice").base == 0


def test_bracket_cancelled_unfilled_cancels_its_legs(state):
    events = process(
        state, ix.PlaceBracketOrder("alice", 0, SOL, Side.BUY, B, 110 * P, 95 * P, entry_price=99 * P), ctx()
    )
    entry_id = events[-1].order_id
    process(state, ix.CancelOrder("alice", 0, entry_id), ctx())
    assert state.orders == {}
    assert position(state, "alice").open_bids == 0


def test_twap_sends_equal_chunks_on_its_interval(state):
    process(state, limit("bob", Side.SELL, 10 * B, 100 * P), ctx())
    events = process(state, ix.PlaceTwapOrder("alice", 0, SOL, Side.BUY, 4 * B, 40, 10, 101 * P), ctx())
    parent = events[0].order_id
    chunks = []
    for k in range(5):
        chunks.append(sum(f.base for f in fills(crank_state(state, ctx(t=T0 + 10 * k, slot=SLOT0 + k)))))
    assert chunks == [B, B, B, B, 0]
    assert parent not in state.orders and position(state, "alice").base == 4 * B


def test_execute_twap_chunk_refuses_when_not_due(state):
    process(state, limit("bob", Side.SELL, 10 * B, 100 * P), ctx())
    parent = process(state, ix.PlaceTwapOrder("alice", 0, SOL, Side.BUY, 2 * B, 20, 10), ctx())[0].order_id
    process(state, ix.ExecuteTwapChunk(parent), ctx())
    with pytest.raises(EngineError) as err:
        process(state, ix.ExecuteTwapChunk(parent), ctx(t=T0 + 9))
    assert err.value.code == ErrorCode.NOT_DUE


def test_iceberg_shows_one_slice_at_a_time(state):
    process(state, ix.PlaceIcebergOrder("alice", 0, SOL, Side.SELL, 3 * B, B, 100 * P), ctx())
    assert book_levels(state, SOL)[1] == [(100 * P, B)]
    events = process(state, market("bob", Side.BUY, 2 * B), ctx())
    assert [f.base for f in fills(events)] == [B, B]  # the refill joins the back of the level
    assert book_levels(state, SOL)[1] == [(100 * P, B)]
    process(state, market("bob", Side.BUY, B), ctx())
    assert state.orders == {} and position(state, "alice").base == -3 * B


def test_modify_reprices_and_loses_time_priority(state):
    process(state, limit("alice", Side.SELL, B, 101 * P), ctx())
    process(state, limit("carol", Side.SELL, B, 100 * P), ctx())
    process(state, ix.ModifyOrder("alice", 0, 1, price=100 * P), ctx())
    events = process(state, market("bob", Side.BUY, B), ctx())
    assert fills(events)[0].maker_authority == "carol"


def test_cancel_one_by_market_and_all(state):
    for price in (97, 98, 99):
        process(state, limit("alice", Side.BUY, B, price * P), ctx())
    process(state, ix.CancelOrder("alice", 0, 2), ctx())
    assert sorted(state.orders) == [1, 3]
    process(state, ix.CancelOrders("alice", 0, SOL), ctx())
    assert state.orders == {} and position(state, "alice").open_bids == 0
    process(state, limit("alice", Side.BUY, B, 97 * P), ctx())
    process(state, ix.CancelOrders("alice", 0, None), ctx())
    assert state.orders == {}


def test_amm_fill_is_exact_on_the_curve():
    s = new_state(amm_depth=1000 * B, amm_half_spread=0)
    s.markets[SOL].config.curve_update_intensity = 0  # the curve rides the oracle: test_engine_repeg.py re-pegs
    fund(s, "alice", 10_000 * P)
    [fill] = fills(process(s, market("alice", Side.BUY, 5 * B), ctx()))
    # k = 100 * 1000^2; buying 5 of 1000: cost = 100 * 5 * 1000 / 995 = 502.5125628.. USD, rounded up
    assert fill.quote == 502_512_563 and fill.maker_authority == ""
    assert s.markets[SOL].amm.base == -5 * B
    [fill] = fills(process(s, market("alice", Side.SELL, 5 * B), ctx()))
    # selling 5 back into reserve 995: 100 * 5 * 1000^2 / (995 * 1000) = 502.5125628.. USD, rounded down
    assert fill.quote == 502_512_562
    assert position(s, "alice").realized_pnl == -1


def test_amm_never_fills_past_the_auction_band():
    s = new_state(amm_depth=1000 * B, amm_half_spread=0)
    fund(s, "alice", 10_000 * P)
    # marginal ask 100 * 1000^2 / (1000 - x)^2 reaches 102 (oracle + 2%) at x = 9.85 SOL
    [fill] = fills(process(s, market("alice", Side.BUY, 10 * B), ctx()))
    assert fill.base == 9_850_000_000 and s.orders == {}


def test_amm_slippage_grows_with_size():
    s = new_state(amm_depth=1000 * B, amm_half_spread=0)
    fund(s, "alice", 100_000 * P)
    small = fills(process(s, market("alice", Side.BUY, B), ctx()))[0].price
    s2 = new_state(amm_depth=1000 * B, amm_half_spread=0)
    fund(s2, "alice", 100_000 * P)
    large = fills(process(s2, market("alice", Side.BUY, 15 * B), ctx()))[0].price
    assert 100 * P < small < large <= 102 * P


def test_market_order_auction_lets_jit_maker_fill_before_the_curve():
    s = new_state(amm_depth=1000 * B, amm_half_spread=0, auction_duration_slots=4)
    fund(s, "alice", 10_000 * P)
    fund(s, "mm", 10_000 * P)
    process(s, ix.ProvideJitLiquidity("mm", 0, SOL, 3 * B, 1000), ctx())  # quotes 100.1
    events = process(s, market("alice", Side.BUY, 5 * B), ctx())
    assert fills(events) == []  # auction starts at the oracle, 100
    events = crank_state(s, ctx(slot=SLOT0 + 1))  # auction price 100 + 2 * 1/4 = 100.5
    [fill] = fills(events)
    assert (fill.maker_authority, fill.base, fill.price) == ("mm", 3 * B, 100_100_000)
    assert fills(crank_state(s, ctx(slot=SLOT0 + 2))) == []
    events = crank_state(s, ctx(slot=SLOT0 + 4))  # auction over: the curve fills the rest
    [fill] = fills(events)
    assert fill.maker_authority == "" and fill.base == 2 * B
    assert position(s, "alice").base == 5 * B and s.orders == {}


def test_resting_limit_fills_against_the_curve_when_the_oracle_moves():
    s = new_state(amm_depth=1000 * B, amm_half_spread=0)
    fund(s, "alice", 10_000 * P)
    process(s, limit("alice", Side.BUY, B, 99 * P), ctx())
    assert fills(crank_state(s, ctx(100 * P, SLOT0 + 1))) == []
    [fill] = fills(crank_state(s, ctx(98 * P, SLOT0 + 2)))
    assert fill.maker_order_id == 1 and fill.base == B and fill.price <= 99 * P
