"""The command bar on `:` — the same grammar as the CLI, with completion, history and inline errors."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.suggester import Suggester
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from quantdesk_tui.command_history import CommandHistory
from quantdesk_tui.deferred_body import DeferredBody
from quantdesk_tui.grammar import Command, GrammarError, completions, parse

SHOWN_COMPLETIONS = 8


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


class CommandBar(DeferredBody, Vertical):
    """Hidden until `:`; Enter runs, Esc closes, ↑/↓ walk the history, Tab completes.

    Three rows while open: what is wrong with the last Enter (if anything), the input, and the
    words that complete the one being typed. On the app's first screen they are composed after the
    first paint (deferred_body.py); a `:` pressed before that opens the bar once they are there.
    """

    DEFAULT_CSS = """
    CommandBar { dock: bottom; height: auto; display: none; background: $surface; border-top: solid $primary; }
    CommandBar.-open { display: block; }
    CommandBar #command-row { height: 1; }
    CommandBar #command-prompt { width: 2; color: $primary; text-style: bold; padding: 0 0 0 1; }
    CommandBar #command-input { width: 1fr; height: 1; border: none; padding: 0 1 0 0; background: $surface; }
    CommandBar #command-error { color: $error; padding: 0 1; height: auto; }
    CommandBar #command-completions { color: $text-muted; padding: 0 1; height: 1; }
    CommandBar .-empty { display: none; }
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

    def __init__(self, markets: Callable[[], list[str]], history: CommandHistory | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._markets = markets
        self._history = history if history is not None else CommandHistory(None)
        self._cursor = 0
        self._return_focus: Widget | None = None
        self._open_when_ready: tuple[str, int | None] | None = None

    @property
    def history(self) -> list[str]:
        return self._history.entries

    def body(self) -> ComposeResult:
        yield Static("", id="command-error", classes="-empty", markup=False)
        with Horizontal(id="command-row"):
            yield Label(":", id="command-prompt")
            yield Input(
                placeholder="buy 1 SOL-PERP @ 140 tp 150 sl 130   (Tab completes, ↑ history, Esc closes)",
                suggester=GrammarSuggester(self._markets),
                compact=True,
                id="command-input",
            )
        yield Static("", id="command-completions", classes="-empty", markup=False)

    @property
    def input(self) -> Input:
        return self.query_one("#command-input", Input)

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def body_ready(self) -> None:
        if self._open_when_ready is not None:
            self.open(*self._open_when_ready)

    def open(self, text: str = "", cursor: int | None = None) -> None:
        """Show the bar with `text` typed (the cursor at `cursor`, default its end) and focus it."""
        if not self.ready:
            self._open_when_ready = (text, cursor)
            return
        self._open_when_ready = None
        if not self.is_open:
            focused = self.screen.focused
            self._return_focus = focused if focused is not None and focused is not self.input else None
        self.add_class("-open")
        self.input.value = text
        self.input.cursor_position = len(text) if cursor is None else cursor
        self._cursor = len(self.history)
        self.screen.set_focus(self.input)  # now, not after this key: `:eth` typed fast lands in the bar

    def action_close(self) -> None:
        self.show_error("")
        self.remove_class("-open")
        self._give_focus_back()

    def _give_focus_back(self) -> None:
        """Back to where the trader was before `:` (or the first pane when that widget is gone)."""
        target, self._return_focus = self._return_focus, None
        if target is not None and target.is_attached and target.focusable:
            self.screen.set_focus(target)
        else:
            self.screen.set_focus(None)
            self.screen.focus_next()

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self._cursor = max(0, min(len(self.history), self._cursor + step))
        self.input.value = self.history[self._cursor] if self._cursor < len(self.history) else ""
        self.input.cursor_position = len(self.input.value)

    def action_complete(self) -> None:
        if not self.is_open:
            return
        value = self.input.value
        found = completions(value, self._markets())
        if found:
            head = value.rsplit(" ", 1)[0] + " " if " " in value else ""
            self.input.value = head + found[0] + " "
            self.input.cursor_position = len(self.input.value)

    def show_error(self, message: str) -> None:
        if not self.ready:
            return
        error = self.query_one("#command-error", Static)
        error.update(message)
        error.set_class(not message, "-empty")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.show_error("")
        value = event.value
        found = completions(value, self._markets()) if value and not value.endswith(" ") else []
        line = self.query_one("#command-completions", Static)
        line.update("Tab: " + "  ".join(found[:SHOWN_COMPLETIONS]) + ("  …" if len(found) > SHOWN_COMPLETIONS else ""))
        line.set_class(not found, "-empty")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        try:
            command = parse(text, self._markets())
        except GrammarError as exc:
            self.show_error(f"✗ {exc}")
            return
        self._history.add(text)
        self.input.value = ""
        self.remove_class("-open")
        self._give_focus_back()
        self.post_message(self.Submitted(command, text))
