"""The Python SDK: an async client of the backend API, used by the TUI, the CLI and scripts.

    client = await BackendClient.for_home()          # finds (or spawns) the backend of QUANTDESK_HOME
    quote = await client.request("quote", market="SOL-PERP")
    await client.subscribe("prices", on_push=lambda stream, data: ...)

With `reconnect=True` the client keeps trying (capped exponential backoff with jitter) after the
backend goes away, finds it again through `backend.json` (it may come back on another port),
replays its subscriptions and reports each change through `on_state`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import msgspec

from backend.api.protocol import PROTOCOL_VERSION, ApiError, ErrorCode, ErrorInfo, Quote
from backend.backoff import Backoff
from backend.home import BackendRecord, home_dir, live_record, read_record
from backend.units import human_push, human_result, to_human

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

__all__ = ["SPAWNED_IDLE_EXIT_S", "BackendClient", "home_dir", "spawn_backend", "to_human"]

PushHandler = Callable[[str, Any], None]
StateHandler = Callable[[bool, str], None]
Resolver = Callable[[], tuple[str, str]]

# pushes whose data is decoded into a typed record; the rest arrive as plain dicts
STREAM_TYPES: dict[str, type] = {"prices": Quote}


class _Envelope(msgspec.Struct):
    id: int | None = None
    ok: bool | None = None
    result: msgspec.Raw = msgspec.Raw(b"null")
    error: ErrorInfo | None = None
    stream: str | None = None
    data: msgspec.Raw = msgspec.Raw(b"null")


class _Request(msgspec.Struct):
    id: int
    op: str
    args: dict[str, Any]


_request_encoder = msgspec.json.Encoder()
_envelope = msgspec.json.Decoder(_Envelope)
_decoders: dict[str, msgspec.json.Decoder[Any]] = {
    name: msgspec.json.Decoder(kind) for name, kind in STREAM_TYPES.items()
}
_any = msgspec.json.Decoder()


def _websockets() -> ModuleType:
    """The websockets package with its asyncio client, imported at the first connection rather than with
    this module: it costs about 60 ms (its version lookup imports importlib.metadata), which the TUI
    would otherwise pay before its first frame, while that frame's data comes over a plain socket
    (quantdesk_tui/first_snapshot.py). `except _websockets().exceptions.X` is evaluated only when an
    exception reaches it."""
    import websockets.asyncio.client
    import websockets.exceptions

    return websockets


def _fail(fut: asyncio.Future[Any], exc: ApiError) -> None:
    """Fail a pending request. Its exception counts as seen at once: the caller may have been cancelled
    meanwhile (a worker ended as the app quit), and asyncio would otherwise print "Future exception
    was never retrieved" on the trader's terminal when the future is collected."""
    if not fut.done():
        fut.set_exception(exc)
        fut.exception()


def _expire(fut: asyncio.Future[Any], op: str, timeout: float) -> None:
    _fail(fut, ApiError(ErrorCode.TIMEOUT, f"{op} got no reply within {timeout:g}s"))


def _decode_push(stream: str, raw: msgspec.Raw) -> Any:
    decoder = _decoders.get(stream, _any)
    return decoder.decode(raw)


