"""Argument parsing and process set-up for `python -m backend` (what `quantdesk backend` runs)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from backend.api.protocol import ApiError
from backend.app import Backend, BackendAlreadyRunning, BackendConfig
from backend.candles import BENCHMARKS_URL
from backend.domain.errors import DomainError
from backend.home import private_file
from backend.oracle.factory import add_feed_arguments
from backend.preflight import StartupError, prepare_home
from backend.solana.errors import SolanaError
from backend.store.base import StoreError


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port {value} is out of range 0-65535")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="quantdesk backend", description="Run the QuantDesk backend in the foreground.")
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    p.add_argument("--port", type=_port, default=0, help="port (default 0: a free one)")
    add_feed_arguments(p)
    p.add_argument("--benchmarks-url", default=BENCHMARKS_URL, help="Pyth Benchmarks URL for candle history (pyth)")
    p.add_argument("--seed", type=int, default=7, help="seed of the simulated oracle")
    p.add_argument(
        "--venue",
        choices=("paper", "solana"),
        default="paper",
        help="paper (default: the local engine) or solana (the QuantDesk program on --network)",
    )
    p.add_argument(
        "--network",
        default="localnet",
        help="Solana cluster: localnet (embedded LiteSVM, default), devnet, mainnet-beta or an RPC URL",
    )
    p.add_argument("--tick-rate", type=_positive_float, default=None, help="observations per second in total (sim)")
    p.add_argument("--idle-exit", type=_positive_float, default=None, help=argparse.SUPPRESS)
    p.add_argument("--submit-rate", type=_positive_float, default=100.0, help="orders/s per account (risk limit)")
    p.add_argument("--api-rate", type=_positive_float, default=500.0, help="requests/s per API connection")
    p.add_argument(
        "--store",
        default=None,
        metavar="STORE",
        help="sqlite:PATH or postgresql://USER@HOST:PORT/DB (default: QUANTDESK_STORE, config.toml "
        "`store`, else this home's SQLite file)",
    )
    p.add_argument(
        "--trader",
        default=None,
        help="the account owner's name on a shared store (default: QUANTDESK_TRADER, config.toml "
        "`trader`, else the OS user)",
    )
    p.add_argument("--log-file", default=None, help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        home = prepare_home()
    except StartupError as exc:
        print(f"quantdesk backend: {exc}", file=sys.stderr)
        return 2
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"quantdesk backend: binding {args.host} exposes the API beyond this machine; "
            "the token in backend.json is required by every client",
            file=sys.stderr,
        )
    os.umask(0o077)  # everything the backend writes (db, log, keys) is its owner's alone
    handlers: list[logging.Handler] = [logging.FileHandler(private_file(Path(args.log_file or home / "backend.log")))]
    if args.log_file is None:
        handlers.append(logging.StreamHandler(sys.stderr))
    logging.basicConfig(level=logging.INFO, handlers=handlers, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("websockets").setLevel(logging.WARNING)
    config = BackendConfig(
        home=Path(home),
        host=args.host,
        port=args.port,
        feed=args.feed,
        seed=args.seed,
        tick_rate=args.tick_rate,
        idle_exit_s=args.idle_exit,
        network=args.network,
        venue=args.venue,
        submit_rate=args.submit_rate,
        api_rate=args.api_rate,
        hermes_url=args.hermes_url,
        coingecko_url=args.coingecko_url,
        benchmarks_url=args.benchmarks_url,
        fallback=not args.no_fallback,
        speed=args.speed,
        scenario=args.scenario,
        store=args.store,
        trader=args.trader,
    )
    try:
        backend = Backend(config)
        asyncio.run(backend.run())
    except SolanaError as exc:
        print(f"quantdesk backend: {exc.message} [{exc.code}]", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"quantdesk backend: {exc}", file=sys.stderr)
        return 2
    except BackendAlreadyRunning as exc:
        print(f"quantdesk backend: {exc}", file=sys.stderr)
        return 1
    except (ApiError, DomainError) as exc:
        print(f"quantdesk backend: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0
