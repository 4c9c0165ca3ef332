"""The QuantDesk perp program (programs/quantdesk_perp/onchain) inside an embedded LiteSVM.

Deploys the committed program ELF, makes the USDC mint, posts Pyth PriceUpdateV2 accounts for the
oracles, and sends the program's instructions built by the same anchorpy client the paper venue's
solana path uses. The differential tests, `python -m bench solana` and the localnet venue share it.

The program wants a few accounts the IDL does not list (README in onchain/): the system program
(and the USDC mint) after the IDL accounts of initialize_market / create_user_account, and
(market, oracle) pairs after place_order / withdraw_tokens for the account's other positions.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from importlib import resources
from typing import Any

from solders.account import Account
from solders.compute_budget import set_compute_unit_limit
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.token.associated import get_associated_token_address
from solders.token.state import Mint, TokenAccount, TokenAccountState
from solders.transaction import Transaction
from solders.transaction_metadata import FailedTransactionMetadata

from programs.pyth import PRICE_UPDATE_V2_DISCRIMINATOR
from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.client import TOKEN_PROGRAM_ID, QuantDeskClient
from programs.vocabulary import LAMPORTS_PER_SOL, QUOTE_PRECISION, decimals_of

PYTH_RECEIVER_ID = Pubkey.from_string("rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ")
PRICE_EXPO = -6  # posted prices are PRICE_PRECISION integers, exactly what the engine sees
COMPUTE_UNIT_LIMIT = 1_400_000
_INIT_COLLATERAL = hashlib.sha256(b"global:initialize_collateral_account").digest()[:8]
_RENT_EXEMPT = 10_000_000


def program_elf() -> bytes:
    return resources.files("programs.quantdesk_perp").joinpath("onchain/quantdesk_perp.so").read_bytes()


def price_update_v2(feed_id: bytes, price: int, conf: int, expo: int, publish_time: int, posted_slot: int) -> bytes:
    """A fully verified PriceUpdateV2 account's data (134 bytes: the Full form leaves one spare byte)."""
    message = feed_id + struct.pack("<qQiqqqQ", price, conf, expo, publish_time, publish_time - 1, price, conf)
    return PRICE_UPDATE_V2_DISCRIMINATOR + bytes(32) + b"\x01" + message + struct.pack("<Q", posted_slot) + b"\0"


@dataclass(slots=True, frozen=True)
class Sent:
    """What one transaction did: error code (None = success), compute units, program logs."""

    signature: str
    error: int | None
    compute_units: int
    logs: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.error is None


def program_log_values(logs: tuple[str, ...] | list[str]) -> list[tuple[int, ...]]:
    """The program's `sol_log_64_` lines: for place_order, one (base, quote, price, is_buy, 0) per fill
    and last (order_id, status, base filled, 0, 0)."""
    values = []
    for line in logs:
        if line.startswith("Program log: 0x"):
            values.append(tuple(int(part, 16) for part in line[len("Program log: ") :].split(", ")))
    return values


def custom_error(err: Any) -> int:
    """The custom program error code of a failed transaction, or -1 for any other failure."""
    text = str(err)
    marker = "InstructionErrorCustom("
    if marker not in text:
        return -1
    return int(text.split(marker, 1)[1].split(")", 1)[0])


