"""Validation of what a client asks for: alert arguments become a checked `Alert` or a DomainError.

Every refusal has a stable code (AlertCode, or UNKNOWN_MARKET) and says what to fix. The CLI,
the TUI command bar and the SDK all go through `alert.add` / `alert.edit`, so they share it.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import msgspec

from backend.alerts.engine import ANY, EVENT_KINDS, Alert, Kind
from backend.api.numbers import NumberError, parse_decimal
from backend.domain.errors import DomainError
from backend.notify import check_webhook_url


class AlertCode(StrEnum):
    BAD_KIND = "ALERT_BAD_KIND"
    BAD_LEVEL = "ALERT_BAD_LEVEL"
    BAD_WINDOW = "ALERT_BAD_WINDOW"
    BAD_COOLDOWN = "ALERT_BAD_COOLDOWN"
    BAD_DIRECTION = "ALERT_BAD_DIRECTION"
    BAD_WEBHOOK = "ALERT_BAD_WEBHOOK"
    BAD_NOTE = "ALERT_BAD_NOTE"
    MARKET_REQUIRED = "ALERT_MARKET_REQUIRED"
    NOT_FOUND = "ALERT_NOT_FOUND"
    LIMIT = "ALERT_LIMIT"


MAX_WINDOW_S = 7 * 86_400
MAX_COOLDOWN_S = 30 * 86_400
MAX_PRICE = 1e12
KIND_ALIASES = {
    "above": Kind.PRICE_ABOVE,
    ">": Kind.PRICE_ABOVE,
    "below": Kind.PRICE_BELOW,
    "<": Kind.PRICE_BELOW,
    "cross": Kind.PRICE_CROSS,
    "crossing": Kind.PRICE_CROSS,
    "move": Kind.MOVE_PCT,
}
NEEDS_MARKET = {Kind.PRICE_ABOVE, Kind.PRICE_BELOW, Kind.PRICE_CROSS, Kind.MOVE_PCT, Kind.FUNDING}
NO_MARKET = {Kind.ORACLE_STALE, Kind.ORACLE_FAILOVER, Kind.MARGIN_RATIO, Kind.DESK_EXPOSURE, Kind.DESK_MARGIN_RATIO}
# (low exclusive, high inclusive, what the level is) per kind; funding may be negative
LEVEL_RANGE: dict[Kind, tuple[float, float, str]] = {
    Kind.PRICE_ABOVE: (0.0, MAX_PRICE, "a price"),
    Kind.PRICE_BELOW: (0.0, MAX_PRICE, "a price"),
    Kind.PRICE_CROSS: (0.0, MAX_PRICE, "a price"),
    Kind.MOVE_PCT: (0.0, 1000.0, "a move in % (e.g. 5 for 5%)"),
    Kind.FUNDING: (0.0, 100.0, "a funding rate in % per interval, signed (e.g. 0.05 or -0.05)"),
    Kind.LIQ_DISTANCE: (0.0, 100.0, "a distance to liquidation in % (e.g. 10)"),
    Kind.MARGIN_RATIO: (0.0, 1000.0, "a margin ratio in % (collateral / notional; lower is riskier)"),
    Kind.DESK_EXPOSURE: (0.0, 1e13, "the desk's gross exposure in USD (e.g. 1000000)"),
    Kind.DESK_MARGIN_RATIO: (0.0, 1000.0, "a trader's margin ratio in % (the lowest on the desk)"),
}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)?\s*$", re.IGNORECASE)
_UNITS = {None: 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86_400, "w": 604_800}


class AlertArgs(msgspec.Struct, forbid_unknown_fields=True):
    kind: str
    market: str | None = None
    level: Any = None
    window: Any = None  # seconds, or "30s" / "5m" / "1h" / "1d"
    direction: str = "any"
    repeat: bool | None = None  # default: one-shot for price/move/funding, repeating for events
    cooldown: Any = 0
    webhook: str | None = None
    note: str = ""


class AlertEditArgs(msgspec.Struct, forbid_unknown_fields=True):
    id: int
    level: Any = None
    window: Any = None
    direction: str | None = None
    repeat: bool | None = None
    cooldown: Any = None
    webhook: str | None = None  # "" removes it
    note: str | None = None
    enabled: bool | None = None


def parse_kind(text: str) -> Kind:
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    if key in KIND_ALIASES:
        return KIND_ALIASES[key]
    try:
        return Kind(key)
    except ValueError:
        raise DomainError(
            AlertCode.BAD_KIND, f"unknown alert kind {text!r}; kinds: {', '.join(k.value for k in Kind)}"
        ) from None


def parse_number(value: Any, what: str, code: str) -> float:
    if isinstance(value, bool) or value is None:
        raise DomainError(code, f"{what} must be a number, got {value!r}")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:  # the one strict parser: "1_0" or "1e0" is a mistake here too, not 10 or 1
            number = float(parse_decimal(value.strip().removesuffix("%"), what, signed=True))
        except NumberError as exc:
            raise DomainError(code, str(exc)) from None
    else:
        raise DomainError(code, f"{what} must be a number, got {type(value).__name__}")
    if not math.isfinite(number):
        raise DomainError(code, f"{what} must be a finite number, got {value!r}")
    return number


def parse_duration(value: Any, what: str, code: str) -> float:
    if isinstance(value, str):
        match = _DURATION.match(value)
        if not match:
            raise DomainError(code, f"{what} must be seconds or like 30s, 5m, 1h, 1d; got {value!r}")
        unit = match.group(2).lower() if match.group(2) else None
        return float(match.group(1)) * _UNITS[unit]
    return parse_number(value, what, code)


def check_level(kind: Kind, level: Any) -> float | None:
    if kind in EVENT_KINDS:
        return None
    if level is None:
        raise DomainError(AlertCode.BAD_LEVEL, f"a {kind} alert needs a level: {LEVEL_RANGE[kind][2]}")
    low, high, what = LEVEL_RANGE[kind]
    number = parse_number(level, f"the level ({what})", AlertCode.BAD_LEVEL)
    magnitude = abs(number) if kind is Kind.FUNDING else number
    if not low < magnitude <= high:
        bound = (
            f"between -{high:g} and {high:g}, not 0" if kind is Kind.FUNDING else f"above {low:g} and at most {high:g}"
        )
        raise DomainError(AlertCode.BAD_LEVEL, f"the level {number:g} is out of range: {what} {bound}")
    return number


def check_window(kind: Kind, window: Any) -> int:
    if kind is not Kind.MOVE_PCT:
        return 0
    if window is None:
        raise DomainError(AlertCode.BAD_WINDOW, "a move_pct alert needs a window, e.g. 5m or 3600")
    seconds = parse_duration(window, "the window", AlertCode.BAD_WINDOW)
    if not 1 <= seconds <= MAX_WINDOW_S:
        raise DomainError(AlertCode.BAD_WINDOW, f"the window must be from 1s to 7d, got {seconds:g}s")
    return int(seconds)


def check_cooldown(cooldown: Any) -> float:
    seconds = parse_duration(cooldown if cooldown is not None else 0, "the cooldown", AlertCode.BAD_COOLDOWN)
    if not 0 <= seconds <= MAX_COOLDOWN_S:
        raise DomainError(AlertCode.BAD_COOLDOWN, f"the cooldown must be from 0 to 30d, got {seconds:g}s")
    return seconds


def check_webhook(url: str | None) -> str | None:
    if url is None or url == "":
        return None
    if len(url) > 2048:
        raise DomainError(AlertCode.BAD_WEBHOOK, "the webhook URL is longer than 2048 characters")
    problem = check_webhook_url(url)
    if problem:
        raise DomainError(AlertCode.BAD_WEBHOOK, f"bad webhook URL: {problem}")
    return url


def check_direction(kind: Kind, direction: str) -> str:
    d = direction.strip().lower()
    if kind is not Kind.MOVE_PCT:
        return "any"
    if d not in ("up", "down", "any"):
        raise DomainError(AlertCode.BAD_DIRECTION, f"direction must be up, down or any, not {direction!r}")
    return d


def check_note(note: str) -> str:
    if len(note) > 200:
        raise DomainError(AlertCode.BAD_NOTE, "the note is longer than 200 characters")
    return note


def build_alert(args: AlertArgs, resolve_market: Callable[[str], str], *, alert_id: int, now: float) -> Alert:
    """A checked Alert from client arguments; raises DomainError naming what is wrong."""
    kind = parse_kind(args.kind)
    market: str | None
    if kind in NO_MARKET:
        market = None
    elif args.market in (None, "", ANY):
        if kind in NEEDS_MARKET:
            raise DomainError(AlertCode.MARKET_REQUIRED, f"a {kind} alert needs a market, e.g. SOL-PERP")
        market = None
    else:
        market = resolve_market(args.market)
    repeat = args.repeat if args.repeat is not None else kind in EVENT_KINDS
    return Alert(
        id=alert_id,
        kind=kind,
        market=market,
        level=check_level(kind, args.level),
        window_s=check_window(kind, args.window),
        direction=check_direction(kind, args.direction),
        repeat=repeat,
        cooldown_s=check_cooldown(args.cooldown),
        webhook=check_webhook(args.webhook),
        note=check_note(args.note),
        status="active",
        created=now,
        updated=now,
    )


def apply_edit(alert: Alert, edit: AlertEditArgs, now: float) -> Alert:
    """A copy of `alert` with the edit applied and checked (the original is left alone on error)."""
    changed = dataclasses.replace(alert)
    if edit.level is not None:
        changed.level = check_level(alert.kind, edit.level)
    if edit.window is not None:
        changed.window_s = check_window(alert.kind, edit.window)
    if edit.direction is not None:
        changed.direction = check_direction(alert.kind, edit.direction)
    if edit.repeat is not None:
        changed.repeat = edit.repeat
    if edit.cooldown is not None:
        changed.cooldown_s = check_cooldown(edit.cooldown)
    if edit.webhook is not None:
        changed.webhook = check_webhook(edit.webhook)
    if edit.note is not None:
        changed.note = check_note(edit.note)
    if edit.enabled is not None:
        changed.status = "active" if edit.enabled else "disabled"
    changed.updated = now
    return changed
