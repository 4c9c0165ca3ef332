"""Replay mode (processor.replay): a journaled instruction applies as it did live, except that a
PlaceOrder skips the checks whose only outcome is a refusal (replay = live is the property test's)."""

from __future__ import annotations

import pytest

from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.constants import BASE_PRECISION as B
from programs.quantdesk_perp.constants import PRICE_PRECISION as P
from programs.quantdesk_perp.enums import CollateralAsset, OrderStatus, Side
from programs.quantdesk_perp.errors import EngineError, ErrorCode
from programs.quantdesk_perp.processor import process, replay
from programs.quantdesk_perp.state import state_to_bytes

from .engine.helpers import SOL, ctx, fund, limit, market, new_state


def test_an_acked_order_replays_even_where_a_stricter_margin_rule_now_refuses_it():
    order = limit("alice", Side.BUY, 9 * B, 100 * P)  # 900 USD of bids on 100 USD: 90 at 10% IMR
    live = new_state()
    fund(live, "alice", 100 * P)
    live_events = process(live, order, ctx())
    strict = new_state(margin_ratio_initial=2000)  # 180 at 20%: live refuses it now
    fund(strict, "alice", 100 * P)
    before = state_to_bytes(strict)
    with pytest.raises(EngineError) as refused:
        process(strict, order, ctx())
    assert refused.value.code == ErrorCode.INSUFFICIENT_COLLATERAL and state_to_bytes(strict) == before
    assert replay(strict, order, ctx()) == live_events
    assert strict.orders[1].status == OrderStatus.OPEN and strict.orders[1].size == 9 * B
    assert strict.users[("alice", 0)].positions[SOL].open_bids == 9 * B
    assert strict.markets[SOL].bid_prices == [100 * P]


def test_a_replayed_reduce_only_order_is_still_clipped_to_the_position():
    state = new_state()
    fund(state, "alice", 1_000 * P)
    fund(state, "bob", 1_000 * P)
    process(state, limit("bob", Side.SELL, 5 * B, 100 * P), ctx())
    process(state, market("alice", Side.BUY, 2 * B), ctx())  # alice is long 2
    process(state, limit("bob", Side.BUY, 5 * B, 100 * P), ctx())
    replay(state, market("alice", Side.SELL, 3 * B, reduce_only=True), ctx())
    assert state.users[("alice", 0)].positions[SOL].base == 0  # 2 of the 3 filled, not short 1
    assert state.orders[3].filled == 2 * B  # bob's bid took the 2, and rests with 3 left


def test_replay_mode_leaves_the_other_instructions_checks_in_place():
    state = new_state()
    fund(state, "alice", 100 * P)
    before = state_to_bytes(state)
    with pytest.raises(EngineError) as refused:
        replay(state, ix.WithdrawTokens("alice", 0, CollateralAsset.USDC, 101 * P), ctx())
    assert refused.value.code == ErrorCode.INSUFFICIENT_BALANCE and state_to_bytes(state) == before
