"""Textual's key footer without its watcher leak."""

from __future__ import annotations

from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's Footer rebuilds its keys whenever the bindings change (every focus move and screen
    switch), and binds each new key's `compact` to the footer with a watcher that is only dropped when
    `compact` changes, which it never does here. The list grew by a dozen watchers per focus move, and
    each new key scanned the whole list: after a long session every Tab cost more, until frames took
    seconds. The watchers of keys already removed are dropped before each rebuild."""

    async def recompose(self) -> None:
        watchers = getattr(self, "__watchers", {}).get("compact")
        if watchers:
            watchers[:] = [(node, callback) for node, callback in watchers if node.is_attached]
        await super().recompose()
