"""Printing a benchmark's results: one aligned table, the budget beside each number.

Under `python -m bench all` (RECORD_ENV names a file) every table and budget verdict is also
appended there as a JSON line, which `bench all` reads back into its one summary table.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

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
