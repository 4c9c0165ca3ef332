"""Why a backend spawned by a TUI stays up with no terminal attached: the live work it still carries.

Resting and trigger orders (TP/SL, stops, GTD expiry), TWAP and iceberg parents, active alerts and
undelivered notifications all need the process; `quantdesk status` and the System screen list them.
"""

from __future__ import annotations

from typing import Any

from programs.quantdesk_perp.enums import OrderStatus, OrderType


def live_work(venue: Any, alerts: Any) -> list[str]:
    """Plain reasons, empty when nothing needs the backend."""
    reasons: list[str] = []
    orders = list(venue.state.orders.values()) if venue is not None else []
    parents = sum(1 for o in orders if o.order_type in (OrderType.TWAP, OrderType.ICEBERG))
    triggers = sum(1 for o in orders if o.status in (OrderStatus.PENDING_TRIGGER, OrderStatus.PENDING_ENTRY))
    resting = len(orders) - parents - triggers
    for count, what in ((resting, "resting order"), (triggers, "trigger order"), (parents, "TWAP/iceberg parent")):
        if count:
            reasons.append(f"{count} {what}{'s' if count > 1 else ''}")
    if alerts is not None:
        if alerts.active_count:
            reasons.append(f"{alerts.active_count} active alert{'s' if alerts.active_count > 1 else ''}")
        if alerts.notifier.pending:
            reasons.append(
                f"{alerts.notifier.pending} pending alert deliver{'ies' if alerts.notifier.pending > 1 else 'y'}"
            )
    return reasons
