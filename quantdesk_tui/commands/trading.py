"""Trading commands: deposit, withdraw, order, buy/sell (command-bar grammar), twap, iceberg, cancel,
orders, positions, fills, account."""

from __future__ import annotations

import argparse
import re
import time
from datetime import UTC, datetime
from typing import Any

from backend.api.protocol import (
    BASE_PRECISION,
    MARGIN_PRECISION,
    ORDER_TYPE_NAMES,
    PRICE_PRECISION,
    TIMES_IN_FORCE,
    CancelArgs,
    IcebergArgs,
    OrderArgs,
    OrderRequest,
    OrderType,
    TwapArgs,
    order_type_of,
    to_builtins,
)
from backend.client import BackendClient
from quantdesk_tui.commands import data_command, whole_number
from quantdesk_tui.grammar import GrammarError, parse_order
from quantdesk_tui.output import UsageError, fixed_str, table

P, B = PRICE_PRECISION, BASE_PRECISION


def order_type_arg(text: str) -> str:
    """--type: a wire name or alias, with `-` or `_` (stop-limit = stop_limit); sent as the wire spells it."""
    if order_type_of(text) is None:
        raise argparse.ArgumentTypeError(f"order type must be one of {', '.join(ORDER_TYPE_NAMES)}")
    return text.lower().replace("-", "_")


def register(sub: Any, add_connection_args: Any) -> None:
    def command(name: str, help_text: str, run: Any) -> argparse.ArgumentParser:
        return data_command(sub, name, help_text, run, add_connection_args)

    for name, run in (("deposit", deposit), ("withdraw", withdraw)):
        p = command(name, f"{name} collateral (paper venue)", run)
        p.add_argument("amount")
        p.add_argument("asset", nargs="?", default="USDC", help="USDC (default) or SOL")
        p.add_argument("--sub", type=whole_number, default=0, help="sub-account")

    p = command("order", "place an order", order)
    p.add_argument("side", choices=("buy", "sell"))
    p.add_argument("size", help="base size, or $USD with --usd")
    p.add_argument("market")
    p.add_argument("--type", type=order_type_arg, default=None, metavar="TYPE", help=", ".join(ORDER_TYPE_NAMES))
    p.add_argument("--limit", metavar="P", help="limit price (implies --type limit)")
    p.add_argument("--stop", metavar="P", help="trigger price (stop / take-profit)")
    p.add_argument("--trail", metavar="PCT", help="trailing distance in percent")
    p.add_argument("--tp", metavar="P", help="take-profit (makes a bracket)")
    p.add_argument("--sl", metavar="P", help="stop-loss (makes a bracket)")
    p.add_argument("--usd", action="store_true", help="size is in USD")
    p.add_argument("--reduce-only", action="store_true")
    p.add_argument("--post-only", action="store_true")
    p.add_argument("--tif", choices=TIMES_IN_FORCE, default="gtc")
    p.add_argument(
        "--expire",
        metavar="WHEN",
        help="when a GTD order expires: 30s, 15m, 2h, 1d from now, an ISO-8601 time, or unix seconds",
    )
    p.add_argument("--sub", type=whole_number, default=0)

    for side in ("buy", "sell"):
        p = command(
            side, f"{side} with the command-bar grammar, e.g. {side} 2 SOL-PERP @ 142.5 tp 150 sl 138", phrase_order
        )
        p.add_argument("words", nargs=argparse.REMAINDER)
        p.set_defaults(side=side)

    p = command("twap", "a TWAP parent: SIZE spread over DURATION seconds every INTERVAL", twap)
    p.add_argument("side", choices=("buy", "sell"))
    p.add_argument("size")
    p.add_argument("market")
    p.add_argument("--duration", type=whole_number, required=True)
    p.add_argument("--interval", type=whole_number, required=True)
    p.add_argument("--limit", metavar="P", help="price limit")
    p.add_argument("--reduce-only", action="store_true")
    p.add_argument("--sub", type=whole_number, default=0)

    p = command("iceberg", "an iceberg parent: SIZE shown DISPLAY at a time at PRICE", iceberg)
    p.add_argument("side", choices=("buy", "sell"))
    p.add_argument("size")
    p.add_argument("market")
    p.add_argument("--display", required=True)
    p.add_argument("--limit", metavar="P", required=True)
    p.add_argument("--reduce-only", action="store_true")
    p.add_argument("--sub", type=whole_number, default=0)

    p = command("cancel", "cancel an order by id, every order of a market, or all", cancel)
    p.add_argument("order_id", nargs="?", type=whole_number)
    p.add_argument("--market")
    p.add_argument("--all", action="store_true")
    p.add_argument("--sub", type=whole_number, default=0)

    p = command("orders", "open orders (--all for recent history too)", orders)
    p.add_argument("--all", action="store_true")
    p.add_argument("--market")
    p = command("positions", "open positions", positions)
    p.add_argument("--market")
    p = command("fills", "recent fills (--trader/--since: the store's history, no backend needed)", fills)
    p.add_argument("--market")
    p.add_argument("--limit", type=whole_number, default=50)
    p.add_argument("--trader", help="a trader on the store (read from the database)")
    p.add_argument("--since", help="how far back, e.g. 7d (read from the database)")
    p = command("account", "balances, margin and positions of a sub-account", account)
    p.add_argument("--sub", type=whole_number, default=0)


