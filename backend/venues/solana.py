"""The on-chain venue: QuantDesk perp instructions encoded with anchorpy and sent through backend/solana.

On localnet the program is first deployed into the embedded LiteSVM (solana_localnet.py). Then, on
any cluster, it checks that the program is deployed (account exists and is executable); when it is
not, it says so and refuses every order with PROGRAM_NOT_DEPLOYED; it never simulates fills on its own.
Fills are the program's: read back from the transaction's logs, with its compute units.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey
from solders.signature import Signature

from backend.api.protocol import FillView, OrderView, to_builtins
from backend.solana.errors import ErrorCode, SolanaError
from backend.solana.keystore import Signer
from backend.solana.localnet import LiteSvmRpc
from backend.solana.perp_program import program_log_values
from backend.solana.rpc import Rpc
from backend.solana.tx import TxSender
from backend.venues.solana_localnet import LocalnetDeployment
from backend.venues.views import wire_status
from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.client import DEFAULT_PROGRAM_ID, QuantDeskClient
from programs.vocabulary import OrderType, Side, TimeInForce

log = logging.getLogger(__name__)
MAX_FILLS = 10_000  # on-chain fills kept for `fills`; the chain keeps the truth
PLACE_INSTRUCTIONS = (
    ix.PlaceOrder,
    ix.PlaceOcoOrder,
    ix.PlaceBracketOrder,
    ix.PlaceTwapOrder,
    ix.PlaceIcebergOrder,
)


class SolanaVenue:
    name = "solana"

    def __init__(
        self,
        rpc: Rpc,
        sender: TxSender,
        *,
        signer: Signer | None = None,
        program_id: Pubkey | str = DEFAULT_PROGRAM_ID,
    ) -> None:
        self.rpc = rpc
        self.sender = sender
        self.signer = signer
        self.client = QuantDeskClient(program_id)
        self.deployed = False
        self.status = "not started"
        self._refusal: SolanaError | None = SolanaError(
            ErrorCode.PROGRAM_NOT_DEPLOYED, "the solana venue is not started"
        )
        self.oracle_price: Callable[[int], int] | None = None  # set by the ops; localnet posts these prices
        self.localnet: LocalnetDeployment | None = None
        self.fills: list[FillView] = []  # on-chain fills since start, oldest first
        self.compute_units: dict[str, int] = {}  # instruction -> units of its latest transaction
        self.on_compute_units: Callable[[str, int], None] = lambda name, units: None

    async def start(self) -> None:
        if isinstance(self.rpc, LiteSvmRpc) and self.oracle_price is not None:
            self.localnet = LocalnetDeployment(self.rpc, self.client, self.sender, self.oracle_price)
            try:
                await self.localnet.start(self.signer)
            except SolanaError as err:
                log.warning("solana venue: localnet deployment failed: %s", err.message)
        program = self.client.program_id
        try:
            account = await self.rpc.get_account(program)
        except SolanaError as err:
            self.deployed = False
            self.status = f"cannot check program {program} on {self.rpc.network}: {err.message}"
            self._refusal = SolanaError(err.code, self.status)
            log.warning("solana venue: %s", self.status)
            return
        if account is None or not account.executable:
            self.deployed = False
            what = "no account" if account is None else "an account that is not executable"
            self.status = (
                f"the QuantDesk perp program {program} is not deployed on {self.rpc.network} "
                f"(found {what}); orders are refused — use the paper venue"
            )
            self._refusal = SolanaError(
                ErrorCode.PROGRAM_NOT_DEPLOYED, self.status, program_id=str(program), network=self.rpc.network
            )
            log.warning("solana venue: %s", self.status)
            return
        self.deployed = True
        self.status = f"program {program} is deployed on {self.rpc.network}"
        self._refusal = None
        self.sender.decoder.register(program, self.client.error_names())

    async def stop(self) -> None:
        if self.localnet is not None:
            await self.localnet.stop()
        self.status = "stopped"
        self.deployed = False
        self._refusal = SolanaError(ErrorCode.PROGRAM_NOT_DEPLOYED, "the solana venue is stopped")

    def health(self) -> dict[str, Any]:
        return {
            "venue": self.name,
            "network": self.rpc.network,
            "program_id": str(self.client.program_id),
            "deployed": self.deployed,
            "status": self.status,
            "compute_units": dict(self.compute_units),
        }

    async def place_order(self, order: Any, *, request_id: str | None = None) -> dict[str, Any]:
        """`order`: a PlaceOrder / PlaceOcoOrder / PlaceBracketOrder / PlaceTwapOrder / PlaceIcebergOrder."""
        self._ensure_ready()
        if not isinstance(order, PLACE_INSTRUCTIONS):
            raise TypeError(f"not an order instruction: {type(order).__name__}")
        extra = await self._position_accounts(order.sub_account) if isinstance(order, ix.PlaceOrder) else {}
        return await self._send(order, request_id, f"place {type(order).__name__}", remaining=extra)

    async def cancel_order(
        self, order_id: int, *, market_index: int, sub_account: int = 0, request_id: str | None = None
    ) -> dict[str, Any]:
        self._ensure_ready()
        assert self.signer is not None
        cancel = ix.CancelOrder(str(self.signer.pubkey), sub_account, order_id)
        extra = {
            "market": self.client.market_pda_by_index(market_index),
            "oracle": self.client.oracle_for(market_index),
        }
        return await self._send(cancel, request_id, f"cancel order {order_id}", extra)

    def _ensure_ready(self) -> None:
        if self._refusal is not None:
            raise self._refusal
        if self.signer is None:
            raise SolanaError(ErrorCode.KEY_LOCKED, "the solana venue has no unlocked key to sign with")

    async def order_market(self, order_id: int, sub_account: int = 0) -> int:
        """The market of a live on-chain order of this key (0 when it is not live: the program then says why)."""
        user = await self._user_account(sub_account)
        for order in user["orders"] if user else []:
            if order["order_id"] == order_id:
                return int(order["market_index"])
        return 0

    async def _user_account(self, sub_account: int) -> dict[str, Any] | None:
        assert self.signer is not None
        account = await self.rpc.get_account(self.client.user_pda(self.signer.pubkey, sub_account))
        if account is None or account.owner != self.client.program_id:
            return None
        return self.client.decode_account(account.data)[1]

    async def _position_accounts(self, sub_account: int) -> Any:
        """(market, oracle) pairs for every market the account holds a position in: the program values
        them for the margin check (onchain/README.md)."""
        user = await self._user_account(sub_account)
        metas = []
        for position in user["positions"] if user else []:
            index = position["market_index"]
            metas.append(AccountMeta(self.client.market_pda_by_index(index), is_signer=False, is_writable=False))
            metas.append(AccountMeta(self.client.oracle_for(index), is_signer=False, is_writable=False))
        return metas

    async def _send(
        self,
        instruction: Any,
        request_id: str | None,
        purpose: str,
        accounts: dict[str, Pubkey] | None = None,
        remaining: Any = (),
    ) -> dict[str, Any]:
        assert self.signer is not None
        built = self.client.build(instruction, signer=self.signer.pubkey, accounts=accounts)
        if remaining:
            built = Instruction(built.program_id, bytes(built.data), list(built.accounts) + list(remaining))
        outcome = await self.sender.send(self.signer, [built], request_id=request_id, purpose=purpose)
        result = outcome.to_dict()
        result.update(self._read_back(instruction, outcome.signature, outcome.slot or 0))
        return result

    def _read_back(self, instruction: Any, signature: str, slot: int) -> dict[str, Any]:
        """Compute units, and for an order its on-chain id, status and fills, from the transaction's logs."""
        if not isinstance(self.rpc, LiteSvmRpc) or not signature:
            return {}
        found = self.rpc.transaction_logs(Signature.from_string(signature))
        if found is None:
            return {}
        logs, units = found
        name = type(instruction).__name__
        self.compute_units[name] = units
        self.on_compute_units(name, units)
        units_text = ", ".join(f"{k} {v}" for k, v in sorted(self.compute_units.items()))
        self.status = f"{self._base_status()}; CU {units_text}"  # the System screen shows the venue status
        extra: dict[str, Any] = {"compute_units": units}
        values = program_log_values(logs)
        if isinstance(instruction, ix.PlaceOrder) and values:
            order_id, status, _filled = values[-1][:3]
            fills = [self._record_fill(instruction, order_id, v, slot) for v in values[:-1]]
            extra["fills"] = to_builtins(fills)
            extra["orders"] = to_builtins([self._order_view(instruction, order_id, status, fills)])
        return extra

    def _order_view(self, order: ix.PlaceOrder, order_id: int, status: int, fills: list[FillView]) -> OrderView:
        """The order as the program left it, in the paper venue's OrderView shape (the ticket and CLI read it)."""
        filled = sum(f.size for f in fills)
        notional = sum(f.size * f.price for f in fills)
        now = int(time.time())
        return OrderView(
            order_id,
            self.client.markets[order.market_index].symbol,
            Side[order.side.name],
            OrderType[order.order_type.name],
            wire_status(status),
            order.size,
            filled,
            order.price or 0,
            avg_fill_price=notional // filled if filled else 0,
            reduce_only=order.reduce_only,
            post_only=order.post_only,
            tif=TimeInForce[order.time_in_force.name],
            sub_account=order.sub_account,
            client_id=str(order.client_order_id) if order.client_order_id else "",
            created_ts=now,
            updated_ts=now,
        )

    def _base_status(self) -> str:
        return self.status.split("; CU ", 1)[0]

    def _record_fill(self, order: ix.PlaceOrder, order_id: int, values: tuple[int, ...], slot: int) -> FillView:
        base, _quote, price, is_buy, fee = values[:5]
        spec = self.client.markets[order.market_index]
        fill = FillView(
            len(self.fills) + 1,
            order_id,
            spec.symbol,
            Side.BUY if is_buy else Side.SELL,
            price,
            base,
            fee,
            "taker",
            int(time.time()),
            slot,
            order.sub_account,
        )
        self.fills.append(fill)
        del self.fills[:-MAX_FILLS]
        return fill
