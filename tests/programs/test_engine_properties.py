"""Property tests: conservation, replay = live (through bytes too), reduce-only, free collateral,
and the Drift liquidation paths: escalating fees, per-call caps, bankruptcy resolved, socialized
loss charged to both sides; monotone margin math."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.enums import MarginRequirementType, Side
from programs.quantdesk_perp.errors import EngineError
from programs.quantdesk_perp.events import Liquidated, SocializedLoss
from programs.quantdesk_perp.liquidation import is_bankrupt
from programs.quantdesk_perp.math.fixed import round_up_to
from programs.quantdesk_perp.math.liquidation import (
    NO_LIMIT,
    base_to_cover_margin_shortage,
    liquidation_fee,
    max_liquidation_fee,
)
from programs.quantdesk_perp.math.margin import margin_ratio, requirement, unrealized_asset_weight
from programs.quantdesk_perp.processor import process
from programs.quantdesk_perp.processor import replay as replay_mode
from programs.quantdesk_perp.queries import account_margin, collateral_ledger
from programs.quantdesk_perp.risk import account_margin as risk_margin
from programs.quantdesk_perp.risk import free_collateral, liquidation_buffer_ratio
from programs.quantdesk_perp.state import State, state_from_bytes, state_to_bytes

from .engine.strategies import SOL, STEP, T0, USERS, build, context, scripts

P = 10**6
LIQUIDATIONS = (ix.LiquidatePosition, ix.LiquidatePositionCrossCollateral, ix.LiquidatePerpPnlForDeposit)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def fresh() -> tuple[State, list]:
    state = State()
    journal: list = []
    setup = [
        ix.InitializeMarket(SOL, "SOL-PERP", "SOL", "USD", 100 * P, 1000, 10**7, 10**7, 10, 1000, 500),
        ix.UpdateMarketParameters(
            SOL,
            taker_fee=500,
            maker_fee=200,
            amm_depth=500 * 10**9,
            auction_duration_slots=2,
            liquidator_fee=10_000,
            if_liquidation_fee=5_000,
            imf_factor=5_000,  # IMF_PRECISION: 40 SOL -> initial 800 + 316 bps
            unrealized_pnl_initial_asset_weight=8_000,
            unrealized_pnl_imf_factor=2_000,
            initial_pct_to_liquidate=500,  # a call frees 5% of the shortage, all of it after 255 slots
            liquidation_duration=255,
            quote_max_insurance=60 * P,  # below the fund: bankruptcies reach the fee pool and socialization
            funding_interval=600,
            circuit_breaker_pct=0,
        ),
        ix.DepositInsuranceFund(100 * P),
    ]
    for who in USERS:
        setup += [ix.CreateUserAccount(who, 0), ix.DepositTokens(who, 0, 0, 500 * P)]
    c = context(1000, T0, 100 * P)
    for instruction in setup:
        process(state, instruction, c)
        journal.append((instruction, c))
    return state, journal


def run(script, check=None):
    """Apply a script; returns (state, journal of accepted (instruction, ctx), all events)."""
    state, journal = fresh()
    oracle, slot, t = 100 * P, 1000, T0
    all_events = []
    for op in script:
        instruction = build(op, oracle, state.next_order_id)
        follow_ups = []
        if isinstance(instruction, tuple):
            _, move, dt = instruction
            oracle = max(10 * P, oracle + move)
            slot, t = slot + dt * 100, t + dt * 30  # up to 4_000 slots: liquidator fees escalate
            instruction = ix.Crank()
            # after a price move, whoever is under water gets liquidated (by a peer or a keeper)
            follow_ups = [
                ix.LiquidatePosition(USERS[(n + 1) % 3] if n % 2 else "", 0, who, 0, SOL) for n, who in enumerate(USERS)
            ] + [
                ix.LiquidatePositionCrossCollateral(USERS[(n + 2) % 3], 0, who, 0, 1)
                if n % 2
                else ix.LiquidatePerpPnlForDeposit(USERS[(n + 2) % 3], 0, who, 0, SOL, 1)
                for n, who in enumerate(USERS)
            ]
        c = context(slot, t, oracle)
        for step in [instruction, *follow_ups]:
            before = state_to_bytes(state)
            try:
                events = process(state, step, c)
            except EngineError:
                assert state_to_bytes(state) == before, f"refused {step} changed the state"
                continue
            journal.append((step, c))
            all_events.append(events)
            if check is not None:
                check(state, step, c, before, events)
    return state, journal, all_events


def conservation_check(state, instruction, c, before, events) -> None:
    """After every accepted instruction: collateral conserved, hot path = full margin, no account
    left bankrupt, and every liquidation and socialized loss within Drift's rules."""
    external, held = collateral_ledger(state)
    assert external == held, instruction
    for user in state.users.values():  # the hot-path margin formula agrees with the full one
        assert free_collateral(state, user, c) == risk_margin(state, user, c).free_collateral
        assert not user.bankrupt  # bankruptcies are resolved in the instruction that causes them
    if isinstance(instruction, LIQUIDATIONS):
        # no unaccounted negative collateral: a liquidated account left with debt and nothing else
        # had it covered (insurance, fee pool) or socialized in the same instruction
        assert not is_bankrupt(state.users[(instruction.authority, 0)])
    old = state_from_bytes(before)
    for event in events:
        if isinstance(event, Liquidated):
            check_liquidation(old, event, c)
        elif isinstance(event, SocializedLoss):
            check_socialized(old, state, event)


