"""Market-data commands: candles, feeds search, record (the last two run backend tools as a process)."""

from __future__ import annotations

import argparse
import csv
import io
from datetime import UTC, datetime
from typing import Any

import msgspec

from backend.api.protocol import BASE_PRECISION, TIMEFRAMES, Candles
from backend.client import BackendClient
from quantdesk_tui.commands import whole_number
from quantdesk_tui.output import table


def register(sub: Any, add_connection_args: Any) -> None:
    p = sub.add_parser("candles", help="OHLCV bars of a market")
    p.add_argument("market")
    p.add_argument("--tf", choices=TIMEFRAMES, default="1m")
    p.add_argument("--limit", type=whole_number, default=500)
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print one JSON document")
    fmt.add_argument("--csv", action="store_true", help="print CSV (t,o,h,l,c,v)")
    add_connection_args(p)
    p.set_defaults(run=candles)
    sub.add_parser("feeds", help="search Pyth feeds on Hermes (feeds search SOL)", add_help=False)
    sub.add_parser(
        "record", help="record oracle observations to a file (record --feed pyth --minutes 5 F)", add_help=False
    )


def candle_columns(bars: Candles) -> dict[str, Any]:
    """The CLI's view of the bars: {market, tf, t, o, h, l, c, v, n} with prices and volume as numbers in
    human units (the exact integers divided once, for printing)."""
    scale = 10**-bars.expo
    prices = {
        key: [p / scale for p in column]
        for key, column in zip("ohlc", (bars.open, bars.high, bars.low, bars.close), strict=True)
    }
    volume = [v / BASE_PRECISION for v in bars.volume]
    return {"market": bars.market, "tf": bars.tf, "t": bars.ts_s, **prices, "v": volume, "n": bars.count}


async def candles(client: BackendClient, a: argparse.Namespace) -> tuple[Any, str]:
    reply = await client.request("candles", market=a.market, tf=a.tf, limit=a.limit)
    result = candle_columns(msgspec.convert(reply, Candles))
    columns = ("t", "o", "h", "l", "c", "v")
    rows = list(zip(*(result[c] for c in columns), strict=True))
    if a.csv:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        return result, out.getvalue().rstrip("\n")
    shown = [
        (
            datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S"),
            f"{o:g}",
            f"{h:g}",
            f"{lo:g}",
            f"{c:g}",
            f"{v:g}",
        )
        for t, o, h, lo, c, v in rows
    ]
    return result, table(("TIME (UTC)", "OPEN", "HIGH", "LOW", "CLOSE", "VOLUME"), shown, right=(1, 2, 3, 4, 5))
