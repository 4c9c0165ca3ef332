"""Pyth prices from Hermes: REST snapshot, SSE stream (default) or WebSocket, reconnecting forever.

    GET  {hermes}/v2/updates/price/latest?ids[]=..&parsed=true   snapshot at start and once a new stream is open
    GET  {hermes}/v2/updates/price/stream?ids[]=..&parsed=true   SSE (httpx-sse), one `data:` JSON update per event
    WS   {hermes}/ws  {"type":"subscribe","ids":[..]} -> {"type":"price_update","price_feed":{..}}
    GET  {hermes}/v2/price_feeds?query=SOL&asset_type=crypto     search (`search_feeds`)

PYTH_API_KEY (if set) goes out as a bearer token and is never logged. Each update's binary payload
(the PNAU accumulator update, hex) is kept per market in `latest_binary` for posting on-chain.

Reconnects back off (backend.backoff, full jitter) and only prices from the stream itself reset
that backoff and make the source healthy: a REST snapshot that works while the stream does not
must not turn the reconnect loop into a tight one. The SSE `id:` is sent back as Last-Event-ID and
the server's `retry:` is the least delay before the next reconnect. While a fallback carries the
prices (`covered`), the reconnect delay is capped at `probe_s`, so failback is quick.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import logging
import math
import os
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
from httpx_sse import EventSource, aconnect_sse
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from backend.backoff import Backoff
from backend.domain.observations import PriceObservation
from backend.oracle.base import Emit, OracleSource
from backend.oracle.validate import Reject, Rejected
from programs.quantdesk_perp.markets import MARKETS, MARKETS_BY_FEED, MARKETS_BY_SYMBOL

log = logging.getLogger(__name__)

HERMES_URL = "https://hermes.pyth.network"
SLOT_EPOCH = 1_577_836_800
SLOT_SECONDS = 0.4
MAX_RETRY_AFTER_S = 300.0


# ---- wire shapes -----------------------------------------------------------------------------


class _PriceBlock(msgspec.Struct):
    price: str | int | float
    conf: str | int | float
    expo: int
    publish_time: int


class _Metadata(msgspec.Struct):
    slot: int | None = None


class _ParsedFeed(msgspec.Struct):
    id: str
    price: _PriceBlock
    ema_price: _PriceBlock | None = None
    metadata: _Metadata | None = None
    vaa: str | None = None  # WS only, base64


class _Binary(msgspec.Struct):
    data: list[str] = []
    encoding: str = "hex"


class _Update(msgspec.Struct):
    parsed: list[msgspec.Raw]
    binary: _Binary | None = None


class _WsMessage(msgspec.Struct):
    type: str
    price_feed: msgspec.Raw = msgspec.Raw(b"null")
    status: str | None = None
    error: str | None = None


_update_decoder = msgspec.json.Decoder(_Update)
_feed_decoder = msgspec.json.Decoder(_ParsedFeed)
_ws_decoder = msgspec.json.Decoder(_WsMessage)


def _decode(decoder: msgspec.json.Decoder, raw: bytes) -> Any:
    try:
        return decoder.decode(raw)
    except msgspec.ValidationError as exc:
        text = str(exc)
        reason = Reject.MISSING_FIELD if "missing required field" in text else Reject.BAD_NUMBER
        raise Rejected(reason, text) from None
    except msgspec.DecodeError as exc:
        text = str(exc)
        reason = Reject.TRUNCATED if "truncated" in text else Reject.BAD_JSON
        raise Rejected(reason, text) from None


def _to_int(value: str | int | float, what: str) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Rejected(Reject.NAN, f"{what} is {value}")
        if value.is_integer():
            return int(value)
        raise Rejected(Reject.BAD_NUMBER, f"{what} {value} is not an integer")
    text = value.strip().lower()
    if text in ("nan", "inf", "-inf", "+inf", "infinity", "-infinity"):
        raise Rejected(Reject.NAN, f"{what} is {value!r}")
    try:
        return int(text)
    except ValueError:
        raise Rejected(Reject.BAD_NUMBER, f"{what} {value!r} is not an integer") from None


def feed_to_observation(feed: _ParsedFeed, recv_ns: int, source: str = "pyth") -> PriceObservation:
    spec = MARKETS_BY_FEED.get(feed.id.lower().removeprefix("0x"))
    if spec is None:
        raise Rejected(Reject.UNKNOWN_FEED, f"feed id {feed.id[:80]}")
    p = feed.price
    price = _to_int(p.price, "price")
    ema = _to_int(feed.ema_price.price, "ema_price") if feed.ema_price is not None else price
    slot = (
        feed.metadata.slot
        if feed.metadata is not None and feed.metadata.slot is not None
        else int((p.publish_time - SLOT_EPOCH) / SLOT_SECONDS)
    )
    return PriceObservation(
        market=spec.symbol,
        price=price,
        conf=_to_int(p.conf, "conf"),
        expo=p.expo + spec.feed_expo_shift,  # e.g. BONK/USD priced per million for 1MBONK
        publish_time=p.publish_time,
        slot=slot,
        ema_price=ema,
        source=source,
        recv_ns=recv_ns,
    )


def parse_update(raw: bytes, recv_ns: int = 0) -> tuple[list[PriceObservation], list[Rejected], str | None]:
    """One Hermes update (SSE `data:` or REST latest body) -> (observations, per-feed rejects, binary hex).

    Raises Rejected when the message as a whole is unusable (bad JSON, truncated, no `parsed`).
    """
    update = _decode(_update_decoder, raw)
    observations: list[PriceObservation] = []
    rejects: list[Rejected] = []
    for item in update.parsed:
        try:
            observations.append(feed_to_observation(_decode(_feed_decoder, item), recv_ns))
        except Rejected as exc:
            rejects.append(exc)
    binary = update.binary.data[0] if update.binary is not None and update.binary.data else None
    return observations, rejects, binary


class RateLimited(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"HTTP 429, retry after {retry_after:.0f}s")
        self.retry_after = retry_after


class StreamRejected(Exception):
    """The server answered with an HTTP error status that is not a rate limit."""


def retry_after_seconds(value: str | None, default: float) -> float:
    """Retry-After as delta-seconds or an HTTP date; capped, never negative."""
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return default
    return min(MAX_RETRY_AFTER_S, max(0.0, seconds))


def _auth_headers(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


async def search_feeds(
    hermes_url: str = HERMES_URL, query: str = "", asset_type: str = "crypto", *, timeout: float = 10.0
) -> list[dict[str, Any]]:
    """Hermes' feed catalogue filtered by `query`, flattened; `market` names our market when we list it."""
    params = {"query": query, "asset_type": asset_type}
    async with httpx.AsyncClient(timeout=timeout, headers=_auth_headers(os.environ.get("PYTH_API_KEY"))) as client:
        response = await client.get(f"{hermes_url.rstrip('/')}/v2/price_feeds", params=params)
        response.raise_for_status()
        out = []
        for item in response.json():
            feed_id = str(item.get("id", "")).lower().removeprefix("0x")
            attrs = item.get("attributes", {}) or {}
            spec = MARKETS_BY_FEED.get(feed_id)
            out.append(
                {
                    "id": feed_id,
                    "symbol": attrs.get("symbol", ""),
                    "base": attrs.get("base", ""),
                    "quote_currency": attrs.get("quote_currency", ""),
                    "asset_type": attrs.get("asset_type", ""),
                    "description": attrs.get("description", ""),
                    "market": spec.symbol if spec else None,
                }
            )
        return out


