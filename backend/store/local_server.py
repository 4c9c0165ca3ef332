"""A throwaway local PostgreSQL 16 from the `pgserver` wheel: for the tests, the benchmarks, and for
trying a desk on one machine. It listens on 127.0.0.1 on a free port and lives in its own directory.

PostgreSQL refuses to run as root; as root the server runs as the system user `pgserver` (created
when missing, as pgserver itself does), which owns only the data directory. When that user cannot
reach the wheel's binaries (a checkout under a private home, say), they are copied once to /tmp.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SYSTEM_USER = "pgserver"
SUPERUSER = "postgres"


def binaries() -> Path:
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the pgserver package is not installed (pip install -r requirements.lock)")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _system_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", SYSTEM_USER],
            check=True,
            capture_output=True,
        )
    return SYSTEM_USER


def _runnable_binaries(user: str | None) -> Path:
    """The wheel's binaries, or a copy in /tmp when `user` cannot reach them where they are."""
    bin_dir = binaries()
    if user is None or _can_run(bin_dir, user):
        return bin_dir
    install = bin_dir.parent  # site-packages/pgserver/pginstall; its libraries are in site-packages/pgserver.libs
    libs = install.parent.parent / "pgserver.libs"
    copy = Path(tempfile.gettempdir()) / f"qdpg-install-{install.stat().st_ino}"
    copied_bin = copy / "pgserver" / "pginstall" / "bin"  # the same layout: the binaries' rpath is relative
    if not _can_run(copied_bin, user):
        staging = Path(tempfile.mkdtemp(prefix="qdpg-install-"))
        shutil.copytree(install, staging / "pgserver" / "pginstall", symlinks=True)
        if libs.is_dir():
            shutil.copytree(libs, staging / "pgserver.libs", symlinks=True)
        os.chmod(staging, 0o755)
        try:
            os.rename(staging, copy)
        except OSError:  # another process made the copy first
            shutil.rmtree(staging, ignore_errors=True)
    return copied_bin


def _can_run(bin_dir: Path, user: str) -> bool:
    try:
        return (
            subprocess.run(
                [str(bin_dir / "postgres"), "--version"], user=user, capture_output=True, timeout=30
            ).returncode
            == 0
        )
    except OSError:
        return False


class LocalPostgres:
    def __init__(self, *, durable: bool = False) -> None:
        # durable=False turns fsync off: a test's server never loses power, and a killed client still
        # cannot lose a committed row. Benchmarks compare stores with fsync on.
        self.durable = durable
        self.root = Path(tempfile.mkdtemp(prefix="qdpg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.user = _system_user()
        self.bin_dir = _runnable_binaries(self.user)

    @property
    def url(self) -> str:
        return self.url_for("postgres")

    def url_for(self, database: str, user: str = SUPERUSER) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]],
            user=self.user,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=self.root,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stderr.strip() or result.stdout.strip()}")

    def start(self) -> LocalPostgres:
        os.chmod(self.root, 0o755)
        if self.user is not None:
            shutil.chown(self.root, self.user)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "utf8", "--no-sync")
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c full_page_writes=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-l", str(self.root / "log"), "-o", options, "start"
        )
        return self

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-w", "-m", "fast", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")  # a name we chose
        return self.url_for(name)
