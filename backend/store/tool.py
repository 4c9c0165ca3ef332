"""Store commands the `quantdesk` CLI runs as a process of their own; they read the database directly,
so they work with no backend running (on a risk manager's machine, say):

  quantdesk desk [--json [--raw]] [--store S]                  every trader on the store
  quantdesk fills --trader bob --since 7d [--market M] [--json] fills from the store's history
  quantdesk store copy --from sqlite:PATH --to postgresql://… --trader NAME [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from typing import Any

import msgspec

from backend.api.protocol import FillView, to_builtins
from backend.home import home_dir
from backend.store.base import StoreError, parse_store, resolve_store, resolve_trader
from backend.store.desk import desk_view
from backend.store.reader import StoreReader
from backend.units import to_human
from programs.vocabulary import (
    BASE_PRECISION,
    MARGIN_PRECISION,
    PERCENT_PER_ONE,
    PERCENTAGE_PRECISION,
    PRICE_PRECISION,
    QUOTE_PRECISION,
    to_decimal,
)

_fill_decoder = msgspec.msgpack.Decoder(FillView)
_SPAN = re.compile(r"^(\d+)([smhdw])$")
_SPAN_S = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


def since_seconds(text: str) -> int:
    match = _SPAN.match(text.strip().lower())
    if match is None:
        raise StoreError(f"--since {text!r}: use a number and a unit, e.g. 30m, 12h, 7d, 2w")
    return int(match.group(1)) * _SPAN_S[match.group(2)]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="quantdesk", description="Read and move the store without a backend.")
    sub = p.add_subparsers(dest="command", required=True)
    desk = sub.add_parser("desk", help="every trader on the store: equity, PnL, margin, exposure")
    fills = sub.add_parser("fills", help="fills from the store's history, across traders")
    fills.add_argument("--trader", default=None, help="one trader (default: all on the store)")
    fills.add_argument("--since", default="1d", help="how far back: 30m, 12h, 7d, 2w (default 1d)")
    fills.add_argument("--market", default=None)
    fills.add_argument("--limit", type=int, default=1000)
    fills.add_argument("--sub", type=int, default=None, dest="sub_account")
    store = sub.add_parser("store", help="store tools")
    store_sub = store.add_subparsers(dest="action", required=True)
    copy = store_sub.add_parser("copy", help="copy a SQLite home's history into a PostgreSQL desk")
    copy.add_argument("--from", dest="source", required=True, help="sqlite:PATH")
    copy.add_argument("--to", dest="target", required=True, help="postgresql://USER@HOST:PORT/DB")
    copy.add_argument("--trader", default=None, help="whose history it is (default: this home's trader)")
    for parser in (desk, fills, copy):
        parser.add_argument("--json", action="store_true", help="print one JSON document")
    desk.add_argument("--raw", action="store_true", help="with --json: the integers, not decimal strings")
    for parser in (desk, fills):
        parser.add_argument("--store", default=None, help="sqlite:PATH or postgresql://… (default: this home's)")
    for parser in (desk, fills, store, copy):
        # the quantdesk CLI's connection flags mean nothing here: accepted, ignored
        parser.add_argument("--connect", default=None, help=argparse.SUPPRESS)
        parser.add_argument("--token-file", default=None, help=argparse.SUPPRESS)
    return p


def run_desk(args: argparse.Namespace) -> tuple[Any, str]:
    with StoreReader(resolve_store(args.store, home_dir())) as reader:
        view = desk_view(reader.query, by_trader=reader.by_trader)
    return (view if args.raw else to_human(view)), desk_text(view)


def desk_text(view: dict[str, Any]) -> str:
    """The desk view as a text table: the view's integers as decimals, cut to cents for the columns."""
    if not view["traders"]:
        return "no trader has published to this store yet"

    def usd(value: int, sign: str = "", places: int = 2) -> str:
        return f"{to_decimal(value, QUOTE_PRECISION):{sign},.{places}f}"

    def lev(value: int | None) -> str:
        return "-" if value is None else f"{to_decimal(value, MARGIN_PRECISION):.2f}"

    lines = [
        f"{'TRADER':<14}{'EQUITY':>14}{'UPNL':>12}{'TODAY':>12}{'MARGIN':>12}{'LEV':>7}{'LIQ%':>8}{'ORDERS':>8}"
        "  LARGEST"
    ]
    for t in view["traders"]:
        liq = (
            "-"
            if t["liq_distance"] is None
            else f"{to_decimal(t['liq_distance'] * PERCENT_PER_ONE, PERCENTAGE_PRECISION):.1f}"
        )
        largest = ", ".join(f"{p['market']} {usd(p['notional'], '+', 0)}" for p in t["largest_positions"]) or "flat"
        stale = " (stale)" if t["stale"] else ""
        lines.append(
            f"{t['trader']:<14}{usd(t['equity']):>14}{usd(t['unrealized_pnl']):>12}{usd(t['today_pnl']):>12}"
            f"{usd(t['margin_used']):>12}{lev(t['leverage']):>7}{liq:>8}{t['open_orders']:>8}  {largest}{stale}"
        )
    tot = view["totals"]
    lines.append(
        f"{'DESK':<14}{usd(tot['equity']):>14}{usd(tot['unrealized_pnl']):>12}{usd(tot['today_pnl']):>12}"
        f"{usd(tot['margin_used']):>12}{lev(tot['leverage']):>7}{'':>8}{tot['open_orders']:>8}"
    )
    if view["exposure"]:
        lines.append("")
        lines.append(f"{'MARKET':<14}{'LONG':>14}{'SHORT':>14}{'NET':>14}{'GROSS':>14}{'TRADERS':>9}")
        for m in view["exposure"]:
            lines.append(
                f"{m['market']:<14}{usd(m['long']):>14}{usd(m['short']):>14}{usd(m['net'], '+'):>14}"
                f"{usd(m['gross']):>14}{m['traders']:>9}"
            )
    return "\n".join(lines)


