"""Waiting in tests on a condition, never on a guessed duration: poll until it holds or fail naming it.

`await wait_until(lambda: ..., what="the SOL-PERP market")` returns the predicate's first truthy value;
a predicate may be async (`wait_until(lambda: client.request(...), ...)`), and `ignore` lists the
exceptions that mean "not yet" (an error reply while the feed starts). `wait_until_sync` does the same
for tests that drive subprocesses with a blocking clock.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")

# generous: the suite shares two cores with other work; a condition that holds returns at once
DEFAULT_TIMEOUT_S = 15.0


class WaitTimeout(AssertionError):
    """The condition did not hold in time; the message names it and the last value or error seen."""


def _timeout(what: str, timeout: float, last: Any, error: BaseException | None) -> WaitTimeout:
    seen = f"last error {error!r}" if error is not None else f"last value {last!r}"
    return WaitTimeout(f"timed out after {timeout:g}s waiting for {what} ({seen})")


async def wait_until(
    predicate: Callable[[], T | Awaitable[T]],
    *,
    what: str,
    timeout: float = DEFAULT_TIMEOUT_S,
    interval: float = 0.01,
    ignore: tuple[type[BaseException], ...] = (),
) -> T:
    """Poll `predicate` (sync or async) every `interval` until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout
    last: Any = None
    error: BaseException | None = None
    while True:
        try:
            value = predicate()
            if inspect.isawaitable(value):
                value = await value
            last, error = value, None
            if value:
                return value  # type: ignore[return-value]
        except ignore as exc:
            error = exc
        if time.monotonic() >= deadline:
            raise _timeout(what, timeout, last, error)
        await asyncio.sleep(interval)


def wait_until_sync(
    predicate: Callable[[], T],
    *,
    what: str,
    timeout: float = DEFAULT_TIMEOUT_S,
    interval: float = 0.05,
    ignore: tuple[type[BaseException], ...] = (),
) -> T:
    """`wait_until` for blocking tests (subprocesses, tmux): the same contract, with time.sleep between polls."""
    deadline = time.monotonic() + timeout
    last: Any = None
    error: BaseException | None = None
    while True:
        try:
            last, error = predicate(), None
            if last:
                return last
        except ignore as exc:
            error = exc
        if time.monotonic() >= deadline:
            raise _timeout(what, timeout, last, error)
        time.sleep(interval)
