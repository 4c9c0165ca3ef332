"""`python -m bench cli`: `quantdesk quote SOL-PERP --json` against a bare interpreter start, and the
per-command cost of `quantdesk shell`, backend already up.

Budget (DESIGN.md): a CLI data command ≤ 3× a bare `python -c "import json"`, medians of 11 runs,
measured in the same run (interleaved, so machine load hits both alike).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bench._backend import BenchBackend
from bench._table import alternating_medians_ms, print_table, ratio_row

RUNS = 11
SHELL_COMMANDS = 500
TARGET_RATIO = 3.0


def quantdesk_command() -> list[str]:
    """The installed `quantdesk` script beside this interpreter, as a user runs it."""
    script = Path(sys.executable).with_name("quantdesk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "quantdesk_tui.cli"]


def wall_seconds(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} failed: {proc.stdout!r} {proc.stderr!r}")
    return elapsed


def wait_for_first_quote(quote: list[str], env: dict[str, str]) -> None:
    deadline = time.monotonic() + 15
    while subprocess.run(quote, env=env, capture_output=True).returncode != 0:
        if time.monotonic() > deadline:
            raise RuntimeError("the backend has no SOL-PERP price after 15 s")
        time.sleep(0.1)


def shell_seconds_per_command(env: dict[str, str]) -> float:
    """Many quotes through one `quantdesk shell` (one connection); the start is paid once."""
    lines = "".join("quote SOL-PERP\n" for _ in range(SHELL_COMMANDS)).encode()
    started = time.perf_counter()
    proc = subprocess.run([*quantdesk_command(), "shell"], input=lines, env=env, capture_output=True)
    elapsed = time.perf_counter() - started
    answers = proc.stdout.count(b"\n")
    if proc.returncode != 0 or answers != SHELL_COMMANDS or b'"error"' in proc.stdout:
        raise RuntimeError(f"shell failed ({proc.returncode}, {answers} lines): {proc.stderr[-300:]!r}")
    return elapsed / SHELL_COMMANDS


def main() -> int:
    bare = [sys.executable, "-c", "import json"]
    quote = [*quantdesk_command(), "quote", "SOL-PERP", "--json"]
    with BenchBackend("--tick-rate", "15", "--api-rate", "100000") as backend:
        # bytecode cached as on a user's machine (pip compiles it; an editable install caches it on first run)
        env = {k: v for k, v in backend.env.items() if k != "PYTHONDONTWRITEBYTECODE"}
        wait_for_first_quote(quote, env)
        bare_ms, quote_ms = alternating_medians_ms(
            lambda: wall_seconds(bare, env), lambda: wall_seconds(quote, env), RUNS
        )
        shell_s = shell_seconds_per_command(env)
    ratio = quote_ms / bare_ms
    print_table(
        f"CLI data command vs a bare interpreter, backend already up (medians of {RUNS})",
        ("measure", "ms", "target", "ok"),
        [
            ('python -c "import json"', bare_ms, "", ""),
            ("quantdesk quote SOL-PERP --json", quote_ms, "", ""),
            ratio_row("quote --json / bare interpreter", ratio, TARGET_RATIO),
            (f"quantdesk shell, per quote ({SHELL_COMMANDS} in one run)", shell_s * 1000, "", ""),
        ],
    )
    return 0 if ratio <= TARGET_RATIO else 1
