"""Transaction lifecycle on LiteSVM: fees, simulation, expiry and resend, idempotent request ids."""

from __future__ import annotations

import asyncio
import dataclasses
import struct

import pytest
from solders.compute_budget import ID as COMPUTE_BUDGET_ID
from solders.keypair import Keypair
from solders.system_program import TransferParams, transfer

from backend.solana.errors import ErrorCode, SolanaError
from backend.solana.history import SqliteTxRecorder
from backend.solana.tx import ConfirmPolicy, FeePolicy, TxSender, percentile

from .conftest import RecordingRpc

SOL = 10**9


@pytest.fixture
async def alice(keystore, wallet):
    keystore.create("alice")
    signer = keystore.signer("alice")
    await wallet.airdrop(signer.pubkey, 5 * SOL)
    return signer


def pay(signer, to, lamports):
    return [transfer(TransferParams(from_pubkey=signer.pubkey, to_pubkey=to, lamports=lamports))]


async def test_airdrop_and_sol_transfer_move_exact_lamports(rpc, wallet, alice):
    bob = Keypair().pubkey()
    assert await rpc.get_balance(alice.pubkey) == 5 * SOL
    outcome = await wallet.transfer_sol(alice, bob, 123_456_789)
    assert outcome.status == "confirmed" and outcome.attempts == 1
    assert await rpc.get_balance(bob) == 123_456_789
    fee = 5 * SOL - 123_456_789 - await rpc.get_balance(alice.pubkey)
    assert 5000 <= fee < 100_000  # base fee + a small priority fee


async def test_spl_transfer_creates_the_recipients_token_account(rpc, wallet, alice):
    mint = await wallet.create_test_usdc(alice)
    assert await wallet.decimals(mint) == 6
    await wallet.mint_to(alice, mint, alice.pubkey, 1_000_000_000)
    bob = Keypair().pubkey()
    await wallet.transfer_token(alice, mint, bob, 250_500_000)
    bob_balances = await wallet.balances(bob)
    assert bob_balances["tokens"] == [
        {
            **bob_balances["tokens"][0],
            "mint": str(mint),
            "amount": 250_500_000,
            "ui_amount": "250.5",
            "symbol": "USDC",
        }
    ]
    alice_tokens = (await wallet.balances(alice.pubkey))["tokens"]
    assert [t["amount"] for t in alice_tokens] == [749_500_000]


def compute_budget_ixs(tx):
    keys = tx.message.account_keys
    return [ix for ix in tx.message.instructions if keys[ix.program_id_index] == COMPUTE_BUDGET_ID]


async def test_priority_fee_comes_from_recent_fees_percentile_and_is_capped(rpc, sender, alice):
    rpc.prioritization_fees = [0, 100, 5_000, 20_000, 900_000_000]
    outcome = await sender.send(alice, pay(alice, Keypair().pubkey(), 1_000))
    assert outcome.priority_fee_micro_lamports == 20_000  # nearest-rank p75 of five: the 4th
    limit_ix, price_ix = compute_budget_ixs(rpc.sent[-1])
    assert bytes(limit_ix.data)[0] == 2 and bytes(price_ix.data)[0] == 3
    assert struct.unpack("<Q", bytes(price_ix.data)[1:9])[0] == 20_000
    limit = struct.unpack("<I", bytes(limit_ix.data)[1:5])[0]
    assert limit == outcome.compute_unit_limit and 10_000 <= limit < 200_000

    rpc.prioritization_fees = [900_000_000] * 4
    outcome = await sender.send(alice, pay(alice, Keypair().pubkey(), 1_000))
    assert outcome.priority_fee_micro_lamports == FeePolicy().cap_micro_lamports

    rpc.prioritization_fees = [10, 20, 30, 40]
    outcome = await sender.send(alice, pay(alice, Keypair().pubkey(), 1_000))
    assert outcome.priority_fee_micro_lamports == FeePolicy().floor_micro_lamports  # p75 = 30 < floor
    assert percentile([10, 20, 30, 40], 75) == 30 and percentile([], 75) == 0


