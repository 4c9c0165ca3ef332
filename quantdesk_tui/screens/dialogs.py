"""The confirm and prompt modals the Portfolio, Alerts and Admin screens use before changing anything."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 64; max-width: 95%; height: auto; border: round $warning; background: $surface;
                     padding: 0 1; }}
{name} .dialog-title {{ text-style: bold; color: $warning; }}
{name} .dialog-hint {{ color: $text-muted; }}
{name} .dialog-error {{ color: $error; height: auto; }}
{name} Input {{ margin: 1 0 0 0; }}
"""


class ConfirmScreen(ModalScreen[bool]):
    """`y`/Enter confirms, `n`/Esc cancels; dismisses with True or False."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Confirm", id="dialog.confirm"),
        Binding("n,escape", "answer(False)", "Cancel", id="dialog.cancel"),
    ]
    DEFAULT_CSS = DIALOG_CSS.format(name="ConfirmScreen")

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.body, id="confirm-body", markup=False)
            yield Static("y / Enter: confirm    n / Esc: cancel", classes="dialog-hint")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class PromptScreen(ModalScreen[str | None]):
    """One line of input; Enter submits (if `check` finds nothing wrong), Esc cancels with None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]
    DEFAULT_CSS = DIALOG_CSS.format(name="PromptScreen")

    def __init__(self, title: str, hint: str, value: str = "", check=None) -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.value = value
        self.check = check  # callable(text) -> error message or None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.hint, classes="dialog-hint", markup=False)
            yield Input(self.value, id="prompt-input", compact=True)
            yield Static("", id="prompt-error", classes="dialog-error", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        problem = self.check(text) if self.check else None
        if problem:
            self.query_one("#prompt-error", Static).update(problem)
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
