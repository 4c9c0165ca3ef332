"""Layouts: a tree of panes the user can split, resize, maximize, hide and swap, saved by name.

A tree is either a pane name (a leaf: "chart", "ticket", ...) or a split
`{"split": "h"|"v", "sizes": [3, 2], "children": [...]}` (h = side by side, v = stacked).
Operations return new trees; the screen renders whatever tree it holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PANE_TITLES = {  # each pane's frame title (panes.py); the first frame draws them before the panes exist
    "chart": "Chart",
    "ticket": "Order ticket",
    "book": "Book",
    "blotter": "Positions · Orders · Fills",
    "trades": "Trades",
    "alerts": "Alerts",
    "watchlist": "Watchlist",
    "account": "Account",
    "log": "Log",
    "wallet": "Wallet",
}
PANES = tuple(PANE_TITLES)


class LayoutError(ValueError):
    pass


@dataclass(slots=True)
class Split:
    direction: str  # "h" side by side, "v" stacked
    children: list[Node]
    sizes: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.sizes:
            self.sizes = [1] * len(self.children)


Node = Split | str

BUILTIN_LAYOUTS: dict[str, Any] = {
    "trade": {
        "split": "h",
        "sizes": [5, 2],
        "children": [  # the blotter gets the chart's width for its columns
            {"split": "v", "sizes": [3, 2], "children": ["chart", "blotter"]},
            {"split": "v", "sizes": [4, 3, 2, 1], "children": ["ticket", "book", "trades", "alerts"]},
        ],
    },
    "chart": {"split": "v", "sizes": [4, 1], "children": ["chart", "blotter"]},
    "monitor": {
        "split": "h",
        "sizes": [1, 1],
        "children": [
            "watchlist",
            {"split": "v", "sizes": [1, 1, 1, 1], "children": ["blotter", "alerts", "wallet", "log"]},
        ],
    },
}


def layout_from_data(data: Any) -> Node:
    if isinstance(data, str):
        if data not in PANES:
            raise LayoutError(f"unknown pane {data!r}; panes: {', '.join(PANES)}")
        return data
    if not isinstance(data, dict):
        raise LayoutError("a layout node is a pane name or a table with split and children")
    direction = data.get("split")
    if direction not in ("h", "v"):
        raise LayoutError('split must be "h" (side by side) or "v" (stacked)')
    children = data.get("children")
    if not isinstance(children, list) or len(children) < 2:
        raise LayoutError("a split needs a list of at least two children")
    sizes = data.get("sizes") or [1] * len(children)
    if (
        not isinstance(sizes, list)
        or len(sizes) != len(children)
        or not all(isinstance(s, int) and not isinstance(s, bool) and 1 <= s <= 100 for s in sizes)
    ):
        raise LayoutError("sizes must list one whole number 1-100 per child")
    return Split(direction, [layout_from_data(c) for c in children], list(sizes))


def layout_to_data(node: Node) -> Any:
    if isinstance(node, str):
        return node
    return {"split": node.direction, "sizes": list(node.sizes), "children": [layout_to_data(c) for c in node.children]}


def panes_of(node: Node) -> list[str]:
    if isinstance(node, str):
        return [node]
    return [p for c in node.children for p in panes_of(c)]


def _replace_leaves(node: Node, fn) -> Node:
    """A new tree with every pane name passed through fn (which may return a Split)."""
    if isinstance(node, str):
        return fn(node)
    return Split(node.direction, [_replace_leaves(c, fn) for c in node.children], list(node.sizes))


def split_pane(node: Node, pane: str, new_pane: str, direction: str) -> Node:
    """Put new_pane beside (h) or below (v) pane."""
    if new_pane in panes_of(node):
        raise LayoutError(f"{new_pane} is already in the layout")
    return _replace_leaves(node, lambda n: Split(direction, [n, new_pane]) if n == pane else n)


def remove_pane(node: Node, pane: str) -> Node:
    """Hide a pane: its split gives the room to its siblings; the last pane cannot go."""
    if node == pane:
        raise LayoutError("the last pane cannot be hidden")

    def strip(n: Node) -> Node | None:
        if isinstance(n, str):
            return None if n == pane else n
        kept = [(c2, s) for c, s in zip(n.children, n.sizes, strict=True) if (c2 := strip(c)) is not None]
        if len(kept) == 1:
            return kept[0][0]
        return Split(n.direction, [c for c, _ in kept], [s for _, s in kept])

    result = strip(node)
    assert result is not None
    return result


def swap_panes(node: Node, a: str, b: str) -> Node:
    return _replace_leaves(node, lambda n: b if n == a else a if n == b else n)


def resize_pane(node: Node, pane: str, delta: int) -> Node:
    """Grow (delta > 0) or shrink the share of the pane's nearest split slot."""

    def visit(n: Node) -> Node:
        if isinstance(n, str):
            return n
        sizes = list(n.sizes)
        for i, child in enumerate(n.children):
            if child == pane:
                sizes[i] = max(1, min(100, sizes[i] + delta))
        return Split(n.direction, [visit(c) for c in n.children], sizes)

    return visit(node)


MIN_WIDTH, MIN_HEIGHT = 60, 20  # below this no layout is usable: the screens show a notice instead


def folds_to_tabs(width: int, height: int) -> bool:
    """Below about 100x30 a split layout is unreadable: show its panes as tabs instead."""
    return width < 100 or height < 30


def pane_boxes(node: Node, x: int, y: int, width: int, height: int) -> list[tuple[str, int, int, int, int]]:
    """(pane, x, y, width, height) of every pane of `node` laid out in the given box, as Textual's fr
    layout places them: a split's children share its width (h) or height (v) by their sizes, each edge
    at the floor of its exact fraction."""
    if isinstance(node, str):
        return [(node, x, y, width, height)]
    total, edge, boxes = sum(node.sizes), 0, []
    span = width if node.direction == "h" else height
    for child, size in zip(node.children, node.sizes, strict=True):
        start = span * edge // total
        edge += size
        extent = span * edge // total - start
        if node.direction == "h":
            boxes += pane_boxes(child, x + start, y, extent, height)
        else:
            boxes += pane_boxes(child, x, y + start, width, extent)
    return boxes
