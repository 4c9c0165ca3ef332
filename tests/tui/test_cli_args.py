"""CLI argument conversions that never reach the backend: --expire forms, admin KEY=INT parameters, and
the forms the thin CLI path takes."""

from __future__ import annotations

import pytest

from backend.api.protocol import PROTOCOL_VERSION, Candles
from backend.client import home_dir
from quantdesk_tui import cli, cli_thin
from quantdesk_tui.cli_thin import parse
from quantdesk_tui.commands.admin import parse_params
from quantdesk_tui.commands.market_data import candle_columns
from quantdesk_tui.commands.trading import expire_at
from quantdesk_tui.output import UsageError
from quantdesk_tui.wire import WireError, mask, split_url

NOW = 1_800_000_000.5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", 1_800_000_030),
        ("15m", 1_800_000_900),
        ("2h", 1_800_007_200),
        ("1d", 1_800_086_400),
        ("2027-01-15T08:00:00Z", 1_800_000_000),
        ("2027-01-15T09:00:00+01:00", 1_800_000_000),
        ("2027-01-15 08:00", 1_800_000_000),
        ("1800003600", 1_800_003_600),
    ],
)
def test_expire_takes_durations_iso_times_and_unix_seconds(text, expected):
    assert expire_at(text, NOW) == expected


def test_a_bad_expire_and_bad_parameters_are_usage_errors():
    with pytest.raises(UsageError, match="--expire takes 30s, 15m, 2h"):
        expire_at("soon", NOW)
    assert parse_params(["taker_fee=500", "max_leverage=10"]) == {"taker_fee": 500, "max_leverage": 10}
    with pytest.raises(UsageError, match="KEY=INTEGER"):
        parse_params(["taker_fee=0.05"])


# -- the thin path (quantdesk_tui/cli_thin.py): which forms it takes, and that it agrees with the full CLI --


@pytest.mark.parametrize(
    ("argv", "op", "args", "raw"),
    [
        (["quote", "SOL-PERP", "--json"], "quote", {"market": "SOL-PERP"}, False),
        (["quote", "--json", "--raw", "btc-perp"], "quote", {"market": "btc-perp"}, True),
        (["fills", "--json", "--limit=5", "--market", "ETH-PERP"], "fills", {"limit": 5, "market": "ETH-PERP"}, False),
        (["orders", "--all", "--json"], "orders", {"status": "all"}, False),
        (["account", "--sub", "2", "--json"], "account", {"sub_account": 2}, False),
        (["markets", "--json"], "markets.list", {}, False),
    ],
)
def test_thin_parse_builds_the_request_the_full_cli_sends(argv, op, args, raw):
    request = parse(argv)
    assert (request.op, request.args, request.raw) == (op, args, raw)


@pytest.mark.parametrize(
    "argv",
    [
        ["quote", "SOL-PERP"],
        ["quote", "--json"],
        ["quote", "A", "B", "--json"],
        ["quote", "SOL-PERP", "--js"],
        ["status", "--json", "--connect", "ws://127.0.0.1:9"],
        ["fills", "--json", "--since", "7d"],
        ["fills", "--json", "--limit", "1_0"],
        ["account", "--json", "--sub", "-1"],
        ["positions", "--json", "--market"],
        ["stop", "--json"],
        ["order", "buy", "1", "SOL-PERP", "--json"],
        ["--connect", "x", "quote", "A", "--json"],
        ["quote", "SOL-PERP", "--json", "--help"],
        [],
    ],
)
def test_thin_parse_leaves_every_other_form_to_the_full_cli(argv):
    assert parse(argv) is None


def test_thin_path_speaks_the_protocol_version_and_finds_the_home_of_the_sdk(monkeypatch, tmp_path):
    assert cli_thin.PROTOCOL_VERSION == PROTOCOL_VERSION
    assert cli_thin.home() == str(home_dir())
    monkeypatch.delenv("QUANTDESK_HOME")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))  # the platform default, kept inside the test
    assert cli_thin.home() == str(home_dir()) == str(tmp_path / "quantdesk")


def test_wire_masks_reversibly_and_reads_ws_urls():
    key = b"\x01\x02\x03\x04"
    assert mask(b"hello", key) == bytes(b ^ key[i % 4] for i, b in enumerate(b"hello"))
    assert mask(mask(b"x" * 1000, key), key) == b"x" * 1000
    assert split_url("ws://127.0.0.1:8765") == ("127.0.0.1", 8765, "/")
    with pytest.raises(WireError) as refused:
        split_url("wss://example.com:443/")
    assert str(refused.value) == "not a ws:// URL: 'wss://example.com:443/'"


def test_candles_print_the_exact_bars_in_human_units_under_the_old_keys():
    bars = Candles("SOL-PERP", "1m", -8, [60], [14_512_345_678], [14_600_000_000], [14_400_000_000], [14_500_000_001])
    bars.volume, bars.count = [2_500_000_000], [7]
    assert candle_columns(bars) == {
        "market": "SOL-PERP",
        "tf": "1m",
        "t": [60],
        "o": [145.12345678],
        "h": [146.0],
        "l": [144.0],
        "c": [145.00000001],
        "v": [2.5],
        "n": [7],
    }


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], {"layout": None, "link": None, "command": None}),
        (["--layout", "scalp", "--link=B"], {"layout": "scalp", "link": "B", "command": None}),
        (
            ["--connect", "ws://127.0.0.1:9000/", "--token-file=/tmp/t"],
            {
                "layout": None,
                "link": None,
                "connect": "ws://127.0.0.1:9000/",
                "token_file": "/tmp/t",
                "command": None,
            },
        ),
    ],
)
def test_the_tui_launch_is_parsed_without_the_full_parser(argv, expected):
    assert vars(cli.tui_launch(argv)) == expected


@pytest.mark.parametrize(
    "argv",
    [["quote", "SOL-PERP"], ["--help"], ["--version"], ["--layout"], ["--lay", "scalp"], ["--layout", "a", "orders"]],
)
def test_anything_but_the_tuis_own_options_goes_to_the_full_parser(argv):
    assert cli.tui_launch(argv) is None


def test_the_full_parser_still_takes_the_tuis_options():
    args = cli.build_parser().parse_args(["--layout", "scalp", "--link", "none"])
    assert (args.layout, args.link, args.command) == ("scalp", "none", None)
