"""Display formatting for fixed-point integers (prices, sizes, PnL, ratios) and input parsing.

Colour is never the only signal: signed values carry +/- and percent changes carry ▲/▼.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

from backend.api.protocol import (
    BASE_PRECISION,
    MARGIN_PRECISION,
    MS_PER_S,
    PRICE_PRECISION,
    QUOTE_PRECISION,
    MarketInfo,
    NumberError,
    alert_kind_word,
    to_decimal,
    to_fixed,
)
from backend.api.protocol import parse_decimal as protocol_decimal

UP_ARROW = "▲"
DOWN_ARROW = "▼"


def decimals_for_tick(tick: int, precision: int) -> int:
    """Decimals needed to show a multiple of a tick of `tick` units of `precision`
    (1_000 at 10**6 = 0.001 -> 3, 500_000 -> 1, 10**6 -> 0); 2 when there is no tick."""
    if tick <= 0:
        return 2
    exponent = to_decimal(tick, precision).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def decimal_text(units: int, precision: int) -> str:
    """An amount in `precision` units as plain decimal text, no exponent: (1_000, 10**6) -> '0.001'."""
    return format(to_decimal(units, precision).normalize(), "f")


def decimals_for_price(price: float, expo: int | None = None) -> int:
    """Market-appropriate decimals when no tick size is known: fewer for large prices,
    never more than the feed's own precision (-expo)."""
    magnitude = abs(price)
    if magnitude >= 10_000:
        decimals = 1
    elif magnitude >= 100:
        decimals = 2
    elif magnitude >= 1:
        decimals = 3
    elif magnitude >= 0.01:
        decimals = 5
    else:
        decimals = 8
    if expo is not None and expo <= 0:
        decimals = min(decimals, -expo)
    return decimals


def exact(value: int, exponent: int) -> Decimal:
    """value * 10**exponent without binary rounding: exact(14250000000, -8) == Decimal('142.5')."""
    return Decimal(value).scaleb(exponent)


def pyth_to_price(price: int, expo: int) -> int:
    """A Pyth-style price*10**expo integer as a PRICE_PRECISION one, rounded half to even:
    pyth_to_price(14_250_000_049, -8) == 142_500_000."""
    return int((exact(price, expo) * PRICE_PRECISION).to_integral_value(ROUND_HALF_EVEN))


