"""One async RPC interface for every cluster, and its HTTP implementation over solana-py."""

from __future__ import annotations

import asyncio
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solana.rpc.core import RPCException
from solana.rpc.types import TokenAccountOpts, TxOpts
from solders.hash import Hash
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.token.state import TokenAccount
from solders.transaction import VersionedTransaction

from backend.backoff import Backoff
from backend.solana.errors import ErrorCode, SolanaError

log = logging.getLogger(__name__)
T = TypeVar("T")
TOKEN_PROGRAM_ID = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")


@dataclass(slots=True, frozen=True)
class BlockhashInfo:
    blockhash: Hash
    last_valid_block_height: int


@dataclass(slots=True, frozen=True)
class AccountInfo:
    address: Pubkey
    lamports: int
    owner: Pubkey
    data: bytes
    executable: bool


@dataclass(slots=True, frozen=True)
class SimulationResult:
    err: Any  # a solders TransactionErrorType, or None when the simulation succeeded
    logs: tuple[str, ...]
    units_consumed: int | None


@dataclass(slots=True, frozen=True)
class SignatureStatus:
    slot: int
    err: Any
    confirmation: str | None  # "processed" | "confirmed" | "finalized"

    @property
    def landed(self) -> bool:
        return self.confirmation in ("confirmed", "finalized")


@dataclass(slots=True, frozen=True)
class TokenAccountInfo:
    address: Pubkey
    mint: Pubkey
    owner: Pubkey
    amount: int


class Rpc(ABC):
    """What the transaction and wallet layers need from a cluster; every call may raise SolanaError."""

    network: str
    supports_airdrop: bool = False

    @abstractmethod
    async def get_balance(self, address: Pubkey) -> int: ...

    @abstractmethod
    async def get_account(self, address: Pubkey) -> AccountInfo | None: ...

    @abstractmethod
    async def get_latest_blockhash(self) -> BlockhashInfo: ...

    @abstractmethod
    async def is_blockhash_valid(self, blockhash: Hash) -> bool: ...

    @abstractmethod
    async def get_block_height(self) -> int: ...

    @abstractmethod
    async def get_minimum_balance_for_rent_exemption(self, size: int) -> int: ...

    @abstractmethod
    async def get_recent_prioritization_fees(self, accounts: Sequence[Pubkey] = ()) -> list[int]: ...

    @abstractmethod
    async def simulate(self, tx: VersionedTransaction) -> SimulationResult: ...

    @abstractmethod
    async def send(self, tx: VersionedTransaction) -> Signature:
        """Submit without preflight (we simulate ourselves); raise on outright rejection."""

    @abstractmethod
    async def get_signature_statuses(self, signatures: Sequence[Signature]) -> list[SignatureStatus | None]: ...

    @abstractmethod
    async def get_token_accounts(self, owner: Pubkey) -> list[TokenAccountInfo]: ...

    @abstractmethod
    async def request_airdrop(self, address: Pubkey, lamports: int) -> Signature: ...

    async def close(self) -> None:
        return None


def decode_token_account(address: Pubkey, data: bytes) -> TokenAccountInfo | None:
    if len(data) < 165:
        return None
    try:
        account = TokenAccount.from_bytes(data[:165])
    except BaseException:  # noqa: BLE001 - solders panics on malformed data
        return None
    return TokenAccountInfo(address, account.mint, account.owner, account.amount)


