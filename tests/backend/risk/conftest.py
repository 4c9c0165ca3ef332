"""A fake venue that speaks the VenueView protocol, and a store per test."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from backend.api.protocol import AccountView, CollateralView, PositionView
from backend.store.db import Store


def account(
    sub: int = 0,
    *,
    equity: int = 10_000 * 10**6,
    collateral: int | None = None,
    maint: int = 0,
    initial: int = 0,
    leverage: int = 0,
    margin_ratio: int = 0,
) -> AccountView:
    total = equity if collateral is None else collateral
    return AccountView(
        sub_account=sub,
        collateral=[CollateralView("USDC", total, 6, total, 10_000)],
        total_collateral=total,
        initial_margin=initial,
        maintenance_margin=maint,
        free_collateral=total - initial,
        equity=equity,
        unrealized_pnl=0,
        leverage=leverage,
        margin_ratio=margin_ratio,
    )


def position(
    market: str,
    base: float,
    price: float,
    *,
    liq: float = 0.0,
    sub: int = 0,
    upnl: float = 0.0,
    realized: float = 0.0,
    funding: float = 0.0,
    fees: float = 0.0,
) -> PositionView:
    return PositionView(
        market=market,
        sub_account=sub,
        base=round(base * 1e9),
        entry_price=round(price * 1e6),
        mark_price=round(price * 1e6),
        unrealized_pnl=round(upnl * 1e6),
        realized_pnl=round(realized * 1e6),
        funding_pnl=round(funding * 1e6),
        fees=round(fees * 1e6),
        liq_price=round(liq * 1e6),
        notional=round(abs(base) * price * 1e6),
    )


@dataclass
class FakeVenue:
    views: dict[tuple[str, int], AccountView] = field(default_factory=dict)
    positions: dict[tuple[str, int], list[PositionView]] = field(default_factory=dict)
    prices: dict[str, int] = field(default_factory=dict)
    open_orders: dict[str | None, int] = field(default_factory=dict)
    cancel_calls: list[tuple[str | None, str]] = field(default_factory=list)

    def accounts(self) -> list[tuple[str, int]]:
        return sorted(self.views)

    def account_view(self, authority: str, sub: int) -> AccountView | None:
        return self.views.get((authority, sub))

    def positions_view(self, authority: str, sub: int) -> list[PositionView]:
        return self.positions.get((authority, sub), [])

    def market_state(self, market: str) -> dict[str, Any]:
        return {
            "funding_rate": 0,
            "open_interest": 0,
            "mark_price": self.prices.get(market, 0),
            "oracle_price": self.prices.get(market, 0),
        }

    async def cancel_all(self, authority: str | None, reason: str) -> int:
        self.cancel_calls.append((authority, reason))
        n = sum(self.open_orders.values())
        self.open_orders.clear()
        return n


@pytest.fixture
def venue() -> FakeVenue:
    return FakeVenue()


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store(tmp_path / "risk.db")
    s.start()
    yield s
    s.stop()
