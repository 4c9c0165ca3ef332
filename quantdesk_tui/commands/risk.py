"""Risk and alert commands: risk, kill, resume, alert add|list|rm|history."""

from __future__ import annotations

import argparse
from typing import Any

from backend.api.protocol import ALERT_KIND_WORDS, alert_kind_word
from backend.client import BackendClient
from quantdesk_tui.commands import data_command, whole_number
from quantdesk_tui.commands.records import insurance_text, liquidation_rows
from quantdesk_tui.output import UsageError, table
from widgets.format import fmt_alert, fmt_level


def register(sub: Any, add_connection_args: Any) -> None:
    def command(parent: Any, name: str, help_text: str, run: Any) -> argparse.ArgumentParser:
        return data_command(parent, name, help_text, run, add_connection_args)

    p = command(sub, "risk", "VaR/CVaR, stress, exposure, insurance fund; `risk limits [set KEY=VALUE …]`", risk)
    p.add_argument(
        "words",
        nargs="*",
        metavar="limits [set KEY=VALUE …]",
        help="show the risk limits, or set them (saved in config.toml [risk])",
    )
    p.add_argument("--sub", type=whole_number, default=None)
    p = command(sub, "kill", "kill switch: cancel every open order and HALT trading", kill)
    p.add_argument("--reason", default="kill switch from the CLI")
    p = command(sub, "resume", "trading ACTIVE again after a kill or REDUCING", resume)
    p.add_argument("--reason", default="resumed from the CLI")

    alert = sub.add_parser("alert", help="price, move, funding, margin and oracle alerts").add_subparsers(
        dest="alert_command", metavar="ACTION", required=True
    )
    p = command(alert, "add", "add an alert: alert add SOL-PERP above 200", alert_add)
    p.add_argument("market")
    p.add_argument("kind", help=" | ".join(ALERT_KIND_WORDS.values()))
    p.add_argument("level")
    p.add_argument("--window", help="for move: 30s, 5m, 1h …")
    p.add_argument("--repeat", action="store_true", help="fire again each time the condition becomes true")
    p.add_argument("--cooldown", help="seconds (or 30s/5m/1h) between repeats")
    p.add_argument("--webhook", help="POST the alert as JSON to this http(s) URL")
    p.add_argument("--note", default="")
    command(alert, "list", "list alerts", alert_list)
    p = command(alert, "rm", "remove an alert", alert_rm)
    p.add_argument("id", type=whole_number)
    p = command(alert, "history", "alerts that fired", alert_history)
    p.add_argument("--limit", type=whole_number, default=50)


async def risk(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    if a.words:
        return await risk_limits(client, a.words)
    args = {"sub_account": a.sub} if a.sub is not None else {}
    report = await client.request("risk.report", **args)
    fund = await client.request("liquidations", limit=5, **args)  # the insurance fund and recent liquidations
    report = {**report, "insurance": fund}
    text = risk_text(report) + "\n\n" + insurance_text(fund)
    if fund["liquidations"]:
        text += "\n" + table(
            ("TIME (UTC)", "KIND", "MARKET", "SUB", "SIZE", "PRICE", "FEE/AMOUNT USDC", "LIQUIDATOR", "FUND AFTER"),
            liquidation_rows(fund["liquidations"]),
            right=(3, 5, 6, 8),
        )
    return report, text


async def risk_limits(client: BackendClient, words: list[str]) -> tuple[Any, str]:
    if words == ["limits"]:
        result = await client.request("risk.limits")
    elif words[:2] == ["limits", "set"] and len(words) > 2:
        pairs = [w.partition("=") for w in words[2:]]
        if any(not sep or not key for key, sep, _ in pairs):
            raise UsageError("risk limits set takes KEY=VALUE pairs, e.g. max_leverage=10 daily_loss_limit=2500")
        result = await client.request("risk.limits.set", limits={key: value for key, _, value in pairs})
    else:
        raise UsageError("use `risk`, `risk limits` or `risk limits set KEY=VALUE …`")
    rows = [(key, value, result["units"][key]) for key, value in result["limits"].items()]
    return result, table(("LIMIT", "VALUE", "UNIT"), rows, right=(1,))


def risk_text(report: dict[str, Any]) -> str:
    state = report.get("trading_state") or {}
    state_name = state.get("state", "?") if isinstance(state, dict) else str(state)
    lines = [f"trading state  {state_name}    equity {report.get('equity', 0):,.2f} USD"]
    var = report.get("var", {})
    for level, entry in sorted((var.get("levels") or {}).items()):
        lines.append(f"VaR {level}% 1d    {entry['var']:,.2f} USD    CVaR {entry['cvar']:,.2f} USD")
    if var.get("method"):
        lines.append(f"  ({var['method']}, {var.get('observations', 0)} observations)")
    exposure = report.get("exposure", {})
    rows = [
        (e["market"], e["side"], f"{e['notional']:,.2f}", f"{e['pct_of_equity']:.2f}%")
        for e in exposure.get("by_market", [])
    ]
    if rows:
        lines += ["", table(("MARKET", "SIDE", "NOTIONAL USD", "% EQUITY"), rows, right=(2, 3))]
    stress = report.get("stress", {})
    stress_rows = [(f"{s['market']} {s['shock_pct']:+d}%", f"{s['pnl']:+,.2f}") for s in stress.get("shocks", [])]
    for crash in stress.get("crash", []) if isinstance(stress.get("crash"), list) else []:
        stress_rows.append((f"correlated crash -{crash['crash_pct']}% (BTC)", f"{crash['pnl']:+,.2f}"))
    if stress_rows:
        lines += ["", table(("STRESS", "PNL USD"), stress_rows, right=(1,))]
    pnl = (report.get("pnl") or {}).get("total")
    if pnl:
        lines += [
            "",
            f"PnL  trading {pnl['trading']:+,.2f}  funding {pnl['funding']:+,.2f}  fees {pnl['fees']:+,.2f}"
            f"  total {pnl['total']:+,.2f}",
        ]
    return "\n".join(lines)


async def kill(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request("risk.kill", reason=a.reason)
    return result, f"trading {result.get('state', 'HALTED')}; open orders cancelled"


async def resume(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request("risk.resume", reason=a.reason)
    return result, f"trading {result.get('state', 'ACTIVE')}"


async def alert_add(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    args: dict[str, Any] = {"market": a.market, "kind": a.kind, "level": a.level, "repeat": a.repeat, "note": a.note}
    for key in ("window", "cooldown", "webhook"):
        if getattr(a, key):
            args[key] = getattr(a, key)
    result = await client.request("alert.add", **args)
    alert = result.get("alert", result)
    return alert, f"alert {fmt_alert(alert)}"  # the level exact, as the backend holds it


async def alert_list(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request("alert.list")
    rows = [
        (
            x["id"],
            x.get("market") or "-",
            alert_kind_word(x["kind"]),
            fmt_level(x.get("level"), x.get("level_in")) if x.get("level") is not None else "-",
            x.get("status", ""),
            x.get("fire_count", 0),
        )
        for x in result["alerts"]
    ]
    return result["alerts"], table(("ID", "MARKET", "KIND", "LEVEL", "STATUS", "FIRED"), rows) if rows else "no alerts"


async def alert_rm(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request("alert.rm", id=a.id)
    return result, f"alert #{a.id} removed"


async def alert_history(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request("alert.history", limit=a.limit)
    rows = [(h.get("alert_id", h.get("id")), h.get("market") or "-", h.get("message", "")) for h in result["history"]]
    return result["history"], table(("ALERT", "MARKET", "MESSAGE"), rows) if rows else "no alert has fired"
