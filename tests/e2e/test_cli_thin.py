"""The thin CLI path and `quantdesk shell` against a real backend process: what they import, that they
print what the full CLI prints byte for byte, and that the shell answers every line and carries on."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from quantdesk_tui.cli import full_main
from quantdesk_tui.cli_thin import run_thin
from tests.polling import wait_until_sync
from tests.e2e.backend_proc import spawn_backend, stop_backend

HEAVY = ("textual", "pandas", "solana", "solders", "anchorpy", "plotext")
FULL_PATH_ONLY = ("asyncio", "websockets", "msgspec")  # loaded by the full CLI, so their absence proves the thin path


@pytest.fixture(scope="module")
def backend_home(tmp_path_factory):
    """One backend for the module, ticking slowly so two reads of a price in a row usually agree."""
    home = tmp_path_factory.mktemp("thin") / "qdhome"
    home.mkdir()
    env = {**os.environ, "QUANTDESK_HOME": str(home)}
    proc, _url = spawn_backend("--tick-rate", "3", "--seed", "11", env=env)
    yield home
    stop_backend(proc)


@pytest.fixture
def home(backend_home, monkeypatch):
    monkeypatch.setenv("QUANTDESK_HOME", str(backend_home))
    return backend_home


def run_cli(argv: list[str], capsys, runner=full_main) -> tuple[int | None, str]:
    code = runner(argv)
    return code, capsys.readouterr().out


def wait_for_price(capsys) -> None:
    wait_until_sync(
        lambda: run_cli(["quote", "SOL-PERP", "--json"], capsys)[0] == 0, what="a SOL-PERP price", timeout=20
    )


def test_thin_quote_imports_none_of_textual_pandas_solana_anchorpy_plotext(home, capsys):
    wait_for_price(capsys)
    script = (
        "import json, sys\nfrom quantdesk_tui.cli import main\ncode = main(['quote', 'SOL-PERP', '--json'])\n"
        "sys.stdout.flush()\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY + FULL_PATH_ONLY)!r})),"
        " file=sys.stderr)\nsys.exit(code)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "QUANTDESK_HOME": str(home)},
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["market"] == "SOL-PERP"
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == []


def test_thin_path_prints_byte_for_byte_what_the_full_cli_prints(home, capsys):
    wait_for_price(capsys)
    placed = run_cli(["order", "buy", "1", "SOL-PERP", "--json"], capsys)
    assert placed[0] == 0, placed  # a fill and a position
    assert run_cli(["order", "buy", "2", "SOL-PERP", "--limit", "140", "--json"], capsys)[0] == 0  # resting
    commands = [
        ["markets", "--json"],
        ["orders", "--json"],
        ["orders", "--all", "--json", "--market=SOL-PERP"],
        ["fills", "--json", "--limit", "1"],
        ["positions", "--market", "SOL-PERP", "--json"],
        ["account", "--json", "--sub", "0"],
        ["account", "--json", "--raw"],
        ["quote", "sol-perp", "--json"],
        ["quote", "DOGE", "--json"],
    ]
    for argv in commands:
        for _attempt in range(10):  # a tick may land between the two reads of a price; read both again
            thin = run_cli(argv, capsys, run_thin)
            full = run_cli(argv, capsys)
            if thin == full:
                break
        assert thin == full, argv
        assert thin[0] is not None, f"the thin path left {argv} to the full CLI"
    assert json.loads(run_cli(["orders", "--json"], capsys, run_thin)[1])[-1]["price"] == "140"


def test_forms_the_thin_path_does_not_know_go_to_the_full_cli(home, capsys):
    wait_for_price(capsys)
    for argv in (
        ["quote", "SOL-PERP"],
        ["quote", "--json"],
        ["fills", "--json", "--limit", "1_0"],
        ["status", "--json", "--connect", "ws://127.0.0.1:9"],
        ["stop", "--json"],
    ):
        assert run_thin(argv) is None, argv
    code, out = run_cli(["fills", "--json", "--limit", "1_0"], capsys)
    assert code == 2 and json.loads(out)["error"]["code"] == "USAGE"


def test_shell_answers_one_json_line_per_command_and_carries_on_after_bad_ones(home, capsys):
    wait_for_price(capsys)
    markets = run_cli(["markets", "--json"], capsys)[1]
    lines = [
        "quote SOL-PERP",
        "bogus words",
        "",
        "# a comment",
        "quote DOGE",
        "markets",
        "markets --raw",
        "quote --help",
        "positions --connect ws://127.0.0.1:9",
        'quote "SOL-PERP',
        "order buy 1 SOL-PERP",
        "status",
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "quantdesk_tui.cli", "shell"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QUANTDESK_HOME": str(home)},
    )
    assert proc.returncode == 0, proc.stderr
    answers = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(answers) == 10
    assert answers[0]["market"] == "SOL-PERP"
    codes = [a["error"]["code"] if isinstance(a, dict) and "error" in a else None for a in answers]
    assert codes == [None, "USAGE", "UNKNOWN_MARKET", None, None, "USAGE", "USAGE", "USAGE", None, None]
    assert proc.stdout.splitlines()[3] + "\n" == markets  # the same bytes as `quantdesk markets --json`
    assert (answers[3][0]["tick_size"], answers[4][0]["tick_size"]) == ("0.001", 1_000)  # --raw: PRICE_PRECISION
    assert answers[8]["orders"][0]["side"] == "buy"
    assert answers[9]["clients"] == 1  # the shell's one connection


def test_shell_without_a_backend_says_no_backend_and_exits_1(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "quantdesk_tui.cli", "shell"],
        input="quote SOL-PERP\n",
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "QUANTDESK_HOME": str(tmp_path)},
    )
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["error"]["code"] == "NO_BACKEND"
