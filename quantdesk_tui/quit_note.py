"""The one line `quantdesk` prints on quit: does the backend stay up, why, for how long, how to stop it."""

from __future__ import annotations

import asyncio

import msgspec

from backend.api.protocol import ApiError, Status
from backend.client import SPAWNED_IDLE_EXIT_S, BackendClient
from quantdesk_tui.hub import Hub

STOP = "`quantdesk stop` stops it"


def quit_note(status: Status | None, connected: bool, live_alerts: int, open_orders: int) -> str:
    """status: the backend's last `status` reply (its client count includes this terminal)."""
    if not connected or status is None:
        return f"quantdesk: the backend was not reachable; `quantdesk status` checks it, {STOP}"
    orders = (
        f"; your {open_orders} open order{'s' if open_orders != 1 else ''} cannot fill while it is down"
        if open_orders
        else ""
    )
    if not status.spawned_by_tui:
        return f"quantdesk: the backend keeps running (it was started by hand) until {STOP}"
    others = max(0, status.clients - 1)
    if others:
        return (
            f"quantdesk: the backend keeps running for {others} other terminal{'s' if others != 1 else ''}, "
            f"then stops {SPAWNED_IDLE_EXIT_S:g} s after the last one leaves unless alerts are live; {STOP}"
        )
    if live_alerts:
        return (
            f"quantdesk: the backend keeps running to watch {live_alerts} live alert"
            f"{'s' if live_alerts != 1 else ''} until they are done; {STOP}"
        )
    return (
        f"quantdesk: the backend stops in {SPAWNED_IDLE_EXIT_S:g} s (no other terminal, no live alerts)"
        f"{orders}; {STOP} now"
    )


async def ask_quit_note(client: BackendClient, hub: Hub) -> str:
    """The note, from the backend's own answer if it gives one quickly, else from what the Hub last saw."""
    status, alerts = hub.status, [a for a in hub.alerts if a.get("status", "active") == "active"]
    if hub.connected:
        try:
            async with asyncio.timeout(1.5):
                status = msgspec.convert(await client.request("status"), Status)
                reply = await client.request("alert.list")
                alerts = [a for a in reply.get("alerts", []) if a.get("status", "active") == "active"]
        except (ApiError, TimeoutError, msgspec.ValidationError):
            pass
    return quit_note(status, hub.connected, len(alerts), len(hub.open_orders()))
