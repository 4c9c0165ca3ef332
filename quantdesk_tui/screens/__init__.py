"""The workstation's screens, one module each; all but the first load when first opened (lazy_screen)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from textual.screen import Screen


def lazy_screen(module: str, name: str) -> Callable[[], Screen[Any]]:
    """A factory for Textual's MODES that imports the screen's module when the mode is first opened."""

    def make() -> Screen[Any]:
        return getattr(importlib.import_module(f"quantdesk_tui.screens.{module}"), name)()

    return make
