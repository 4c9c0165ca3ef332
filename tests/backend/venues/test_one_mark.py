"""One mark price and one uPnL: positions, account and market state agree, totals are sums of rows."""

from __future__ import annotations

from .conftest import observation

B, P = 10**9, 10**6


async def test_account_upnl_is_the_sum_of_its_positions_at_the_one_mark(venue, trading):
    await trading.op_place(None, {"market": "SOL-PERP", "side": "buy", "size": "2", "price": "155", "tif": "ioc"})
    await trading.op_place(None, {"market": "ETH-PERP", "side": "sell", "size": "1", "price": "2900", "tif": "ioc"})
    venue.slot += 1
    venue.on_observation(observation("SOL-PERP", 144.17, slot=venue.slot, ts=int(venue.test_clock.now)))
    venue.on_observation(observation("ETH-PERP", 3010.5, slot=venue.slot, ts=int(venue.test_clock.now)))
    await venue.store.write(lambda conn: None)
    doc = trading.account(0)
    marks = {p["market"]: p["mark_price"] for p in doc["positions"]}
    assert marks == {"ETH-PERP": 3010_500_000, "SOL-PERP": 144_170_000}
    sol = next(p for p in doc["positions"] if p["market"] == "SOL-PERP")
    quote_entry = venue.state.users[("paper", 0)].positions[0].quote_entry  # what the 2 SOL cost, negative
    assert sol["unrealized_pnl"] == 2 * 144_170_000 + quote_entry
    assert doc["account"]["unrealized_pnl"] == sum(p["unrealized_pnl"] for p in doc["positions"])
    usdc = doc["account"]["collateral"][0]["value"]
    assert doc["account"]["equity"] == usdc + doc["account"]["unrealized_pnl"]
    state = trading.market_state("SOL-PERP")
    assert (state["mark_price"], state["oracle_price"]) == (144_170_000, 144_170_000)
    assert "mark_twap" in state
