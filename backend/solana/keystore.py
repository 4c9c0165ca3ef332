"""Keys on disk in the Solana CLI format, optionally passphrase-encrypted, unlocked into memory only.

Files live in `$QUANTDESK_HOME/keys/<name>.json` (directory 0700, files 0600):

* plaintext: exactly what `solana-keygen new -o` writes, a JSON array of 64 bytes
  (32-byte ed25519 seed followed by the 32-byte public key);
* encrypted: a JSON envelope (version 1)::

    {"format": "quantdesk-keystore", "version": 1, "pubkey": "<base58>",
     "kdf": {"name": "scrypt", "n": 32768, "r": 8, "p": 1, "dklen": 32, "salt": "<b64>"},
     "cipher": {"name": "aes-256-gcm", "nonce": "<b64 12 bytes>"},
     "ciphertext": "<b64: AES-GCM(the 64 keypair bytes) || 16-byte tag>"}

  with associated data `b"quantdesk-keystore/v1:" + pubkey`, so an envelope cannot be
  re-labelled with another public key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import stat
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import based58
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction

from backend.solana.errors import ErrorCode, SolanaError

ENVELOPE_FORMAT = "quantdesk-keystore"
ENVELOPE_VERSION = 1
DEFAULT_SCRYPT_N = 2**15
_AAD_PREFIX = b"quantdesk-keystore/v1:"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def default_home() -> Path:
    """QUANTDESK_HOME, else the platform's user state dir."""
    env = os.environ.get("QUANTDESK_HOME")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_state_dir("quantdesk"))


@dataclass(slots=True, frozen=True)
class AuditEvent:
    """One signing request: who signed what, when. Holds a digest of the message, never a secret."""

    at: float
    key_name: str
    pubkey: str
    purpose: str
    request_id: str | None
    message_sha256: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


AuditHook = Callable[[AuditEvent], None]


@dataclass(slots=True, frozen=True)
class KeyInfo:
    name: str
    pubkey: str
    encrypted: bool
    unlocked: bool
    path: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Signer:
    """An unlocked key as the transaction layer sees it: a public key and an audited `sign`."""

    __slots__ = ("_audit", "_keypair", "name", "pubkey")

    def __init__(self, name: str, keypair: Keypair, audit: AuditHook | None) -> None:
        self.name = name
        self.pubkey: Pubkey = keypair.pubkey()
        self._keypair = keypair
        self._audit = audit

    def sign_message(self, message: bytes, *, purpose: str, request_id: str | None = None) -> Signature:
        if self._audit is not None:
            self._audit(
                AuditEvent(
                    at=time.time(),
                    key_name=self.name,
                    pubkey=str(self.pubkey),
                    purpose=purpose,
                    request_id=request_id,
                    message_sha256=hashlib.sha256(message).hexdigest(),
                )
            )
        return self._keypair.sign_message(message)

    def sign_transaction(
        self, message: MessageV0, *, purpose: str, request_id: str | None = None
    ) -> VersionedTransaction:
        """Sign a v0 message whose only required signer is this key."""
        # A v0 message is signed over its serialization prefixed with the version byte.
        signature = self.sign_message(bytes([0x80]) + bytes(message), purpose=purpose, request_id=request_id)
        return VersionedTransaction.populate(message, [signature])

    def companion(self, name: str, keypair: Keypair) -> Signer:
        """A signer for a throwaway key (e.g. a new mint account), audited like this one."""
        return Signer(name, keypair, self._audit)

    def __repr__(self) -> str:
        return f"Signer(name={self.name!r}, pubkey={str(self.pubkey)!r})"

    __str__ = __repr__

    def __reduce__(self) -> Any:  # pickling would copy the secret out of the process
        raise TypeError("Signer cannot be pickled")


def parse_secret(secret: str | bytes) -> Keypair:
    """A Solana CLI JSON array (64 bytes), its file contents, or a base58 secret (64 or 32 bytes)."""
    text = secret.decode("utf-8", "replace") if isinstance(secret, bytes) else secret
    text = text.strip()
    if text.startswith("["):
        try:
            values = json.loads(text)
        except ValueError:
            raise SolanaError(ErrorCode.INVALID_SECRET, "the keypair JSON does not parse") from None
        return _keypair_from_list(values, ErrorCode.INVALID_SECRET, "the keypair JSON")
    try:
        raw = based58.b58decode(text.encode("ascii"))
    except Exception:  # noqa: BLE001 - any decoder failure means "not base58"
        raise SolanaError(ErrorCode.INVALID_SECRET, "the secret is neither a JSON array nor base58") from None
    return _keypair_from_bytes(raw, ErrorCode.INVALID_SECRET, "the base58 secret")


def _keypair_from_list(values: Any, code: ErrorCode, what: str) -> Keypair:
    if not isinstance(values, list) or not all(isinstance(v, int) and 0 <= v <= 255 for v in values):
        raise SolanaError(code, f"{what} must be a JSON array of 64 integers 0..255")
    return _keypair_from_bytes(bytes(values), code, what)


