"""`quantdesk admin markets|set|pause|resume|breaker|insurance|audit|shock` and `quantdesk oco`: the paper
venue's admin ops and OCO orders from the command line."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from backend.api.protocol import QUOTE_PRECISION, OcoArgs, to_builtins
from backend.client import BackendClient
from quantdesk_tui.commands import data_command, whole_number
from quantdesk_tui.commands.trading import describe_orders
from quantdesk_tui.output import UsageError, fixed_str, table

P = QUOTE_PRECISION


def register(sub: Any, add_connection_args: Any) -> None:
    def command(parent: Any, name: str, help_text: str, run: Any) -> argparse.ArgumentParser:
        return data_command(parent, name, help_text, run, add_connection_args)

    p = command(sub, "oco", "one-cancels-other exit: a take-profit and a stop-loss on a position", oco)
    p.add_argument("side", choices=("buy", "sell"), help="the side that closes (sell closes a long)")
    p.add_argument("size")
    p.add_argument("market")
    p.add_argument("--tp", required=True, metavar="P", help="take-profit price")
    p.add_argument("--sl", required=True, metavar="P", help="stop-loss price")
    p.add_argument("--sub", type=whole_number, default=0)

    admin = sub.add_parser(
        "admin", help="paper venue admin: markets, parameters, pause, insurance, audit, shock"
    ).add_subparsers(dest="admin_command", metavar="ACTION", required=True)
    command(admin, "markets", "markets with their status, parameters and the insurance fund", markets)
    p = command(admin, "set", "change market parameters: admin set SOL-PERP taker_fee=500 max_leverage=10", set_params)
    p.add_argument("market")
    p.add_argument("params", nargs="+", metavar="KEY=INT", help="integers in the precision `admin markets` shows")
    for name, run, text in (
        ("pause", pause, "halt a market (or all) / make it reduce-only"),
        ("resume", resume, "resume a paused market (or all)"),
    ):
        p = command(admin, name, text, run)
        p.add_argument("market", nargs="?")
        if name == "pause":
            p.add_argument("--reduce-only", action="store_true", help="accept only orders that reduce")
    p = command(admin, "breaker", "reset a market's tripped circuit breaker", reset_breaker)
    p.add_argument("market")
    p = command(admin, "insurance", "deposit to or withdraw from the insurance fund (USDC)", insurance)
    p.add_argument("action", choices=("deposit", "withdraw"))
    p.add_argument("amount")
    command(admin, "audit", "the admin audit log", audit)
    p = command(admin, "shock", "move a simulated market by PCT percent now (paper + sim only)", shock)
    p.add_argument("market")
    p.add_argument("pct", help="signed percent, e.g. -12.5")


async def oco(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    request = OcoArgs(market=a.market, side=a.side, size=a.size, tp=a.tp, sl=a.sl, sub_account=a.sub)
    result = await client.request(request.op, **to_builtins(request))
    return result, describe_orders(result)


def markets_text(result: dict[str, Any]) -> str:
    rows = [
        (
            m["market"],
            m["status"] + (" (breaker)" if m["circuit_breaker_tripped"] else ""),
            m["params"].get("max_leverage", "-"),
            m["params"].get("taker_fee", "-"),
            m["params"].get("maker_fee", "-"),
            m["params"].get("margin_ratio_initial", "-"),
            m["params"].get("margin_ratio_maintenance", "-"),
        )
        for m in result["markets"]
    ]
    text = table(
        ("MARKET", "STATUS", "MAX LEV", "TAKER 1e6", "MAKER 1e6", "IMR 1e4", "MMR 1e4"), rows, right=(2, 3, 4, 5, 6)
    )
    curves = "".join(
        f"\n{m['market']} amm: peg {fixed_str(m['amm']['amm_peg'], P)}  reserve price "
        f"{fixed_str(m['amm']['reserve_price'], P)}  fee pool {fixed_str(m['amm']['fee_pool'], P)} USDC  "
        f"repeg cost last {fixed_str(m['amm']['last_repeg_cost'], P)} "
        f"total {fixed_str(m['amm']['total_repeg_cost'], P)}"
        for m in result["markets"]
        if "amm" in m
    )
    return (
        f"{text}{curves}\ninsurance fund {fixed_str(result['insurance_fund'], P)} USDC   "
        f"socialized loss {fixed_str(result['socialized_loss'], P)} USDC"
    )


async def markets(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request("admin.markets")
    return result, markets_text(result)


def parse_params(pairs: list[str]) -> dict[str, int]:
    params: dict[str, int] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key or not value.lstrip("-").isdigit():
            raise UsageError(f"parameters are KEY=INTEGER (in the precision `admin markets` shows), not {pair!r}")
        params[key] = int(value)
    return params


async def set_params(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request("admin.update_market", market=a.market, params=parse_params(a.params))
    return result, markets_text(result)


async def pause(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    args: dict[str, Any] = {"reduce_only": a.reduce_only}
    if a.market:
        args["market"] = a.market
    result = await client.request("admin.pause", **args)
    return result, markets_text(result)


async def resume(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request("admin.resume", **({"market": a.market} if a.market else {}))
    return result, markets_text(result)


async def reset_breaker(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request("admin.reset_breaker", market=a.market)
    return result, markets_text(result)


async def insurance(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request(f"admin.insurance_{a.action}", amount=a.amount)
    return result, f"insurance fund {fixed_str(result['insurance_fund'], P)} USDC"


async def audit(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request("admin.audit")
    rows = [
        (
            datetime.fromtimestamp(r["ts"], UTC).strftime("%Y-%m-%d %H:%M:%S"),
            r["actor"],
            r["action"],
            _detail(r["detail"]),
        )
        for r in result["audit"]
    ]
    return result, table(("TIME (UTC)", "ACTOR", "ACTION", "DETAIL"), rows) if rows else "no admin actions yet"


def _detail(text: str) -> str:
    try:
        return " ".join(f"{k}={v}" for k, v in json.loads(text).items())
    except (ValueError, AttributeError):
        return text


async def shock(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request("oracle.shock", market=a.market, pct=a.pct)
    return result, f"{result['market']} shocked {result['pct']}% (towards {result['target_price']})"
