"""Start-up checks: a read-only or full QUANTDESK_HOME gives one clear line, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.cli import main
from backend.preflight import StartupError, check_free_space, check_writable, prepare_home
from tests.fakes.tmpfs import small_tmpfs


def start_backend(home: Path, monkeypatch, capsys) -> tuple[int, str]:
    """`quantdesk backend` (the CLI's main, in this process) on `home`: its exit code and stderr."""
    monkeypatch.setenv("QUANTDESK_HOME", str(home))
    code = main(["--port", "0"])
    return code, capsys.readouterr().err


def test_a_writable_home_with_room_passes(quantdesk_home):
    assert prepare_home() == quantdesk_home
    assert list(quantdesk_home.iterdir()) == []  # the probe file is gone


def test_too_little_free_space_is_one_clear_line(quantdesk_home):
    with pytest.raises(StartupError) as refused:
        check_free_space(quantdesk_home, min_free=2**62)
    assert "free on the disk of QUANTDESK_HOME" in str(refused.value) and "\n" not in str(refused.value)


def test_a_home_that_cannot_be_created_is_one_clear_line(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("QUANTDESK_HOME", str(blocker / "home"))
    with pytest.raises(StartupError) as refused:
        prepare_home()
    assert str(refused.value).startswith("cannot create QUANTDESK_HOME (Not a directory")


def test_backend_on_a_read_only_home_exits_with_one_line(tmp_path, monkeypatch, capsys):
    with small_tmpfs(tmp_path / "ro", "1m", read_only=True) as home:
        with pytest.raises(StartupError):
            check_writable(home)
        code, err = start_backend(home, monkeypatch, capsys)
    assert code == 2
    assert err.strip().splitlines() == [
        (
            f"quantdesk backend: QUANTDESK_HOME {home} is not writable (Read-only file system); the backend keeps "
            "its database and log there: fix the permissions or the mount, or set QUANTDESK_HOME elsewhere"
        )
    ]


def test_backend_on_a_full_disk_exits_with_one_line(tmp_path, monkeypatch, capsys):
    with small_tmpfs(tmp_path / "tiny", "2m") as home:
        code, err = start_backend(home, monkeypatch, capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"quantdesk backend: only 2.0 MiB free on the disk of QUANTDESK_HOME {home}; the backend needs at least 8.0 MiB"
    )
