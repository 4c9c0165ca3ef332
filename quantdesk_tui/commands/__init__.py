"""CLI command groups; each module has `register(subparsers, add_connection_args)`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from backend.api.protocol import NumberError, parse_count


def whole_number(text: str) -> int:
    """argparse type for ids, seconds and sub-accounts: the strict parser, not int() ("1_0" is not 10)."""
    try:
        return parse_count(text, "the value")
    except NumberError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def data_command(
    parent: Any,
    name: str,
    help_text: str,
    run: Any,
    add_connection_args: Callable[[argparse.ArgumentParser], None],
    **defaults: Any,
) -> argparse.ArgumentParser:
    """A subcommand that talks to a backend and can print one JSON document (`--json`), its amounts in
    human units (exact decimal strings) unless `--raw` asks for the engine's fixed-point integers."""
    p = parent.add_parser(name, help=help_text)
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--raw", action="store_true", help="with --json: fixed-point integers as the engine keeps them")
    add_connection_args(p)
    p.set_defaults(run=run, **{"human": True, **defaults})
    return p


from quantdesk_tui.commands import admin, market_data, records, risk, solana, system, trading  # noqa: E402

COMMAND_MODULES = [system, trading, admin, records, market_data, risk, solana]
