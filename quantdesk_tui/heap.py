"""The TUI's heap and Python's cyclic collector; and the GIL switch interval.

A full (generation 2) collection walks every object the collector tracks: with Textual's screens,
styles and caches that is some 300,000 objects and a 40-120 ms pause, landing in the middle of
whatever frame allocated the object that tipped it over (`python -m bench tui`: the slowest 2% of
tick → paint samples were mostly such frames). What the app builds once (modules, screens, panes,
styles) lives as long as the app, so it is taken out of the collector's sight (`gc.freeze`) once it
exists: a full collection then walks only what came after.

`settle` re-examines everything first (unfreeze, collect), so what a previous settle froze and has
since died (an old layout view) is freed then; `release` gives everything back when the app ends.

While another thread holds the GIL (the chart's thread, turning the drawing process's picture into
Strips; Textual's input thread), each time the UI thread wakes (a socket read, a timer) it waits up to
the switch interval for it. Measured with the chart still drawn in its thread: at Python's 5 ms a
frame's wake-ups cost 6 ms (median) to 40 ms, at GIL_SWITCH_S about 2 ms (median).
"""

from __future__ import annotations

import gc
import sys

GIL_SWITCH_S = 0.001


def share_the_gil() -> None:
    """A thread holding the GIL hands it over within GIL_SWITCH_S when the UI thread asks for it."""
    sys.setswitchinterval(GIL_SWITCH_S)


def settle() -> int:
    """Collect what is garbage now, then freeze the rest out of later full collections.
    Returns how many objects are frozen."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def release() -> None:
    """Give the frozen objects back to the collector (the app is ending)."""
    gc.unfreeze()
