"""Turns feed options (`--feed sim|pyth|coingecko|replay:FILE` and friends) into oracle sources."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from backend.domain.errors import DomainError
from backend.oracle.base import OracleSource
from backend.oracle.coingecko import COINGECKO_URL, CoinGeckoSource
from backend.oracle.pyth_hermes import HERMES_URL, PythHermesSource
from backend.oracle.scenario import ScenarioError, load_scenario
from backend.oracle.sim import SimOracle
from programs.vocabulary import ErrorCode

FEEDS_HELP = "price feed: sim (default), pyth (CoinGecko fallback), coingecko, or replay:FILE"


@dataclass(slots=True)
class FeedOptions:
    feed: str = "sim"
    seed: int = 7
    tick_rate: float | None = None
    hermes_url: str = HERMES_URL
    hermes_ws_url: str | None = None
    hermes_transport: str = "auto"
    coingecko_url: str = COINGECKO_URL
    fallback: bool = True  # CoinGecko behind Pyth
    speed: float = 1.0  # replay
    scenario: str | None = None  # sim: a TOML file of scripted moves


def build_sources(opts: FeedOptions) -> list[OracleSource]:
    feed = opts.feed
    if opts.scenario is not None and feed != "sim":
        raise DomainError(ErrorCode.BAD_REQUEST, "--scenario scripts the simulated feed; use it with --feed sim")
    if feed == "sim":
        try:
            scenario = load_scenario(opts.scenario) if opts.scenario is not None else None
        except ScenarioError as exc:
            raise DomainError(ErrorCode.BAD_REQUEST, f"scenario {opts.scenario}: {exc}") from None
        return [SimOracle(seed=opts.seed, tick_rate=opts.tick_rate, scenario=scenario)]
    if feed == "pyth":
        sources: list[OracleSource] = [
            PythHermesSource(opts.hermes_url, ws_url=opts.hermes_ws_url, transport=opts.hermes_transport)
        ]
        if opts.fallback:
            sources.append(CoinGeckoSource(opts.coingecko_url))
        return sources
    if feed == "coingecko":
        return [CoinGeckoSource(opts.coingecko_url)]
    if feed.startswith("replay:"):
        from backend.oracle.replay import ReplaySource

        try:
            return [ReplaySource(feed.removeprefix("replay:"), speed=opts.speed)]
        except (OSError, ValueError) as exc:
            raise DomainError(ErrorCode.BAD_REQUEST, f"cannot replay {feed.removeprefix('replay:')!r}: {exc}") from None
    raise DomainError(ErrorCode.BAD_REQUEST, f"unknown feed {feed!r}; use sim, pyth, coingecko or replay:FILE")


def add_feed_arguments(p: argparse.ArgumentParser) -> None:
    """The feed flags shared by `quantdesk backend` and `quantdesk record`."""
    p.add_argument("--feed", default="sim", help=FEEDS_HELP)
    p.add_argument(
        "--hermes-url",
        default=HERMES_URL,
        help=f"Pyth Hermes base URL (default {HERMES_URL}); PYTH_API_KEY is sent as a bearer token",
    )
    p.add_argument(
        "--coingecko-url",
        default=COINGECKO_URL,
        help=f"CoinGecko API base URL (default {COINGECKO_URL}); COINGECKO_API_KEY is sent if set",
    )
    p.add_argument("--no-fallback", action="store_true", help="with --feed pyth: no CoinGecko fallback")
    p.add_argument("--speed", type=float, default=1.0, help="replay speed multiplier (0 = as fast as possible)")
    p.add_argument(
        "--scenario",
        metavar="FILE.toml",
        default=None,
        help="with --feed sim: scripted moves (jumps, crashes, drifts, volatility regimes); see README",
    )


def options_from_args(args: argparse.Namespace) -> FeedOptions:
    return FeedOptions(
        feed=args.feed,
        seed=getattr(args, "seed", 7),
        tick_rate=getattr(args, "tick_rate", None),
        hermes_url=args.hermes_url,
        coingecko_url=args.coingecko_url,
        fallback=not args.no_fallback,
        speed=args.speed,
        scenario=getattr(args, "scenario", None),
    )
