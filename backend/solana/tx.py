"""Transaction lifecycle: build → compute budget + priority fee → simulate → sign → send → confirm → record.

Resending is safe by construction: a transaction is re-signed with a fresh blockhash only once its
old blockhash is provably expired *and* none of its signatures landed — after expiry the old
signature can never land, so the request executes at most once. Requests are keyed by a client
request id; a repeated id returns the recorded outcome (or joins the in-flight attempt) instead
of sending again.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price
from solders.hash import Hash
from solders.instruction import Instruction
from solders.message import MessageV0
from solders.signature import Signature
from solders.transaction import VersionedTransaction

from backend.solana.diagnostics import DEFAULT_DECODER, ErrorDecoder, is_fieldless
from backend.solana.errors import ErrorCode, SolanaError
from backend.solana.history import (
    CONFIRMED,
    FAILED,
    PENDING,
    REJECTED,
    MemoryTxRecorder,
    TxRecord,
    TxRecorder,
)
from backend.solana.keystore import Signer
from backend.solana.rpc import Rpc, SignatureStatus

log = logging.getLogger(__name__)
MAX_COMPUTE_UNITS = 1_400_000
# The node may or may not have the transaction: keep polling (and rebroadcasting) rather than giving up.
_SEND_OUTCOME_UNKNOWN = (ErrorCode.RPC_TIMEOUT, ErrorCode.RPC_ERROR, ErrorCode.RPC_BAD_RESPONSE)


@dataclass(slots=True, frozen=True)
class FeePolicy:
    """Priority fee = the `percentile` of recent fees paid on the touched accounts, within [floor, cap]."""

    percentile: float = 75.0
    floor_micro_lamports: int = 1_000
    cap_micro_lamports: int = 2_000_000
    compute_unit_margin: float = 1.2  # limit = units used in simulation x margin
    min_compute_units: int = 10_000

    def price(self, recent_fees: Sequence[int]) -> int:
        return max(self.floor_micro_lamports, min(self.cap_micro_lamports, percentile(recent_fees, self.percentile)))

    def limit(self, units_consumed: int | None) -> int:
        if not units_consumed:
            return 200_000
        return max(
            self.min_compute_units,
            min(MAX_COMPUTE_UNITS, int(units_consumed * self.compute_unit_margin) + 300),
        )


@dataclass(slots=True, frozen=True)
class ConfirmPolicy:
    poll_interval: float = 0.5
    rebroadcast_every: int = 4  # polls; same signed bytes, so rebroadcasting cannot double-execute
    max_resends: int = 3  # fresh blockhash + re-sign, only after provable expiry
    timeout: float = 90.0


def percentile(values: Sequence[int], pct: float) -> int:
    """Nearest-rank percentile; 0 for no data."""
    if not values:
        return 0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil without floats drifting
    return int(ordered[min(len(ordered), int(rank)) - 1])


@dataclass(slots=True, frozen=True)
class TxOutcome:
    request_id: str
    signature: str
    status: str
    slot: int | None
    attempts: int
    priority_fee_micro_lamports: int
    compute_unit_limit: int | None

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def from_record(cls, record: TxRecord) -> TxOutcome:
        return cls(
            record.request_id,
            record.signature or "",
            record.status,
            record.slot,
            record.attempts,
            record.priority_fee_micro_lamports,
            record.compute_unit_limit,
        )


class TxSender:
    """Sends instruction lists for a Signer over one Rpc, exactly once per request id."""

    def __init__(
        self,
        rpc: Rpc,
        *,
        recorder: TxRecorder | None = None,
        fees: FeePolicy | None = None,
        confirm: ConfirmPolicy | None = None,
        decoder: ErrorDecoder = DEFAULT_DECODER,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.rpc = rpc
        self.recorder: TxRecorder = recorder if recorder is not None else MemoryTxRecorder()
        self.fees = fees or FeePolicy()
        self.confirm = confirm or ConfirmPolicy()
        self.decoder = decoder
        self.clock = clock
        self._inflight: dict[str, asyncio.Future[TxOutcome]] = {}

    async def send(
        self,
        payer: Signer,
        instructions: Sequence[Instruction],
        *,
        request_id: str | None = None,
        purpose: str = "transaction",
        co_signers: Sequence[Signer] = (),
    ) -> TxOutcome:
        request_id = request_id or uuid.uuid4().hex
        running = self._inflight.get(request_id)
        if running is not None:
            return await asyncio.shield(running)
        previous = self.recorder.lookup(request_id)
        if previous is not None and previous.status in (CONFIRMED, FAILED):
            return _replay(previous)  # a rejected request never executed, so it may run again
        future: asyncio.Future[TxOutcome] = asyncio.get_running_loop().create_future()
        self._inflight[request_id] = future
        try:
            outcome = await self._run(payer, list(instructions), request_id, purpose, list(co_signers), previous)
        except asyncio.CancelledError:
            future.cancel()  # joiners see the cancellation; the record stays pending and settles on retry
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: joiners re-raise it, nobody else has to
            raise
        else:
            future.set_result(outcome)
            return outcome
        finally:
            self._inflight.pop(request_id, None)

    # -- steps -------------------------------------------------------------------------------------

    async def _run(
        self,
        payer: Signer,
        instructions: list[Instruction],
        request_id: str,
        purpose: str,
        co_signers: list[Signer],
        previous: TxRecord | None,
    ) -> TxOutcome:
        now = self.clock()
        record = TxRecord(request_id, self.rpc.network, purpose, str(payer.pubkey), PENDING, now, now)
        if previous is not None and previous.status == PENDING and previous.signatures:
            record = previous
            # A pending record from an earlier run: it may still land; never send beside it blindly.
            settled = await self._settle_earlier_attempt(record)
            if settled is not None:
                return settled
        writable = sorted({m.pubkey for ix in instructions for m in ix.accounts if m.is_writable}, key=bytes)
        price = self.fees.price(await self.rpc.get_recent_prioritization_fees(writable))
        blockhash = (await self.rpc.get_latest_blockhash()).blockhash
        simulation = await self._simulate(payer, instructions, price, blockhash, record)
        limit = self.fees.limit(simulation.units_consumed)
        record = record.evolve(priority_fee_micro_lamports=price, compute_unit_limit=limit, updated_at=self.clock())
        self.recorder.record(record)
        budget = [set_compute_unit_limit(limit), set_compute_unit_price(price)]
        return await self._send_until_landed(payer, budget + instructions, co_signers, blockhash, record)

    async def _simulate(
        self, payer: Signer, instructions: list[Instruction], price: int, blockhash: Hash, record: TxRecord
    ) -> Any:
        budget = [set_compute_unit_limit(MAX_COMPUTE_UNITS), set_compute_unit_price(price)]
        message = MessageV0.try_compile(payer.pubkey, budget + instructions, [], blockhash)
        unsigned = VersionedTransaction.populate(
            message, [Signature.default()] * message.header.num_required_signatures
        )
        result = await self.rpc.simulate(unsigned)
        if result.err is None:
            return result
        if is_fieldless(result.err, "BlockhashNotFound"):
            error = SolanaError(ErrorCode.BLOCKHASH_EXPIRED, "the blockhash expired before simulation; retry")
        elif is_fieldless(result.err, "InsufficientFundsForFee") or is_fieldless(result.err, "AccountNotFound"):
            error = SolanaError(
                ErrorCode.INSUFFICIENT_FUNDS_FOR_FEE,
                f"{payer.pubkey} has too little SOL to pay the transaction fee; fund it (airdrop on localnet/devnet)",
            )
        else:
            info = self.decoder.decode(result.err, result.logs, _program_ids(message))
            error = SolanaError(
                ErrorCode.SIMULATION_FAILED,
                f"simulation failed: {info.summary}",
                program_error=info.to_dict(),
            )
        self._finish(record, REJECTED, error=error)
        raise error

    async def _send_until_landed(
        self,
        payer: Signer,
        instructions: list[Instruction],
        co_signers: list[Signer],
        blockhash: Hash,
        record: TxRecord,
    ) -> TxOutcome:
        deadline = time.monotonic() + self.confirm.timeout
        for attempt in range(1 + self.confirm.max_resends):
            if attempt:
                blockhash = (await self.rpc.get_latest_blockhash()).blockhash
            message = MessageV0.try_compile(payer.pubkey, instructions, [], blockhash)
            tx = self._sign(message, payer, co_signers, record, attempt)
            signature = tx.signatures[0]
            record = record.evolve(
                signatures=record.signatures + (str(signature),),
                blockhash=str(blockhash),
                attempts=attempt + 1,
                updated_at=self.clock(),
            )
            self.recorder.record(record)  # before sending: a crash after this still knows the signature
            try:
                await self.rpc.send(tx)
            except SolanaError as err:
                if err.code in _SEND_OUTCOME_UNKNOWN:
                    log.warning(
                        "request %s: send failed (%s); polling in case it arrived",
                        record.request_id,
                        err.code,
                    )
                elif err.code == ErrorCode.BLOCKHASH_EXPIRED:
                    log.info("request %s: blockhash expired before send; re-signing", record.request_id)
                else:
                    self._finish(record, REJECTED, error=err)
                    raise
            status = await self._await_status(tx, blockhash, record, deadline)
            if status is not None:
                return self._landed(record, status, _program_ids(message))
            log.info("request %s: blockhash %s expired, %s never landed", record.request_id, blockhash, signature)
        error = SolanaError(
            ErrorCode.BLOCKHASH_EXPIRED,
            f"the transaction did not land before its blockhash expired ({1 + self.confirm.max_resends} attempts)",
        )
        self._finish(record, REJECTED, error=error)  # nothing landed: the request may be retried
        raise error

    def _sign(
        self, message: MessageV0, payer: Signer, co_signers: list[Signer], record: TxRecord, attempt: int
    ) -> VersionedTransaction:
        by_key = {signer.pubkey: signer for signer in [payer, *co_signers]}
        required = message.account_keys[: message.header.num_required_signatures]
        payload = bytes([0x80]) + bytes(message)
        purpose = record.purpose if attempt == 0 else f"{record.purpose} (resend {attempt})"
        signatures = []
        for key in required:
            signer = by_key.get(key)
            if signer is None:
                raise SolanaError(ErrorCode.KEY_LOCKED, f"no signer available for required signer {key}")
            signatures.append(signer.sign_message(payload, purpose=purpose, request_id=record.request_id))
        return VersionedTransaction.populate(message, signatures)

    async def _await_status(
        self, tx: VersionedTransaction, blockhash: Hash, record: TxRecord, deadline: float
    ) -> SignatureStatus | None:
        """The landed status, or None once the blockhash is provably expired and nothing landed."""
        polls = 0
        while True:
            status = await self._any_landed(record)
            if status is not None:
                return status
            if not await self.rpc.is_blockhash_valid(blockhash):
                # Expired first, then looked again: nothing signed with it can land any more.
                return await self._any_landed(record)
            if time.monotonic() > deadline:
                error = SolanaError(
                    ErrorCode.CONFIRM_TIMEOUT,
                    "no confirmation in time; the request stays pending",
                    signature=record.signature,
                )
                raise error
            polls += 1
            if polls % self.confirm.rebroadcast_every == 0:
                try:
                    await self.rpc.send(tx)
                except SolanaError as err:
                    log.debug("rebroadcast of %s: %s", record.signature, err.code)
            await asyncio.sleep(self.confirm.poll_interval)

    async def _any_landed(self, record: TxRecord) -> SignatureStatus | None:
        signatures = [Signature.from_string(s) for s in record.signatures]
        for status in await self.rpc.get_signature_statuses(signatures):
            if status is not None and status.landed:
                return status
        return None

    async def _settle_earlier_attempt(self, record: TxRecord) -> TxOutcome | None:
        status = await self._any_landed(record)
        if (
            status is None
            and record.blockhash
            and await self.rpc.is_blockhash_valid(Hash.from_string(record.blockhash))
        ):
            raise SolanaError(
                ErrorCode.CONFIRM_TIMEOUT,
                "an earlier attempt of this request is still pending",
                signature=record.signature,
            )
        status = status or await self._any_landed(record)
        return None if status is None else self._landed(record, status)

    def _landed(self, record: TxRecord, status: SignatureStatus, program_ids: list[str] | None = None) -> TxOutcome:
        if status.err is None:
            record = self._finish(record.evolve(slot=status.slot), CONFIRMED)
            return TxOutcome.from_record(record)
        info = self.decoder.decode(status.err, (), program_ids)
        error = SolanaError(
            ErrorCode.TRANSACTION_FAILED,
            f"the transaction landed but failed: {info.summary}",
            signature=record.signature,
            program_error=info.to_dict(),
        )
        self._finish(record.evolve(slot=status.slot), FAILED, error=error)
        raise error

    def _finish(self, record: TxRecord, status: str, *, error: SolanaError | None = None) -> TxRecord:
        record = record.evolve(
            status=status,
            updated_at=self.clock(),
            error_code=str(error.code) if error else None,
            error_message=error.message if error else None,
            details=dict(error.details) if error else {},
        )
        self.recorder.record(record)
        return record


def _program_ids(message: MessageV0) -> list[str]:
    keys = message.account_keys
    return [str(keys[ix.program_id_index]) for ix in message.instructions]


def _replay(record: TxRecord) -> TxOutcome:
    if record.status == CONFIRMED:
        return TxOutcome.from_record(record)
    raise SolanaError(
        record.error_code or ErrorCode.TRANSACTION_FAILED,
        record.error_message or "this request already failed",
        **record.details,
    )
