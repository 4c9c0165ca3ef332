"""Balances, airdrops and transfers of SOL and SPL tokens; a test USDC mint on localnet."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import spl.token.instructions as spl
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, TransferParams, create_account
from solders.system_program import transfer as system_transfer
from solders.token.state import Mint

from backend.solana.errors import ErrorCode, SolanaError
from backend.solana.keystore import Signer
from backend.solana.rpc import TOKEN_PROGRAM_ID, Rpc
from backend.solana.tx import TxOutcome, TxSender
from programs.vocabulary import QUOTE_PRECISION, decimals_of

USDC_DECIMALS = decimals_of(QUOTE_PRECISION)  # the test USDC mint has the engine's quote decimals
MINT_SIZE = 82
USDC_MINTS = {
    "mainnet-beta": "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
    "devnet": "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU",
}


def parse_address(text: str | Pubkey, what: str = "address") -> Pubkey:
    if isinstance(text, Pubkey):
        return text
    try:
        return Pubkey.from_string(str(text).strip())
    except BaseException:  # noqa: BLE001 - solders raises ValueError or panics
        raise SolanaError(
            ErrorCode.INVALID_ADDRESS, f"{what} {str(text)[:60]!r} is not a base58 Solana address"
        ) from None


def to_base_units(amount: str | float | Decimal, decimals: int) -> int:
    """'1.5' SOL → 1_500_000_000 lamports; refuses more precision than the token has, and non-positive amounts."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise SolanaError(ErrorCode.INVALID_AMOUNT, f"amount {amount!r} is not a number") from None
    scaled = value.scaleb(decimals)
    if not value.is_finite() or value <= 0 or scaled != scaled.to_integral_value():
        raise SolanaError(
            ErrorCode.INVALID_AMOUNT,
            f"amount {amount!r} must be positive with at most {decimals} decimal places",
        )
    return int(scaled)


def format_units(amount: int, decimals: int) -> str:
    return format(Decimal(amount).scaleb(-decimals).normalize(), "f") if amount else "0"  # 100, never 1E+2


@dataclass(slots=True, frozen=True)
class TokenBalance:
    mint: str
    account: str
    amount: int
    decimals: int
    symbol: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "mint": self.mint,
            "account": self.account,
            "amount": self.amount,
            "decimals": self.decimals,
            "ui_amount": format_units(self.amount, self.decimals),
            "symbol": self.symbol,
        }


