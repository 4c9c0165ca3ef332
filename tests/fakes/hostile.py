"""A seeded generator of hostile API messages and a runner that feeds them to a live in-process backend.

Shared by the fuzz test (`tests/backend/api/test_fuzz.py`, ~10k messages) and `python -m bench fuzz`
(as many as asked). Messages go straight into `ApiServer._on_message` through a session whose
socket only records what is sent, so the whole server path runs (decode, hello, rate limit,
dispatch, every op's validation, the venue and the store) without the cost of a socket.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from backend.api.protocol import PROTOCOL_VERSION
from backend.api.ratelimit import TokenBucket
from backend.api.server import Session
from websockets.protocol import State as WsState
from backend.app import Backend, BackendConfig
from programs.quantdesk_perp.state import state_to_bytes

STABLE_CODE = re.compile(r"[A-Z][A-Z0-9_]{2,40}")
NOT_FUZZED = {"stop"}  # it shuts the backend down, by design, for any caller with the token
HUGE_INTS = [2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**70, 10**30, -(2**63) - 1, -(2**64), -1, 0, 1, 65_535, 65_536]
HOSTILE_TEXT = [
    "",
    " ",
    "1_0",
    "١",
    "１",
    "+1",
    "-1",
    "1e0",
    "1E5",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "0",
    "0.0",
    "1.2.3",
    ".",
    "1.",
    ".5",
    " 1",
    "1 ",
    "1\n",
    "0x10",
    "1,5",
    "\x00",
    "∞",
    "½",
    "٣.٥",
    "𝟙",
    "1" * 41,
    "9" * 30,
    "0." + "0" * 30 + "1",
    "SOL-PERP",
    "sol",
    "DOGE-PERP",
    "buy",
    "sell",
    "market",
    "limit",
    "gtd",
    "usd",
    "base",
    "USDC",
    "SOL",
    "BTC",
    "<script>",
    "'; DROP TABLE orders; --",
    "ﷺ" * 50,
    "\u202e1",
    "\U0001f680",
    "null",
    "true",
    "{}",
    "[]",
    "%s%n",
    "../../etc/passwd",
]
RAW_GARBAGE = [
    b"",
    b"{",
    b"}",
    b"[]",
    b"null",
    b"42",
    b'"hello"',
    b"\xff\xfe\xfd",
    b"\x00" * 16,
    b'{"id": 1, "op": "\xff"}',
    b'{"id": NaN, "op": "status"}',
    b'{"id": 1e400, "op": "status"}',
    b'{"id": 1, "op": "status", "args": [}',
    b'{"id": 1, "op": "status", "args": {"a": "\\ud800"}}',
    b'{"id": 1, "op": "status"',
    b'{"id": 1, "op": "status", "args": {"x": Infinity}}',
    b'\xef\xbb\xbf{"id": 1, "op": "status"}',
]


def _deep(levels: int, opener: str, closer: str) -> str:
    return opener * levels + closer * levels


class HostileMessages:
    """Seeded: the same seed gives the same messages, so a failure can be replayed exactly."""

    def __init__(self, seed: int, ops: list[str], templates: dict[str, dict[str, Any]]) -> None:
        self.rng = random.Random(seed)
        self.ops = [op for op in ops if op not in NOT_FUZZED]
        self.templates = templates
        self.next_id = 1

    def value(self, depth: int = 0) -> Any:
        rng = self.rng
        kind = rng.randrange(10)
        if kind == 0:
            return rng.choice(HUGE_INTS)
        if kind == 1:
            return rng.choice([1e308, -1e308, 1.5, -0.0, 2.5e-308, 0.1, 3.0])
        if kind in (2, 3, 4):
            return rng.choice(HOSTILE_TEXT)
        if kind == 5:
            return rng.choice([True, False, None])
        if kind == 6 and depth < 3:
            return [self.value(depth + 1) for _ in range(rng.randrange(4))]
        if kind == 7 and depth < 3:
            return {rng.choice(HOSTILE_TEXT): self.value(depth + 1) for _ in range(rng.randrange(3))}
        if kind == 8:
            return rng.randint(-(10**6), 10**6)
        return "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(rng.randrange(1, 12)))

    def like(self, old: Any) -> Any:
        """Mostly a hostile value of the same type, so validation past the type check is reached."""
        rng = self.rng
        if rng.random() < 0.3:
            return self.value()
        if isinstance(old, bool):
            return not old
        if isinstance(old, int):
            return rng.choice(HUGE_INTS + [old + 1, old * 1000, 86_400 * 365])
        if isinstance(old, str):
            if rng.random() < 0.3 and old.replace(".", "").isdigit():  # a near-valid number
                return rng.choice(
                    [
                        old + "0",
                        "0" + old,
                        old + ".0001",
                        old + "00",
                        old + "_0",
                        "-" + old,
                        "+" + old,
                        old + "e0",
                        old.replace(".", ","),
                    ]
                )
            return rng.choice(HOSTILE_TEXT)
        return self.value()

    def args(self, op: str) -> Any:
        rng = self.rng
        template = self.templates.get(op)
        if template is None or rng.random() < 0.25:
            return {
                rng.choice(HOSTILE_TEXT + ["market", "size", "price", "id", "amount"]): self.value()
                for _ in range(rng.randrange(1, 4))
            }
        args = dict(template)
        if rng.random() < 0.15:
            return args  # some valid requests, so refusals are also tried against resting orders and positions
        for _ in range(rng.randrange(1, 3)):
            action = rng.randrange(6)
            if action <= 3 and args:
                key = rng.choice(list(args))
                args[key] = self.like(args[key])
            elif action == 4 and args:
                args.pop(rng.choice(list(args)))
            else:
                key, sample = rng.choice(
                    [
                        ("trail", "1"),
                        ("trail_pct", "1"),
                        ("trigger", "150"),
                        ("tp", "150"),
                        ("sl", "150"),
                        ("expire", 1),
                        ("client_id", 1),
                        ("bogus", 1),
                        ("price", "150"),
                        ("display", "1"),
                        ("duration", 60),
                        ("tif", "gtc"),
                        ("sub_account", 0),
                        ("reduce_only", False),
                        ("size_in", "base"),
                    ]
                )
                args[key] = self.like(sample)
        return args

    def message(self) -> str | bytes:
        """One hostile frame: text or binary, well-formed or not."""
        rng = self.rng
        self.next_id += 1
        roll = rng.random()
        if roll < 0.04:
            return rng.choice(RAW_GARBAGE)
        if roll < 0.06:
            return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
        if roll < 0.07:
            levels = rng.choice([40, 1000, 5000])
            return f'{{"id": {self.next_id}, "op": "order.place", "args": {{"size": {_deep(levels, "[", "]")}}}}}'
        if roll < 0.075:
            return f'{{"id": {self.next_id}, "op": "status", "args": {{"pad": "{"x" * 70_000}"}}}}'
        op = rng.choice(self.ops) if rng.random() < 0.95 else rng.choice(HOSTILE_TEXT)
        envelope: dict[str, Any] = {"id": self.next_id, "op": op, "args": self.args(op)}
        if rng.random() < 0.05:
            mutation = rng.randrange(5)
            if mutation == 0:
                envelope["id"] = self.value()
            elif mutation == 1:
                envelope.pop("op")
            elif mutation == 2:
                envelope["args"] = self.value()
            elif mutation == 3:
                envelope["extra"] = self.value()
            else:
                envelope.pop("id")
        text = json.dumps(envelope, ensure_ascii=rng.random() < 0.5)
        if rng.random() < 0.1:
            return text.encode("utf-8", "surrogatepass")  # a binary frame of the same JSON
        return text


class RecordingSocket:
    """Stands in for the WebSocket: keeps the text of every message the server sends, closes on request.

    It offers what `Session` uses of a websockets connection: its sans-I/O protocol (state, send_text,
    data_to_send), the transport and flow control; messages are recorded when the session flushes
    them, one loop turn after it sent them."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.closed: tuple[int, str] | None = None
        self.protocol = self  # send_text records at once, so nothing is left for the transport
        self.transport = self
        self.state = WsState.OPEN
        self.paused = False

    def send_text(self, data: bytes) -> None:
        self.sent.append(data.decode())

    def data_to_send(self) -> list[bytes]:
        return []

    def write(self, data: bytes) -> None:
        assert data == b""

    async def send(self, message: bytes, text: bool = False) -> None:
        self.sent.append(message.decode())

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed = (code, reason)
        self.state = WsState.CLOSED


