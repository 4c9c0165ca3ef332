"""Box: a titled, rounded frame around one part of a screen (lights up while it holds the focus)."""

from __future__ import annotations

from textual.containers import Vertical


class Box(Vertical):
    DEFAULT_CSS = """
    Box { border: round $surface-lighten-2; border-title-color: $text-muted; height: 1fr; width: 1fr; }
    Box:focus-within { border: round $primary; border-title-color: $primary; }
    Box > Static { height: auto; }
    """

    def __init__(self, *children, title: str = "", **kwargs) -> None:
        super().__init__(*children, **kwargs)
        self.border_title = title


def usage_bar(used: int, total: int, width: int = 10) -> str:
    """'███░░░░░░░' for used/total (full when total is zero and something is used)."""
    fraction = 1.0 if total <= 0 and used > 0 else (0.0 if total <= 0 else min(1.0, max(0.0, used / total)))
    filled = round(fraction * width)
    return "█" * filled + "░" * (width - filled)


def tone_styles(variables: dict[str, str]) -> dict[str, str]:
    """Rich styles for the theme's meaning colours (up/down/warn), for text built outside CSS."""
    defaults = {"up": "green", "down": "red", "warn": "yellow"}
    return {name: variables.get(name, fallback) for name, fallback in defaults.items()}
