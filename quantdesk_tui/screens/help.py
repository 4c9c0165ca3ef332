"""`?`: the keys around the focus first, then every key of the app by group; scrolls."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Static

from quantdesk_tui.keys import all_bindings
from widgets.help_panel import HelpPanel, key_label, pane_bindings


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close", id="help.close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 84; max-width: 100%; height: 100%; max-height: 100%;
                                  border: round $primary; background: $surface; padding: 0 1; }
    HelpScreen HelpPanel { border: none; padding: 0; width: 1fr; background: $surface; }
    HelpScreen #help-hint { color: $text-muted; }
    """

    def __init__(self, focused: DOMNode | None) -> None:
        super().__init__()
        self._focused = focused

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-scroll"):
            yield Static("↑ ↓ PgUp PgDn scroll · Esc or ? closes", id="help-hint")
            yield HelpPanel(id="help-here")
            yield HelpPanel(id="help")

    def on_mount(self) -> None:
        here = [
            (f"Here: {name}", [(key_label(b.key_display or b.key), b.description, b.id or "") for b in bindings])
            for name, bindings in pane_bindings(self._focused)
        ]
        self.query_one("#help-here", HelpPanel).show_groups(here)
        self.query_one("#help-here", HelpPanel).display = bool(here)
        self.query_one("#help", HelpPanel).show_groups(all_bindings(self.app))
        self.query_one(VerticalScroll).border_title = "Keys"
        self.query_one(VerticalScroll).focus()
