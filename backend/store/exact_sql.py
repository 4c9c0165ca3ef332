"""SQL that turns the old REAL columns (USD, %, seconds as floats) into integers in named units.

The migrations that moved a table from REAL to INTEGER (SQLite) or from DOUBLE PRECISION to BIGINT
(PostgreSQL, backend/store/pg_schema.py) both convert the old rows with these expressions, so both stores
hold the same integers: `real_to_fixed_sql` says how a REAL becomes one (round half to even).
"""

from __future__ import annotations

from backend.domain.alerts import LEVEL_UNITS
from backend.oracle.sim import DEFAULT_EXPO, SIM_PARAMS
from programs.vocabulary import (
    BASE_PRECISION,
    MARGIN_PRECISION,
    MS_PER_S,
    PERCENT_PER_ONE,
    PERCENTAGE_PRECISION,
    PRICE_PRECISION,
    QUOTE_PRECISION,
)


def real_to_fixed_sql(x: str, scale: int, *, pg: bool = False) -> str:
    """SQL for the REAL `x` times the integer `scale`, rounded half to even, as an integer (NULL stays NULL).

    Exact: the result is the REAL's exact binary value times `scale`, rounded half to even, in plain
    IEEE double arithmetic that SQLite and PostgreSQL both run alike. The whole part is split off
    (exact), the fraction's product p = fl(f * scale) is rounded as usual, and when p lands on a tie
    the product's rounding error (Dekker's exact product: `scale` has at most 21 significant bits)
    says on which side of the tie the exact value lies. A REAL that held a decimal with at most the
    unit's digits (145.1 at 10**6) comes back as exactly that decimal.
    """
    whole = f"trunc({x})" if pg else f"CAST({x} AS INTEGER)"
    f = f"({x} - {whole})"
    p = f"({f} * {scale})"
    t = f"trunc({p})::bigint" if pg else f"CAST({p} AS INTEGER)"
    r = f"({p} - {t})"
    split = f"({_SPLITTER} * {f})"
    high = f"({split} - ({split} - {f}))"
    error = f"((({high} * {scale}) - {p}) + (({f} - {high}) * {scale}))"  # f * scale - p, exactly
    away = f"sign({r})"
    bump = (
        f"CASE WHEN abs({r}) > 0.5 THEN {away} WHEN abs({r}) < 0.5 THEN 0"
        f" WHEN {error} * {away} > 0 THEN {away} WHEN {error} * {away} < 0 THEN 0"
        f" WHEN {t} % 2 <> 0 THEN {away} ELSE 0 END"
    )
    if pg:
        return f"({whole}::bigint * {scale} + {t} + ({bump})::bigint)"
    return f"({whole} * {scale} + {t} + {bump})"


_SPLITTER = "134217729.0"  # 2**27 + 1: Veltkamp's split of a double into two 26-bit halves


def alert_level_sql(level: str, *, pg: bool = False) -> str:
    """An alert row's REAL level (typed USD or %) in its kind's unit (backend/domain/alerts.py)."""
    by_scale: dict[int, list[str]] = {}
    for kind, unit in LEVEL_UNITS.items():
        by_scale.setdefault(unit.scale, []).append(f"'{kind}'")
    cases = " ".join(
        f"WHEN kind IN ({', '.join(kinds)}) THEN {real_to_fixed_sql(level, scale, pg=pg)}"
        for scale, kinds in by_scale.items()
    )
    return f"(CASE {cases} ELSE NULL END)"


def candle_expo_sql() -> str:
    """The exponent of a candles row's prices: its market's (backend/oracle/sim.py: market_expo)."""
    cases = " ".join(f"WHEN '{market}' THEN {params.expo}" for market, params in SIM_PARAMS.items())
    return f"(CASE market {cases} ELSE {DEFAULT_EXPO} END)"


def candle_price_sql(column: str, *, pg: bool = False) -> str:
    """A candles row's REAL human-unit price as an integer at its market's exponent."""
    by_expo: dict[int, list[str]] = {}
    for market, params in SIM_PARAMS.items():
        by_expo.setdefault(params.expo, []).append(market)
    cases = " ".join(
        f"WHEN market IN ({', '.join(repr(m) for m in markets)}) THEN {real_to_fixed_sql(column, 10**-expo, pg=pg)}"
        for expo, markets in by_expo.items()
    )
    return f"(CASE {cases} ELSE {real_to_fixed_sql(column, 10**-DEFAULT_EXPO, pg=pg)} END)"


