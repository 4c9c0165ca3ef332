"""The paper venue: instructions applied, committed, derived into views; replay equals live."""

from __future__ import annotations

import pytest

from backend.api.protocol import ApiError
from backend.domain.errors import DomainError
from backend.store.db import Store
from backend.venues.paper import STARTING_USDC, PaperVenue, to_engine_price
from backend.bus import Bus
from programs.quantdesk_perp.state import state_to_bytes

from .conftest import observation


def test_pyth_prices_become_engine_prices_with_stated_rounding():
    assert to_engine_price(14_512_345_678, -8) == 145_123_457  # half up
    assert to_engine_price(14_512_345_649, -8) == 145_123_456
    assert to_engine_price(4_100_001, -8, round_up=True) == 41_001  # confidence rounds up
    assert to_engine_price(250_000, -10) == 25  # BONK-sized prices
    assert to_engine_price(97_000, 0) == 97_000_000_000


async def test_first_observations_create_markets_and_a_funded_paper_account(venue, trading):
    assert sorted(venue.state.markets) == [0, 1, 2]
    account = trading.account(0)["account"]
    assert account["collateral"][0]["asset"] == "USDC" and account["collateral"][0]["amount"] == STARTING_USDC


async def test_limit_order_rests_then_cancel(venue, trading):
    placed = await trading.op_place(None, {"market": "SOL-PERP", "side": "buy", "size": "2", "price": "140"})
    order = placed["orders"][0]
    assert (order["status"], order["size"], order["price"], order["order_type"]) == (
        "open",
        2 * 10**9,
        140 * 10**6,
        "limit",
    )
    open_orders = (await trading.op_orders(None, {}))["orders"]
    assert [o["order_id"] for o in open_orders] == [order["order_id"]]
    cancelled = await trading.op_cancel(None, {"order_id": order["order_id"]})
    assert cancelled == {"cancelled": [order["order_id"]]}
    with pytest.raises(ApiError) as err:
        await trading.op_cancel(None, {"order_id": order["order_id"]})
    assert err.value.code == "ORDER_NOT_OPEN"


async def test_market_buy_fills_and_shows_a_position_and_a_fill(venue, trading):
    result = await trading.op_place(None, {"market": "SOL-PERP", "side": "buy", "size": "1", "type": "market"})
    for _ in range(10):  # the auction runs over a few slots
        venue.slot += 1
        venue.crank()
    await venue.store.write(lambda conn: None)
    positions = (await trading.op_positions(None, {}))["positions"]
    assert len(positions) == 1 and positions[0]["market"] == "SOL-PERP" and positions[0]["base"] == 10**9
    fills = (await trading.op_fills(None, {}))["fills"]
    assert sum(f["size"] for f in fills) == 10**9 and all(f["side"] == "buy" for f in fills)
    assert result["orders"][0]["side"] == "buy"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({"market": "DOGE", "side": "buy", "size": "1"}, "UNKNOWN_MARKET"),
        ({"market": "SOL-PERP", "side": "buy", "size": "-1", "price": "140"}, "INVALID_AMOUNT"),
        ({"market": "SOL-PERP", "side": "buy", "size": "nan", "price": "140"}, "INVALID_AMOUNT"),
        ({"market": "SOL-PERP", "side": "buy", "size": "1", "price": "140.0001"}, "OFF_TICK"),
        ({"market": "SOL-PERP", "side": "buy", "size": "0.001", "price": "140"}, "OFF_STEP"),
        ({"market": "SOL-PERP", "side": "buy", "size": "1", "price": "1000"}, "RISK_PRICE_BAND"),
        ({"market": "SOL-PERP", "side": "buy", "size": "100000", "price": "140"}, "RISK_MAX_NOTIONAL"),
        ({"market": "SOL-PERP", "side": "buy", "size": "15000", "price": "140"}, "RISK_MAX_LEVERAGE"),
        (
            {"market": "SOL-PERP", "side": "sell", "size": "1", "price": "160", "reduce_only": True},
            "REDUCE_ONLY_INCREASES",
        ),
        ({"market": "SOL-PERP", "side": "up", "size": "1"}, "BAD_REQUEST"),
        ({"market": "SOL-PERP", "side": "buy", "size": 1}, "BAD_REQUEST"),
    ],
)
async def test_bad_orders_get_named_errors_and_change_nothing(venue, trading, args, code):
    before = state_to_bytes(venue.state)
    seq = venue.seq
    with pytest.raises((ApiError, DomainError)) as err:  # the wire's parsing or the domain: both are replies
        await trading.op_place(None, args)
    assert err.value.code == code
    assert state_to_bytes(venue.state) == before and venue.seq == seq