@dataclass
class FuzzReport:
    messages: int = 0
    refused: int = 0
    accepted: int = 0
    codes: Counter[str] = field(default_factory=Counter)
    by_op: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


def venue_digest(backend: Any) -> tuple[str, int, str]:
    """Engine state, journal position and trading state: what a refusal must leave as it was."""
    venue = backend.services.venue
    return (hashlib.sha1(state_to_bytes(venue.state)).hexdigest(), venue.seq, str(backend.services.risk_state.state))


async def authed_session(backend: Any) -> Session:
    session = Session(backend.api, RecordingSocket())  # type: ignore[arg-type]
    session.bucket = TokenBucket(1e12, 1e12)  # the fuzz is about validation, not the per-connection rate
    await backend.api._on_message(
        session,
        json.dumps(
            {"id": 0, "op": "hello", "args": {"token": backend.token, "version": PROTOCOL_VERSION, "client": "fuzz"}}
        ),
    )
    await asyncio.sleep(0)  # the reply leaves once the loop turn is over
    assert session.authed, session.ws.sent
    session.ws.sent.clear()
    return session


async def run_fuzz(backend: Any, messages: HostileMessages, count: int) -> FuzzReport:
    """Send `count` hostile messages; every reply must carry a stable code, never INTERNAL, and a
    refusal must leave the engine state, journal and trading state exactly as they were."""
    report = FuzzReport()
    session = await authed_session(backend)
    socket: RecordingSocket = session.ws  # type: ignore[assignment]
    for _ in range(count):
        raw = messages.message()
        before = venue_digest(backend)
        socket.sent.clear()
        await backend.api._on_message(session, raw)
        await asyncio.sleep(0)  # the reply leaves once the loop turn is over
        replies = [r for r in map(json.loads, socket.sent) if "stream" not in r]
        report.messages += 1
        if len(replies) != 1:
            report.problems.append(f"{len(replies)} replies to {raw[:200]!r}")
            continue
        reply = replies[0]
        if reply.get("ok"):
            report.accepted += 1
            report.by_op[_op_of(raw)] += 1
            await backend.services.venue.store.write(lambda conn: None)  # let the commit land before the next digest
            continue
        report.refused += 1
        code = reply.get("error", {}).get("code", "")
        report.codes[code] += 1
        if code == "INTERNAL" or not STABLE_CODE.fullmatch(code):
            report.problems.append(f"code {code!r} for {raw[:200]!r}: {reply}")
        after = venue_digest(backend)
        if after != before:
            report.problems.append(f"state changed on refusal {code} of {raw[:200]!r}")
    return report


