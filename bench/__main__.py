"""`python -m bench NAME [args]`: run one benchmark and print its table of numbers.

Benchmarks measure the budgets in DESIGN.md; they are never run as tests.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_"))


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print("usage: python -m bench NAME [args]\nbenchmarks: " + ", ".join(available()))
        return 2
    name = sys.argv[1]
    if name not in available():
        print(f"unknown benchmark {name!r}; benchmarks: {', '.join(available())}", file=sys.stderr)
        return 2
    sys.argv = [f"bench {name}", *sys.argv[2:]]
    module = importlib.import_module(f"bench.{name}")
    return int(module.main() or 0)


raise SystemExit(main())