class PythHermesSource(OracleSource):
    name = "pyth"
    fresh_after_s = 1.5

    def __init__(
        self,
        hermes_url: str = HERMES_URL,
        *,
        markets: list[str] | None = None,
        transport: str = "auto",
        ws_url: str | None = None,
        api_key: str | None = None,
        idle_timeout: float = 10.0,
        connect_timeout: float = 5.0,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        probe_s: float = 1.0,
        max_stream_s: float = 24 * 3600 - 300,
    ) -> None:
        super().__init__()
        self.hermes_url = hermes_url.rstrip("/")
        self.ws_url = ws_url or self.hermes_url.replace("https://", "wss://", 1).replace("http://", "ws://", 1) + "/ws"
        self.feed_ids = [MARKETS_BY_SYMBOL[s].pyth_feed_id for s in (markets or [m.symbol for m in MARKETS])]
        if transport not in ("auto", "sse", "ws"):
            raise ValueError(f"transport must be auto, sse or ws, not {transport!r}")
        self.transport = transport
        self._api_key = api_key if api_key is not None else os.environ.get("PYTH_API_KEY") or None
        self.idle_timeout = idle_timeout
        self.connect_timeout = connect_timeout
        self.backoff = Backoff(backoff_base, backoff_cap)
        self.probe_s = probe_s
        self.last_event_id = ""  # SSE `id:`, sent back on reconnect
        self.server_retry_s = 0.0  # SSE `retry:`, the least reconnect delay the server asked for
        self._last_failure = ""
        self._stream_body: _TailWatch | None = None
        self.max_stream_s = max_stream_s
        self.latest_binary: dict[str, str] = {}  # market -> hex of the latest update that carried it
        self.connects = 0
        self.messages = 0
        self.current_transport = "sse" if transport != "ws" else "ws"
        self.set_health("down", "connecting")

    def __repr__(self) -> str:  # never show the key
        return f"PythHermesSource({self.hermes_url!r}, transport={self.transport!r})"

    # -- the loop -----------------------------------------------------------------------------
    async def run(self, emit: Emit) -> None:
        timeout = httpx.Timeout(connect=self.connect_timeout, read=self.idle_timeout, write=5.0, pool=5.0)
        failures = 0
        async with httpx.AsyncClient(timeout=timeout, headers=_auth_headers(self._api_key)) as client:
            await self._snapshot(client, emit)  # prices at once at start; later ones follow an open stream
            while True:
                opened = time.monotonic()
                try:
                    if self.current_transport == "ws":
                        await self._stream_ws(emit)
                    else:
                        await self._stream_sse(client, emit)
                    lived = time.monotonic() - opened
                    if lived >= min(60.0, self.max_stream_s):  # the daily rollover: straight back in
                        log.info("pyth %s stream rolled over after %.0fs; reconnecting", self.current_transport, lived)
                        failures = 0
                        continue
                    raise ConnectionError("stream closed by the server")
                except asyncio.CancelledError:
                    raise
                except RateLimited as exc:
                    delay = max(exc.retry_after, self._reconnect_delay())
                    self.set_health("down", f"rate limited by Hermes (HTTP 429); retrying in {delay:.1f}s")
                except Exception as exc:  # network, protocol, idle timeout: all mean reconnect
                    failures += 1
                    delay = self._reconnect_delay()
                    if self.transport == "auto" and failures % 2 == 0:
                        self.current_transport = "ws" if self.current_transport == "sse" else "sse"
                    self.set_health("down", f"{_describe(exc)}; retrying in {delay:.1f}s")
                    self._log_failure(_describe(exc), delay)
                await asyncio.sleep(delay)

    @property
    def pending_event_bytes(self) -> int:
        """Bytes of an SSE event received but not yet complete (0 between events)."""
        return self._stream_body.cut_off if self._stream_body is not None else 0

    def _reconnect_delay(self) -> float:
        """The backoff's draw, capped at the probe interval while a fallback carries the prices."""
        delay = self.backoff.next(cap=self.probe_s if self.covered else None)
        return min(MAX_RETRY_AFTER_S, max(delay, self.server_retry_s))

    def _log_failure(self, what: str, delay: float) -> None:
        """One warning per kind of failure; the retries of the same failure are debug lines."""
        level = logging.DEBUG if what == self._last_failure else logging.WARNING
        self._last_failure = what
        log.log(level, "pyth: %s; retrying in %.1fs over %s", what, delay, self.current_transport)

    def _connected(self) -> None:
        """Prices arrived over the stream: only that makes the source healthy and resets the backoff."""
        if self.state != "healthy":
            self.set_health("healthy", f"streaming over {self.current_transport}")
            self.backoff.reset()
            self._last_failure = ""

    def _handle_update(self, raw: bytes, emit: Emit, recv_ns: int, *, streamed: bool = True) -> None:
        self.messages += 1
        try:
            observations, rejects, binary = parse_update(raw, recv_ns)
        except Rejected as exc:
            self.reject(exc.reason, exc.detail)
            return
        for rejected in rejects:
            self.reject(rejected.reason, rejected.detail)
        if observations and streamed:
            self._connected()
        elif observations and self.state == "down":  # real prices, but no stream yet: not healthy
            self.set_health("degraded", "snapshot only; the stream is connecting")
        for obs in observations:
            if binary is not None:
                self.latest_binary[obs.market] = binary
            emit(obs)

    async def _snapshot(self, client: httpx.AsyncClient, emit: Emit) -> None:
        """Fill the gap since the last stream; best effort, the stream that follows is what counts."""
        try:
            response = await client.get(f"{self.hermes_url}/v2/updates/price/latest", params=self._params())
            _check_status(response)
        except (httpx.HTTPError, StreamRejected, RateLimited) as exc:  # the stream's own attempt says what to do
            log.debug("pyth snapshot failed: %s", _describe(exc))
            return
        self._handle_update(response.content, emit, time.monotonic_ns(), streamed=False)

    def _params(self) -> tuple[tuple[str, str], ...]:
        return (*(("ids[]", i) for i in self.feed_ids), ("parsed", "true"))

    # -- SSE ----------------------------------------------------------------------------------
    async def _stream_sse(self, client: httpx.AsyncClient, emit: Emit) -> None:
        url = f"{self.hermes_url}/v2/updates/price/stream"
        deadline = time.monotonic() + self.max_stream_s
        resume_from = self.last_event_id.strip()  # a header value cannot carry edge spaces or non-ASCII
        usable = resume_from and resume_from.isascii() and resume_from.isprintable()
        headers = {"Last-Event-ID": resume_from} if usable else {}
        async with aconnect_sse(client, "GET", url, params=self._params(), headers=headers) as source:
            _check_status(source.response)
            self.connects += 1
            if self.connects > 1:
                await self._snapshot(client, emit)  # fill the gap, once the stream is really back
            body = self._stream_body = _TailWatch(source.response)
            try:
                async for event in EventSource(body).aiter_sse():  # type: ignore[arg-type]
                    if event.id:
                        self.last_event_id = event.id
                    if event.retry is not None:
                        self.server_retry_s = min(MAX_RETRY_AFTER_S, event.retry / 1000)
                    if event.data:  # an event with no data is not dispatched (SSE spec)
                        self._handle_update(event.data.encode(), emit, time.monotonic_ns())
                    if time.monotonic() > deadline:
                        return  # our own rollover: whatever follows in the buffer is not cut off
            except (httpx.HTTPError, OSError):
                if body.cut_off:  # the server went away in the middle of an event
                    self.reject(Reject.TRUNCATED, f"SSE frame cut off after {body.cut_off} bytes")
                raise
            if body.cut_off:
                self.reject(Reject.TRUNCATED, f"SSE frame cut off after {body.cut_off} bytes")

    # -- WebSocket ----------------------------------------------------------------------------
    async def _stream_ws(self, emit: Emit) -> None:
        deadline = time.monotonic() + self.max_stream_s
        async with ws_connect(
            self.ws_url,
            additional_headers=_auth_headers(self._api_key),
            open_timeout=self.connect_timeout,
            max_size=2**22,
            ping_interval=20,
        ) as ws:
            await ws.send(msgspec.json.encode({"type": "subscribe", "ids": self.feed_ids, "binary": True}))
            self.connects += 1
            if self.connects > 1:
                headers = _auth_headers(self._api_key)
                async with httpx.AsyncClient(timeout=self.connect_timeout, headers=headers) as rest:
                    await self._snapshot(rest, emit)
            while time.monotonic() < deadline:
                async with asyncio.timeout(self.idle_timeout):
                    raw = await ws.recv(decode=False)
                recv_ns = time.monotonic_ns()
                try:
                    msg = _decode(_ws_decoder, raw)
                    if msg.type == "response":
                        if msg.status == "error":
                            raise StreamRejected(f"Hermes refused the subscription: {msg.error}")
                        continue
                    if msg.type != "price_update":
                        continue
                    self.messages += 1
                    feed = _decode(_feed_decoder, msg.price_feed)
                    obs = feed_to_observation(feed, recv_ns)
                except Rejected as exc:
                    self.reject(exc.reason, exc.detail)
                    continue
                self._connected()
                if feed.vaa:
                    try:
                        self.latest_binary[obs.market] = base64.b64decode(feed.vaa).hex()
                    except ValueError:
                        pass
                emit(obs)


