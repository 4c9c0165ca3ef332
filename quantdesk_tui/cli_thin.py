"""The thin path of `quantdesk`: read-only data commands with `--json`, answered near a bare
interpreter's start.

`quantdesk quote SOL-PERP --json` spent nearly all of its time importing (asyncio, websockets,
msgspec, every command module). This path imports the standard library and `wire.py` only: it finds
this home's backend in `backend.json`, sends `hello` and one request over a blocking WebSocket, and
prints the document the full CLI prints, byte for byte. The request asks for the result in human
units (`"units": "human"`: the backend applies the same `to_human` the full CLI does), so this path
carries no conversion of its own and no msgspec.

It takes only the forms it knows exactly. Anything else — another command, text output,
`--connect`, an abbreviated or unknown flag, a missing or stale backend, a failed connection — goes
to the full CLI (`run_thin` returns None), which prints what it always printed. Only read-only
commands are here, so running one again after a failed connection changes nothing.
"""

from __future__ import annotations

import json
import os
from typing import Any

from quantdesk_tui.output import emit_json
from quantdesk_tui.wire import WebSocket, WireError

PROTOCOL_VERSION = 1  # backend.api.protocol.PROTOCOL_VERSION (a test keeps them equal; importing it costs msgspec)
BACKEND_FILE = "backend.json"
TIMEOUT_S = 10.0  # as the SDK's default request timeout
MAX_COUNT_CHARS = 40  # as backend.api.numbers: longer digit strings go to the full parser and its message


class ThinCommand:
    """One data command: the backend op, the options it takes, and which part of the result it prints.

    (Plain classes here, not dataclasses: importing dataclasses imports inspect, ~10 ms.)
    """

    __slots__ = ("op", "options", "switches", "positionals", "prints")

    def __init__(
        self,
        op: str,
        *,
        options: tuple[str, ...] = (),
        switches: tuple[str, ...] = (),
        positionals: tuple[str, ...] = (),
        prints: str | None = None,
    ) -> None:
        self.op = op
        self.options = options  # each takes a value
        self.switches = switches  # each takes none
        self.positionals = positionals
        self.prints = prints  # the key of the result to print; None = the whole result


COMMANDS: dict[str, ThinCommand] = {
    "status": ThinCommand("status"),
    "markets": ThinCommand("markets.list", prints="markets"),
    "quote": ThinCommand("quote", positionals=("market",)),
    "positions": ThinCommand("positions", options=("--market",), prints="positions"),
    "orders": ThinCommand("orders", options=("--market",), switches=("--all",), prints="orders"),
    "fills": ThinCommand("fills", options=("--market", "--limit"), prints="fills"),
    "account": ThinCommand("account", options=("--sub",)),
}


class ThinRequest:
    __slots__ = ("command", "op", "args", "raw", "prints")

    def __init__(self, command: str, op: str, args: dict[str, Any], *, raw: bool, prints: str | None) -> None:
        self.command = command
        self.op = op
        self.args = args
        self.raw = raw
        self.prints = prints


def parse(argv: list[str]) -> ThinRequest | None:
    """The request for argv if it is a form this path knows exactly, else None (the full CLI takes it)."""
    if not argv or argv[0] not in COMMANDS:
        return None
    spec = COMMANDS[argv[0]]
    given: dict[str, str] = {}
    flags: set[str] = set()
    positionals: list[str] = []
    words = iter(argv[1:])
    for word in words:
        name, eq, value = word.partition("=")
        if name in spec.options:
            given_value = value if eq else next(words, None)
            if given_value is None or (not eq and given_value.startswith("-")):
                return None
            given[name] = given_value
        elif word in ("--json", "--raw") or word in spec.switches:
            flags.add(word)
        elif word.startswith("-"):
            return None  # --help, --connect, abbreviations, typos: the full parser's business
        else:
            positionals.append(word)
    if "--json" not in flags or len(positionals) != len(spec.positionals):
        return None
    args = _request_args(argv[0], given, flags, positionals)
    if args is None:
        return None
    return ThinRequest(argv[0], spec.op, args, raw="--raw" in flags, prints=spec.prints)