async def test_failed_simulation_names_the_program_error_and_sends_nothing(rpc, sender, recorder, alice):
    with pytest.raises(SolanaError) as err:
        await sender.send(alice, pay(alice, Keypair().pubkey(), 50 * SOL), request_id="too-much")
    assert err.value.code == ErrorCode.SIMULATION_FAILED
    program_error = err.value.details["program_error"]
    assert program_error["program_id"] == "11111111111111111111111111111111"
    assert program_error["code"] == 1 and "ResultWithNegativeLamports" in program_error["name"]
    assert "insufficient lamports" in err.value.message
    assert any("insufficient lamports" in line for line in program_error["logs"])
    assert rpc.sent == []
    assert recorder.lookup("too-much").status == "rejected"


async def test_unfunded_fee_payer_is_named(keystore, sender):
    keystore.create("broke")
    broke = keystore.signer("broke")
    with pytest.raises(SolanaError) as err:
        await sender.send(broke, pay(broke, Keypair().pubkey(), 1))
    assert err.value.code == ErrorCode.INSUFFICIENT_FUNDS_FOR_FEE


class ExpireOnFirstSend(RecordingRpc):
    """The blockhash expires while the first attempt is in flight: the cluster rejects it."""

    async def send(self, tx):
        if not self.sent:
            self.expire_blockhash()
        return await super().send(tx)


class DropFirstSend(RecordingRpc):
    """The first attempt is silently dropped by the network, then its blockhash runs out."""

    async def send(self, tx):
        self.sent.append(tx)
        if len(self.sent) == 1:
            self.expire_blockhash()
            return tx.signatures[0]
        return await LiteSvmRpcSend(self, tx)


async def LiteSvmRpcSend(rpc, tx):
    from backend.solana.localnet import LiteSvmRpc

    return await LiteSvmRpc.send(rpc, tx)


@pytest.mark.parametrize("rpc_class", [ExpireOnFirstSend, DropFirstSend])
async def test_expired_blockhash_is_followed_by_one_successful_resend(keystore, audit_events, rpc_class):
    rpc = rpc_class()
    sender = TxSender(rpc, confirm=ConfirmPolicy(poll_interval=0.0, timeout=5))
    keystore.create("alice")
    alice = keystore.signer("alice")
    await rpc.request_airdrop(alice.pubkey, SOL)
    bob = Keypair().pubkey()
    outcome = await sender.send(alice, pay(alice, bob, 7_777), request_id="resend-me")
    assert outcome.status == "confirmed" and outcome.attempts == 2
    record = sender.recorder.lookup("resend-me")
    assert len(record.signatures) == 2 and record.signatures[-1] == outcome.signature
    first, second = rpc.sent[0], rpc.sent[-1]
    assert first.message.recent_blockhash != second.message.recent_blockhash
    assert await rpc.get_balance(bob) == 7_777  # executed exactly once
    assert [e.purpose.endswith("(resend 1)") for e in audit_events] == [False, True]


async def test_same_request_id_never_sends_twice(rpc, sender, alice):
    bob = Keypair().pubkey()
    first = await sender.send(alice, pay(alice, bob, 1_000), request_id="order-1")
    sent_after_first = len(rpc.sent)
    again = await sender.send(alice, pay(alice, bob, 1_000), request_id="order-1")
    assert again == first and len(rpc.sent) == sent_after_first
    both = await asyncio.gather(*(sender.send(alice, pay(alice, bob, 5), request_id="order-2") for _ in range(5)))
    assert len({o.signature for o in both}) == 1
    assert len(rpc.sent) == sent_after_first + 1
    assert await rpc.get_balance(bob) == 1_005


async def test_recorded_outcome_survives_a_restart(rpc, alice, tmp_path):
    bob = Keypair().pubkey()
    recorder = SqliteTxRecorder(tmp_path / "tx.sqlite")
    outcome = await TxSender(rpc, recorder=recorder, confirm=ConfirmPolicy(poll_interval=0)).send(
        alice, pay(alice, bob, 42), request_id="persisted"
    )
    recorder.close()
    reopened = SqliteTxRecorder(tmp_path / "tx.sqlite")
    sent = len(rpc.sent)
    again = await TxSender(rpc, recorder=reopened, confirm=ConfirmPolicy(poll_interval=0)).send(
        alice, pay(alice, bob, 42), request_id="persisted"
    )
    assert again == outcome and len(rpc.sent) == sent
    assert reopened.history()[0].signature == outcome.signature
    assert await rpc.get_balance(bob) == 42


