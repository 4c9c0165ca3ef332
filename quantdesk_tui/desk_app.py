"""DeskApp: what panes, screens and the palette use of the QuantDesk app, typed.

Textual types a widget's `app` as `App[object]`, which knows none of QuantDeskApp's attributes, and
these modules cannot import app.py (it imports them). So this Protocol names exactly the attributes
they read, `desk_app(self.app)` gives the app as one, and desk_app_check.py has mypy check that
QuantDeskApp is one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Protocol, cast

from textual.app import App

from backend.api.protocol import Quote
from backend.client import BackendClient
from quantdesk_tui.command_history import CommandHistory
from quantdesk_tui.config import Config
from quantdesk_tui.deferred_body import PaintingApp
from quantdesk_tui.feed import BackendFeed
from quantdesk_tui.hub import Hub
from quantdesk_tui.trading import TradingActions


class DeskApp(PaintingApp, Protocol):
    client: BackendClient
    config: Config
    hub: Hub
    feed: BackendFeed
    preview: dict[str, Any]  # the order preview for the order ticket
    clock: Callable[[], float]
    status_clock: Callable[[], datetime]
    command_history: CommandHistory
    layout_tree_data: Any  # the Trade layout as it was left (layout_to_data form), taken once
    layout_name: str
    SCREEN_NAMES: tuple[str, ...]

    @property
    def trading(self) -> TradingActions: ...

    def focus_market(self, market: str, tell_group: bool = True) -> None: ...

    def remember_layout(self, layout: object) -> None: ...

    def quotes_shown(self, quotes: Iterable[Quote]) -> None: ...

    def open_command_bar(self, text: str = "", cursor: int | None = None) -> None: ...

    def action_kill_switch(self) -> None: ...


def desk_app(app: App[Any]) -> DeskApp:
    """The running app as a DeskApp: a widget's `self.app` is always the QuantDeskApp (mypy checks
    in desk_app_check.py that QuantDeskApp has every attribute named here)."""
    return cast(DeskApp, app)
