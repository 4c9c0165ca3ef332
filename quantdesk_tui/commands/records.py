"""What the venue recorded: `liquidations` (with the insurance fund) and `history ORDER_ID`."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from backend.api.protocol import BASE_PRECISION, PRICE_PRECISION
from backend.client import BackendClient
from quantdesk_tui.commands import data_command, whole_number
from quantdesk_tui.output import fixed_str, table

P, B = PRICE_PRECISION, BASE_PRECISION


def register(sub: Any, add_connection_args: Any) -> None:
    p = data_command(
        sub,
        "liquidations",
        "liquidations, bankruptcies, socialized losses and the insurance fund",
        liquidations,
        add_connection_args,
    )
    p.add_argument("--limit", type=whole_number, default=50)
    p.add_argument("--sub", type=whole_number, default=None)
    p = data_command(
        sub, "history", "every status an order went through, with the reason", history, add_connection_args
    )
    p.add_argument("order_id", type=whole_number)


def _time(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def insurance_text(result: dict[str, Any]) -> str:
    return (
        f"insurance fund {fixed_str(result['insurance_fund'], P)} USDC   paid out "
        f"{fixed_str(result['insurance_paid'], P)} USDC   socialized loss {fixed_str(result['socialized_loss'], P)}"
        " USDC"
    )


def liquidation_rows(records: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    rows = []
    for r in records:
        size = f"{r['side']} {fixed_str(r['size'], B)}" if r["kind"] == "liquidation" else "-"
        price = fixed_str(r["price"], P) if r["price"] else "-"
        amount = fixed_str(r["fee"] if r["kind"] == "liquidation" else r["amount"], P)
        rows.append(
            (
                _time(r["ts"]),
                r["kind"],
                r["market"] or "-",
                r["sub_account"],
                size,
                price,
                amount,
                r["liquidator"] or "-",
                fixed_str(r["insurance_fund"], P),
            )
        )
    return rows


async def liquidations(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    args: dict[str, Any] = {"limit": a.limit}
    if a.sub is not None:
        args["sub_account"] = a.sub
    result = await client.request("liquidations", **args)
    rows = liquidation_rows(result["liquidations"])
    text = (
        table(
            ("TIME (UTC)", "KIND", "MARKET", "SUB", "SIZE", "PRICE", "FEE/AMOUNT USDC", "LIQUIDATOR", "FUND AFTER"),
            rows,
            right=(3, 5, 6, 8),
        )
        if rows
        else "no liquidations"
    )
    return result, f"{text}\n{insurance_text(result)}"


async def history(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request("order.history", order_id=a.order_id)
    rows = [(_time(h["ts"]), h["status"], fixed_str(h["filled"], B), h["reason"] or "-") for h in result["history"]]
    order = result.get("order") or {}
    head = (
        f"order {a.order_id}: {order.get('side', '?')} {fixed_str(order.get('size', 0), B)} "
        f"{order.get('market', '?')} {order.get('order_type', '?')} {order.get('tif', '')}"
    )
    return result, head + "\n" + table(("TIME (UTC)", "STATUS", "FILLED", "REASON"), rows, right=(2,))
