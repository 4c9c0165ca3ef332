"""The socket layer (`backend/api/connection.py`): several requests in one TCP read, fragments, size
limits, a close in the middle of a batch, reading paused under a flood, keepalive."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.client import ClientProtocol
from websockets.frames import Close, Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

import backend.api.connection as connection_module
from backend.api.protocol import MAX_MESSAGE_BYTES, PROTOCOL_VERSION
from backend.api.server import MAX_PIPELINED, ApiServer, Session
from backend.bus import Bus
from backend.metrics import Metrics
from tests.polling import wait_until

TOKEN = "t0ken"


class RawClient:
    """A WebSocket client that decides exactly which bytes go out in one write."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, protocol: ClientProtocol) -> None:
        self.reader, self.writer, self.protocol = reader, writer, protocol
        self.events: list[Frame] = []

    @classmethod
    async def open(cls, port: int) -> RawClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        protocol = ClientProtocol(parse_uri(f"ws://127.0.0.1:{port}/"), max_size=None)
        protocol.send_request(protocol.connect())
        client = cls(reader, writer, protocol)
        client.flush()
        while protocol.state.name == "CONNECTING":
            await client._read()
        return client

    def frames(self, *messages: object) -> bytes:
        """The frames of these messages (dicts as JSON text), masked as a client sends them, not yet written."""
        for message in messages:
            self.protocol.send_text(json.dumps(message).encode() if isinstance(message, dict) else message)  # type: ignore[arg-type]
        return b"".join(self.protocol.data_to_send())

    def flush(self) -> None:
        for data in self.protocol.data_to_send():
            if data:
                self.writer.write(data)

    async def _read(self) -> bool:
        data = await asyncio.wait_for(self.reader.read(65536), 5)
        if data:
            self.protocol.receive_data(data)
        else:
            self.protocol.receive_eof()
        for event in self.protocol.events_received():
            if isinstance(event, Frame):
                self.events.append(event)
            else:
                assert isinstance(event, Response) and event.status_code == 101
        self.flush()
        return bool(data)

    async def replies(self, n: int) -> list[dict]:
        while len(self._texts()) < n:
            if not await self._read():
                break
        texts = self._texts()
        return [json.loads(t) for t in texts[:n]]

    async def closed(self) -> Close:
        while await self._read():
            pass
        close = next(e for e in self.events if e.opcode is Opcode.CLOSE)
        return Close.parse(close.data)

    def _texts(self) -> list[bytes]:
        return [e.data for e in self.events if e.opcode is Opcode.TEXT]


HELLO = {"id": 0, "op": "hello", "args": {"token": TOKEN, "version": PROTOCOL_VERSION}}


async def start_server() -> tuple[ApiServer, int, list]:
    server = ApiServer(Bus(), Metrics(), TOKEN)
    log: list = []

    async def wait(session: Session, args: dict) -> dict:
        log.append(("start", args["n"]))
        await asyncio.sleep(args.get("s", 0))
        log.append(("end", args["n"]))
        return {"n": args["n"]}

    async def commit(session: Session, args: dict) -> dict:
        """Like an order: applied at once, then the connection is released while its commit is awaited."""
        log.append(("applied", args["n"]))
        session.release()
        await args_gate(args)
        return {"n": args["n"]}

    gates: dict[int, asyncio.Event] = {}

    async def args_gate(args: dict) -> None:
        if "gate" in args:
            await gates.setdefault(args["gate"], asyncio.Event()).wait()

    server.op("wait", wait)
    server.op("commit", commit)
    server.gates = gates  # type: ignore[attr-defined]
    port = await server.start("127.0.0.1", 0)
    return server, port, log


@pytest.fixture
async def api():
    """A started server (with the `wait` and `commit` ops above), its port and its log; stopped after."""
    server, port, log = await start_server()
    try:
        yield server, port, log
    finally:
        await server.stop()


async def test_three_requests_in_one_tcp_write_get_three_replies_in_order(api):
    _, port, log = api
    client = await RawClient.open(port)
    client.writer.write(
        client.frames(
            HELLO,
            {"id": 1, "op": "wait", "args": {"n": 1, "s": 0.05}},
            {"id": 2, "op": "wait", "args": {"n": 2}},
            {"id": 3, "op": "wait", "args": {"n": 3, "s": 0.01}},
        )
    )
    replies = await client.replies(4)
    assert [r["id"] for r in replies] == [0, 1, 2, 3]
    assert [r["result"] for r in replies[1:]] == [{"n": 1}, {"n": 2}, {"n": 3}]
    # none released the connection: each started after the one before had finished
    assert log == [("start", 1), ("end", 1), ("start", 2), ("end", 2), ("start", 3), ("end", 3)]


async def test_released_requests_overlap_their_waits_and_still_reply_in_order(api):
    server, port, log = api
    client = await RawClient.open(port)
    client.writer.write(
        client.frames(
            HELLO,
            {"id": 1, "op": "commit", "args": {"n": 1, "gate": 1}},
            {"id": 2, "op": "commit", "args": {"n": 2}},
            {"id": 3, "op": "commit", "args": {"n": 3}},
        )
    )
    await wait_until(lambda: len(log) == 3, what="all three applied while the first waits")
    assert log == [("applied", 1), ("applied", 2), ("applied", 3)]
    await asyncio.sleep(0.05)
    assert await client.replies(1) == [{"id": 0, "ok": True, "result": {"protocol": PROTOCOL_VERSION}}]
    assert client._texts()[1:] == []  # 2 and 3 are done, but their replies wait for 1's
    server.gates[1].set()  # type: ignore[attr-defined]
    replies = await client.replies(4)
    assert [r["id"] for r in replies] == [0, 1, 2, 3]


