"""Start-up checks of QUANTDESK_HOME: it can be created and written, and its disk has room.

Each failure is one clear line for the person starting the backend (`StartupError`), never a
traceback from deep inside SQLite or logging.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from backend.home import home_dir

MIN_FREE_AT_START = 8 * 1024 * 1024  # bytes: the database, its WAL and the log need room to start
_PROBE_BYTES = 4096


class StartupError(Exception):
    """Why the backend cannot start here, as one line."""


def prepare_home(min_free: int = MIN_FREE_AT_START) -> Path:
    """QUANTDESK_HOME, created if needed, checked writable and with `min_free` bytes free."""
    try:
        home = home_dir()
    except OSError as exc:
        raise StartupError(
            f"cannot create QUANTDESK_HOME ({exc.strerror or exc}: {exc.filename}); "
            "set QUANTDESK_HOME to a writable directory"
        ) from None
    check_writable(home)
    check_free_space(home, min_free)
    return home


def check_writable(home: Path) -> None:
    """Create, fill, fsync and remove a small file: what the store and the log will do."""
    probe = home / f".write-check-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            os.write(fd, b"\0" * _PROBE_BYTES)
            os.fsync(fd)
        finally:
            os.close(fd)
        probe.unlink()
    except OSError as exc:
        raise StartupError(
            f"QUANTDESK_HOME {home} is not writable ({exc.strerror or exc}); the backend keeps its "
            "database and log there: fix the permissions or the mount, or set QUANTDESK_HOME "
            "elsewhere"
        ) from None


def check_free_space(home: Path, min_free: int = MIN_FREE_AT_START) -> None:
    free = shutil.disk_usage(home).free
    if free < min_free:
        raise StartupError(
            f"only {_mib(free)} free on the disk of QUANTDESK_HOME {home}; the backend needs at "
            f"least {_mib(min_free)} for its database and log: free some space or set "
            "QUANTDESK_HOME elsewhere"
        )


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"
