from __future__ import annotations

import pytest

from backend.domain.errors import DomainError
from msgspec.structs import replace

from backend.risk.pretrade import OrderCheck, RiskLimits, SubmitRate, TradingState, check_order

BASE = OrderCheck(
    market="SOL-PERP",
    size=2 * 10**9,
    price=150 * 10**6,
    oracle_price=150 * 10**6,
    has_limit_price=True,
    reduces_position=False,
    leverage_after=2 * 10**4,
    open_orders=0,
    oracle_healthy=True,
)


def refused(**changes):
    with pytest.raises(DomainError) as err:
        check_order(
            replace(BASE, **{k: v for k, v in changes.items() if k not in ("limits", "state")}),
            changes.get("limits", RiskLimits()),
            changes.get("state", TradingState.ACTIVE),
        )
    return err.value


def test_an_ordinary_order_passes():
    check_order(BASE, RiskLimits(), TradingState.ACTIVE)


def test_halted_refuses_everything_even_reducing_orders():
    assert refused(state=TradingState.HALTED, reduces_position=True).code == "HALTED"


def test_reducing_refuses_only_orders_that_grow_exposure():
    assert refused(state=TradingState.REDUCING).code == "REDUCING"

    check_order(replace(BASE, reduces_position=True), RiskLimits(), TradingState.REDUCING)


def test_price_band_is_exact_at_the_edge():
    # 10% of 150 = 15: 165 is inside, 165.000001 outside

    check_order(replace(BASE, price=165 * 10**6), RiskLimits(), TradingState.ACTIVE)
    assert refused(price=165 * 10**6 + 1).code == "RISK_PRICE_BAND"


def test_notional_cap_size_cap_leverage_open_orders_oracle():
    assert refused(limits=RiskLimits(max_order_notional=299 * 10**6)).code == "RISK_MAX_NOTIONAL"
    assert refused(limits=RiskLimits(max_order_base={"SOL-PERP": 10**9})).code == "RISK_MAX_ORDER_SIZE"
    assert refused(leverage_after=21 * 10**4).code == "RISK_MAX_LEVERAGE"
    assert refused(open_orders=200).code == "RISK_MAX_OPEN_ORDERS"
    assert refused(oracle_healthy=False).code == "RISK_ORACLE_UNHEALTHY"


def test_submit_rate_is_a_sliding_window_per_account():
    now = [100.0]
    rate = SubmitRate(clock=lambda: now[0])
    assert all(rate.allow("a", 3) for _ in range(3))
    assert not rate.allow("a", 3)
    assert rate.allow("b", 3)
    now[0] += 1.0
    assert rate.allow("a", 3)
