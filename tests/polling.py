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


class _Watch:
    """One wait's deadline, and the last value or error seen (named when time runs out).

    Each attempt runs in `with watch:`, which treats the `ignore`d exceptions as "not yet" and,
    unless `saw` was handed a truthy value, fails the wait once the deadline has passed.
    """

    def __init__(self, what: str, timeout: float, ignore: tuple[type[BaseException], ...]) -> None:
        self.what, self.timeout, self.ignore = what, timeout, ignore
        self.deadline = time.monotonic() + timeout
        self.last: Any = None
        self.error: BaseException | None = None
        self.done = False

    def saw(self, value: Any) -> bool:
        self.last, self.error, self.done = value, None, bool(value)
        return self.done

    def __enter__(self) -> _Watch:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> bool:
        if exc is not None and not isinstance(exc, self.ignore):
            return False
        if exc is not None:
            self.error = exc
        if not self.done and time.monotonic() >= self.deadline:
            seen = f"last error {self.error!r}" if self.error is not None else f"last value {self.last!r}"
            raise WaitTimeout(f"timed out after {self.timeout:g}s waiting for {self.what} ({seen})") from None
        return True


async def wait_until(
    predicate: Callable[[], T | Awaitable[T]],
    *,
    what: str,
    timeout: float = DEFAULT_TIMEOUT_S,
    interval: float = 0.01,
    ignore: tuple[type[BaseException], ...] = (),
) -> T:
    """Poll `predicate` (sync or async) every `interval` until it returns something truthy; return that."""
    watch = _Watch(what, timeout, ignore)
    while True:
        with watch:
            value = predicate()
            if inspect.isawaitable(value):
                value = await value
            if watch.saw(value):
                return value  # type: ignore[return-value]
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
    watch = _Watch(what, timeout, ignore)
    while True:
        with watch:
            if watch.saw(value := predicate()):
                return value
        time.sleep(interval)
