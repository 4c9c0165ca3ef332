"""The TUI's heap and Python's cyclic collector.

A full (generation 2) collection walks every object the collector tracks: with Textual's screens,
styles and caches that is some 300,000 objects and a 40-120 ms pause, landing in the middle of
whatever frame allocated the object that tipped it over (`python -m bench tui`: the slowest 2% of
tick → paint samples were mostly such frames). What the app builds once (modules, screens, panes,
styles) lives as long as the app, so it is taken out of the collector's sight (`gc.freeze`) once it
exists: a full collection then walks only what came after.

A screen's first showing adds to the heap and frees nothing frozen: `settle()` collects what came
since the last settle (a full collection walks no frozen object) and freezes it. A layout rebuild
drops a view an earlier settle froze: `settle(reclaim=True)` unfreezes everything first, so the old
view is freed, at the price of a collection of the whole heap. `release` gives everything back when
the app ends.

(Python's GIL switch interval stays at its 5 ms: a 1 ms interval helped while the chart drew in a
thread of the app, and since it draws in a child process (widgets/plot_worker.py) `bench tui` shows
the same p99 either way, 35.5-37.7 ms at 1 ms against 37.0-40.7 ms at 5 ms, while the TUI tests, app
and backend in one process, took ~6% more CPU at 1 ms.)
"""

from __future__ import annotations

import gc


def settle(reclaim: bool = False) -> None:
    """Collect what is garbage now, then freeze the rest out of later full collections; `reclaim`:
    frozen objects may have died since the last settle (see the module docstring)."""
    if reclaim:
        gc.unfreeze()
    gc.collect()
    gc.freeze()


def release() -> None:
    """Give the frozen objects back to the collector (the app is ending)."""
    gc.unfreeze()
