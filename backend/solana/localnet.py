"""localnet: the Rpc interface over an embedded LiteSVM (SPL Token, ATA and Memo built in; no validator)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, TypeVar

from solders.hash import Hash
from solders.litesvm import LiteSVM
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction
from solders.transaction_metadata import FailedTransactionMetadata

from backend.solana.diagnostics import is_fieldless
from backend.solana.errors import ErrorCode, SolanaError
from backend.solana.rpc import (
    TOKEN_PROGRAM_ID,
    AccountInfo,
    BlockhashInfo,
    Rpc,
    SignatureStatus,
    SimulationResult,
    TokenAccountInfo,
    decode_token_account,
)

T = TypeVar("T")
# A real cluster keeps a blockhash usable for 150 blocks; LiteSVM accepts only its latest one.
BLOCKHASH_VALIDITY_SLOTS = 150


class LiteSvmRpc(Rpc):
    """In-process cluster. Every accepted transaction is final at once; state lives as long as this object."""

    network = "localnet"
    supports_airdrop = True

    def __init__(self, svm: LiteSVM | None = None) -> None:
        self.svm = svm if svm is not None else LiteSVM()
        self.prioritization_fees: list[int] = []  # what getRecentPrioritizationFees answers; tests set it
        self._statuses: dict[Signature, SignatureStatus] = {}
        self._seen_accounts: set[Pubkey] = set()  # LiteSVM has no owner index; remember what we touched
        self.sent_count = 0

    def _guard(self, what: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except SolanaError:
            raise
        except BaseException as exc:  # LiteSVM panics surface as pyo3 PanicException (a BaseException)
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise SolanaError(ErrorCode.LOCALNET_FAULT, f"{what}: the embedded LiteSVM failed: {exc}") from None

    def _slot(self) -> int:
        return int(self.svm.get_clock().slot)

    def expire_blockhash(self) -> None:
        """Move past the current blockhash's lifetime, as if 150+ slots had passed."""

        def expire() -> None:
            self.svm.expire_blockhash()
            self.svm.warp_to_slot(self._slot() + BLOCKHASH_VALIDITY_SLOTS + 1)

        self._guard("expire_blockhash", expire)

    async def get_balance(self, address: Pubkey) -> int:
        return self._guard("get_balance", lambda: self.svm.get_balance(address)) or 0

    async def get_account(self, address: Pubkey) -> AccountInfo | None:
        account = self._guard("get_account", lambda: self.svm.get_account(address))
        if account is None:
            return None
        return AccountInfo(address, account.lamports, account.owner, bytes(account.data), account.executable)

    async def get_latest_blockhash(self) -> BlockhashInfo:
        blockhash = self._guard("latest_blockhash", self.svm.latest_blockhash)
        return BlockhashInfo(blockhash, self._slot() + BLOCKHASH_VALIDITY_SLOTS)

    async def is_blockhash_valid(self, blockhash: Hash) -> bool:
        return blockhash == self._guard("latest_blockhash", self.svm.latest_blockhash)

    async def get_block_height(self) -> int:
        return self._guard("get_clock", self._slot)

    async def get_minimum_balance_for_rent_exemption(self, size: int) -> int:
        return self._guard("rent", lambda: self.svm.minimum_balance_for_rent_exemption(size))

    async def get_recent_prioritization_fees(self, accounts: Sequence[Pubkey] = ()) -> list[int]:
        return list(self.prioritization_fees)

    async def simulate(self, tx: VersionedTransaction) -> SimulationResult:
        def simulate() -> Any:
            # Like simulateTransaction with sigVerify=false: the caller simulates before signing.
            self.svm.with_sigverify(False)
            try:
                return self.svm.simulate_transaction(tx)
            finally:
                self.svm.with_sigverify(True)

        result: Any = self._guard("simulate_transaction", simulate)
        if isinstance(result, FailedTransactionMetadata):
            meta = result.meta()
            return SimulationResult(result.err(), tuple(meta.logs()), meta.compute_units_consumed())
        meta = result.meta()
        return SimulationResult(None, tuple(meta.logs()), meta.compute_units_consumed())

    async def send(self, tx: VersionedTransaction) -> Signature:
        signature = tx.signatures[0]
        result: Any = self._guard("send_transaction", lambda: self.svm.send_transaction(tx))
        self.sent_count += 1
        if isinstance(result, FailedTransactionMetadata):
            err = result.err()
            if is_fieldless(err, "AlreadyProcessed"):
                return signature
            if is_fieldless(err, "BlockhashNotFound"):
                raise SolanaError(ErrorCode.BLOCKHASH_EXPIRED, "the transaction's blockhash has expired")
            if is_fieldless(err, "InsufficientFundsForFee") or is_fieldless(err, "AccountNotFound"):
                raise SolanaError(
                    ErrorCode.INSUFFICIENT_FUNDS_FOR_FEE,
                    f"fee payer {tx.message.account_keys[0]} has no SOL to pay the fee",
                )
            if result.meta().signature == Signature.default():
                raise SolanaError(ErrorCode.RPC_ERROR, f"the cluster rejected the transaction: {err}")
            # Executed and failed: it landed, the fee was charged, the status carries the error.
            self._statuses[signature] = SignatureStatus(self._slot(), err, "finalized")
        else:
            self._statuses[signature] = SignatureStatus(self._slot(), None, "finalized")
        self._seen_accounts.update(tx.message.account_keys)
        return signature

    def transaction_logs(self, signature: Signature) -> tuple[tuple[str, ...], int] | None:
        """(program logs, compute units consumed) of a transaction this cluster executed."""
        meta: Any = self._guard("get_transaction", lambda: self.svm.get_transaction(signature))
        if meta is None:
            return None
        if isinstance(meta, FailedTransactionMetadata):
            meta = meta.meta()
        return tuple(meta.logs()), int(meta.compute_units_consumed())

    async def get_signature_statuses(self, signatures: Sequence[Signature]) -> list[SignatureStatus | None]:
        return [self._statuses.get(sig) for sig in signatures]

    async def get_token_accounts(self, owner: Pubkey) -> list[TokenAccountInfo]:
        out = []
        for address in sorted(self._seen_accounts, key=bytes):
            account = self._guard("get_account", partial(self.svm.get_account, address))
            if account is None or account.owner != TOKEN_PROGRAM_ID:
                continue
            info = decode_token_account(address, bytes(account.data))
            if info is not None and info.owner == owner:
                out.append(info)
        return out

    async def request_airdrop(self, address: Pubkey, lamports: int) -> Signature:
        result: Any = self._guard("airdrop", lambda: self.svm.airdrop(address, lamports))
        if isinstance(result, FailedTransactionMetadata):
            raise SolanaError(
                ErrorCode.AIRDROP_UNAVAILABLE,
                f"the localnet faucet refused {lamports} lamports: {result.err()}",
            )
        signature = result.signature()
        self._statuses[signature] = SignatureStatus(self._slot(), None, "finalized")
        return signature
