"""A fake Pyth Hermes: REST (latest, price_feeds, TradingView history shim), SSE stream and WebSocket.

    fake = FakeHermes(); await fake.start()
    fake.set_price("SOL-PERP", 150.0)        # what the next updates carry
    fake.mode = "stall" | "garbage" | "429" | "ok"
    fake.stream_status = 503                  # the SSE endpoint refuses (REST keeps answering)
    fake.inject('{"parsed": [...]}')          # one raw SSE data payload into every open stream
    fake.drop(); await fake.stop(); await fake.start()   # same port again

HTTP/SSE are served on `fake.url`, the WebSocket on `fake.ws_url` (a second port).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from programs.quantdesk_perp.markets import MARKETS, MARKETS_BY_SYMBOL

from .http import HttpRequest, MiniHttpServer, respond, start_stream

DEFAULT_PRICES = {
    "SOL-PERP": 150.0,
    "BTC-PERP": 97_000.0,
    "ETH-PERP": 3_400.0,
    "JUP-PERP": 0.9,
    "1MBONK-PERP": 0.000025,
    "WIF-PERP": 2.1,
}  # feed units: BONK/USD


@dataclass(slots=True)
class FakeFeed:
    feed_id: str
    price: float
    expo: int
    conf_bps: float = 2.0
    publish_time: int = 0


class FakeHermes:
    def __init__(self, *, interval: float = 0.05, markets: list[str] | None = None) -> None:
        self.interval = interval
        symbols = markets or [m.symbol for m in MARKETS]
        self.feeds: dict[str, FakeFeed] = {
            MARKETS_BY_SYMBOL[s].pyth_feed_id: FakeFeed(
                MARKETS_BY_SYMBOL[s].pyth_feed_id, DEFAULT_PRICES[s], -10 if s == "1MBONK-PERP" else -8
            )
            for s in symbols
        }
        self.mode = "ok"  # ok | stall | garbage | 429
        self.retry_after = 1
        self.time_offset = 0  # seconds added to publish_time (stale: negative, future: positive)
        self.stream_lifetime: float | None = None  # close SSE streams after this long (24h rollover)
        self.stream_status = 200  # anything else: the stream endpoint answers with this status
        self.stream_refusals = 0
        self.http = MiniHttpServer(self._handle)
        self.ws_port = 0
        self._ws_server: Server | None = None
        self._streams: set[asyncio.Queue[bytes | None]] = set()
        self._ws_conns: set[ServerConnection] = set()
        self.sse_connections = 0
        self.ws_connections = 0
        self.updates_sent = 0
        self.latest_requests = 0

    # -- control ------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.http.url

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.ws_port}/ws"

    def set_price(self, market: str, price: float) -> None:
        self.feeds[MARKETS_BY_SYMBOL[market].pyth_feed_id].price = price

    def inject(self, payload: str | bytes, *, raw: bool = False) -> None:
        """Send one SSE event (`data: payload`) to every open stream; raw=True sends bytes as they are."""
        data = payload.encode() if isinstance(payload, str) else payload
        frame = data if raw else b"data:" + data + b"\n\n"
        for q in self._streams:
            q.put_nowait(frame)

    def drop(self) -> None:
        for q in self._streams:
            q.put_nowait(None)
        self.http.drop()
        for ws in list(self._ws_conns):
            ws.transport.abort()

    async def start(self) -> None:
        await self.http.start()
        self._ws_server = await serve(self._ws_handler, "127.0.0.1", self.ws_port)
        self.ws_port = next(iter(self._ws_server.sockets)).getsockname()[1]

    async def stop(self) -> None:
        self.drop()
        await self.http.stop()
        if self._ws_server is not None:
            self._ws_server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._ws_server.wait_closed(), 2)
            self._ws_server = None

    async def __aenter__(self) -> FakeHermes:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- payloads -----------------------------------------------------------------------------
    def price_feed(self, feed: FakeFeed) -> dict[str, Any]:
        now = int(time.time()) + self.time_offset
        feed.publish_time = max(feed.publish_time, now)
        scale = 10.0**-feed.expo
        price = round(feed.price * scale)
        conf = max(1, round(feed.price * feed.conf_bps * 1e-4 * scale))
        block = {"price": str(price), "conf": str(conf), "expo": feed.expo, "publish_time": feed.publish_time}
        return {
            "id": feed.feed_id,
            "price": block,
            "ema_price": dict(block),
            "metadata": {
                "slot": 300_000_000 + feed.publish_time,
                "proof_available_time": feed.publish_time,
                "prev_publish_time": feed.publish_time - 1,
            },
        }

    def update(self, ids: list[str] | None = None) -> dict[str, Any]:
        feeds = [f for f in self.feeds.values() if ids is None or f.feed_id in ids]
        parsed = [self.price_feed(f) for f in feeds]
        binary = "504e4155" + "".join(f"{p['id'][:8]}{int(p['price']['price']):016x}" for p in parsed)
        return {"binary": {"encoding": "hex", "data": [binary]}, "parsed": parsed}

    # -- HTTP ---------------------------------------------------------------------------------
    async def _handle(self, req: HttpRequest) -> None:
        if self.mode == "429":
            await respond(req, 429, {"error": "rate limited"}, headers={"Retry-After": str(self.retry_after)})
            return
        ids = [i.removeprefix("0x") for i in req.query.get("ids[]", [])] or None
        if req.path == "/v2/updates/price/latest":
            self.latest_requests += 1
            if self.mode == "stall":
                await asyncio.sleep(3600)
            if self.mode == "garbage":
                await respond(req, 200, b"{not json")
                return
            await respond(req, 200, self.update(ids))
        elif req.path == "/v2/updates/price/stream":
            if self.stream_status != 200:
                self.stream_refusals += 1
                await respond(req, self.stream_status, {"error": "unavailable"})
                return
            await self._sse(req, ids)
        elif req.path == "/v2/price_feeds":
            await respond(req, 200, self._search(req.query.get("query", [""])[0]))
        elif req.path == "/v1/shims/tradingview/history":
            await respond(req, 200, self._history(req.query))
        else:
            await respond(req, 404, {"error": "not found"})

    async def _sse(self, req: HttpRequest, ids: list[str] | None) -> None:
        self.sse_connections += 1
        await start_stream(req)
        q: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._streams.add(q)
        opened = time.monotonic()
        try:
            while True:
                if self.stream_lifetime is not None and time.monotonic() - opened > self.stream_lifetime:
                    return
                try:
                    frame = await asyncio.wait_for(q.get(), self.interval)
                except TimeoutError:
                    frame = self._tick_frame(ids)
                if frame is None:
                    return
                if frame:
                    req.writer.write(frame)
                    await req.writer.drain()
        except (ConnectionError, RuntimeError):
            pass
        finally:
            self._streams.discard(q)
            req.writer.transport.abort()

    def _tick_frame(self, ids: list[str] | None) -> bytes:
        if self.mode == "stall":
            return b""
        if self.mode == "garbage":
            return b"data: \x00garbage{{\n\n"
        self.updates_sent += 1
        return b"data:" + json.dumps(self.update(ids)).encode() + b"\n\n"

    def _search(self, query: str) -> list[dict[str, Any]]:
        out = []
        for spec in MARKETS:
            if query.upper() in spec.base:
                out.append(
                    {
                        "id": spec.pyth_feed_id,
                        "attributes": {
                            "asset_type": "Crypto",
                            "base": spec.base,
                            "quote_currency": "USD",
                            "symbol": f"Crypto.{spec.base}/USD",
                            "generic_symbol": f"{spec.base}USD",
                            "description": f"{spec.base} / US DOLLAR",
                        },
                    }
                )
        return out

    def _history(self, query: dict[str, list[str]]) -> dict[str, Any]:
        symbol = query["symbol"][0]  # Crypto.SOL/USD
        base = symbol.split(".", 1)[1].split("/", 1)[0]
        resolution = query["resolution"][0]
        step = {"1": 60, "5": 300, "60": 3600, "240": 14400, "1D": 86400, "D": 86400}[resolution]
        start, end = int(query["from"][0]), int(query["to"][0])
        start -= start % step
        price = DEFAULT_PRICES.get(f"{base}-PERP", 1.0)
        t, o, h, lo, c, v = [], [], [], [], [], []
        for ts in range(start, end, step):
            mid = price * (1 + 0.01 * math.sin(ts / 3600))
            t.append(ts), o.append(mid), h.append(mid * 1.001), lo.append(mid * 0.999), c.append(mid), v.append(0)
        if not t:
            return {"s": "no_data"}
        return {"s": "ok", "t": t, "o": o, "h": h, "l": lo, "c": c, "v": v}

    # -- WebSocket ----------------------------------------------------------------------------
    async def _ws_handler(self, ws: ServerConnection) -> None:
        self.ws_connections += 1
        self._ws_conns.add(ws)
        ids: list[str] = []
        try:
            while True:
                try:
                    raw = await asyncio.wait_for(ws.recv(), self.interval if ids else None)
                    msg = json.loads(raw)
                    if msg.get("type") == "subscribe":
                        ids = [i.removeprefix("0x") for i in msg.get("ids", [])]
                        await ws.send(json.dumps({"type": "response", "status": "success"}))
                    continue
                except TimeoutError:
                    pass
                if self.mode == "stall":
                    continue
                if self.mode == "garbage":
                    await ws.send("{garbage")
                    continue
                for feed_id in ids:
                    feed = self.feeds.get(feed_id)
                    if feed is not None:
                        pf = self.price_feed(feed)
                        pf["vaa"] = "UE5BVQ=="
                        await ws.send(json.dumps({"type": "price_update", "price_feed": pf}))
                        self.updates_sent += 1
        except ConnectionClosed:
            pass
        finally:
            self._ws_conns.discard(ws)