class BackendClient:
    def __init__(
        self,
        resolver: Resolver,
        *,
        client_name: str = "sdk",
        timeout: float = 10.0,
        reconnect: bool = False,
        on_state: StateHandler | None = None,
    ) -> None:
        self._resolver = resolver
        self.client_name = client_name
        self.timeout = timeout
        self.reconnect = reconnect
        self.on_state = on_state
        self.url = ""
        self.connected = False
        self.hello: dict[str, Any] = {}
        self._ws: ClientConnection | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._push_handlers: dict[str, PushHandler] = {}
        self._sub_args: dict[str, dict[str, Any]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._closing = False
        self.unavailable_streams: list[str] = []

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def for_url(cls, url: str, token: str, **kw: Any) -> BackendClient:
        return cls(lambda: (url, token), **kw)

    @classmethod
    def for_home(cls, home: Path | None = None, **kw: Any) -> BackendClient:
        home = home or home_dir()

        def resolve() -> tuple[str, str]:
            record = read_record(home)  # raises BAD_BACKEND_FILE for a foreign file
            if record is None or live_record(home) is None:
                raise ApiError(
                    ErrorCode.NO_BACKEND,
                    f"no backend is running for {home}; start one with `quantdesk backend` or just run `quantdesk`",
                )
            return record.url, record.token

        return cls(resolve, **kw)

    # -- connection ---------------------------------------------------------------------------
    async def connect(self) -> dict[str, Any]:
        url, token = self._resolver()
        websockets = _websockets()
        try:
            ws = await asyncio.wait_for(
                websockets.asyncio.client.connect(
                    url, max_size=2**24, open_timeout=self.timeout, compression=None, ping_interval=20, ping_timeout=20
                ),
                self.timeout,
            )
        except (
            OSError,
            websockets.exceptions.InvalidHandshake,
            websockets.exceptions.InvalidURI,
            asyncio.TimeoutError,
        ) as exc:
            raise ApiError(ErrorCode.NOT_CONNECTED, f"cannot reach the backend at {url}: {exc}") from None
        self._ws = ws
        self.url = url
        self._reader = asyncio.create_task(self._read_loop(ws))
        try:
            self.hello = await self.request("hello", token=token, version=PROTOCOL_VERSION, client=self.client_name)
        except ApiError:
            await ws.close()
            raise
        self.connected = True
        self.unavailable_streams = []
        for stream, args in list(self._sub_args.items()):
            try:
                await self.request("subscribe", stream=stream, **args)
            except ApiError as exc:
                if exc.code != ErrorCode.UNKNOWN_STREAM:
                    raise
                self.unavailable_streams.append(stream)  # an older backend: carry on without it
        if self.on_state:
            self.on_state(True, f"connected to {url}")
        return self.hello

    async def close(self) -> None:
        self._closing = True
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    async def __aenter__(self) -> BackendClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def run_reconnecting(self, max_backoff: float = 5.0) -> None:
        """Keep a connection up until close(): connect, wait for it to drop, back off, repeat."""
        backoff = Backoff(0.2, max_backoff)
        while not self._closing:
            try:
                await self.connect()
                backoff.reset()
                assert self._reader is not None
                await asyncio.shield(self._reader)
            except ApiError as exc:
                if self.on_state:
                    self.on_state(False, exc.message)
            except asyncio.CancelledError:
                raise
            if self._closing:
                return
            await asyncio.sleep(backoff.next())

    # -- requests -----------------------------------------------------------------------------
    async def request(self, op: str, **args: Any) -> Any:
        ws = self._ws
        if ws is None or (not self.connected and op != "hello"):
            raise ApiError(ErrorCode.NOT_CONNECTED, "not connected to the backend")
        req_id = next(self._ids)
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        self._pending[req_id] = fut
        # one timer per request (cheaper than wait_for, which wraps every request in a task)
        timer = loop.call_later(self.timeout, _expire, fut, op, self.timeout)
        try:
            await ws.send(_request_encoder.encode(_Request(req_id, op, args)).decode())  # a text frame
            return await fut
        except _websockets().exceptions.ConnectionClosed:
            raise ApiError(ErrorCode.NOT_CONNECTED, "the backend connection closed") from None
        finally:
            timer.cancel()
            self._pending.pop(req_id, None)

    async def view(self, op: str, **args: Any) -> Any:
        """`request`, with trading records in human units (exact decimal strings: "price": "144.95")."""
        return human_result(op, await self.request(op, **args))

    async def subscribe_view(self, stream: str, on_push: PushHandler, markets: list[str] | None = None) -> None:
        """`subscribe`, with each push's trading records in human units."""
        await self.subscribe(
            stream, lambda name, data: on_push(name, human_push(name, msgspec.to_builtins(data))), markets
        )

    async def ping(self) -> float:
        """Round-trip time of a `status` request, in seconds."""
        started = time.perf_counter()
        await self.request("status")
        return time.perf_counter() - started

    async def subscribe(self, stream: str, on_push: PushHandler, markets: list[str] | None = None) -> None:
        args: dict[str, Any] = {} if markets is None else {"markets": markets}
        self._push_handlers[stream] = on_push
        self._sub_args[stream] = args
        if self.connected:
            await self.request("subscribe", stream=stream, **args)

    async def unsubscribe(self, stream: str) -> None:
        self._push_handlers.pop(stream, None)
        self._sub_args.pop(stream, None)
        if self.connected:
            await self.request("unsubscribe", stream=stream)

    # -- reading ------------------------------------------------------------------------------
    async def _read_loop(self, ws: ClientConnection) -> None:
        reason = "the backend closed the connection"
        try:
            async for raw in ws:
                try:
                    self._dispatch(raw)
                except msgspec.DecodeError:
                    continue  # a message we cannot read must not end the session
        except _websockets().exceptions.ConnectionClosed as exc:
            reason = f"the backend connection closed ({exc.rcvd.reason if exc.rcvd else 'no close frame'})"
        finally:
            self.connected = False
            for fut in self._pending.values():
                _fail(fut, ApiError(ErrorCode.NOT_CONNECTED, reason))
            if self.on_state and not self._closing:
                self.on_state(False, reason)

    def _dispatch(self, raw: str | bytes) -> None:
        env = _envelope.decode(raw)
        if env.stream is not None:
            handler = self._push_handlers.get(env.stream)
            if handler is not None:
                handler(env.stream, _decode_push(env.stream, env.data))
            return
        if env.id is None:
            if env.error is not None and self.on_state:  # an unsolicited error, e.g. SLOW_CONSUMER
                self.on_state(self.connected, f"{env.error.code}: {env.error.message}")
            return
        fut = self._pending.get(env.id)
        if fut is None or fut.done():
            return
        if env.ok:
            fut.set_result(_any.decode(env.result))
        else:
            err = env.error or ErrorInfo(ErrorCode.INTERNAL, "error without details")
            _fail(fut, ApiError(err.code, err.message))


# -- finding or starting the backend ----------------------------------------------------------


SPAWNED_IDLE_EXIT_S = 30.0  # a backend a TUI started stops this long after its last client (no live alerts)


def spawn_backend(
    home: Path | None = None,
    *,
    idle_exit: float = SPAWNED_IDLE_EXIT_S,
    extra: list[str] | None = None,
    wait: float = 15.0,
) -> BackendRecord:
    """Start a detached backend for this home (logs to backend.log) and wait until it is recorded."""
    home = home or home_dir()
    existing = live_record(home)
    if existing is not None:
        return existing
    args = [sys.executable, "-m", "backend", "--idle-exit", str(idle_exit), "--log-file", str(home / "backend.log")]
    args += extra or []
    with os.fdopen(os.open(home / "backend.out", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab") as out:
        proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True, env=os.environ.copy()
        )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        record = live_record(home)
        if record is not None:
            return record
        code = proc.poll()
        if code is not None:
            # another process may have won the race for the home lock
            record = live_record(home)
            if record is not None:
                return record
            tail = (home / "backend.out").read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise ApiError(ErrorCode.NO_BACKEND, f"the backend exited with code {code}: {tail[0]}")
        time.sleep(0.02)
    raise ApiError(ErrorCode.NO_BACKEND, f"the backend did not start within {wait:g}s; see {home / 'backend.log'}")
