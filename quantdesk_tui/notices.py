"""What the app toasts as it happens: fills, liquidations, alerts fired. Each is a Textual message the
Hub posts to the app; a newer one of the same kind supersedes a queued one, so a burst toasts its latest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from textual.message import Message
from textual.notifications import SeverityLevel

from backend.api.protocol import BASE_PRECISION, PRICE_PRECISION, QUOTE_PRECISION, FillView


class Toast(NamedTuple):
    text: str
    title: str
    severity: SeverityLevel


class Notice(Message, bubble=False):
    """Something to toast (and ring the bell for)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        kwargs.setdefault("bubble", False)
        super().__init_subclass__(**kwargs)

    def can_replace(self, message: Message) -> bool:
        return type(message) is type(self)

    def toast(self, is_reported: Callable[[int], bool]) -> Toast | None:
        """The toast, or None when another one says it already; `is_reported(order_id)` asks the order toasts."""
        raise NotImplementedError


class FillNotice(Notice):
    def __init__(self, fill: FillView) -> None:
        super().__init__()
        self.fill = fill

    def toast(self, is_reported: Callable[[int], bool]) -> Toast | None:
        fill = self.fill
        if is_reported(fill.order_id):  # the order's outcome toast sums its fills
            return None
        size, price = fill.size / BASE_PRECISION, fill.price / PRICE_PRECISION
        return Toast(f"{fill.side} {size:g} {fill.market} @ {price:g}", "fill", "information")


class LiquidationNotice(Notice):
    """A liquidation, bankruptcy or socialized loss push (wire integers)."""

    def __init__(self, record: dict[str, Any]) -> None:
        super().__init__()
        self.record = record

    def toast(self, is_reported: Callable[[int], bool]) -> Toast | None:
        return Toast(liquidation_text(self.record), "liquidation", "error")


class AlertNotice(Notice):
    """An alert fired."""

    def __init__(self, record: dict[str, Any]) -> None:
        super().__init__()
        self.record = record

    def toast(self, is_reported: Callable[[int], bool]) -> Toast | None:
        return Toast(str(self.record.get("message", "alert")), "alert", "warning")


def liquidation_text(record: dict[str, Any]) -> str:
    """One line on a liquidation-family push (wire integers; floats for display only)."""
    kind = record.get("kind", "liquidation")
    fund = f"insurance fund {record.get('insurance_fund', 0) / QUOTE_PRECISION:,.2f} USDC"
    if kind == "liquidation":
        return (
            f"liquidated: {record.get('side')} {record.get('size', 0) / BASE_PRECISION:g} {record.get('market')} "
            f"@ {record.get('price', 0) / PRICE_PRECISION:g}, "
            f"fee {record.get('fee', 0) / QUOTE_PRECISION:,.2f} USDC; {fund}"
        )
    if kind == "socialized_loss":
        amount = record.get("amount", 0) / QUOTE_PRECISION
        return f"socialized loss {amount:,.2f} USDC on {record.get('market')}; {fund}"
    if kind == "bankruptcy_covered":
        return f"bankruptcy: the insurance fund paid {record.get('amount', 0) / QUOTE_PRECISION:,.2f} USDC; {fund}"
    return f"collateral liquidated ({record.get('market')}); {fund}"