class _TailWatch:
    """The stream's text as httpx-sse reads it, noting an event the server cut off mid-way."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.headers = response.headers
        self._tail = ""  # text after the last blank line (event boundary)

    async def aiter_text(self) -> AsyncIterator[str]:
        async for text in self.response.aiter_text():
            tail = (self._tail + text).replace("\r\n", "\n").replace("\r", "\n")
            self._tail = tail.rsplit("\n\n", 1)[-1] if "\n\n" in tail else tail
            yield text

    @property
    def cut_off(self) -> int:
        """Bytes of an event that never ended (0 when the stream ended on an event boundary)."""
        tail = self._tail.strip("\n")
        return len(tail.encode()) if tail and not tail.startswith(":") else 0


def _check_status(response: httpx.Response) -> None:
    if response.status_code == 429:
        raise RateLimited(retry_after_seconds(response.headers.get("Retry-After"), 5.0))
    if response.status_code != 200:
        hint = " (check PYTH_API_KEY)" if response.status_code in (401, 403) else ""
        raise StreamRejected(f"Hermes answered HTTP {response.status_code}{hint}")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, httpx.ReadTimeout | TimeoutError):
        return "no data (idle timeout)"
    if isinstance(exc, httpx.ConnectError | ConnectionRefusedError):
        return "cannot connect to Hermes"
    if isinstance(exc, ConnectionClosed | httpx.RemoteProtocolError | httpx.ReadError | ConnectionError):
        return f"connection lost ({exc.__class__.__name__})"
    if isinstance(exc, InvalidHandshake | InvalidURI | StreamRejected):
        return str(exc)
    return f"{exc.__class__.__name__}: {str(exc)[:120]}"
