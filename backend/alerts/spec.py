"""Validation of what a client asks for: alert arguments become a checked `Alert` or a DomainError.

Every refusal has a stable code (AlertCode, or UNKNOWN_MARKET) and says what to fix. The CLI,
the TUI command bar and the SDK all go through `alert.add` / `alert.edit`, so they share it.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from decimal import Decimal
from enum import StrEnum
from typing import Any

import msgspec

from backend.alerts.engine import ANY, EVENT_KINDS, Alert, Kind
from backend.api.numbers import NumberError, parse_decimal
from backend.domain.alerts import LEVEL_UNITS
from backend.domain.errors import DomainError
from backend.notify import check_webhook_url
from programs.vocabulary import ALERT_KIND_WORDS, MS_PER_S, alert_kind_of, decimals_of


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
MAX_PRICE = Decimal(10) ** 12  # USD: 10**18 in PRICE_PRECISION, inside a store's 64-bit integer
NEEDS_MARKET = {Kind.PRICE_ABOVE, Kind.PRICE_BELOW, Kind.PRICE_CROSS, Kind.MOVE_PCT, Kind.FUNDING}
NO_MARKET = {Kind.ORACLE_STALE, Kind.ORACLE_FAILOVER, Kind.MARGIN_RATIO, Kind.DESK_EXPOSURE, Kind.DESK_MARGIN_RATIO}
# (low exclusive, high inclusive, what the level is) per kind, as typed (USD or %); funding may be negative
LEVEL_RANGE: dict[Kind, tuple[Decimal, Decimal, str]] = {
    Kind.PRICE_ABOVE: (Decimal(0), MAX_PRICE, "a price"),
    Kind.PRICE_BELOW: (Decimal(0), MAX_PRICE, "a price"),
    Kind.PRICE_CROSS: (Decimal(0), MAX_PRICE, "a price"),
    Kind.MOVE_PCT: (Decimal(0), Decimal(1000), "a move in % (e.g. 5 for 5%)"),
    Kind.FUNDING: (Decimal(0), Decimal(100), "a funding rate in % per interval, signed (e.g. 0.05 or -0.05)"),
    Kind.LIQ_DISTANCE: (Decimal(0), Decimal(100), "a distance to liquidation in % (e.g. 10)"),
    Kind.MARGIN_RATIO: (Decimal(0), Decimal(1000), "a margin ratio in % (collateral / notional; lower is riskier)"),
    Kind.DESK_EXPOSURE: (Decimal(0), MAX_PRICE, "the desk's gross exposure in USD (e.g. 1000000)"),
    Kind.DESK_MARGIN_RATIO: (Decimal(0), Decimal(1000), "a trader's margin ratio in % (the lowest on the desk)"),
}
_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(s|sec|m|min|h|d|w)?\s*$", re.IGNORECASE)
_UNITS = {None: 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86_400, "w": 604_800}


class AlertArgs(msgspec.Struct, forbid_unknown_fields=True):
    kind: str
    market: str | None = None
    level: Any = None  # exact decimal text as typed, USD or % ("145.10", "4.5"), or a whole number
    level_fixed: int | None = None  # or the level in its unit's integers (`level_precision` of a reply)
    window: Any = None  # seconds, or "30s" / "5m" / "1h" / "1d"
    direction: str = "any"
    repeat: bool | None = None  # default: one-shot for price/move/funding, repeating for events
    cooldown: Any = 0
    webhook: str | None = None
    note: str = ""


class AlertEditArgs(msgspec.Struct, forbid_unknown_fields=True):
    id: int
    level: Any = None
    level_fixed: int | None = None
    window: Any = None
    direction: str | None = None
    repeat: bool | None = None
    cooldown: Any = None
    webhook: str | None = None  # "" removes it
    note: str | None = None
    enabled: bool | None = None


def parse_kind(text: str) -> Kind:
    """A kind as a person or a client names it: the vocabulary's words, shorthands and wire names."""
    kind = alert_kind_of(text)
    if kind is None:
        words = ", ".join(ALERT_KIND_WORDS.values())
        raise DomainError(AlertCode.BAD_KIND, f"unknown alert kind {text!r}; kinds: {words}")
    return kind


