"""Printing a benchmark's results: one aligned table, the budget beside each number (and the
statistics the tables use: percentiles, medians of runs taken alternately).

Under `python -m bench all` (RECORD_ENV names a file) every table and budget verdict is also
appended there as a JSON line, which `bench all` reads back into its one summary table.
"""

from __future__ import annotations

import json
import os
import statistics
from collections.abc import Callable, Sequence

RECORD_ENV = "QUANTDESK_BENCH_RECORD"


def report_budget(measure: str, value: str, target: str, ok: bool) -> None:
    """A verdict for `python -m bench all`'s summary; a bench that reports none is judged from its tables."""
    _record({"budget": [measure, value, target, ok]})


def _record(item: dict[str, object]) -> None:
    path = os.environ.get(RECORD_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(item) + "\n")


def percentile(values: Sequence[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100.0 * (len(ordered) - 1))))
    return ordered[index]


def alternating_medians_ms(first: Callable[[], float], second: Callable[[], float], runs: int) -> tuple[float, float]:
    """The median milliseconds of two timed runs (each returns seconds), alternated `runs` times so
    load on the machine hits both alike; one run of each first warms the OS file cache."""
    first()
    second()
    firsts: list[float] = []
    seconds: list[float] = []
    for _ in range(runs):
        firsts.append(first())
        seconds.append(second())
    return statistics.median(firsts) * 1000, statistics.median(seconds) * 1000


def ratio_row(measure: str, ratio: float, target: float) -> tuple[str, float, str, str]:
    """A table row for a ratio whose budget is `target` at most: the measure, the ratio, ≤ target×, yes/NO."""
    return (measure, ratio, f"≤ {target:g}×", "yes" if ratio <= target else "NO")


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in row] for row in rows]
    _record({"table": title, "rows": cells})
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    print(title)
    for n, row in enumerate(cells):
        print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
