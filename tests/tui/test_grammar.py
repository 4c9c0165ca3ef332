from __future__ import annotations

import pytest

from backend.api.protocol import CancelArgs, IcebergArgs, OrderArgs, TwapArgs, to_builtins
from quantdesk_tui.grammar import GrammarError, completions, parse

MARKETS = ["SOL-PERP", "BTC-PERP", "ETH-PERP"]


def test_bracket_limit_order_phrase():
    cmd = parse("buy 2 SOL-PERP @ 142.5 tp 150 sl 138", MARKETS)
    assert cmd.kind == "order"
    assert cmd.request == OrderArgs(
        side="buy", size="2", market="SOL-PERP", price="142.5", tp="150", sl="138", type="limit"
    )


def test_market_reduce_only_sell():
    assert parse("sell 0.5 btc mkt reduce", MARKETS).request == OrderArgs(
        side="sell", size="0.5", market="BTC-PERP", type="market", reduce_only=True
    )


def test_stop_stop_limit_trailing_usd_size_tif_sub():
    assert parse("buy 1 eth stop 3300", MARKETS).request.type == "stop"
    assert parse("buy 1 eth stop 3300 @ 3310", MARKETS).request.type == "stop_limit"
    trail = parse("sell 1 sol-perp trail 1.5%", MARKETS).request
    assert (trail.type, trail.trail_pct) == ("trailing", "1.5")
    usd = parse("buy $500 SOL-PERP @140 ioc sub 2", MARKETS).request
    assert (usd.size, usd.size_in, usd.price, usd.tif, usd.sub_account) == (
        "500",
        "usd",
        "140",
        "ioc",
        2,
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("buy -1 SOL-PERP", "size must be a positive number, not '-1'"),
        ("buy nan SOL-PERP", "size must be a number, not 'nan'"),
        ("buy 1_0 SOL-PERP", "size must be a number, not '1_0'"),
        ("buy １ SOL-PERP", "size must be a number, not '１'"),
        ("buy ١ SOL-PERP", "size must be a number, not '١'"),
        ("buy 1e0 SOL-PERP", "size must be a number, not '1e0'"),
        ("buy +1 SOL-PERP", "size must be a positive number, not '+1'"),
        ("buy 1 SOL-PERP @ 1.2.3", "price must be a number, not '1.2.3'"),
        ("buy abc SOL-PERP", "size must be a number, not 'abc'"),
        ("buy 1 DOGE-PERP", "unknown market 'DOGE-PERP'"),
        ("buy 1 SOL-PERP @", "`@` needs a price after it"),
        ("buy 1 SOL-PERP @ 0", "price must be a positive number, not '0'"),
        ("buy 1 SOL-PERP mkt post", "a market order cannot be post-only"),
        ("buy 1 SOL-PERP mkt @ 140", "choose either `mkt` or `@ PRICE`"),
        ("buy 1 SOL-PERP wobble", "don't know 'wobble'"),
        ("buy 1", "an order needs a size and a market"),
        ("tf 7m", "timeframe must be one of"),
        ("cancel", "use `cancel ID`"),
        ("frobnicate", "unknown command 'frobnicate'"),
        ("", "type a command"),
    ],
)
def test_bad_input_says_what_to_fix(line, message):
    with pytest.raises(GrammarError) as err:
        parse(line, MARKETS)
    assert message in str(err.value)


def test_parent_orders_become_their_request_structs_and_encode_without_defaults():
    twap = parse("twap buy 10 SOL-PERP 10m every 30s @ 150", MARKETS)
    assert (twap.kind, twap.request) == (
        "twap",
        TwapArgs(market="SOL-PERP", side="buy", size="10", duration=600, interval=30, price_limit="150"),
    )
    assert twap.request.op == "order.twap"
    iceberg = parse("iceberg sell 20 sol @ 150 show 2 reduce sub 3", MARKETS).request
    assert iceberg == IcebergArgs(
        market="SOL-PERP", side="sell", size="20", display="2", price="150", reduce_only=True, sub_account=3
    )
    oco = parse("oco sell 1 SOL-PERP tp 160 sl 130", MARKETS).request
    assert (oco.op, to_builtins(oco)) == (
        "order.oco",
        {"market": "SOL-PERP", "side": "sell", "size": "1", "tp": "160", "sl": "130"},
    )


def test_other_commands():
    assert parse("cancel all", MARKETS).request == CancelArgs(all=True)
    assert parse("cancel 42", MARKETS).request == CancelArgs(order_id=42)
    assert parse("cancel sol", MARKETS).request == CancelArgs(market="SOL-PERP")
    assert (parse("SOL-PERP", MARKETS).kind, parse("sol", MARKETS).args) == ("focus", {"market": "SOL-PERP"})
    assert parse("tf 5m", MARKETS).args == {"tf": "5m"}
    assert parse("alert SOL-PERP > 200", MARKETS).args == {"market": "SOL-PERP", "kind": "price_above", "level": "200"}
    assert parse("alert rm 3", MARKETS).args == {"alert_id": 3}
    assert parse("layout save mine", MARKETS).args == {"action": "save", "name": "mine"}
    assert parse("theme light", MARKETS).args == {"name": "light"}


def test_completions_follow_position_in_the_phrase():
    assert completions("bu", MARKETS) == ["buy"]
    assert completions("buy 1 s", MARKETS) == ["SOL-PERP"]
    assert completions("buy 1 SOL-PERP t", MARKETS) == ["tp", "trail"]
    assert completions("tf 1", MARKETS) == ["1s", "1m", "15m", "1h", "1d"]
