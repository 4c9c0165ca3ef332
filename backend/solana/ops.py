"""The Solana side of the API: keys, wallet, transfers, oracle accounts, transaction history.

Secrets stay here: key material is created, imported and unlocked inside the backend; replies
carry public keys and signatures only. Key derivation (scrypt) runs in a thread, off the loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import msgspec

from backend.api.protocol import ApiError, ErrorCode, parse_args
from backend.api.server import ApiServer, Session
from backend.solana.errors import SolanaError
from backend.solana.service import SolanaService


class KeyArgs(msgspec.Struct, forbid_unknown_fields=True):
    name: str | None = None  # None or "default": the default key (see `default_key_name`)
    passphrase: str | None = None


DEFAULT_KEY = "default"


def default_key_name(names: list[str], asked: str | None) -> str:
    """The key `asked` means: a name is itself; none (or "default") is the key named default, else the
    only key when there is exactly one, else "default" (which a refusal will then name)."""
    if asked not in (None, "", DEFAULT_KEY):
        return asked
    if DEFAULT_KEY in names or len(names) != 1:
        return DEFAULT_KEY
    return names[0]


class ImportArgs(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    path: str | None = None
    secret: str | None = None  # from the CLI's standard input; never echoed back or logged
    passphrase: str | None = None


class AirdropArgs(msgspec.Struct, forbid_unknown_fields=True):
    name: str | None = None
    sol: str = "1"
    usdc: str | None = None


class TransferArgs(msgspec.Struct, forbid_unknown_fields=True):
    name: str | None
    amount: str
    token: str
    to: str
    request_id: str | None = None


class AddressArgs(msgspec.Struct, forbid_unknown_fields=True):
    address: str


class HistoryArgs(msgspec.Struct, forbid_unknown_fields=True):
    limit: int = 50


def _wrap(call: Callable[..., Awaitable[Any]]) -> Callable[[Session, dict[str, Any]], Awaitable[Any]]:
    async def handler(session: Session, args: dict[str, Any]) -> Any:
        try:
            return await call(session, args)
        except SolanaError as exc:
            raise ApiError(str(exc.code), exc.message) from None

    return handler


def register_solana_ops(api: ApiServer, solana: SolanaService) -> None:
    def key(asked: str | None) -> str:
        return default_key_name(solana.keystore.names(), asked)

    async def keys_new(session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, KeyArgs)
        name = a.name or DEFAULT_KEY  # a new key without a name becomes the default key
        return (await asyncio.to_thread(solana.keystore.create, name, a.passphrase)).to_dict()

    async def keys_import(session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, ImportArgs)
        if (a.secret is None) == (a.path is None):
            raise ApiError(ErrorCode.INVALID_SECRET, "give exactly one of a keypair file path or a secret")
        source: Any = Path(a.path).expanduser() if a.path is not None else a.secret
        return (await asyncio.to_thread(solana.keystore.import_key, a.name, source, a.passphrase)).to_dict()

    async def keys_list(session: Session, args: dict[str, Any]) -> Any:
        return await solana.keys_list()

    async def keys_show(session: Session, args: dict[str, Any]) -> Any:
        return await solana.keys_show(key(parse_args(args, KeyArgs).name))

    async def unlock(session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, KeyArgs)
        return (await asyncio.to_thread(solana.keystore.unlock, key(a.name), a.passphrase)).to_dict()

    async def lock(session: Session, args: dict[str, Any]) -> Any:
        return await solana.lock(key(parse_args(args, KeyArgs).name))

    async def wallet(session: Session, args: dict[str, Any]) -> Any:
        return await solana.wallet(key(parse_args(args, KeyArgs).name))

    async def airdrop(session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, AirdropArgs)
        return await solana.airdrop(key(a.name), a.sol, usdc=a.usdc)

    async def transfer(session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, TransferArgs)
        return await solana.transfer(key(a.name), a.amount, a.token, a.to, request_id=a.request_id)

    async def oracle_account(session: Session, args: dict[str, Any]) -> Any:
        return await solana.oracle_account(parse_args(args, AddressArgs).address)

    async def history(session: Session, args: dict[str, Any]) -> Any:
        return await solana.history(parse_args(args, HistoryArgs).limit)

    async def network(session: Session, args: dict[str, Any]) -> Any:
        return {"network": solana.network.name}

    for name, call in {
        "keys.new": keys_new,
        "keys.import": keys_import,
        "keys.list": keys_list,
        "keys.show": keys_show,
        "keys.unlock": unlock,
        "keys.lock": lock,
        "wallet": wallet,
        "wallet.airdrop": airdrop,
        "wallet.transfer": transfer,
        "oracle.account": oracle_account,
        "solana.history": history,
        "solana.network": network,
    }.items():
        api.op(name, _wrap(call))
