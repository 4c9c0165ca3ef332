"""`quantdesk`: the TUI by default, and every data command of the workstation.

Exit codes: 0 ok, 1 refused or failed, 2 usage. Every data command takes --json and then prints
one JSON document on stdout (errors as {"error": {"code": ..., "message": ...}}).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, NoReturn

from quantdesk_tui import __version__
from quantdesk_tui.cli_thin import live_backend, run_thin
from quantdesk_tui.output import UsageError, emit_json, json_document

if TYPE_CHECKING:
    from backend.client import BackendClient

# The full CLI's imports (asyncio, websockets, msgspec, every command module) happen inside the
# functions below, so `quantdesk quote SOL-PERP --json` on the thin path (cli_thin.py) never pays them.
Runner = Callable[["BackendClient", argparse.Namespace], Awaitable[tuple[Any, str]]]


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def add_connection_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--connect",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="use the backend at URL (e.g. through ssh -L) instead of this home's",
    )
    p.add_argument("--token-file", metavar="F", default=argparse.SUPPRESS, help="file holding the backend's token")


def build_parser() -> Parser:
    from quantdesk_tui.commands import COMMAND_MODULES

    parser = Parser(prog="quantdesk", description="Keyboard-driven terminal trading workstation for Solana perps.")
    parser.add_argument("--version", action="version", version=f"quantdesk {__version__}")
    add_tui_args(parser)
    sub = parser.add_subparsers(dest="command", parser_class=Parser, metavar="COMMAND")
    sub.add_parser("backend", help="run the backend in the foreground (prints its URL); see backend --help")
    sub.add_parser("desk", help="every trader on the store, read from the database (desk --json)", add_help=False)
    sub.add_parser("store", help="store tools: store copy --from sqlite:PATH --to postgresql://…", add_help=False)
    add_connection_args(
        sub.add_parser(
            "shell", help="data commands from standard input, one JSON line each, over one connection (for scripts)"
        )
    )
    for module in COMMAND_MODULES:
        module.register(sub, add_connection_args)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()
        return code
    except BrokenPipeError:  # `quantdesk orders --json | head -c1`: the reader left; that is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit-time flush is quiet too
        return 0


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    thin_code = run_thin(argv)
    if thin_code is not None:
        return thin_code
    tui_args = tui_launch(argv)
    if tui_args is not None:
        return run_tui(tui_args)
    return full_main(argv)


def add_tui_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--layout", default=None, help="open the TUI with this named layout")
    p.add_argument(
        "--link",
        default=None,
        metavar="GROUP",
        help="link group: terminals in one group follow each other's market "
        "(default: the last one used, else A; none = off)",
    )
    add_connection_args(p)


TUI_OPTIONS = ("--layout", "--link", "--connect", "--token-file")


def tui_launch(argv: list[str]) -> argparse.Namespace | None:
    """`quantdesk [--layout L] [--link G] [--connect URL] [--token-file F]`: the TUI's own options, parsed
    without building the full parser, which imports every command module (about 100 ms before the first
    frame). Anything else (a command, --help, a misspelt flag, a missing value) returns None for the full
    parser, which prints what it always printed."""
    rest = list(argv)
    while rest:
        name = rest[0].split("=", 1)[0]
        if name not in TUI_OPTIONS:
            return None
        del rest[: 1 if "=" in rest[0] else 2]
    parser = Parser(prog="quantdesk", add_help=False)
    add_tui_args(parser)
    try:
        args = parser.parse_args(argv)
    except UsageError:
        return None
    args.command = None
    return args


def full_main(argv: list[str]) -> int:
    """Every command, the TUI included, through the full parser and the asyncio SDK client."""
    import asyncio

    from backend.api.protocol import ApiError, ErrorCode
    from quantdesk_tui.output import emit_error

    as_json = "--json" in argv
    if argv[:1] == ["backend"]:  # its own parser lives with the backend (python -m backend --help)
        os.execv(sys.executable, [sys.executable, "-m", "backend", *argv[1:]])
    if argv[:1] in (["feeds"], ["record"]):  # they run in a backend process of their own (see backend.tools)
        module = {"feeds": "backend.tools", "record": "backend.oracle.record"}[argv[0]]
        os.execv(sys.executable, [sys.executable, "-m", module, *argv[1:]])
    if argv[:1] in (["desk"], ["store"]) or (argv[:1] == ["fills"] and _reads_store_history(argv)):
        os.execv(sys.executable, [sys.executable, "-m", "backend.store.tool", *argv])  # reads the database itself
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        if as_json:
            emit_json({"error": {"code": "USAGE", "message": str(exc)}})
        print(str(exc), file=sys.stderr)
        return 2
    if args.command is None:
        return run_tui(args)
    if args.command == "shell":
        from quantdesk_tui.cli_shell import run_shell

        try:
            return asyncio.run(run_shell(parser, args))
        except KeyboardInterrupt:
            return 130
    runner: Runner = args.run
    try:
        return asyncio.run(_run_command(runner, args))
    except UsageError as exc:
        if as_json:
            emit_json({"error": {"code": "USAGE", "message": str(exc)}})
        print(f"quantdesk: {exc}", file=sys.stderr)
        return 2
    except ApiError as exc:
        return emit_error(exc, getattr(args, "json", False))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        raise
    except Exception as exc:  # a bug of ours: say so in one line, never a traceback at a trader
        return emit_error(
            ApiError(ErrorCode.INTERNAL, f"internal error ({exc.__class__.__name__}: {exc}); please report it"),
            getattr(args, "json", False),
        )


def _reads_store_history(argv: list[str]) -> bool:
    """`fills --trader T` / `--since 7d` asks the store's history, across traders, not a backend's recent fills."""
    return any(arg.split("=")[0] in ("--trader", "--since") for arg in argv)


async def _run_command(runner: Runner, args: argparse.Namespace) -> int:
    from quantdesk_tui.connection import make_client

    if getattr(args, "local", False):  # commands that work without a backend
        result, text = await runner(None, args)  # type: ignore[arg-type]  # a --local runner never uses its client (Runner types the usual one)
    else:
        client = make_client(
            getattr(args, "connect", None),
            getattr(args, "token_file", None),
            name=f"cli:{args.command}",
            spawn=getattr(args, "spawn", False),
        )
        await client.connect()
        try:
            result, text = await runner(client, args)
        finally:
            await client.close()
    if getattr(args, "json", False):
        emit_json(json_document(result, args))
    elif text:
        print(text)
    return 0


def run_tui(args: argparse.Namespace) -> int:
    from quantdesk_tui.first_snapshot import FirstSnapshot

    backend = None if getattr(args, "connect", None) else live_backend()
    # this home's backend, up: its first screen's data is fetched while Textual and the app are imported
    snapshot = FirstSnapshot(backend).start() if backend is not None else None

    from backend.api.protocol import ApiError
    from backend.client import home_dir
    from quantdesk_tui.app import QuantDeskApp
    from quantdesk_tui.connection import make_client
    from quantdesk_tui.feed import INDICATORS
    from quantdesk_tui.output import emit_error
    from quantdesk_tui.session import link_group_for

    try:
        client = make_client(
            getattr(args, "connect", None),
            getattr(args, "token_file", None),
            name="tui",
            spawn=not getattr(args, "connect", None),
            reconnect=True,
        )
    except ApiError as exc:
        return emit_error(exc, False)
    app = QuantDeskApp(client=client, layout=args.layout, link_group=link_group_for(args.link, home_dir()))
    if snapshot is not None:
        app.first_snapshot = snapshot.focus(app.hub.market, app.hub.timeframe, list(INDICATORS))
    app.deferred_bodies = []  # the live price on screen first, the panes' widgets right after
    app.run()
    if app.exit_note:
        print(app.exit_note)
    return 0 if app.return_code is None else app.return_code


if __name__ == "__main__":
    raise SystemExit(main())
