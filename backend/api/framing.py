"""`FastServerProtocol`: websockets' Sans-I/O `ServerProtocol` with a fast path for the frames an API
connection carries almost exclusively, whole (unfragmented) data frames, in both directions.

Received bytes are cut into frames here. A whole, masked text or binary frame within the size limit,
outside a fragmented message, becomes its event directly (unmasked with the library's C `apply_mask`).
Every other frame (ping, pong, close, fragments) is handed to the library whole, so its parser only
ever sees complete frames and always waits at a frame boundary; a frame the library must refuse
(unmasked, reserved bits, over the size limit, a control frame over 125 bytes) is handed over at
once with everything after it, and the library fails the connection as it always does. The opening
handshake is the library's: the bytes after the HTTP request are held back until it is accepted.

Sent: a server frame is unmasked and no extension is negotiated, so a whole text message's header is
2, 4 or 10 bytes and the payload follows unchanged (the bytes `Frame.serialize` builds, faster).
"""

from __future__ import annotations

from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.server import ServerProtocol
from websockets.http11 import Response
from websockets.speedups import apply_mask

_TEXT, _BINARY = 0x81, 0x82  # FIN, no reserved bits, opcode
_DATA_OPCODES = {_TEXT: Opcode.TEXT, _BINARY: Opcode.BINARY}
_END_OF_HEAD = b"\r\n\r\n"


class FastServerProtocol(ServerProtocol):
    _held = b""  # received bytes not parsed yet: an incomplete frame, or what followed the HTTP request
    _head_tail = b""  # the last bytes of the HTTP request seen so far (its end may span two reads)
    _head_done = False  # the request is complete: what comes next waits for the handshake's answer

    def receive_data(self, data: bytes) -> None:
        if self._state is State.OPEN and not self.extensions:
            self._receive_frames(self._held + data if self._held else data)
        elif self._state is State.CONNECTING and not self.eof_sent:
            self._receive_head(data)
        else:
            super().receive_data(data)

    def send_response(self, response: Response) -> None:
        super().send_response(response)
        if self._state is State.OPEN and self._held:
            self.receive_data(b"")  # frames that came with the request: parsed now, as the next read would

    def send_text(self, data: bytes, fin: bool = True) -> None:
        if not fin or self.expect_continuation_frame or self._state is not State.OPEN or self.extensions:
            super().send_text(data, fin)  # fragments, extensions and the errors: the library's way
            return
        size = len(data)
        if size < 126:
            header = bytes((0x81, size))
        elif size < 65_536:
            header = b"\x81\x7e" + size.to_bytes(2, "big")
        else:
            header = b"\x81\x7f" + size.to_bytes(8, "big")
        self.writes.append(header)
        self.writes.append(data)

    def _receive_head(self, data: bytes) -> None:
        """Give the library the HTTP request and hold back what follows it."""
        if self._head_done:
            self._held += data
            return
        seen = self._head_tail + data
        end = seen.find(_END_OF_HEAD)
        if end < 0:
            self._head_tail = seen[-3:]
            super().receive_data(data)
            return
        cut = end + len(_END_OF_HEAD) - len(self._head_tail)
        self._head_tail, self._head_done = b"", True
        self._held = data[cut:]
        super().receive_data(data[:cut])

    def _receive_frames(self, buf: bytes) -> None:
        self._held = b""
        pos, end = 0, len(buf)
        limit = self.max_size
        while end - pos >= 2:
            first, second = buf[pos], buf[pos + 1]
            length = second & 0x7F
            if length < 126:
                mask_at = pos + 2
            elif length == 126:
                if end - pos < 4:
                    break
                length, mask_at = int.from_bytes(buf[pos + 2 : pos + 4], "big"), pos + 4
            else:
                if end - pos < 10:
                    break
                length, mask_at = int.from_bytes(buf[pos + 2 : pos + 10], "big"), pos + 10
            opcode = first & 0x0F
            if (
                not second & 0x80  # a client must mask
                or first & 0x70  # reserved bits, with no extension to give them a meaning
                or (limit is not None and length > limit)
                or (opcode >= 0x8 and length > 125)
            ):
                super().receive_data(buf[pos:])  # the library refuses it and fails the connection
                return
            payload_at = mask_at + 4
            frame_end = payload_at + length
            if frame_end > end:
                break
            kind = _DATA_OPCODES.get(first)
            if kind is not None and self.cur_size is None:
                payload = apply_mask(buf[payload_at:frame_end], buf[mask_at:payload_at])
                self.events.append(Frame(kind, payload))
            else:  # control frames, fragments: the library, one whole frame at a time
                super().receive_data(buf[pos:frame_end])
                if self._state is not State.OPEN:  # a close frame (or a refused one): nothing more is read
                    return
            pos = frame_end
        self._held = buf[pos:]
