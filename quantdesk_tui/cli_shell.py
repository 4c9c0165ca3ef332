"""`quantdesk shell`: data commands read from standard input, answered one JSON line each over one
backend connection — for scripts that make many calls and should not start a process for each.

    printf 'quote SOL-PERP\\npositions\\nbuy 1 SOL-PERP\\n' | quantdesk shell

A line has the CLI's syntax without the leading `quantdesk` (`--json` is implied; `--raw` works).
Each answer is the document `quantdesk LINE --json` prints; a line that fails is
`{"error": {"code": ..., "message": ...}}` (`USAGE` for bad syntax) and the shell carries on. Empty
lines and `#` comments get no answer. The exit code is 0 at the end of input, 1 if no connection.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import shlex
import sys
from typing import Any

from backend.api.protocol import ApiError, ErrorCode
from backend.client import BackendClient
from quantdesk_tui.connection import make_client
from quantdesk_tui.output import UsageError, emit_json, json_document

NOT_IN_SHELL = ("backend", "desk", "store", "feeds", "record", "shell")  # processes of their own, not data commands


def usage_error(message: str) -> dict[str, Any]:
    return {"error": {"code": "USAGE", "message": message}}


def parse_line(parser: argparse.ArgumentParser, line: str) -> argparse.Namespace:
    """The line as the CLI would parse it; UsageError for anything the shell cannot run."""
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise UsageError(f"cannot split the line: {exc}") from None
    if words[0] in NOT_IN_SHELL:
        raise UsageError(f"`{words[0]}` is not a data command; the shell runs those only")
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):  # --help and --version print; stdout carries answers only
            args = parser.parse_args(words)
    except SystemExit:
        raise UsageError(f"`{line}` prints help, not data; see `quantdesk {words[0]} --help`") from None
    if args.command is None or not hasattr(args, "run"):
        raise UsageError(f"`{line}` is not a data command")
    if hasattr(args, "connect") or hasattr(args, "token_file"):
        raise UsageError("--connect and --token-file go on `quantdesk shell` itself; it keeps one connection")
    return args


async def answer(client: BackendClient, parser: argparse.ArgumentParser, line: str) -> Any:
    """The JSON document for one line: the command's result, or an error object."""
    try:
        args = parse_line(parser, line)
        if not client.connected:  # the backend went away and came back: one more try per line
            await client.connect()
        stdin, sys.stdin = sys.stdin, io.StringIO()  # the shell's input carries commands, never secrets
        try:
            result, _text = await args.run(None if getattr(args, "local", False) else client, args)
        finally:
            sys.stdin = stdin
        return json_document(result, args)
    except UsageError as exc:
        return usage_error(str(exc))
    except ApiError as exc:
        return {"error": exc.to_dict()}
    except Exception as exc:  # a bug of ours: an error line, and the shell carries on
        return {
            "error": ApiError(
                ErrorCode.INTERNAL, f"internal error ({exc.__class__.__name__}: {exc}); please report it"
            ).to_dict()
        }


async def run_shell(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        client = make_client(
            getattr(args, "connect", None), getattr(args, "token_file", None), name="cli:shell", spawn=False
        )
        await client.connect()
    except ApiError as exc:
        emit_json({"error": exc.to_dict()})
        return 1
    loop = asyncio.get_running_loop()
    try:
        while line := await loop.run_in_executor(None, sys.stdin.readline):  # the connection stays served
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            emit_json(await answer(client, parser, line))
            sys.stdout.flush()  # a script reading answer by answer sees each at once
    finally:
        await client.close()
    return 0
