"""One fee rule for every fill: the fee is charged on the notional rounded up (what the buyer pays),
and the fee itself is rounded up, for takers and makers, book and JIT alike; orders whose notional
is beyond 64-bit amounts are refused with MATH_OVERFLOW."""

from __future__ import annotations

import pytest

from programs.quantdesk_perp.errors import EngineError, ErrorCode
from programs.quantdesk_perp.events import OrderFilled
from programs.quantdesk_perp.queries import collateral_ledger
from programs.quantdesk_perp.state import State, state_to_bytes
from tests.programs.engine.helpers import SOL, B, P, Side, ctx, fund, ix, limit, market, position, process, usdc

ODD_PRICE = 100_000_333  # 0.003 SOL at 100.000333 = 0.300000999 USD: paid 300_001, received 300_000
SIZE = 3_000_000


def odd_market(**params: int) -> State:
    """Tick 0.000001 and step 0.001 so a notional can fall between two quote units; 5 bps taker, 2 maker."""
    s = State()
    process(
        s, ix.InitializeMarket(SOL, "SOL-PERP", "SOL", "USD", 100 * P, 1, 1_000_000, 1_000_000, 10, 1000, 500), ctx()
    )
    settings = {
        "taker_fee": 500,
        "maker_fee": 200,
        "amm_depth": 0,
        "auction_duration_slots": 0,
        "circuit_breaker_pct": 0,
        **params,
    }
    process(s, ix.UpdateMarketParameters(SOL, **settings), ctx())
    for who in ("alice", "bob", "mm"):
        fund(s, who, 1000 * P)
    return s


def only_fill(events: list) -> OrderFilled:
    [fill] = [e for e in events if isinstance(e, OrderFilled)]
    return fill


def test_a_selling_taker_and_its_maker_pay_fees_on_the_notional_rounded_up():
    s = odd_market()
    process(s, limit("alice", Side.BUY, SIZE, ODD_PRICE), ctx())
    fill = only_fill(process(s, market("bob", Side.SELL, SIZE), ctx()))
    # fees on 300_001: taker 5 bps = 150.0005 -> 151, maker 2 bps = 60.0002 -> 61 (both were computed
    # on the 300_000 the seller receives before: 150 and 60, in the users' favour)
    assert (fill.quote, fill.taker_fee, fill.maker_fee) == (300_000, 151, 61)
    assert usdc(s, "bob") == 1000 * P - 151 and usdc(s, "alice") == 1000 * P - 61
    assert (position(s, "bob").quote_entry, position(s, "alice").quote_entry) == (300_000, -300_001)
    assert s.markets[SOL].fee_pool == 1 + 151 + 61  # rounding dust and both fees
    assert collateral_ledger(s)[0] == collateral_ledger(s)[1]


def test_a_buying_taker_and_its_maker_pay_fees_on_the_same_rounded_up_notional():
    s = odd_market()
    process(s, limit("alice", Side.SELL, SIZE, ODD_PRICE), ctx())
    fill = only_fill(process(s, market("bob", Side.BUY, SIZE), ctx()))
    assert (fill.quote, fill.taker_fee, fill.maker_fee) == (300_001, 151, 61)  # the maker's was 60
    assert s.markets[SOL].fee_pool == 1 + 151 + 61
    assert collateral_ledger(s)[0] == collateral_ledger(s)[1]


def test_a_jit_maker_pays_its_fee_on_the_notional_rounded_up():
    s = odd_market()
    process(s, ix.ProvideJitLiquidity("mm", 0, SOL, SIZE, 0), ctx(ODD_PRICE))  # quotes the oracle
    fill = only_fill(process(s, market("bob", Side.BUY, SIZE), ctx(ODD_PRICE)))
    assert (fill.maker_authority, fill.price, fill.quote) == ("mm", ODD_PRICE, 300_001)
    assert (fill.taker_fee, fill.maker_fee) == (151, 61)  # the JIT maker's was 60
    assert usdc(s, "mm") == 1000 * P - 61
    assert collateral_ledger(s)[0] == collateral_ledger(s)[1]


def test_an_order_whose_notional_is_beyond_64_bit_amounts_is_refused_with_math_overflow():
    s = odd_market()
    before = state_to_bytes(s)
    huge = limit("alice", Side.BUY, 10**9 * B, 10_000 * P)  # 1e13 USD: beyond 2**63 micro-USD
    with pytest.raises(EngineError) as err:
        process(s, huge, ctx())
    assert err.value.code == ErrorCode.MATH_OVERFLOW
    assert state_to_bytes(s) == before
