"""The app takes what it builds once out of the cyclic collector's full walks (heap.py), and never
keeps what died: a layout rebuild's settle frees what an earlier one froze, and the app gives the heap back at exit."""

from __future__ import annotations

import gc
import weakref

import pytest

from quantdesk_tui import heap
from quantdesk_tui.layout_view import LayoutView
from tests.tui.fakes import fixed_app
from tests.tui.pilot import wait_for
from tests.tui.test_never_crash import focus_pane, panes_up
from widgets.status_bar import StatusBar


class Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture(autouse=True)
def thawed():
    yield
    heap.release()  # whatever a test left frozen goes back to the collector


def frozen(obj: object) -> bool:
    """Out of the collector's generations (gc.get_objects lists generations 0-2, never the frozen)."""
    return gc.is_tracked(obj) and not any(o is obj for o in gc.get_objects())


def test_a_settle_freezes_what_lives_and_a_reclaiming_one_frees_what_died_since():
    kept, dropped = Cycle(), Cycle()
    gone = weakref.ref(dropped)
    heap.settle()
    assert frozen(kept) and frozen(dropped)
    del dropped
    gc.collect()
    assert gone() is not None  # frozen: a full collection no longer walks it
    later, dropped_later = Cycle(), Cycle()
    gone_later = weakref.ref(dropped_later)
    del dropped_later
    heap.settle()  # walks only what came since the last settle
    assert gone_later() is None and frozen(later)
    assert gone() is not None
    heap.settle(reclaim=True)
    assert gone() is None and frozen(kept) and frozen(later)
    heap.release()
    assert gc.get_freeze_count() == 0 and not frozen(kept)


async def test_the_trade_screen_is_frozen_once_up_and_released_when_the_app_ends():
    app = fixed_app()
    async with app.run_test(size=(120, 40)) as pilot:
        bar = app.screen.query_one(StatusBar)
        await wait_for(pilot, lambda: frozen(bar), what="the status bar frozen with its screen")
        assert frozen(app.screen)
    assert gc.get_freeze_count() == 0


async def test_a_layout_rebuild_settles_the_heap_again():
    """The new view is frozen with the rest; the old one, frozen before, is re-examined by that settle
    (freed once nothing holds it: Textual's query cache may keep a removed widget a while)."""
    async with panes_up() as (app, pilot):
        await wait_for(pilot, lambda: frozen(app.screen.query_one(LayoutView)))
        old = app.screen.query_one(LayoutView)
        await focus_pane(pilot, "book")
        await pilot.press("ctrl+z")  # maximize: a new view replaces the old one
        new = app.screen.query_one(LayoutView)
        assert new is not old
        await wait_for(pilot, lambda: frozen(new), what="the new layout view frozen")
