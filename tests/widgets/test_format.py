"""Formatting helpers: exact strings from fixed-point integers, and input parsing."""

from __future__ import annotations

from decimal import Decimal

from widgets.format import (
    pyth_to_price,
    decimals_for_price,
    decimal_text,
    decimals_for_tick,
    fmt_age,
    fmt_time,
    fmt_compact,
    fmt_leverage,
    fmt_number,
    fmt_pct,
    fmt_pnl,
    fmt_price,
    fmt_pyth_price,
    fmt_ratio_pct,
    fmt_size,
    fmt_usd,
    on_grid,
    parse_decimal,
    tone,
)


def test_decimals_for_tick_counts_the_tick_digits() -> None:
    ticks = (1_000, 500_000, 10**6, 100_000, 1, 25 * 10**6)  # 0.001, 0.5, 1, 0.1, 0.000001, 25 at 1e6
    assert [decimals_for_tick(t, 10**6) for t in ticks] == [3, 1, 0, 1, 6, 0]
    assert decimals_for_tick(1, 10**9) == 9 and decimals_for_tick(0, 10**6) == 2
    assert decimal_text(1_000, 10**6) == "0.001" and decimal_text(25 * 10**9, 10**9) == "25"


def test_decimals_for_price_shrink_with_magnitude_and_respect_expo() -> None:
    assert [decimals_for_price(p) for p in (67000.0, 142.5, 1.2, 0.05, 0.00002)] == [1, 2, 3, 5, 8]
    assert decimals_for_price(0.00002, expo=-5) == 5


def test_prices_are_exact_with_separators() -> None:
    assert fmt_price(142_500_000, 3) == "142.500"
    assert fmt_price(67_123_450_000, 1) == "67,123.5"  # half away from zero, no binary drift
    assert fmt_price(-1_000_000, 2, signed=True) == "-1.00"
    assert fmt_price(1_000_000, 2, signed=True) == "+1.00"
    assert fmt_pyth_price(14_250_000_000, -8) == "142.50"
    assert fmt_pyth_price(2_345, -8) == "0.00002345"
    assert fmt_pyth_price(6_712_345_000_000, -8, 2) == "67,123.45"


def test_sizes_usd_and_pnl_carry_signs_not_only_colour() -> None:
    assert fmt_size(1_500_000_000, 2) == "1.50"
    assert fmt_size(-2_000_000_000, 3, signed=True) == "-2.000"
    assert fmt_size(2_000_000_000, 3, signed=True) == "+2.000"
    assert fmt_usd(1_234_560_000) == "$1,234.56"
    assert fmt_usd(-1_234_560_000) == "-$1,234.56"
    assert fmt_usd(-1) == "$0.00"
    assert fmt_pnl(12_345_000) == "+12.35"
    assert fmt_pnl(-12_344_000) == "-12.34"
    assert fmt_pnl(0) == "0.00"


def test_never_negative_zero() -> None:
    assert fmt_number(-0.001, 2) == "0.00"
    assert fmt_number(-0.001, 2, signed=True) == "0.00"
    assert fmt_pnl(-4_000) == "0.00"


def test_percent_changes_have_arrows_and_signs() -> None:
    assert fmt_pct(2.345) == "▲ +2.35%"
    assert fmt_pct(2.5) == "▲ +2.50%"
    assert fmt_pct(-1.2) == "▼ -1.20%"
    assert fmt_pct(0.0) == "  0.00%"
    assert fmt_pct(-1.2, arrow=False) == "-1.20%"


def test_ratios_leverage_age_and_compact() -> None:
    assert fmt_ratio_pct(1250) == "12.50%"
    assert fmt_leverage(25_000) == "2.50x"
    assert [fmt_age(s) for s in (0.44, 12.7, 185, 7300, 200_000, -1)] == [
        "0.4s",
        "12s",
        "3m",
        "2h",
        "2d",
        "0.0s",
    ]
    assert [fmt_compact(v) for v in (950, 1_234, 12_345_678, 4.56e9, -2_500_000)] == [
        "950",
        "1.2K",
        "12.3M",
        "4.6B",
        "-2.5M",
    ]


def test_tone_names_the_direction() -> None:
    assert (tone(1.0), tone(-0.5), tone(0)) == ("up", "down", None)


def test_parse_and_scale_user_input_exactly() -> None:
    assert parse_decimal(" 1234.5 ") == Decimal("1234.5")
    assert parse_decimal("-2.5") == Decimal("-2.5")
    for loose in ("1,234.5", "1_0", "１", "١", "+1", "1e0", "abc"):
        assert parse_decimal(loose) is None, loose
    assert parse_decimal("") is None
    assert parse_decimal("nan") is None
    assert on_grid(Decimal("142.501"), 10**6, 1_000) == 142_501_000
    assert on_grid(Decimal("142.5005"), 10**6, 1_000) is None  # between ticks
    assert on_grid(Decimal("142.0000005"), 10**6, 1) is None  # finer than the precision
    assert on_grid(Decimal("0.3"), 10**9, 10**8) == 3 * 10**8


def test_fmt_time_reads_unix_seconds_only():
    assert fmt_time(1_767_270_905) == "12:35:05"  # 2026-01-01 12:35:05 UTC
    assert fmt_time(59) == "00:00:59"


def test_a_pyth_price_becomes_a_price_precision_integer_rounded_half_to_even():
    assert pyth_to_price(14_250_000_000, -8) == 142_500_000
    assert pyth_to_price(14_300_000_499, -8) == 143_000_005  # 143000004.99
    assert pyth_to_price(14_300_000_450, -8) == 143_000_004  # a tie goes to the even neighbour
    assert pyth_to_price(14_300_000_350, -8) == 143_000_004
    assert pyth_to_price(9_712_345, 0) == 9_712_345_000_000  # expo above -6: exact, scaled up
