"""Admin of the paper venue: market parameters, pause/resume, circuit breakers, the insurance fund.

Parameters travel as engine integers with their precision named (`precision`, for people) and typed
(`units`, param_units.py) in `admin.markets`; every change
goes through the engine (validated there), the journal and the audit table.
"""

from __future__ import annotations

import json
import time
from typing import Any

import msgspec

from backend.api.param_units import BASE, FEE_PERCENT, MARGIN_PERCENT, SECONDS, SLOTS, USDC, ParamUnit, UnitKind
from backend.api.protocol import ApiError, ErrorCode, parse_args
from backend.api.server import ApiServer, Session
from backend.domain.orders import amount_of, market_spec
from backend.store.audit import RECENT as RECENT_AUDIT
from backend.store.audit import audit_row, ms_of
from backend.venues.ops import TradingOps, engine_error
from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.config import with_current_names
from programs.quantdesk_perp.enums import CollateralAsset, MarketStatus
from programs.quantdesk_perp.errors import EngineError
from programs.quantdesk_perp.math.funding import rate_as_fraction
from programs.quantdesk_perp.queries import insurance_info
from programs.quantdesk_perp.repeg import amm_state

EDITABLE = tuple(name for name in ix.UpdateMarketParameters.__struct_fields__ if name != "market_index")
PRECISION = {  # what the integer of each parameter means (units of Drift v2's field of that meaning)
    "margin_ratio_initial": "1e4 = 100%",
    "margin_ratio_maintenance": "1e4 = 100%",
    "max_leverage": "x",
    "imf_factor": "1e6 per sqrt(base)",
    "unrealized_pnl_imf_factor": "1e6 per sqrt(pnl)",
    "unrealized_pnl_initial_asset_weight": "1e4 = 100%",
    "unrealized_pnl_maintenance_asset_weight": "1e4 = 100%",
    "contract_tier": "0=A 1=B 2=C 3=speculative 4=highly speculative 5=isolated",
    "taker_fee": "1e6 = 100%",
    "maker_fee": "1e6 = 100%",
    "liquidator_fee": "1e6 = 100%",
    "if_liquidation_fee": "1e6 = 100%",
    "liquidation_buffer": "1e4 = 100%",
    "initial_pct_to_liquidate": "1e4 = 100%",
    "liquidation_duration": "slots (0 = no per-call cap)",
    "quote_max_insurance": "USDC 1e6",
    "funding_interval": "seconds",
    "max_open_interest": "base 1e9 (0 = uncapped)",
    "amm_depth": "base 1e9",
    "amm_half_spread": "1e6 = 100%",
    "auction_duration_slots": "slots",
    "auction_band": "1e6 = 100%",
    "oracle_max_staleness_slots": "slots",
    "oracle_max_conf": "1e4 = 100%",
    "circuit_breaker_pct": "1e4 = 100%",
    "circuit_breaker_window": "seconds",
    "max_orders_per_account": "orders",
}


UNITS = {  # the same meanings as data: what a client scales each integer by
    "margin_ratio_initial": MARGIN_PERCENT,
    "margin_ratio_maintenance": MARGIN_PERCENT,
    "max_leverage": ParamUnit(UnitKind.MULTIPLE),
    "imf_factor": ParamUnit(UnitKind.FACTOR),
    "unrealized_pnl_imf_factor": ParamUnit(UnitKind.FACTOR),
    "unrealized_pnl_initial_asset_weight": MARGIN_PERCENT,
    "unrealized_pnl_maintenance_asset_weight": MARGIN_PERCENT,
    "contract_tier": ParamUnit(UnitKind.CODE),
    "taker_fee": FEE_PERCENT,
    "maker_fee": FEE_PERCENT,
    "liquidator_fee": FEE_PERCENT,
    "if_liquidation_fee": FEE_PERCENT,
    "liquidation_buffer": MARGIN_PERCENT,
    "initial_pct_to_liquidate": MARGIN_PERCENT,
    "liquidation_duration": ParamUnit(UnitKind.SLOTS, zero="no per-call cap"),
    "quote_max_insurance": USDC,
    "funding_interval": SECONDS,
    "max_open_interest": ParamUnit(UnitKind.BASE, BASE.one, zero="uncapped"),
    "amm_depth": BASE,
    "amm_half_spread": FEE_PERCENT,
    "auction_duration_slots": SLOTS,
    "auction_band": FEE_PERCENT,
    "oracle_max_staleness_slots": SLOTS,
    "oracle_max_conf": MARGIN_PERCENT,
    "circuit_breaker_pct": MARGIN_PERCENT,
    "circuit_breaker_window": SECONDS,
    "max_orders_per_account": ParamUnit(UnitKind.COUNT),
}


class UpdateArgs(msgspec.Struct, forbid_unknown_fields=True):
    market: str
    params: dict[str, int]


