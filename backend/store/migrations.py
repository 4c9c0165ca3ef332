"""Versioned schema migrations, applied in order at start-up; the version lives in `schema_version`.

Append new entries with the next number; never edit an applied one.
Amounts are integers in a named unit and instants carry theirs in the column name (`ts_ms`, `ts_s`).
Migrations 3 and 22 moved the candles' and the alerts' REAL columns there; `real_to_fixed_sql` says
how a REAL became an integer (round half to even, the best a float's old value allows).
"""

from __future__ import annotations


from backend.domain.alerts import LEVEL_UNITS
from backend.oracle.sim import DEFAULT_EXPO, SIM_PARAMS
from programs.vocabulary import BASE_PRECISION, MS_PER_S


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


CANDLE_COLUMNS = ("market", "tf", "ts_s", "expo", "o", "h", "l", "c", "v", "n")  # the candles table, in its order


def candle_row_sql(*, pg: bool = False) -> str:
    """The old REAL candles row's columns as CANDLE_COLUMNS: ts_s from t, prices at the market's expo,
    volume in BASE_PRECISION."""
    prices = ", ".join(f"{candle_price_sql(c, pg=pg)} AS {c}" for c in ("o", "h", "l", "c"))
    volume = real_to_fixed_sql("v", BASE_PRECISION, pg=pg)
    return f"market, tf, t AS ts_s, {candle_expo_sql()} AS expo, {prices}, {volume} AS v, n"


def _ms(column: str, *, pg: bool = False) -> str:
    return real_to_fixed_sql(column, MS_PER_S, pg=pg)


MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "observations",
        """
        CREATE TABLE observations (
            id INTEGER PRIMARY KEY,
            market TEXT NOT NULL,
            price INTEGER NOT NULL,
            conf INTEGER NOT NULL,
            expo INTEGER NOT NULL,
            publish_time INTEGER NOT NULL,
            slot INTEGER NOT NULL,
            ema_price INTEGER NOT NULL,
            source TEXT NOT NULL
        );
        CREATE INDEX observations_market_time ON observations(market, publish_time);
    """,
    ),
    (
        2,
        "candles",
        """
        CREATE TABLE candles (
            market TEXT NOT NULL,
            tf TEXT NOT NULL,
            t INTEGER NOT NULL,
            o REAL NOT NULL,
            h REAL NOT NULL,
            l REAL NOT NULL,
            c REAL NOT NULL,
            v REAL NOT NULL DEFAULT 0,
            n INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (market, tf, t)
        ) WITHOUT ROWID
    """,
    ),
]

# 2..9: oracle and candles; 10..: trading, audit, alerts, solana
MIGRATIONS += [
    (
        10,
        "journal",
        """
        CREATE TABLE journal (
            seq INTEGER PRIMARY KEY,
            ts INTEGER NOT NULL,
            kind TEXT NOT NULL,
            payload BLOB NOT NULL
        );
        CREATE TABLE snapshots (
            seq INTEGER PRIMARY KEY,
            created INTEGER NOT NULL,
            state BLOB NOT NULL
        );
        CREATE TABLE orders (
            order_id INTEGER PRIMARY KEY,
            authority TEXT NOT NULL,
            sub_account INTEGER NOT NULL,
            market TEXT NOT NULL,
            status TEXT NOT NULL,
            updated_ts INTEGER NOT NULL,
            view BLOB NOT NULL
        );
        CREATE INDEX orders_status ON orders(status);
        CREATE TABLE fills (
            fill_id INTEGER PRIMARY KEY,
            order_id INTEGER NOT NULL,
            authority TEXT NOT NULL,
            sub_account INTEGER NOT NULL,
            market TEXT NOT NULL,
            ts INTEGER NOT NULL,
            view BLOB NOT NULL
        );
        CREATE INDEX fills_order ON fills(order_id);
    """,
    ),
    (
        11,
        "audit",
        """
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            ts REAL NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL
        );
    """,
    ),
]

# 20..29: alerts, risk state and equity history
MIGRATIONS += [
    (
        20,
        "alerts",
        """
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            market TEXT,
            level REAL,
            window_s INTEGER NOT NULL DEFAULT 0,
            direction TEXT NOT NULL DEFAULT 'any',
            repeat INTEGER NOT NULL DEFAULT 0,
            cooldown_s REAL NOT NULL DEFAULT 0,
            webhook TEXT,
            note TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL,
            created REAL NOT NULL,
            updated REAL NOT NULL,
            last_fired REAL,
            fire_count INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX alerts_status ON alerts(status);
        CREATE TABLE alert_history (
            id INTEGER PRIMARY KEY,
            alert_id INTEGER NOT NULL,
            ts REAL NOT NULL,
            kind TEXT NOT NULL,
            market TEXT,
            level REAL,
            value REAL,
            message TEXT NOT NULL,
            delivery TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX alert_history_alert ON alert_history(alert_id, ts);
        CREATE INDEX alert_history_ts ON alert_history(ts);
    """,
    ),
    (
        21,
        "risk_state",
        """
        CREATE TABLE risk_kv (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated REAL NOT NULL
        );
        CREATE TABLE equity_history (
            id INTEGER PRIMARY KEY,
            ts INTEGER NOT NULL,
            authority TEXT NOT NULL,
            sub_account INTEGER NOT NULL,
            equity INTEGER NOT NULL,
            total_collateral INTEGER NOT NULL,
            unrealized_pnl INTEGER NOT NULL
        );
        CREATE INDEX equity_history_account_ts ON equity_history(authority, sub_account, ts);
    """,
    ),
]

