"""`?`: the keys of the focused pane, then the screen's and the app's."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.dom import DOMNode
from textual.screen import ModalScreen

from widgets.help_panel import HelpPanel


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close", id="help.close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 72; max-width: 95%; height: auto; max-height: 90%;
                            border: round $primary; background: $surface; padding: 0 1; }
    """

    def __init__(self, focused: DOMNode | None) -> None:
        super().__init__()
        self._focused = focused

    def compose(self) -> ComposeResult:
        with Vertical():
            yield HelpPanel(id="help")

    def on_mount(self) -> None:
        self.query_one(HelpPanel).show_for(self._focused, include_global=True)
