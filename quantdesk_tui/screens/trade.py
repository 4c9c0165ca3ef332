"""Trade: the trader's main screen — a layout of panes (chart, ticket, book, blotter, trades, alerts).

The layout is a tree the user reshapes from the keyboard: maximize, hide, split in a pane,
swap, grow/shrink, save by name. Below about 100x30 it folds into tabs.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.dom import DOMNode
from textual.events import Resize

from quantdesk_tui import heap
from quantdesk_tui.desk_app import desk_app
from quantdesk_tui.changes import HubChanged, deliver
from quantdesk_tui.config import save_config, save_layout
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
from quantdesk_tui.pane import Pane
from quantdesk_tui.screens.base import WorkspaceScreen


class TradeScreen(WorkspaceScreen):
    AUTO_FOCUS = "Pane *"  # the first pane's widget (the chart), not the command bar's input
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
        # not `maximized`: that is Textual's own Screen attribute (the maximized widget)
        self.maximized_pane: str | None = None
        self._folded: bool | None = None
        self._rebuilding = asyncio.Lock()
        self._panes: list[Pane] | None = None  # the layout's panes, found once per (re)build, not per frame

    def _load(self, name: str) -> Node:
        left = desk_app(self.app).layout_tree_data
        if left is not None:  # the layout as the trader left it last time
            desk_app(self.app).layout_tree_data = None
            try:
                return layout_from_data(left)
            except LayoutError:
                pass
        saved = desk_app(self.app).config.layouts.get(name)
        data = saved if saved is not None else BUILTIN_LAYOUTS.get(name, BUILTIN_LAYOUTS["trade"])
        return layout_from_data(data)

    def compose_body(self) -> ComposeResult:
        if self.layout_tree is None:
            self.layout_name = self.layout_name or desk_app(self.app).layout_name
            self.layout_tree = self._load(self.layout_name)
        self._folded = folds_to_tabs(self.app.size.width, self.app.size.height)
        yield LayoutView(self.layout_tree, folded=self._folded, maximized=self.maximized_pane, id="layout")

    async def on_resize(self, event: Resize) -> None:  # type: ignore[override]  # Textual calls each class's own handler, sync or async
        if folds_to_tabs(event.size.width, event.size.height) != self._folded:
            await self.rebuild()

    async def rebuild(self) -> None:
        """Replace the layout view with one for the current tree, fold and maximized pane.

        The old view is fully removed before the new one (same ids) is mounted, and rebuilds
        run one at a time: a burst of resizes and layout keys can never mount two views at once.
        """
        async with self._rebuilding:
            if self._app_quitting():
                return
            focused = self.focused_pane()
            old = self.query(LayoutView)
            for pane in self.query(Pane):
                pane.ready = False  # going away: frames must not touch it while it is removed
            self._panes = None
            await old.remove()
            if self._app_quitting():  # a resize that arrived while the app was quitting
                return
            self._folded = folds_to_tabs(self.app.size.width, self.app.size.height)
            view = LayoutView(self.shown_layout, folded=self._folded, maximized=self.maximized_pane, id="layout")
            await self.mount(view, after=self.query_one("#status"))
            self._panes = None
            self._refocus(focused)
            # the old view was frozen with the screen: free it (reclaim), freeze the new
            self.call_after_refresh(heap.settle, True)

    def _app_quitting(self) -> bool:
        return not self.is_attached or not self.app.is_running

    def _refocus(self, pane: str | None) -> None:
        """Give the focus back to the pane that had it, if it is still shown."""
        for node in self.query(f"#pane-{pane}") if pane else ():
            target = next((w for w in node.query("*") if w.focusable), None)
            if target is not None:
                target.focus()
                return

    @on(HubChanged)
    def _tell_panes(self, change: HubChanged) -> None:
        """Every mounted pane hears of every change; each handles the kinds that concern it."""
        panes = self._panes
        if panes is None:
            panes = list(self.query(Pane))
            shown = 1 if self.maximized_pane is not None else len(panes_of(self.shown_layout))
            if len(panes) == shown:  # keep the list once the whole layout is in (bodies may still be coming)
                self._panes = panes
        for pane in panes:
            if pane.ready:
                deliver(pane, change)

    # -- layout actions -----------------------------------------------------------------------
    @property
    def rebuilding(self) -> bool:
        return self._rebuilding.locked()

    @property
    def shown_layout(self) -> Node:
        """The layout shown: set when the screen composes, before a key or a resize can reach it."""
        if self.layout_tree is None:
            raise RuntimeError("the Trade screen has no layout before it composes")
        return self.layout_tree

    def focused_pane(self) -> str | None:
        node: DOMNode | None = self.focused
        while node is not None and not isinstance(node, Pane):
            node = node.parent
        return node.id.removeprefix("pane-") if node is not None and node.id else None

    async def set_layout(self, tree: Node, name: str | None = None) -> None:
        self.layout_tree = tree
        if name is not None:
            self.layout_name = name
        self.maximized_pane = None
        # remembered before the rebuild, which takes a while: a quit right after must still keep it
        desk_app(self.app).remember_layout(self.layout_data())
        await self.rebuild()

    async def action_maximize_pane(self) -> None:
        pane = self.focused_pane()
        if self.maximized_pane is None and pane is None:
            self.notify("focus a pane first (Tab), then Ctrl+Z maximizes it", severity="warning")
            return
        self.maximized_pane = None if self.maximized_pane else pane
        await self.rebuild()

    async def action_hide_pane(self) -> None:
        pane = self.focused_pane()
        if pane is None:
            return
        try:
            await self.set_layout(remove_pane(self.shown_layout, pane))
        except LayoutError as exc:
            self.notify(str(exc), severity="warning")

    async def action_add_pane(self) -> None:
        missing = [p for p in PANES if p not in panes_of(self.shown_layout)]
        target = self.focused_pane() or panes_of(self.shown_layout)[-1]
        if not missing:
            self.notify("every pane is already shown", severity="warning")
            return
        await self.set_layout(split_pane(self.shown_layout, target, missing[0], "v"))
        self.notify(f"added {missing[0]} below {target}; Ctrl+O swaps, Ctrl+X hides")

    async def action_swap_pane(self) -> None:
        panes = panes_of(self.shown_layout)
        pane = self.focused_pane()
        if pane is None or len(panes) < 2:
            return
        other = panes[(panes.index(pane) + 1) % len(panes)]
        await self.set_layout(swap_panes(self.shown_layout, pane, other))

    async def action_resize_pane(self, delta: int) -> None:
        pane = self.focused_pane()
        if pane is not None:
            await self.set_layout(resize_pane(self.shown_layout, pane, delta))

    def layout_data(self) -> object:
        return layout_to_data(self.shown_layout)

    async def layout_command(self, action: str, name: str) -> None:
        """`layout save NAME` / `layout rm NAME` / `layout NAME` (a saved or built-in layout)."""
        app: Any = self.app
        config = app.config
        if action == "save":
            save_layout(config, name, self.layout_data())
            app.notify(f"layout {name!r} saved to config.toml")
        elif action == "rm":
            if config.layouts.pop(name, None) is None:
                app.notify(f"no saved layout {name!r}", severity="error")
            else:
                save_config(config)
                app.notify(f"layout {name!r} removed")
        else:
            data = config.layouts.get(name, BUILTIN_LAYOUTS.get(name))
            if data is None:
                app.notify(f"no layout {name!r}; built-ins: {', '.join(BUILTIN_LAYOUTS)}", severity="error")
                return
            try:
                await self.set_layout(layout_from_data(data), name)
            except LayoutError as exc:
                app.notify(str(exc), severity="error")
