"""The PostgreSQL schema: the same versioned migrations as the SQLite store (same numbers and names),
written for PostgreSQL, with a `trader` column on every row and row-level security per trader.

Every table's rows belong to a trader. A trader's backend runs as the role `qd_<trader>` (it connects
as that role, or `SET ROLE`s to it); `quantdesk_trader()` reads the trader from the role, fills the
`trader` column by default, and the policies let that role see and write only its own rows. The table
owner (who migrates) and members of `quantdesk_desk` read every trader: that is the desk view.

Time series (candles, observations) become TimescaleDB hypertables with compression when the
extension is available, native range partitions by time otherwise (`time_series_ddl`).
"""

from __future__ import annotations

import calendar
import time

from backend.store.exact_sql import (
    DESK_SCALES,
    alert_level_sql,
    candle_row_sql,
    desk_positions_sql,
    ms_sql,
    real_to_fixed_sql,
    trading_state_ms_sql,
)
from backend.store.migrations import CANDLE_COLUMNS

TRADER_ROLE_PREFIX = "qd_"
DESK_ROLE = "quantdesk_desk"
MONTH_S = 31 * 86_400
# table -> the columns (after `trader`) that identify a row: what `INSERT OR REPLACE/IGNORE` conflicts on
CONFLICT_KEYS: dict[str, tuple[str, ...]] = {
    "candles": ("market", "tf", "ts_s"),
    "journal": ("seq",),
    "snapshots": ("seq",),
    "orders": ("order_id",),
    "fills": ("fill_id",),
    "risk_kv": ("key",),
    "alerts": ("id",),
    "alert_history": ("id",),
    "desk_accounts": ("authority", "sub_account"),
}
TIME_SERIES: dict[str, str] = {"candles": "ts_s", "observations": "publish_time"}  # table -> time column (unix s)

_TRADER = "trader TEXT NOT NULL DEFAULT quantdesk_trader()"
# BRIN on append-only time columns; autosummarize so freshly filled page ranges are indexed without a VACUUM
_BRIN = "WITH (autosummarize = on, pages_per_range = 32)"

_PRELUDE = f"""
CREATE OR REPLACE FUNCTION quantdesk_trader() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN left(current_user, {len(TRADER_ROLE_PREFIX)}) = '{TRADER_ROLE_PREFIX}'
                THEN substr(current_user, {len(TRADER_ROLE_PREFIX) + 1}) END
$$;
CREATE OR REPLACE FUNCTION quantdesk_unix_now() RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT extract(epoch FROM now())::bigint
$$;
DO $$ BEGIN CREATE ROLE {DESK_ROLE} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
"""


def trader_policies(table: str) -> str:
    """Row-level security: a trader role sees and writes its own rows; the desk role reads all."""
    return f"""
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
CREATE POLICY {table}_own_rows ON {table}
    USING (trader = quantdesk_trader()) WITH CHECK (trader = quantdesk_trader());
CREATE POLICY {table}_desk_read ON {table} FOR SELECT TO {DESK_ROLE} USING (true);
"""


def _month_start(ts: int) -> int:
    t = time.gmtime(ts)
    return calendar.timegm((t.tm_year, t.tm_mon, 1, 0, 0, 0))


def _next_month(start: int) -> int:
    return _month_start(start + MONTH_S)


