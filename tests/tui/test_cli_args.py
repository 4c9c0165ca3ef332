"""CLI argument conversions that never reach the backend: --expire forms, admin KEY=INT parameters."""

from __future__ import annotations

import pytest

from quantdesk_tui.commands.admin import parse_params
from quantdesk_tui.commands.trading import expire_at
from quantdesk_tui.output import UsageError

NOW = 1_800_000_000.5


@pytest.mark.parametrize(("text", "expected"), [
    ("30s", 1_800_000_030), ("15m", 1_800_000_900), ("2h", 1_800_007_200), ("1d", 1_800_086_400),
    ("2027-01-15T08:00:00Z", 1_800_000_000), ("2027-01-15T09:00:00+01:00", 1_800_000_000),
    ("2027-01-15 08:00", 1_800_000_000), ("1800003600", 1_800_003_600),
])
def test_expire_takes_durations_iso_times_and_unix_seconds(text, expected):
    assert expire_at(text, NOW) == expected


def test_a_bad_expire_and_bad_parameters_are_usage_errors():
    with pytest.raises(UsageError, match="--expire takes 30s, 15m, 2h"):
        expire_at("soon", NOW)
    assert parse_params(["taker_fee=500", "max_leverage=10"]) == {"taker_fee": 500, "max_leverage": 10}
    with pytest.raises(UsageError, match="KEY=INTEGER"):
        parse_params(["taker_fee=0.05"])
