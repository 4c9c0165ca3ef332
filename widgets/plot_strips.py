"""A plotext figure's picture as painted lines (Strips), read from its cells.

`figure.build()` writes every cell as ANSI text, which the widget then has to parse back into styled
segments (`Text.from_ansi`) and cut into lines: two thirds of a chart redraw's CPU, all of it holding
the GIL the UI thread needs for its frames. Here the figure fills its cell matrix as build() would,
and each run of cells with the same colours becomes one segment, styled exactly as the ANSI parse
styles it (`tests/widgets/test_plot_strips.py` compares the two cell by cell).
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

_styles: dict[tuple[str, str, str], Style] = {}  # plotext colours -> the style their ANSI code parses to
_console: list[Console] = []  # one, made on the first draw (a thread), not at import


def _the_console() -> Console:
    if not _console:
        _console.append(Console())
    return _console[0]


def _style(fullground: Any, style: Any, background: Any) -> Style:
    key = (str(fullground), str(style), str(background))
    found = _styles.get(key)
    if found is None:
        from plotext._utility import ansi_end, colors_to_ansi

        parsed = Text.from_ansi(colors_to_ansi(fullground, style, background) + "x" + ansi_end)
        found = _styles[key] = next(iter(parsed.render(_the_console()))).style or Style.null()
    return found


Run = tuple[str, Any, Any, Any]  # a run of cells with the same colours: text, plotext fullground, style, background


def figure_strips(figure: Any) -> list[Strip]:
    """The lines `figure.build()` would write, top to bottom, as Strips."""
    return runs_strips(figure_runs(figure))


def runs_strips(rows: list[list[Run]]) -> list[Strip]:
    """Lines of runs (figure_runs) as Strips, each run one segment styled as its ANSI code parses."""
    return [Strip([Segment(text, _style(*colors)) for text, *colors in row]) for row in rows]


def figure_runs(figure: Any) -> list[list[Run]]:
    """The figure's lines, top to bottom, as runs of cells with the same colours (plain data: it pickles)."""
    figure._set_sizes()  # what build() does before it writes the cells as ANSI text
    figure._build_matrix()
    matrix = figure.monitor.matrix
    rows: list[list[Run]] = []
    for row in reversed(matrix.Rows):
        markers, fullground, style, background = (
            matrix.marker[row],
            matrix.fullground[row],
            matrix.style[row],
            matrix.background[row],
        )
        runs: list[Run] = []
        start, cols = 0, matrix.cols
        while start < cols:
            colors = (fullground[start], style[start], background[start])
            end = start + 1
            while end < cols and (fullground[end], style[end], background[end]) == colors:
                end += 1
            runs.append(("".join(markers[start:end]), *colors))
            start = end
        rows.append(runs)
    return rows
