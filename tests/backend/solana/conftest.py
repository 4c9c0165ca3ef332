"""Fast keystores (cheap scrypt) and an embedded localnet for every Solana test."""

from __future__ import annotations

import pytest

from backend.solana.history import MemoryTxRecorder
from backend.solana.keystore import Keystore
from backend.solana.localnet import LiteSvmRpc
from backend.solana.tx import ConfirmPolicy, TxSender
from backend.solana.wallet import Wallet

FAST_SCRYPT_N = 2**10


class RecordingRpc(LiteSvmRpc):
    """LiteSVM that remembers every transaction handed to `send`."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = []

    async def send(self, tx):
        self.sent.append(tx)
        return await super().send(tx)


@pytest.fixture
def audit_events():
    return []


@pytest.fixture
def keystore(quantdesk_home, audit_events):
    return Keystore(quantdesk_home, audit=audit_events.append, scrypt_n=FAST_SCRYPT_N)


@pytest.fixture
def rpc():
    return RecordingRpc()


@pytest.fixture
def recorder():
    return MemoryTxRecorder()


@pytest.fixture
def sender(rpc, recorder):
    return TxSender(rpc, recorder=recorder, confirm=ConfirmPolicy(poll_interval=0.0, timeout=5))


@pytest.fixture
def wallet(rpc, sender):
    return Wallet(rpc, sender)