class MarketOnly(msgspec.Struct, forbid_unknown_fields=True):
    market: str | None = None
    reduce_only: bool = False


class InsuranceArgs(msgspec.Struct, forbid_unknown_fields=True):
    amount: str


def register_admin_ops(api: ApiServer, trading: TradingOps) -> None:
    venue = trading.venue

    async def audit(session: Session, action: str, detail: dict[str, Any]) -> None:
        entry = (ms_of(time.time()), f"api:{session.client}", action, json.dumps(detail, sort_keys=True))
        await venue.store.write(lambda c: audit_row(c, *entry))

    async def commit(session: Session, instruction: Any, action: str, detail: dict[str, Any]) -> None:
        try:
            applied = venue.apply(instruction)
        except EngineError as exc:
            raise engine_error(exc) from None
        await applied.committed
        await audit(session, action, detail)

    async def markets(session: Session, args: dict[str, Any]) -> Any:
        rows = []
        for index in sorted(venue.state.markets):
            market = venue.state.markets[index]
            config = msgspec.to_builtins(market.config)
            rows.append(
                {
                    "market": market.config.symbol,
                    "status": MarketStatus(market.status).name,
                    "circuit_breaker_tripped": market.circuit_breaker_tripped,
                    "params": {k: config[k] for k in EDITABLE if k in config},
                    "open_interest_long": market.open_interest_long,
                    "open_interest_short": market.open_interest_short,
                    "last_funding_rate": rate_as_fraction(market.last_funding_rate, market.last_funding_oracle_twap),
                    "amm": amm_state(market),
                }
            )
        return {
            "markets": rows,
            "precision": PRECISION,
            "units": msgspec.to_builtins(UNITS),
            "insurance_fund": venue.state.insurance_fund,
            "socialized_loss": venue.state.socialized_loss,
            "insurance": msgspec.to_builtins(insurance_info(venue.state)),
        }

    async def update(session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, UpdateArgs)
        a.params = with_current_names(a.params)  # the margin ratios' pre-Drift names still work
        spec = market_spec(a.market)
        unknown = sorted(set(a.params) - set(EDITABLE))
        if unknown:
            raise ApiError(
                ErrorCode.BAD_REQUEST, f"not editable: {', '.join(unknown)}; editable: {', '.join(EDITABLE)}"
            )
        if not a.params:
            raise ApiError(ErrorCode.BAD_REQUEST, "nothing to change")
        await commit(
            session,
            ix.UpdateMarketParameters(spec.market_index, **a.params),
            "market.update",
            {"market": spec.symbol, **a.params},
        )
        return await markets(session, {})

    async def pause(session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, MarketOnly)
        index = market_spec(a.market).market_index if a.market else None
        await commit(
            session,
            ix.PauseProgram(index, a.reduce_only),
            "market.pause",
            {"market": a.market or "all", "reduce_only": a.reduce_only},
        )
        return await markets(session, {})

    async def resume(session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, MarketOnly)
        index = market_spec(a.market).market_index if a.market else None
        await commit(session, ix.ResumeProgram(index), "market.resume", {"market": a.market or "all"})
        return await markets(session, {})

    async def reset_breaker(session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, MarketOnly)
        if not a.market:
            raise ApiError(ErrorCode.BAD_REQUEST, "name the market whose circuit breaker to reset")
        spec = market_spec(a.market)
        await commit(
            session, ix.ResetCircuitBreaker(spec.market_index), "circuit_breaker.reset", {"market": spec.symbol}
        )
        return await markets(session, {})

    async def insurance_deposit(session: Session, args: dict[str, Any]) -> Any:
        amount = amount_of(parse_args(args, InsuranceArgs).amount, CollateralAsset.USDC)
        await commit(session, ix.DepositInsuranceFund(amount), "insurance.deposit", {"amount": amount})
        return {"insurance_fund": venue.state.insurance_fund}

    async def insurance_withdraw(session: Session, args: dict[str, Any]) -> Any:
        amount = amount_of(parse_args(args, InsuranceArgs).amount, CollateralAsset.USDC)
        await commit(session, ix.WithdrawInsuranceFund(amount), "insurance.withdraw", {"amount": amount})
        return {"insurance_fund": venue.state.insurance_fund}

    async def audit_log(session: Session, args: dict[str, Any]) -> Any:
        rows = venue.store.query(RECENT_AUDIT, (200,))
        return {"audit": rows}

    for name, handler in {
        "admin.markets": markets,
        "admin.update_market": update,
        "admin.pause": pause,
        "admin.resume": resume,
        "admin.reset_breaker": reset_breaker,
        "admin.insurance_deposit": insurance_deposit,
        "admin.insurance_withdraw": insurance_withdraw,
        "admin.audit": audit_log,
    }.items():
        api.op(name, handler)
