"""The chart drawn in a child process (plot_worker.py) is the picture drawn here, a dead child is
replaced, and a drawing that fails there fails here with its error."""

from __future__ import annotations

import os

import pytest

from tests.widgets.fixtures import candles
from widgets.candle_plot import ChartSpec, chart_lines
from widgets.plot_worker import PlotFailed, PlotWorker

SPEC = ChartSpec(candles(80), indicators=frozenset({"sma"}), overlays={"sma": (140.0,) * 80}, title="SOL-PERP 1m")


@pytest.fixture
def worker():
    worker = PlotWorker()
    yield worker
    worker.close()


def segments(lines) -> list[list[tuple[str, object]]]:
    return [[(segment.text, segment.style) for segment in line] for line in lines]


def test_the_child_draws_exactly_the_picture_drawn_here(worker: PlotWorker) -> None:
    """At 112x26 this picture is the same under every hash seed (some sizes place a time label by set order)."""
    drawn = worker.chart_lines(SPEC, 112, 26)
    assert worker.pid is not None and worker.pid != os.getpid()
    here = chart_lines(SPEC, 112, 26)
    assert isinstance(drawn, list) and isinstance(here, list)
    assert segments(drawn) == segments(here) and len(drawn) == 26
    assert worker.chart_lines(ChartSpec(None), 80, 20) == "no candles yet"


def test_a_child_that_died_is_replaced_by_one_drawing_the_same_picture(worker: PlotWorker) -> None:
    """60x16 places a time label by the hash seed: every child runs with the same one."""
    before = worker.chart_lines(SPEC, 60, 16)
    first = worker.pid
    assert first is not None
    os.kill(first, 9)
    after = worker.chart_lines(SPEC, 60, 16)
    assert worker.pid not in (None, first)
    assert segments(after) == segments(before) and len(after) == 16
    worker.close()
    assert worker.pid is None


def test_a_drawing_that_fails_in_the_child_raises_its_error_here(worker: PlotWorker) -> None:
    """An average that is infinite everywhere has no place on any scale: plotext cannot draw it."""
    spec = ChartSpec(candles(80), indicators=frozenset({"sma"}), overlays={"sma": (float("inf"),) * 80})
    with pytest.raises(ValueError):
        chart_lines(spec, 112, 26)
    with pytest.raises(PlotFailed, match="^ValueError: cannot convert float NaN to integer$"):
        worker.chart_lines(spec, 112, 26)
    assert worker.pid is not None  # the child lives on for the next picture


def test_bands_wider_than_the_candles_widen_the_scale_and_draw(worker: PlotWorker) -> None:
    """Bands far from every candle (plotext failed on a labelled line wholly off the scale): the scale
    now holds them, and the child draws the same picture as here."""
    far = {"bb_upper": (900.0,) * 80, "bb_mid": (800.0,) * 80, "bb_lower": (700.0,) * 80}
    spec = ChartSpec(candles(80), indicators=frozenset({"bollinger"}), overlays=far)
    here = chart_lines(spec, 112, 26)
    assert segments(worker.chart_lines(spec, 112, 26)) == segments(here)
    labels = [line.text[:6] for line in here if line.text[5:6] == "┤"]
    assert labels[0] == "922.8┤" and "BOLLINGER" in here[1].text  # the upper band at 900, under the top
    assert labels[-4:] == ["115.6┤", "189.0┤", "126.0┤", " 31.5┤"]  # the candles (~140) and the volume panel
