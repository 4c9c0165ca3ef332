"""WriteQueue: what both stores (SQLite `Store`, PostgreSQL `PgStore`) do the same way around their
writer thread.

`write` and `submit` put a job on the queue; the writer thread (`_writer_loop`) takes every job
waiting, drops those stamped with an older epoch, and hands the rest to the store's `_run_batch`,
which commits them as one group. A job's future resolves on the caller's event loop after COMMIT
(`_acknowledge`). When the store cannot write it sets the fault state the venue and /health read
(`writable`, `fault`, `epoch`, ...), refuses every job with StoreUnavailable (nothing of it was kept,
so nothing was acked), tells the watchers, and probes with backoff until a probe commits
(`_enter_fault`, `_wait_until_writable`; each store has its own `_probe`, its own `_rollback` and its
own way to `describe` an error).
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
MAX_BATCH = 5000  # jobs in one group commit at the most
STALE = "it was queued behind writes the store refused after a fault"
Job = tuple[Any, Any, Any, int]  # (fn, loop, future, epoch); loop and future are None for submit()


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
    thread_name = "store-writer"

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

    def _run_batch(self, batch: list[Job]) -> BaseException | None:
        """Commit the batch (jobs of the current epoch) and acknowledge it; on a store fault return the fault."""
        raise NotImplementedError

    def _rollback(self) -> None:
        """Roll back whatever the writer has open."""
        raise NotImplementedError

    # -- the writer thread ---------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._writer_loop, name=self.thread_name, daemon=True)
        self._thread.start()

    def _stop_writer(self) -> None:
        """Let the writer commit what was queued before this, then end it."""
        if self._thread is not None:
            self._jobs.put(STOP)
            self._thread.join(timeout=10)
            self._thread = None

    def _writer_loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is STOP:
                return
            batch = [job]
            stop_after = False
            while len(batch) < MAX_BATCH:
                try:
                    nxt = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if nxt is STOP:
                    stop_after = True
                    break
                batch.append(nxt)
            failed = self._run_current(batch)
            if stop_after:
                return
            if failed is not None and self._wait_until_writable(failed):
                return

    def _run_current(self, batch: list[Job]) -> BaseException | None:
        """Refuse the jobs stamped before the last fault (they may rest on refused state); run the rest."""
        epoch = self.epoch
        self._refuse([job for job in batch if job[3] != epoch], STALE)
        current = [job for job in batch if job[3] == epoch]
        return self._run_batch(current) if current else None

    def _acknowledge(self, batch: list[Job], results: list[tuple[Any, BaseException | None]]) -> None:
        """After COMMIT: resolve each job's future with its (value, error), one wake-up per event loop."""
        self.commits += 1
        self.writes += len(batch)
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any, BaseException | None]]] = {}
        for (_fn, loop, fut, _epoch), (value, error) in zip(batch, results, strict=True):
            if fut is not None:
                by_loop.setdefault(loop, []).append((fut, value, error))
        for loop, resolved in by_loop.items():
            loop.call_soon_threadsafe(_resolve_all, resolved)

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

    # -- faults -------------------------------------------------------------------------------
    def _enter_fault(self, exc: BaseException, batch: list[Job]) -> None:
        """The store could not take the batch: roll back, stop accepting writes, refuse the batch."""
        self._rollback()
        fault = self.describe(exc)
        # the order matters: writable goes false and the epoch moves before anyone hears of the refusal
        self.writable = False
        self.fault = fault
        self.epoch += 1
        self.faults += 1
        self.unwritable_since = time.time()
        log.error("store write failed: %s; refused the batch's %d writes; retrying with backoff", fault, len(batch))
        self._notify(False, fault)  # queued first: the venue rolls back before any refused caller resumes
        self._refuse(batch, fault)

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


def _resolve_all(resolved: list[tuple[asyncio.Future[Any], Any, BaseException | None]]) -> None:
    for fut, value, exc in resolved:  # in commit order, so acks go out in the order the writes were made
        resolve(fut, value, exc)


def resolve(fut: asyncio.Future[Any], value: Any, exc: BaseException | None) -> None:
    """Settle a job's future on its event loop (unless its caller gave up on it)."""
    if fut.done():
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(value)
