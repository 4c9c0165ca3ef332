"""The solana venue never pretends: without the program on the cluster it refuses orders by name."""

from __future__ import annotations

import pytest
from solders.account import Account
from solders.pubkey import Pubkey

from backend.solana.diagnostics import ErrorDecoder
from backend.solana.errors import ErrorCode, SolanaError
from backend.solana.tx import TxSender
from backend.venues.solana import SolanaVenue
from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.client import DEFAULT_PROGRAM_ID
from programs.quantdesk_perp.enums import OrderType, Side


async def test_localnet_has_no_program_so_orders_are_refused(rpc, sender, keystore):
    keystore.create("alice")
    venue = SolanaVenue(rpc, sender, signer=keystore.signer("alice"))
    await venue.start()
    assert venue.deployed is False
    assert "not deployed on localnet" in venue.status and str(DEFAULT_PROGRAM_ID) in venue.status
    order = ix.PlaceOrder(str(venue.signer.pubkey), 0, 0, Side.BUY, OrderType.LIMIT, 10**9, 150_000_000)
    with pytest.raises(SolanaError) as err:
        await venue.place_order(order)
    assert err.value.code == ErrorCode.PROGRAM_NOT_DEPLOYED
    with pytest.raises(SolanaError) as err:
        await venue.cancel_order(1, market_index=0)
    assert err.value.code == ErrorCode.PROGRAM_NOT_DEPLOYED
    assert rpc.sent == []
    await venue.stop()


async def test_a_non_executable_account_at_the_program_id_is_not_a_deployment(rpc, sender):
    rpc.svm.set_account(DEFAULT_PROGRAM_ID, Account(lamports=10**9, data=b"", owner=Pubkey.default(), executable=False))
    venue = SolanaVenue(rpc, sender)
    await venue.start()
    assert not venue.deployed and "not executable" in venue.status


async def test_a_deployed_program_registers_its_error_names(rpc):
    program = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")  # any executable stands in
    sender = TxSender(rpc, decoder=ErrorDecoder())
    venue = SolanaVenue(rpc, sender, program_id=program)
    await venue.start()
    assert venue.deployed and venue.health()["deployed"] is True
    assert sender.decoder.name_of(str(program), 6000).startswith("InsufficientCollateral")
    with pytest.raises(SolanaError) as err:
        await venue.place_order(ix.PlaceOrder(str(program), 0, 0, Side.BUY, OrderType.LIMIT, 1, 1))
    assert err.value.code == ErrorCode.KEY_LOCKED  # no signer configured


def test_no_key_name_means_the_default_key_or_the_only_one():
    from backend.solana.ops import default_key_name

    assert default_key_name(["default", "other"], None) == "default"
    assert default_key_name(["trading"], None) == "trading"
    assert default_key_name(["trading"], "default") == "trading"
    assert default_key_name(["a", "b"], None) == "default"  # ambiguous: the refusal will name "default"
    assert default_key_name(["a", "b"], "b") == "b"
