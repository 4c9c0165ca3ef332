"""Risk limits in config.toml, in human units; `risk.limits.set` changes them live and rewrites only [risk]."""

from __future__ import annotations

import pytest

from backend.domain.errors import DomainError
from backend.risk.limits_config import current, load_settings, parse_value, write_table
from backend.risk.pretrade import RiskLimits


def test_config_toml_risk_table_sets_the_limits_in_human_units(tmp_path):
    (tmp_path / "config.toml").write_text(
        'theme = "light"\n\n[risk]\nmax_leverage = "7.5"\ndaily_loss_limit = 2500\n'
        'price_band_pct = "2.5"\nmax_open_orders = "oops"\n'
    )
    settings = load_settings(tmp_path, RiskLimits(), None)
    assert (settings.limits.max_leverage, settings.limits.price_band_bps, settings.daily_loss_limit) == (
        75_000,
        250,
        2_500_000_000,
    )
    assert settings.limits.max_open_orders == 200  # the bad value is skipped, the default stays
    assert current(settings) == {
        "max_order_notional": "5000000",
        "price_band_pct": "2.5",
        "max_leverage": "7.5",
        "max_open_orders": "200",
        "submit_rate": "100",
        "daily_loss_limit": "2500",
    }


def test_writing_the_risk_table_keeps_every_other_setting_and_comment(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('theme = "light"\n\n[risk]\nmax_leverage = "7.5"  # mine\n\n[keymap]\n"trade.buy" = "b"\n')
    write_table(tmp_path, {"max_leverage": "10", "daily_loss_limit": "none"})
    assert path.read_text() == (
        'theme = "light"\n\n[risk]\nmax_leverage = "10"  # mine\ndaily_loss_limit = "none"\n'
        '\n[keymap]\n"trade.buy" = "b"\n'
    )
    assert load_settings(tmp_path, RiskLimits(), 5).daily_loss_limit is None


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("max_leverage", "-2", "max_leverage must be a positive number (x)"),
        ("max_order_notional", "1.0000001", "max_order_notional 1.0000001 has more decimals"),
        ("leverage", "2", "unknown risk limit 'leverage'"),
    ],
)
def test_bad_limits_are_refused_with_their_name(key, value, message):
    with pytest.raises(DomainError) as err:
        parse_value(key, value)
    assert err.value.code == "RISK_BAD_LIMIT" and err.value.message.startswith(message)


def test_writing_an_inline_risk_table_updates_it_in_place(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('risk = { max_leverage = "7.5" }\n')
    write_table(tmp_path, {"max_leverage": "10"})
    assert path.read_text() == 'risk = { max_leverage = "10" }\n'


def test_a_risk_key_that_is_not_a_table_is_refused_and_the_file_left_alone(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('risk = "high"\n')
    with pytest.raises(DomainError) as err:
        write_table(tmp_path, {"max_leverage": "10"})
    assert err.value.code == "BAD_REQUEST"
    assert err.value.message == f"{path}: `risk` is not a [risk] table; fix or remove it"
    assert path.read_text() == 'risk = "high"\n'
