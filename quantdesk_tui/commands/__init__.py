"""CLI command groups; each module has `register(subparsers, add_connection_args)`."""

from quantdesk_tui.commands import solana, system, trading

COMMAND_MODULES = [system, trading, solana]
