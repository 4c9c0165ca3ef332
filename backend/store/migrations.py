"""Versioned schema migrations, applied in order at start-up; the version lives in `schema_version`.

Append new entries with the next number; never edit an applied one.
Amounts are integers in a named unit and instants carry theirs in the column name (`ts_ms`, `ts_s`).
Migrations 3, 12, 22, 23 and 31 moved the candles', the audit's, the alerts', the risk state's and the
desk's REAL columns there; `real_to_fixed_sql` says how a REAL became an integer (round half to even,
the best a float's old value allows).
"""

from __future__ import annotations


from backend.store.exact_sql import (
    DESK_SCALES,
    alert_level_sql,
    candle_row_sql,
    desk_positions_sql,
    ms_sql,
    real_to_fixed_sql,
    trading_state_ms_sql,
)

CANDLE_COLUMNS = ("market", "tf", "ts_s", "expo", "o", "h", "l", "c", "v", "n")  # the candles table, in its order


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
            SELECT id, kind, market, {alert_level_sql("level")}, window_s, direction, repeat, {ms_sql("cooldown_s")},
                   webhook, note, status, {ms_sql("created")}, {ms_sql("updated")}, {ms_sql("last_fired")}, fire_count
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
            SELECT id, alert_id, {ms_sql("ts")}, kind, market, {alert_level_sql("level")}, {alert_level_sql("value")},
                   message, delivery
            FROM alert_history;
        DROP TABLE alert_history;
        ALTER TABLE alert_history_exact RENAME TO alert_history;
        CREATE INDEX alert_history_alert ON alert_history(alert_id, ts_ms);
        CREATE INDEX alert_history_ts ON alert_history(ts_ms)
    """,
    ),
]

# 12: the audit's instants in unix milliseconds
MIGRATIONS += [
    (
        12,
        "audit_exact",
        f"""
        CREATE TABLE audit_exact (
            id INTEGER PRIMARY KEY,
            ts_ms INTEGER NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL
        );
        INSERT INTO audit_exact SELECT id, {ms_sql("ts")}, actor, action, detail FROM audit;
        DROP TABLE audit;
        ALTER TABLE audit_exact RENAME TO audit
    """,
    ),
]

# 23: the risk state's instants in unix milliseconds (the trading state's JSON `ts` too)
MIGRATIONS += [
    (
        23,
        "risk_kv_exact",
        f"""
        CREATE TABLE risk_kv_exact (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_ms INTEGER NOT NULL
        );
        INSERT INTO risk_kv_exact SELECT key, value, {ms_sql("updated")} FROM risk_kv;
        DROP TABLE risk_kv;
        ALTER TABLE risk_kv_exact RENAME TO risk_kv;
        {trading_state_ms_sql()}
    """,
    ),
]

# 31: the desk's accounts as integers in the risk monitor's units (backend/store/exact_sql.py: DESK_SCALES)
MIGRATIONS += [
    (
        31,
        "desk_exact",
        f"""
        CREATE TABLE desk_accounts_exact (
            trader TEXT NOT NULL,
            authority TEXT NOT NULL,
            sub_account INTEGER NOT NULL,
            ts_ms INTEGER NOT NULL,
            equity INTEGER NOT NULL,
            unrealized_pnl INTEGER NOT NULL,
            total_collateral INTEGER NOT NULL,
            margin_used INTEGER NOT NULL,
            maintenance_margin INTEGER NOT NULL,
            leverage INTEGER NOT NULL,
            margin_ratio INTEGER,
            liq_distance INTEGER,
            day_start_equity INTEGER NOT NULL,
            level TEXT NOT NULL,
            positions TEXT NOT NULL,
            PRIMARY KEY (trader, authority, sub_account)
        );
        INSERT INTO desk_accounts_exact
            SELECT trader, authority, sub_account,
                   {", ".join(real_to_fixed_sql(old, scale) for old, (_new, scale) in DESK_SCALES.items())},
                   level, {desk_positions_sql("positions")}
            FROM desk_accounts;
        DROP TABLE desk_accounts;
        ALTER TABLE desk_accounts_exact RENAME TO desk_accounts
    """,
    ),
]
