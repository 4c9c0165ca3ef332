"""`python -m bench all`: every budget benchmark, each in its own process, then ONE table of
measure, value, target and pass/fail.

BUDGET_BENCHES is the registry: a bench name (any `bench/NAME.py`) and the arguments that keep the
whole run under five minutes on 2 cores. Each bench prints its own tables as it goes. A bench's
verdicts come from `report_budget` when it calls it, otherwise from its tables: every row with a
target (a "budget" or "target" column) is a measure, its value is the column before the target,
and pass/fail is the bench's own ok column when it has one, else the value compared with the target.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench._table import RECORD_ENV, print_table

BUDGET_BENCHES: list[tuple[str, list[str]]] = [
    ("engine", ["-n", "20000"]),
    ("orders", []),
    ("replay", []),
    ("startup", []),
    ("cli", []),
    ("tui", ["20"]),
]
TIMEOUT_S = 600  # one bench, generous: a first replay run also builds its 1M-entry journal (kept for later runs)
PASS_WORDS = {"ok", "yes", "pass", "true"}
FAIL_WORDS = {"no", "under", "over", "fail", "false"}
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_BOUND = re.compile(r"([≤≥<>]=?)\s*(-?\d[\d,]*(?:\.\d+)?)")


@dataclass(slots=True, frozen=True)
class Verdict:
    measure: str
    value: str
    target: str
    ok: bool | None  # None: the bench gave no verdict and the value could not be compared

    @property
    def shown(self) -> str:
        return "?" if self.ok is None else "pass" if self.ok else "FAIL"


def judge(value: str, target: str) -> bool | None:
    """`value` against `target` ("≤ 10 s", "≥ 5,000 orders/s", "≤ 25 / ≤ 50 ms"); None when not comparable.

    A value with an arrow ("61 MB → 64 MB") is judged by what it ended at.
    """
    bounds = _BOUND.findall(target)
    if not bounds:
        return None
    numbers = [float(n.replace(",", "")) for n in _NUMBER.findall(value.split("→")[-1])]
    if len(numbers) < len(bounds):
        return None
    verdicts = []
    for (op, limit), number in zip(bounds, numbers, strict=False):
        bound = float(limit.replace(",", ""))
        verdicts.append(number <= bound if op in ("≤", "<=", "<") else number >= bound)
    return all(verdicts)


def verdicts_from_table(bench: str, rows: list[list[str]]) -> list[Verdict]:
    """A bench's printed table (header row first) as verdicts: one per row that names a target."""
    headers = [h.strip().lower() for h in rows[0]]
    target_at = next((i for i, h in enumerate(headers) if h in ("budget", "target")), None)
    if target_at is None or target_at == 0:
        return []
    ok_at = target_at + 1 if target_at + 1 < len(headers) and headers[target_at + 1] in ("", "ok", "pass") else None
    found = []
    for row in rows[1:]:
        target = row[target_at].strip()
        if not target:
            continue
        value = row[target_at - 1].strip()
        word = row[ok_at].strip().lower() if ok_at is not None else ""
        ok = True if word in PASS_WORDS else False if word in FAIL_WORDS else judge(value, target)
        found.append(Verdict(f"{bench}: {row[0].strip()}", value, target, ok))
    return found


def read_record(bench: str, path: Path) -> list[Verdict]:
    if not path.exists():
        return []
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    reported = [
        Verdict(f"{bench}: {m}", v, t, bool(ok)) for m, v, t, ok in (i["budget"] for i in items if "budget" in i)
    ]
    if reported:
        return reported
    return [v for i in items if "table" in i for v in verdicts_from_table(bench, i["rows"])]


def run_bench(name: str, args: list[str], record: Path) -> tuple[list[Verdict], float]:
    """Run `python -m bench NAME ARGS` with its output passing through; its verdicts and wall seconds."""
    print(f"\n=== python -m bench {' '.join([name, *args])}", flush=True)
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "bench", name, *args], env={**os.environ, RECORD_ENV: str(record)}, timeout=TIMEOUT_S
        )
        problem = "" if proc.returncode in (0, 1) else f"exited with {proc.returncode}"
    except subprocess.TimeoutExpired:
        problem = f"took over {TIMEOUT_S} s"
    seconds = time.perf_counter() - started
    verdicts = read_record(name, record)
    if problem or not verdicts:
        verdicts.append(Verdict(f"{name}: the bench itself", problem or "reported no target", "runs", False))
    return verdicts, seconds


def main() -> int:
    available = {p.stem for p in Path(__file__).parent.glob("*.py") if not p.stem.startswith("_")}
    verdicts: list[Verdict] = []
    total = 0.0
    with tempfile.TemporaryDirectory(prefix="qd-bench-all-") as tmp:
        for name, args in BUDGET_BENCHES:
            if name not in available:
                verdicts.append(Verdict(f"{name}: the bench itself", "not in bench/", "runs", False))
                continue
            found, seconds = run_bench(name, args, Path(tmp) / f"{name}.jsonl")
            verdicts.extend(found)
            total += seconds
    print()
    print_table(
        f"python -m bench all: every budget, {total:,.0f} s in total (≤ 300 s)",
        ("measure", "value", "target", "pass/fail"),
        [(v.measure, v.value, v.target, v.shown) for v in verdicts],
    )
    return 0 if all(v.ok for v in verdicts) and total <= 300 else 1