@SETTINGS
@given(scripts)
def test_collateral_is_conserved(script):
    run(script, conservation_check)


def check_liquidation(old: State, event: Liquidated, c) -> None:
    """The fee escalates only within its bounds, and one call takes no more than its cap allows."""
    cfg = old.markets[event.market_index].config
    user = old.users[(event.authority, event.sub_account)]
    ceiling = max_liquidation_fee(cfg.liquidator_fee, cfg.margin_ratio_maintenance)
    start = user.liquidation_start_slot if user.being_liquidated else c.slot
    assert event.liquidator_fee_rate == liquidation_fee(cfg.liquidator_fee, ceiling, start, c.slot)
    assert min(cfg.liquidator_fee, ceiling) <= event.liquidator_fee_rate <= max(cfg.liquidator_fee, ceiling)
    assert 0 <= event.if_fee_rate <= cfg.if_liquidation_fee and 0 < event.max_pct <= 10_000
    size = abs(old.users[(event.authority, event.sub_account)].positions[event.market_index].base)
    ratio = margin_ratio(
        cfg.margin_ratio_initial, cfg.margin_ratio_maintenance, cfg.imf_factor, size, MarginRequirementType.MAINTENANCE
    )
    to_cover = base_to_cover_margin_shortage(
        event.margin_shortage,
        ratio + liquidation_buffer_ratio(old),
        event.liquidator_fee_rate,
        event.if_fee_rate,
        event.price,
    )
    if to_cover != NO_LIMIT:
        to_cover = round_up_to(to_cover, cfg.step_size)
    allowed = round_up_to(to_cover * event.max_pct // 10_000, cfg.step_size)
    small = size * event.price // 10**9 <= 50 * P
    assert abs(event.base) <= min(size, size if small else allowed), (event, to_cover, allowed)


def check_socialized(old: State, new: State, event: SocializedLoss) -> None:
    """Both sides carry a socialized loss: the long rate rises and the short rate falls by the delta."""
    before, after = old.markets[event.market_index], new.markets[event.market_index]
    delta = event.funding_rate_delta
    total_base = after.open_interest_long + after.open_interest_short
    assert event.amount > 0 and delta >= 0
    if delta == 0:  # nobody holds the market: the AMM pool carries the loss (conservation checks it)
        assert total_base == 0
        return
    assert after.cumulative_funding_rate_long - before.cumulative_funding_rate_long == delta
    assert before.cumulative_funding_rate_short - after.cumulative_funding_rate_short == delta
    assert delta * total_base >= event.amount * 10**12  # the positions' shares cover the loss


@SETTINGS
@given(scripts)
def test_replaying_the_journal_reproduces_state_and_events(script):
    live, journal, live_events = run(script)
    for apply in (process, replay_mode):  # replay mode skips PlaceOrder's refusal-only checks
        replay = State()
        replay_events = []
        for n, (instruction, c) in enumerate(journal):
            events = apply(replay, instruction, c)
            if n >= len(journal) - len(live_events):
                replay_events.append(events)
        assert replay == live
        assert replay_events == live_events
    assert state_from_bytes(state_to_bytes(live)) == live
    # resuming from a snapshot half way gives the same end state
    half = len(journal) // 2
    snap = State()
    for instruction, c in journal[:half]:
        process(snap, instruction, c)
    snap = state_from_bytes(state_to_bytes(snap))
    for instruction, c in journal[half:]:
        process(snap, instruction, c)
    assert snap == live


@SETTINGS
@given(scripts)
def test_reduce_only_never_flips_or_grows_a_position(script):
    def check(state, instruction, c, before, events):
        if isinstance(instruction, ix.PlaceOrder) and instruction.reduce_only:
            old = state_from_bytes(before).users[(instruction.authority, 0)].positions.get(SOL)
            new = state.users[(instruction.authority, 0)].positions.get(SOL)
            old_base = old.base if old else 0
            assert abs(new.base) <= abs(old_base)
            assert new.base == 0 or (new.base > 0) == (old_base > 0)

    run(script, check)


# alice goes bankrupt and her loss is socialized through funding onto bob, the only other side; bob's
# next order must see that funding in his balance (Drift settles it first), not in his capped pnl
SOCIALIZED_THEN_ORDER = [("limit", "alice", Side.BUY, STEP, 0, 1, False)] * 31 + [
    ("limit", "bob", Side.SELL, 189 * STEP, 0, 1, False),
    ("limit", "bob", Side.SELL, 1077 * STEP, 20, 1, False),
    ("twap", "alice", Side.BUY, 1716 * STEP, 0, 1, False),
    ("jit", "bob", Side.BUY, STEP, 0, 1, False),
    ("crank", "alice", Side.BUY, STEP, 0, 1, False),
    ("crank", "alice", Side.BUY, STEP, -22, 1, True),
    ("limit", "bob", Side.BUY, STEP, 0, 1, False),
]


@SETTINGS
@given(scripts)
@example(SOCIALIZED_THEN_ORDER)
def test_an_accepted_order_never_leaves_negative_free_collateral(script):
    placing = (ix.PlaceOrder, ix.PlaceTwapOrder, ix.PlaceIcebergOrder, ix.PlaceBracketOrder, ix.ModifyOrder)

    def check(state, instruction, c, before, events):
        if isinstance(instruction, placing) and not getattr(instruction, "reduce_only", False):
            summary = account_margin(state, instruction.authority, 0, c)
            assert summary.free_collateral >= 0, (instruction, summary)

    run(script, check)


sizes = st.integers(0, 10**15)
ratios = st.integers(1, 5_000)
imfs = st.integers(0, 10**6)


@settings(max_examples=300, deadline=None)
@given(sizes, sizes, ratios, ratios, imfs, st.integers(1, 10**9))
def test_margin_is_monotone_in_size_and_price_and_ordered_by_type(a, b, imr, mmr_raw, imf, price):
    small, large = min(a, b), max(a, b)
    mmr = min(imr, mmr_raw)
    types = (MarginRequirementType.INITIAL, MarginRequirementType.FILL, MarginRequirementType.MAINTENANCE)
    ratios_small = [margin_ratio(imr, mmr, imf, small, t) for t in types]
    ratios_large = [margin_ratio(imr, mmr, imf, large, t) for t in types]
    assert ratios_small[0] >= ratios_small[1] >= ratios_small[2]  # initial >= fill >= maintenance
    assert all(s <= g for s, g in zip(ratios_small, ratios_large, strict=True))  # bigger size, bigger ratio
    notional = large * price // 10**9
    assert requirement(notional, ratios_small[0]) <= requirement(notional + price, ratios_large[0])


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 10**15), st.integers(1, 10**15), st.integers(0, 10_000), imfs)
def test_positive_pnl_weight_never_grows_with_the_gain(a, b, weight, imf):
    small, large = min(a, b), max(a, b)
    initial = MarginRequirementType.INITIAL
    assert (
        unrealized_asset_weight(large, initial, weight, weight, imf)
        <= unrealized_asset_weight(small, initial, weight, weight, imf)
        <= weight
    )
