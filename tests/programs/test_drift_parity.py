"""Drift v2's own unit-test values, ported: the engine's math must give the same numbers.

Each test names the Drift test it ports (drift-labs/protocol-v2, programs/drift/src/...). Where our
rule "round against the user" differs from Drift's truncation the expectation says `DRIFT + 1`
(see programs/quantdesk_perp/math/README.md); every other value is Drift's to the unit.
"""

from __future__ import annotations

import pytest

from programs.quantdesk_perp.enums import ContractTier, MarginRequirementType
from programs.quantdesk_perp.liquidation import is_bankrupt
from programs.quantdesk_perp.math.funding import (
    bankruptcy_funding_delta,
    funding_rate_from_spread,
    funding_rate_long_short,
    funding_spread,
    max_price_divergence,
)
from programs.quantdesk_perp.math.insurance import plan_bankruptcy
from programs.quantdesk_perp.math.liquidation import (
    NO_LIMIT,
    asset_transfer_for_liability_transfer,
    base_to_cover_margin_shortage,
    liability_transfer_implied_by_asset_amount,
    liability_transfer_to_cover_margin_shortage,
    liquidation_fee,
    max_pct_to_liquidate,
    perp_if_fee,
)
from programs.quantdesk_perp.math.margin import (
    margin_ratio,
    notional_ceil,
    requirement,
    unrealized_asset_weight,
    weighted_unrealized_pnl,
)
from programs.quantdesk_perp.queries import account_margin
from programs.quantdesk_perp.state import Position, UserAccount

from .engine.helpers import SOL, B, P, ctx, fund, new_state

Q = P  # QUOTE_PRECISION
FEE0 = 1_000_000  # a liquidation multiplier of 1 (no fee), LIQUIDATION_FEE_PRECISION
INITIAL = MarginRequirementType.INITIAL
FILL = MarginRequirementType.FILL
MAINTENANCE = MarginRequirementType.MAINTENANCE


# -- math/liquidation/tests.rs ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("drift_test", "fee", "if_fee", "quote_price", "expected"),
    [
        ("zero_percent_liquidation_fee", 0, 0, P, B),
        ("usdc_not_one (0.99)", 0, 0, 990_000, 1_010_101_010),
        ("usdc_not_one (1.01)", 0, 0, 1_010_000, 990_099_009),
        ("one_percent_liquidation_fee", 10_000, 0, P, B * 10 // 9),
        ("one_percent_liquidation_fee_and_one_percent_if_liquidation_fee", 10_000, 10_000, P, 1_250_000_000),
    ],
)
def test_calculate_base_asset_amount_to_cover_margin_shortage(drift_test, fee, if_fee, quote_price, expected):
    assert base_to_cover_margin_shortage(10 * Q, 1000, fee, if_fee, 100 * P, quote_price) == expected


@pytest.mark.parametrize(
    ("drift_test", "asset_mult", "liability_mult", "if_fee", "expected"),
    [
        ("zero_asset_and_liability_fee", 1_000_000, 1_000_000, 0, 250_000_000),
        ("ten_percent_asset_and_liability_fee", 1_100_000, 900_000, 0, 449_984_250),
        ("zero_asset_and_liability_fee_with_one_percent_if_fee", 1_000_000, 1_000_000, 10_000, 257_731_958),
        ("ten_percent_asset_and_liability_fee_with_one_percent_if_fee", 1_100_000, 900_000, 10_000, 475_669_504),
    ],
)
def test_calculate_liability_transfer_to_cover_margin_shortage(
    drift_test, asset_mult, liability_mult, if_fee, expected
):
    assert (
        liability_transfer_to_cover_margin_shortage(
            10 * Q, 8_000, asset_mult, 12_000, liability_mult, 9, 100 * P, if_fee
        )
        == expected
    )


def test_calculate_liability_transfer_to_cover_margin_shortage_liability_weight_component_less_than_asset():
    transfer = liability_transfer_to_cover_margin_shortage(10 * Q, 10_000, 1_000_000, 10_000, 750_000, 6, 100 * P)
    assert transfer == NO_LIMIT


@pytest.mark.parametrize(
    ("drift_test", "asset_mult", "liability_mult", "expected"),
    [
        ("zero_asset_and_liability_fee", 1_000_000, 1_000_000, 100_000_000),
        ("one_percent_asset_and_liability_fee", 1_010_000, 990_000, 98_019_802),
    ],
)
def test_calculate_liability_transfer_implied_by_asset_amount(drift_test, asset_mult, liability_mult, expected):
    assert liability_transfer_implied_by_asset_amount(10 * Q, asset_mult, 6, P, liability_mult, 9, 100 * P) == expected


