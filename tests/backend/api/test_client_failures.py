"""The SDK client fails a pending request without leaving asyncio anything to print."""

from __future__ import annotations

import asyncio
import gc

import pytest

from backend import client
from backend.api.protocol import ApiError, ErrorCode


async def test_a_request_failed_before_its_caller_awaited_the_reply_prints_nothing():
    """A request still sending when the connection drops: the reader fails its reply future, and the
    caller then ends (the send raised, or the app quit) without ever awaiting it."""
    loop = asyncio.get_running_loop()
    printed: list[str] = []
    loop.set_exception_handler(lambda _loop, context: printed.append(context["message"]))
    replies: list[asyncio.Future[object]] = [loop.create_future()]
    sending = asyncio.Event()

    async def caller() -> object:
        await sending.wait()  # as `await ws.send(...)` under backpressure
        return await replies[0]

    task = asyncio.create_task(caller())
    await asyncio.sleep(0)
    client._fail(replies[0], ApiError(ErrorCode.NOT_CONNECTED, "the backend closed the connection"))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    replies.clear()
    gc.collect()
    assert printed == []


async def test_a_caller_still_gets_the_first_failure():
    fut: asyncio.Future[object] = asyncio.get_running_loop().create_future()
    client._fail(fut, ApiError(ErrorCode.TIMEOUT, "quote got no reply within 10s"))
    client._fail(fut, ApiError(ErrorCode.NOT_CONNECTED, "later"))
    with pytest.raises(ApiError) as caught:
        await fut
    assert (caught.value.code, caught.value.message) == (ErrorCode.TIMEOUT, "quote got no reply within 10s")
