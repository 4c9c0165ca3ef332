"""HelpPanel: the keys of the focused pane (and the panes around it), read from their bindings."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Static


def pane_bindings(node: DOMNode | None, include_global: bool = False) -> list[tuple[str, list[Binding]]]:
    """(pane name, its bindings) from `node` outwards, nearest first; the same key bound closer in
    hides the outer one, as Textual itself resolves it. Screen and App keys only if include_global."""
    groups: list[tuple[str, list[Binding]]] = []
    seen_keys: set[str] = set()
    while node is not None:
        if not include_global and (isinstance(node, Screen) or node is node.app):
            break
        found: list[Binding] = []
        for key, bindings in node._bindings.key_to_bindings.items():
            if key in seen_keys:
                continue
            seen_keys.add(key)
            found.extend(binding for binding in bindings if binding.description)
        if found:
            groups.append((type(node).__name__, _merge_keys(found)))
        node = node.parent
    return groups


def _merge_keys(bindings: list[Binding]) -> list[Binding]:
    """One entry per action: 'up,k' style bindings come out of Textual split per key."""
    merged: dict[tuple[str, str], Binding] = {}
    for binding in bindings:
        slot = (binding.action, binding.description)
        if slot in merged:
            first = merged[slot]
            merged[slot] = Binding(
                f"{first.key},{binding.key}",
                first.action,
                first.description,
                show=first.show,
                key_display=first.key_display,
                id=first.id,
            )
        else:
            merged[slot] = binding
    return list(merged.values())


def key_label(binding: Binding) -> str:
    keys = binding.key_display or binding.key
    names = {
        "slash": "/",
        "question_mark": "?",
        "pageup": "PgUp",
        "pagedown": "PgDn",
        "escape": "Esc",
        "enter": "Enter",
        "delete": "Del",
        "up": "↑",
        "down": "↓",
        "left": "←",
        "right": "→",
        "plus": "+",
        "minus": "-",
        "equals_sign": "=",
        "home": "Home",
        "end": "End",
    }
    return " ".join(names.get(key, key.replace("ctrl+", "^")) for key in keys.split(","))


class HelpPanel(Static):
    """Call `show_for(app.focused)` when `?` is pressed; it lists key, what it does, and binding id."""

    DEFAULT_CSS = """
    HelpPanel { background: $panel; color: $foreground; padding: 1 2; height: auto; width: auto;
                border: round $primary; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None, **kwargs: Any) -> None:
        super().__init__("", id=id, classes=classes, **kwargs)
        self.groups: list[tuple[str, list[Binding]]] = []

    def show_for(self, node: DOMNode | None, include_global: bool = False) -> None:
        self.groups = pane_bindings(node, include_global)
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        table.add_column(style="dim", no_wrap=True)
        for name, bindings in self.groups:
            table.add_row(Text(name, style="underline"), "", "")
            for binding in bindings:
                table.add_row(key_label(binding), binding.description, binding.id or "")
        if not self.groups:
            table.add_row("", "no keys here", "")
        self.update(table)

    def lines(self) -> list[str]:
        """The rows shown, as plain 'key  description' text (tests, command palette)."""
        return [f"{key_label(b)}  {b.description}" for _, bindings in self.groups for b in bindings]
