"""The on-chain venue: QuantDesk perp instructions encoded with anchorpy and sent through backend/solana.

At start it checks that the program is deployed (account exists and is executable) on the chosen
cluster. When it is not — always the case on localnet, where the program is not loaded — it says
so and refuses every order with PROGRAM_NOT_DEPLOYED; it never simulates fills on its own.
"""

from __future__ import annotations

import logging
from typing import Any

from solders.pubkey import Pubkey

from backend.solana.errors import ErrorCode, SolanaError
from backend.solana.keystore import Signer
from backend.solana.rpc import Rpc
from backend.solana.tx import TxSender
from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.client import DEFAULT_PROGRAM_ID, QuantDeskClient

log = logging.getLogger(__name__)
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

    async def start(self) -> None:
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
        }

    async def place_order(self, order: Any, *, request_id: str | None = None) -> dict[str, Any]:
        """`order`: a PlaceOrder / PlaceOcoOrder / PlaceBracketOrder / PlaceTwapOrder / PlaceIcebergOrder."""
        self._ensure_ready()
        if not isinstance(order, PLACE_INSTRUCTIONS):
            raise TypeError(f"not an order instruction: {type(order).__name__}")
        return await self._send(order, request_id, f"place {type(order).__name__}")

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

    async def _send(
        self,
        instruction: Any,
        request_id: str | None,
        purpose: str,
        accounts: dict[str, Pubkey] | None = None,
    ) -> dict[str, Any]:
        assert self.signer is not None
        built = self.client.build(instruction, signer=self.signer.pubkey, accounts=accounts)
        outcome = await self.sender.send(self.signer, [built], request_id=request_id, purpose=purpose)
        return outcome.to_dict()
