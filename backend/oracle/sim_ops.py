"""The simulated oracle's own ops: continue across restarts, and `oracle.shock` (paper only).

A restarted backend resumes each simulated market from its last recorded observation, so candles
show no jump back to the start price. `oracle.shock` moves a simulated market by a percentage at
its next step; it is audited, and what the venue saw is journalled with each instruction, so a
replay of the journal is exact.
"""

from __future__ import annotations

import json
import logging
import time
from decimal import Decimal
from typing import Any

import msgspec

from backend.api.protocol import ApiError, ErrorCode, parse_args
from backend.api.server import ApiServer, Session
from backend.oracle.sim import SimOracle
from backend.store.db import Store
from programs.quantdesk_perp.markets import MARKETS_BY_SYMBOL, normalize_symbol

log = logging.getLogger(__name__)
MAX_SHOCK_PCT = Decimal(90)


class ShockArgs(msgspec.Struct, forbid_unknown_fields=True):
    market: str
    pct: str  # signed percent as a decimal string: "-12.5"


def sim_source(sources: list[Any]) -> SimOracle | None:
    return next((s for s in sources if isinstance(s, SimOracle)), None)


def last_sim_prices(store: Store) -> dict[str, float]:
    """Each market's last simulated price on record (display floats: a walk's state is a float)."""
    rows = store._read_conn.execute(
        "SELECT market, price, expo FROM observations WHERE id IN "
        "(SELECT MAX(id) FROM observations WHERE source = 'sim' GROUP BY market)").fetchall()
    return {market: price * 10.0**expo for market, price, expo in rows}


def resume_sim(sim: SimOracle, store: Store) -> None:
    prices = last_sim_prices(store)
    if prices:
        sim.resume_from(prices)
        log.info("simulated oracle continues from %s", ", ".join(f"{m} {p:g}" for m, p in sorted(prices.items())))


def shock_pct(text: str) -> Decimal:
    try:
        pct = Decimal(str(text).strip())
    except ArithmeticError:
        raise ApiError(ErrorCode.INVALID_AMOUNT,
                       f"pct must be a signed percent such as \"-12.5\", not {text!r}") from None
    if not pct.is_finite() or pct == 0 or abs(pct) > MAX_SHOCK_PCT:
        raise ApiError(ErrorCode.INVALID_AMOUNT, f"pct must be non-zero and within ±{MAX_SHOCK_PCT}%, not {text!r}")
    return pct


def register_sim_ops(api: ApiServer, sim: SimOracle | None, store: Store, paper: bool) -> None:
    async def shock(session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, ShockArgs)
        if sim is None or not paper:
            raise ApiError(ErrorCode.NOT_SUPPORTED, "oracle.shock moves the simulated feed of the paper venue; "
                                                    "start the backend with --feed sim --venue paper")
        market = normalize_symbol(a.market)
        if market not in MARKETS_BY_SYMBOL:
            raise ApiError(ErrorCode.UNKNOWN_MARKET, f"unknown market {a.market!r}")
        pct = shock_pct(a.pct)
        try:
            target = sim.shock(market, float(pct))
        except KeyError:
            raise ApiError(ErrorCode.UNKNOWN_MARKET, f"the simulated feed does not run {market}") from None
        detail = json.dumps({"market": market, "pct": str(pct)}, sort_keys=True)
        entry = (time.time(), f"api:{session.client}", "oracle.shock", detail)
        await store.write(lambda c: c.execute("INSERT INTO audit (ts, actor, action, detail) VALUES (?, ?, ?, ?)",
                                              entry))
        log.warning("oracle shock: %s %s%% (towards %.6f)", market, pct, target)
        return {"market": market, "pct": str(pct), "target_price": f"{target:.6f}"}

    api.op("oracle.shock", shock)
