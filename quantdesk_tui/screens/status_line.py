"""StatusLine: the line under a screen's tables that says what its last action did, red when refused."""

from __future__ import annotations

from textual.widgets import Static


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; color: $text-muted; }
    StatusLine.-error { color: $error; text-style: bold; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)  # a backend's message is shown as sent, brackets and all

    def say(self, message: str, error: bool = False) -> None:
        self.update(message)
        self.set_class(error, "-error")
