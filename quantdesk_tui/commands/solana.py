"""Solana commands: keys new|import|list|show|lock|unlock, wallet, airdrop, transfer, oracle-account.

Keys live in the backend; passphrases are read with a prompt (or --passphrase-file), secrets for
import come from a keypair file or standard input — never from the command line, where `ps` and
the shell history would see them.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from backend.client import BackendClient
from quantdesk_tui.commands import data_command
from quantdesk_tui.output import UsageError, table


def register(sub: Any, add_connection_args: Any) -> None:
    def command(parent: Any, name: str, help_text: str, run: Any) -> argparse.ArgumentParser:
        return data_command(parent, name, help_text, run, add_connection_args, spawn=True, human=False)

    keys = sub.add_parser("keys", help="the backend's keystore").add_subparsers(
        dest="keys_command", metavar="ACTION", required=True
    )
    p = command(keys, "new", "create a key (optionally encrypted with a passphrase)", keys_new)
    p.add_argument("name", nargs="?", default="default", help="default: the key named default")
    p.add_argument("--encrypt", action="store_true", help="ask for a passphrase and encrypt the key at rest")
    p.add_argument("--passphrase-file", help="read the passphrase from this file instead of a prompt")
    p = command(keys, "import", "import a Solana CLI keypair file, or a base58 secret from standard input", keys_import)
    p.add_argument("name")
    p.add_argument("file", nargs="?", help="keypair file (JSON array of 64 bytes); omit to read base58 from stdin")
    p.add_argument("--encrypt", action="store_true")
    p.add_argument("--passphrase-file")
    command(keys, "list", "list keys", keys_list)
    for name, run in (("show", keys_show), ("lock", keys_lock)):
        command(keys, name, f"{name} a key", run).add_argument(
            "name", nargs="?", default="default", help="default: the default key (the only one, if just one)"
        )
    p = command(keys, "unlock", "unlock an encrypted key into backend memory", keys_unlock)
    p.add_argument("name")
    p.add_argument("--passphrase-file")

    p = command(sub, "wallet", "SOL and SPL balances of a key", wallet)
    p.add_argument("name", nargs="?", default="default")
    p = command(sub, "airdrop", "airdrop SOL (localnet/devnet); --usdc mints test USDC on localnet", airdrop)
    p.add_argument("amount")
    p.add_argument("--key", default="default")
    p.add_argument("--usdc")
    p = command(sub, "transfer", "send SOL, USDC or an SPL mint", transfer)
    p.add_argument("amount")
    p.add_argument("token", help="SOL, USDC or a mint address")
    p.add_argument("to", help="recipient address")
    p.add_argument("--key", default="default")
    p.add_argument("--request-id", help="idempotency key: repeating it never sends twice")
    p = command(sub, "oracle-account", "decode a Pyth PriceUpdateV2 account on the backend's network", oracle_account)
    p.add_argument("address")


def _passphrase(a: argparse.Namespace, confirm: bool) -> str | None:
    if getattr(a, "passphrase_file", None):
        try:
            return Path(a.passphrase_file).read_text(encoding="utf-8").rstrip("\n")
        except OSError as exc:
            raise UsageError(f"cannot read {a.passphrase_file}: {exc.strerror}") from None
    if not getattr(a, "encrypt", True):
        return None
    if not sys.stdin.isatty():
        raise UsageError("no terminal to ask for a passphrase: use --passphrase-file")
    first = getpass.getpass("passphrase: ")
    if confirm and getpass.getpass("again: ") != first:
        raise UsageError("the passphrases differ")
    return first


def _key_text(k: dict[str, Any]) -> str:
    state = "encrypted" if k.get("encrypted") else "plain"
    lock = "unlocked" if k.get("unlocked") else "locked"
    return f"{k['name']}  {k['pubkey']}  {state}, {lock}"


async def keys_new(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request("keys.new", name=a.name, passphrase=_passphrase(a, confirm=True))
    return result, _key_text(result)


async def keys_import(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    args: dict[str, Any] = {"name": a.name, "passphrase": _passphrase(a, confirm=True)}
    if a.file:
        args["path"] = str(Path(a.file).expanduser().resolve())
    else:
        secret = sys.stdin.readline().strip()
        if not secret:
            raise UsageError("give a keypair file, or pipe a base58 secret on standard input")
        args["secret"] = secret
    result = await client.request("keys.import", **args)
    return result, _key_text(result)


async def keys_list(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request("keys.list")
    rows = [
        (k["name"], k["pubkey"], "yes" if k.get("encrypted") else "no", "yes" if k.get("unlocked") else "no")
        for k in result["keys"]
    ]
    return result["keys"], table(("NAME", "PUBLIC KEY", "ENCRYPTED", "UNLOCKED"), rows) if rows else "no keys"


async def keys_show(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request("keys.show", name=a.name)
    return result, _key_text(result)


async def keys_lock(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request("keys.lock", name=a.name)
    return result, _key_text(result)


async def keys_unlock(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    a.encrypt = True
    result = await client.request("keys.unlock", name=a.name, passphrase=_passphrase(a, confirm=False))
    return result, _key_text(result)


async def wallet(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request("wallet", name=a.name)
    lines = [f"{result.get('key')}  {result.get('address', '')}  {result.get('sol', '')} SOL"]
    for token in result.get("tokens", []):
        lines.append(f"  {token.get('ui_amount')} {token.get('symbol') or token.get('mint')}")
    return result, "\n".join(lines)


async def airdrop(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    args: dict[str, Any] = {"name": a.key, "sol": a.amount}
    if a.usdc:
        args["usdc"] = a.usdc
    result = await client.request("wallet.airdrop", **args)
    return result, f"airdropped {a.amount} SOL to {result['address']} ({result['network']}): {result['signature']}"


async def transfer(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    args: dict[str, Any] = {"name": a.key, "amount": a.amount, "token": a.token, "to": a.to}
    if a.request_id:
        args["request_id"] = a.request_id
    result = await client.request("wallet.transfer", **args)
    return (
        result,
        f"sent {a.amount} {a.token} to {result['to']}: {result.get('signature', '')} {result.get('status', '')}",
    )


async def oracle_account(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request("oracle.account", address=a.address)
    return result, "\n".join(f"{k:>20}  {v}" for k, v in result.items())
