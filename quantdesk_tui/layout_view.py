"""Renders a layout tree as nested containers, or as tabs when the terminal is small.

On the app's first screen (see deferred_body.py) the view first draws its panes' frames itself, one
widget for the whole layout, and composes the containers and panes right after the first paint.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.strip import Strip
from textual.widget import Widget

from quantdesk_tui.deferred_body import DeferredBody
from quantdesk_tui.layout import PANE_TITLES, Node, Split, pane_boxes, panes_of
from quantdesk_tui.pane import Pane


class LayoutView(DeferredBody, Vertical):
    COMPONENT_CLASSES = {"layout-view--frame", "layout-view--title"}
    DEFAULT_CSS = """
    LayoutView { height: 1fr; }
    LayoutView .split-h { height: 1fr; }
    LayoutView .split-v { width: 1fr; }
    LayoutView TabbedContent { height: 1fr; }
    LayoutView TabPane { height: 1fr; padding: 0; }
    LayoutView > .layout-view--frame { color: $surface-lighten-2; }  /* a Pane's border and title */
    LayoutView > .layout-view--title { color: $text-muted; }
    """

    def __init__(self, tree: Node, *, folded: bool, maximized: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.layout_tree = tree
        self.folded = folded
        self.maximized_pane = maximized
        self._frames: list[Strip] | None = None

    def can_wait(self) -> bool:
        return not self.folded  # frames it can draw; tabs are composed at once

    def body(self) -> ComposeResult:
        from quantdesk_tui.panes import PANES  # the panes' modules load after the first paint

        if self.maximized_pane is not None:
            yield PANES[self.maximized_pane](id=f"pane-{self.maximized_pane}")
        elif self.folded:
            from textual.widgets import TabbedContent, TabPane

            with TabbedContent(id="layout-tabs"):
                for name in panes_of(self.layout_tree):
                    with TabPane(PANE_TITLES[name], id=f"tab-{name}"):
                        yield PANES[name](id=f"pane-{name}")
        else:
            yield build(self.layout_tree)

    def body_ready(self) -> None:
        self._frames = None  # the panes draw their own frames from now on
        self.refresh()

    def panes(self) -> list[Pane]:
        return list(self.query(Pane))

    def render_line(self, y: int) -> Strip:
        if not self.waiting:
            return super().render_line(y)
        if self._frames is None or len(self._frames) != self.size.height:
            self._frames = self._draw_frames()
        return self._frames[y] if y < len(self._frames) else Strip.blank(self.size.width)

    def on_resize(self) -> None:
        self._frames = None

    def _draw_frames(self) -> list[Strip]:
        """The panes' frames and titles as the panes draw them, before the panes exist."""
        width, height = self.size
        tree = self.layout_tree if self.maximized_pane is None else self.maximized_pane
        frame = self.get_component_rich_style("layout-view--frame")
        title_style = self.get_component_rich_style("layout-view--title")
        blank = Style(bgcolor=frame.bgcolor)
        rows: list[list[tuple[int, list[Segment]]]] = [[] for _ in range(height)]
        for name, x, y, w, h in pane_boxes(tree, 0, 0, width, height):
            if w < 2 or h < 2:
                continue
            rows[y].append((x, _top_edge(PANE_TITLES[name], w, frame, title_style)))
            for row in range(y + 1, y + h - 1):
                rows[row].append((x, [Segment("│", frame), Segment(" " * (w - 2), blank), Segment("│", frame)]))
            rows[y + h - 1].append((x, [Segment("╰" + "─" * (w - 2) + "╯", frame)]))
        strips = []
        for parts_at in rows:
            segments: list[Segment] = []
            for _, parts in sorted(parts_at, key=lambda part: part[0]):
                segments += parts
            strips.append(Strip(segments).adjust_cell_length(width, blank))
        return strips


def _top_edge(title: str, width: int, frame: Style, title_style: Style) -> list[Segment]:
    """`╭─ Title ───╮` as Textual draws a round border's left-aligned title (cut with … to fit)."""
    room = width - 6  # the corners, a dash and a space on each side
    if not title or room <= 0:
        return [Segment("╭" + "─" * (width - 2) + "╮", frame)]
    if len(title) > room:
        title = title[: room - 1] + "…"
    label = f" {title} "
    space = width - 2 - len(label)
    return [
        Segment("╭─" if space else "╭", frame),
        Segment(label, title_style),
        Segment("─" * max(0, space - 1) + "╮", frame),
    ]


def build(node: Node) -> Widget:
    from quantdesk_tui.panes import PANES

    if isinstance(node, str):
        return PANES[node](id=f"pane-{node}")
    children = [build(child) for child in node.children]
    for child, size in zip(children, node.sizes, strict=True):
        if node.direction == "h":
            child.styles.width = f"{size}fr"
        else:
            child.styles.height = f"{size}fr"
    container = (
        Horizontal(*children, classes="split-h") if node.direction == "h" else Vertical(*children, classes="split-v")
    )
    return container


def describe(node: Node) -> str:
    if isinstance(node, str):
        return node
    assert isinstance(node, Split)
    joiner = " | " if node.direction == "h" else " / "
    return "(" + joiner.join(describe(c) for c in node.children) + ")"
