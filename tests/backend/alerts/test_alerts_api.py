"""Alerts through the real in-process backend: ops, error codes, and firing with no client attached."""

from __future__ import annotations

import asyncio

import pytest

from backend.api.protocol import ApiError
from backend.client import BackendClient
from tests.polling import wait_until


async def test_alert_fires_with_no_terminal_attached_and_reaches_history_and_webhook(backend, receiver):
    async with BackendClient.for_url(backend.url, backend.token, client_name="test") as client:
        quote = await wait_until(
            lambda: client.request("quote", market="SOL-PERP"), what="a SOL-PERP quote", ignore=(ApiError,)
        )
        price = quote["price"] * 10.0 ** quote["expo"]
        added = await client.request(
            "alert.add", kind="price_above", market="sol", level=str(int(price / 2)), webhook=receiver.url
        )
        alert_id = added["id"]
        # the client is gone before the alert can fire: the observation after the add triggers it
        assert added["market"] == "SOL-PERP" and added["status"] == "active"
    await asyncio.wait_for(receiver.got.wait(), 10)
    assert receiver.bodies[0]["alert_id"] == alert_id
    await wait_until(lambda: backend.services.alerts.history(alert_id), what="the firing in the alert's history")
    async with BackendClient.for_url(backend.url, backend.token, client_name="test") as client:
        history = (await client.request("alert.history", id=alert_id))["history"]
        assert history[0]["alert_id"] == alert_id and float(history[0]["value"]) > price / 2
        listed = (await client.request("alert.list"))["alerts"]
        assert [(a["id"], a["status"], a["fire_count"]) for a in listed] == [(alert_id, "fired", 1)]


@pytest.mark.parametrize(
    "args, code",
    [
        ({"kind": "price_above", "market": "DOGE-PERP", "level": 1}, "UNKNOWN_MARKET"),
        ({"kind": "price_above", "market": "SOL-PERP", "level": "high"}, "ALERT_BAD_LEVEL"),
        (
            {"kind": "price_above", "market": "SOL-PERP", "level": 1, "webhook": "file:///etc/passwd"},
            "ALERT_BAD_WEBHOOK",
        ),
        ({"kind": "price_above", "market": "SOL-PERP", "level": 1, "colour": "red"}, "BAD_REQUEST"),
    ],
)
async def test_bad_alert_requests_get_clear_error_codes(client, args, code):
    with pytest.raises(ApiError) as err:
        await client.request("alert.add", **args)
    assert err.value.code == code
    with pytest.raises(ApiError) as err:
        await client.request("alert.rm", id=12345)
    assert err.value.code == "ALERT_NOT_FOUND"


async def test_a_tui_spawned_backend_stays_up_while_an_alert_is_active(quantdesk_home, idle_decisions):
    from backend.app import Backend, BackendConfig

    instance = Backend(BackendConfig(home=quantdesk_home, tick_rate=50.0, idle_exit_s=0.2))
    task = asyncio.create_task(instance.run())
    await wait_until(lambda: instance.url, what="the backend to listen")
    async with BackendClient.for_url(instance.url, instance.token, client_name="test") as client:
        added = await client.request("alert.add", kind="price_above", market="BTC-PERP", level=10_000_000)
    decisions = idle_decisions()
    await wait_until(lambda: len(decisions) >= 2, what="two idle checks past the grace with no client")
    assert decisions[:2] == [["1 active alert"]] * 2
    assert not task.done(), "exited although an alert is active"
    await instance.services.alerts.remove(added["id"])
    await asyncio.wait_for(task, 5)  # nothing left to watch: the idle exit proceeds
