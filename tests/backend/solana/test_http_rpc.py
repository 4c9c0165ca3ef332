"""HttpRpc against a local fake JSON-RPC server: happy path, timeouts, garbage and node errors."""

from __future__ import annotations

import socket

import pytest
from solders.hash import Hash
from solders.keypair import Keypair
from solders.system_program import TransferParams, transfer

from backend.solana.errors import ErrorCode, SolanaError
from backend.solana.rpc import HttpRpc
from backend.solana.tx import ConfirmPolicy, TxSender

from .fake_rpc import FakeRpcServer, ctx

BLOCKHASH = str(Hash.new_unique())


@pytest.fixture
async def server():
    async with FakeRpcServer() as srv:
        yield srv


def make_rpc(server, **kwargs) -> HttpRpc:
    return HttpRpc(server.url, **{"timeout": 0.3, "retries": 1, "backoff": 0.01, **kwargs})


async def test_reads_are_decoded(server):
    server.handlers = {
        "getBalance": ctx(4_200),
        "getLatestBlockhash": ctx({"blockhash": BLOCKHASH, "lastValidBlockHeight": 250}),
        "isBlockhashValid": ctx(True),
        "getRecentPrioritizationFees": [
            {"slot": 1, "prioritizationFee": 10},
            {"slot": 2, "prioritizationFee": 30},
        ],
        "getAccountInfo": ctx(None),
    }
    rpc = make_rpc(server)
    try:
        assert await rpc.get_balance(Keypair().pubkey()) == 4_200
        info = await rpc.get_latest_blockhash()
        assert str(info.blockhash) == BLOCKHASH and info.last_valid_block_height == 250
        assert await rpc.is_blockhash_valid(info.blockhash) is True
        assert await rpc.get_recent_prioritization_fees() == [10, 30]
        assert await rpc.get_account(Keypair().pubkey()) is None
    finally:
        await rpc.close()


async def test_a_transfer_goes_through_the_whole_lifecycle_over_http(keystore, server):
    keystore.create("alice")
    alice = keystore.signer("alice")
    sent = []

    def send(request):
        sent.append(request)
        import base64

        from solders.transaction import VersionedTransaction

        tx = VersionedTransaction.from_bytes(base64.b64decode(request["params"][0]))
        return str(tx.signatures[0])

    server.handlers = {
        "getRecentPrioritizationFees": [],
        "getLatestBlockhash": ctx({"blockhash": BLOCKHASH, "lastValidBlockHeight": 250}),
        "simulateTransaction": ctx(
            {
                "err": None,
                "logs": ["Program 111 success"],
                "accounts": None,
                "unitsConsumed": 450,
                "returnData": None,
            }
        ),
        "sendTransaction": send,
        "getSignatureStatuses": ctx(
            [
                {
                    "slot": 7,
                    "confirmations": None,
                    "err": None,
                    "status": {"Ok": None},
                    "confirmationStatus": "confirmed",
                }
            ]
        ),
        "isBlockhashValid": ctx(True),
    }
    rpc = make_rpc(server)
    try:
        ix = transfer(TransferParams(from_pubkey=alice.pubkey, to_pubkey=Keypair().pubkey(), lamports=5))
        outcome = await TxSender(rpc, confirm=ConfirmPolicy(poll_interval=0)).send(alice, [ix], request_id="h1")
        assert outcome.status == "confirmed" and outcome.slot == 7 and len(sent) == 1
    finally:
        await rpc.close()


async def test_a_stalled_node_is_an_rpc_timeout_after_bounded_retries(server):
    server.handlers = {"getBalance": FakeRpcServer.STALL}
    rpc = make_rpc(server, retries=2)
    try:
        with pytest.raises(SolanaError) as err:
            await rpc.get_balance(Keypair().pubkey())
        assert err.value.code == ErrorCode.RPC_TIMEOUT
        assert server.url in err.value.message and "0.3s" in err.value.message
        assert server.calls == ["getBalance"] * 3
    finally:
        await rpc.close()


@pytest.mark.parametrize(
    "answer, code",
    [
        (FakeRpcServer.GARBAGE, ErrorCode.RPC_BAD_RESPONSE),
        ({"unexpected": "shape"}, ErrorCode.RPC_BAD_RESPONSE),
        (FakeRpcServer.HTTP_500, ErrorCode.RPC_ERROR),
        ({"__error__": {"code": -32602, "message": "Invalid param: WrongSize"}}, ErrorCode.RPC_ERROR),
    ],
)
async def test_bad_answers_are_wrapped_with_a_clear_message(server, answer, code):
    server.handlers = {"getBalance": answer, "isBlockhashValid": answer}
    rpc = make_rpc(server, retries=0)
    try:
        for call in (
            lambda: rpc.get_balance(Keypair().pubkey()),
            lambda: rpc.is_blockhash_valid(Hash.default()),
        ):
            with pytest.raises(SolanaError) as err:
                await call()
            assert err.value.code == code
            assert any(method in err.value.message for method in ("getBalance", "isBlockhashValid"))
    finally:
        await rpc.close()


async def test_unreachable_node_is_an_rpc_error_naming_the_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    rpc = HttpRpc(f"http://127.0.0.1:{port}", timeout=0.3, retries=0)
    try:
        with pytest.raises(SolanaError) as err:
            await rpc.get_balance(Keypair().pubkey())
        assert err.value.code == ErrorCode.RPC_ERROR
        assert f"127.0.0.1:{port}" in err.value.message
    finally:
        await rpc.close()