# 15..16: every status an order passed through, and liquidation / socialized-loss events
MIGRATIONS += [
    (
        15,
        "order_history",
        """
        CREATE TABLE order_history (
            id INTEGER PRIMARY KEY,
            order_id INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            ts INTEGER NOT NULL,
            status TEXT NOT NULL,
            filled INTEGER NOT NULL,
            reason TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX order_history_order ON order_history(order_id, id);
    """,
    ),
    (
        16,
        "liquidations",
        """
        CREATE TABLE liquidations (
            id INTEGER PRIMARY KEY,
            seq INTEGER NOT NULL,
            ts INTEGER NOT NULL,
            authority TEXT NOT NULL,
            sub_account INTEGER NOT NULL,
            kind TEXT NOT NULL,
            view BLOB NOT NULL
        );
        CREATE INDEX liquidations_account ON liquidations(authority, sub_account, id);
    """,
    ),
]

# 30..39: the desk (each backend publishes its accounts' risk for `quantdesk desk`)
MIGRATIONS += [
    (
        30,
        "desk",
        """
        CREATE TABLE desk_accounts (
            trader TEXT NOT NULL,
            authority TEXT NOT NULL,
            sub_account INTEGER NOT NULL,
            ts REAL NOT NULL,
            equity REAL NOT NULL,
            unrealized_pnl REAL NOT NULL,
            total_collateral REAL NOT NULL,
            margin_used REAL NOT NULL,
            maintenance_margin REAL NOT NULL,
            leverage REAL NOT NULL,
            margin_ratio_pct REAL,
            liq_distance_pct REAL,
            day_start_equity REAL NOT NULL,
            level TEXT NOT NULL,
            positions TEXT NOT NULL,
            PRIMARY KEY (trader, authority, sub_account)
        );
        CREATE INDEX fills_ts ON fills(ts)
    """,
    ),
]

# 3: candles as exact integers (prices at the market's exponent, volume in BASE_PRECISION), time named ts_s
MIGRATIONS += [
    (
        3,
        "candles_exact",
        f"""
        CREATE TABLE candles_exact (
            market TEXT NOT NULL,
            tf TEXT NOT NULL,
            ts_s INTEGER NOT NULL,
            expo INTEGER NOT NULL,
            o INTEGER NOT NULL,
            h INTEGER NOT NULL,
            l INTEGER NOT NULL,
            c INTEGER NOT NULL,
            v INTEGER NOT NULL DEFAULT 0,
            n INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (market, tf, ts_s)
        ) WITHOUT ROWID;
        INSERT INTO candles_exact ({", ".join(CANDLE_COLUMNS)}) SELECT {candle_row_sql()} FROM candles;
        DROP TABLE candles;
        ALTER TABLE candles_exact RENAME TO candles
    """,
    ),
]

# 22: alert levels and readings as integers in their kind's unit, instants in unix milliseconds
MIGRATIONS += [
    (
        22,
        "alerts_exact",
        f"""
        CREATE TABLE alerts_exact (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            market TEXT,
            level INTEGER,
            window_s INTEGER NOT NULL DEFAULT 0,
            direction TEXT NOT NULL DEFAULT 'any',
            repeat INTEGER NOT NULL DEFAULT 0,
            cooldown_ms INTEGER NOT NULL DEFAULT 0,
            webhook TEXT,
            note TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL,
            created_ms INTEGER NOT NULL,
            updated_ms INTEGER NOT NULL,
            last_fired_ms INTEGER,
            fire_count INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO alerts_exact
            SELECT id, kind, market, {alert_level_sql("level")}, window_s, direction, repeat, {_ms("cooldown_s")},
                   webhook, note, status, {_ms("created")}, {_ms("updated")}, {_ms("last_fired")}, fire_count
            FROM alerts;
        DROP TABLE alerts;
        ALTER TABLE alerts_exact RENAME TO alerts;
        CREATE INDEX alerts_status ON alerts(status);
        CREATE TABLE alert_history_exact (
            id INTEGER PRIMARY KEY,
            alert_id INTEGER NOT NULL,
            ts_ms INTEGER NOT NULL,
            kind TEXT NOT NULL,
            market TEXT,
            level INTEGER,
            value INTEGER,
            message TEXT NOT NULL,
            delivery TEXT NOT NULL DEFAULT ''
        );
        INSERT INTO alert_history_exact
            SELECT id, alert_id, {_ms("ts")}, kind, market, {alert_level_sql("level")}, {alert_level_sql("value")},
                   message, delivery
            FROM alert_history;
        DROP TABLE alert_history;
        ALTER TABLE alert_history_exact RENAME TO alert_history;
        CREATE INDEX alert_history_alert ON alert_history(alert_id, ts_ms);
        CREATE INDEX alert_history_ts ON alert_history(ts_ms)
    """,
    ),
]