def candle_row_sql(*, pg: bool = False) -> str:
    """The old REAL candles row's columns as CANDLE_COLUMNS: ts_s from t, prices at the market's expo,
    volume in BASE_PRECISION."""
    prices = ", ".join(f"{candle_price_sql(c, pg=pg)} AS {c}" for c in ("o", "h", "l", "c"))
    volume = real_to_fixed_sql("v", BASE_PRECISION, pg=pg)
    return f"market, tf, t AS ts_s, {candle_expo_sql()} AS expo, {prices}, {volume} AS v, n"


def ms_sql(column: str, *, pg: bool = False) -> str:
    """A REAL of unix seconds (or a duration in seconds) as integer milliseconds."""
    return real_to_fixed_sql(column, MS_PER_S, pg=pg)


# the desk's old REAL columns -> (new name, scale): USD in QUOTE_PRECISION, leverage (x) and margin ratio (%)
# in MARGIN_PRECISION, the liquidation distance (%) in PERCENTAGE_PRECISION, seconds in milliseconds
DESK_SCALES: dict[str, tuple[str, int]] = {
    "ts": ("ts_ms", MS_PER_S),
    "equity": ("equity", QUOTE_PRECISION),
    "unrealized_pnl": ("unrealized_pnl", QUOTE_PRECISION),
    "total_collateral": ("total_collateral", QUOTE_PRECISION),
    "margin_used": ("margin_used", QUOTE_PRECISION),
    "maintenance_margin": ("maintenance_margin", QUOTE_PRECISION),
    "leverage": ("leverage", MARGIN_PRECISION),
    "margin_ratio_pct": ("margin_ratio", MARGIN_PRECISION // PERCENT_PER_ONE),
    "liq_distance_pct": ("liq_distance", PERCENTAGE_PRECISION // PERCENT_PER_ONE),
    "day_start_equity": ("day_start_equity", QUOTE_PRECISION),
}
# a desk row's positions (JSON): old key -> (new key, scale); "market" is kept as it is
DESK_POSITION_SCALES: dict[str, tuple[str, int]] = {
    "base": ("base", BASE_PRECISION),
    "notional": ("notional", QUOTE_PRECISION),
    "entry_price": ("entry_price", PRICE_PRECISION),
    "mark_price": ("mark_price", PRICE_PRECISION),
    "unrealized_pnl": ("unrealized_pnl", QUOTE_PRECISION),
    "liq_price": ("liq_price", PRICE_PRECISION),
    "liq_distance_pct": ("liq_distance", PERCENTAGE_PRECISION // PERCENT_PER_ONE),
}


def desk_positions_sql(column: str, *, pg: bool = False) -> str:
    """A desk row's positions JSON with each REAL as its integer (DESK_POSITION_SCALES), in the same order."""
    if pg:
        fields = ", ".join(
            f"'{new}', {real_to_fixed_sql(f'((e ->> {old!r})::double precision)', scale, pg=True)}"
            for old, (new, scale) in DESK_POSITION_SCALES.items()
        )
        return (
            f"COALESCE((SELECT jsonb_agg(jsonb_build_object('market', e ->> 'market', {fields}) ORDER BY n)"
            f" FROM jsonb_array_elements({column}::jsonb) WITH ORDINALITY AS p(e, n)), '[]'::jsonb)::text"
        )
    fields = ", ".join(
        f"'{new}', {real_to_fixed_sql(f'json_extract(p.value, {chr(39)}$.{old}{chr(39)})', scale)}"
        for old, (new, scale) in DESK_POSITION_SCALES.items()
    )
    return (
        f"(SELECT json_group_array(json_object('market', json_extract(p.value, '$.market'), {fields}))"
        f" FROM json_each({column}) AS p)"
    )


def trading_state_ms_sql(*, pg: bool = False) -> str:
    """The persisted trading state's JSON (`risk_kv` key 'trading_state') with its REAL `ts` (seconds) as
    integer `ts_ms`, like the column beside it."""
    if pg:
        ts = "((value::jsonb ->> 'ts')::double precision)"
        return (
            f"UPDATE risk_kv SET value = ((value::jsonb - 'ts') || jsonb_build_object('ts_ms', {ms_sql(ts, pg=True)}))"
            "::text WHERE key = 'trading_state' AND (value::jsonb ->> 'ts') IS NOT NULL"
        )
    ts = "json_extract(value, '$.ts')"
    return (
        f"UPDATE risk_kv SET value = json_remove(json_set(value, '$.ts_ms', {ms_sql(ts)}), '$.ts')"
        f" WHERE key = 'trading_state' AND {ts} IS NOT NULL"
    )
