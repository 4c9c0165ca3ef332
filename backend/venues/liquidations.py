"""Liquidations and socialized losses as records a trader reads: a fill with role `liquidation` for
the account whose position was taken over, and one LiquidationView per engine event.

Only consumes the engine's events (Liquidated, CollateralLiquidated, BankruptcyCovered,
SocializedLoss); the math that produced them lives in programs/quantdesk_perp/liquidation.py.
"""

from __future__ import annotations

from typing import Any

from backend.api.protocol import FillView, LiquidationView
from programs.quantdesk_perp import events as ev
from programs.quantdesk_perp.enums import CollateralAsset
from programs.quantdesk_perp.state import State
from programs.vocabulary import BASE_PRECISION, PRICE_PRECISION, QUOTE_PRECISION, Side

KEEPER = "keeper"  # the venue's own keeper: the AMM takes the position over
RECORDED_EVENTS = (ev.Liquidated, ev.CollateralLiquidated, ev.BankruptcyCovered, ev.SocializedLoss)


def liquidator_name(authority: str, sub_account: int) -> str:
    return KEEPER if authority == "" else f"{authority}/{sub_account}"


def execution_price(event: ev.Liquidated) -> int:
    """The average price the position was taken at: the oracle for a liquidator, the curve for the
    keeper's AMM (as an AMM fill's price); the oracle for events recorded before `quote` existed."""
    size = abs(event.base)
    return event.quote * BASE_PRECISION // size if event.quote and size else event.price


def liquidation_fill(state: State, event: ev.Liquidated, fill_id: int, ts: int, slot: int) -> tuple[str, FillView]:
    """(authority, fill) for the liquidated account: it sold a long (bought back a short)."""
    return event.authority, FillView(
        fill_id=fill_id,
        order_id=0,
        market=state.markets[event.market_index].config.symbol,
        side=Side.SELL if event.base < 0 else Side.BUY,
        price=execution_price(event),
        size=abs(event.base),
        fee=event.liquidator_fee + event.if_fee,
        role="liquidation",
        ts=ts,
        slot=slot,
        realized_pnl=event.realized_pnl,
        sub_account=event.sub_account,
        liquidator=liquidator_name(event.liquidator_authority, event.liquidator_sub_account),
    )


def liquidation_view(state: State, event: Any, seq: int, ts: int) -> tuple[str, LiquidationView]:
    """(authority, record) of one liquidation-family event; authority "" for market-wide losses."""
    fund = state.insurance_fund
    if isinstance(event, ev.Liquidated):
        return event.authority, LiquidationView(
            kind="liquidation",
            market=state.markets[event.market_index].config.symbol,
            ts=ts,
            seq=seq,
            sub_account=event.sub_account,
            side=Side.SELL if event.base < 0 else Side.BUY,
            size=abs(event.base),
            price=execution_price(event),
            fee=event.liquidator_fee + event.if_fee,
            insurance_fee=event.if_fee,
            liquidator=liquidator_name(event.liquidator_authority, event.liquidator_sub_account),
            insurance_fund=fund,
        )
    if isinstance(event, ev.CollateralLiquidated):
        return event.authority, LiquidationView(
            kind="collateral_liquidation",
            market=CollateralAsset(event.asset).name,
            ts=ts,
            seq=seq,
            sub_account=event.sub_account,
            amount=event.amount,
            price=0,
            liquidator=liquidator_name(event.liquidator_authority, event.liquidator_sub_account),
            insurance_fund=fund,
        )
    if isinstance(event, ev.BankruptcyCovered):
        return event.authority, LiquidationView(
            kind="bankruptcy_covered",
            market="",
            ts=ts,
            seq=seq,
            sub_account=event.sub_account,
            amount=event.amount,
            insurance_fund=fund,
        )
    return "", LiquidationView(
        kind="socialized_loss",
        market=state.markets[event.market_index].config.symbol,
        ts=ts,
        seq=seq,
        amount=event.amount,
        insurance_fund=fund,
    )


def describe(record: LiquidationView) -> str:
    """One log line a person reads, in human units."""
    if record.kind == "liquidation":
        return (
            f"liquidation: sub-account {record.sub_account} {record.side} {record.size / BASE_PRECISION:g} "
            f"{record.market} at {record.price / PRICE_PRECISION:.6f} "
            f"(fee {record.fee / QUOTE_PRECISION:.6f} USDC) by {record.liquidator}; "
            f"insurance fund {record.insurance_fund / QUOTE_PRECISION:.6f} USDC"
        )
    if record.kind == "socialized_loss":
        return f"socialized loss: {record.amount / QUOTE_PRECISION:.6f} USDC charged to {record.market} holders"
    if record.kind == "bankruptcy_covered":
        return (
            f"bankruptcy: the insurance fund paid {record.amount / QUOTE_PRECISION:.6f} USDC for sub-account "
            f"{record.sub_account}; fund now {record.insurance_fund / QUOTE_PRECISION:.6f} USDC"
        )
    return f"collateral liquidation: sub-account {record.sub_account} lost {record.market} collateral"
