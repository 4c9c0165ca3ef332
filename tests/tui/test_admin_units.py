"""The Admin screen shows each parameter by the unit `admin.markets` types it with, not by its English text."""

from __future__ import annotations

from backend.api.param_units import FEE_PERCENT, MARGIN_PERCENT, USDC, ParamUnit, UnitKind
from quantdesk_tui.screens.admin import LAST_FUNDING, param_units, shown
from tests.tui.fakes import ADMIN


def test_percent_units_scale_by_the_integer_worth_100_percent():
    assert shown(500, FEE_PERCENT) == "0.05%"  # 1e6 = 100%
    assert shown(500, MARGIN_PERCENT) == "5%"  # 1e4 = 100%
    assert shown(-100, FEE_PERCENT) == "-0.01%"
    assert shown(12_500, LAST_FUNDING) == "0.00125%"  # 1e9 = 100%


def test_amounts_durations_and_factors_read_in_their_own_units():
    uncapped = ParamUnit(UnitKind.BASE, 10**9, zero="uncapped")
    assert (shown(0, uncapped), shown(2_500_000_000, uncapped)) == ("uncapped", "2.50")
    assert shown(1_500_000, USDC) == "1.50 USDC"
    assert shown(3600, ParamUnit(UnitKind.SECONDS)) == "3600 s"
    assert shown(0, ParamUnit(UnitKind.SLOTS, zero="no per-call cap")) == "no per-call cap"
    assert shown(20, ParamUnit(UnitKind.MULTIPLE)) == "20x"
    assert shown(500, ParamUnit(UnitKind.FACTOR)) == "500"
    assert shown(500, None) == "500"  # a parameter the backend sent no unit for: the integer itself


def test_the_units_come_typed_from_the_admin_reply_and_an_older_reply_has_none():
    units = param_units(ADMIN)
    assert units["taker_fee"] == FEE_PERCENT and units["funding_interval"] == ParamUnit(UnitKind.SECONDS)
    assert param_units({"markets": []}) == {} and param_units(None) == {}
