"""`--venue solana --network localnet`: the QuantDesk program runs in the embedded LiteSVM.

At start the committed program ELF is deployed, each market is initialized once the feed has priced
it, and the venue's key gets its program account and a USDC vault holding test USDC. While the
backend runs, the live feed's prices are posted every `POST_INTERVAL_S` as Pyth PriceUpdateV2
accounts (the LiteSVM clock advancing one slot per posting), so fills use the same oracle the
paper venue sees.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from backend.solana.errors import SolanaError
from backend.solana.keystore import Signer
from backend.solana.localnet import LiteSvmRpc
from backend.solana.perp_program import PerpProgram
from backend.solana.tx import TxSender
from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.client import QuantDeskClient
from programs.quantdesk_perp.config import default_config
from programs.quantdesk_perp.enums import CollateralAsset
from programs.vocabulary import QUOTE_PRECISION

log = logging.getLogger(__name__)
POST_INTERVAL_S = 0.4
TEST_USDC = 100_000 * QUOTE_PRECISION  # what the venue's key deposits at start


class LocalnetDeployment:
    def __init__(
        self, rpc: LiteSvmRpc, client: QuantDeskClient, sender: TxSender, oracle_price: Callable[[int], int]
    ) -> None:
        self.rpc = rpc
        self.client = client
        self.sender = sender
        self.oracle_price = oracle_price
        self.program: PerpProgram | None = None
        self.initialized: set[int] = set()
        self.account_ready = asyncio.Event()  # set once the signer's account holds its test USDC
        self._pending_signer: Signer | None = None
        self._task: asyncio.Task | None = None

    async def start(self, signer: Signer | None) -> None:
        """Deploy, then keep posting prices; the first priced market creates the program state, after
        which the signer's account is set up."""
        self.program = PerpProgram(self.rpc.svm, self.client, fresh_blockhash=False)
        self._pending_signer = signer
        await self._tick()
        self._task = asyncio.create_task(self._post_forever(), name="localnet-oracle")

    async def _tick(self) -> None:
        self.post_prices()
        if self._pending_signer is not None and self.initialized:
            signer, self._pending_signer = self._pending_signer, None
            await self._open_account(signer)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def post_prices(self) -> None:
        """Advance the LiteSVM clock one slot and post every priced market's oracle account at that slot."""
        assert self.program is not None
        slot = int(self.rpc.svm.get_clock().slot) + 1
        now = int(time.time())
        self.program.set_clock(slot, now)
        for index in sorted(self.client.markets):
            price = self.oracle_price(index)
            if price <= 0:
                continue
            self.program.post_price(index, price, 0, slot, now)
            if index not in self.initialized:
                self._initialize_market(index, price)

    def _initialize_market(self, index: int, price: int) -> None:
        assert self.program is not None
        spec = self.client.markets[index]
        cfg = default_config(spec)
        init = ix.InitializeMarket(
            index,
            spec.symbol,
            spec.base,
            spec.quote,
            price,
            spec.tick_size,
            spec.step_size,
            spec.min_size,
            spec.max_leverage,
            cfg.margin_ratio_initial,
            cfg.margin_ratio_maintenance,
        )
        sent = self.program.send(self.program.admin, self.program.build(init, self.program.admin))
        if sent.ok or sent.error == 6010:  # MARKET_EXISTS: initialized earlier in this LiteSVM
            self.initialized.add(index)
        else:
            log.warning("localnet: initialize_market %s failed with %s", spec.symbol, sent.error)

    async def _open_account(self, signer: Signer) -> None:
        assert self.program is not None
        program, owner = self.program, signer.pubkey
        program.fund_user(owner, TEST_USDC)
        authority = str(owner)
        steps = [
            program.build(ix.CreateUserAccount(authority, 0, "localnet"), owner),
            program.initialize_collateral_account(owner),
            program.build(ix.DepositTokens(authority, 0, CollateralAsset.USDC, TEST_USDC), owner),
        ]
        for purpose, instruction in zip(("create account", "create vault", "deposit test USDC"), steps, strict=True):
            try:
                await self.sender.send(signer, [instruction], purpose=f"localnet setup: {purpose}")
            except SolanaError as err:
                log.warning("localnet: %s failed: %s", purpose, err.message)
                return
        self.account_ready.set()

    async def _post_forever(self) -> None:
        while True:
            await asyncio.sleep(POST_INTERVAL_S)
            try:
                await self._tick()
            except SolanaError as err:  # a LiteSVM fault: log it and keep the venue up
                log.warning("localnet: posting prices failed: %s", err.message)
