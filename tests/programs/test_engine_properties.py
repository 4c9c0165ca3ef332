"""Property tests: conservation, replay = live (through bytes too), reduce-only, free collateral."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.errors import EngineError
from programs.quantdesk_perp.processor import process
from programs.quantdesk_perp.queries import account_margin, collateral_ledger
from programs.quantdesk_perp.risk import account_margin as risk_margin
from programs.quantdesk_perp.risk import free_collateral
from programs.quantdesk_perp.state import State, state_from_bytes, state_to_bytes

from .engine.strategies import SOL, T0, USERS, build, context, scripts

P = 10**6
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
            imf_factor=50,
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
            slot, t = slot + 1, t + dt * 30
            instruction = ix.Crank()
            # after a price move, whoever is under water gets liquidated (by a peer or a keeper)
            follow_ups = [
                ix.LiquidatePosition(USERS[(n + 1) % 3] if n % 2 else "", 0, who, 0, SOL)
                for n, who in enumerate(USERS)
            ] + [
                ix.LiquidatePositionCrossCollateral(USERS[(n + 2) % 3], 0, who, 0, 1)
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
                check(state, step, c, before)
    return state, journal, all_events


@SETTINGS
@given(scripts)
def test_collateral_is_conserved(script):
    def check(state, instruction, c, before):
        external, held = collateral_ledger(state)
        assert external == held, instruction
        for user in state.users.values():  # the hot-path margin formula agrees with the full one
            assert free_collateral(state, user, c) == risk_margin(state, user, c).free_collateral

    run(script, check)


@SETTINGS
@given(scripts)
def test_replaying_the_journal_reproduces_state_and_events(script):
    live, journal, live_events = run(script)
    replay = State()
    replay_events = []
    for n, (instruction, c) in enumerate(journal):
        events = process(replay, instruction, c)
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
    def check(state, instruction, c, before):
        if isinstance(instruction, ix.PlaceOrder) and instruction.reduce_only:
            old = state_from_bytes(before).users[(instruction.authority, 0)].positions.get(SOL)
            new = state.users[(instruction.authority, 0)].positions.get(SOL)
            old_base = old.base if old else 0
            assert abs(new.base) <= abs(old_base)
            assert new.base == 0 or (new.base > 0) == (old_base > 0)

    run(script, check)


@SETTINGS
@given(scripts)
def test_an_accepted_order_never_leaves_negative_free_collateral(script):
    placing = (ix.PlaceOrder, ix.PlaceTwapOrder, ix.PlaceIcebergOrder, ix.PlaceBracketOrder, ix.ModifyOrder)

    def check(state, instruction, c, before):
        if isinstance(instruction, placing) and not getattr(instruction, "reduce_only", False):
            summary = account_margin(state, instruction.authority, 0, c)
            assert summary.free_collateral >= 0, (instruction, summary)

    run(script, check)
