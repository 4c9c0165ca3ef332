"""Risk limits as `config.toml` keys in human units, and the `risk.limits` / `risk.limits.set` ops.

    [risk]
    max_order_notional = "5000000"   # USD per order
    price_band_pct = "10"            # limit/trigger prices within ±10% of the oracle
    max_leverage = "20"              # x, after the order
    max_open_orders = "200"
    submit_rate = "100"              # orders per second per account
    daily_loss_limit = "2500"        # USD lost since 00:00 UTC before trading goes REDUCING; "none" = off

The backend reads the table at start; `quantdesk risk limits set KEY=VALUE` changes the live limits
and rewrites only this table (the TUI's settings in the same file stay as they are).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from collections.abc import Callable
from typing import Any

import tomlkit
from tomlkit.items import InlineTable, Table
import tomllib

from backend.domain.errors import DomainError
from backend.risk.pretrade import RiskLimits
from backend.units import decimal_str
from programs.vocabulary import MARGIN_PRECISION, QUOTE_PRECISION, ErrorCode

log = logging.getLogger(__name__)
CODE = "RISK_BAD_LIMIT"
# key -> (RiskLimits field or "daily_loss_limit", engine scale of one human unit, what it is)
KEYS: dict[str, tuple[str, int, str]] = {
    "max_order_notional": ("max_order_notional", QUOTE_PRECISION, "USD per order"),
    "price_band_pct": ("price_band_bps", 100, "percent from the oracle"),
    "max_leverage": ("max_leverage", MARGIN_PRECISION, "x"),
    "max_open_orders": ("max_open_orders", 1, "orders"),
    "submit_rate": ("submit_rate_per_s", 0, "orders per second"),
    "daily_loss_limit": ("daily_loss_limit", QUOTE_PRECISION, "USD per UTC day (none = off)"),
}


@dataclass(slots=True)
class RiskSettings:
    limits: RiskLimits
    daily_loss_limit: int | None  # quote 1e6


def parse_value(key: str, value: Any) -> int | float | None:
    """A human value (string or number) in the engine's units; raises DomainError naming the key."""
    if key not in KEYS:
        raise DomainError(CODE, f"unknown risk limit {key!r}; limits: {', '.join(KEYS)}")
    _, scale, what = KEYS[key]
    if key == "daily_loss_limit" and str(value).strip().lower() in ("none", "off", ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise DomainError(CODE, f"{key} must be a number ({what}), not {value!r}") from None
    if not number.is_finite() or number <= 0 or number > Decimal(10) ** 12:
        raise DomainError(CODE, f"{key} must be a positive number ({what}), not {value!r}")
    if scale == 0:
        return float(number)
    scaled = number * scale
    if scaled != scaled.to_integral_value():
        raise DomainError(CODE, f"{key} {value} has more decimals than it can hold")
    return int(scaled)


def human_value(key: str, value: int | float | None) -> str:
    if value is None:
        return "none"
    scale = KEYS[key][1]
    return f"{value:g}" if scale == 0 else decimal_str(int(value), len(str(scale)) - 1)


def apply(settings: RiskSettings, key: str, value: int | float | None) -> None:
    field = KEYS[key][0]
    if field == "daily_loss_limit":
        settings.daily_loss_limit = value  # type: ignore[assignment]
    elif value is None:
        raise DomainError(CODE, f"{key} cannot be none")
    else:
        setattr(settings.limits, field, value)


def current(settings: RiskSettings) -> dict[str, str]:
    out = {}
    for key, (field, _, _) in KEYS.items():
        value = settings.daily_loss_limit if field == "daily_loss_limit" else getattr(settings.limits, field)
        out[key] = human_value(key, value)
    return out


def load_settings(home: Path, limits: RiskLimits, daily_loss_limit: int | None) -> RiskSettings:
    """Defaults, then the [risk] table of config.toml; a bad key is logged and skipped, never fatal."""
    settings = RiskSettings(limits, daily_loss_limit)
    path = home / "config.toml"
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("risk") or {}
    except (OSError, tomllib.TOMLDecodeError):
        return settings
    for key, value in table.items() if isinstance(table, dict) else ():
        try:
            apply(settings, key, parse_value(key, value))
        except DomainError as exc:
            log.warning("%s [risk]: %s; ignored", path, exc.message)
    return settings


def write_table(home: Path, values: dict[str, str]) -> None:
    """Set these keys of the [risk] table of config.toml (atomically) through tomlkit: every other line,
    comments included, stays as the user or the TUI wrote it."""
    path = home / "config.toml"
    try:
        document = tomlkit.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        document = tomlkit.document()
    if "risk" not in document:
        document["risk"] = tomlkit.table()
    table = document["risk"]
    if not isinstance(table, Table | InlineTable):
        raise DomainError(ErrorCode.BAD_REQUEST, f"{path}: `risk` is not a [risk] table; fix or remove it")
    for key, value in values.items():
        if table.get(key) != value:
            table[key] = value
    tmp = path.with_suffix(".risk.tmp")
    tmp.write_text(tomlkit.dumps(document), encoding="utf-8")
    os.replace(tmp, path)


def register_limit_ops(
    api: Any, home: Path, settings: RiskSettings, on_daily_limit: Callable[[int | None], None]
) -> None:
    async def get(session: Any, args: dict[str, Any]) -> Any:
        return {"limits": current(settings), "units": {k: what for k, (_, _, what) in KEYS.items()}}

    async def set_limits(session: Any, args: dict[str, Any]) -> Any:
        values = args.get("limits")
        if not isinstance(values, dict) or not values:
            raise DomainError(ErrorCode.BAD_REQUEST, 'give limits as {"max_leverage": "10", ...}')
        parsed = {key: parse_value(key, value) for key, value in values.items()}  # all valid, or none applied
        for key, value in parsed.items():
            apply(settings, key, value)
        on_daily_limit(settings.daily_loss_limit)
        written = {k: v for k, v in current(settings).items() if k in parsed or _in_file(home, k)}
        write_table(home, written)
        log.info("risk limits set: %s", ", ".join(f"{k}={current(settings)[k]}" for k in parsed))
        return await get(session, {})

    api.op("risk.limits", get)
    api.op("risk.limits.set", set_limits)


def _in_file(home: Path, key: str) -> bool:
    try:
        table = tomllib.loads((home / "config.toml").read_text(encoding="utf-8")).get("risk") or {}
    except (OSError, tomllib.TOMLDecodeError):
        return False
    return key in table