class Wallet:
    """Wallet operations over one cluster. `test_usdc_mint` is set once `create_test_usdc` ran on localnet."""

    def __init__(self, rpc: Rpc, sender: TxSender) -> None:
        self.rpc = rpc
        self.sender = sender
        self.test_usdc_mint: Pubkey | None = None
        self._decimals: dict[Pubkey, int] = {}

    def usdc_mint(self) -> Pubkey | None:
        if self.rpc.network == "localnet":
            return self.test_usdc_mint
        known = USDC_MINTS.get(self.rpc.network)
        return Pubkey.from_string(known) if known else None

    def resolve_token(self, token: str) -> Pubkey | None:
        """None means native SOL."""
        if token.upper() == "SOL":
            return None
        if token.upper() == "USDC":
            mint = self.usdc_mint()
            if mint is None:
                hint = (
                    " (run an airdrop first: it creates the test USDC mint)" if self.rpc.network == "localnet" else ""
                )
                raise SolanaError(ErrorCode.UNKNOWN_TOKEN, f"no USDC mint known on {self.rpc.network}{hint}")
            return mint
        return parse_address(token, "token mint")

    async def decimals(self, mint: Pubkey) -> int:
        if mint not in self._decimals:
            account = await self.rpc.get_account(mint)
            if account is None or account.owner != TOKEN_PROGRAM_ID or len(account.data) < MINT_SIZE:
                raise SolanaError(ErrorCode.UNKNOWN_TOKEN, f"{mint} is not an SPL token mint on {self.rpc.network}")
            self._decimals[mint] = Mint.from_bytes(account.data[:MINT_SIZE]).decimals
        return self._decimals[mint]

    async def balances(self, owner: Pubkey) -> dict[str, Any]:
        lamports = await self.rpc.get_balance(owner)
        usdc = self.usdc_mint()
        tokens = []
        for account in await self.rpc.get_token_accounts(owner):
            decimals = await self.decimals(account.mint)
            symbol = "USDC" if account.mint == usdc else None
            tokens.append(TokenBalance(str(account.mint), str(account.address), account.amount, decimals, symbol))
        return {
            "address": str(owner),
            "network": self.rpc.network,
            "lamports": lamports,
            "sol": format_units(lamports, 9),
            "tokens": [t.to_dict() for t in tokens],
        }

    async def airdrop(self, to: Pubkey, lamports: int, *, timeout: float = 30.0) -> str:
        if not self.rpc.supports_airdrop:
            raise SolanaError(ErrorCode.AIRDROP_UNAVAILABLE, f"{self.rpc.network} has no faucet")
        signature = await self.rpc.request_airdrop(to, lamports)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            (status,) = await self.rpc.get_signature_statuses([signature])
            if status is not None and status.landed:
                return str(signature)
            if loop.time() > deadline:
                raise SolanaError(ErrorCode.CONFIRM_TIMEOUT, f"airdrop {signature} not confirmed in {timeout:g}s")
            await asyncio.sleep(0.5)

    async def transfer_sol(
        self, payer: Signer, to: Pubkey, lamports: int, *, request_id: str | None = None
    ) -> TxOutcome:
        ix = system_transfer(TransferParams(from_pubkey=payer.pubkey, to_pubkey=to, lamports=lamports))
        return await self.sender.send(
            payer, [ix], request_id=request_id, purpose=f"transfer {lamports} lamports to {to}"
        )

    async def transfer_token(
        self, payer: Signer, mint: Pubkey, to_owner: Pubkey, amount: int, *, request_id: str | None = None
    ) -> TxOutcome:
        """Transfer from the payer's associated token account, creating the recipient's if it is missing."""
        decimals = await self.decimals(mint)
        source = spl.get_associated_token_address(payer.pubkey, mint)
        dest = spl.get_associated_token_address(to_owner, mint)
        ixs = []
        if await self.rpc.get_account(dest) is None:
            ixs.append(spl.create_idempotent_associated_token_account(payer.pubkey, to_owner, mint))
        ixs.append(
            spl.transfer_checked(
                spl.TransferCheckedParams(
                    program_id=TOKEN_PROGRAM_ID,
                    source=source,
                    mint=mint,
                    dest=dest,
                    owner=payer.pubkey,
                    amount=amount,
                    decimals=decimals,
                    signers=[],
                )
            )
        )
        return await self.sender.send(
            payer, ixs, request_id=request_id, purpose=f"transfer {amount} of {mint} to {to_owner}"
        )

    async def create_mint(self, authority: Signer, decimals: int, *, mint_keypair: Keypair | None = None) -> Pubkey:
        mint_keypair = mint_keypair or Keypair()
        mint = mint_keypair.pubkey()
        rent = await self.rpc.get_minimum_balance_for_rent_exemption(MINT_SIZE)
        ixs = [
            create_account(
                CreateAccountParams(
                    from_pubkey=authority.pubkey,
                    to_pubkey=mint,
                    lamports=rent,
                    space=MINT_SIZE,
                    owner=TOKEN_PROGRAM_ID,
                )
            ),
            spl.initialize_mint(
                spl.InitializeMintParams(
                    decimals=decimals,
                    program_id=TOKEN_PROGRAM_ID,
                    mint=mint,
                    mint_authority=authority.pubkey,
                    freeze_authority=None,
                )
            ),
        ]
        mint_signer = authority.companion(f"mint:{mint}", mint_keypair)
        await self.sender.send(authority, ixs, purpose=f"create mint {mint}", co_signers=[mint_signer])
        self._decimals[mint] = decimals
        return mint

    async def create_test_usdc(self, authority: Signer) -> Pubkey:
        """Localnet only: a 6-decimal USDC stand-in whose mint authority is the user's key."""
        if self.rpc.network != "localnet":
            raise SolanaError(ErrorCode.UNKNOWN_TOKEN, "the test USDC mint exists only on localnet")
        if self.test_usdc_mint is None:
            self.test_usdc_mint = await self.create_mint(authority, USDC_DECIMALS)
        return self.test_usdc_mint

    async def mint_to(self, authority: Signer, mint: Pubkey, to_owner: Pubkey, amount: int) -> TxOutcome:
        dest = spl.get_associated_token_address(to_owner, mint)
        ixs = [
            spl.create_idempotent_associated_token_account(authority.pubkey, to_owner, mint),
            spl.mint_to(
                spl.MintToParams(
                    program_id=TOKEN_PROGRAM_ID,
                    mint=mint,
                    dest=dest,
                    mint_authority=authority.pubkey,
                    amount=amount,
                    signers=[],
                )
            ),
        ]
        return await self.sender.send(authority, ixs, purpose=f"mint {amount} of {mint} to {to_owner}")
