"""SolanaService end to end on localnet: plain dicts in and out, SolanaError codes on failure."""

from __future__ import annotations

import hashlib
import json
import struct

import pytest
from solders.account import Account
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from backend.solana.errors import ErrorCode, SolanaError
from backend.solana.service import SolanaService
from programs.pyth import RECEIVER_PROGRAM_ID

from .conftest import FAST_SCRYPT_N


@pytest.fixture
async def service(quantdesk_home):
    svc = SolanaService(quantdesk_home, "localnet", scrypt_n=FAST_SCRYPT_N)
    yield svc
    await svc.close()


async def test_keys_lifecycle_through_the_service(service):
    created = await service.keys_new("alice")
    await service.keys_new("vault", passphrase="pw")
    listed = await service.keys_list()
    assert [k["name"] for k in listed["keys"]] == ["alice", "vault"]
    assert (await service.keys_show("alice"))["pubkey"] == created["pubkey"]
    assert (await service.unlock("vault", "pw"))["unlocked"] is True
    assert (await service.lock("vault"))["unlocked"] is False
    imported = await service.keys_import("bob", secret=json.dumps(list(bytes(Keypair()))))
    assert imported["encrypted"] is False
    json.dumps(listed)  # JSON-ready


async def test_airdrop_usdc_transfer_wallet_and_history(service):
    alice = await service.keys_new("alice")
    bob = await service.keys_new("bob")
    dropped = await service.airdrop("alice", 2, usdc=1000)
    assert dropped["lamports"] == 2 * 10**9 and 0 < dropped["balance_lamports"] < 2 * 10**9  # minus mint fees
    assert dropped["usdc"]["status"] == "confirmed"
    sol = await service.transfer("alice", "0.25", "SOL", bob["pubkey"], request_id="pay-1")
    usdc = await service.transfer("alice", "12.5", "USDC", bob["pubkey"], request_id="pay-2")
    assert sol["status"] == usdc["status"] == "confirmed"
    again = await service.transfer("alice", "0.25", "SOL", bob["pubkey"], request_id="pay-1")
    assert again["signature"] == sol["signature"]
    wallet = await service.wallet("bob")
    assert wallet["lamports"] == 250_000_000 and wallet["sol"] == "0.25"
    assert [(t["symbol"], t["ui_amount"]) for t in wallet["tokens"]] == [("USDC", "12.5")]
    alice_wallet = await service.wallet("alice")
    assert alice_wallet["address"] == alice["pubkey"]
    assert [t["amount"] for t in alice_wallet["tokens"]] == [987_500_000]
    history = await service.history()
    assert {t["request_id"] for t in history["transactions"]} >= {"pay-1", "pay-2"}
    json.dumps(history)
    audit_lines = (service.home / "solana_audit.log").read_text().splitlines()
    signers = {json.loads(line)["key_name"].split(":")[0] for line in audit_lines}
    assert signers == {"alice", "mint"}


@pytest.mark.parametrize(
    "args, code",
    [
        (("alice", "1", "SOL", "not-an-address"), ErrorCode.INVALID_ADDRESS),
        (("alice", "-1", "SOL", str(Pubkey.default())), ErrorCode.INVALID_AMOUNT),
        (("alice", "0.0000000001", "SOL", str(Pubkey.default())), ErrorCode.INVALID_AMOUNT),
        (("alice", "1", "USDC", str(Pubkey.default())), ErrorCode.UNKNOWN_TOKEN),
        (("ghost", "1", "SOL", str(Pubkey.default())), ErrorCode.KEY_NOT_FOUND),
    ],
)
async def test_transfer_input_errors_have_codes(service, args, code):
    await service.keys_new("alice")
    with pytest.raises(SolanaError) as err:
        await service.transfer(*args)
    assert err.value.code == code


async def test_locked_key_cannot_transfer(service):
    await service.keys_new("vault", passphrase="pw")
    await service.airdrop("vault", 1)
    with pytest.raises(SolanaError) as err:
        await service.transfer("vault", "0.1", "SOL", str(Keypair().pubkey()))
    assert err.value.code == ErrorCode.KEY_LOCKED


async def test_oracle_account_decodes_a_price_update_on_localnet(service):
    feed = bytes.fromhex("ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d")
    data = (
        hashlib.sha256(b"account:PriceUpdateV2").digest()[:8]
        + bytes(32)
        + b"\x01"
        + feed
        + struct.pack(
            "<qQiqqqQ", 14_250_000_000, 5_000_000, -8, 1_700_000_000, 1_699_999_999, 14_200_000_000, 6_000_000
        )
        + struct.pack("<Q", 123)
        + b"\x00"
    )
    address = Keypair().pubkey()
    service.rpc.svm.set_account(
        address,
        Account(lamports=10**7, data=data, owner=Pubkey.from_string(RECEIVER_PROGRAM_ID), executable=False),
    )
    decoded = await service.oracle_account(str(address))
    assert decoded["price"] == 14_250_000_000 and decoded["exponent"] == -8 and decoded["posted_slot"] == 123
    assert decoded["feed_id"] == feed.hex() and decoded["verification_level"] == "Full"
    with pytest.raises(SolanaError) as err:
        await service.oracle_account(str(Keypair().pubkey()))
    assert err.value.code == ErrorCode.ACCOUNT_NOT_FOUND
    service.rpc.svm.set_account(
        address,
        Account(lamports=10**7, data=data[:50], owner=Pubkey.from_string(RECEIVER_PROGRAM_ID), executable=False),
    )
    with pytest.raises(SolanaError) as err:
        await service.oracle_account(str(address))
    assert err.value.code == ErrorCode.ACCOUNT_DECODE_FAILED


async def test_mainnet_has_no_airdrop(quantdesk_home):
    svc = SolanaService(quantdesk_home, "mainnet-beta")
    await svc.keys_new("alice")
    with pytest.raises(SolanaError) as err:
        await svc.airdrop("alice", 1)
    assert err.value.code == ErrorCode.AIRDROP_UNAVAILABLE
    await svc.close()


def test_unknown_network_is_named(quantdesk_home):
    with pytest.raises(SolanaError) as err:
        SolanaService(quantdesk_home, "moonnet")
    assert err.value.code == ErrorCode.INVALID_NETWORK
