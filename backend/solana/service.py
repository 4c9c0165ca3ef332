"""SolanaService: keys, wallet, transfers and oracle accounts as plain-dict operations for the CLI and API."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from solders.pubkey import Pubkey

from backend.solana.errors import ErrorCode, SolanaError
from backend.solana.history import SqliteTxRecorder, TxRecorder
from backend.solana.keystore import AuditEvent, AuditHook, Keystore, default_home
from backend.solana.networks import Network, open_rpc, resolve_network
from backend.solana.rpc import Rpc
from backend.solana.tx import ConfirmPolicy, TxSender
from backend.solana.wallet import USDC_DECIMALS, Wallet, parse_address, to_base_units
from programs.pyth import RECEIVER_PROGRAM_ID, PythDecodeError, decode_price_update_v2
from programs.vocabulary import LAMPORTS_PER_SOL

log = logging.getLogger(__name__)
MAX_AIRDROP_SOL = 1000


class FileAuditLog:
    """Append-only JSON lines (0600) in the home: who signed what, when; never a secret."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self, event: AuditEvent) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(event.to_dict()) + "\n")
        log.info("signing request: key=%s purpose=%s request=%s", event.key_name, event.purpose, event.request_id)


class SolanaService:
    """One per backend. Every method returns JSON-ready dicts and raises SolanaError with a stable code."""

    def __init__(
        self,
        home: Path | str | None = None,
        network: str | Network = "localnet",
        *,
        rpc: Rpc | None = None,
        recorder: TxRecorder | None = None,
        audit: AuditHook | None = None,
        confirm: ConfirmPolicy | None = None,
        scrypt_n: int | None = None,
    ) -> None:
        self.home = Path(home) if home is not None else default_home()
        self.network = network if isinstance(network, Network) else resolve_network(network)
        self.audit: AuditHook = audit or FileAuditLog(self.home / "solana_audit.log")
        kwargs = {"scrypt_n": scrypt_n} if scrypt_n else {}
        self.keystore = Keystore(self.home, audit=self.audit, **kwargs)
        self._rpc = rpc
        self._recorder = recorder
        self._confirm = confirm or (ConfirmPolicy(poll_interval=0.0) if self.network.is_localnet else None)
        self._sender: TxSender | None = None
        self._wallet: Wallet | None = None

    # -- lazily built plumbing ---------------------------------------------------------------------

    @property
    def rpc(self) -> Rpc:
        if self._rpc is None:
            self._rpc = open_rpc(self.network)
        return self._rpc

    @property
    def sender(self) -> TxSender:
        if self._sender is None:
            if self._recorder is None:
                self.home.mkdir(parents=True, exist_ok=True)
                self._recorder = SqliteTxRecorder(self.home / "solana_tx.sqlite")
            self._sender = TxSender(self.rpc, recorder=self._recorder, confirm=self._confirm)
        return self._sender

    @property
    def wallet_ops(self) -> Wallet:
        if self._wallet is None:
            self._wallet = Wallet(self.rpc, self.sender)
        return self._wallet

    async def close(self) -> None:
        self.keystore.lock_all()
        if self._rpc is not None:
            await self._rpc.close()
        if isinstance(self._recorder, SqliteTxRecorder):
            self._recorder.close()

    # -- keys --------------------------------------------------------------------------------------

    async def keys_new(self, name: str, passphrase: str | None = None) -> dict[str, Any]:
        return self.keystore.create(name, passphrase).to_dict()

    async def keys_import(
        self, name: str, *, secret: str | None = None, path: str | None = None, passphrase: str | None = None
    ) -> dict[str, Any]:
        """Either `secret` (a JSON array of 64 bytes or base58) or `path` to a Solana CLI keypair file."""
        if (secret is None) == (path is None):
            raise SolanaError(ErrorCode.INVALID_SECRET, "give exactly one of a secret or a keypair file path")
        source: str | Path = Path(path).expanduser() if path is not None else str(secret)
        return self.keystore.import_key(name, source, passphrase).to_dict()

    async def keys_list(self) -> dict[str, Any]:
        return {"keys": [info.to_dict() for info in self.keystore.list()]}

    async def keys_show(self, name: str) -> dict[str, Any]:
        return self.keystore.info(name).to_dict()

    async def unlock(self, name: str, passphrase: str | None = None) -> dict[str, Any]:
        return self.keystore.unlock(name, passphrase).to_dict()

    async def lock(self, name: str) -> dict[str, Any]:
        self.keystore.lock(name)
        return self.keystore.info(name).to_dict()

    # -- wallet ------------------------------------------------------------------------------------

    async def wallet(self, name: str) -> dict[str, Any]:
        info = self.keystore.info(name)
        balances = await self.wallet_ops.balances(Pubkey.from_string(info.pubkey))
        return {"key": name, **balances}

    async def airdrop(self, name: str, sol: float | str = 1, *, usdc: float | str | None = None) -> dict[str, Any]:
        """SOL from the faucet (localnet/devnet). On localnet `usdc` also mints test USDC (this key is its authority)."""
        lamports = to_base_units(sol, 9)
        if lamports > MAX_AIRDROP_SOL * LAMPORTS_PER_SOL:
            raise SolanaError(ErrorCode.INVALID_AMOUNT, f"airdrops are capped at {MAX_AIRDROP_SOL} SOL")
        if not self.network.has_faucet:
            raise SolanaError(ErrorCode.AIRDROP_UNAVAILABLE, f"{self.network.name} has no faucet")
        pubkey = self.keystore.public_key(name)
        result: dict[str, Any] = {
            "key": name,
            "address": str(pubkey),
            "network": self.network.name,
            "lamports": lamports,
            "signature": await self.wallet_ops.airdrop(pubkey, lamports),
        }
        if usdc is not None:
            result["usdc"] = await self.mint_test_usdc(name, usdc)
        result["balance_lamports"] = await self.rpc.get_balance(pubkey)
        return result

    async def mint_test_usdc(self, name: str, amount: float | str) -> dict[str, Any]:
        """Localnet: create the 6-decimal test USDC mint on first use, then mint `amount` to this key."""
        signer = self.keystore.signer(name)
        mint = await self.wallet_ops.create_test_usdc(signer)
        outcome = await self.wallet_ops.mint_to(signer, mint, signer.pubkey, to_base_units(amount, USDC_DECIMALS))
        return {"mint": str(mint), "amount": str(amount), **outcome.to_dict()}

    async def transfer(
        self, name: str, amount: float | str, token: str, to: str, *, request_id: str | None = None
    ) -> dict[str, Any]:
        """`token`: SOL, USDC, or a mint address. Repeating a request id never sends twice."""
        recipient = parse_address(to, "recipient")
        mint = self.wallet_ops.resolve_token(token)
        signer = self.keystore.signer(name)
        if mint is None:
            outcome = await self.wallet_ops.transfer_sol(
                signer, recipient, to_base_units(amount, 9), request_id=request_id
            )
        else:
            units = to_base_units(amount, await self.wallet_ops.decimals(mint))
            outcome = await self.wallet_ops.transfer_token(signer, mint, recipient, units, request_id=request_id)
        return {"key": name, "token": token, "amount": str(amount), "to": str(recipient), **outcome.to_dict()}

    async def oracle_account(self, address: str) -> dict[str, Any]:
        """Decode a Pyth receiver PriceUpdateV2 account on the current network."""
        pubkey = parse_address(address, "oracle account")
        account = await self.rpc.get_account(pubkey)
        if account is None:
            raise SolanaError(ErrorCode.ACCOUNT_NOT_FOUND, f"no account {pubkey} on {self.network.name}")
        if str(account.owner) != RECEIVER_PROGRAM_ID:
            raise SolanaError(
                ErrorCode.ACCOUNT_DECODE_FAILED,
                f"{pubkey} is owned by {account.owner}, not the Pyth receiver {RECEIVER_PROGRAM_ID}",
            )
        try:
            update = decode_price_update_v2(account.data)
        except PythDecodeError as err:
            raise SolanaError(
                ErrorCode.ACCOUNT_DECODE_FAILED, f"{pubkey}: {err.message}", reason=str(err.code)
            ) from None
        return {"address": str(pubkey), "network": self.network.name, **update.to_dict()}

    async def history(self, limit: int = 50) -> dict[str, Any]:
        return {"transactions": [record.to_dict() for record in self.sender.recorder.history(limit)]}
