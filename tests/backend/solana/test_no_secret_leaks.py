"""No secret — base58, the 64-byte JSON array, hex — in logs, error messages, reprs or returned dicts."""

from __future__ import annotations

import json
import logging

import based58
import pytest
from solders.keypair import Keypair

from backend.solana.errors import SolanaError
from backend.solana.service import SolanaService

from .conftest import FAST_SCRYPT_N


def secret_forms(kp: Keypair) -> list[str]:
    raw = bytes(kp)
    return [
        str(kp),  # base58 of the 64 bytes
        based58.b58encode(raw[:32]).decode(),  # base58 of the seed
        json.dumps(list(raw)),
        json.dumps(list(raw), separators=(",", ":")),
        ", ".join(str(b) for b in raw[:32]),
        raw.hex(),
        raw[:32].hex(),
    ]


async def test_no_secret_appears_anywhere_observable(quantdesk_home, caplog):
    caplog.set_level(logging.DEBUG)
    kp = Keypair()
    seen: list[str] = []
    svc = SolanaService(quantdesk_home, "localnet", scrypt_n=FAST_SCRYPT_N)
    try:
        seen.append(repr(await svc.keys_import("imported", secret=str(kp), passphrase="pw")))
        seen.append(repr(await svc.unlock("imported", "pw")))
        seen.append(repr(await svc.airdrop("imported", 1)))
        seen.append(repr(await svc.transfer("imported", "0.1", "SOL", str(Keypair().pubkey()))))
        seen.append(repr(await svc.wallet("imported")))
        seen.append(repr(await svc.history()))
        signer = svc.keystore.signer("imported")
        seen += [repr(signer), str(signer), repr(svc.keystore)]
        with pytest.raises(TypeError):
            __import__("pickle").dumps(signer)
        failures = [
            lambda: svc.keys_import("dup", secret=json.dumps(list(bytes(kp))[:63])),  # one byte short
            lambda: svc.keys_import("dup2", secret=str(kp)[:-3]),  # base58 cut short
            lambda: svc.keys_import("dup3", secret=json.dumps(list(bytes(kp))[:32] + list(bytes(Keypair()))[32:])),
            lambda: svc.unlock("imported", "wrong"),
            lambda: svc.transfer("imported", "1000", "SOL", str(Keypair().pubkey())),
        ]
        for failing in failures:
            with pytest.raises(SolanaError) as err:
                await failing()
            seen += [str(err.value), repr(err.value), json.dumps(err.value.to_dict())]
        # A damaged plaintext key file: the error must not quote the file.
        await svc.keys_import("plain", secret=json.dumps(list(bytes(kp))))
        path = svc.keystore.keys_dir / "plain.json"
        path.write_text(json.dumps(list(bytes(kp)))[:-20])
        with pytest.raises(SolanaError) as err:
            svc.keystore.signer("plain")
        seen += [str(err.value), repr(err.value)]
        seen.append((svc.home / "solana_audit.log").read_text())
    finally:
        await svc.close()
    seen.append(caplog.text)
    seen += [record.getMessage() for record in caplog.records]
    blob = "\n".join(seen)
    assert "imported" in blob  # we did look at real output
    for form in secret_forms(kp):
        assert form not in blob
