"""The integer fast path for decimal strings gives what the strict parser and to_fixed give, or steps aside."""

from __future__ import annotations

import pytest

from backend.api.numbers import parse_positive, plain_fixed
from programs.vocabulary import to_fixed


@pytest.mark.parametrize(
    ("text", "precision", "expected"),
    [
        ("135", 10**6, 135_000_000),
        ("0.1", 10**9, 100_000_000),
        ("142.50", 10**6, 142_500_000),
        ("0.10000000000", 10**6, 100_000),  # trailing zeros beyond the precision are not decimals
        ("007.25", 10**6, 7_250_000),
        ("0.000001", 10**6, 1),
        ("1000000000000000", 10**6, 10**21),  # the largest whole number allowed
    ],
)
def test_plain_fixed_equals_the_strict_parser(text: str, precision: int, expected: int) -> None:
    assert plain_fixed(text, precision, 10**15) == expected
    assert to_fixed(parse_positive(text), precision) == expected


@pytest.mark.parametrize(
    "text",
    ["1.0000001", "0", "0.000", "1000000000000001", "1.", ".5", "-1", "+1", "1e3", "1_0", " 1", "１", "", "1.2.3"],
)
def test_plain_fixed_steps_aside_for_everything_the_strict_path_must_judge(text: str) -> None:
    assert plain_fixed(text, 10**6, 10**15) is None


def test_plain_fixed_takes_only_strings() -> None:
    assert plain_fixed(135, 10**6, 10**15) is None
    assert plain_fixed(None, 10**6, 10**15) is None
