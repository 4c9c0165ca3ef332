"""The simulated oracle's own ops: continue across restarts, and `oracle.shock` (paper only).

A restarted backend resumes each simulated market from its last recorded observation, so candles
show no jump back to the start price. `oracle.shock` moves a simulated market by a percentage at
its next step. The venue sees the shocked price at once, as its own journal entry (an
UpdateOraclePrice whose context carries it), so a restart or a replay of the journal reproduces the
shocked path and whatever it liquidated; the op is acked after that entry commits, and audited.
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
from backend.domain.observations import PriceObservation
from backend.oracle.sim import SimOracle
from backend.store.audit import audit_row, ms_of
from backend.store.base import StoreLike
from backend.venues.ops import engine_error
from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.constants import PRICE_PRECISION
from programs.quantdesk_perp.errors import EngineError
from programs.quantdesk_perp.markets import MARKETS_BY_SYMBOL, normalize_symbol

log = logging.getLogger(__name__)
MAX_SHOCK_PCT = Decimal(90)
SHOCK_CONF_MULT = 6.0  # a shocked step's confidence band widens, as the walk's own shocked step does


class ShockArgs(msgspec.Struct, forbid_unknown_fields=True):
    market: str
    pct: str  # signed percent as a decimal string: "-12.5"


def sim_source(sources: list[Any]) -> SimOracle | None:
    return next((s for s in sources if isinstance(s, SimOracle)), None)


def last_sim_prices(store: StoreLike, venue: Any = None) -> dict[str, float]:
    """Each market's last simulated price on record (display floats: a walk's state is a float).

    The recorder flushes once a second, so after a kill -9 the venue's journal may hold a newer
    price (a shock is acked only once its journal entry commits): the newer of the two wins.
    """
    rows = store._read_conn.execute(
        "SELECT market, price, expo, publish_time FROM observations WHERE id IN "
        "(SELECT MAX(id) FROM observations WHERE source = 'sim' GROUP BY market)"
    ).fetchall()
    latest = {market: (publish_time, price * 10.0**expo) for market, price, expo, publish_time in rows}
    for market, (publish_time, price) in journalled_prices(venue).items():
        if market not in latest or publish_time > latest[market][0]:
            latest[market] = (publish_time, price)
    return {market: price for market, (_time, price) in latest.items()}


def journalled_prices(venue: Any) -> dict[str, tuple[int, float]]:
    """(publish time, price) of each market's observation in the venue's last journal entry."""
    if venue is None:
        return {}
    symbols = {spec.market_index: symbol for symbol, spec in MARKETS_BY_SYMBOL.items()}
    return {
        symbols[index]: (oracle.publish_time, oracle.price / PRICE_PRECISION)
        for index, oracle in venue.oracles.items()
        if index in symbols and oracle.price > 0
    }


def resume_sim(sim: SimOracle, store: StoreLike, venue: Any = None) -> None:
    prices = last_sim_prices(store, venue)
    if prices:
        sim.resume_from(prices)
        log.info("simulated oracle continues from %s", ", ".join(f"{m} {p:g}" for m, p in sorted(prices.items())))


def shock_pct(text: str) -> Decimal:
    try:
        pct = Decimal(str(text).strip())
    except ArithmeticError:
        raise ApiError(
            ErrorCode.INVALID_AMOUNT, f'pct must be a signed percent such as "-12.5", not {text!r}'
        ) from None
    if not pct.is_finite() or pct == 0 or abs(pct) > MAX_SHOCK_PCT:
        raise ApiError(ErrorCode.INVALID_AMOUNT, f"pct must be non-zero and within ±{MAX_SHOCK_PCT}%, not {text!r}")
    return pct


def shocked_observation(sim: SimOracle, market: str, target: float, slot: int, now: float) -> PriceObservation:
    """The observation the shocked step aims at, in the walk's own exponent."""
    params = next(w.params for w in sim.walks if w.market == market)
    scale = 10.0**-params.expo
    conf = target * params.base_conf_bps * 1e-4 * SHOCK_CONF_MULT
    return PriceObservation(
        market=market,
        price=max(1, round(target * scale)),
        conf=max(1, round(conf * scale)),
        expo=params.expo,
        publish_time=int(now),
        slot=slot,
        ema_price=round(target * scale),
        source="sim",
    )


async def journal_shock(venue: Any, obs: PriceObservation) -> None:
    """Publish the shocked observation (recorded, so the walk resumes from it) and journal it as an
    UpdateOraclePrice entry; returns once that entry has committed."""
    venue.bus.publish("observations", obs)  # the venue, candles, alerts and the recorder see it now
    try:
        applied = venue.apply(ix.UpdateOraclePrice(MARKETS_BY_SYMBOL[obs.market].market_index))
    except EngineError as exc:
        raise engine_error(exc) from None
    await applied.committed


def register_sim_ops(api: ApiServer, sim: SimOracle | None, store: StoreLike, paper: bool, venue: Any = None) -> None:
    async def shock(session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, ShockArgs)
        if sim is None or not paper:
            raise ApiError(
                ErrorCode.NOT_SUPPORTED,
                "oracle.shock moves the simulated feed of the paper venue; "
                "start the backend with --feed sim --venue paper",
            )
        market = normalize_symbol(a.market)
        if market not in MARKETS_BY_SYMBOL:
            raise ApiError(ErrorCode.UNKNOWN_MARKET, f"unknown market {a.market!r}")
        pct = shock_pct(a.pct)
        try:
            target = sim.shock(market, float(pct))
        except KeyError:
            raise ApiError(ErrorCode.UNKNOWN_MARKET, f"the simulated feed does not run {market}") from None
        if venue is not None:
            await journal_shock(venue, shocked_observation(sim, market, target, venue.slot, time.time()))
        detail = json.dumps({"market": market, "pct": str(pct)}, sort_keys=True)
        entry = (ms_of(time.time()), f"api:{session.client}", "oracle.shock", detail)
        await store.write(lambda c: audit_row(c, *entry))
        log.warning("oracle shock: %s %s%% (towards %.6f)", market, pct, target)
        return {"market": market, "pct": str(pct), "target_price": f"{target:.6f}"}

    api.op("oracle.shock", shock)
