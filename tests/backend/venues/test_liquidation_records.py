"""A scripted crash liquidates a leveraged long: a `liquidation` fill, a record, and the insurance fund grows."""

from __future__ import annotations

import msgspec

from backend.oracle.scenario import parse_scenario
from backend.oracle.sim import SimOracle
from backend.risk.pretrade import RiskLimits
from backend.units import to_human
from backend.venues.ops import TradingOps
from backend.venues.records import liquidations
from programs.quantdesk_perp.math import amm

CRASH = '[[move]]\nmarket = "SOL-PERP"\nkind = "crash"\nat = "1s"\npct = -15\nover = "2s"\n'


async def test_a_scenario_crash_ends_in_a_liquidation_fill_and_a_bigger_insurance_fund(venue):
    trading = TradingOps(venue, limits=RiskLimits(max_leverage=50 * 10**4))
    await trading.op_withdraw(None, {"amount": "98000"})
    await trading.op_place(None, {"market": "SOL-PERP", "side": "buy", "size": "100", "price": "155", "tif": "ioc"})
    sim = SimOracle(seed=3, tick_rate=10.0, markets=["SOL-PERP"], scenario=parse_scenario(CRASH))
    sim.resume_from({"SOL-PERP": 150.0})
    oracle_at = {}
    for step in range(40):  # 4 model seconds, one observation a step
        venue.test_clock.now += 0.1
        [obs] = sim.next_observations(1, now=venue.test_clock.now)
        venue.on_observation(msgspec.structs.replace(obs, slot=venue.slot + 1))
        oracle_at[step] = venue.oracle_price(0)
        if venue.keep():
            break
    await venue.store.write(lambda conn: None)
    fills = to_human((await trading.op_fills(None, {}))["fills"])
    liquidation = fills[-1]
    oracle = venue.oracle_price(0)
    assert oracle in oracle_at.values() and oracle < 140 * 10**6
    left = venue.state.users[("paper", 0)].positions[0].base  # a partial liquidation leaves the rest
    taken = 100 * 10**9 - left
    notional = taken * oracle // 10**9
    fee = 2 * -(-notional * 10_000 // 10**6)  # 1% liquidator fee (the keeper's goes to the fund) + 1% fund fee
    # the keeper's AMM took it on its curve, re-pegged to the oracle first: the fill's price is what was paid
    proceeds = amm.sell_proceeds(venue.state.markets[0].amm_peg, 10_000 * 10**9, -100 * 10**9, 500, taken)
    assert {k: liquidation[k] for k in ("order_id", "side", "size", "price", "fee", "role", "liquidator")} == {
        "order_id": 0,
        "side": "sell",
        "size": to_human({"size": taken})["size"],
        "price": to_human({"price": proceeds * 10**9 // taken})["price"],
        "fee": to_human({"fee": fee})["fee"],
        "role": "liquidation",
        "liquidator": "keeper",
    }
    record = to_human(liquidations(venue))
    assert [(r["kind"], r["size"], r["price"]) for r in record["liquidations"]] == [
        ("liquidation", liquidation["size"], liquidation["price"])
    ]
    assert record["insurance_fund"] == record["liquidations"][-1]["insurance_fund"] == liquidation["fee"]
