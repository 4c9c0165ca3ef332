"""The first screen's data, fetched on a thread over a plain socket while Textual starts.

The app's own connection (asyncio, `backend.client`) runs on Textual's event loop, which is busy
composing and styling the first screen for most of the start; its handshake, subscriptions and
reference requests wait for the loop between those steps. This thread asks the backend of this
home for what the first frame shows — the markets, the focused market's quote, book and candles —
at once, so the panes fill from it on the first frames. The app's connection then takes over.
`quantdesk` starts it first thing, before importing Textual and the app: the connection, the handshake
and the market list overlap those imports; the focused market's requests follow once the app says
which market that is (`focus`). It makes one only for a live backend recorded in this home (not with
`--connect`, nor when it must spawn one); it is best effort: any failure leaves the snapshot empty,
and the app's own connection, started after the first paint, fills the screen as it would have.
"""

from __future__ import annotations

import threading
from typing import Any

from quantdesk_tui.cli_thin import PROTOCOL_VERSION, Session
from quantdesk_tui.wire import WebSocket, WireError

CONNECT_TIMEOUT_S = 3.0
CANDLE_LIMIT = 300  # as BackendFeed.load_candles
FETCH_ORDER = ("markets", "quote", "book", "candles")  # the price's first, before the book and candles
FOCUS_TIMEOUT_S = 10.0  # how long the connected thread waits for the app to name the market


class FirstSnapshot:
    def __init__(self, backend: tuple[str, str]) -> None:
        self.backend = backend  # (url, token)
        self.requests: dict[str, tuple[str, dict[str, Any]]] = {"markets": ("markets.list", {})}
        self.market, self.timeframe = "", ""
        self.replies: dict[str, Any] = {}  # name -> result, for the requests that succeeded
        self._arrived = threading.Condition()  # notified at each reply and when the thread ends
        self._focused = threading.Event()  # the focused market's requests are in `requests`
        self._done = False
        self._thread = threading.Thread(target=self._run, name="first-snapshot", daemon=True)

    def focus(self, market: str, timeframe: str, indicators: list[str]) -> FirstSnapshot:
        """The focused market's quote, book and candles, asked after the market list (call it once)."""
        self.market, self.timeframe = market, timeframe
        self.requests.update(
            quote=("quote", {"market": market}),
            book=("book", {"market": market, "depth": 16}),
            candles=("candles", {"market": market, "tf": timeframe, "limit": CANDLE_LIMIT, "indicators": indicators}),
        )
        self._focused.set()
        return self

    def start(self) -> FirstSnapshot:
        self._thread.start()
        return self

    def wait(self, timeout: float, names: tuple[str, ...] | None = None) -> dict[str, Any]:
        """The replies so far, after waiting up to `timeout` for those in `names` (all when None) or the
        end of the fetch, whichever comes first (call it off the event loop)."""
        wanted = tuple(self.requests) if names is None else names
        with self._arrived:
            self._arrived.wait_for(lambda: self._done or all(n in self.replies for n in wanted), timeout)
            return dict(self.replies)

    def _run(self) -> None:
        try:
            self._fetch()
        finally:
            with self._arrived:
                self._done = True
                self._arrived.notify_all()

    def _fetch(self) -> None:
        url, token = self.backend
        try:
            ws = WebSocket.connect(url, CONNECT_TIMEOUT_S)
        except WireError:
            return
        try:
            session = Session(ws)
            hello = {"token": token, "version": PROTOCOL_VERSION, "client": "tui:first-snapshot"}
            if not session.call("hello", hello).get("ok"):
                return
            for name in FETCH_ORDER:
                if name != "markets" and not self._focused.wait(FOCUS_TIMEOUT_S):
                    return
                op, args = self.requests[name]
                reply = session.call(op, args)
                if reply.get("ok"):
                    with self._arrived:
                        self.replies[name] = reply.get("result")
                        self._arrived.notify_all()
        except WireError:
            return
        finally:
            ws.close()