class PerpProgram:
    """The program deployed into `svm`, with an admin key that pays for markets and mints test USDC."""

    def __init__(
        self, svm: LiteSVM | None = None, client: QuantDeskClient | None = None, *, fresh_blockhash: bool = True
    ) -> None:
        """`fresh_blockhash`: expire the blockhash after each send, so a repeated identical transaction
        is a new one (tests); off when other senders share the LiteSVM."""
        self.svm = svm if svm is not None else LiteSVM()
        self.fresh_blockhash = fresh_blockhash
        self.client = client or QuantDeskClient()
        self.program_id = self.client.program_id
        self.svm.add_program(self.program_id, program_elf())
        self.admin = Keypair()
        self.svm.airdrop(self.admin.pubkey(), 1_000 * LAMPORTS_PER_SOL)
        self.usdc_mint = Pubkey.find_program_address([b"qd-test-usdc"], self.program_id)[0]
        mint = Mint(self.admin.pubkey(), 0, decimals_of(QUOTE_PRECISION), True, None)
        self.svm.set_account(self.usdc_mint, Account(_RENT_EXEMPT, bytes(mint), TOKEN_PROGRAM_ID, False, 0))

    # -- oracles and clock ---------------------------------------------------------------------------

    def post_price(self, market_index: int, price: int, conf: int, publish_slot: int, publish_time: int) -> None:
        feed = bytes.fromhex(self.client.markets[market_index].pyth_feed_id)
        data = price_update_v2(feed, price, conf, PRICE_EXPO, publish_time, publish_slot)
        account = Account(_RENT_EXEMPT, data, PYTH_RECEIVER_ID, False, 0)
        self.svm.set_account(self.client.oracle_for(market_index), account)

    def set_clock(self, slot: int, unix_time: int) -> None:
        clock = self.svm.get_clock()
        clock.slot = slot
        clock.unix_timestamp = unix_time
        self.svm.set_clock(clock)

    # -- accounts --------------------------------------------------------------------------------------

    def fund_user(self, owner: Pubkey, usdc: int) -> Pubkey:
        """SOL for fees and rent, and an associated USDC account holding `usdc` (test tokens)."""
        self.svm.airdrop(owner, 100 * LAMPORTS_PER_SOL)
        ata = get_associated_token_address(owner, self.usdc_mint)
        state = TokenAccount(self.usdc_mint, owner, usdc, None, TokenAccountState.Initialized, None, 0, None)
        self.svm.set_account(ata, Account(_RENT_EXEMPT, bytes(state), TOKEN_PROGRAM_ID, False, 0))
        return ata

    def token_balance(self, address: Pubkey) -> int:
        account = self.svm.get_account(address)
        return TokenAccount.from_bytes(bytes(account.data)[:165]).amount if account is not None else 0

    def vault(self, authority: Pubkey, sub_account: int = 0, asset: int = 0) -> Pubkey:
        return self.client.collateral_pda(self.client.user_pda(authority, sub_account), asset)

    def decode(self, address: Pubkey) -> dict[str, Any] | None:
        account = self.svm.get_account(address)
        if account is None or account.owner != self.program_id:
            return None
        return self.client.decode_account(bytes(account.data))[1]

    # -- instructions ----------------------------------------------------------------------------------

    def build(
        self, instruction: Any, signer: Keypair | Pubkey, extra: list[AccountMeta] | None = None, market_index: int = 0
    ) -> Instruction:
        """`extra`: remaining accounts after the program's own; `market_index`: the market of a CancelOrder."""
        overrides = self._account_overrides(instruction, market_index)
        key = signer.pubkey() if isinstance(signer, Keypair) else signer
        built = self.client.build(instruction, signer=key, accounts=overrides)
        metas = list(built.accounts) + self._remaining(instruction) + list(extra or [])
        return Instruction(built.program_id, bytes(built.data), metas)

    def _account_overrides(self, instruction: Any, market_index: int) -> dict[str, Pubkey]:
        if isinstance(instruction, ix.CancelOrder):
            return {
                "market": self.client.market_pda_by_index(market_index),
                "oracle": self.client.oracle_for(market_index),
            }
        if isinstance(instruction, (ix.DepositTokens, ix.WithdrawTokens)):
            return {
                "userTokenAccount": get_associated_token_address(
                    Pubkey.from_string(instruction.authority), self.usdc_mint
                )
            }
        return {}

    def _remaining(self, instruction: Any) -> list[AccountMeta]:
        if isinstance(instruction, ix.InitializeMarket):
            return [AccountMeta(SYSTEM_PROGRAM_ID, False, False), AccountMeta(self.usdc_mint, False, False)]
        if isinstance(instruction, ix.CreateUserAccount):
            return [AccountMeta(SYSTEM_PROGRAM_ID, False, False)]
        return []

    def initialize_collateral_account(self, authority: Keypair | Pubkey, sub_account: int = 0) -> Instruction:
        """The user's USDC vault (not in the IDL: QUANTDESK_PROGRAM.md's initialize_collateral_account)."""
        owner = authority.pubkey() if isinstance(authority, Keypair) else authority
        user = self.client.user_pda(owner, sub_account)
        metas = [
            AccountMeta(self.client.state_pda(), is_signer=False, is_writable=True),
            AccountMeta(owner, is_signer=True, is_writable=True),
            AccountMeta(user, is_signer=False, is_writable=True),
            AccountMeta(self.vault(owner, sub_account), is_signer=False, is_writable=True),
            AccountMeta(self.usdc_mint, False, False),
            AccountMeta(TOKEN_PROGRAM_ID, False, False),
            AccountMeta(SYSTEM_PROGRAM_ID, False, False),
        ]
        return Instruction(self.program_id, _INIT_COLLATERAL + struct.pack("<HB", sub_account, 0), metas)

    def position_accounts(
        self, market_indexes: list[int], writable: bool = False, oracles: bool = True
    ) -> list[AccountMeta]:
        """(market, oracle) pairs (or markets alone) for the remaining accounts of margin-checked instructions."""
        metas = []
        for index in market_indexes:
            metas.append(AccountMeta(self.client.market_pda_by_index(index), is_signer=False, is_writable=writable))
            if oracles:
                metas.append(AccountMeta(self.client.oracle_for(index), False, False))
        return metas

    def send(self, signer: Keypair, *instructions: Instruction) -> Sent:
        budget = set_compute_unit_limit(COMPUTE_UNIT_LIMIT)
        tx = Transaction.new_signed_with_payer(
            [budget, *instructions], signer.pubkey(), [signer], self.svm.latest_blockhash()
        )
        result = self.svm.send_transaction(tx)
        if self.fresh_blockhash:
            self.svm.expire_blockhash()
        meta = result.meta() if isinstance(result, FailedTransactionMetadata) else result
        error = custom_error(result.err()) if isinstance(result, FailedTransactionMetadata) else None
        return Sent(str(tx.signatures[0]), error, meta.compute_units_consumed(), tuple(meta.logs()))
