"""QUANTDESK_HOME: where state lives, and `backend.json`, the record of the live backend.

`backend.json` = {url, token, pid, protocol, version, started}; mode 0600; removed on clean exit.
A record whose pid is dead is stale. `backend.lock` (flock) makes sure two backends never run on
one home.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import platformdirs

from backend.api.protocol import ApiError, ErrorCode

BACKEND_FILE = "backend.json"
LOCK_FILE = "backend.lock"


def home_dir() -> Path:
    env = os.environ.get("QUANTDESK_HOME")
    path = Path(env).expanduser() if env else Path(platformdirs.user_state_dir("quantdesk"))
    if not path.exists():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask; the home holds tokens and keys
    return path


def private_file(path: Path) -> Path:
    """Create `path` readable by its owner only (0600), or tighten it to that if it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    return path


def private_database(path: Path) -> Path:
    """The SQLite file and its WAL/SHM companions 0600 (SQLite gives new companions the file's mode)."""
    private_file(path)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            os.chmod(companion, 0o600)
    return path


@dataclass(slots=True, frozen=True)
class BackendRecord:
    url: str
    token: str
    pid: int
    protocol: int
    version: str
    started: float

    @property
    def http_url(self) -> str:
        return self.url.replace("ws://", "http://", 1)


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_record(home: Path) -> BackendRecord | None:
    """The recorded backend if the file exists; raises ApiError(BAD_BACKEND_FILE) if it is not ours."""
    path = home / BACKEND_FILE
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(raw)
        return BackendRecord(
            url=str(data["url"]),
            token=str(data["token"]),
            pid=int(data["pid"]),
            protocol=int(data["protocol"]),
            version=str(data["version"]),
            started=float(data["started"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ApiError(
            ErrorCode.BAD_BACKEND_FILE,
            f"{path} is not a QuantDesk backend record ({exc.__class__.__name__}); delete it if no backend is running",
        ) from None


def live_record(home: Path) -> BackendRecord | None:
    """The recorded backend if its process is alive; a stale or unreadable record counts as none."""
    try:
        record = read_record(home)
    except ApiError:
        return None
    if record is None or not pid_alive(record.pid):
        return None
    return record


def write_record(home: Path, record: BackendRecord) -> None:
    path = home / BACKEND_FILE
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(asdict(record), fh)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def remove_record(home: Path, pid: int) -> None:
    try:
        record = read_record(home)
    except ApiError:
        record = None
    if record is None or record.pid == pid:
        (home / BACKEND_FILE).unlink(missing_ok=True)


class HomeLock:
    """An exclusive flock on backend.lock, held for the life of a backend."""

    def __init__(self, home: Path) -> None:
        self.path = home / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