@pytest.mark.parametrize(
    ("drift_test", "args", "drift_value", "ours"),
    [
        ("zero_asset_and_liability_fee", (100 * Q, FEE0, 6, P, B, FEE0, 9, 100 * P), 100_000_000, 100_000_000),
        # 1e9 * 100 * 1.01 / 0.99 = 102_020_202.02: Drift truncates, the account gives 1 unit more here
        (
            "one_percent_asset_and_liability_fee",
            (200 * Q, 1_010_000, 6, P, B, 990_000, 9, 100 * P),
            102_020_202,
            102_020_203,
        ),
        ("full_liability_tranfer_same_decimals", (200 * 10**6, FEE0, 6, P, 10**6, FEE0, 6, P), 1_000_000, 1_000_000),
        (
            "full_liability_tranfer_asset_decimals_less_than_liability_decimals",
            (200 * 10**5, FEE0, 5, P, 10**6, FEE0, 6, P),
            100_000,
            100_000,
        ),
        (
            "full_liability_tranfer_liability_decimals_less_than_asset_decimals",
            (200 * 10**6, FEE0, 6, P, 10**5, FEE0, 5, P),
            1_000_000,
            1_000_000,
        ),
    ],
)
def test_calculate_asset_transfer_for_liability_transfer(drift_test, args, drift_value, ours):
    assert asset_transfer_for_liability_transfer(*args) == ours
    assert ours - drift_value in (0, 1)


def test_calculate_funding_rate_deltas_to_resolve_bankruptcy():
    # total_base_asset_amount_not_zero: 100 USD over 7 long + 4 short
    assert bankruptcy_funding_delta(-100 * Q, 11 * B) == 9_090_910_000
    # total_base_asset_amount_is_zero: Drift refuses; we socialize nothing (the AMM pool carries it)
    plan = plan_bankruptcy(Q, 0, 0, 0, 0, 0)
    assert plan.loss_to_socialize == Q and plan.funding_rate_delta == 0


@pytest.mark.parametrize(
    ("case", "shortage", "base", "liquidator_fee", "oracle", "quote", "expected"),
    [
        ("2% * .95", 20 * Q, 10 * B, 10_000, 100 * P, P, 19_000),
        ("tiny shortage: 3.9% * .95", Q, 10 * B, 10_000, 100 * P, P, 37_050),
        ("huge shortage", 1000 * Q, 10 * B, 10_000, 100 * P, P, 0),
        ("large liquidator fee", 20 * Q, 10 * B, 100_000, 100 * P, P, 0),
        ("zero oracle price", 20 * Q, 10 * B, 10_000, 0, P, 0),
        ("zero quote price", 20 * Q, 10 * B, 10_000, 100 * P, 0, 0),
        ("zero base", 20 * Q, 0, 10_000, 100 * P, P, 0),
    ],
)
def test_calculate_perp_if_fee(case, shortage, base, liquidator_fee, oracle, quote, expected):
    assert perp_if_fee(shortage, base, 500, liquidator_fee, oracle, 50_000, quote) == expected


def test_calculate_max_pct_to_liquidate():
    assert max_pct_to_liquidate(49 * Q, 0, 1, 1_000, 10) == 10_000  # a small shortage goes at once


def test_calculate_max_pct_to_liquidate_grows_with_slots_in_liquidation():
    # beyond Drift's test: 100 USD short, 10% at once, all of it after 150 slots
    assert max_pct_to_liquidate(100 * Q, 0, 0, 1_000, 150) == 1_000
    assert max_pct_to_liquidate(100 * Q, 0, 75, 1_000, 150) == 6_000
    # 20 already freed of 120: 60% of 120 = 72, 52 of the 100 left
    assert max_pct_to_liquidate(100 * Q, 20 * Q, 75, 1_000, 150) == 5_200
    assert max_pct_to_liquidate(100 * Q, 0, 150, 1_000, 150) == 10_000


@pytest.mark.parametrize(("slot", "expected"), [(100_000, 50_000), (10, 20_000), (10_000, 30_000)])
def test_get_liquidation_fee(slot, expected):
    assert liquidation_fee(20_000, 50_000, 0, slot) == expected


# -- math/bankruptcy/tests.rs -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("drift_test", "balances", "base", "quote", "bankrupt"),
    [
        ("user_has_position_with_base", {}, 1, 0, False),
        ("user_has_position_with_positive_quote", {}, 0, 1, False),
        ("user_with_deposit", {0: 1}, 0, 0, False),
        ("user_has_position_with_negative_quote", {}, 0, -1, True),
        ("user_with_borrow", {0: -1}, 0, 0, True),
        ("user_with_empty_position_and_balances", {}, 0, 0, False),
    ],
)
def test_is_user_bankrupt(drift_test, balances, base, quote, bankrupt):
    user = UserAccount("u", 0, balances=dict(balances), positions={SOL: Position(SOL, base=base, quote_entry=quote)})
    assert is_bankrupt(user) is bankrupt


# -- state/perp_market/tests.rs, math/margin/tests.rs ------------------------------------------


