"""Renders a layout tree as nested containers, or as tabs when the terminal is small."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane

from quantdesk_tui.layout import Node, Split, panes_of
from quantdesk_tui.pane import Pane
from quantdesk_tui.panes import PANES


class LayoutView(Vertical):
    DEFAULT_CSS = """
    LayoutView { height: 1fr; }
    LayoutView .split-h { height: 1fr; }
    LayoutView .split-v { width: 1fr; }
    LayoutView TabbedContent { height: 1fr; }
    LayoutView TabPane { height: 1fr; padding: 0; }
    """

    def __init__(self, tree: Node, *, folded: bool, maximized: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.layout_tree = tree
        self.folded = folded
        self.maximized_pane = maximized

    def compose(self) -> ComposeResult:
        if self.maximized_pane is not None:
            yield PANES[self.maximized_pane](id=f"pane-{self.maximized_pane}")
        elif self.folded:
            with TabbedContent(id="layout-tabs"):
                for name in panes_of(self.layout_tree):
                    with TabPane(PANES[name].title or name, id=f"tab-{name}"):
                        yield PANES[name](id=f"pane-{name}")
        else:
            yield build(self.layout_tree)

    def panes(self) -> list[Pane]:
        return list(self.query(Pane))


def build(node: Node) -> Widget:
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
