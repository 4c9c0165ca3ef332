"""A small tmpfs mounted for one test (a disk that really fills up, or a read-only one); needs root.

    with small_tmpfs(tmp_path / "disk", "16m") as disk: ...
    resize_tmpfs(disk, "64m")   # "free space" without touching the files on it

Tests skip when mounting is not allowed here (not root, or no mount namespace rights).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _mount(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *args], capture_output=True, text=True, check=False)


@contextlib.contextmanager
def small_tmpfs(path: Path, size: str, *, read_only: bool = False) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size},mode=0700" + (",ro" if read_only else "")
    done = _mount("-t", "tmpfs", "-o", options, "tmpfs", str(path))
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


def resize_tmpfs(path: Path, size: str) -> None:
    done = _mount("-o", f"remount,size={size}", str(path))
    assert done.returncode == 0, done.stderr
