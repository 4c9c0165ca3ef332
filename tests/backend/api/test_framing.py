"""The fast framing path gives exactly what websockets' own ServerProtocol gives, byte for byte."""

from __future__ import annotations

import pytest
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import OPEN, Protocol, Side
from websockets.server import ServerProtocol
from websockets.uri import parse_uri

from backend.api.framing import FastServerProtocol

MAX_SIZE = 1_000


def client_bytes(*frames: Frame) -> bytes:
    client = Protocol(Side.CLIENT, state=OPEN)
    for frame in frames:
        client.send_frame(frame)
    return b"".join(client.data_to_send())


def outcome(protocol: ServerProtocol, stream: bytes, chunk: int) -> tuple:
    events: list[tuple] = []
    for i in range(0, len(stream), chunk):
        protocol.receive_data(stream[i : i + chunk])
        events += [(e.opcode, bytes(e.data), e.fin) for e in protocol.events_received()]
    close = protocol.close_sent
    return events, b"".join(protocol.data_to_send()), protocol.state, close.code if close else None


def both(stream: bytes, chunk: int) -> tuple[tuple, tuple]:
    fast = outcome(FastServerProtocol(state=OPEN, max_size=MAX_SIZE), stream, chunk)
    reference = outcome(ServerProtocol(state=OPEN, max_size=MAX_SIZE), stream, chunk)
    return fast, reference


MIXED = client_bytes(
    Frame(Opcode.TEXT, b'{"id": 1}'),
    Frame(Opcode.PING, b"are you there"),
    Frame(Opcode.BINARY, b"\x00\x01" * 100),  # 200 bytes: a 2-byte length
    Frame(Opcode.TEXT, b'{"id": ', fin=False),
    Frame(Opcode.PONG, b""),  # a control frame inside a fragmented message
    Frame(Opcode.CONT, b"2}", fin=True),
    Frame(Opcode.TEXT, b""),
    Frame(Opcode.TEXT, b"x" * MAX_SIZE),
    Frame(Opcode.CLOSE, b"\x03\xe8bye"),
    Frame(Opcode.TEXT, b"after the close"),
)


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1_000_000])
def test_a_mixed_stream_in_any_cut_gives_the_librarys_events_replies_and_close(chunk):
    fast, reference = both(MIXED, chunk)
    assert fast == reference
    events, sent, state, code = fast
    assert [opcode for opcode, _, _ in events] == [
        Opcode.TEXT,
        Opcode.PING,
        Opcode.BINARY,
        Opcode.TEXT,
        Opcode.PONG,
        Opcode.CONT,
        Opcode.TEXT,
        Opcode.TEXT,
        Opcode.CLOSE,
    ]
    assert code == 1000 and sent.startswith(b"\x8a\x0dare you there")  # the pong, then the close echoed


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (client_bytes(Frame(Opcode.TEXT, b"x" * (MAX_SIZE + 1))), 1009),
        (b"\xc1\x81\x00\x00\x00\x00x", 1002),  # reserved bit 1 set, no extension negotiated
        (client_bytes(Frame(Opcode.CONT, b"x")), 1002),  # a continuation with nothing to continue
    ],
    ids=["too-large", "reserved-bit", "stray-continuation"],  # stable: the client frames' masks are random
)
def test_a_frame_the_library_refuses_is_refused_the_same_way(frame, code):
    stream = client_bytes(Frame(Opcode.TEXT, b"ok")) + frame + client_bytes(Frame(Opcode.TEXT, b"never read"))
    for chunk in (1, 5, 1_000_000):
        fast, reference = both(stream, chunk)
        assert fast == reference and fast[3] == code


def test_an_unmasked_frame_or_a_too_long_control_frame_fails_the_connection():
    unmasked = b"\x81\x02ok"
    long_ping = b"\x89\xfe\x00\x7e" + b"\x00" * (4 + 126)  # a masked ping of 126 bytes (the limit is 125)
    for stream, code in ((unmasked, 1002), (long_ping, 1002)):
        fast, reference = both(stream, 1_000_000)
        assert fast == reference and fast[3] == code


def test_frames_sent_with_the_opening_request_are_parsed_once_it_is_accepted():
    client = ClientProtocol(parse_uri("ws://127.0.0.1/"))
    client.send_request(client.connect())
    request = b"".join(client.data_to_send())
    frames = client_bytes(Frame(Opcode.TEXT, b'{"id": 1}'), Frame(Opcode.TEXT, b'{"id": 2}'))
    for cut in (len(request) - 3, len(request) - 2, len(request), len(request) + 5):  # the request's end split
        server = FastServerProtocol()
        stream = request + frames
        server.receive_data(stream[:cut])
        server.receive_data(stream[cut:])
        (handshake,) = server.events_received()
        assert isinstance(handshake, Request)
        server.send_response(server.accept(handshake))
        assert [bytes(e.data) for e in server.events_received()] == [b'{"id": 1}', b'{"id": 2}']
