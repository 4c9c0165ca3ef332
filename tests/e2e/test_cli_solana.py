"""Keys, wallet and transfers through the CLI against a backend on the embedded localnet."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from tests.e2e.test_cli_backend import cli
from tests.e2e.backend_proc import spawn_backend, stop_backend


@pytest.fixture
def backend_proc(quantdesk_home):
    proc, _url = spawn_backend("--tick-rate", "20")
    yield proc
    stop_backend(proc)


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
        [made, other, drop, sent, wallet, bad, refused]
    )
    from solders.keypair import Keypair

    secret_b58 = str(Keypair.from_bytes(bytes(secret_bytes)))
    assert secret_b58 not in everything and json.dumps(secret_bytes) not in everything
    assert bytes(secret_bytes).hex() not in everything


def test_solana_venue_on_localnet_deploys_the_program_and_trades_on_chain(quantdesk_home):
    from backend.solana.keystore import Keystore

    Keystore(quantdesk_home, audit=lambda event: None).create("default")  # the venue signs with `default`
    proc, url = spawn_backend("--venue", "solana", "--tick-rate", "20")
    try:
        status = json.loads(cli("status", "--json").stdout)
        assert status["venue"].startswith("solana (program") and "is deployed on localnet" in status["venue"]
        for _ in range(200):  # the market exists once the feed priced it and the account once it was funded
            placed = cli("buy", "1", "SOL-PERP", "mkt", "--json", check=None)
            if placed.returncode == 0:
                break
        bought = json.loads(placed.stdout)
        assert bought["status"] == "confirmed" and len(bought["signature"]) > 80
        assert bought["orders"][0]["status"] == "filled" and bought["compute_units"] > 0
        fill = bought["fills"][0]
        assert fill["size"] == "1" and fill["role"] == "taker"  # human units, as every --json
        price, fee = (int(Decimal(fill[k]) * 10**6) for k in ("price", "fee"))
        assert fee == -(-price * 500 // 1_000_000)  # 1 SOL: the quote is the price; 5 bp taker fee, rounded up
        fills = json.loads(cli("fills", "--json").stdout)
        on_chain = fills if isinstance(fills, list) else fills["fills"]
        assert [(f["order_id"], f["side"]) for f in on_chain][-1] == (bought["orders"][0]["order_id"], "buy")
        assert json.loads(cli("positions", "--json").stdout) == []  # the paper venue filled nothing
        metrics = httpx.get(url.replace("ws://", "http://").rstrip("/") + "/metrics").text
        assert 'quantdesk_solana_compute_units{instruction="PlaceOrder"}' in metrics
        for command in (("deposit", "100"), ("withdraw", "1"), ("account",)):  # never the paper 100k as on-chain
            refused = json.loads(cli(*command, "--json", check=1).stdout)
            assert refused["error"]["code"] == "NOT_SUPPORTED", command
    finally:
        stop_backend(proc)