async def test_the_engine_refuses_what_risk_limits_let_through(venue):
    from backend.risk.pretrade import RiskLimits
    from backend.venues.ops import TradingOps

    loose = TradingOps(venue, limits=RiskLimits(max_leverage=1000 * 10**4))
    with pytest.raises(DomainError) as err:
        await loose.op_place(None, {"market": "SOL-PERP", "side": "buy", "size": "15000", "price": "150"})
    assert err.value.code == "INSUFFICIENT_COLLATERAL"
    assert "collateral" in err.value.message


async def test_withdraw_more_than_free_is_refused(venue, trading):
    with pytest.raises(ApiError) as err:
        await trading.op_withdraw(None, {"amount": "100000.000001"})
    assert err.value.code in ("WITHDRAW_EXCEEDS_FREE", "INSUFFICIENT_BALANCE")
    done = await trading.op_withdraw(None, {"amount": "1000"})
    assert done["account"]["collateral"][0]["amount"] == STARTING_USDC - 1000 * 10**6


async def test_replaying_the_journal_reproduces_the_live_state(venue, trading, tmp_path):
    await trading.op_place(None, {"market": "SOL-PERP", "side": "buy", "size": "2", "price": "149"})
    await trading.op_place(None, {"market": "ETH-PERP", "side": "sell", "size": "0.5", "type": "market"})
    await trading.op_deposit(None, {"amount": "1.5", "asset": "SOL", "sub_account": 1})
    for step in range(5):
        venue.slot += 1
        venue.test_clock.now += 1
        venue.on_observation(observation("SOL-PERP", 150.0 - step, slot=venue.slot, ts=int(venue.test_clock.now)))
    await venue.store.write(lambda conn: None)
    replica = PaperVenue(Bus(), Store(venue.store.path))
    report = replica.recover()
    assert report["consistent"] and report["failed"] == 0 and report["seq"] == venue.seq
    assert state_to_bytes(replica.state) == state_to_bytes(venue.state)
    assert replica.recent == venue.recent


async def test_recovery_from_a_snapshot_plus_tail(venue, trading):
    venue.snapshot_every = 3
    for price in ("140", "141", "142", "143"):
        await trading.op_place(None, {"market": "SOL-PERP", "side": "buy", "size": "1", "price": price})
    replica = PaperVenue(Bus(), Store(venue.store.path))
    report = replica.recover()
    assert report["snapshot_seq"] > 0 and report["replayed"] < venue.seq
    assert state_to_bytes(replica.state) == state_to_bytes(venue.state)


async def test_kill_switch_state_refuses_new_orders(venue):
    from backend.venues.ops import TradingOps

    halted = TradingOps(venue, trading_state=lambda: "HALTED")
    with pytest.raises(DomainError) as err:
        await halted.op_place(None, {"market": "SOL-PERP", "side": "buy", "size": "1", "price": "140"})
    assert err.value.code == "HALTED"


async def test_book_merges_resting_orders_with_the_curve(venue, trading):
    await trading.op_place(None, {"market": "SOL-PERP", "side": "buy", "size": "3", "price": "149.5"})
    book = await trading.op_book(None, {"market": "SOL-PERP", "depth": 5})
    assert book["oracle_price"] == 150 * 10**6
    assert len(book["asks"]) == 5 and book["asks"][0][0] > 150 * 10**6
    assert [149_500_000, 3 * 10**9] in book["bids"] or any(
        level[0] == 149_500_000 and level[1] >= 3 * 10**9 for level in book["bids"]
    )
    assert all(a[0] < b[0] for a, b in zip(book["asks"], book["asks"][1:]))


async def test_a_market_order_filled_by_the_crank_is_shown_filled(venue, trading):
    placed = await trading.op_place(None, {"market": "SOL-PERP", "side": "buy", "size": "1", "type": "market"})
    order_id = placed["orders"][0]["order_id"]
    for _ in range(10):
        venue.slot += 1
        venue.crank()
    await venue.store.write(lambda conn: None)
    view = venue.recent[order_id]
    assert (view.status, view.filled) == ("filled", 10**9)
    assert view.avg_fill_price > 0


async def test_risk_views_show_drift_funding_and_liquidation_status(venue, trading):
    status = await trading.op_liquidation(None, {})
    assert status["being_liquidated"] is False and status["margin_shortage"] == 0
    assert status["max_pct"] == 0 and status["total_socialized_loss"] == 0
    state = trading.market_state("SOL-PERP")
    funding = state["funding"]
    assert funding["contract_tier"] == 0 and funding["max_price_spread"] == 150_000_000 // 33
    account = (await trading.op_account(None, {}))["account"]
    assert account.get("being_liquidated", False) is False and account.get("margin_shortage", 0) == 0
