"""Backend-side command-line tools the `quantdesk` CLI runs as a process (it does not import the
backend): `python -m backend.tools feeds search QUERY [--hermes-url URL] [--json]`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

import httpx

from backend.oracle.pyth_hermes import HERMES_URL, search_feeds


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="quantdesk feeds", description="Pyth price feeds on Hermes.")
    sub = p.add_subparsers(dest="action", required=True)
    search = sub.add_parser("search", help="search Hermes' feed catalogue, e.g. `quantdesk feeds search SOL`")
    search.add_argument("query")
    search.add_argument("--hermes-url", default=HERMES_URL)
    search.add_argument("--asset-type", default="crypto")
    search.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    try:
        feeds = asyncio.run(search_feeds(args.hermes_url, args.query, args.asset_type))
    except (httpx.HTTPError, ValueError) as exc:
        message = f"cannot search feeds at {args.hermes_url}: {exc.__class__.__name__}: {exc}"
        if args.json:
            print(json.dumps({"error": {"code": "FEED_SEARCH_FAILED", "message": message}}))
        else:
            print(f"quantdesk feeds: {message}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(feeds))
    elif not feeds:
        print(f"no feeds match {args.query!r}")
    else:
        for feed in feeds:
            ours = f"  → {feed['market']}" if feed["market"] else ""
            print(f"{feed['symbol']:<28} {feed['id']}{ours}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
