"""The command grammar shared by the command bar (`:`) and the CLI (`quantdesk buy ...`).

    buy 2 SOL-PERP @ 142.5 tp 150 sl 138      sell 0.5 BTC-PERP mkt reduce
    buy $500 ETH-PERP stop 3300 ioc            sell 1 SOL-PERP trail 1.5%
    cancel all | cancel SOL-PERP | cancel 42   SOL-PERP (focus)   tf 5m   theme light
    alert SOL-PERP above 200 (or >) | alert rm 3   layout save mine | layout load trade
    twap buy 10 SOL-PERP 10m every 30s         iceberg sell 20 SOL-PERP @ 150 show 2
    oco sell 1 SOL-PERP tp 160 sl 130

An order phrase becomes the wire's order request (`OrderArgs`, `TwapArgs`, ...), which the backend
validates again; numbers stay decimal strings here so no float ever rounds a price or a size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from backend.api.protocol import (
    ALERT_KIND_SYMBOLS,
    ALERT_KIND_WORDS,
    TIMEFRAMES,
    TIMES_IN_FORCE,
    AlertKind,
    CancelArgs,
    IcebergArgs,
    NumberError,
    OcoArgs,
    OrderArgs,
    OrderRequest,
    OrderType,
    TwapArgs,
    alert_kind_of,
    parse_positive,
)

TIFS = TIMES_IN_FORCE
# the alerts the bar sets: a price level on a market, named by the vocabulary's word or its symbol
PRICE_ALERT_KINDS = (AlertKind.PRICE_ABOVE, AlertKind.PRICE_BELOW, AlertKind.PRICE_CROSS)
PRICE_ALERT_WORDS = tuple(ALERT_KIND_WORDS[kind] for kind in PRICE_ALERT_KINDS)
PRICE_ALERT_CHOICES = ", ".join(f"{ALERT_KIND_WORDS[k]} ({ALERT_KIND_SYMBOLS[k]})" for k in PRICE_ALERT_KINDS)
VERBS = (
    "buy",
    "sell",
    "cancel",
    "tf",
    "alert",
    "layout",
    "theme",
    "screen",
    "help",
    "kill",
    "resume",
    "twap",
    "iceberg",
    "oco",
)
DURATION_UNITS = {"s": 1, "m": 60, "h": 3600}
PARENTS: dict[str, type[TwapArgs | IcebergArgs | OcoArgs]] = {"twap": TwapArgs, "iceberg": IcebergArgs, "oco": OcoArgs}


class GrammarError(ValueError):
    """The input cannot be a command; the message says what to fix."""


@dataclass(slots=True)
class Command:
    kind: str  # "order", "cancel", "focus", "tf", "alert", "alert_rm", "layout", "theme", "screen", ...
    args: dict[str, Any] = field(default_factory=dict)
    request: OrderRequest | CancelArgs | None = None  # for orders, parents and cancels: what is sent

    @property
    def order(self) -> OrderRequest:
        """The request of an order or parent-order command (the parser always sets one for those)."""
        if self.request is None or isinstance(self.request, CancelArgs):
            raise GrammarError(f"a {self.kind} command places no order")
        return self.request

    @property
    def cancel(self) -> CancelArgs:
        """The request of a cancel command (the parser always sets one for it)."""
        if not isinstance(self.request, CancelArgs):
            raise GrammarError(f"a {self.kind} command cancels nothing")
        return self.request


def positive_decimal(text: str, what: str) -> str:
    try:
        value = parse_positive(text, what, maximum=Decimal(10) ** 15)
    except NumberError as exc:
        raise GrammarError(str(exc)) from None
    return format(value.normalize(), "f")


def resolve_market(text: str, markets: Iterable[str]) -> str | None:
    symbol = text.upper()
    if not symbol.endswith("-PERP"):
        symbol += "-PERP"
    return symbol if symbol in set(markets) else None


def parse(line: str, markets: Iterable[str]) -> Command:
    markets = list(markets)
    words = line.strip().split()
    if not words:
        raise GrammarError("type a command, e.g. `buy 1 SOL-PERP @ 140` or `help`")
    verb = words[0].lower()
    if verb in ("buy", "sell", "long", "short"):
        return Command("order", request=parse_order(words, markets))
    if verb == "cancel":
        return _cancel(words[1:], markets)
    if verb in ("twap", "iceberg", "oco"):
        return Command(verb, request=parse_parent(words, markets))
    if verb == "tf":
        if len(words) != 2 or words[1].lower() not in TIMEFRAMES:
            raise GrammarError(f"timeframe must be one of {', '.join(TIMEFRAMES)}")
        return Command("tf", {"tf": words[1].lower()})
    if verb == "alert":
        return _alert(words[1:], markets)
    if verb == "layout":
        if len(words) == 3 and words[1] in ("save", "load", "rm"):
            return Command("layout", {"action": words[1], "name": words[2]})
        if len(words) == 2:
            return Command("layout", {"action": "load", "name": words[1]})
        raise GrammarError("use `layout save NAME`, `layout load NAME` or `layout rm NAME`")
    if verb == "theme" and len(words) == 2:
        return Command("theme", {"name": words[1].lower()})
    if verb == "screen" and len(words) == 2:
        return Command("screen", {"name": words[1].lower()})
    if verb in ("help", "?"):
        return Command("help")
    if verb in ("kill", "resume") and len(words) == 1:
        return Command(verb)
    if len(words) == 1:
        market = resolve_market(words[0], markets)
        if market is not None:
            return Command("focus", {"market": market})
    raise GrammarError(f"unknown command {words[0]!r}; try buy, sell, cancel, tf, alert, layout, theme or a market")


def parse_order(words: list[str], markets: list[str]) -> OrderArgs:
    """`buy|sell SIZE MARKET [@ PRICE|mkt] [stop P] [tp P] [sl P] [trail N%] [reduce] [post] [TIF] [sub N]`."""
    side = "buy" if words[0].lower() in ("buy", "long") else "sell"
    if len(words) < 3:
        raise GrammarError(f"an order needs a size and a market, e.g. `{side} 1 SOL-PERP @ 140`")
    size_text = words[1]
    order: dict[str, Any] = {"side": side}
    if size_text.startswith("$"):
        order["size"] = positive_decimal(size_text[1:], "size in USD")
        order["size_in"] = "usd"
    else:
        order["size"] = positive_decimal(size_text, "size")
    market = resolve_market(words[2], markets)
    if market is None:
        raise GrammarError(f"unknown market {words[2]!r}; markets: {', '.join(markets)}")
    order["market"] = market
    rest = [w.lower() for w in words[3:]]
    i = 0

    def value(what: str) -> str:
        nonlocal i
        if i + 1 >= len(rest):
            raise GrammarError(f"`{rest[i]}` needs a {what} after it")
        i += 1
        return rest[i]

    while i < len(rest):
        word = rest[i]
        if word == "@":
            order["price"] = positive_decimal(value("price"), "price")
        elif word.startswith("@") and len(word) > 1:
            order["price"] = positive_decimal(word[1:], "price")
        elif word in ("mkt", "market"):
            order["type"] = "market"
        elif word == "stop":
            order["trigger"] = positive_decimal(value("trigger price"), "stop price")
        elif word in ("tp", "sl"):
            order[word] = positive_decimal(value("price"), "take-profit" if word == "tp" else "stop-loss")
        elif word == "trail":
            pct = value("percentage")
            order["trail_pct"] = positive_decimal(pct.rstrip("%"), "trail percentage")
        elif word in ("reduce", "reduce-only", "ro"):
            order["reduce_only"] = True
        elif word in ("post", "post-only", "po"):
            order["post_only"] = True
        elif word in TIFS:
            order["tif"] = word
        elif word == "sub":
            sub = value("sub-account number")
            if not sub.isdigit() or int(sub) > 65535:
                raise GrammarError(f"sub-account must be a number 0-65535, not {sub!r}")
            order["sub_account"] = int(sub)
        else:
            raise GrammarError(
                f"don't know {word!r} in an order; use @ PRICE, mkt, stop P, tp P, sl P, "
                "trail N%, reduce, post, ioc/fok/gtc, sub N"
            )
        i += 1
    order["type"] = _order_type(order)
    if order["type"] == "market" and order.get("post_only"):
        raise GrammarError("a market order cannot be post-only; give a price with @")
    return OrderArgs(**order)


def duration_seconds(text: str, what: str) -> int:
    """'90s', '10m', '1h' or plain seconds, as whole seconds."""
    number, unit = (text[:-1], text[-1]) if text[-1:].lower() in DURATION_UNITS else (text, "s")
    if not number.isdigit() or int(number) <= 0:
        raise GrammarError(f"{what} must be like 30s, 10m or 1h, not {text!r}")
    return int(number) * DURATION_UNITS[unit.lower()]


def parse_parent(words: list[str], markets: list[str]) -> TwapArgs | IcebergArgs | OcoArgs:
    """The parents the engine works itself (the args of order.twap / order.iceberg / order.oco):

    twap buy|sell SIZE MARKET DURATION every INTERVAL [@ LIMIT] [reduce] [sub N]
    iceberg buy|sell SIZE MARKET @ PRICE show DISPLAY [reduce] [sub N]
    oco buy|sell SIZE MARKET tp PRICE sl PRICE [sub N]
    """
    verb = words[0].lower()
    usage = {
        "twap": "twap buy 10 SOL-PERP 10m every 30s [@ LIMIT]",
        "iceberg": "iceberg sell 20 SOL-PERP @ 150 show 2",
        "oco": "oco sell 1 SOL-PERP tp 160 sl 130",
    }[verb]
    if len(words) < 4 or words[1].lower() not in ("buy", "sell"):
        raise GrammarError(f"use `{usage}`")
    market = resolve_market(words[3], markets)
    if market is None:
        raise GrammarError(f"unknown market {words[3]!r}; markets: {', '.join(markets)}")
    args: dict[str, Any] = {"side": words[1].lower(), "size": positive_decimal(words[2], "size"), "market": market}
    rest = [w.lower() for w in words[4:]]
    if verb == "twap":
        if not rest:
            raise GrammarError(f"a TWAP needs a duration: `{usage}`")
        args["duration"] = duration_seconds(rest.pop(0), "duration")
    options = {"every": "interval", "@": "price", "show": "display", "tp": "tp", "sl": "sl", "sub": "sub_account"}
    while rest:
        word = rest.pop(0)
        if word in ("reduce", "reduce-only", "ro") and verb != "oco":
            args["reduce_only"] = True
            continue
        if word not in options or not rest:
            raise GrammarError(f"don't know {word!r} here; use `{usage}`")
        value = rest.pop(0)
        key = options[word]
        if key == "interval":
            args[key] = duration_seconds(value, "interval")
        elif key == "sub_account":
            if not value.isdigit() or int(value) > 65535:
                raise GrammarError(f"sub-account must be a number 0-65535, not {value!r}")
            args[key] = int(value)
        else:
            args[key] = positive_decimal(value, key)
    if verb == "twap":
        args.setdefault("interval", max(1, args["duration"] // 10))
        if "price" in args:
            args["price_limit"] = args.pop("price")
    required = {"twap": (), "iceberg": ("price", "display"), "oco": ("tp", "sl")}[verb]
    missing = [key for key in required if key not in args]
    if missing:
        raise GrammarError(f"{verb} needs {' and '.join(missing)}: `{usage}`")
    extra = set(args) - {
        "side",
        "size",
        "market",
        "sub_account",
        "reduce_only",
        "duration",
        "interval",
        "price_limit",
        "price",
        "display",
        "tp",
        "sl",
    }
    unused = {"twap": {"display", "tp", "sl"}, "iceberg": {"tp", "sl"}, "oco": {"price", "display"}}[verb] & set(args)
    if extra or unused:
        raise GrammarError(f"{verb} does not take {', '.join(sorted(extra | unused))}: `{usage}`")
    return PARENTS[verb](**args)


def _order_type(order: dict[str, Any]) -> str:
    explicit_market = order.get("type") == "market"
    if "trail_pct" in order:
        return "trailing"
    if "trigger" in order:
        return OrderType.STOP_LIMIT.value if "price" in order else "stop"  # "stop": the backend's stop_market
    if explicit_market and "price" in order:
        raise GrammarError("choose either `mkt` or `@ PRICE`, not both")
    return "limit" if "price" in order else "market"


def _cancel(words: list[str], markets: list[str]) -> Command:
    if not words:
        raise GrammarError("use `cancel ID`, `cancel MARKET` or `cancel all`")
    target = words[0]
    if target.lower() == "all":
        return Command("cancel", request=CancelArgs(all=True))
    if target.isdigit():
        return Command("cancel", request=CancelArgs(order_id=int(target)))
    market = resolve_market(target, markets)
    if market is None:
        raise GrammarError(f"{target!r} is neither an order id, a market nor `all`")
    return Command("cancel", request=CancelArgs(market=market))


def _alert(words: list[str], markets: list[str]) -> Command:
    if len(words) == 2 and words[0].lower() in ("rm", "remove", "del"):
        if not words[1].isdigit():
            raise GrammarError(f"alert id must be a number, not {words[1]!r}")
        return Command("alert_rm", {"alert_id": int(words[1])})
    if len(words) != 3:
        raise GrammarError(f"use `alert MARKET KIND PRICE`, KIND one of {PRICE_ALERT_CHOICES}, or `alert rm ID`")
    market = resolve_market(words[0], markets)
    if market is None:
        raise GrammarError(f"unknown market {words[0]!r}")
    kind = alert_kind_of(words[1])
    if kind is None or kind not in PRICE_ALERT_KINDS:
        raise GrammarError(f"use {PRICE_ALERT_CHOICES}, not {words[1]!r}")
    return Command("alert", {"market": market, "kind": kind.value, "level": positive_decimal(words[2], "alert level")})


def completions(prefix: str, markets: Iterable[str]) -> list[str]:
    """Candidates for the word being typed: verbs first, then markets and keywords."""
    words = prefix.split(" ")
    last = words[-1].lower()
    if len(words) == 1:
        pool = [*VERBS, *markets]
    elif words[0].lower() in ("buy", "sell") and len(words) == 3:
        pool = list(markets)
    elif words[0].lower() in ("twap", "iceberg", "oco") and len(words) in (2, 4):
        pool = ["buy", "sell"] if len(words) == 2 else list(markets)
    elif words[0].lower() in ("cancel", "alert") and len(words) == 2:
        pool = ["all", *markets] if words[0].lower() == "cancel" else ["rm", *markets]
    elif words[0].lower() == "alert" and len(words) == 3:
        pool = [] if words[1].lower() == "rm" else list(PRICE_ALERT_WORDS)  # an id, or the kind
    elif words[0].lower() == "tf":
        pool = list(TIMEFRAMES)
    else:
        pool = ["@", "mkt", "stop", "tp", "sl", "trail", "reduce", "post", *TIFS, "sub"]
    return [p for p in pool if p.lower().startswith(last)]