def month_partitions(table: str, now: int, before: int = 1, after: int = 2) -> list[str]:
    """DDL for monthly partitions around `now` (idempotent); older and later rows land in the default."""
    start = _month_start(now)
    for _ in range(before):
        start = _month_start(start - 86_400)
    out = []
    for _ in range(before + 1 + after):
        end = _next_month(start)
        name = f"{table}_{time.strftime('%Y_%m', time.gmtime(start))}"
        out.append(f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {table} FOR VALUES FROM ({start}) TO ({end})")
        start = end
    return out


def time_series_ddl(table: str, timescale: bool, now: int, segment_by: str, column: str | None = None) -> list[str]:
    """Statements that make `table` (created PARTITION BY RANGE when native) a time series."""
    column = column or TIME_SERIES[table]
    if timescale:
        return [
            f"SELECT create_hypertable('{table}', '{column}', chunk_time_interval => 604800, migrate_data => true)",
            f"SELECT set_integer_now_func('{table}', 'quantdesk_unix_now')",
            f"ALTER TABLE {table} SET (timescaledb.compress, timescaledb.compress_segmentby = '{segment_by}',"
            f" timescaledb.compress_orderby = '{column}')",
            f"SELECT add_compression_policy('{table}', compress_after => 2592000)",  # 30 days, in seconds
        ]
    return [f"CREATE TABLE IF NOT EXISTS {table}_default PARTITION OF {table} DEFAULT", *month_partitions(table, now)]


def _partitioned(timescale: bool) -> str:
    return "" if timescale else " PARTITION BY RANGE ({col})"


def migrations(timescale: bool, now: int | None = None) -> list[tuple[int, str, list[str]]]:
    """(version, name, statements); versions and names match backend/store/migrations.py."""
    now = int(time.time()) if now is None else now
    return [
        (
            1,
            "observations",
            [
                _PRELUDE,
                f"""
            CREATE TABLE observations (
                {_TRADER},
                id BIGINT GENERATED BY DEFAULT AS IDENTITY,
                market TEXT NOT NULL, price BIGINT NOT NULL, conf BIGINT NOT NULL, expo INTEGER NOT NULL,
                publish_time BIGINT NOT NULL, slot BIGINT NOT NULL, ema_price BIGINT NOT NULL, source TEXT NOT NULL
            ){_partitioned(timescale).format(col="publish_time")}""",
                "CREATE INDEX observations_market_time ON observations (trader, market, publish_time)",
                "CREATE INDEX observations_id ON observations (trader, id)",
                *time_series_ddl("observations", timescale, now, "trader, market"),
                trader_policies("observations"),
            ],
        ),
        (
            2,
            "candles",
            [
                f"""
            CREATE TABLE candles (
                {_TRADER},
                market TEXT NOT NULL, tf TEXT NOT NULL, t BIGINT NOT NULL,
                o DOUBLE PRECISION NOT NULL, h DOUBLE PRECISION NOT NULL, l DOUBLE PRECISION NOT NULL,
                c DOUBLE PRECISION NOT NULL, v DOUBLE PRECISION NOT NULL DEFAULT 0, n BIGINT NOT NULL DEFAULT 0,
                PRIMARY KEY (trader, market, tf, t)
            ){_partitioned(timescale).format(col="t")}""",
                *time_series_ddl("candles", timescale, now, "trader, market, tf", column="t"),
                trader_policies("candles"),
            ],
        ),
        (3, "candles_exact", _candles_exact(timescale, now)),
        (
            10,
            "journal",
            [
                f"""
            CREATE TABLE journal ({_TRADER}, seq BIGINT NOT NULL, ts BIGINT NOT NULL, kind TEXT NOT NULL,
                                  payload BYTEA NOT NULL, PRIMARY KEY (trader, seq));
            CREATE INDEX journal_ts_brin ON journal USING brin (ts) {_BRIN};
            CREATE TABLE snapshots ({_TRADER}, seq BIGINT NOT NULL, created BIGINT NOT NULL, state BYTEA NOT NULL,
                                    PRIMARY KEY (trader, seq));
            CREATE TABLE orders ({_TRADER}, order_id BIGINT NOT NULL, authority TEXT NOT NULL,
                                 sub_account INTEGER NOT NULL, market TEXT NOT NULL, status TEXT NOT NULL,
                                 updated_ts BIGINT NOT NULL, view BYTEA NOT NULL, PRIMARY KEY (trader, order_id));
            CREATE INDEX orders_status ON orders (trader, status);
            CREATE INDEX orders_updated ON orders (trader, updated_ts);
            CREATE TABLE fills ({_TRADER}, fill_id BIGINT NOT NULL, order_id BIGINT NOT NULL, authority TEXT NOT NULL,
                                sub_account INTEGER NOT NULL, market TEXT NOT NULL, ts BIGINT NOT NULL,
                                view BYTEA NOT NULL, PRIMARY KEY (trader, fill_id));
            CREATE INDEX fills_order ON fills (trader, order_id);
            CREATE INDEX fills_trader_ts ON fills (trader, ts);
            CREATE INDEX fills_ts_brin ON fills USING brin (ts) {_BRIN};
            """,
                *(trader_policies(t) for t in ("journal", "snapshots", "orders", "fills")),
            ],
        ),
        (
            11,
            "audit",
            [
                f"""
            CREATE TABLE audit ({_TRADER}, id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                                ts DOUBLE PRECISION NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
                                detail TEXT NOT NULL);
            CREATE INDEX audit_trader_id ON audit (trader, id);
            CREATE INDEX audit_ts_brin ON audit USING brin (ts) {_BRIN};
            """,
                trader_policies("audit"),
            ],
        ),
        (12, "audit_exact", [_retype("audit", {"ts": ("ts_ms", ms_sql("ts", pg=True))})]),
        (
            15,
            "order_history",
            [
                f"""
            CREATE TABLE order_history ({_TRADER}, id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                order_id BIGINT NOT NULL, seq BIGINT NOT NULL, ts BIGINT NOT NULL, status TEXT NOT NULL,
                filled BIGINT NOT NULL, reason TEXT NOT NULL DEFAULT '');
            CREATE INDEX order_history_order ON order_history (trader, order_id, id);
            """,
                trader_policies("order_history"),
            ],
        ),
        (
            16,
            "liquidations",
            [
                f"""
            CREATE TABLE liquidations ({_TRADER}, id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                seq BIGINT NOT NULL, ts BIGINT NOT NULL, authority TEXT NOT NULL, sub_account INTEGER NOT NULL,
                kind TEXT NOT NULL, view BYTEA NOT NULL);
            CREATE INDEX liquidations_account ON liquidations (trader, authority, sub_account, id);
            """,
                trader_policies("liquidations"),
            ],
        ),
        (
            20,
            "alerts",
            [
                f"""
            CREATE TABLE alerts ({_TRADER}, id BIGINT NOT NULL, kind TEXT NOT NULL, market TEXT,
                level DOUBLE PRECISION, window_s BIGINT NOT NULL DEFAULT 0, direction TEXT NOT NULL DEFAULT 'any',
                repeat INTEGER NOT NULL DEFAULT 0, cooldown_s DOUBLE PRECISION NOT NULL DEFAULT 0, webhook TEXT,
                note TEXT NOT NULL DEFAULT '', status TEXT NOT NULL, created DOUBLE PRECISION NOT NULL,
                updated DOUBLE PRECISION NOT NULL, last_fired DOUBLE PRECISION, fire_count BIGINT NOT NULL DEFAULT 0,
                PRIMARY KEY (trader, id));
            CREATE INDEX alerts_status ON alerts (trader, status);
            CREATE TABLE alert_history ({_TRADER}, id BIGINT NOT NULL, alert_id BIGINT NOT NULL,
                ts DOUBLE PRECISION NOT NULL, kind TEXT NOT NULL, market TEXT, level DOUBLE PRECISION,
                value DOUBLE PRECISION, message TEXT NOT NULL, delivery TEXT NOT NULL DEFAULT '',
                PRIMARY KEY (trader, id));
            CREATE INDEX alert_history_alert ON alert_history (trader, alert_id, ts);
            CREATE INDEX alert_history_ts_brin ON alert_history USING brin (ts) {_BRIN};
            """,
                *(trader_policies(t) for t in ("alerts", "alert_history")),
            ],
        ),
        (22, "alerts_exact", _alerts_exact()),
        (
            21,
            "risk_state",
            [
                f"""
            CREATE TABLE risk_kv ({_TRADER}, key TEXT NOT NULL, value TEXT NOT NULL, updated DOUBLE PRECISION NOT NULL,
                                  PRIMARY KEY (trader, key));
            CREATE TABLE equity_history ({_TRADER}, id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                ts BIGINT NOT NULL, authority TEXT NOT NULL, sub_account INTEGER NOT NULL, equity BIGINT NOT NULL,
                total_collateral BIGINT NOT NULL, unrealized_pnl BIGINT NOT NULL);
            CREATE INDEX equity_history_account_ts ON equity_history (trader, authority, sub_account, ts);
            CREATE INDEX equity_history_ts_brin ON equity_history USING brin (ts) {_BRIN};
            """,
                *(trader_policies(t) for t in ("risk_kv", "equity_history")),
            ],
        ),
        (
            23,
            "risk_kv_exact",
            [
                _retype("risk_kv", {"updated": ("updated_ms", ms_sql("updated", pg=True))}),
                trading_state_ms_sql(pg=True),
            ],
        ),
        (
            30,
            "desk",
            [
                f"""
            CREATE TABLE desk_accounts ({_TRADER}, authority TEXT NOT NULL, sub_account INTEGER NOT NULL,
                ts DOUBLE PRECISION NOT NULL, equity DOUBLE PRECISION NOT NULL,
                unrealized_pnl DOUBLE PRECISION NOT NULL, total_collateral DOUBLE PRECISION NOT NULL,
                margin_used DOUBLE PRECISION NOT NULL, maintenance_margin DOUBLE PRECISION NOT NULL,
                leverage DOUBLE PRECISION NOT NULL, margin_ratio_pct DOUBLE PRECISION,
                liq_distance_pct DOUBLE PRECISION, day_start_equity DOUBLE PRECISION NOT NULL,
                level TEXT NOT NULL, positions TEXT NOT NULL, PRIMARY KEY (trader, authority, sub_account));
            """,
                trader_policies("desk_accounts"),
            ],
        ),
        (31, "desk_exact", _desk_exact()),
    ]


def _retype(table: str, columns: dict[str, tuple[str, str]]) -> str:
    """DOUBLE PRECISION columns as BIGINT, each through its conversion, then renamed: {old: (new, SQL)}."""
    alters = ", ".join(f"ALTER COLUMN {old} TYPE BIGINT USING {sql}" for old, (_new, sql) in columns.items())
    renames = "".join(
        f"; ALTER TABLE {table} RENAME COLUMN {old} TO {new}" for old, (new, _sql) in columns.items() if new != old
    )
    return f"ALTER TABLE {table} {alters}{renames}"


def _desk_exact() -> list[str]:
    """Migration 31: the desk's accounts as integers in the risk monitor's units (exact_sql.py: DESK_SCALES)."""
    from_real = {old: (new, real_to_fixed_sql(old, scale, pg=True)) for old, (new, scale) in DESK_SCALES.items()}
    return [
        f"UPDATE desk_accounts SET positions = {desk_positions_sql('positions', pg=True)}",
        _retype("desk_accounts", from_real),
    ]


def _candles_exact(timescale: bool, now: int) -> list[str]:
    """Migration 3: the candles as exact integers (backend/store/migrations.py says how each REAL became one).
    The table is rebuilt, not altered: a compressed hypertable refuses a column's type change."""
    return [
        f"CREATE TEMP TABLE candles_exact ON COMMIT DROP AS SELECT trader, {candle_row_sql(pg=True)} FROM candles",
        "DROP TABLE candles",
        f"""
            CREATE TABLE candles (
                {_TRADER},
                market TEXT NOT NULL, tf TEXT NOT NULL, ts_s BIGINT NOT NULL, expo INTEGER NOT NULL,
                o BIGINT NOT NULL, h BIGINT NOT NULL, l BIGINT NOT NULL, c BIGINT NOT NULL,
                v BIGINT NOT NULL DEFAULT 0, n BIGINT NOT NULL DEFAULT 0,
                PRIMARY KEY (trader, market, tf, ts_s)
            ){_partitioned(timescale).format(col="ts_s")}""",
        *time_series_ddl("candles", timescale, now, "trader, market, tf"),
        f"INSERT INTO candles (trader, {', '.join(CANDLE_COLUMNS)}) SELECT * FROM candles_exact",
        trader_policies("candles"),
    ]


def _alerts_exact() -> list[str]:
    """Migration 22: alert levels and readings as integers in their kind's unit, instants in unix ms."""

    def ms(column: str) -> str:
        return ms_sql(column, pg=True)

    return [
        f"""
        ALTER TABLE alerts ALTER COLUMN cooldown_s DROP DEFAULT;
        ALTER TABLE alerts
            ALTER COLUMN level TYPE BIGINT USING {alert_level_sql("level", pg=True)},
            ALTER COLUMN cooldown_s TYPE BIGINT USING {ms("cooldown_s")},
            ALTER COLUMN created TYPE BIGINT USING {ms("created")},
            ALTER COLUMN updated TYPE BIGINT USING {ms("updated")},
            ALTER COLUMN last_fired TYPE BIGINT USING {ms("last_fired")};
        ALTER TABLE alerts ALTER COLUMN cooldown_s SET DEFAULT 0;
        ALTER TABLE alerts RENAME COLUMN cooldown_s TO cooldown_ms;
        ALTER TABLE alerts RENAME COLUMN created TO created_ms;
        ALTER TABLE alerts RENAME COLUMN updated TO updated_ms;
        ALTER TABLE alerts RENAME COLUMN last_fired TO last_fired_ms;
        ALTER TABLE alert_history
            ALTER COLUMN ts TYPE BIGINT USING {ms("ts")},
            ALTER COLUMN level TYPE BIGINT USING {alert_level_sql("level", pg=True)},
            ALTER COLUMN value TYPE BIGINT USING {alert_level_sql("value", pg=True)};
        ALTER TABLE alert_history RENAME COLUMN ts TO ts_ms;
        """
    ]


def trader_role(trader: str) -> str:
    return TRADER_ROLE_PREFIX + trader


def role_setup(trader: str) -> list[str]:
    """Create the trader's role (if missing), let the connecting user act as it, grant it the tables."""
    role = trader_role(trader)
    return [
        f"DO $$ BEGIN CREATE ROLE {role} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
        f"GRANT {role} TO CURRENT_USER",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"GRANT EXECUTE ON FUNCTION quantdesk_trader() TO {role}",
    ]
