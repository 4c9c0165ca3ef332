"""The curve re-pegs to the oracle (Drift's _update_amm): after a large buy the next crank moves the
peg so the reserve price is the oracle again, the fee pool books the cost (or revenue), a round trip
cannot make money, and a repeg the fee pool cannot pay goes only as far as it allows."""

from __future__ import annotations

import pytest

from programs.quantdesk_perp.errors import EngineError
from programs.quantdesk_perp.events import AmmRepegged
from programs.quantdesk_perp.math import amm
from programs.quantdesk_perp.queries import amm_quotes
from programs.quantdesk_perp.state import State, copy_state
from tests.programs.engine.helpers import (
    SLOT0,
    SOL,
    B,
    P,
    Side,
    ctx,
    fund,
    ix,
    market,
    new_state,
    position,
    process,
    usdc,
)

ORACLE = 143_910_000  # 143.91, the oracle
DEPTH = 10_000 * B  # SOL-PERP's default virtual depth (a million minimum orders of 0.01)
BUY = 91_700_000_000  # 91.7 SOL


def repegs(events: list) -> list[AmmRepegged]:
    return [e for e in events if isinstance(e, AmmRepegged)]


def bought(**params: int) -> State:
    """SOL-PERP with SOL's default curve (5 bps half spread) and a 5 bps taker fee; alice bought 91.7 SOL."""
    s = new_state(amm_depth=DEPTH, amm_half_spread=500, taker_fee=500, **params)
    fund(s, "alice", 100_000 * P)
    process(s, market("alice", Side.BUY, BUY), ctx(ORACLE))
    return s


