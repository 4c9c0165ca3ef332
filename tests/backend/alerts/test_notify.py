"""Delivery: notify-send run as a subprocess off the loop, webhook retry policy, URL checks."""

from __future__ import annotations

import stat
import time

import pytest

from backend.notify import Notifier, check_webhook_url
from tests.polling import wait_until


async def test_desktop_notification_runs_notify_send_with_title_and_body(tmp_path):
    out = tmp_path / "args.txt"
    script = tmp_path / "notify-send"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {out}\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    outcomes = []
    notifier = Notifier(on_result=lambda m, o: outcomes.append(o))
    notifier.notify_send = str(script)
    await notifier.start()
    started = time.perf_counter()
    notifier.deliver({"title": "QuantDesk: SOL-PERP price above", "message": "SOL-PERP is at 151", "severity": "info"})
    assert time.perf_counter() - started < 0.01  # queued, not run on the caller's time
    await wait_until(lambda: outcomes, what="the notification's outcome")
    await notifier.stop()
    assert outcomes == ["desktop ok"]
    assert out.read_text().splitlines() == [
        "--app-name=QuantDesk",
        "--urgency=normal",
        "QuantDesk: SOL-PERP price above",
        "SOL-PERP is at 151",
    ]


async def test_server_errors_are_retried_and_client_errors_are_not(receiver):
    notifier = Notifier(desktop=False, webhook_attempts=3, backoff_base_s=0.01)
    await notifier.start()
    receiver.status = 503
    assert await notifier.post(receiver.url, {"n": 1}) == "webhook failed: HTTP 503"
    assert receiver.connections == 3
    receiver.status = 404
    assert await notifier.post(receiver.url, {"n": 2}) == "webhook failed: HTTP 404"
    assert receiver.connections == 4
    receiver.status = 204
    assert await notifier.post(receiver.url, {"n": 3}) == "webhook ok"
    await notifier.stop()


def test_a_full_queue_drops_and_counts_instead_of_blocking():
    notifier = Notifier(desktop=False, queue_size=2)
    for i in range(5):
        notifier.deliver({"n": i}, "http://127.0.0.1:9/x")
    assert (notifier.stats.queued, notifier.stats.dropped) == (2, 3)


@pytest.mark.parametrize(
    "url, ok",
    [
        ("http://127.0.0.1:8080/hook", True),
        ("https://hooks.example.com/x?t=1", True),
        ("ftp://x/y", False),
        ("javascript:alert(1)", False),
        ("http://", False),
        ("http://host:99999/", False),
        ("hooks.example.com/x", False),
    ],
)
def test_webhook_urls_must_be_absolute_http(url, ok):
    assert (check_webhook_url(url) is None) is ok
