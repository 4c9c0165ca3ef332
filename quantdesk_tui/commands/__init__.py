"""CLI command groups; each module has `register(subparsers, add_connection_args)`."""

from quantdesk_tui.commands import system

COMMAND_MODULES = [system]
