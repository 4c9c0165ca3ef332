"""Quick ops (`backend/api/quick.py`): run as their request is read, without a task; each reply keeps
its place in the connection's reply order, whatever kind of request came before it."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from backend.api.protocol import ApiError
from backend.api.quick import Pending
from backend.api.server import ApiServer, Session
from backend.bus import Bus
from backend.domain.errors import DomainError
from backend.metrics import Metrics
from tests.backend.api.test_connection import HELLO, TOKEN, RawClient
from tests.polling import wait_until


class Ops:
    """A slow op (a task that sleeps), and a quick op whose reply waits for a future the test resolves."""

    def __init__(self) -> None:
        self.log: list[tuple[str, int]] = []
        self.commits: dict[int, asyncio.Future[int]] = {}
        self.refused: list[str] = []

    async def slow(self, session: Session, args: dict) -> dict:
        self.log.append(("slow start", args["n"]))
        await asyncio.sleep(args.get("s", 0))
        self.log.append(("slow end", args["n"]))
        return {"n": args["n"]}

    def quick(self, session: Session | None, args: dict) -> object:
        n = args["n"]
        self.log.append(("quick", n))
        if args.get("refuse"):
            raise ApiError("BAD_REQUEST", f"refused {n} at once")
        if args.get("crash"):
            raise RuntimeError("a bug")
        if args.get("now"):
            return {"n": n, "now": True}
        done = self.commits[n] = asyncio.get_running_loop().create_future()
        return Pending(done, lambda: {"n": n, "committed": done.result()}, lambda exc: self.refused.append(exc.code))


@pytest.fixture
async def quick_api():
    server = ApiServer(Bus(), Metrics(), TOKEN)
    ops = Ops()
    server.op("slow", ops.slow)
    server.op("quick", lambda session, args: asyncio.sleep(0, ops.quick(session, args)))  # the task form
    server.quick_op("quick", ops.quick)
    port = await server.start("127.0.0.1", 0)
    try:
        yield server, port, ops
    finally:
        await server.stop()


async def test_a_quick_reply_waits_for_the_slow_request_before_it(quick_api):
    _, port, ops = quick_api
    client = await RawClient.open(port)
    client.writer.write(client.frames(HELLO))
    await client.replies(1)
    client.writer.write(
        client.frames(
            {"id": 1, "op": "slow", "args": {"n": 1, "s": 0.05}},
            {"id": 2, "op": "quick", "args": {"n": 2, "now": True}},
        )
    )
    replies = await client.replies(3)
    assert [r["id"] for r in replies] == [0, 1, 2]
    assert replies[2]["result"] == {"n": 2, "now": True}
    assert ops.log == [("slow start", 1), ("slow end", 1), ("quick", 2)]  # the slow one never released


async def test_quick_requests_run_as_read_and_reply_in_order_when_their_futures_resolve_out_of_order(quick_api):
    _, port, ops = quick_api
    client = await RawClient.open(port)
    client.writer.write(client.frames(HELLO, *({"id": n, "op": "quick", "args": {"n": n}} for n in (1, 2, 3))))
    await client.replies(1)
    await wait_until(lambda: len(ops.commits) == 3, what="all three started before any committed")
    ops.commits[3].set_result(30)
    ops.commits[2].set_result(20)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(client._read(), 0.2)
    assert len(client._texts()) == 1  # only hello's: 2 and 3 are ready, but 1 is not, so nothing more went out
    ops.commits[1].set_result(10)
    replies = await client.replies(4)
    assert [(r["id"], r["result"]["committed"]) for r in replies[1:]] == [(1, 10), (2, 20), (3, 30)]


async def test_a_slow_request_after_a_pending_quick_one_replies_after_it(quick_api):
    _, port, ops = quick_api
    client = await RawClient.open(port)
    client.writer.write(
        client.frames(HELLO, {"id": 1, "op": "quick", "args": {"n": 1}}, {"id": 2, "op": "slow", "args": {"n": 2}})
    )
    await client.replies(1)
    await wait_until(lambda: ("slow end", 2) in ops.log, what="the slow request done")
    ops.commits[1].set_result(1)
    replies = await client.replies(3)
    assert [r["id"] for r in replies] == [0, 1, 2]


async def test_quick_refusals_are_error_replies_with_their_codes_and_the_connection_goes_on(quick_api):
    server, port, ops = quick_api
    client = await RawClient.open(port)
    client.writer.write(
        client.frames(
            HELLO,
            {"id": 1, "op": "quick", "args": {"n": 1, "refuse": True}},
            {"id": 2, "op": "quick", "args": {"n": 2}},
            {"id": 3, "op": "quick", "args": {"n": 3, "crash": True}},
            {"id": 4, "op": "quick", "args": {"n": 4, "now": True}},
        )
    )
    await wait_until(lambda: 2 in ops.commits, what="the second quick request started")
    ops.commits[2].set_exception(DomainError("STORE_UNAVAILABLE", "the store refused the write"))
    replies = await client.replies(5)
    assert [(r["id"], r["ok"], (r.get("error") or {}).get("code")) for r in replies[1:]] == [
        (1, False, "BAD_REQUEST"),
        (2, False, "STORE_UNAVAILABLE"),
        (3, False, "INTERNAL"),
        (4, True, None),
    ]
    assert replies[1]["error"]["message"] == "refused 1 at once"
    assert ops.refused == ["STORE_UNAVAILABLE"]  # the future's refusal is told to the op (a raised one is its own)
    await wait_until(lambda: not server.requests, what="no request left in flight")


async def test_a_quick_op_before_hello_is_refused_like_any_op(quick_api):
    _, port, ops = quick_api
    client = await RawClient.open(port)
    client.writer.write(client.frames({"id": 1, "op": "quick", "args": {"n": 1}}))
    [reply] = await client.replies(1)
    assert (reply["id"], reply["error"]["code"]) == (1, "HELLO_REQUIRED")
    assert ops.log == []


async def test_a_client_that_leaves_with_quick_requests_pending_leaves_nothing_in_flight(quick_api):
    server, port, ops = quick_api
    client = await RawClient.open(port)
    client.writer.write(client.frames(HELLO, {"id": 1, "op": "quick", "args": {"n": 1}}))
    await client.replies(1)
    await wait_until(lambda: 1 in ops.commits, what="the quick request started")
    client.writer.close()
    await wait_until(lambda: not server.sessions, what="the session gone")
    ops.commits[1].set_result(1)  # committed after the client left: the reply has nowhere to go
    await wait_until(lambda: not server.requests, what="the request finished")


async def test_an_op_registered_again_loses_the_quick_form_of_the_one_it_replaces(quick_api):
    server, port, ops = quick_api

    async def replacement(session: Session, args: dict) -> dict:
        return {"replaced": args["n"]}

    server.op("quick", replacement)
    client = await RawClient.open(port)
    client.writer.write(client.frames(HELLO, {"id": 1, "op": "quick", "args": {"n": 1, "now": True}}))
    replies = await client.replies(2)
    assert replies[1]["result"] == {"replaced": 1}
    assert ops.log == []


async def test_a_quick_request_whose_future_is_cancelled_gets_an_internal_error_reply(quick_api):
    server, port, ops = quick_api
    client = await RawClient.open(port)
    client.writer.write(client.frames(HELLO, {"id": 1, "op": "quick", "args": {"n": 1}}))
    await wait_until(lambda: 1 in ops.commits, what="the quick request started")
    ops.commits[1].cancel()
    replies = await client.replies(2)
    assert (replies[1]["id"], replies[1]["error"]["code"]) == (1, "INTERNAL")
    await wait_until(lambda: not server.requests, what="the request finished")
