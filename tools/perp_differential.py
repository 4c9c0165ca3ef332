"""Drive one seeded instruction stream through the Python engine (the specification) and through the
on-chain program in LiteSVM, and compare the state both keep after every instruction.

The stream stays inside the on-chain subset (programs/quantdesk_perp/onchain/README.md): one market,
USDC collateral, oracle updates and funding accrual, market orders without auction, limit orders
GTC/IOC/FOK (post-only too), resting orders far enough from the oracle that no other user's taker
can reach them (the chain has no shared book; crossing limit orders are IOC/FOK for the same
reason), cancels, withdrawals, funding settlement, and now and then a stale oracle.
"""

from __future__ import annotations

import random
import struct
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from solders.keypair import Keypair

from backend.solana.perp_program import PerpProgram, Sent
from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.context import Context, OraclePrice
from programs.quantdesk_perp.enums import CollateralAsset, OrderStatus, OrderType, Side, TimeInForce
from programs.quantdesk_perp.errors import EngineError
from programs.quantdesk_perp.idl import variant_name
from programs.quantdesk_perp.markets import MARKETS
from programs.quantdesk_perp.processor import process
from programs.quantdesk_perp.state import State

SOL = MARKETS[0]
START_PRICE = 150_000_000
START_SLOT, START_TIME = 1_000, 1_700_000_000
USDC = 10**6


@dataclass
class Step:
    instruction: Any
    engine_error: int | None
    chain: Sent


