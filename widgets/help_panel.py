"""HelpPanel: key bindings as a table — key, what it does, binding id — under human headings.

A binding's heading comes from its id (`ticket.submit` -> "Order ticket"), never a class name;
keys are written as a keyboard prints them (`Ctrl+K`, `:`, `F5`, `Esc`).
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import format_key
from textual.screen import Screen
from textual.widgets import Static

GROUPS = {  # binding id prefix -> heading, in the order help shows them
    "app": "Global",
    "palette": "Global",
    "command": "Command bar",
    "layout": "Trade layout",
    "ticket": "Order ticket",
    "book": "Order book",
    "chart": "Chart",
    "positions": "Positions",
    "orders": "Orders",
    "table": "Any table",
    "watchlist": "Markets watchlist",
    "portfolio": "Portfolio (F4)",
    "risk": "Risk (F5)",
    "alerts": "Alerts (F6)",
    "system": "System (F7)",
    "admin": "Admin (F8)",
    "log": "Log",
    "dialog": "Dialogs",
    "help": "Help",
}
KEY_NAMES = {
    "colon": ":",
    "question_mark": "?",
    "slash": "/",
    "plus": "+",
    "minus": "-",
    "equals_sign": "=",
    "escape": "Esc",
    "enter": "Enter",
    "tab": "Tab",
    "space": "Space",
    "delete": "Del",
    "backspace": "Bksp",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "home": "Home",
    "end": "End",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
}

Row = tuple[str, str, str]  # (keys, what it does, binding id)


def key_label(keys: str) -> str:
    """'ctrl+up,question_mark,f2' -> 'Ctrl+↑ ? F2': how a trader would write the keys down."""
    labels = []
    for key in keys.split(","):
        *modifiers, name = key.strip().split("+")
        if len(name) > 1:
            is_f_key = name[0] == "f" and name[1:].isdigit()
            name = KEY_NAMES.get(name, name.upper() if is_f_key else format_key(name))
        elif modifiers:
            name = name.upper()  # Ctrl+K, as keyboards print it
        labels.append("+".join([m.title() for m in modifiers] + [name]))
    return " ".join(labels)


def heading(binding_id: str | None) -> str:
    """The group a binding is listed under; Textual's own bindings (scrolling, text editing) have no id."""
    prefix = (binding_id or "").split(".")[0]
    return GROUPS.get(prefix, prefix.title() or "Editing and scrolling")


def heading_order(name: str) -> tuple[int, str]:
    order = list(dict.fromkeys(GROUPS.values()))
    return (order.index(name) if name in order else len(order), name)


def pane_bindings(node: DOMNode | None, include_global: bool = False) -> list[tuple[str, list[Binding]]]:
    """(heading, bindings) from `node` outwards, nearest first; the same key bound closer in
    hides the outer one, as Textual itself resolves it. Screen and App keys only if include_global."""
    groups: dict[str, list[Binding]] = {}
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
        for binding in _merge_keys(found):
            groups.setdefault(heading(binding.id), []).append(binding)
        node = node.parent
    return list(groups.items())


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


class HelpPanel(Static):
    """`show_for(app.focused)` lists the keys around the focus; `show_groups` any grouped rows."""

    DEFAULT_CSS = """
    HelpPanel { background: $panel; color: $foreground; padding: 1 2; height: auto; width: auto;
                border: round $primary; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None, **kwargs: Any) -> None:
        super().__init__("", id=id, classes=classes, **kwargs)
        self.groups: list[tuple[str, list[Row]]] = []

    def show_for(self, node: DOMNode | None, include_global: bool = False) -> None:
        self.show_groups(
            [
                (name, [(key_label(b.key_display or b.key), b.description, b.id or "") for b in bindings])
                for name, bindings in pane_bindings(node, include_global)
            ]
        )

    def show_groups(self, groups: list[tuple[str, list[Row]]]) -> None:
        self.groups = groups
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        table.add_column(style="dim", no_wrap=True)
        for name, rows in groups:
            table.add_row(Text(name, style="underline"), "", "")
            for row in rows:
                table.add_row(*row)
        if not groups:
            table.add_row("", "no keys here", "")
        self.update(table)

    def lines(self) -> list[str]:
        """The rows shown, as plain 'key  description' text (tests, command palette)."""
        return [f"{keys}  {description}" for _, rows in self.groups for keys, description, _ in rows]
