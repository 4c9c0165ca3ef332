"""Who pays a bankrupt account's loss, in Drift v2's order (resolve_perp_bankruptcy):
the insurance fund up to the market's cap (keeping one unit in the vault), then the market's fee
pool, then everyone with an open position in the market through the cumulative funding rates.
"""

from __future__ import annotations

from typing import NamedTuple

from .funding import bankruptcy_funding_delta


class BankruptcyPlan(NamedTuple):
    if_payment: int  # from the insurance fund
    fee_pool_payment: int  # from the market's fee pool
    loss_to_socialize: int  # charged to both sides of the market through funding
    funding_rate_delta: int  # FUNDING_RATE_PRECISION: + to the long rate, - from the short rate


def insurance_payment(loss: int, vault_balance: int, quote_max_insurance: int, quote_settled_insurance: int) -> int:
    """min(loss, vault - 1, what is left of the market's insurance cap)."""
    left = max(0, quote_max_insurance - quote_settled_insurance)
    return max(0, min(loss, vault_balance - 1, left))


def plan_bankruptcy(
    loss: int,
    vault_balance: int,
    quote_max_insurance: int,
    quote_settled_insurance: int,
    fee_pool: int,
    total_base: int,
) -> BankruptcyPlan:
    """Split a positive `loss` (QUOTE_PRECISION). With no open base, nothing can be socialized:
    `funding_rate_delta` is 0 and the caller decides who carries `loss_to_socialize`."""
    from_if = insurance_payment(loss, vault_balance, quote_max_insurance, quote_settled_insurance)
    remaining = loss - from_if
    from_fees = min(remaining, max(fee_pool, 0))
    rest = remaining - from_fees
    delta = bankruptcy_funding_delta(rest, total_base) if rest and total_base else 0
    return BankruptcyPlan(from_if, from_fees, rest, delta)