class HttpRpc(Rpc):
    """A JSON-RPC endpoint through solana-py's AsyncClient: timeouts, bounded retries, wrapped errors."""

    def __init__(
        self,
        url: str,
        *,
        network: str | None = None,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.25,
        supports_airdrop: bool = False,
    ) -> None:
        self.url = url
        self.network = network or url
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.supports_airdrop = supports_airdrop
        self._client = AsyncClient(url, commitment=Confirmed, timeout=timeout)
        self._raw_session = httpx.AsyncClient(timeout=timeout)

    async def close(self) -> None:
        await self._client.close()
        await self._raw_session.aclose()

    # -- plumbing ----------------------------------------------------------------------------------

    async def _call(self, what: str, call: Callable[[], Awaitable[T]], *, retry: bool = True, unwrap: bool = True) -> T:
        attempts = 1 + (self.retries if retry else 0)
        backoff = Backoff(self.backoff, self.backoff * 2**self.retries)
        for attempt in range(attempts):
            try:
                async with asyncio.timeout(self.timeout):  # not wait_for: see risk/monitor.py
                    response = await call()
            except (TimeoutError, httpx.TimeoutException):
                err: SolanaError = SolanaError(
                    ErrorCode.RPC_TIMEOUT, f"{what}: {self.url} did not answer within {self.timeout:g}s"
                )
            except SolanaRpcException as exc:
                err = self._wrap_transport(what, exc)
            except httpx.HTTPError as exc:
                err = self._wrap_transport(what, exc)
            except SolanaError:
                raise
            except RPCException as exc:
                detail = exc.args[0] if exc.args else exc
                message = getattr(detail, "message", None) or str(detail)
                raise SolanaError(ErrorCode.RPC_ERROR, f"{what}: the node refused: {message}") from None
            except Exception as exc:  # solders' JSON parser: the body is not a JSON-RPC answer
                raise SolanaError(
                    ErrorCode.RPC_BAD_RESPONSE,
                    f"{what}: {self.url} sent a response that is not valid JSON-RPC ({type(exc).__name__})",
                ) from exc
            else:
                return _unwrap_rpc_error(what, response) if unwrap else response
            if attempt + 1 < attempts:
                delay = backoff.next()
                log.warning(
                    "rpc %s failed (%s), retry %d/%d in %.2fs",
                    what,
                    err.code,
                    attempt + 1,
                    self.retries,
                    delay,
                )
                await asyncio.sleep(delay)
        raise err

    def _wrap_transport(self, what: str, exc: BaseException) -> SolanaError:
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, (httpx.TimeoutException, asyncio.TimeoutError)):
                return SolanaError(ErrorCode.RPC_TIMEOUT, f"{what}: {self.url} did not answer within {self.timeout:g}s")
            if isinstance(cause, httpx.HTTPStatusError):
                return SolanaError(
                    ErrorCode.RPC_ERROR, f"{what}: {self.url} answered HTTP {cause.response.status_code}"
                )
            if isinstance(cause, httpx.HTTPError):
                detail = str(cause) or type(cause).__name__
                return SolanaError(ErrorCode.RPC_ERROR, f"{what}: cannot reach {self.url}: {detail}")
            nested = getattr(cause, "error_msg", None)
            if isinstance(nested, BaseException):
                cause = nested
                continue
            cause = cause.__cause__ or cause.__context__
        detail = getattr(exc, "error_msg", None) or str(exc) or type(exc).__name__
        return SolanaError(ErrorCode.RPC_ERROR, f"{what}: {self.url}: {detail}")

    async def _raw(self, method: str, params: list[Any]) -> Any:
        """Methods solana-py lacks (isBlockhashValid, getRecentPrioritizationFees)."""

        async def post() -> Any:
            body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
            response = await self._raw_session.post(self.url, json=body)
            response.raise_for_status()
            try:
                payload = json.loads(response.content)
            except ValueError:
                raise SolanaError(
                    ErrorCode.RPC_BAD_RESPONSE, f"{method}: {self.url} sent a response that is not JSON"
                ) from None
            if not isinstance(payload, dict):
                raise SolanaError(ErrorCode.RPC_BAD_RESPONSE, f"{method}: {self.url} sent a non-object reply")
            if "error" in payload:
                error = payload["error"] or {}
                raise SolanaError(ErrorCode.RPC_ERROR, f"{method}: {error.get('message', error)}")
            if "result" not in payload:
                raise SolanaError(ErrorCode.RPC_BAD_RESPONSE, f"{method}: {self.url} sent no result")
            return payload["result"]

        return await self._call(method, post, unwrap=False)

    # -- the interface ----------------------------------------------------------------------------

    async def get_balance(self, address: Pubkey) -> int:
        resp = await self._call("getBalance", lambda: self._client.get_balance(address))
        return int(resp.value)

    async def get_account(self, address: Pubkey) -> AccountInfo | None:
        resp = await self._call("getAccountInfo", lambda: self._client.get_account_info(address))
        value = resp.value
        if value is None:
            return None
        return AccountInfo(address, value.lamports, value.owner, bytes(value.data), value.executable)

    async def get_latest_blockhash(self) -> BlockhashInfo:
        resp = await self._call("getLatestBlockhash", lambda: self._client.get_latest_blockhash())
        return BlockhashInfo(resp.value.blockhash, resp.value.last_valid_block_height)

    async def is_blockhash_valid(self, blockhash: Hash) -> bool:
        result = await self._raw("isBlockhashValid", [str(blockhash), {"commitment": "processed"}])
        try:
            return bool(result["value"])
        except (TypeError, KeyError):
            raise SolanaError(ErrorCode.RPC_BAD_RESPONSE, "isBlockhashValid: malformed result") from None

    async def get_block_height(self) -> int:
        resp = await self._call("getBlockHeight", lambda: self._client.get_block_height())
        return int(resp.value)

    async def get_minimum_balance_for_rent_exemption(self, size: int) -> int:
        resp = await self._call(
            "getMinimumBalanceForRentExemption",
            lambda: self._client.get_minimum_balance_for_rent_exemption(size),
        )
        return int(resp.value)

    async def get_recent_prioritization_fees(self, accounts: Sequence[Pubkey] = ()) -> list[int]:
        result = await self._raw("getRecentPrioritizationFees", [[str(a) for a in accounts]])
        try:
            return [int(item["prioritizationFee"]) for item in result]
        except (TypeError, KeyError, ValueError):
            raise SolanaError(ErrorCode.RPC_BAD_RESPONSE, "getRecentPrioritizationFees: malformed result") from None

    async def simulate(self, tx: VersionedTransaction) -> SimulationResult:
        resp = await self._call("simulateTransaction", lambda: self._client.simulate_transaction(tx))
        value = resp.value
        return SimulationResult(value.err, tuple(value.logs or ()), value.units_consumed)

    async def send(self, tx: VersionedTransaction) -> Signature:
        opts = TxOpts(skip_preflight=True, skip_confirmation=True, max_retries=0)
        # Resending the same signed bytes is idempotent (same signature), so retrying is safe.
        resp = await self._call("sendTransaction", lambda: self._client.send_raw_transaction(bytes(tx), opts))
        return resp.value

    async def get_signature_statuses(self, signatures: Sequence[Signature]) -> list[SignatureStatus | None]:
        resp = await self._call(
            "getSignatureStatuses",
            lambda: self._client.get_signature_statuses(list(signatures), search_transaction_history=True),
        )
        out: list[SignatureStatus | None] = []
        for status in resp.value:
            if status is None:
                out.append(None)
                continue
            confirmation = status.confirmation_status
            name = str(confirmation).rsplit(".", 1)[-1].lower() if confirmation is not None else None
            out.append(SignatureStatus(status.slot, status.err, name))
        return out

    async def get_token_accounts(self, owner: Pubkey) -> list[TokenAccountInfo]:
        resp = await self._call(
            "getTokenAccountsByOwner",
            lambda: self._client.get_token_accounts_by_owner(owner, TokenAccountOpts(program_id=TOKEN_PROGRAM_ID)),
        )
        out = []
        for keyed in resp.value:
            info = decode_token_account(keyed.pubkey, bytes(keyed.account.data))
            if info is not None:
                out.append(info)
        return out

    async def request_airdrop(self, address: Pubkey, lamports: int) -> Signature:
        if not self.supports_airdrop:
            raise SolanaError(
                ErrorCode.AIRDROP_UNAVAILABLE,
                f"{self.network} has no faucet; airdrops are for localnet/devnet",
            )
        resp = await self._call("requestAirdrop", lambda: self._client.request_airdrop(address, lamports), retry=False)
        return resp.value


def _unwrap_rpc_error(what: str, response: Any) -> Any:
    """solana-py returns error objects instead of raising for JSON-RPC errors."""
    if hasattr(response, "value"):
        return response
    message = getattr(response, "message", None) or str(response)
    raise SolanaError(ErrorCode.RPC_ERROR, f"{what}: the node refused: {message}")
