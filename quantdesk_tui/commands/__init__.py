"""CLI command groups; each module has `register(subparsers, add_connection_args)`."""

from quantdesk_tui.commands import market_data, risk, solana, system, trading

COMMAND_MODULES = [system, trading, market_data, risk, solana]