def run_fills(args: argparse.Namespace) -> tuple[Any, str]:
    start = int(time.time()) - since_seconds(args.since)
    with StoreReader(resolve_store(args.store, home_dir())) as reader:
        trader_col = "trader" if reader.by_trader else "NULL AS trader"
        sql = f"SELECT {trader_col}, view FROM fills WHERE ts >= ?"
        params: list[Any] = [start]
        if args.trader and reader.by_trader:
            sql += " AND trader = ?"
            params.append(args.trader)
        if args.market:
            sql += " AND market = ?"
            params.append(args.market.upper())
        if args.sub_account is not None:
            sql += " AND sub_account = ?"
            params.append(args.sub_account)
        sql += " ORDER BY ts DESC, fill_id DESC LIMIT ?"
        params.append(max(1, min(args.limit, 100_000)))
        rows = reader.query(sql, tuple(params))
    fills = [{"trader": r["trader"], **to_builtins(_fill_decoder.decode(bytes(r["view"])))} for r in reversed(rows)]
    text = "\n".join(
        f"{f['trader'] or '-':<12} {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(f['ts']))} "
        f"#{f['fill_id']:<8} {f['market']:<10} {f['side']:<5} size {f['size'] / BASE_PRECISION:g} "
        f"@ {f['price'] / PRICE_PRECISION:g}"
        for f in fills
    )
    return fills, text or "no fills"


def run_copy(args: argparse.Namespace) -> tuple[Any, str]:
    from backend.store.copy import copy_store  # the engine loads only for a copy

    home = home_dir()
    trader = resolve_trader(args.trader, home)
    report = copy_store(parse_store(args.source, home), parse_store(args.target, home), trader)
    counts = ", ".join(f"{table} {n}" for table, n in report.rows.items() if n)
    return report.to_dict(), (
        f"copied into trader {trader}: {counts or 'no rows'}; journal replays to seq "
        f"{report.journal_seq}, identical to the source"
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    runner = {"desk": run_desk, "fills": run_fills, "store": run_copy}[args.command]
    try:
        result, text = runner(args)
    except StoreError as exc:
        if args.json:
            print(json.dumps({"error": {"code": "STORE", "message": str(exc)}}))
        else:
            print(f"quantdesk {args.command}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result) if args.json else text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
