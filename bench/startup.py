"""`python -m bench startup`: time from launching `quantdesk` until live prices are on screen, against a
minimal Textual app's time to its first frame, measured in the same run (backend already up).

Both run on a pseudo-terminal (120x40) as a user starts them. The minimal app's frame is its one
line of text; ours counts when a SOL-PERP price from the backend is painted (the book, the chart or
the ticket, whichever comes first). Runs alternate, so machine load hits both alike; medians.
Budget (DESIGN.md): ≤ 1.4× the minimal app.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time

from bench._backend import BenchBackend
from bench._table import alternating_medians_ms, print_table, ratio_row

RUNS = 7
TARGET_RATIO = 1.4
COLUMNS, LINES = 120, 40
MINIMAL_TEXT = b"minimal app ready"
MINIMAL_APP = f"""
from textual.app import App
from textual.widgets import Static

class Minimal(App):
    def compose(self):
        yield Static({MINIMAL_TEXT.decode()!r})

Minimal().run()
"""
ANSI = re.compile(rb"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|\x1b[=>78]")


def seconds_until(argv: list[str], env: dict[str, str], seen_enough: re.Pattern[bytes]) -> float:
    """Launch argv on a fresh pty; the time until its screen output (escapes stripped) matches."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        close_fds=True,
        start_new_session=True,
        env={**env, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS), "LINES": str(LINES)},
    )
    os.close(slave)
    screen = b""
    try:
        while time.perf_counter() - started < 30:
            ready, _, _ = select.select([master], [], [], 0.01)
            if not ready:
                continue
            try:
                screen += os.read(master, 1 << 16)
            except OSError:
                break
            if seen_enough.search(ANSI.sub(b"", screen)):
                return time.perf_counter() - started
        raise RuntimeError(f"{argv[-1]!r}: nothing matching {seen_enough.pattern!r} within 30 s")
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        os.close(master)


def live_price_pattern(env: dict[str, str]) -> re.Pattern[bytes]:
    """SOL-PERP's price as the panes print it (whole part near the current quote, then decimals)."""
    deadline = time.monotonic() + 15
    while True:
        proc = subprocess.run(
            [sys.executable, "-m", "quantdesk_tui.cli", "quote", "SOL-PERP", "--json"],
            env=env,
            capture_output=True,
            text=True,
        )
        if proc.returncode == 0:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"no SOL-PERP price: {proc.stdout}")
        time.sleep(0.2)
    whole = int(float(json.loads(proc.stdout)["price"]))
    wholes = "|".join(str(w) for w in (whole - 1, whole, whole + 1))
    return re.compile(rb"(?<![\d.])(?:" + wholes.encode() + rb")\.\d{2,}")


def main() -> int:
    with BenchBackend("--tick-rate", "15") as backend:
        env = backend.env
        price = live_price_pattern(env)
        minimal = [sys.executable, "-c", MINIMAL_APP]
        ours = [sys.executable, "-m", "quantdesk_tui.cli"]
        frame = re.compile(re.escape(MINIMAL_TEXT))
        minimal_ms, ours_ms = alternating_medians_ms(
            lambda: seconds_until(minimal, env, frame), lambda: seconds_until(ours, env, price), RUNS
        )
    ratio = ours_ms / minimal_ms
    print_table(
        f"quantdesk → live prices on screen vs a minimal Textual app's first frame "
        f"(pty {COLUMNS}x{LINES}, backend up, medians of {RUNS})",
        ("measure", "ms", "target", "ok"),
        [
            ("minimal Textual app: first frame", minimal_ms, "", ""),
            ("quantdesk: first live prices", ours_ms, "", ""),
            ratio_row("first live prices / minimal app", ratio, TARGET_RATIO),
        ],
    )
    return 0 if ratio <= TARGET_RATIO else 1