def fmt_number(value: float | Decimal, decimals: int, *, signed: bool = False) -> str:
    """Thousands-separated fixed decimals: 1234.5 -> '1,234.50'; signed adds '+' to positives.
    Decimals (exact fixed-point values) round half away from zero."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            return "—"
        value = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    elif not math.isfinite(value):
        return "—"
    text = f"{value:,.{decimals}f}"
    if text.startswith("-") and float(text.lstrip("-").replace(",", "")) == 0:
        text = text[1:]  # never show "-0.00"
    if signed and not text.startswith("-") and value != 0 and float(text.replace(",", "")) != 0:
        text = "+" + text
    return text


def fmt_price(price: int, decimals: int = 2, *, signed: bool = False) -> str:
    """A PRICE_PRECISION integer as a price: fmt_price(142_500_000, 3) -> '142.500'."""
    return fmt_number(to_decimal(price, PRICE_PRECISION), decimals, signed=signed)


def fmt_pyth_price(price: int, expo: int, decimals: int | None = None, *, signed: bool = False) -> str:
    """A Pyth-style price*10**expo integer: fmt_pyth_price(14250000000, -8) -> '142.50'."""
    if decimals is None:
        decimals = decimals_for_price(price * 10.0**expo, expo)
    return fmt_number(exact(price, expo), decimals, signed=signed)


def fmt_size(base: int, decimals: int = 4, *, signed: bool = False) -> str:
    """A BASE_PRECISION integer as a base amount: fmt_size(1_500_000_000, 2) -> '1.50'."""
    return fmt_number(to_decimal(base, BASE_PRECISION), decimals, signed=signed)


def fmt_usd(quote: int, decimals: int = 2) -> str:
    """A PRICE_PRECISION quote amount as dollars: fmt_usd(-1_234_560_000) -> '-$1,234.56'."""
    text = fmt_number(to_decimal(abs(quote), QUOTE_PRECISION), decimals)
    return f"-${text}" if quote < 0 and text.strip("0.,") else f"${text}"


def fmt_pnl(quote: int, decimals: int = 2) -> str:
    """Signed PnL: '+12.34', '-12.34', '0.00' (sign, not only colour, says which way)."""
    return fmt_number(to_decimal(quote, QUOTE_PRECISION), decimals, signed=True)


def fmt_pct(pct: float, decimals: int = 2, *, arrow: bool = True) -> str:
    """A percent change: fmt_pct(2.345) -> '▲ +2.35%', fmt_pct(-1.2) -> '▼ -1.20%', 0 -> '  0.00%'."""
    text = fmt_number(pct, decimals, signed=True) + "%"
    if not arrow:
        return text
    if text.startswith("+"):
        return f"{UP_ARROW} {text}"
    if text.startswith("-"):
        return f"{DOWN_ARROW} {text}"
    return f"  {text}"


def fmt_ratio_pct(ratio: int, decimals: int = 2) -> str:
    """A MARGIN_PRECISION ratio as a percent: fmt_ratio_pct(1250) -> '12.50%'."""
    return fmt_number(to_decimal(ratio, MARGIN_PRECISION) * 100, decimals) + "%"


def fmt_leverage(ratio: int, decimals: int = 2) -> str:
    """A MARGIN_PRECISION leverage: fmt_leverage(25_000) -> '2.50x'."""
    return fmt_number(to_decimal(ratio, MARGIN_PRECISION), decimals) + "x"


def fmt_age(seconds: float) -> str:
    """How old a price is: '0.4s', '12s', '3m', '2h', '5d'."""
    seconds = max(0.0, seconds)
    if seconds < 10:
        return f"{seconds:.1f}s"
    if seconds < 60:
        return f"{int(seconds)}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86_400:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 86_400)}d"


def fmt_compact(value: float, decimals: int = 1) -> str:
    """Large amounts in a narrow column: 1_234_567 -> '1.2M', 950 -> '950'."""
    magnitude = abs(value)
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if magnitude >= limit:
            return fmt_number(value / limit, decimals) + suffix
    return fmt_number(value, 0)


def tone(value: float) -> str | None:
    """The colour role of a signed value: 'up', 'down' or None for zero."""
    if value > 0:
        return "up"
    if value < 0:
        return "down"
    return None


def parse_decimal(text: str) -> Decimal | None:
    """A user-typed number (' 2 ', '142.5') as an exact Decimal, or None if it is not one.

    Surrounding spaces are forgiven; the number itself follows the one strict parser of the wire
    protocol (ASCII digits, one '.', a leading '-'), so the ticket accepts what the backend does.
    """
    try:
        return protocol_decimal(text.strip(), signed=True)
    except NumberError:
        return None


def on_grid(value: Decimal, precision: int, step: int) -> int | None:
    """`value` in `precision` units if it is a whole multiple of `step` (units of the same precision),
    else None: the one exact conversion of a typed price or size, checked against the market's grid."""
    try:
        units = to_fixed(value, precision)
    except ValueError:  # finer than the precision holds: off any grid
        return None
    return units if step <= 0 or units % step == 0 else None


def market_decimals(market: MarketInfo) -> tuple[int, int]:
    """(price decimals, size decimals) for a market from its tick and step."""
    return decimals_for_tick(market.tick_size, PRICE_PRECISION), decimals_for_tick(market.step_size, BASE_PRECISION)


def fmt_time(ts_s: int) -> str:
    """A unix time in seconds as UTC 'HH:MM:SS' (a time on the wire says its unit: ts_s, ts_ms)."""
    seconds = ts_s % 86_400
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def fmt_time_ms(ts_ms: int) -> str:
    """A unix time in milliseconds as UTC 'HH:MM:SS'."""
    return fmt_time(ts_ms // MS_PER_S)


def fmt_level(text: str | None, unit: str | None = None) -> str:
    """An alert's level or reading exactly as the backend sent it ("145.1"), "4.5%" when its unit is %,
    "—" for none. The text is the exact decimal; nothing here rounds it."""
    if text is None:
        return "—"
    return f"{text}%" if unit == "%" else str(text)


def fmt_alert(alert: Mapping[str, Any]) -> str:
    """An alert as a trader reads it, in the words they type: "#3 SOL-PERP above 145.1", "#4 SOL-PERP move 4.5%",
    "#5 any oracle_stale" (an event kind has no level)."""
    kind = alert_kind_word(str(alert.get("kind", "")))
    head = f"#{alert.get('id', '?')} {alert.get('market') or 'any'} {kind}"
    level = alert.get("level")
    return head if level is None else f"{head} {fmt_level(level, alert.get('level_in'))}"
