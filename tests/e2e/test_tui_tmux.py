"""The real `quantdesk` binary in tmux, driven as a trader would, one run per test so none waits long:
resizes 120x40 → 80x24 → 200x60; every layout key at 200x60 (both on one backend started by hand, each
terminal with its own home); and on a backend the binary spawns itself, a market switch, a typed command
that stays on screen, then `q` and the quit line."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.e2e.backend_proc import spawn_backend, stop_backend

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
QUANTDESK = Path(sys.executable).parent / "quantdesk"
TROUBLE = ("Traceback", "EXITED 1", "DuplicateIds", "Error in ")
CORNERS = "╭╮╰╯┌┐└┘┏┓┗┛"
TERMINALS = itertools.count()


class Terminal:
    """One tmux server of our own (its own socket), one window running the command."""

    def __init__(self, command: str, width: int, height: int) -> None:
        # a socket of its own: a server killed by the previous test may still hold the last one's name
        self.socket = f"qd-e2e-{os.getpid()}-{next(TERMINALS)}"
        self.tmux("new-session", "-d", "-s", "qd", "-x", str(width), "-y", str(height), command)

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=30).stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-t", "qd", "-p")

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", "qd", *(["-l"] if literal else []), *keys)

    def resize(self, width: int, height: int) -> None:
        self.tmux("resize-window", "-t", "qd", "-x", str(width), "-y", str(height))

    def wait(self, what: str, ok: Callable[[str], bool], timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            assert not any(t in screen for t in TROUBLE), f"trouble while waiting for {what}:\n{screen}"
            if ok(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} after {timeout:g} s; the screen:\n{screen}")
            time.sleep(0.1)

    def close(self) -> None:
        self.tmux("kill-server")


def frame(screen: str) -> list[str]:
    """The pane boxes' edge lines, without the numbers that change with every price."""
    return [re.sub(r"[0-9.,:%$+-]", "", line) for line in screen.splitlines() if any(c in line for c in CORNERS)]


@contextmanager
def running(home: Path, options: str = "", width: int = 120, height: int = 40) -> Iterator[Terminal]:
    """`quantdesk OPTIONS` on `home` in a tmux window, on its Trade screen and connected."""
    # COLUMNS/LINES from this process would pin the app's idea of the terminal size (shutil reads them first)
    terminal = Terminal(
        f"env -u COLUMNS -u LINES QUANTDESK_HOME={home} {QUANTDESK} {options}; echo EXITED $?; sleep 120", width, height
    )
    try:
        terminal.wait("the Trade screen", lambda s: "Order ticket SOL-PERP" in s and "connected" in s, timeout=90)
        yield terminal
    finally:
        terminal.close()


@pytest.fixture(scope="module")
def hand_started_backend(tmp_path_factory) -> Iterator[str]:
    """One backend started by hand for the tests that only look at the screen: `--connect URL --token-file F`."""
    home = tmp_path_factory.mktemp("backend-home")
    proc, url = spawn_backend(env={**os.environ, "QUANTDESK_HOME": str(home)})
    try:
        token_file = home / "token"
        token_file.write_text(json.loads((home / "backend.json").read_text())["token"])
        token_file.chmod(0o600)
        yield f"--connect {url} --token-file {token_file}"
    finally:
        stop_backend(proc, timeout=60)


@pytest.fixture
def home(tmp_path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


@pytest.fixture
def term(home) -> Iterator[Terminal]:
    """`quantdesk` on its own home, 120x40, with the backend it spawned; that backend stopped after."""
    try:
        with running(home) as terminal:
            yield terminal
    finally:
        subprocess.run(
            [str(QUANTDESK), "stop"], env={**os.environ, "QUANTDESK_HOME": str(home)}, capture_output=True, timeout=60
        )


def test_real_binary_survives_resizes(home, hand_started_backend):
    with running(home, hand_started_backend) as term:
        term.resize(80, 24)
        term.wait("the folded layout at 80x24", lambda s: len(s.splitlines()) <= 24 and "Chart" in s)
        term.resize(200, 60)
        term.wait("the full layout at 200x60", lambda s: "Book SOL-PERP" in s and "Trades SOL-PERP" in s)


def test_real_binary_changes_the_layout_with_every_layout_key(home, hand_started_backend):
    with running(home, hand_started_backend, 200, 60) as term:
        term.wait("the full layout at 200x60", lambda s: "Book SOL-PERP" in s and "Trades SOL-PERP" in s)
        term.keys("Tab")  # the focus into a pane, so the layout keys have one to act on
        for key in ("C-z", "C-z", "C-x", "C-n", "C-o", "C-Up", "C-Down"):
            before = frame(term.screen())
            term.keys(key)  # each one changes the layout: the box lines move or their titles change
            term.wait(f"the layout changed by {key}", lambda s, before=before: "SOL-PERP" in s and frame(s) != before)


def test_real_binary_switches_market_keeps_a_typed_command_visible_and_quits_with_its_note(term):
    term.keys(":")
    term.keys("eth", literal=True)
    term.keys("Enter")
    term.wait(
        "every pane on ETH-PERP",
        lambda s: s.splitlines()[0].lstrip().startswith("ETH-PERP")
        and all(f"{pane} ETH-PERP" in s and f"{pane} SOL-PERP" not in s for pane in ("Order ticket", "Chart", "Book")),
    )
    term.keys(":")
    term.keys("buy 1 eth @ 100", literal=True)
    term.wait("the typed command", lambda s: any(line.strip() == ":buy 1 eth @ 100" for line in s.splitlines()))
    term.keys("Escape")
    term.wait("the bar closed", lambda s: ":buy 1 eth" not in s)
    term.keys("q")
    screen = term.wait("the quit line", lambda s: "EXITED 0" in s)
    assert "quantdesk: the backend stops in 30 s" in screen and "`quantdesk stop`" in screen