def _op_of(raw: str | bytes) -> str:
    try:
        return str(json.loads(raw).get("op"))
    except (ValueError, AttributeError):
        return "?"


def templates_for(oracle_price: float) -> dict[str, dict[str, Any]]:
    """Valid arguments for the ops that change state, around the live SOL price, for mutation."""
    near = f"{oracle_price:.2f}"
    below, above = f"{oracle_price * 0.97:.2f}", f"{oracle_price * 1.03:.2f}"
    return {
        "order.place": {"market": "SOL-PERP", "side": "buy", "size": "0.1", "type": "limit", "price": below},
        "order.preview": {"market": "SOL-PERP", "side": "sell", "size": "0.1", "type": "limit", "price": above},
        "order.twap": {"market": "SOL-PERP", "side": "buy", "size": "0.2", "duration": 60, "interval": 10},
        "order.iceberg": {"market": "SOL-PERP", "side": "sell", "size": "0.4", "display": "0.1", "price": above},
        "order.oco": {"market": "SOL-PERP", "side": "sell", "size": "0.1", "tp": above, "sl": below},
        "order.modify": {"order_id": 1, "price": near},
        "order.cancel": {"order_id": 1},
        "account.deposit": {"amount": "10", "asset": "USDC"},
        "account.withdraw": {"amount": "1", "asset": "USDC"},
        "account.create": {"sub_account": 3},
        "alert.add": {"kind": "price_above", "market": "SOL-PERP", "level": above},
        "admin.update_market": {"market": "SOL-PERP", "params": {"taker_fee": 500}},
        "admin.insurance_deposit": {"amount": "5"},
        "subscribe": {"stream": "orders"},
        "candles": {"market": "SOL-PERP", "tf": "1m"},
        "book": {"market": "SOL-PERP", "depth": 5},
        "quote": {"market": "SOL-PERP"},
    }


async def quiet_backend(home) -> tuple[Backend, asyncio.Task[None]]:
    """A real backend in-process with prices in every market, then no clock-driven work: the oracle
    and the keeper stop, so only the fuzzed messages can change the state."""
    backend = Backend(BackendConfig(home=home, tick_rate=400.0, seed=11))
    task = asyncio.create_task(backend.run())
    for _ in range(3000):
        if backend.url and backend.services.venue.oracle_price(0) and len(backend.services.venue.state.markets) >= 3:
            break
        await asyncio.sleep(0.01)
    await backend.oracle.stop()
    if backend.services.venue._keeper is not None:
        backend.services.venue._keeper.cancel()
    backend.services.trading.limits.submit_rate_per_s = 1e12
    await backend.services.store.write(lambda conn: None)
    return backend, task
