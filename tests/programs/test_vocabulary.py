"""The one vocabulary: wire names match the engine's IDL enums member for member, and the conversions are exact."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.api import protocol
from programs import vocabulary as v
from programs.quantdesk_perp import enums
from programs.quantdesk_perp.errors import ErrorCode as EngineErrorCode


@pytest.mark.parametrize(
    ("wire", "engine"),
    [
        (v.Side, enums.Side),
        (v.OrderType, enums.OrderType),
        (v.TimeInForce, enums.TimeInForce),
        (v.OrderStatus, enums.OrderStatus),
        (v.Asset, enums.CollateralAsset),
    ],
)
def test_each_wire_enum_names_exactly_the_engine_enums_members(wire, engine):
    assert [m.name for m in wire] == [m.name for m in engine]


def test_wire_values_are_the_lower_case_engine_names_the_api_always_sent():
    assert [m.value for m in v.OrderType] == [m.name.lower() for m in enums.OrderType]
    assert [m.value for m in v.OrderStatus] == [m.name.lower() for m in enums.OrderStatus]
    assert v.TIMES_IN_FORCE == ("gtc", "ioc", "fok", "gtd")
    assert v.TIMEFRAMES == ("1s", "1m", "5m", "15m", "1h", "4h", "1d")
    assert v.STORED_TIMEFRAMES == v.TIMEFRAMES[1:]


def test_every_engine_error_has_a_wire_code_of_the_same_name():
    assert {e.name for e in EngineErrorCode} <= {c.name for c in v.ErrorCode}
    assert all(c.name == c.value for c in v.ErrorCode)


def test_the_protocol_re_exports_the_vocabulary_rather_than_defining_its_own():
    assert protocol.ErrorCode is v.ErrorCode and protocol.OrderType is v.OrderType
    assert (protocol.PRICE_PRECISION, protocol.BASE_PRECISION, protocol.MARGIN_PRECISION) == (10**6, 10**9, 10**4)


def test_timeframe_seconds():
    assert [tf.seconds for tf in v.Timeframe] == [1, 60, 300, 900, 3_600, 14_400, 86_400]


def test_order_type_names_and_aliases_resolve_with_dash_or_underscore():
    assert v.order_type_of("stop-limit") is v.order_type_of("STOP_LIMIT") is v.OrderType.STOP_LIMIT
    assert v.order_type_of("stop") is v.OrderType.STOP_MARKET
    assert v.order_type_of("take-profit") is v.OrderType.TAKE_PROFIT_MARKET
    assert v.order_type_of("trailing") is v.OrderType.TRAILING_STOP
    assert v.order_type_of("fancy") is None
    assert v.ORDER_TYPE_NAMES == (
        "limit",
        "market",
        "stop",
        "stop_limit",
        "stop_market",
        "take_profit",
        "take_profit_limit",
        "take_profit_market",
        "trailing",
        "trailing_stop",
    )


def test_to_fixed_is_exact_and_refuses_digits_the_precision_cannot_hold():
    assert v.to_fixed("142.5", v.PRICE_PRECISION) == 142_500_000
    assert v.to_fixed(Decimal("-0.000000001"), v.BASE_PRECISION) == -1
    assert v.to_fixed(3, v.MARGIN_PRECISION) == 30_000
    with pytest.raises(ValueError, match="more decimals than 6"):
        v.to_fixed("0.0000001", v.PRICE_PRECISION)
    with pytest.raises(ValueError):
        v.to_fixed("Infinity", v.PRICE_PRECISION)


def test_to_decimal_is_the_exact_inverse_of_to_fixed():
    assert v.to_decimal(1_500_000, v.QUOTE_PRECISION) == Decimal("1.5")
    assert str(v.to_decimal(-1, v.BASE_PRECISION)) == "-1E-9"
    for text in ("0", "1", "142.953050", "-0.000001", "98765432.1"):
        assert v.to_decimal(v.to_fixed(text, v.PRICE_PRECISION), v.PRICE_PRECISION) == Decimal(text)


def test_a_precision_is_a_power_of_ten():
    assert v.decimals_of(v.BASE_PRECISION) == 9 and v.decimals_of(1) == 0
    with pytest.raises(ValueError):
        v.decimals_of(250)


def test_asset_precision_is_each_assets_own_decimals():
    assert v.ASSET_PRECISION == {v.Asset.USDC: 10**6, v.Asset.SOL: 10**9}
