"""Admin over the real API: parameters, pause/resume, insurance fund, every change audited."""

from __future__ import annotations

import pytest

from backend.api.protocol import ApiError


async def wait_for_markets(client):
    import asyncio

    for _ in range(200):
        if len((await client.request("admin.markets"))["markets"]) == 6:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("markets not initialised")


async def test_update_fees_then_audit_names_who_and_what(backend, client):
    await wait_for_markets(client)
    result = await client.request("admin.update_market", market="SOL-PERP", params={"taker_fee": 700})
    sol = next(m for m in result["markets"] if m["market"] == "SOL-PERP")
    assert sol["params"]["taker_fee"] == 700
    audit = (await client.request("admin.audit"))["audit"]
    assert audit[0]["actor"] == "api:test" and audit[0]["action"] == "market.update"
    assert '"taker_fee": 700' in audit[0]["detail"]


async def test_markets_name_the_unit_of_every_parameter_in_drifts_scales(backend, client):
    await wait_for_markets(client)
    result = await client.request("admin.update_market", market="SOL-PERP", params={"imf_factor": 500})
    sol = next(m for m in result["markets"] if m["market"] == "SOL-PERP")
    assert set(sol["params"]) <= set(result["precision"])
    assert result["precision"]["imf_factor"] == "1e6 per sqrt(base)"
    assert sol["params"]["imf_factor"] == 500 and sol["params"]["contract_tier"] == 0
    assert result["precision"]["liquidator_fee"] == "1e6 = 100%"


async def test_markets_send_every_parameters_unit_typed_with_the_integer_worth_one(backend, client):
    import msgspec

    from backend.api.param_units import ParamUnit, UnitKind

    await wait_for_markets(client)
    result = await client.request("admin.markets")
    units = msgspec.convert(result["units"], dict[str, ParamUnit])
    sol = next(m for m in result["markets"] if m["market"] == "SOL-PERP")
    assert set(sol["params"]) <= set(units) == set(result["precision"])
    assert units["taker_fee"] == ParamUnit(UnitKind.PERCENT, 1_000_000)  # "1e6 = 100%"
    assert units["margin_ratio_initial"] == ParamUnit(UnitKind.PERCENT, 10_000)  # "1e4 = 100%"
    assert units["max_open_interest"] == ParamUnit(UnitKind.BASE, 10**9, zero="uncapped")
    assert units["funding_interval"] == ParamUnit(UnitKind.SECONDS)
    assert units["imf_factor"] == ParamUnit(UnitKind.FACTOR)


async def test_margin_ratios_take_drifts_names_and_the_old_names_still_work(backend, client):
    from programs.quantdesk_perp.config import RENAMED_PARAMETERS

    await wait_for_markets(client)
    [old_maintenance] = [old for old, new in RENAMED_PARAMETERS.items() if new == "margin_ratio_maintenance"]
    result = await client.request("admin.update_market", market="SOL-PERP", params={old_maintenance: 300})
    sol = next(m for m in result["markets"] if m["market"] == "SOL-PERP")
    assert sol["params"]["margin_ratio_maintenance"] == 300 and old_maintenance not in sol["params"]
    assert (
        result["precision"]["margin_ratio_initial"] == result["precision"]["margin_ratio_maintenance"] == "1e4 = 100%"
    )


async def test_bad_parameters_are_refused_with_a_code(backend, client):
    await wait_for_markets(client)
    with pytest.raises(ApiError) as err:
        await client.request("admin.update_market", market="SOL-PERP", params={"margin_ratio_maintenance": 9000})
    assert err.value.code == "INVALID_PARAMETER"
    with pytest.raises(ApiError) as err:
        await client.request("admin.update_market", market="SOL-PERP", params={"colour": 1})
    assert err.value.code == "BAD_REQUEST" and "not editable: colour" in err.value.message


async def test_pause_refuses_orders_and_resume_reopens(backend, client):
    await wait_for_markets(client)
    await client.request("admin.pause", market="ETH-PERP")
    with pytest.raises(ApiError) as err:
        await client.request("order.place", market="ETH-PERP", side="buy", size="0.1", price="3400")
    assert err.value.code == "MARKET_HALTED"
    result = await client.request("admin.resume", market="ETH-PERP")
    assert next(m for m in result["markets"] if m["market"] == "ETH-PERP")["status"] == "ACTIVE"


async def test_insurance_fund_deposit_and_withdraw(backend, client):
    await wait_for_markets(client)
    assert (await client.request("admin.insurance_deposit", amount="2500"))["insurance_fund"] == 2500 * 10**6
    assert (await client.request("admin.insurance_withdraw", amount="500"))["insurance_fund"] == 2000 * 10**6
    with pytest.raises(ApiError) as err:
        await client.request("admin.insurance_withdraw", amount="5000")
    assert err.value.code == "INSURANCE_FUND_INSUFFICIENT"
