"""Trade: the trader's main screen — a layout of panes (chart, ticket, book, blotter, trades, alerts).

The layout is a tree the user reshapes from the keyboard: maximize, hide, split in a pane,
swap, grow/shrink, save by name. Below about 100x30 it folds into tabs.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Resize

from quantdesk_tui.hub import Hub
from quantdesk_tui.layout import (
    BUILTIN_LAYOUTS,
    PANES,
    LayoutError,
    Node,
    folds_to_tabs,
    layout_from_data,
    layout_to_data,
    panes_of,
    remove_pane,
    resize_pane,
    split_pane,
    swap_panes,
)
from quantdesk_tui.layout_view import LayoutView
from quantdesk_tui.panes import Pane
from quantdesk_tui.screens.base import WorkspaceScreen


class TradeScreen(WorkspaceScreen):
    BINDINGS = [
        Binding("ctrl+z", "maximize_pane", "Maximize", id="layout.maximize"),
        Binding("ctrl+x", "hide_pane", "Hide pane", id="layout.hide"),
        Binding("ctrl+n", "add_pane", "Add pane", id="layout.add"),
        Binding("ctrl+o", "swap_pane", "Swap", id="layout.swap"),
        Binding("ctrl+up", "resize_pane(1)", "Grow", id="layout.grow"),
        Binding("ctrl+down", "resize_pane(-1)", "Shrink", id="layout.shrink"),
    ]

    def __init__(self, layout: str | None = None, **kwargs) -> None:
        """layout: a built-in or saved layout name; None = the one the app was started with."""
        super().__init__(**kwargs)
        self.layout_name = layout
        self.layout_tree: Node | None = None
        self.maximized: str | None = None
        self._folded: bool | None = None

    def _load(self, name: str) -> Node:
        saved = self.app.config.layouts.get(name)  # type: ignore[attr-defined]
        data = saved if saved is not None else BUILTIN_LAYOUTS.get(name, BUILTIN_LAYOUTS["trade"])
        return layout_from_data(data)

    def compose_body(self) -> ComposeResult:
        if self.layout_tree is None:
            self.layout_name = self.layout_name or self.app.layout_name  # type: ignore[attr-defined]
            self.layout_tree = self._load(self.layout_name)
        self._folded = folds_to_tabs(self.app.size.width, self.app.size.height)
        yield LayoutView(self.layout_tree, folded=self._folded, maximized=self.maximized, id="layout")

    def on_resize(self, event: Resize) -> None:
        if folds_to_tabs(event.size.width, event.size.height) != self._folded:
            self.rebuild()

    def rebuild(self) -> None:
        old = self.query_one(LayoutView)
        for pane in old.query(Pane):
            pane.ready = False  # going away: frames must not touch it while it is removed
        self._folded = folds_to_tabs(self.app.size.width, self.app.size.height)
        view = LayoutView(self.layout_tree, folded=self._folded, maximized=self.maximized, id="layout")
        old.remove()
        self.mount(view, after=self.query_one("#status"))

    def refresh_body(self, hub: Hub, quotes: set[str], other: set[str]) -> None:
        for pane in self.query(Pane):
            if pane.ready:
                pane.refresh_pane(hub, quotes, other)

    # -- layout actions -----------------------------------------------------------------------
    def focused_pane(self) -> str | None:
        node = self.focused
        while node is not None and not isinstance(node, Pane):
            node = node.parent
        return node.id.removeprefix("pane-") if node is not None and node.id else None

    def set_layout(self, tree: Node, name: str | None = None) -> None:
        self.layout_tree = tree
        if name is not None:
            self.layout_name = name
        self.maximized = None
        self.rebuild()

    def action_maximize_pane(self) -> None:
        pane = self.focused_pane()
        self.maximized = None if self.maximized else pane
        self.rebuild()

    def action_hide_pane(self) -> None:
        pane = self.focused_pane()
        if pane is None:
            return
        try:
            self.set_layout(remove_pane(self.layout_tree, pane))
        except LayoutError as exc:
            self.notify(str(exc), severity="warning")

    def action_add_pane(self) -> None:
        missing = [p for p in PANES if p not in panes_of(self.layout_tree)]
        target = self.focused_pane() or panes_of(self.layout_tree)[-1]
        if not missing:
            self.notify("every pane is already shown", severity="warning")
            return
        self.set_layout(split_pane(self.layout_tree, target, missing[0], "v"))
        self.notify(f"added {missing[0]} below {target}; Ctrl+O swaps, Ctrl+X hides")

    def action_swap_pane(self) -> None:
        panes = panes_of(self.layout_tree)
        pane = self.focused_pane()
        if pane is None or len(panes) < 2:
            return
        other = panes[(panes.index(pane) + 1) % len(panes)]
        self.set_layout(swap_panes(self.layout_tree, pane, other))

    def action_resize_pane(self, delta: int) -> None:
        pane = self.focused_pane()
        if pane is not None:
            self.set_layout(resize_pane(self.layout_tree, pane, delta))

    def layout_data(self) -> object:
        return layout_to_data(self.layout_tree)
