"""One word per alert kind: what a trader types in the command bar is what the Alerts pane, the Alerts
screen and `quantdesk alert list|add` show; `--json` and the wire keep the kind's name (`price_above`)."""

from __future__ import annotations

import argparse

import pytest

from backend.alerts.spec import parse_kind
from backend.api.protocol import ALERT_KIND_WORDS, AlertKind, alert_kind_of, alert_kind_word
from backend.domain.errors import DomainError
from quantdesk_tui.commands.risk import alert_add, alert_list
from quantdesk_tui.grammar import GrammarError, completions, parse
from quantdesk_tui.hub import Hub
from quantdesk_tui.panes import alerts_text
from tests.tui.fakes import ALERTS, FakeClient, fixed_app
from tests.tui.test_app_shell import wait_for
from widgets.format import fmt_alert
from widgets.live_table import LiveTable

MARKETS = ["SOL-PERP", "BTC-PERP", "ETH-PERP"]
WORDS = [
    "above",
    "below",
    "cross",
    "move",
    "funding",
    "liq_distance",
    "margin_ratio",
    "desk_exposure",
    "desk_margin_ratio",
    "oracle_stale",
    "oracle_failover",
    "order_filled",
    "order_rejected",
    "liquidation",
]


def test_every_alert_kind_has_one_word_that_reads_back_as_the_kind_in_the_tui_and_the_backend():
    assert [ALERT_KIND_WORDS[kind] for kind in AlertKind] == WORDS
    for kind, word in zip(AlertKind, WORDS, strict=True):
        assert alert_kind_word(kind.value) == word
        assert alert_kind_of(word) == kind and alert_kind_of(kind.value) == kind
        assert parse_kind(word) == kind  # what the screen shows, the backend takes back
    assert alert_kind_word("price_sideways") == "price_sideways"  # a kind newer than this client: as sent
    assert alert_kind_of("sideways") is None


def test_the_backend_refuses_an_unknown_kind_naming_the_words():
    with pytest.raises(DomainError) as refused:
        parse_kind("sideways")
    assert refused.value.code == "ALERT_BAD_KIND"
    assert str(refused.value) == f"unknown alert kind 'sideways'; kinds: {', '.join(WORDS)}"


@pytest.mark.parametrize(
    "typed, kind",
    [
        ("above", "price_above"),
        (">", "price_above"),
        ("ABOVE", "price_above"),
        ("price_above", "price_above"),
        ("below", "price_below"),
        ("<", "price_below"),
        ("cross", "price_cross"),
        ("x", "price_cross"),
        ("crossing", "price_cross"),
    ],
)
def test_the_command_bar_takes_each_price_word_and_its_symbol_and_sends_the_wire_name(typed, kind):
    command = parse(f"alert sol {typed} 150.5", MARKETS)
    assert (command.kind, command.args) == ("alert", {"market": "SOL-PERP", "kind": kind, "level": "150.5"})


def test_the_command_bar_names_the_words_when_the_kind_or_the_shape_is_wrong():
    with pytest.raises(GrammarError) as wrong_kind:
        parse("alert SOL-PERP move 5", MARKETS)
    assert str(wrong_kind.value) == "use above (>), below (<), cross (x), not 'move'"
    with pytest.raises(GrammarError) as wrong_shape:
        parse("alert SOL-PERP 150", MARKETS)
    assert (
        str(wrong_shape.value)
        == "use `alert MARKET KIND PRICE`, KIND one of above (>), below (<), cross (x), or `alert rm ID`"
    )


def test_the_command_bar_completes_the_kind_words_after_the_market():
    assert completions("alert SOL-PERP ", MARKETS) == ["above", "below", "cross"]
    assert completions("alert SOL-PERP b", MARKETS) == ["below"]
    assert completions("alert rm ", MARKETS) == []  # an alert id comes next


def test_an_alert_reads_as_its_word_and_its_exact_level_with_its_unit():
    assert fmt_alert({"id": 5, "kind": "move_pct", "market": "SOL-PERP", "level": "4.5", "level_in": "%"}) == (
        "#5 SOL-PERP move 4.5%"
    )
    assert fmt_alert({"id": 6, "kind": "price_cross", "market": "ETH-PERP", "level": "3300.25", "level_in": "USD"}) == (
        "#6 ETH-PERP cross 3300.25"
    )
    assert fmt_alert({"id": 7, "kind": "oracle_failover", "market": None, "level": None}) == "#7 any oracle_failover"


def test_the_empty_alerts_pane_says_how_to_add_one_in_the_words_the_bar_takes():
    hub = Hub()
    hub.market = "ETH-PERP"
    assert alerts_text(hub) == "no ETH-PERP alerts — `:alert ETH-PERP above PRICE` adds one"
    command = parse("alert ETH-PERP above 4000", MARKETS)  # the hint, typed
    assert (command.kind, command.args) == ("alert", {"market": "ETH-PERP", "kind": "price_above", "level": "4000"})


async def test_the_alerts_pane_and_the_alerts_screen_show_the_words():
    app = fixed_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.hub.connected and app.hub.markets and app.hub.alerts)
        body = app.screen.query_one("#alerts-body")
        await wait_for(pilot, lambda: "#1" in str(body.render()), what="the Alerts pane filled")
        assert str(body.render()) == "#1 SOL-PERP above 150\n#3 any oracle_stale (disabled)"
        await pilot.press("f6")
        active = app.screen.query_one("#al-active", LiveTable)
        history = app.screen.query_one("#al-history", LiveTable)
        await wait_for(pilot, lambda: active.row_count == 3 and history.row_count == 1, what="both tables filled")
        await pilot.pause()
        assert [active.render_line(y).text.rstrip() for y in range(4)] == [
            "  ID Market     Kind              Level Status   Repeat Fired Last     Note",
            "   1 SOL-PERP   above               150 active   once       0 —        breakout",
            "   2 BTC-PERP   below             90000 fired    once       1 23:00:00",
            "   3 any        oracle_stale          — disabled yes        0 —",
        ]
        assert [history.render_line(y).text.rstrip() for y in range(2)] == [
            "Time▼      ID Market     Kind              Value Message",
            "23:00:00    2 BTC-PERP   below           89950.5 BTC-PERP is at 89950.5, below 90000",
        ]


async def test_the_cli_tables_show_the_words_and_its_json_keeps_the_wire_names():
    client = FakeClient()
    alerts, text = await alert_list(client, argparse.Namespace())
    assert text.splitlines() == [
        "ID  MARKET    KIND          LEVEL  STATUS    FIRED",
        "1   SOL-PERP  above         150    active    0",
        "2   BTC-PERP  below         90000  fired     1",
        "3   -         oracle_stale  -      disabled  0",
    ]
    assert [a["kind"] for a in alerts] == ["price_above", "price_below", "oracle_stale"]  # what --json prints
    client.replies["alert.add"] = ALERTS[0].to_dict()
    typed = argparse.Namespace(
        market="SOL-PERP", kind="above", level="150", repeat=False, note="", window=None, cooldown=None, webhook=None
    )
    added, text = await alert_add(client, typed)
    assert (text, added["kind"]) == ("alert #1 SOL-PERP above 150", "price_above")
