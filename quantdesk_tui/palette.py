"""Command palette (Ctrl+P): every bound action of the app and screen, every market to focus, order
entry and closing a position."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.binding import Binding
from textual.await_complete import AwaitComplete
from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider

from backend.api.protocol import BASE_PRECISION
from quantdesk_tui.desk_app import desk_app


class QuantDeskCommands(Provider):
    def _entries(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = desk_app(self.app)
        entries: list[tuple[str, str, Callable[[], object]]] = []
        for market in app.hub.markets:
            entries.append(
                (
                    f"Focus {market.symbol}",
                    f"{market.base}/{market.quote} perpetual",
                    partial(app.focus_market, market.symbol),
                )
            )
        # orders from the palette go through the command bar and the one confirm rule (trading.submit)
        for side in ("buy", "sell"):
            entries.append(
                (
                    f"{side.title()} {app.hub.market}…",
                    "type the size in the command bar",
                    partial(app.open_command_bar, f"{side}  {app.hub.market}", len(side) + 1),
                )
            )
        for (sub, symbol), position in sorted(app.hub.positions.items()):
            entries.append(
                (
                    f"Close {symbol} position (sub {sub})",
                    f"size {position.base / BASE_PRECISION:g}; asks first when large",
                    partial(app.trading.close_position, symbol, sub),
                )
            )
        seen: set[str] = set()
        for node in (self.screen, self.app):
            for binding in node.BINDINGS:
                if not isinstance(binding, Binding):  # (key, action[, description]) tuples: none in this app
                    continue
                action = binding.action
                if not action or action in seen or not binding.description:
                    continue
                seen.add(action)
                entries.append(
                    (
                        binding.description,
                        f"key {binding.key}  ({binding.id or action})",
                        partial(node.run_action, action),
                    )
                )
        for mode in app.SCREEN_NAMES:
            entries.append((f"Screen: {mode.title()}", "switch screen", partial(self.app.switch_mode, mode)))
        return entries

    async def discover(self) -> Hits:
        for title, help_text, callback in self._entries():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)


class SafeCommandPalette(CommandPalette):
    """Textual's palette, minus two crashes the monkey found: PageUp/PageDown before its list is laid
    out (KeyError inside OptionList), and a pick still in flight when the trader switched screens
    (the palette then dismissed itself from a screen stack it was no longer on)."""

    def _action_command_list(self, action: str) -> None:
        try:
            super()._action_command_list(action)
        except KeyError:
            pass

    def dismiss(self, result: None = None) -> AwaitComplete:
        if self.app.screen is not self:  # already closed by a screen switch: nothing left to pop
            return AwaitComplete.nothing()
        return super().dismiss(result)