def parse_number(value: Any, what: str, code: str) -> Decimal:
    """An exact decimal from text (the one strict parser; a trailing % is allowed) or a number.

    A JSON number arrives as a float; it is read as the decimal it was written as (its shortest repr,
    which is the literal for up to 15 significant digits), never as its binary expansion."""
    if isinstance(value, bool) or value is None:
        raise DomainError(code, f"{what} must be a number, got {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:  # the one strict parser: "1_0" or "1e0" is a mistake here too, not 10 or 1
            return parse_decimal(value.strip().removesuffix("%"), what, signed=True)
        except NumberError as exc:
            raise DomainError(code, str(exc)) from None
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DomainError(code, f"{what} must be a finite number, got {value!r}")
        return Decimal(repr(value))
    raise DomainError(code, f"{what} must be a number, got {type(value).__name__}")


def parse_duration_ms(value: Any, what: str, code: str) -> int:
    """Seconds (a number or text like 30s, 5m, 1h, 1d) as whole milliseconds; finer is refused."""
    if isinstance(value, str):
        match = _DURATION.match(value)
        if not match:
            raise DomainError(code, f"{what} must be seconds or like 30s, 5m, 1h, 1d; got {value!r}")
        unit = match.group(2).lower() if match.group(2) else None
        seconds = Decimal(match.group(1)) * _UNITS[unit]
    else:
        seconds = parse_number(value, what, code)
    ms = seconds * MS_PER_S
    if ms != ms.to_integral_value():
        raise DomainError(code, f"{what} has more digits than milliseconds: {value!r}")
    return int(ms)


def check_level(kind: Kind, level: Any, level_fixed: int | None = None) -> int | None:
    """The level in the kind's unit (LEVEL_UNITS), from typed text or from its integer; exact or refused."""
    if kind in EVENT_KINDS:
        return None
    low, high, what = LEVEL_RANGE[kind]
    unit = LEVEL_UNITS[kind]
    if level is not None and level_fixed is not None:
        raise DomainError(AlertCode.BAD_LEVEL, "give the level or level_fixed, not both")
    if level_fixed is not None:
        if isinstance(level_fixed, bool) or not isinstance(level_fixed, int):
            raise DomainError(AlertCode.BAD_LEVEL, f"level_fixed must be an integer, got {level_fixed!r}")
        number = unit.typed(level_fixed)
    elif level is None:
        raise DomainError(AlertCode.BAD_LEVEL, f"a {kind} alert needs a level: {what}")
    else:
        number = parse_number(level, f"the level ({what})", AlertCode.BAD_LEVEL)
    magnitude = abs(number) if kind is Kind.FUNDING else number
    if not low < magnitude <= high:
        bound = f"between -{high} and {high}, not 0" if kind is Kind.FUNDING else f"above {low} and at most {high}"
        raise DomainError(AlertCode.BAD_LEVEL, f"the level {number} is out of range: {what} {bound}")
    try:
        return unit.fixed(number)
    except ValueError:
        digits = decimals_of(unit.scale)
        raise DomainError(
            AlertCode.BAD_LEVEL, f"the level {number} has more than {digits} decimals ({what}, in {unit.symbol})"
        ) from None


def check_window(kind: Kind, window: Any) -> int:
    if kind is not Kind.MOVE_PCT:
        return 0
    if window is None:
        raise DomainError(AlertCode.BAD_WINDOW, "a move_pct alert needs a window, e.g. 5m or 3600")
    ms = parse_duration_ms(window, "the window", AlertCode.BAD_WINDOW)
    if not MS_PER_S <= ms <= MAX_WINDOW_S * MS_PER_S or ms % MS_PER_S:
        raise DomainError(AlertCode.BAD_WINDOW, f"the window must be whole seconds from 1s to 7d, got {window!r}")
    return ms // MS_PER_S


def check_cooldown(cooldown: Any) -> int:
    """The cooldown in milliseconds."""
    ms = parse_duration_ms(cooldown if cooldown is not None else 0, "the cooldown", AlertCode.BAD_COOLDOWN)
    if not 0 <= ms <= MAX_COOLDOWN_S * MS_PER_S:
        raise DomainError(AlertCode.BAD_COOLDOWN, f"the cooldown must be from 0 to 30d, got {cooldown!r}")
    return ms


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


def build_alert(args: AlertArgs, resolve_market: Callable[[str], str], *, alert_id: int, now_ms: int) -> Alert:
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
        level=check_level(kind, args.level, args.level_fixed),
        window_s=check_window(kind, args.window),
        direction=check_direction(kind, args.direction),
        repeat=repeat,
        cooldown_ms=check_cooldown(args.cooldown),
        webhook=check_webhook(args.webhook),
        note=check_note(args.note),
        status="active",
        created_ms=now_ms,
        updated_ms=now_ms,
    )


def apply_edit(alert: Alert, edit: AlertEditArgs, now_ms: int) -> Alert:
    """A copy of `alert` with the edit applied and checked (the original is left alone on error)."""
    changed = dataclasses.replace(alert)
    if edit.level is not None or edit.level_fixed is not None:
        changed.level = check_level(alert.kind, edit.level, edit.level_fixed)
    if edit.window is not None:
        changed.window_s = check_window(alert.kind, edit.window)
    if edit.direction is not None:
        changed.direction = check_direction(alert.kind, edit.direction)
    if edit.repeat is not None:
        changed.repeat = edit.repeat
    if edit.cooldown is not None:
        changed.cooldown_ms = check_cooldown(edit.cooldown)
    if edit.webhook is not None:
        changed.webhook = check_webhook(edit.webhook)
    if edit.note is not None:
        changed.note = check_note(edit.note)
    if edit.enabled is not None:
        changed.status = "active" if edit.enabled else "disabled"
    changed.updated_ms = now_ms
    return changed
