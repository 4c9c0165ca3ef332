"""The one strict parser for numbers that people type and scripts send: CLI, command bar, ticket, API.

A number is ASCII digits with at most one `.` (and a leading `-` only where a sign means something).
Python's own `Decimal()`, `int()` and `float()` are far looser: they take "1_0" as 10, other
scripts' digits ("١", "１"), "+1", "1e0", "NaN" and surrounding whitespace, so they are never the
parser for input. The TUI reaches this module through `backend.api.protocol`.
"""

from __future__ import annotations

import re
from decimal import Decimal

MAX_NUMBER_CHARS = 40  # longer than any price or size the engine can hold, short enough to parse cheaply
# [0-9] (not \d) so only ASCII digits match; fullmatch so a trailing newline is not ignored
_UNSIGNED = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_SIGNED = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_INTEGER = re.compile(r"[0-9]+")
_DIGITS_OF = {10**k: k for k in range(19)}  # decimals of each power-of-ten precision


class NumberError(ValueError):
    """The text is not a number in the accepted form; the message says what to type instead."""


def parse_decimal(text: object, what: str = "number", *, signed: bool = False) -> Decimal:
    """An exact Decimal from digits with at most one `.`; `signed` also allows a leading `-`."""
    pattern = _SIGNED if signed else _UNSIGNED
    if not isinstance(text, str):
        raise NumberError(f'{what} must be a decimal string such as "1.5", not {type(text).__name__}')
    if len(text) > MAX_NUMBER_CHARS or pattern.fullmatch(text) is None:
        shown = text if len(text) <= MAX_NUMBER_CHARS else text[:MAX_NUMBER_CHARS] + "…"
        if not signed and text[:1] in ("-", "+") and _UNSIGNED.fullmatch(text[1:]):
            raise NumberError(f"{what} must be a positive number, not {shown!r}")
        raise NumberError(
            f"{what} must be a number, not {shown!r}: use the digits 0-9 and at most one '.', such as 1.5"
        )
    return Decimal(text)


def parse_positive(text: object, what: str = "number", *, maximum: Decimal | None = None) -> Decimal:
    """A strictly positive decimal, at most `maximum` when one is given."""
    value = parse_decimal(text, what)
    if value <= 0:
        raise NumberError(f"{what} must be a positive number, not {text!r}")
    if maximum is not None and value > maximum:
        raise NumberError(f"{what} {text} is too large; the most is {maximum:f}")
    return value


def parse_count(text: object, what: str = "number", *, maximum: int = 2**64 - 1) -> int:
    """A non-negative whole number (ids, seconds, sub-accounts) from ASCII digits, at most `maximum`."""
    if not isinstance(text, str) or len(text) > MAX_NUMBER_CHARS or _INTEGER.fullmatch(text) is None:
        raise NumberError(f"{what} must be a whole number written with the digits 0-9, not {text!r}")
    value = int(text)
    if value > maximum:
        raise NumberError(f"{what} {text} is too large; the most is {maximum}")
    return value


def plain_fixed(text: object, precision: int, maximum: int) -> int | None:
    """The common case of `to_fixed(parse_positive(text), precision)` without a Decimal: a positive
    "123" or "123.45" with no more decimals than `precision` holds (trailing zeros aside), at most
    `maximum` whole units. None for anything else (the caller then takes the strict, explaining path)."""
    # str methods instead of a regex: isascii() first, so isdigit() means exactly 0-9
    if type(text) is not str or len(text) > MAX_NUMBER_CHARS or not text.isascii():
        return None
    whole, dot, fraction = text.partition(".")
    if not whole.isdigit() or (dot and not fraction.isdigit()):
        return None
    fraction = fraction.rstrip("0")
    digits = _DIGITS_OF.get(precision)
    if digits is None:
        digits = len(str(precision)) - 1  # precisions are powers of ten
    if len(fraction) > digits:
        return None
    value = int(whole) * precision + (int(fraction) * 10 ** (digits - len(fraction)) if fraction else 0)
    if value <= 0 or value > maximum * precision:
        return None
    return value
