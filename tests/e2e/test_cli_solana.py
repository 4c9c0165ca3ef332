"""Keys, wallet and transfers through the CLI against a backend on the embedded localnet."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from tests.e2e.test_cli_backend import cli


@pytest.fixture
def backend_proc(quantdesk_home):
    proc = subprocess.Popen([sys.executable, "-m", "backend", "--tick-rate", "20"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=os.environ.copy())
    assert proc.stdout.readline().startswith("ws://")
    yield proc
    proc.send_signal(signal.SIGTERM)
    proc.wait(10)


def test_keys_airdrop_transfer_and_no_secret_in_replies(backend_proc, quantdesk_home, tmp_path):
    made = json.loads(cli("keys", "new", "--json").stdout)  # no name: the default key
    assert set(made) >= {"name", "pubkey"} and made["name"] == "default"
    assert json.loads(cli("keys", "show", "--json").stdout)["pubkey"] == made["pubkey"]
    key_file = quantdesk_home / "keys" / "default.json"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert oct((quantdesk_home / "keys").stat().st_mode & 0o777) == "0o700"
    secret_bytes = json.loads(key_file.read_text())
    passphrase = tmp_path / "pw"
    passphrase.write_text("correct horse")
    other = json.loads(cli("keys", "new", "other", "--passphrase-file", str(passphrase), "--json").stdout)
    drop = json.loads(cli("airdrop", "2", "--json").stdout)
    assert drop["network"] == "localnet" and drop["balance_lamports"] == 2_000_000_000
    sent = json.loads(cli("transfer", "0.25", "SOL", other["pubkey"], "--request-id", "r1", "--json").stdout)
    again = json.loads(cli("transfer", "0.25", "SOL", other["pubkey"], "--request-id", "r1", "--json").stdout)
    assert sent["signature"] == again["signature"]  # the retry did not send twice
    wallet = json.loads(cli("wallet", "other", "--json").stdout)
    assert wallet["lamports"] == 250_000_000
    bad = json.loads(cli("transfer", "1", "SOL", "not-an-address", "--json", check=1).stdout)
    assert bad["error"]["code"] == "INVALID_ADDRESS"
    wrong = tmp_path / "wrong"
    wrong.write_text("nope")
    cli("keys", "lock", "other")
    refused = json.loads(cli("keys", "unlock", "other", "--passphrase-file", str(wrong), "--json", check=1).stdout)
    assert refused["error"]["code"] == "WRONG_PASSPHRASE"
    everything = "".join(p.read_text(errors="replace") for p in quantdesk_home.glob("*.log")) + json.dumps(
        [made, other, drop, sent, wallet, bad, refused])
    from solders.keypair import Keypair

    secret_b58 = str(Keypair.from_bytes(bytes(secret_bytes)))
    assert secret_b58 not in everything and json.dumps(secret_bytes) not in everything
    assert bytes(secret_bytes).hex() not in everything


def test_solana_venue_says_the_program_is_not_deployed_and_refuses_orders(quantdesk_home):
    proc = subprocess.Popen([sys.executable, "-m", "backend", "--venue", "solana", "--tick-rate", "20"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=os.environ.copy())
    try:
        assert proc.stdout.readline().startswith("ws://")
        status = json.loads(cli("status", "--json").stdout)
        assert status["venue"].startswith("solana (the QuantDesk perp program") and "not deployed" in status["venue"]
        refused = json.loads(cli("buy", "1", "SOL-PERP", "mkt", "--json", check=1).stdout)
        assert refused["error"]["code"] == "PROGRAM_NOT_DEPLOYED"
        assert json.loads(cli("positions", "--json").stdout) == []  # nothing was filled locally instead
        for command in (("deposit", "100"), ("withdraw", "1"), ("account",)):  # nor moved or shown as on-chain
            refused = json.loads(cli(*command, "--json", check=1).stdout)
            assert refused["error"]["code"] == "PROGRAM_NOT_DEPLOYED", command
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
