"""The one confirm rule every order path goes through: ticket, command bar, palette, `x` close and
the TWAP / iceberg / OCO parents.

An order is shown in a dialog before it is sent when its notional is above `confirm_notional`
(config.toml, USD), or above `confirm_free_fraction` of the sub-account's free collateral, or when
there is no price yet to value it. Values here are display estimates (Decimal, from the last
quote); the engine does the exact integer checks again.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from backend.api.protocol import OrderRequest, TwapArgs
from widgets.format import fmt_number

OP_LABELS = {"order.place": "", "order.twap": "TWAP ", "order.iceberg": "iceberg ", "order.oco": "OCO "}
PRICE_ARGS = ("price", "price_limit", "trigger", "tp")  # the first one given prices the order


@dataclass(frozen=True, slots=True)
class OrderIntent:
    """An order about to be sent: the request (exact decimal strings) and where it came from."""

    request: OrderRequest
    source: str  # "ticket" | "command bar" | "palette" | "close"

    @property
    def op(self) -> str:
        return self.request.op

    @property
    def market(self) -> str:
        return self.request.market

    def describe(self) -> str:
        """'buy 5000 SOL-PERP market', 'TWAP sell 10 ETH-PERP over 600 s every 60 s'."""
        r = self.request
        size = f"${r.size}" if getattr(r, "size_in", "base") == "usd" else r.size
        text = f"{OP_LABELS.get(self.op, '')}{r.side} {size} {self.market}"
        if self.op == "order.place":
            text += f" {str(getattr(r, 'type', 'limit')).replace('_', ' ')}"
        for key, label in (
            ("price", "@"),
            ("price_limit", "limit"),
            ("trigger", "stop"),
            ("display", "show"),
            ("tp", "tp"),
            ("sl", "sl"),
        ):
            if getattr(r, key, None):
                text += f" {label} {getattr(r, key)}"
        if isinstance(r, TwapArgs):
            text += f" over {r.duration} s every {r.interval} s"
        if getattr(r, "reduce_only", False):
            text += " reduce-only"
        return text


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() and number > 0 else None


def estimate_notional(intent: OrderIntent, reference_price: Decimal | None) -> Decimal | None:
    """USD value of the order: its size at its own price, else at the market's last price; None = unknown."""
    request = intent.request
    size = _decimal(request.size)
    if size is None:
        return None
    if getattr(request, "size_in", "base") == "usd":
        return size
    prices = (getattr(request, key, None) for key in PRICE_ARGS)
    price = next((p for p in (_decimal(text) for text in prices if text) if p is not None), reference_price)
    return size * price if price is not None else None


def confirm_reasons(
    notional: Decimal | None, free_collateral: Decimal | None, confirm_notional: float, free_fraction: float
) -> list[str]:
    """Why this order needs a second look (empty: send it). The rule, in one place."""
    if notional is None:
        return ["there is no price yet to value it"]
    reasons = []
    limit = Decimal(str(confirm_notional))
    if notional > limit:
        reasons.append(
            f"its notional ${fmt_number(notional, 2)} is above your confirm limit "
            f"${fmt_number(limit, 2)} (confirm_notional)"
        )
    if free_collateral is not None and free_fraction > 0:
        share = Decimal(str(free_fraction)) * max(free_collateral, Decimal(0))
        if notional > share:
            reasons.append(
                f"it is {fmt_number(notional / max(free_collateral, Decimal('0.01')), 1)}× your free "
                f"collateral ${fmt_number(free_collateral, 2)} (confirm above "
                f"{fmt_number(Decimal(str(free_fraction)) * 100, 0)}%: confirm_free_fraction)"
            )
    return reasons
