"""A chart drawing that finishes late (the previous market's) never replaces a newer picture."""

from __future__ import annotations

import threading

from textual.app import App, ComposeResult

from widgets.thread_plot import ThreadPlot


class TwoDraws(ThreadPlot):
    def _start_draw(self) -> None:
        pass


class PlotApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TwoDraws("nothing yet")


async def test_the_picture_of_an_older_draw_that_ends_last_is_dropped():
    app = PlotApp()
    started, release, built = threading.Event(), threading.Event(), threading.Event()

    def slow_old_market() -> str:
        started.set()
        release.wait(5)
        built.set()
        return "SOL-PERP picture"

    async with app.run_test(size=(40, 5)) as pilot:
        plot = app.query_one(TwoDraws)
        plot._draw(slow_old_market)
        for _ in range(100):
            await pilot.pause(0.02)
            if started.is_set():
                break
        plot._draw(lambda: "ETH-PERP picture")  # the market changed while the old one was drawing
        for _ in range(100):
            await pilot.pause(0.02)
            if plot.draws:
                break
        release.set()  # the old drawing ends after the new one was swapped in
        assert built.wait(5)
        await pilot.pause(0.2)  # its swap, had it been sent, has run by now
        assert (plot.render().plain, plot.draws) == ("ETH-PERP picture", 1)
