"""Keys on disk: Solana CLI format, encryption at rest, permissions, corruption, lock/unlock."""

from __future__ import annotations

import json
import os
import stat

import based58
import pytest
from solders.keypair import Keypair

from backend.solana.errors import ErrorCode, SolanaError
from backend.solana.keystore import Keystore

from .conftest import FAST_SCRYPT_N


def code_of(excinfo) -> ErrorCode:
    return excinfo.value.code


def test_new_key_is_a_solana_cli_keypair_file_with_private_modes(keystore):
    info = keystore.create("alice")
    path = keystore.keys_dir / "alice.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(keystore.keys_dir.stat().st_mode) == 0o700
    raw = json.loads(path.read_text())
    assert isinstance(raw, list) and len(raw) == 64
    assert str(Keypair.from_bytes(bytes(raw)).pubkey()) == info.pubkey
    assert not info.encrypted


def test_key_reloads_from_disk_in_a_fresh_keystore(keystore, quantdesk_home):
    info = keystore.create("alice")
    again = Keystore(quantdesk_home, scrypt_n=FAST_SCRYPT_N)
    assert again.export_public("alice") == info.pubkey
    assert str(again.signer("alice").pubkey) == info.pubkey
    assert [k.name for k in again.list()] == ["alice"]


def test_import_accepts_cli_file_json_array_and_base58(keystore, tmp_path):
    kp = Keypair()
    cli_file = tmp_path / "id.json"
    cli_file.write_text(json.dumps(list(bytes(kp))))
    assert keystore.import_key("from-file", cli_file).pubkey == str(kp.pubkey())
    assert keystore.import_key("from-json", json.dumps(list(bytes(kp)))).pubkey == str(kp.pubkey())
    assert keystore.import_key("from-b58", str(kp)).pubkey == str(kp.pubkey())


def test_import_rejects_bad_secrets_and_duplicate_names(keystore):
    keystore.create("alice")
    with pytest.raises(SolanaError) as err:
        keystore.create("alice")
    assert code_of(err) == ErrorCode.KEY_EXISTS
    for bad in [
        "[1,2,3]",
        "not base58 0OIl",
        "[" + ",".join(["300"] * 64) + "]",
        based58.b58encode(b"x" * 10).decode(),
    ]:
        with pytest.raises(SolanaError) as err:
            keystore.import_key("bad", bad)
        assert code_of(err) == ErrorCode.INVALID_SECRET
    with pytest.raises(SolanaError) as err:
        keystore.create("../escape")
    assert code_of(err) == ErrorCode.INVALID_KEY_NAME


def test_encrypted_key_needs_its_passphrase_and_wrong_one_is_named(keystore):
    info = keystore.create("vault", passphrase="correct horse")
    assert info.encrypted and not info.unlocked
    envelope = json.loads((keystore.keys_dir / "vault.json").read_text())
    assert envelope["format"] == "quantdesk-keystore" and envelope["kdf"]["name"] == "scrypt"
    assert envelope["cipher"]["name"] == "aes-256-gcm" and envelope["pubkey"] == info.pubkey
    with pytest.raises(SolanaError) as err:
        keystore.signer("vault")
    assert code_of(err) == ErrorCode.KEY_LOCKED
    with pytest.raises(SolanaError) as err:
        keystore.unlock("vault", "wrong")
    assert code_of(err) == ErrorCode.WRONG_PASSPHRASE
    assert keystore.unlock("vault", "correct horse").unlocked
    assert str(keystore.signer("vault").pubkey) == info.pubkey
    keystore.lock("vault")
    with pytest.raises(SolanaError) as err:
        keystore.signer("vault")
    assert code_of(err) == ErrorCode.KEY_LOCKED


def test_loose_permissions_are_refused_with_the_fix(keystore):
    keystore.create("alice")
    path = keystore.keys_dir / "alice.json"
    os.chmod(path, 0o644)
    with pytest.raises(SolanaError) as err:
        keystore.signer("alice")
    assert code_of(err) == ErrorCode.KEY_FILE_PERMISSIONS
    assert f"chmod 600 {path}" in err.value.message
    os.chmod(path, 0o600)
    os.chmod(keystore.keys_dir, 0o755)
    with pytest.raises(SolanaError) as err:
        keystore.info("alice")
    assert "chmod 700" in err.value.message


@pytest.mark.parametrize("content", [b"", b"[1, 2, 3", b"{}", b"[" + b"7," * 63 + b"7]", b"\xff\xfe"])
def test_corrupt_or_truncated_key_file_is_named(keystore, content):
    keystore.create("alice")
    path = keystore.keys_dir / "alice.json"
    path.write_bytes(content)
    with pytest.raises(SolanaError) as err:
        keystore.signer("alice")
    assert code_of(err) == ErrorCode.KEY_FILE_CORRUPT


def test_damaged_envelope_is_corrupt_not_wrong_passphrase(keystore):
    keystore.create("vault", passphrase="pw")
    path = keystore.keys_dir / "vault.json"
    envelope = json.loads(path.read_text())
    envelope["ciphertext"] = "%%%"
    path.write_text(json.dumps(envelope))
    with pytest.raises(SolanaError) as err:
        keystore.unlock("vault", "pw")
    assert code_of(err) == ErrorCode.KEY_FILE_CORRUPT


def test_missing_key_is_named(keystore):
    with pytest.raises(SolanaError) as err:
        keystore.signer("nobody")
    assert code_of(err) == ErrorCode.KEY_NOT_FOUND


def test_signing_is_audited_without_the_secret(keystore, audit_events):
    keystore.create("alice")
    signer = keystore.signer("alice")
    signature = signer.sign_message(b"hello", purpose="test", request_id="r1")
    assert signature.verify(signer.pubkey, b"hello")
    (event,) = audit_events
    assert (event.key_name, event.purpose, event.request_id) == ("alice", "test", "r1")
    assert event.pubkey == str(signer.pubkey) and len(event.message_sha256) == 64