@dataclass
class Differential:
    seed: int
    users: int = 3
    state: State = field(default_factory=State)
    chain: PerpProgram = field(default_factory=PerpProgram)
    slot: int = START_SLOT
    unix_time: int = START_TIME
    price: int = START_PRICE
    publish_slot: int = START_SLOT
    keys: list[Keypair] = field(default_factory=list)
    deposited: dict[str, int] = field(default_factory=dict)  # authority -> USDC moved into its vault
    steps: list[Step] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._post_oracle()

    # -- the two machines --------------------------------------------------------------------------

    def ctx(self) -> Context:
        oracle = OraclePrice(self.price, self.conf(), self.publish_slot, self.unix_time)
        return Context(self.slot, self.unix_time, {SOL.market_index: oracle})

    def conf(self) -> int:
        return self.price // 10_000  # 1 bp

    def _post_oracle(self) -> None:
        self.chain.set_clock(self.slot, self.unix_time)
        self.chain.post_price(SOL.market_index, self.price, self.conf(), self.publish_slot, self.unix_time)

    def apply(self, instruction: Any, signer: Keypair, **build: Any) -> Step:
        try:
            process(self.state, instruction, self.ctx())
            engine_error = None
        except EngineError as err:
            engine_error = int(err.code)
        sent = self.chain.send(signer, self.chain.build(instruction, signer, **build))
        step = Step(instruction, engine_error, sent)
        self.steps.append(step)
        return step

    def advance(self) -> None:
        self.slot += 1
        # now and then a long pause, so funding intervals elapse
        self.unix_time += self.rng.randint(600, 2_400) if self.rng.random() < 0.05 else self.rng.randint(1, 3)
        stale = self.rng.random() < 0.03
        if not stale:
            self.publish_slot = self.slot
            # a bounded walk: resting orders placed 5% away stay out of every taker's reach
            move = self.price * self.rng.randint(-20, 20) // 10_000
            self.price = min(max(self.price + move, START_PRICE * 99 // 100), START_PRICE * 101 // 100)
            self.price -= self.price % SOL.tick_size
        else:
            self.publish_slot = self.slot - 60
        self._post_oracle()

    # -- setup ------------------------------------------------------------------------------------

    def setup(self) -> None:
        admin = self.chain.admin
        init = ix.InitializeMarket(
            SOL.market_index,
            SOL.symbol,
            SOL.base,
            SOL.quote,
            START_PRICE,
            SOL.tick_size,
            SOL.step_size,
            SOL.min_size,
            SOL.max_leverage,
            500,
            250,
        )
        assert self.apply(init, admin).chain.ok
        self.state.markets[SOL.market_index].config.curve_update_intensity = 0  # no repeg on chain
        for n in range(self.users):
            key = Keypair.from_seed(bytes([self.seed % 251, n]) * 16)
            self.keys.append(key)
            self.chain.fund_user(key.pubkey(), 1_000_000 * USDC)
            self.apply(ix.CreateUserAccount(str(key.pubkey()), 0, f"user{n}"), key)
            vault = self.chain.send(key, self.chain.initialize_collateral_account(key))
            assert vault.ok, vault.logs
            self.deposited[str(key.pubkey())] = 0

    # -- the random stream --------------------------------------------------------------------------

    def random_step(self) -> Step:
        key = self.rng.choice(self.keys)
        authority = str(key.pubkey())
        kind = self.rng.choices(
            ["deposit", "withdraw", "market", "limit_rest", "limit_cross", "cancel", "settle", "oracle", "funding"],
            weights=[3, 2, 6, 4, 4, 3, 1, 2, 2],
        )[0]
        if kind == "oracle":
            return self.apply(ix.UpdateOraclePrice(SOL.market_index), key)
        if kind == "funding":
            return self.apply(ix.CalculateFundingRate(SOL.market_index), key)
        if kind == "deposit":
            amount = self.rng.randint(1, 3_000) * USDC
            step = self.apply(ix.DepositTokens(authority, 0, CollateralAsset.USDC, amount), key)
            if step.chain.ok:
                self.deposited[authority] += amount
            return step
        if kind == "withdraw":
            amount = self.rng.randint(1, 2_000) * USDC
            step = self.apply(
                ix.WithdrawTokens(authority, 0, CollateralAsset.USDC, amount),
                key,
                extra=self.chain.position_accounts([SOL.market_index]),
            )
            if step.chain.ok:
                self.deposited[authority] -= amount
            return step
        if kind == "settle":
            return self.apply(
                ix.SettleFunding(authority, 0),
                key,
                extra=self.chain.position_accounts([SOL.market_index], writable=True, oracles=False),
            )
        if kind == "cancel":
            user = self.state.users.get((authority, 0))
            live = list(user.order_ids) if user else []
            order_id = self.rng.choice(live) if live and self.rng.random() < 0.8 else self.rng.randint(1, 60)
            return self.apply(ix.CancelOrder(authority, 0, order_id), key)
        side = self.rng.choice([Side.BUY, Side.SELL])
        size = self.rng.randint(1, 400) * SOL.step_size
        reduce_only = self.rng.random() < 0.1
        if kind == "market":
            cap = None
            if self.rng.random() < 0.3:
                offset = self.price * self.rng.randint(-10, 30) // 10_000
                cap = self.price + offset if side == Side.BUY else self.price - offset
                cap -= cap % SOL.tick_size
            order = ix.PlaceOrder(
                authority,
                0,
                SOL.market_index,
                side,
                OrderType.MARKET,
                size,
                price=cap,
                reduce_only=reduce_only,
                client_order_id=self.rng.randint(0, 99),
                auction_duration_slots=0,
            )
            return self.apply(order, key)
        if kind == "limit_rest":
            away = self.price * self.rng.randint(500, 900) // 10_000
            price = self.price - away if side == Side.BUY else self.price + away
        else:
            near = self.price * self.rng.randint(-20, 150) // 10_000
            price = self.price + near if side == Side.BUY else self.price - near
        price -= price % SOL.tick_size
        # A crossing order's remainder would rest inside other takers' reach: crossing orders are IOC/FOK.
        crossing = kind == "limit_cross"
        tifs = [TimeInForce.IOC, TimeInForce.FOK] if crossing else [TimeInForce.GTC] * 3 + [TimeInForce.IOC]
        tif = self.rng.choice(tifs)
        post_only = tif == TimeInForce.GTC and self.rng.random() < 0.2
        order = ix.PlaceOrder(
            authority,
            0,
            SOL.market_index,
            side,
            OrderType.LIMIT,
            size,
            price=price,
            time_in_force=tif,
            reduce_only=reduce_only,
            post_only=post_only,
            client_order_id=self.rng.randint(0, 99),
        )
        return self.apply(order, key)

    def documented_difference(self, step: Step) -> bool:
        """README limitation 1: cancelling another account's live order. The engine sees every order and says
        UNKNOWN_ORDER; the program sees only the signer's account and says ORDER_NOT_OPEN."""
        i = step.instruction
        if not isinstance(i, ix.CancelOrder) or (step.engine_error, step.chain.error) != (6013, 6014):
            return False
        order = self.state.orders.get(i.order_id)
        return order is not None and (order.authority, order.sub_account) != (i.authority, i.sub_account)

    # -- comparison -----------------------------------------------------------------------------------

    def engine_view(self) -> dict[str, Any]:
        market = self.state.markets[SOL.market_index]
        users = {}
        for key in self.keys:
            user = self.state.users[(str(key.pubkey()), 0)]
            users[str(key.pubkey())] = {
                "usdc_balance": user.balances.get(CollateralAsset.USDC, 0),
                "positions": [
                    {
                        "market_index": p.market_index,
                        "base_asset_amount": p.base,
                        "quote_entry_amount": p.quote_entry,
                        "last_cumulative_funding": p.last_cumulative_funding,
                        "realized_pnl": p.realized_pnl,
                        "fees_paid": p.fees_paid,
                        "funding_paid": p.funding_paid,
                        "open_bids": p.open_bids,
                        "open_asks": p.open_asks,
                    }
                    for p in user.positions.values()
                ],
                "orders": [_order_view(self.state.orders[order_id]) for order_id in user.order_ids],
                "vault": self.deposited[str(key.pubkey())],
            }
        return {
            "market": {
                "open_interest_long": market.open_interest_long,
                "open_interest_short": market.open_interest_short,
                "amm_base_asset_amount": market.amm.base,
                "fee_pool": market.fee_pool,
                "cumulative_funding_rate_long": market.cumulative_funding_rate_long,
                "cumulative_funding_rate_short": market.cumulative_funding_rate_short,
                "last_funding_rate": market.last_funding_rate,
                "last_funding_rate_long": market.last_funding_rate_long,
                "last_funding_rate_short": market.last_funding_rate_short,
                "last_funding_time": market.last_funding_time,
                "circuit_breaker_tripped": market.circuit_breaker_tripped,
                "status": variant_name(market.status),
            },
            "users": users,
        }

    def chain_view(self) -> dict[str, Any]:
        address = self.chain.client.market_pda_by_index(SOL.market_index)
        market = self.chain.decode(address)
        assert market is not None
        funding = _market_funding_tail(bytes(self.chain.svm.get_account(address).data), market["symbol"])
        users = {}
        for key in self.keys:
            user = self.chain.decode(self.chain.client.user_pda(key.pubkey(), 0))
            assert user is not None
            users[str(key.pubkey())] = {
                "usdc_balance": user["usdc_balance"],
                "positions": user["positions"],
                "orders": [_chain_order_view(o) for o in user["orders"]],
                "vault": self.chain.token_balance(self.chain.vault(key.pubkey())),
            }
        view = {
            name: market[name]
            for name in (
                "open_interest_long",
                "open_interest_short",
                "amm_base_asset_amount",
                "fee_pool",
                "last_funding_time",
                "circuit_breaker_tripped",
                "status",
            )
        }
        view["cumulative_funding_rate_long"] = market["cumulative_funding"]  # the IDL's field is the long rate
        return {"market": view | funding, "users": users}


# onchain/layout.h's PerpMarket: the IDL's fields, then (not in the IDL, so anchorpy skips them) the
# engine's other market fields, read here up to the funding rates.
_IDL_MARKET_HEAD = struct.Struct("<8sHI")  # discriminator, market_index, symbol length; the symbol follows
_IDL_MARKET_BODY = struct.Struct("<BQQQHIIIIqqqQQqqB")
_MARKET_TAIL = struct.Struct(
    "<32sQIIQIqqqQQqQqII"  # oracle .. max_orders_per_account
    "Bqqqq"  # contract_tier, cumulative_funding_rate_short, last_funding_rate, last_funding_rate_long/short
)
_FUNDING_TAIL = (
    "cumulative_funding_rate_short",
    "last_funding_rate",
    "last_funding_rate_long",
    "last_funding_rate_short",
)


def fee_pool_offset(symbol: str) -> int:
    """Where the IDL's fee_pool sits in a PerpMarket account (after it: circuit_breaker_tripped)."""
    return _IDL_MARKET_HEAD.size + len(symbol.encode()) + _IDL_MARKET_BODY.size - 9


def _market_funding_tail(data: bytes, symbol: str) -> dict[str, int]:
    offset = _IDL_MARKET_HEAD.size + len(symbol.encode()) + _IDL_MARKET_BODY.size
    values = _MARKET_TAIL.unpack_from(data, offset)
    return dict(zip(_FUNDING_TAIL, values[-len(_FUNDING_TAIL) :], strict=True))


def _order_view(order: Any) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "side": int(order.side),
        "order_type": int(order.order_type),
        "status": int(order.status),
        "size": order.size,
        "filled": order.filled,
        "price": order.price,
        "time_in_force": int(order.time_in_force),
        "reduce_only": order.reduce_only,
        "post_only": order.post_only,
        "client_order_id": order.client_order_id,
    }


_ENUMS = {"side": Side, "order_type": OrderType, "time_in_force": TimeInForce}


def _chain_order_view(order: dict[str, Any]) -> dict[str, Any]:
    def value(enum: Any, name: str) -> int:
        return int(next(m for m in enum if variant_name(m) == name))

    return {
        "order_id": order["order_id"],
        "side": value(Side, order["side"]),
        "order_type": value(OrderType, order["order_type"]),
        "status": value(OrderStatus, order["status"]),
        "size": order["size"],
        "filled": order["filled"],
        "price": order["price"],
        "time_in_force": value(TimeInForce, order["time_in_force"]),
        "reduce_only": order["reduce_only"],
        "post_only": order["post_only"],
        "client_order_id": order["client_order_id"],
    }


class Disagreement(AssertionError):
    """The engine and the program differ beyond the documented limitations."""


def run(seed: int, steps: int) -> Counter:
    """`steps` random instructions after setup; outcomes counted by (instruction, program error)."""
    d = Differential(seed)
    d.setup()
    outcomes: Counter = Counter()
    if d.engine_view() != d.chain_view():
        raise Disagreement("after setup")
    for number in range(steps):
        d.advance()
        step = d.random_step()
        outcomes[(type(step.instruction).__name__, step.chain.error)] += 1
        where = f"seed {seed} step {number}: {step.instruction}; engine {step.engine_error}, program {step.chain.error}"
        if step.engine_error != step.chain.error and not d.documented_difference(step):
            raise Disagreement(f"{where}\n{step.chain.logs[-2:]}")
        engine, chain = d.engine_view(), d.chain_view()
        if engine != chain:
            raise Disagreement(f"{where}\nengine:  {engine}\nprogram: {chain}")
    return outcomes