def _count(text: str) -> int | None:
    """A whole number as the full CLI's `whole_number` reads it, or None to let it explain the error."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= MAX_COUNT_CHARS else None


def _request_args(
    command: str, given: dict[str, str], flags: set[str], positionals: list[str]
) -> dict[str, Any] | None:
    """The op's arguments, built as the full CLI's command functions build them."""
    market = {"market": given["--market"]} if given.get("--market") else {}
    if command == "quote":
        return {"market": positionals[0]}
    if command == "orders":
        return {"status": "all" if "--all" in flags else "open", **market}
    if command == "fills":
        limit = _count(given.get("--limit", "50"))
        return None if limit is None else {"limit": limit, **market}
    if command == "account":
        sub = _count(given.get("--sub", "0"))
        return None if sub is None else {"sub_account": sub}
    return market if command == "positions" else {}


def home() -> str:
    """QUANTDESK_HOME, else the platform's state dir (as backend.home.home_dir; a test keeps them equal)."""
    env = os.environ.get("QUANTDESK_HOME")
    if env:
        return os.path.expanduser(env)
    import platformdirs  # only when no home is set: it costs a few ms to import

    return platformdirs.user_state_dir("quantdesk")


def live_backend() -> tuple[str, str] | None:
    """(url, token) of this home's recorded backend if its process is alive; None sends the full CLI."""
    try:
        with open(os.path.join(home(), BACKEND_FILE), encoding="utf-8") as fh:
            record = json.load(fh)
        url, token, pid = str(record["url"]), str(record["token"]), int(record["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except PermissionError:
        pass  # alive, another user's process
    except (OSError, OverflowError, ValueError):
        return None
    return (url, token) if pid > 0 else None


class Session:
    """One connection: hello, then requests answered in order."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self._next_id = 0

    def call(self, op: str, args: dict[str, Any], units: str = "wire") -> dict[str, Any]:
        """The reply envelope of one request ({"ok": true, "result": …} or {"ok": false, "error": …})."""
        self._next_id += 1
        request = {"id": self._next_id, "op": op, "args": args, **({"units": units} if units != "wire" else {})}
        self.ws.send_text(json.dumps(request, separators=(",", ":")))
        while True:
            try:
                reply = json.loads(self.ws.recv_text())
            except ValueError:
                continue  # a message we cannot read is not our reply (as the SDK)
            if isinstance(reply, dict) and reply.get("id") == self._next_id:
                return reply


def run_thin(argv: list[str]) -> int | None:
    """Run argv on the thin path and return its exit code, or None when the full CLI must take it."""
    request = parse(argv)
    if request is None:
        return None
    backend = live_backend()
    if backend is None:
        return None
    url, token = backend
    try:
        ws = WebSocket.connect(url, TIMEOUT_S)
    except WireError:
        return None
    try:
        session = Session(ws)
        hello = session.call("hello", {"token": token, "version": PROTOCOL_VERSION, "client": f"cli:{request.command}"})
        if not hello.get("ok"):
            return None  # the full CLI reports the refusal in its own words
        reply = session.call(request.op, request.args, "wire" if request.raw else "human")
    except WireError:
        return None
    finally:
        ws.close()
    if (reply.get("error") or {}).get("code") == "BAD_REQUEST":
        return None  # a backend from before `units` refuses the envelope; the full CLI converts itself
    return emit_reply(request, reply)


def emit_reply(request: ThinRequest, reply: dict[str, Any]) -> int:
    """Print the reply as the full CLI does: the document (human units unless --raw), or the error, exit 1."""
    if not reply.get("ok"):
        error = reply.get("error") or {}
        emit_json({"error": {"code": str(error.get("code", "INTERNAL")), "message": str(error.get("message", ""))}})
        return 1
    result: Any = reply.get("result")  # the reply's JSON document, in the units the request asked for
    emit_json(result[request.prints] if request.prints else result)
    return 0
