"""Every key binding of the app for the help screen, read from the classes' `Binding`s.

Grouped by binding id (see widgets.help_panel.GROUPS), so a new binding shows up in help by
itself, and a key remapped in config.toml [keymap] shows as remapped.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode

import quantdesk_tui.screens
import widgets
from widgets.help_panel import Row, heading, heading_order, key_label


def _binding_classes() -> list[type[DOMNode]]:
    """Our widget and screen classes that declare BINDINGS (importing every module so none is missed)."""
    for package in (widgets, quantdesk_tui.screens):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
    found: list[type[DOMNode]] = []
    pending: list[type[DOMNode]] = [DOMNode]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in ("widgets", "quantdesk_tui") and "BINDINGS" in vars(cls):
            found.append(cls)
    return sorted(found, key=lambda c: (c.__module__, c.__qualname__))


def all_bindings(app: App[Any]) -> list[tuple[str, list[Row]]]:
    """(heading, [(keys, what it does, binding id)]) for every binding of the app, with the keys
    the active keymap gives them, plus the command palette (a Textual binding without an id)."""
    keymap: dict[str, str] = dict(getattr(app, "_keymap", {}))
    groups: dict[str, dict[str, Row]] = {}
    app_classes = [cls for cls in type(app).__mro__ if "BINDINGS" in vars(cls) and cls.__module__ != "textual.app"]
    for cls in [*app_classes, *_binding_classes()]:
        for binding in vars(cls)["BINDINGS"]:
            if isinstance(binding, Binding) and binding.id and binding.description:
                keys = keymap.get(binding.id, binding.key)
                groups.setdefault(heading(binding.id), {})[binding.id] = (
                    key_label(keys),
                    binding.description,
                    binding.id,
                )
    palette = getattr(app, "COMMAND_PALETTE_BINDING", "ctrl+p")
    groups.setdefault(heading("palette"), {})["palette.open"] = (key_label(palette), "Command palette", "")
    return [(name, list(groups[name].values())) for name in sorted(groups, key=heading_order)]
