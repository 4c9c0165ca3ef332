"""A bounds-checked cursor over bytes: every read that would run past the end is a TRUNCATED error."""

from __future__ import annotations

import struct

from .errors import PythDecodeError, PythDecodeErrorCode


class Reader:
    __slots__ = ("data", "offset", "what")

    def __init__(self, data: bytes, what: str) -> None:
        self.data = bytes(data)
        self.offset = 0
        self.what = what

    def take(self, size: int, field: str) -> bytes:
        end = self.offset + size
        if size < 0 or end > len(self.data):
            raise PythDecodeError(
                PythDecodeErrorCode.TRUNCATED,
                f"{self.what}: {field} needs {size} bytes at offset {self.offset}, only "
                f"{max(0, len(self.data) - self.offset)} left",
            )
        chunk = self.data[self.offset : end]
        self.offset = end
        return chunk

    def unpack(self, fmt: str, field: str) -> int:
        value: int = struct.unpack(fmt, self.take(struct.calcsize(fmt), field))[0]  # every format read is an integer
        return value

    @property
    def remaining(self) -> int:
        return len(self.data) - self.offset

    def rest(self) -> bytes:
        return self.take(self.remaining, "rest")
