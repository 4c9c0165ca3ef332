"""Alert delivery off the event loop's hot path: desktop notifications and webhook POSTs.

`Notifier.deliver()` never blocks and never raises: it puts the message on a bounded queue
(dropping, and counting, when the queue is full) and worker tasks do the IO. Webhooks get a
timeout per attempt and a bounded number of attempts with capped exponential backoff; the
desktop notification runs `notify-send` as a subprocess (if it is on PATH) with a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from backend.backoff import Backoff

log = logging.getLogger(__name__)
ResultHook = Callable[[dict[str, Any], str], None]  # (message, outcome such as "webhook ok" / "webhook failed: ...")


def check_webhook_url(url: str) -> str | None:
    """None when `url` is an absolute http(s) URL with a host; otherwise what is wrong with it."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"not a URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return f"the scheme must be http or https, not {parts.scheme or 'missing'!r}"
    if not parts.hostname:
        return "the URL has no host"
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "the URL has a bad port"
    return None


@dataclass(slots=True)
class NotifyStats:
    queued: int = 0
    dropped: int = 0
    webhook_ok: int = 0
    webhook_failed: int = 0
    webhook_attempts: int = 0
    desktop_sent: int = 0
    desktop_failed: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)


class Notifier:
    def __init__(
        self,
        *,
        desktop: bool | None = None,
        webhook_timeout_s: float = 3.0,
        webhook_attempts: int = 3,
        backoff_base_s: float = 0.5,
        backoff_cap_s: float = 5.0,
        queue_size: int = 1000,
        webhook_workers: int = 4,
        desktop_timeout_s: float = 5.0,
        on_result: ResultHook | None = None,
    ) -> None:
        self.notify_send = shutil.which("notify-send") if desktop is not False else None
        self.webhook_timeout_s = webhook_timeout_s
        self.webhook_attempts = max(1, webhook_attempts)
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.desktop_timeout_s = desktop_timeout_s
        self.on_result = on_result
        self.stats = NotifyStats()
        self._webhooks: asyncio.Queue[tuple[dict[str, Any], str]] = asyncio.Queue(queue_size)
        self._desktop: asyncio.Queue[dict[str, Any]] = asyncio.Queue(queue_size)
        self._workers = webhook_workers
        self._tasks: list[asyncio.Task[None]] = []
        self._http: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(self.webhook_timeout_s),
            follow_redirects=False,
            headers={"User-Agent": "quantdesk-alerts"},
        )
        self._tasks = [
            asyncio.create_task(self._webhook_worker(), name=f"notify-webhook-{i}") for i in range(self._workers)
        ]
        if self.notify_send:
            self._tasks.append(asyncio.create_task(self._desktop_worker(), name="notify-desktop"))

    async def stop(self, grace_s: float = 1.0) -> None:
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            # a worker inside a DNS lookup (run in a thread) cannot be interrupted: do not wait on it forever
            _done, stuck = await asyncio.wait(self._tasks, timeout=grace_s)
            if stuck:
                log.warning("notify: %d delivery task(s) still finishing at shutdown", len(stuck))
        self._tasks.clear()
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    @property
    def pending(self) -> int:
        return self._webhooks.qsize() + self._desktop.qsize()

    # -- called from the loop, synchronously -----------------------------------------------------
    def deliver(self, message: dict[str, Any], webhook: str | None = None, *, desktop: bool = True) -> None:
        """Queue `message` for the desktop and/or a webhook; returns at once."""
        if desktop and self.notify_send:
            self._offer(self._desktop, message)
        if webhook:
            self._offer(self._webhooks, (message, webhook))

    def _offer(self, queue: asyncio.Queue[Any], item: Any) -> None:
        try:
            queue.put_nowait(item)
            self.stats.queued += 1
        except asyncio.QueueFull:
            self.stats.dropped += 1
            log.warning("notify: queue full, dropped a notification (%d dropped so far)", self.stats.dropped)

    # -- workers -------------------------------------------------------------------------------
    async def _webhook_worker(self) -> None:
        while True:
            message, url = await self._webhooks.get()
            try:
                outcome = await self.post(url, message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a worker must survive anything
                log.exception("notify: webhook worker error")
                outcome = f"webhook failed: {exc.__class__.__name__}"
            self._report(message, outcome)

    async def post(self, url: str, message: dict[str, Any]) -> str:
        """POST message as JSON, retrying timeouts, connection errors and 5xx/429 a bounded number of times."""
        assert self._http is not None, "Notifier.start() first"
        backoff = Backoff(self.backoff_base_s, max(self.backoff_base_s, self.backoff_cap_s))
        last = ""
        for attempt in range(1, self.webhook_attempts + 1):
            self.stats.webhook_attempts += 1
            try:
                async with asyncio.timeout(self.webhook_timeout_s):  # not wait_for: see risk/monitor.py
                    response = await self._http.post(url, json=message)
                if response.status_code < 300:
                    self.stats.webhook_ok += 1
                    return "webhook ok"
                last = f"HTTP {response.status_code}"
                if response.status_code < 500 and response.status_code != 429:
                    break  # the receiver refused this message; sending it again will not help
            except (TimeoutError, httpx.TimeoutException):
                last = f"timed out after {self.webhook_timeout_s:g}s"
            except httpx.HTTPError as exc:
                last = f"{exc.__class__.__name__}"
            if attempt < self.webhook_attempts:
                await asyncio.sleep(backoff.next())
        self.stats.webhook_failed += 1
        log.warning("notify: webhook %s failed after %d attempt(s): %s", _redact(url), attempt, last)
        return f"webhook failed: {last}"

    async def _desktop_worker(self) -> None:
        while True:
            message = await self._desktop.get()
            outcome = await self._notify_send(message)
            self._report(message, outcome)

    async def _notify_send(self, message: dict[str, Any]) -> str:
        urgency = "critical" if message.get("severity") == "critical" else "normal"
        title = str(message.get("title") or "QuantDesk alert")
        body = str(message.get("message") or "")
        try:
            proc = await asyncio.create_subprocess_exec(
                self.notify_send or "notify-send",
                "--app-name=QuantDesk",
                f"--urgency={urgency}",
                title,
                body,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
        except OSError as exc:
            self.stats.desktop_failed += 1
            return f"desktop failed: {exc.__class__.__name__}"
        try:
            code = await asyncio.wait_for(proc.wait(), self.desktop_timeout_s)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
            self.stats.desktop_failed += 1
            return "desktop failed: notify-send timed out"
        if code != 0:
            self.stats.desktop_failed += 1
            return f"desktop failed: notify-send exit {code}"
        self.stats.desktop_sent += 1
        return "desktop ok"

    def _report(self, message: dict[str, Any], outcome: str) -> None:
        key = outcome.split(":", 1)[0]
        self.stats.by_outcome[key] = self.stats.by_outcome.get(key, 0) + 1
        if self.on_result is not None:
            try:
                self.on_result(message, outcome)
            except Exception:
                log.exception("notify: result hook failed")


def _redact(url: str) -> str:
    """Webhook URLs often carry a secret in the path or query: log only scheme and host."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{':' + str(parts.port) if parts.port else ''}/…"
