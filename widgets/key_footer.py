"""The key footer: the focused screen's keys on one line, drawn as one piece of text.

Textual's Footer mounts a widget per key and rebuilds them all whenever the bindings change, which is
every focus move and screen switch: each rebuild restyled a dozen widgets (a quarter of the UI's time
while Tabbing between panes) and leaked a watcher per key, so every move cost more than the last.
This footer keeps no child widgets: a bindings change repaints one line.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widget import Widget


class FooterKey(NamedTuple):
    """One key as shown: where it sits on the line, and what pressing or clicking it does."""

    key: str
    key_display: str
    description: str
    enabled: bool
    start: int  # first and last+1 cell of the key on the line
    end: int


class KeyFooter(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-footer--key", "key-footer--description"}
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        .key-footer--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
        .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.keys: list[FooterKey] = []  # as last drawn

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh()

    def shown_bindings(self) -> list[tuple[Binding, bool]]:
        """(binding, enabled) of the keys to show, one per action, the command palette's last."""
        active = self.screen.active_bindings
        palette = self.app.COMMAND_PALETTE_BINDING if self.app.ENABLE_COMMAND_PALETTE else None
        seen: set[str] = set()
        shown: list[tuple[Binding, bool]] = []
        for key, (_node, binding, enabled, _tooltip) in active.items():
            if binding.show and binding.action not in seen and key != palette:
                seen.add(binding.action)
                shown.append((binding, enabled))
        if palette is not None and palette in active:
            _node, binding, enabled, _tooltip = active[palette]
            shown.append((binding, enabled))
        return shown

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-footer--key")
        description_style = self.get_component_rich_style("key-footer--description")
        line = Text(no_wrap=True, overflow="crop")
        self.keys = []
        for binding, enabled in self.shown_bindings():
            dim = Style() if enabled else Style(dim=True)
            display = self.app.get_key_display(binding)
            start = line.cell_len
            line.append(f" {display} ", key_style + dim)
            if binding.description:
                line.append(f"{binding.description} ", description_style + dim)
            self.keys.append(FooterKey(binding.key, display, binding.description, enabled, start, line.cell_len))
        return line

    def on_click(self, event: events.Click) -> None:
        for key in self.keys:
            if key.start <= event.x < key.end:
                if key.enabled:
                    self.app.simulate_key(key.key)
                else:
                    self.app.bell()
                return
