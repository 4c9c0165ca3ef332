"""The paper venue as risk's `VenueView`: accounts, their margin and positions, a market's state, and
cancelling every order. The venue depends on risk (pre-trade checks), so this adapter lives here and
risk only knows the protocol."""

from __future__ import annotations

from typing import Any

from backend.api.protocol import AccountView, PositionView
from backend.venues import views
from backend.venues.ops import TradingOps
from backend.venues.paper import PaperVenue


class PaperVenueView:
    """risk.monitor.VenueView over a PaperVenue and its TradingOps."""

    def __init__(self, venue: PaperVenue, trading: TradingOps) -> None:
        self.venue = venue
        self.trading = trading

    def accounts(self) -> list[tuple[str, int]]:
        return sorted(self.venue.state.users)

    def account_view(self, authority: str, sub: int) -> AccountView | None:
        trading_state = str(self.trading.trading_state())
        return views.account_view(self.venue.state, authority, sub, self.venue.ctx(), trading_state)

    def positions_view(self, authority: str, sub: int) -> list[PositionView]:
        return views.position_views(self.venue.state, authority, sub, self.venue.ctx())

    def market_state(self, market: str) -> dict[str, Any]:
        return self.trading.market_state(market)

    async def cancel_all(self, authority: str | None, reason: str) -> int:
        return len(await self.trading.cancel_all(None, reason=reason))
