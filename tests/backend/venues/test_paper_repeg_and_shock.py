"""The paper venue's curve re-pegs inside the journalled crank (a restart replays it exactly), a
liquidation fill carries its realized pnl, and `oracle.shock` is its own journal entry, so a restart
recovers the shocked price and the same liquidations."""

from __future__ import annotations

from typing import Any

from backend.bus import Bus
from backend.oracle.sim import SimOracle
from backend.oracle.sim_ops import register_sim_ops, resume_sim
from backend.risk.pretrade import RiskLimits
from backend.store.db import Store
from backend.units import to_human
from backend.venues.admin_ops import register_admin_ops
from backend.venues.ops import TradingOps
from backend.venues.paper import PaperVenue
from backend.venues.records import liquidations
from programs.quantdesk_perp.math import amm
from programs.quantdesk_perp.state import state_to_bytes
from quantdesk_tui.commands.admin import markets_text
from tests.backend.venues.conftest import observation


class Ops:
    """Collects the handlers an op registrar gives the API server."""

    def __init__(self) -> None:
        self.handlers: dict[str, Any] = {}

    def op(self, name: str, handler: Any) -> None:
        self.handlers[name] = handler

    async def __call__(self, name: str, **args: Any) -> Any:
        return await self.handlers[name](_Session(), args)


class _Session:
    client = "test"


def restarted(venue: PaperVenue) -> PaperVenue:
    replica = PaperVenue(Bus(), Store(venue.store.path))
    report = replica.recover()
    assert report["consistent"] and report["failed"] == 0 and report["seq"] == venue.seq
    return replica


async def test_the_crank_after_a_917_sol_buy_re_pegs_to_the_oracle_and_a_restart_replays_it(venue, trading):
    await trading.op_place(None, {"market": "SOL-PERP", "side": "buy", "size": "91.7", "price": "155", "tif": "ioc"})
    book = to_human(await trading.op_book(None, {"market": "SOL-PERP", "depth": 1}))
    assert (book["bids"][0][0], book["asks"][0][0]) == ("152.712", "152.866")  # the lean, oracle 150
    venue.slot += 1
    venue.on_observation(observation("SOL-PERP", 150.0, slot=venue.slot, ts=int(venue.test_clock.now)))  # cranks
    await venue.store.write(lambda conn: None)
    book = to_human(await trading.op_book(None, {"market": "SOL-PERP", "depth": 1}))
    assert (book["bids"][0][0], book["asks"][0][0]) == ("149.924", "150.075")  # oracle -+ 5 bps, on ticks
    ops = Ops()
    register_admin_ops(ops, trading)
    sol = next(m for m in (await ops("admin.markets"))["markets"] if m["market"] == "SOL-PERP")
    # peg = 150 * 9908.3^2 / 10000^2 = 147.261613.. ; the longs' loss on the move went to the fee pool
    assert to_human(sol["amm"]) == {
        "amm_peg": "147.261613",
        "reserve_price": "149.999999",
        "base_asset_reserve": "9908.3",
        "quote_asset_reserve": "10092.548671315",
        "sqrt_k": "10000",
        "amm_base": "-91.7",
        "fee_pool": "260.378699",
        "last_repeg_cost": "-253.434078",
        "total_repeg_cost": "-253.434078",
    }
    text = markets_text(await ops("admin.markets"))
    assert (
        "SOL-PERP amm: peg 147.261613  reserve price 149.999999  fee pool 260.378699 USDC  "
        "repeg cost last -253.434078 total -253.434078"
    ) in text
    replica = restarted(venue)
    assert state_to_bytes(replica.state) == state_to_bytes(venue.state)
    assert replica.state.markets[0].amm_peg == 147_261_613


async def crash_position(venue: PaperVenue) -> TradingOps:
    venue.bus.on("observations", venue.on_observation)  # as start() does, without the keeper task
    trading = TradingOps(venue, limits=RiskLimits(max_leverage=50 * 10**4))
    await trading.op_withdraw(None, {"amount": "98000"})
    await trading.op_place(None, {"market": "SOL-PERP", "side": "buy", "size": "100", "price": "155", "tif": "ioc"})
    return trading


async def test_a_shock_is_journalled_so_a_restart_recovers_the_shocked_price_and_the_same_liquidations(venue):
    await crash_position(venue)
    sim = SimOracle(seed=3, tick_rate=10.0, markets=["SOL-PERP"])
    sim.resume_from({"SOL-PERP": 150.0})
    ops = Ops()
    register_sim_ops(ops, sim, venue.store, paper=True, venue=venue)
    seq = venue.seq
    result = await ops("oracle.shock", market="SOL-PERP", pct="-12")
    assert result == {"market": "SOL-PERP", "pct": "-12", "target_price": "132.000000"}
    assert venue.seq > seq and venue.oracle_price(0) == 132_000_000  # acked after its own entry committed
    before_keep = restarted(venue)  # a kill -9 right after the ack: the shock is not lost
    assert before_keep.oracle_price(0) == 132_000_000
    resumed = SimOracle(seed=3, tick_rate=10.0, markets=["SOL-PERP"])
    resume_sim(resumed, before_keep.store, before_keep)  # the recorder had not flushed: the journal's price
    assert resumed.walks[0].price == 132.0
    assert state_to_bytes(before_keep.state) == state_to_bytes(venue.state)
    assert venue.keep() and before_keep.keep()  # both liquidate at the shocked price
    await venue.store.write(lambda conn: None)
    replica = restarted(venue)
    assert replica.oracle_price(0) == 132_000_000
    assert to_human(liquidations(replica)) == to_human(liquidations(venue))
    assert [r["kind"] for r in liquidations(replica)["liquidations"]] == ["liquidation", "bankruptcy_covered"]
    assert state_to_bytes(replica.state) == state_to_bytes(venue.state)


async def test_a_liquidation_fill_carries_the_realized_pnl_of_the_part_taken(venue):
    trading = await crash_position(venue)
    entry = venue.state.users[("paper", 0)].positions[0]
    entry_quote, entry_base = entry.quote_entry, entry.base  # what the 100 SOL cost (negative)
    sim = SimOracle(seed=3, tick_rate=10.0, markets=["SOL-PERP"])
    sim.resume_from({"SOL-PERP": 150.0})
    ops = Ops()
    register_sim_ops(ops, sim, venue.store, paper=True, venue=venue)
    await ops("oracle.shock", market="SOL-PERP", pct="-12")
    assert venue.keep()
    await venue.store.write(lambda conn: None)
    fill = to_human((await trading.op_fills(None, {}))["fills"])[-1]
    pos = venue.state.users[("paper", 0)].positions[0]
    assert (fill["role"], fill["size"], pos.base) == ("liquidation", "100", 0)  # all of it, to the keeper's AMM
    # the crank re-pegged to 132 first: peg 132 * 9900^2 / 10000^2 = 129.3732; the AMM bought the 100 SOL
    # on its curve (less 5 bps); realized = those proceeds minus the 15,159.09091 the position cost
    peg = venue.state.markets[0].amm_peg
    proceeds = amm.sell_proceeds(peg, 10_000 * 10**9, -entry_base, 500, entry_base)
    assert (peg, proceeds, entry_quote) == (129_373_200, 13_061_466_000, -15_159_090_910)
    assert fill["realized_pnl"] == "-2097.62491" == to_human({"realized_pnl": proceeds + entry_quote})["realized_pnl"]
    assert fill["price"] == "130.61466" == to_human({"price": proceeds * 10**9 // entry_base})["price"]  # not 132
    assert pos.realized_pnl == proceeds + entry_quote  # the position row says the same
