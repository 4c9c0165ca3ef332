"""`quantdesk status | stop | markets | quote MARKET`."""

from __future__ import annotations

import argparse
import time
from typing import Any

from backend.api.protocol import to_human
from backend.client import BackendClient
from quantdesk_tui.commands import data_command
from quantdesk_tui.output import price_str, table


def register(sub: Any, add_connection_args: Any) -> None:
    def command(name: str, help_text: str, run: Any) -> argparse.ArgumentParser:
        return data_command(sub, name, help_text, run, add_connection_args)

    command("status", "show the backend: url, uptime, clients, feeds", status)
    command("stop", "stop the backend of this home (or --connect URL)", stop)
    command("markets", "list the markets", markets)
    quote_p = command("quote", "show the latest price of a market", quote)
    quote_p.add_argument("market", help="e.g. SOL-PERP or sol")


async def status(client: BackendClient, args: argparse.Namespace) -> tuple[Any, str]:
    s = await client.request("status")
    feeds = ", ".join(
        f"{f['source']}={f['state']}{'*' if f['active'] else ''}" + (f" ({f['reason']})" if f["reason"] else "")
        for f in s["feeds"]
    )
    text = (
        f"backend  {s['url']}  pid {s['pid']}  v{s['version']} protocol {s['protocol']}\n"
        f"uptime   {s['uptime_s']:.0f}s  clients {s['clients']}  venue {s['venue']}\n"
        f"feeds    {feeds}  ticks {s['ticks_in']}"
    )
    if s.get("spawned_by_tui"):
        work = s.get("live_work") or []
        text += "\nstays up " + (
            f"while it has {', '.join(work)}" if work else "while a terminal is attached (exits when idle)"
        )
    elif s.get("live_work"):
        text += f"\nlive     {', '.join(s['live_work'])}"
    return s, text


async def stop(client: BackendClient, args: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request("stop")
    return result, "backend stopping"


async def markets(client: BackendClient, args: argparse.Namespace) -> tuple[Any, str]:
    result = await client.request("markets.list")
    rows = [
        (m["symbol"], m["base"], m["quote"], m["tick_size"], m["step_size"], m["min_size"], f"{m['max_leverage']}x")
        for m in to_human(result["markets"])
    ]
    return result["markets"], table(
        ("MARKET", "BASE", "QUOTE", "TICK", "STEP", "MIN", "MAX LEV"), rows, right=(3, 4, 5, 6)
    )


async def quote(client: BackendClient, args: argparse.Namespace) -> tuple[Any, str]:
    q = await client.request("quote", market=args.market)
    age = max(0.0, time.time() - q["publish_time"])
    change = 0.0 if not q["open_24h"] else (q["price"] - q["open_24h"]) * 100.0 / q["open_24h"]
    text = (
        f"{q['market']}  {price_str(q['price'], q['expo'])}  ±{price_str(q['conf'], q['expo'])}  "
        f"24h {change:+.2f}%  {q['source']}  age {age:.1f}s  slot {q['slot']}"
    )
    return q, text