def _keypair_from_bytes(raw: bytes, code: ErrorCode, what: str) -> Keypair:
    if len(raw) == 32:
        return Keypair.from_seed(raw)
    if len(raw) != 64:
        raise SolanaError(code, f"{what} has {len(raw)} bytes; expected 64 (or a 32-byte seed)")
    try:
        keypair = Keypair.from_bytes(raw)
    except BaseException:  # noqa: BLE001 - solders panics are BaseExceptions
        raise SolanaError(code, f"{what} is not a valid ed25519 keypair") from None
    if bytes(keypair.pubkey()) != raw[32:]:
        raise SolanaError(code, f"{what}: its public half does not match its secret half")
    return keypair


class Keystore:
    """Create, import, list, lock and unlock keys under one home directory."""

    def __init__(
        self,
        home: Path | str | None = None,
        *,
        audit: AuditHook | None = None,
        scrypt_n: int = DEFAULT_SCRYPT_N,
    ) -> None:
        self.home = Path(home) if home is not None else default_home()
        self.keys_dir = self.home / "keys"
        self.audit = audit
        self._scrypt_n = scrypt_n
        self._unlocked: dict[str, Keypair] = {}

    # -- paths and permissions ------------------------------------------------------------------

    def _ensure_dir(self) -> None:
        self.keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._check_dir_mode()

    def _check_dir_mode(self) -> None:
        mode = stat.S_IMODE(self.keys_dir.stat().st_mode)
        if mode & 0o077:
            raise SolanaError(
                ErrorCode.KEY_FILE_PERMISSIONS,
                f"key directory {self.keys_dir} is accessible by other users (mode {mode:o}); "
                f"fix it with: chmod 700 {self.keys_dir}",
                path=str(self.keys_dir),
            )

    def _path(self, name: str) -> Path:
        if not _NAME_RE.match(name or ""):
            raise SolanaError(
                ErrorCode.INVALID_KEY_NAME,
                "key names are 1-64 characters: letters, digits, '_', '.', '-' (not starting with one)",
            )
        return self.keys_dir / f"{name}.json"

    def _read(self, name: str) -> tuple[Path, Any]:
        path = self._path(name)
        if not path.is_file():
            raise SolanaError(ErrorCode.KEY_NOT_FOUND, f"no key named {name!r} in {self.keys_dir}", name=name)
        self._check_dir_mode()
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise SolanaError(
                ErrorCode.KEY_FILE_PERMISSIONS,
                f"key file {path} is readable by other users (mode {mode:o}); fix it with: chmod 600 {path}",
                path=str(path),
            )
        try:
            return path, json.loads(path.read_bytes())
        except (ValueError, UnicodeDecodeError):
            raise SolanaError(
                ErrorCode.KEY_FILE_CORRUPT, f"key file {path} is not valid JSON (truncated or damaged?)"
            ) from None

    def _write_new(self, path: Path, payload: bytes) -> None:
        self._ensure_dir()
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            try:
                os.link(tmp, path)  # fails if the name was taken meanwhile: never overwrite a key
            except FileExistsError:
                raise SolanaError(ErrorCode.KEY_EXISTS, f"a key named {path.stem!r} already exists") from None
        finally:
            tmp.unlink(missing_ok=True)

    # -- envelope --------------------------------------------------------------------------------

    def _derive(self, passphrase: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
        return Scrypt(salt=salt, length=dklen, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))

    def _encrypt(self, keypair: Keypair, passphrase: str) -> bytes:
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        pubkey = str(keypair.pubkey())
        key = self._derive(passphrase, salt, self._scrypt_n, 8, 1, 32)
        ciphertext = AESGCM(key).encrypt(nonce, bytes(keypair), _AAD_PREFIX + pubkey.encode())
        envelope = {
            "format": ENVELOPE_FORMAT,
            "version": ENVELOPE_VERSION,
            "pubkey": pubkey,
            "kdf": {
                "name": "scrypt",
                "n": self._scrypt_n,
                "r": 8,
                "p": 1,
                "dklen": 32,
                "salt": base64.b64encode(salt).decode(),
            },
            "cipher": {"name": "aes-256-gcm", "nonce": base64.b64encode(nonce).decode()},
            "ciphertext": base64.b64encode(ciphertext).decode(),
        }
        return json.dumps(envelope, indent=1).encode()

    def _decrypt(self, path: Path, envelope: dict[str, Any], passphrase: str) -> Keypair:
        try:
            kdf, cipher = envelope["kdf"], envelope["cipher"]
            if kdf["name"] != "scrypt" or cipher["name"] != "aes-256-gcm":
                raise ValueError("unsupported algorithm")
            salt = base64.b64decode(kdf["salt"], validate=True)
            nonce = base64.b64decode(cipher["nonce"], validate=True)
            ciphertext = base64.b64decode(envelope["ciphertext"], validate=True)
            pubkey = str(envelope["pubkey"])
            key = self._derive(passphrase, salt, int(kdf["n"]), int(kdf["r"]), int(kdf["p"]), int(kdf["dklen"]))
        except (KeyError, TypeError, ValueError):
            raise SolanaError(ErrorCode.KEY_FILE_CORRUPT, f"key file {path} has a damaged envelope") from None
        try:
            raw = AESGCM(key).decrypt(nonce, ciphertext, _AAD_PREFIX + pubkey.encode())
        except InvalidTag:
            raise SolanaError(ErrorCode.WRONG_PASSPHRASE, f"wrong passphrase for key {path.stem!r}") from None
        except ValueError:
            raise SolanaError(ErrorCode.KEY_FILE_CORRUPT, f"key file {path} has a damaged envelope") from None
        keypair = _keypair_from_bytes(raw, ErrorCode.KEY_FILE_CORRUPT, f"key file {path}")
        if str(keypair.pubkey()) != pubkey:
            raise SolanaError(ErrorCode.KEY_FILE_CORRUPT, f"key file {path}: envelope pubkey does not match")
        return keypair

    @staticmethod
    def _is_envelope(data: Any) -> bool:
        return isinstance(data, dict) and data.get("format") == ENVELOPE_FORMAT

    def _load_plain(self, path: Path, data: Any) -> Keypair:
        if isinstance(data, dict):
            raise SolanaError(ErrorCode.KEY_FILE_CORRUPT, f"key file {path} is neither a keypair nor an envelope")
        return _keypair_from_list(data, ErrorCode.KEY_FILE_CORRUPT, f"key file {path}")

    # -- public API ------------------------------------------------------------------------------

    def create(self, name: str, passphrase: str | None = None) -> KeyInfo:
        return self._store(name, Keypair(), passphrase)

    def import_key(self, name: str, secret: str | bytes | Path, passphrase: str | None = None) -> KeyInfo:
        """`secret`: a path to a Solana CLI keypair file, that file's JSON, or a base58 secret."""
        if isinstance(secret, Path):
            path = secret
            try:
                secret = path.read_bytes()
            except OSError as err:
                raise SolanaError(ErrorCode.KEY_NOT_FOUND, f"cannot read {path}: {err.strerror}") from None
        return self._store(name, parse_secret(secret), passphrase)

    def _store(self, name: str, keypair: Keypair, passphrase: str | None) -> KeyInfo:
        path = self._path(name)
        if path.exists():
            raise SolanaError(ErrorCode.KEY_EXISTS, f"a key named {name!r} already exists", name=name)
        if passphrase:
            self._write_new(path, self._encrypt(keypair, passphrase))
        else:
            self._write_new(path, json.dumps(list(bytes(keypair))).encode())
        return self.info(name)

    def names(self) -> list[str]:
        if not self.keys_dir.is_dir():
            return []
        return sorted(p.stem for p in self.keys_dir.glob("*.json") if _NAME_RE.match(p.stem))

    def list(self) -> list[KeyInfo]:
        return [self.info(name) for name in self.names()]

    def info(self, name: str) -> KeyInfo:
        path, data = self._read(name)
        if self._is_envelope(data):
            try:
                pubkey = str(Pubkey.from_string(str(data["pubkey"])))
            except BaseException:  # noqa: BLE001 - solders panics on malformed keys
                raise SolanaError(ErrorCode.KEY_FILE_CORRUPT, f"key file {path} has a damaged envelope") from None
            return KeyInfo(name, pubkey, True, name in self._unlocked, str(path))
        pubkey = str(self._load_plain(path, data).pubkey())
        return KeyInfo(name, pubkey, False, True, str(path))

    def public_key(self, name: str) -> Pubkey:
        return Pubkey.from_string(self.info(name).pubkey)

    def export_public(self, name: str) -> str:
        return self.info(name).pubkey

    def unlock(self, name: str, passphrase: str | None = None) -> KeyInfo:
        path, data = self._read(name)
        if self._is_envelope(data):
            if not passphrase:
                raise SolanaError(ErrorCode.KEY_LOCKED, f"key {name!r} is encrypted; a passphrase is needed")
            self._unlocked[name] = self._decrypt(path, data, passphrase)
        else:
            self._unlocked[name] = self._load_plain(path, data)
        return self.info(name)

    def lock(self, name: str) -> None:
        self._path(name)
        self._unlocked.pop(name, None)

    def lock_all(self) -> None:
        self._unlocked.clear()

    def is_unlocked(self, name: str) -> bool:
        return name in self._unlocked

    def signer(self, name: str) -> Signer:
        """The key, ready to sign. Plaintext keys load on demand; encrypted ones must be unlocked."""
        keypair = self._unlocked.get(name)
        if keypair is None:
            path, data = self._read(name)
            if self._is_envelope(data):
                raise SolanaError(
                    ErrorCode.KEY_LOCKED,
                    f"key {name!r} is locked; unlock it with its passphrase first",
                    name=name,
                )
            keypair = self._load_plain(path, data)
        return Signer(name, keypair, self.audit)

    def __repr__(self) -> str:
        return f"Keystore({str(self.keys_dir)!r}, unlocked={sorted(self._unlocked)})"