def test_a_crank_after_a_large_buy_moves_the_peg_back_to_the_oracle_and_books_the_revenue():
    s = bought()
    m = s.markets[SOL]
    assert m.amm_peg == ORACLE and m.amm.base == -BUY and m.fee_pool == 6_662_670  # the buy's taker fee
    # leaning against the AMM's short: 143.91 * (10000 / 9908.3)^2 = 146.586.. mid, +-5 bps
    assert amm_quotes(s, SOL, ctx(ORACLE)) == (146_512_769, 146_659_356)
    [repeg] = repegs(process(s, ix.Crank(), ctx(ORACLE, slot=SLOT0 + 1)))
    x = DEPTH - BUY  # base reserve 9,908.3
    # peg = oracle * x^2 / depth^2 = 141.282792.. (half up); cost = depth * 91.7 / x * delta peg, rounded up
    assert (2 * ORACLE * x * x + DEPTH * DEPTH) // (2 * DEPTH * DEPTH) == 141_282_792 == m.amm_peg
    assert -(-DEPTH * BUY * (141_282_792 - ORACLE) // (x * B)) == -243_144_609  # the users' longs lost that
    assert repeg == AmmRepegged(SOL, ORACLE, 141_282_792, -243_144_609, ORACLE)
    assert (m.fee_pool, m.amm_balance) == (6_662_670 + 243_144_609, -243_144_609)  # the AMM owes it back on close
    assert amm.reserves(DEPTH, m.amm.base) == (9_908_300_000_000, 10_092_548_671_315)
    assert amm.mid_price(m.amm_peg, DEPTH, m.amm.base) == ORACLE
    assert amm_quotes(s, SOL, ctx(ORACLE)) == (143_838_045, 143_981_956)  # oracle -+ 5 bps
    assert repegs(process(s, ix.Crank(), ctx(ORACLE, slot=SLOT0 + 2))) == []  # pegged: nothing more to do


def test_a_round_trip_buy_repeg_sell_loses_exactly_spread_impact_and_fees():
    s = bought()
    process(s, ix.Crank(), ctx(ORACLE, slot=SLOT0 + 1))
    process(s, market("alice", Side.SELL, BUY), ctx(ORACLE, slot=SLOT0 + 2))
    pos, m = position(s, "alice"), s.markets[SOL]
    assert (pos.base, pos.realized_pnl, pos.fees_paid) == (0, -256_341_717, 13_197_169)
    assert usdc(s, "alice") - 100_000 * P == -269_538_886 < 0
    # nothing created or lost: the fee pool and the AMM's pnl pool hold exactly what alice lost
    assert m.fee_pool + m.amm_balance == 269_538_886 and m.amm.base == 0 and m.amm.quote_entry == 0


def test_a_repeg_the_fee_pool_cannot_pay_moves_the_peg_only_as_far_as_the_pool_allows():
    s = new_state(amm_depth=1000 * B, amm_half_spread=0, taker_fee=500)
    fund(s, "alice", 10_000 * P)
    process(s, market("alice", Side.BUY, 5 * B), ctx(100 * P))
    m = s.markets[SOL]
    assert m.fee_pool == 251_257
    # the oracle rises past the leaned mid (101.0075..) but within the 1% half band: the longs gain,
    # so the repeg costs; 251,257 buys a peg move of 0.05 (5 * 1000 / 995 * 0.05 = 0.25125628.., up)
    [repeg] = repegs(process(s, ix.Crank(), ctx(101_500_000, slot=SLOT0 + 1)))
    assert repeg == AmmRepegged(SOL, 100 * P, 100_050_000, 251_257, 101_500_000)
    assert (m.fee_pool, m.amm_balance) == (0, 251_257)


def test_a_reserve_price_outside_half_the_max_spread_is_brought_to_its_edge_whatever_it_costs():
    s = new_state(amm_depth=1000 * B, amm_half_spread=0, taker_fee=500)
    fund(s, "alice", 10_000 * P)
    process(s, market("alice", Side.BUY, 5 * B), ctx(100 * P))
    m = s.markets[SOL]
    [repeg] = repegs(process(s, ix.Crank(), ctx(103 * P, slot=SLOT0 + 1)))
    # edge = 103 - 103 * 2% / 2 = 101.97: as Drift, the mark never stays outside the band
    assert repeg == AmmRepegged(SOL, 100 * P, 100_952_849, 4_788_186, 103 * P)
    assert amm.mid_price(m.amm_peg, 1000 * B, m.amm.base) == 101_969_999  # floored
    assert m.fee_pool == 251_257 - 4_788_186 and m.amm_balance == 4_788_186


def test_a_refused_order_leaves_the_peg_and_fee_pool_as_they_were():
    s = new_state(amm_depth=1000 * B, amm_half_spread=0, taker_fee=500)
    fund(s, "alice", 1_000 * P)
    process(s, market("alice", Side.BUY, 5 * B), ctx(100 * P))
    m = s.markets[SOL]
    before = copy_state(s)
    with pytest.raises(EngineError, match="INSUFFICIENT_COLLATERAL"):
        process(s, market("alice", Side.BUY, 500 * B), ctx(100 * P, slot=SLOT0 + 1))  # would re-peg first
    assert s == before and m.amm_peg == 100 * P


def test_an_order_re_pegs_before_it_fills_so_a_stale_lean_gives_no_free_price():
    s = bought()
    fund(s, "bob", 100_000 * P)
    events = process(s, market("bob", Side.SELL, B), ctx(ORACLE, slot=SLOT0 + 1))
    assert [r.new_peg for r in repegs(events)] == [141_282_792]
    [fill] = [e for e in events if type(e).__name__ == "OrderFilled"]
    # 1 SOL into reserve 9,908.3 at the new peg, less 5 bps: 143.8235.., below the oracle, not the 146.51 bid
    assert (fill.quote, fill.price) == (143_823_529, 143_823_529)


def test_replaying_the_instructions_reproduces_the_pegged_state_exactly():
    script = [
        (market("alice", Side.BUY, BUY), ctx(ORACLE)),
        (ix.Crank(), ctx(ORACLE, slot=SLOT0 + 1)),
        (ix.Crank(), ctx(146_000_000, slot=SLOT0 + 2)),
        (market("alice", Side.SELL, BUY // 2), ctx(146 * P, slot=SLOT0 + 3)),
    ]
    runs = []
    for _ in range(2):
        s = new_state(amm_depth=DEPTH, amm_half_spread=500, taker_fee=500)
        fund(s, "alice", 100_000 * P)
        for instruction, c in script:
            process(s, instruction, c)
        runs.append(s)
    assert runs[0] == runs[1] and runs[0].markets[SOL].total_repeg_cost != 0