def test_get_margin_ratio():
    assert margin_ratio(1000, 500, 0, B, INITIAL) == 1000
    assert margin_ratio(1000, 500, 0, B, FILL) == 750
    assert margin_ratio(1000, 500, 0, B, MAINTENANCE) == 500


def test_calculate_user_equity_value_tests():
    """The BTC market of Drift's test: imf 1000, unrealized pnl imf 1000, weights 100%."""

    def uaw(pnl: int, margin_type=INITIAL) -> int:
        return unrealized_asset_weight(pnl, margin_type, 10_000, 10_000, 1000)

    assert uaw(22_699_050_905) == 9559
    pnl = 24_282_786_896
    weights = [uaw(pnl * k) for k in (1, 10, 100, 1000, 10_000, 800_000)]
    assert weights == [9516, 7368, 4299, 1855, 663, 78]
    base = -(12_295_081_967 // 2)
    for price, drift_pmr in ((22_050 * P, 13_555_327_867), (21_050 * P, 12_940_573_769)):
        ratio = margin_ratio(1000, 500, 1000, abs(base), INITIAL)
        assert ratio == 1000  # 800 + 24 of size premium stays under the base ratio
        assert requirement(notional_ceil(base, price), ratio) == drift_pmr + 1  # we round up
    # the 18_135 USD gain, weighted 95.x%, counts at most 100 USD for initial margin
    assert weighted_unrealized_pnl(18_135_245_912, uaw(18_135_245_912), INITIAL) == 100_000_000


def test_negative_perp_pnl_liquidation_buffer():
    """A settled -100 pnl against a 100 USDC deposit: collateral 0, with a 1% buffer -1 USDC."""
    s = new_state(liquidation_buffer=100)
    fund(s, "alice", 100 * P)
    s.users[("alice", 0)].positions[SOL] = Position(SOL, quote_entry=-100 * Q)
    summary = account_margin(s, "alice", 0, ctx())
    assert summary.maintenance_collateral == 0
    assert summary.liquidation_collateral == -Q


# -- math/funding/tests.rs --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("px", "mark_permille", "oracle_permille", "expected"),
    [
        (32_513_929, 999, 1001, -2_709_458),
        (32_513_930, 999, 1001, -2_709_458),
        (19_902_513_929, 999, 888, 22_314_939_833),
        (19_902_513_930, 999, 888, 22_314_939_833),
    ],
)
def test_balanced_funding_test(px, mark_permille, oracle_permille, expected):
    """Drift's helper: clamp the spread to 3% (no offset), then a 24th; balanced sides pay alike."""
    mark, oracle = px * mark_permille // 1000, px * oracle_permille // 1000
    cap = max_price_divergence(ContractTier.A, oracle)
    rate = funding_rate_from_spread(max(-cap, min(cap, mark - oracle)), 3600)
    assert rate == expected
    split = funding_rate_long_short(rate, 0, 7_845_926_098_328, -7_845_926_098_328, 0)
    assert (split.rate_long, split.rate_short) == (expected, expected)


def test_capped_sym_funding_test():
    # more shorts than longs, positive funding, a third of the 0.25 fee pool is too small
    rate = funding_rate_from_spread(50 * P - 49 * P, 3600)
    assert rate == 41_666_666
    split = funding_rate_long_short(rate, -12_295_081_967, 12_295_081_967, -2 * 12_295_081_967, 250_000)
    assert (split.rate_long, split.rate_short) == (41_666_666, 24_222_164)
    assert 500_000 + split.amm_pnl == 416_667  # Drift's total_fee_minus_distributions after
    # more longs than shorts: the AMM earns the funding, both sides pay the full rate
    split = funding_rate_long_short(rate, 12_295_081_967, 2 * 12_295_081_967, -12_295_081_967, 250_000)
    assert (split.rate_long, split.rate_short) == (41_666_666, 41_666_666)
    assert 500_000 + split.amm_pnl == 1_012_295


def test_max_funding_rates():
    assert max_price_divergence(ContractTier.HIGHLY_SPECULATIVE, 49 * P) == 4_900_000
    assert max_price_divergence(ContractTier.B, 49 * P) == 1_484_848


def test_unsettled_funding_pnl():
    """update_funding_rate with the 5000 offset: mark TWAP 47.629736, oracle TWAP 51, highly speculative."""
    spread = funding_spread(47_629_736, 51 * P, ContractTier.HIGHLY_SPECULATIVE, 3600)
    assert spread.funding_rate == -140_002_666
    net = -12_295_081_967 - 500 * B
    split = funding_rate_long_short(spread.funding_rate, net, 12_295_081_967, -2 * 12_295_081_967, 99_999 * Q)
    assert (split.rate_long, split.rate_short) == (-140_002_666, -140_002_666)
    assert split.amm_revenue == 71_722_677  # Drift: net_unsettled_funding_pnl -71_722_677, fees +71.722677
