"""Chart pictures drawn in a child process, so plotext never holds the UI thread's GIL.

A redraw is ~50 ms of plotext. Drawn in a thread of the app it holds the GIL all that time, and each
time the UI thread wakes (a socket read, a timer) it waits for it: `python -m bench tui --frames` found
the chart's drawing in 50-60% of the slowest 2% of tick → paint samples (8% of all). Here the chart
thread sends (spec, width, height) to one child process (`python -c ... serve()`, started on the first
draw, ended when this process closes its pipe) and waits on the pipe, GIL released, for the picture as
plain runs of cells (`chart_runs`), which become Strips here (runs_strips: ~2 ms).

One request at a time (a lock); a child that died is started again once, else the picture is drawn in
the calling thread as before. A drawing that fails in the child raises PlotFailed with its error.
"""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
import threading
from typing import IO, Any

from textual.strip import Strip

from widgets.candle_plot import ChartSpec, chart_lines, chart_runs
from widgets.plot_strips import runs_strips

_HEADER = struct.Struct("!I")


class PlotFailed(RuntimeError):
    """The child could not draw the picture (its exception, as text)."""


class PlotWorker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs (benchmarks add its CPU to the TUI's)."""
        child = self._child
        return child.pid if child is not None and child.poll() is None else None

    def chart_lines(self, spec: ChartSpec, width: int, height: int) -> str | list[Strip]:
        """What candle_plot.chart_lines draws, drawn in the child."""
        with self._lock:
            for _attempt in range(2):
                try:
                    reply = self._ask((spec, width, height))
                except (OSError, EOFError, struct.error):
                    self._stop()  # it died (or never started): once more with a new one
                    continue
                ok, picture = reply
                if not ok:
                    raise PlotFailed(picture)
                return picture if isinstance(picture, str) else runs_strips(picture)
        return chart_lines(spec, width, height)  # no child to draw it: here, as before

    def _ask(self, request: tuple[ChartSpec, int, int]) -> Any:
        child = self._child or self._start()
        assert child.stdin is not None and child.stdout is not None
        _send(child.stdin, request)
        return _receive(child.stdout)

    def _start(self) -> subprocess.Popen[bytes]:
        # plotext places some axis labels by set order, so by the hash seed: one fixed seed, one same picture
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p), "PYTHONHASHSEED": "0"}
        self._child = subprocess.Popen(
            [sys.executable, "-c", "from widgets.plot_worker import serve; serve()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # the terminal is the TUI's; a child that cannot start is seen as EOF
            env=env,
        )
        return self._child

    def _stop(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            child.kill()
            child.wait()

    def close(self) -> None:
        """End the child (it also ends by itself when this process closes its pipe)."""
        with self._lock:
            self._stop()


def _send(stream: IO[bytes], item: object) -> None:
    data = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    (size,) = _HEADER.unpack(_read(stream, _HEADER.size))
    return pickle.loads(_read(stream, size))


def _read(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("the plot worker closed its pipe")
    return data


def serve() -> None:
    """The child: draw each (spec, width, height) read from stdin, reply (ok, runs or text) on stdout."""
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            spec, width, height = _receive(requests)
        except EOFError:
            return  # the app closed the pipe: it ended
        try:
            reply: tuple[bool, Any] = (True, chart_runs(spec, width, height))
        except Exception as exc:  # any drawing failure goes back to the app as text
            reply = (False, f"{type(exc).__name__}: {exc}")
        _send(replies, reply)


WORKER = PlotWorker()  # the one child of this process (started on the first draw)
