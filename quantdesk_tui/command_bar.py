"""The command bar on `:` — the same grammar as the CLI, with completion, history and inline errors."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input, Static

from quantdesk_tui.grammar import Command, GrammarError, completions, parse

HISTORY_LIMIT = 200


class GrammarSuggester(Suggester):
    def __init__(self, markets: Callable[[], list[str]]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._markets = markets

    async def get_suggestion(self, value: str) -> str | None:
        if not value or value.endswith(" "):
            return None
        found = completions(value, self._markets())
        if not found:
            return None
        head = value.rsplit(" ", 1)[0] + " " if " " in value else ""
        return head + found[0]


class CommandBar(Vertical):
    """Hidden until `:`; Enter runs, Esc closes, ↑/↓ walk the history, Tab completes."""

    DEFAULT_CSS = """
    CommandBar { dock: bottom; height: auto; display: none; background: $surface; }
    CommandBar.-open { display: block; }
    CommandBar Input { border: none; height: 1; padding: 0 1; background: $surface; }
    CommandBar #command-error { color: $error; padding: 0 1; height: auto; }
    CommandBar #command-error.-empty { display: none; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close", id="command.close"),
        Binding("up", "history(-1)", "Previous", show=False, id="command.previous"),
        Binding("down", "history(1)", "Next", show=False, id="command.next"),
        Binding("tab", "complete", "Complete", show=False, id="command.complete", priority=True),
    ]

    class Submitted(Message):
        def __init__(self, command: Command, text: str) -> None:
            super().__init__()
            self.command = command
            self.text = text

    def __init__(self, markets: Callable[[], list[str]], **kwargs) -> None:
        super().__init__(**kwargs)
        self._markets = markets
        self.history: list[str] = []
        self._cursor = 0

    def compose(self) -> ComposeResult:
        yield Static("", id="command-error", classes="-empty")
        yield Input(placeholder=": buy 1 SOL-PERP @ 140 tp 150 sl 130   (Tab completes, Esc closes)",
                    suggester=GrammarSuggester(self._markets), id="command-input")

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    def open(self, text: str = "") -> None:
        self.add_class("-open")
        self.input.value = text
        self.input.cursor_position = len(text)
        self._cursor = len(self.history)
        self.input.focus()

    def action_close(self) -> None:
        self.show_error("")
        self.remove_class("-open")
        self.screen.set_focus(None)
        self.screen.focus_next()

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self._cursor = max(0, min(len(self.history), self._cursor + step))
        self.input.value = self.history[self._cursor] if self._cursor < len(self.history) else ""
        self.input.cursor_position = len(self.input.value)

    def action_complete(self) -> None:
        if not self.has_class("-open"):
            return
        value = self.input.value
        found = completions(value, self._markets())
        if found:
            head = value.rsplit(" ", 1)[0] + " " if " " in value else ""
            self.input.value = head + found[0] + " "
            self.input.cursor_position = len(self.input.value)

    def show_error(self, message: str) -> None:
        error = self.query_one("#command-error", Static)
        error.update(message)
        error.set_class(not message, "-empty")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        try:
            command = parse(text, self._markets())
        except GrammarError as exc:
            self.show_error(f"✗ {exc}")
            return
        if not self.history or self.history[-1] != text:
            self.history = [*self.history, text][-HISTORY_LIMIT:]
        self.show_error("")
        self.input.value = ""
        self.remove_class("-open")
        self.post_message(self.Submitted(command, text))
