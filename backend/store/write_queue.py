"""WriteQueue: what both stores (SQLite `Store`, PostgreSQL `PgStore`) do the same way around their
writer thread.

`write` and `submit` put a job on the queue; the store's writer thread takes every job waiting and
commits them as one group (its own `_writer_loop`). A job's future resolves on the caller's event
loop after COMMIT. When the store cannot write it sets the fault state the venue and /health read
(`writable`, `fault`, `epoch`, ...), refuses every job with StoreUnavailable (nothing of it was kept,
so nothing was acked), tells the watchers, and probes with backoff until a probe commits
(`_wait_until_writable`; each store has its own `_probe` and its own way to `describe` an error).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from typing import Any

from backend.backoff import Backoff
from backend.domain.errors import DomainError
from backend.store.base import Watcher, WriteFn
from programs.vocabulary import ErrorCode

log = logging.getLogger(__name__)
STOP = object()  # put on the queue by stop(): the writer thread ends after what came before it


class StoreUnavailable(DomainError):
    """The store cannot write now; nothing of the refused write was kept (so nothing was acked)."""

    def __init__(self, fault: str) -> None:
        super().__init__(
            ErrorCode.STORE_UNAVAILABLE,
            f"the store cannot write ({fault}); nothing was saved or changed. Trading is reducing-only "
            "until writes succeed again; see /health",
        )
        self.fault = fault


class WriteQueue:
    def __init__(self, *, retry_base_s: float, retry_cap_s: float) -> None:
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._watchers: list[tuple[asyncio.AbstractEventLoop, Watcher]] = []
        self.retry_base_s, self.retry_cap_s = retry_base_s, retry_cap_s
        self.commits = 0
        self.writes = 0
        # fault state: written by the writer thread, read anywhere (plain attribute reads are atomic)
        self.writable = True
        self.epoch = 0  # bumped by every fault
        self.fault = ""  # what went wrong, while not writable
        self.faults = 0
        self.refused = 0  # writes refused with StoreUnavailable (or dropped, for submit())
        self.unwritable_since: float | None = None  # time.time() of the fault

    def _probe(self) -> str | None:
        """None once the store can write again; else what is still wrong."""
        raise NotImplementedError

    def describe(self, exc: BaseException) -> str:
        raise NotImplementedError

    def watch(self, fn: Watcher) -> None:
        """Call fn(writable, fault) on the calling event loop whenever the store stops or resumes writing."""
        self._watchers.append((asyncio.get_running_loop(), fn))

    def write(self, fn: WriteFn) -> asyncio.Future[Any]:
        """Run fn(conn) in the next group commit; the future resolves after COMMIT with fn's result.

        It fails with StoreUnavailable when the store cannot write (then nothing of fn was kept).
        """
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        if not self.writable:
            self.refused += 1
            fut.set_exception(StoreUnavailable(self.fault))
        else:
            self._jobs.put((fn, loop, fut, self.epoch))
        return fut

    def submit(self, fn: WriteFn) -> None:
        if self.writable:
            self._jobs.put((fn, None, None, self.epoch))
        else:
            self.refused += 1

    def _refuse(self, jobs: list[Any], fault: str) -> None:
        for _fn, loop, fut, _epoch in jobs:
            self.refused += 1
            if fut is not None:
                loop.call_soon_threadsafe(resolve, fut, None, StoreUnavailable(fault))

    def _wait_until_writable(self, first: BaseException) -> bool:
        """Refuse writes and probe with backoff until a probe commits; True when told to stop meanwhile."""
        backoff = Backoff(self.retry_base_s, self.retry_cap_s)
        while True:
            deadline = time.monotonic() + backoff.next()
            while (left := deadline - time.monotonic()) > 0:
                try:
                    job = self._jobs.get(timeout=left)
                except queue.Empty:
                    break
                if job is STOP:
                    return True
                self._refuse([job], self.fault)  # submitted before write() saw the fault
            problem = self._probe()
            if problem is None:
                break
            self.fault = problem
        took = time.time() - (self.unwritable_since or time.time())
        log.warning("store writable again after %.1fs (fault was: %s)", took, self.describe(first))
        self.writable = True
        self.fault = ""
        self.unwritable_since = None
        self._notify(True, "")
        return False

    def _notify(self, writable: bool, fault: str) -> None:
        for loop, fn in self._watchers:
            if not loop.is_closed():
                loop.call_soon_threadsafe(fn, writable, fault)


def resolve(fut: asyncio.Future[Any], value: Any, exc: BaseException | None) -> None:
    """Settle a job's future on its event loop (unless its caller gave up on it)."""
    if fut.done():
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(value)
