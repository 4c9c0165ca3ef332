"""The on-chain perp program in LiteSVM: place / cancel / fill transactions per second and compute units
per instruction (used by `python -m bench solana`)."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable

from solders.keypair import Keypair

from backend.solana.perp_program import PerpProgram, Sent
from bench._table import percentile
from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.enums import CollateralAsset, OrderType, Side, TimeInForce
from programs.quantdesk_perp.markets import MARKETS
from programs.vocabulary import QUOTE_PRECISION

SOL = MARKETS[0]
PRICE = 150_000_000


class OnchainBench:
    def __init__(self) -> None:
        self.program = PerpProgram()
        self.units: dict[str, list[int]] = defaultdict(list)
        self.program.set_clock(1_000, 1_700_000_000)
        self.program.post_price(SOL.market_index, PRICE, PRICE // 10_000, 1_000, 1_700_000_000)
        admin = self.program.admin
        self.send(
            "initialize_market",
            admin,
            ix.InitializeMarket(
                SOL.market_index,
                SOL.symbol,
                SOL.base,
                SOL.quote,
                PRICE,
                SOL.tick_size,
                SOL.step_size,
                SOL.min_size,
                SOL.max_leverage,
                500,
                250,
            ),
        )
        self.trader = Keypair()
        me = str(self.trader.pubkey())
        self.program.fund_user(self.trader.pubkey(), 10**12)
        self.send("create_user_account", self.trader, ix.CreateUserAccount(me, 0, "bench"))
        self.record(
            "initialize_collateral_account",
            self.program.send(self.trader, self.program.initialize_collateral_account(self.trader)),
        )
        self.send("deposit_tokens", self.trader, ix.DepositTokens(me, 0, CollateralAsset.USDC, 10**11))

    def record(self, name: str, sent: Sent) -> Sent:
        if not sent.ok:
            raise RuntimeError(f"{name} failed with {sent.error}: {sent.logs[-2:]}")
        self.units[name].append(sent.compute_units)
        return sent

    def send(self, name: str, signer: Keypair, instruction: object, **build: object) -> Sent:
        return self.record(name, self.program.send(signer, self.program.build(instruction, signer, **build)))

    def timed(self, first: int, count: int, one: Callable[[int], None]) -> float:
        """Seconds for one(first) .. one(first + count - 1)."""
        start = time.perf_counter()
        for i in range(first, first + count):
            one(i)
        return time.perf_counter() - start

    def run(self, count: int) -> list[list[object]]:
        me = str(self.trader.pubkey())

        def place(i: int) -> None:  # resting limit bids 10% under the oracle
            price = PRICE * 9 // 10 - (i % 50) * SOL.tick_size
            self.send(
                "place_order (limit, rests)",
                self.trader,
                ix.PlaceOrder(me, 0, SOL.market_index, Side.BUY, OrderType.LIMIT, SOL.min_size, price=price),
            )

        def cancel(i: int) -> None:
            self.send("cancel_order", self.trader, ix.CancelOrder(me, 0, 1 + i))  # order ids start at 1

        def fill(i: int) -> None:  # market orders, alternating sides, filled by the AMM
            side = Side.BUY if i % 2 == 0 else Side.SELL
            self.send(
                "place_order (market, fills)",
                self.trader,
                ix.PlaceOrder(
                    me, 0, SOL.market_index, side, OrderType.MARKET, SOL.min_size * 10, auction_duration_slots=0
                ),
            )

        batch = 30  # an account holds at most 32 live orders: place a batch, cancel it, repeat
        place_seconds = cancel_seconds = 0.0
        done = 0
        while done < count:
            size = min(batch, count - done)
            place_seconds += self.timed(done, size, place)
            cancel_seconds += self.timed(done, size, cancel)
            done += size
        place_rate, cancel_rate = count / place_seconds, count / cancel_seconds
        fill_rate = count / self.timed(0, count, fill)
        self.send(
            "place_order (limit IOC, fills)",
            self.trader,
            ix.PlaceOrder(
                me,
                0,
                SOL.market_index,
                Side.BUY,
                OrderType.LIMIT,
                SOL.min_size,
                price=PRICE * 101 // 100,
                time_in_force=TimeInForce.IOC,
            ),
        )
        self.send(
            "withdraw_tokens",
            self.trader,
            ix.WithdrawTokens(me, 0, CollateralAsset.USDC, QUOTE_PRECISION),
            extra=self.program.position_accounts([SOL.market_index]),
        )
        self.send(
            "settle_funding",
            self.trader,
            ix.SettleFunding(me, 0),
            extra=self.program.position_accounts([SOL.market_index], writable=True, oracles=False),
        )
        self.send("update_oracle_price", self.trader, ix.UpdateOraclePrice(SOL.market_index))
        self.program.set_clock(1_001, 1_700_003_700)
        self.program.post_price(SOL.market_index, PRICE, PRICE // 10_000, 1_001, 1_700_003_700)
        self.send("calculate_funding_rate", self.trader, ix.CalculateFundingRate(SOL.market_index))
        rows: list[list[object]] = [
            ["place (resting limit) tx/s", place_rate, "one instruction per transaction, sig-verified"],
            ["cancel tx/s", cancel_rate, ""],
            ["fill (market order vs AMM) tx/s", fill_rate, ""],
        ]
        for name, units in sorted(self.units.items()):
            rows.append([f"CU {name}", percentile(units, 50), f"p50 of {len(units)}; max {max(units)}"])
        return rows
