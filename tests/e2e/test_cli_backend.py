"""A backend spawned as a subprocess, driven through the CLI with --json, as a script would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest

from backend.home import read_record
from tests.polling import wait_until_sync
from tests.e2e.backend_proc import spawn_backend, stop_backend


def cli(*args: str, check: int | None = 0) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "quantdesk_tui.cli", *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=os.environ.copy(),
    )
    if check is not None:
        assert proc.returncode == check, (proc.stdout, proc.stderr)
    return proc


def until(attempt, done, what: str, timeout: float = 30.0):
    """Repeat `attempt()` until `done(result)` holds: readiness is a condition, not a fixed sleep."""

    def result():
        value = attempt()
        return value if done(value) else None

    return wait_until_sync(result, what=what, timeout=timeout, interval=0.1)


def venue_has_markets(proc: subprocess.CompletedProcess[str]) -> bool:
    """The paper venue creates a market (and funds the account) on its first price."""
    return proc.returncode == 0 and "SOL-PERP" in {m["market"] for m in json.loads(proc.stdout)["markets"]}


@pytest.fixture
def running_backend(quantdesk_home):
    proc, url = spawn_backend("--tick-rate", "60", "--seed", "11")
    yield proc, url
    stop_backend(proc)


def test_status_markets_quote_as_json(running_backend, quantdesk_home):
    proc, url = running_backend
    status = json.loads(cli("status", "--json").stdout)
    assert status["url"] == url and status["pid"] == proc.pid and status["protocol"] == 1
    markets = json.loads(cli("markets", "--json").stdout)
    assert [m["symbol"] for m in markets][:3] == ["SOL-PERP", "BTC-PERP", "ETH-PERP"]
    assert (markets[0]["tick_size"], markets[0]["step_size"], markets[0]["min_size"]) == ("0.001", "0.01", "0.01")
    raw_markets = json.loads(cli("markets", "--json", "--raw").stdout)
    assert (raw_markets[1]["tick_size"], raw_markets[1]["step_size"]) == (
        100_000,
        100_000,
    )  # BTC: 0.1 at 1e6, 1e-4 at 1e9
    answered = until(
        lambda: cli("quote", "sol-perp", "--json", check=None), lambda p: p.returncode == 0, what="a SOL-PERP quote"
    )
    quote = json.loads(answered.stdout)
    assert quote["market"] == "SOL-PERP" and Decimal(quote["price"]) > 0 and "expo" not in quote
    raw = json.loads(cli("quote", "sol-perp", "--json", "--raw").stdout)
    assert raw["expo"] == -8 and isinstance(raw["price"], int)


def test_backend_json_is_private_and_removed_on_clean_stop(running_backend, quantdesk_home):
    proc, _ = running_backend
    path = quantdesk_home / "backend.json"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert json.loads(cli("stop", "--json").stdout) == {"stopping": True}
    assert proc.wait(10) == 0
    assert not path.exists()


def test_errors_are_one_json_document_and_exit_1(running_backend):
    out = cli("quote", "DOGE", "--json", check=1)
    assert json.loads(out.stdout)["error"]["code"] == "UNKNOWN_MARKET"


def test_usage_errors_exit_2_with_one_line(quantdesk_home):
    out = cli("quote", check=2)
    assert out.stderr.strip().count("\n") == 0
    assert "required: market" in out.stderr


def test_no_backend_is_a_clear_error(quantdesk_home):
    out = cli("status", "--json", check=1)
    assert json.loads(out.stdout)["error"]["code"] == "NO_BACKEND"


def test_foreign_backend_json_is_reported_not_a_traceback(quantdesk_home):
    (quantdesk_home / "backend.json").write_text("<html>not ours</html>")
    out = cli("status", "--json", check=1)
    error = json.loads(out.stdout)["error"]
    assert error["code"] == "BAD_BACKEND_FILE" and "not a QuantDesk backend record" in error["message"]
    assert "Traceback" not in out.stderr


def test_second_backend_on_one_home_refuses(running_backend, quantdesk_home):
    second = subprocess.run(
        [sys.executable, "-m", "backend"], capture_output=True, text=True, timeout=20, env=os.environ.copy()
    )
    assert second.returncode == 1 and "already running" in second.stderr


def test_stale_record_with_dead_pid_is_replaced(quantdesk_home):
    (quantdesk_home / "backend.json").write_text(
        json.dumps(
            {"url": "ws://127.0.0.1:1", "token": "t", "pid": 999_999, "protocol": 1, "version": "0", "started": 0}
        )
    )
    proc, url = spawn_backend()
    try:
        record = read_record(quantdesk_home)
        assert record.pid == proc.pid and record.url == url
    finally:
        stop_backend(proc)


def test_connect_with_token_file_reaches_a_backend_elsewhere(running_backend, quantdesk_home, tmp_path, monkeypatch):
    _, url = running_backend
    token_file = tmp_path / "token"
    token_file.write_text(read_record(quantdesk_home).token)
    token_file.chmod(0o600)
    other_home = tmp_path / "elsewhere"
    other_home.mkdir()
    monkeypatch.setenv("QUANTDESK_HOME", str(other_home))
    status = json.loads(cli("status", "--json", "--connect", url, "--token-file", str(token_file)).stdout)
    assert status["url"] == url
    token_file.chmod(0o644)
    out = cli("status", "--json", "--connect", url, "--token-file", str(token_file), check=1)
    assert "chmod 600" in json.loads(out.stdout)["error"]["message"]
