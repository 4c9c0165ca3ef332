"""Rounding helpers: the caller picks the direction that goes against the user."""

from __future__ import annotations

from math import isqrt


def div_floor(a: int, b: int) -> int:
    return a // b


def div_ceil(a: int, b: int) -> int:
    return -((-a) // b)


def sqrt_ceil(a: int) -> int:
    root = isqrt(a)
    return root if root * root == a else root + 1


def round_down_to(value: int, step: int) -> int:
    return value - value % step


def round_up_to(value: int, step: int) -> int:
    return div_ceil(value, step) * step