async def test_a_pending_attempt_that_landed_is_settled_not_resent(rpc, recorder, alice):
    bob = Keypair().pubkey()
    sender = TxSender(rpc, recorder=recorder, confirm=ConfirmPolicy(poll_interval=0))
    outcome = await sender.send(alice, pay(alice, bob, 9), request_id="crashy")
    # As if the process died after sending but before recording the confirmation:
    recorder.record(recorder.lookup("crashy").evolve(status="pending"))
    sent = len(rpc.sent)
    settled = await TxSender(rpc, recorder=recorder).send(alice, pay(alice, bob, 9), request_id="crashy")
    assert settled.signature == outcome.signature and len(rpc.sent) == sent
    assert await rpc.get_balance(bob) == 9


async def test_every_signature_is_audited_with_its_request(sender, audit_events, alice):
    await sender.send(alice, pay(alice, Keypair().pubkey(), 1), request_id="audited", purpose="pay bob")
    (event,) = audit_events
    assert (event.key_name, event.request_id, event.purpose) == ("alice", "audited", "pay bob")


class OptimisticSimulation(RecordingRpc):
    """A node whose simulation says yes to everything: the failure shows only once executed."""

    async def simulate(self, tx):
        result = await super().simulate(tx)
        return dataclasses.replace(result, err=None, units_consumed=result.units_consumed or 1_000)


async def test_a_transaction_that_lands_failed_is_recorded_failed_and_not_resent(keystore):
    rpc = OptimisticSimulation()
    sender = TxSender(rpc, confirm=ConfirmPolicy(poll_interval=0.0, timeout=5))
    keystore.create("alice")
    alice = keystore.signer("alice")
    await rpc.request_airdrop(alice.pubkey, SOL)
    with pytest.raises(SolanaError) as err:
        await sender.send(alice, pay(alice, Keypair().pubkey(), 2 * SOL), request_id="doomed")
    assert err.value.code == ErrorCode.TRANSACTION_FAILED
    assert err.value.details["program_error"]["program_id"] == "11111111111111111111111111111111"
    assert "ResultWithNegativeLamports" in err.value.message
    record = sender.recorder.lookup("doomed")
    assert record.status == "failed" and record.signature == err.value.details["signature"]
    with pytest.raises(SolanaError) as again:  # the same request id replays the outcome, no new send
        await sender.send(alice, pay(alice, Keypair().pubkey(), 2 * SOL), request_id="doomed")
    assert again.value.code == ErrorCode.TRANSACTION_FAILED and len(rpc.sent) == 1


class AlwaysExpired(RecordingRpc):
    async def send(self, tx):
        self.expire_blockhash()
        return await super().send(tx)


async def test_resends_are_bounded_and_end_with_blockhash_expired(keystore):
    rpc = AlwaysExpired()
    sender = TxSender(rpc, confirm=ConfirmPolicy(poll_interval=0.0, max_resends=2, timeout=5))
    keystore.create("alice")
    alice = keystore.signer("alice")
    await rpc.request_airdrop(alice.pubkey, SOL)
    bob = Keypair().pubkey()
    with pytest.raises(SolanaError) as err:
        await sender.send(alice, pay(alice, bob, 1), request_id="unlucky")
    assert err.value.code == ErrorCode.BLOCKHASH_EXPIRED
    assert len(rpc.sent) == 3 and await rpc.get_balance(bob) == 0
    assert sender.recorder.lookup("unlucky").status == "rejected"  # never executed: safe to retry


async def test_a_cancelled_request_settles_on_retry_without_a_second_execution(rpc, sender, alice):
    bob = Keypair().pubkey()
    original = rpc.get_signature_statuses

    async def slow_statuses(signatures):
        await asyncio.sleep(10)
        return await original(signatures)

    rpc.get_signature_statuses = slow_statuses
    task = asyncio.create_task(sender.send(alice, pay(alice, bob, 3), request_id="cancelled"))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    rpc.get_signature_statuses = original
    assert sender.recorder.lookup("cancelled").status == "pending"
    outcome = await sender.send(alice, pay(alice, bob, 3), request_id="cancelled")
    assert outcome.status == "confirmed" and len(rpc.sent) == 1
    assert await rpc.get_balance(bob) == 3
