"""LogPane: a bounded, searchable (`/`), pausable (`p`) log view on the Line API."""

from __future__ import annotations

from collections import deque
from typing import ClassVar, NamedTuple

from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Input, Static

LEVEL_TONES = {"error": "error", "critical": "error", "warning": "warn", "warn": "warn", "debug": "dim"}


class LogLine(NamedTuple):
    text: str
    level: str = "info"


class LogView(ScrollView, can_focus=True):
    """The lines themselves; follows the tail unless the user scrolled up."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "log-view--error",
        "log-view--warn",
        "log-view--dim",
        "log-view--match",
    }
    DEFAULT_CSS = """
    LogView { background: $surface; color: $foreground; height: 1fr; }
    LogView > .log-view--error { color: $down; }
    LogView > .log-view--warn { color: $warn; }
    LogView > .log-view--dim { color: $muted-text; }
    LogView > .log-view--match { background: $accent 40%; text-style: bold; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[LogLine] = []
        self.search = ""

    def show(self, lines: list[LogLine], query: str) -> None:
        follow = self.is_vertical_scroll_end or not self.lines
        self.lines, self.search = lines, query
        self.virtual_size = Size(max((len(line.text) for line in lines), default=0), len(lines))
        if follow:
            self.scroll_end(animate=False, immediate=True)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.size.width
        base = self.rich_style
        if index >= len(self.lines):
            return Strip.blank(width, base)
        line = self.lines[index]
        tone = LEVEL_TONES.get(line.level)
        style = base + self.get_component_rich_style(f"log-view--{tone}", partial=True) if tone else base
        segments = self._highlight(line.text, style)
        return Strip(segments).crop_extend(scroll_x, scroll_x + width, base)

    def _highlight(self, text: str, style: Style) -> list[Segment]:
        if not self.search:
            return [Segment(text, style)]
        match_style = style + self.get_component_rich_style("log-view--match", partial=True)
        segments: list[Segment] = []
        lowered, needle, start = text.lower(), self.search.lower(), 0
        while (found := lowered.find(needle, start)) >= 0:
            segments += [
                Segment(text[start:found], style),
                Segment(text[found : found + len(needle)], match_style),
            ]
            start = found + len(needle)
        segments.append(Segment(text[start:], style))
        return segments


class LogPane(Vertical):
    """Owner calls `write(text, level)`; keeps the newest `max_lines`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", id="log.search"),
        Binding("p", "toggle_pause", "Pause", id="log.pause"),
        Binding("escape", "clear_search", "Clear search", show=False, id="log.clear_search"),
    ]
    DEFAULT_CSS = """
    LogPane { height: 1fr; }
    LogPane > #log-search { display: none; }
    LogPane.-searching > #log-search { display: block; }
    LogPane > #log-state { height: 1; background: $panel; color: $text-muted; }
    LogPane.-paused > #log-state { color: $warn; text-style: bold; }
    """

    def __init__(self, *, max_lines: int = 2000, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.max_lines = max_lines
        self._lines: deque[LogLine] = deque(maxlen=max_lines)
        self._held: deque[LogLine] = deque(maxlen=max_lines)
        self.paused = False
        self.query_text = ""
        self.view = LogView(id="log-view")

    def compose(self) -> ComposeResult:
        yield self.view
        yield Input(placeholder="search log, enter to keep, esc to clear", compact=True, id="log-search")
        yield Static("", id="log-state")

    def on_mount(self) -> None:
        self._update()

    def write(self, text: str, level: str = "info") -> None:
        line = LogLine(text, level)
        if self.paused:
            self._held.append(line)
            self._update_state()
        else:
            self._lines.append(line)
            self._update()

    def clear(self) -> None:
        self._lines.clear()
        self._held.clear()
        self._update()

    @property
    def visible_lines(self) -> list[str]:
        return [line.text for line in self.view.lines]

    def set_search(self, text: str) -> None:
        self.query_text = text.strip()
        self._update()

    def action_search(self) -> None:
        self.add_class("-searching")
        self.query_one("#log-search", Input).focus()

    def action_clear_search(self) -> None:
        self.query_one("#log-search", Input).value = ""
        self.remove_class("-searching")
        self.set_search("")
        self.view.focus()

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        self.set_class(self.paused, "-paused")
        if not self.paused:
            self._lines.extend(self._held)
            self._held.clear()
        self._update()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.set_search(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.view.focus()

    def _update(self) -> None:
        if not self.is_mounted:
            return
        needle = self.query_text.lower()
        lines = [line for line in self._lines if needle in line.text.lower()] if needle else list(self._lines)
        self.view.show(lines, self.query_text)
        self._update_state()

    def _update_state(self) -> None:
        parts = [f"{len(self._lines)} lines"]
        if self.query_text:
            parts.append(f"{len(self.view.lines)} match {self.query_text!r}")
        if self.paused:
            parts.append(f"PAUSED ({len(self._held)} new) — p to resume")
        self.query_one("#log-state", Static).update(" │ ".join(parts))