def implied_order_type(a: argparse.Namespace) -> str:
    """The type the price flags imply when --type is not given ("stop" and "trailing" are the wire's aliases)."""
    if a.trail:
        return "trailing"
    if a.stop:
        return OrderType.STOP_LIMIT.value if a.limit else "stop"
    return OrderType.LIMIT.value if a.limit else OrderType.MARKET.value


def order_request(a: argparse.Namespace) -> OrderArgs:
    """`quantdesk order ...` flags as an `order.place` request."""
    expire = expire_at(a.expire, time.time()) if a.expire is not None else None
    return OrderArgs(
        side=a.side,
        size=a.size.lstrip("$"),
        market=a.market,
        type=a.type or implied_order_type(a),
        size_in="usd" if a.usd or a.size.startswith("$") else "base",
        price=a.limit or None,
        trigger=a.stop or None,
        trail_pct=a.trail or None,
        tp=a.tp or None,
        sl=a.sl or None,
        reduce_only=bool(a.reduce_only),
        post_only=bool(a.post_only),
        tif="gtd" if expire is not None and a.tif == "gtc" else a.tif,  # an expiry makes an order good-till-date
        expire=expire,
        sub_account=a.sub,
    )


_RELATIVE = re.compile(r"^(\d+)(s|m|h|d)$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}


def expire_at(text: str, now: float) -> int:
    """Unix seconds from `30s`/`15m`/`2h`/`1d` (from now), ISO-8601 (UTC unless it says), or unix seconds."""
    text = text.strip()
    relative = _RELATIVE.match(text)
    if relative:
        return int(now) + int(relative.group(1)) * _UNIT_SECONDS[relative.group(2)]
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--expire takes 30s, 15m, 2h, 1d, an ISO-8601 time or unix seconds, not {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def describe_orders(result: dict[str, Any]) -> str:
    lines = [
        f"order {o['order_id']}: {o['side']} {fixed_str(o['size'], B)} {o['market']} {o['order_type']} "
        f"{o['status']}" + (f" @ {fixed_str(o['price'], P)}" if o.get("price") else "")
        for o in result.get("orders", [])
    ]
    lines += [
        f"fill {f['fill_id']}: {f['side']} {fixed_str(f['size'], B)} @ {fixed_str(f['price'], P)} "
        f"fee {fixed_str(f['fee'], P)}"
        for f in result.get("fills", [])
    ]
    return "\n".join(lines) or "accepted"


async def place(client: BackendClient, request: OrderRequest) -> tuple[Any, str]:
    """Send one order request (a phrase, flags, a TWAP or an iceberg parent) and say what became of it."""
    result = await client.request(request.op, **to_builtins(request))
    return result, describe_orders(result)


async def order(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    return await place(client, order_request(a))


async def phrase_order(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    markets = [m["symbol"] for m in (await client.request("markets.list"))["markets"]]
    if "--json" in a.words:  # the phrase swallows the rest of the line, flags included
        a.words = [w for w in a.words if w != "--json"]
        a.json = True
    try:
        request = parse_order([a.side, *a.words], markets)
    except GrammarError as exc:
        raise UsageError(str(exc)) from None
    return await place(client, request)


async def twap(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    return await place(
        client,
        TwapArgs(
            market=a.market,
            side=a.side,
            size=a.size,
            duration=a.duration,
            interval=a.interval,
            price_limit=a.limit or None,
            reduce_only=a.reduce_only,
            sub_account=a.sub,
        ),
    )


async def iceberg(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    return await place(
        client,
        IcebergArgs(
            market=a.market,
            side=a.side,
            size=a.size,
            display=a.display,
            price=a.limit,
            reduce_only=a.reduce_only,
            sub_account=a.sub,
        ),
    )


async def cancel(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    if a.order_id is None and not a.market and not a.all:
        raise UsageError("cancel needs an order id, --market M or --all")
    if a.order_id is not None:
        request = CancelArgs(order_id=a.order_id, sub_account=a.sub)
    elif a.market:
        request = CancelArgs(market=a.market, sub_account=a.sub)
    else:
        request = CancelArgs(all=True, sub_account=a.sub)
    result = await client.request(request.op, **to_builtins(request))
    ids = result["cancelled"]
    return result, f"cancelled {len(ids)} order(s)" + (f": {', '.join(map(str, ids))}" if ids else "")


async def deposit(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request("account.deposit", amount=a.amount, asset=a.asset, sub_account=a.sub)
    return result, account_text(result)


async def withdraw(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request("account.withdraw", amount=a.amount, asset=a.asset, sub_account=a.sub)
    return result, account_text(result)


async def orders(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    args: dict[str, Any] = {"status": "all" if a.all else "open"}
    if a.market:
        args["market"] = a.market
    result = await client.request("orders", **args)
    rows = [
        (
            o["order_id"],
            o["market"],
            o["side"],
            o["order_type"],
            o["status"],
            fixed_str(o["size"], B),
            fixed_str(o.get("filled", 0), B),
            fixed_str(o.get("price", 0), P) if o.get("price") else "-",
            fixed_str(o.get("trigger_price", 0), P) if o.get("trigger_price") else "-",
        )
        for o in result["orders"]
    ]
    text = (
        table(
            ("ID", "MARKET", "SIDE", "TYPE", "STATUS", "SIZE", "FILLED", "PRICE", "TRIGGER"),
            rows,
            right=(0, 5, 6, 7, 8),
        )
        if rows
        else "no orders"
    )
    return result["orders"], text


async def positions(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    args = {"market": a.market} if a.market else {}
    result = await client.request("positions", **args)
    rows = [
        (
            p["market"],
            p["sub_account"],
            fixed_str(p["base"], B),
            fixed_str(p["entry_price"], P, 4),
            fixed_str(p["mark_price"], P, 4),
            fixed_str(p.get("liq_price", 0), P, 4) if p.get("liq_price") else "-",
            fixed_str(p["unrealized_pnl"], P, 2),
            fixed_str(p["realized_pnl"], P, 2),
        )
        for p in result["positions"]
    ]
    text = (
        table(("MARKET", "SUB", "SIZE", "ENTRY", "MARK", "LIQ", "UPNL", "RPNL"), rows, right=(1, 2, 3, 4, 5, 6, 7))
        if rows
        else "no open positions"
    )
    return result["positions"], text


async def fills(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    args: dict[str, Any] = {"limit": a.limit}
    if a.market:
        args["market"] = a.market
    result = await client.request("fills", **args)
    rows = [
        (
            f["fill_id"],
            f["order_id"],
            f["market"],
            f["side"],
            fixed_str(f["size"], B),
            fixed_str(f["price"], P),
            fixed_str(f["fee"], P, 4),
            f["role"] + (f" ({f['liquidator']})" if f.get("liquidator") else ""),
        )
        for f in result["fills"]
    ]
    text = (
        table(("FILL", "ORDER", "MARKET", "SIDE", "SIZE", "PRICE", "FEE", "ROLE"), rows, right=(0, 1, 4, 5, 6))
        if rows
        else "no fills"
    )
    return result["fills"], text


async def account(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request("account", sub_account=a.sub)
    return result, account_text(result)


def account_text(result: dict[str, Any]) -> str:
    acc = result["account"]
    balances = ", ".join(f"{fixed_str(c['amount'], 10 ** c['decimals'])} {c['asset']}" for c in acc["collateral"])
    return (
        f"sub-account {acc['sub_account']}  [{acc.get('trading_state', 'ACTIVE')}]\n"
        f"balances     {balances or 'none'}\n"
        f"equity       {fixed_str(acc['equity'], P, 2)} USD   uPnL {fixed_str(acc['unrealized_pnl'], P, 2)}\n"
        f"collateral   {fixed_str(acc['total_collateral'], P, 2)}   free {fixed_str(acc['free_collateral'], P, 2)}\n"
        f"margin       initial {fixed_str(acc['initial_margin'], P, 2)}   maintenance "
        f"{fixed_str(acc['maintenance_margin'], P, 2)}   leverage {acc['leverage'] / MARGIN_PRECISION:.2f}x"
    )