async def test_a_fragmented_message_is_reassembled(api):
    _, port, _ = api
    client = await RawClient.open(port)
    client.writer.write(client.frames(HELLO))
    text = json.dumps({"id": 1, "op": "wait", "args": {"n": 7}}).encode()
    client.protocol.send_text(text[:10], fin=False)
    client.protocol.send_continuation(text[10:20], fin=False)
    client.protocol.send_continuation(text[20:], fin=True)
    client.flush()
    assert [r.get("result") for r in await client.replies(2)][1] == {"n": 7}


async def test_a_message_over_the_size_limit_gets_a_reply_and_a_larger_frame_closes_with_1009(api):
    server, port, _ = api
    client = await RawClient.open(port)
    big = json.dumps({"id": 1, "op": "wait", "args": {"n": 1, "pad": "a" * (MAX_MESSAGE_BYTES + 1)}}).encode()
    client.writer.write(client.frames(HELLO, big))
    replies = await client.replies(2)
    assert replies[1]["error"]["code"] == "MESSAGE_TOO_LARGE"
    huge = b'{"id": 2, "pad": "' + b"a" * (MAX_MESSAGE_BYTES * 4) + b'"}'
    client.writer.write(client.frames(huge))
    close = await client.closed()
    assert close.code == 1009
    other = await RawClient.open(port)  # the server itself is unharmed
    other.writer.write(other.frames(HELLO, {"id": 1, "op": "wait", "args": {"n": 1}}))
    assert (await other.replies(2))[1] == {"id": 1, "ok": True, "result": {"n": 1}}


async def test_requests_sent_with_a_close_in_the_same_write_all_run(api):
    server, port, log = api
    client = await RawClient.open(port)
    batch = client.frames(HELLO, *({"id": n, "op": "commit", "args": {"n": n}} for n in (1, 2, 3)))
    client.protocol.send_close(1000)
    client.writer.write(batch + b"".join(client.protocol.data_to_send()))
    assert (await client.closed()).code == 1000
    client.writer.close()
    await wait_until(lambda: len(log) == 3, what="the three requests sent before the close")
    assert log == [("applied", 1), ("applied", 2), ("applied", 3)]
    await wait_until(lambda: not server.requests and not server.sessions, what="every request finished")


async def test_a_flood_on_one_connection_pauses_its_reading_and_is_served_in_order(api):
    server, port, log = api
    client = await RawClient.open(port)
    count = MAX_PIPELINED * 4
    client.writer.write(
        client.frames(HELLO, *({"id": n, "op": "commit", "args": {"n": n, "gate": 1}} for n in range(1, count + 1)))
    )
    (session,) = await wait_until(lambda: server.sessions, what="the session")
    await wait_until(lambda: len(session.in_flight) == MAX_PIPELINED, what="a full pipeline")
    await asyncio.sleep(0.05)
    assert len(session.in_flight) == MAX_PIPELINED and len(log) == MAX_PIPELINED
    assert session.reading_paused
    server.gates[1].set()  # type: ignore[attr-defined]
    replies = await client.replies(count + 1)
    assert [r["id"] for r in replies] == list(range(count + 1))
    assert not session.reading_paused


async def test_a_client_that_never_answers_pings_is_closed(monkeypatch):
    monkeypatch.setattr(connection_module, "PING_INTERVAL_S", 0.1)
    server, port, _ = await start_server()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        protocol = ClientProtocol(parse_uri(f"ws://127.0.0.1:{port}/"))
        protocol.send_request(protocol.connect())
        writer.write(b"".join(protocol.data_to_send()))
        received = b""
        while True:  # read, never answer (the pong would be in data_to_send)
            data = await asyncio.wait_for(reader.read(65536), 5)
            if not data:
                break
            received += data
        protocol.receive_data(received)
        events = protocol.events_received()
        pings = [e for e in events if isinstance(e, Frame) and e.opcode is Opcode.PING]
        close = next(e for e in events if isinstance(e, Frame) and e.opcode is Opcode.CLOSE)
        assert len(pings) == 1 and Close.parse(close.data).code == 1011
        writer.close()
    finally:
        await server.stop()


def test_a_text_frame_is_built_as_the_library_builds_it():
    from websockets.protocol import OPEN
    from websockets.server import ServerProtocol

    from backend.api.framing import FastServerProtocol

    for size in (0, 1, 125, 126, 127, 65_535, 65_536, 70_000):
        payload = b"x" * size
        fast, reference = FastServerProtocol(state=OPEN), ServerProtocol(state=OPEN)
        fast.send_text(payload)
        reference.send_text(payload)
        assert b"".join(fast.data_to_send()) == b"".join(reference.data_to_send()), size
    fragmented = FastServerProtocol(state=OPEN)
    fragmented.send_text(b"ab", fin=False)
    assert b"".join(fragmented.data_to_send()) == b"\x01\x02ab"  # not final: the library's path
