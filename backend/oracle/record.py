"""Records what the oracle publishes to a file that `--feed replay:FILE` plays back.

The file format is in recording.py. Only observations that passed validation from the active
source are written. Rows are appended and flushed every 256 rows and at the end, so an
interrupted recording is still a valid file (a torn last line is skipped on replay).

    python -m backend.oracle.record [--feed pyth] [--minutes N] [--hermes-url URL] FILE
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import msgspec

from backend.bus import Bus
from backend.metrics import Metrics
from backend.oracle.factory import FeedOptions, add_feed_arguments, build_sources, options_from_args
from backend.oracle.recording import FIELDS, FORMAT, VERSION, Header
from backend.oracle.service import OracleService
from programs.vocabulary import NS_PER_MS


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="quantdesk record", description="Record oracle observations to FILE.")
    add_feed_arguments(p)
    p.add_argument("--minutes", type=float, default=None, help="stop after N minutes (default: until Ctrl-C)")
    p.add_argument("--seed", type=int, default=7, help=argparse.SUPPRESS)
    p.add_argument("--tick-rate", type=float, default=None, help=argparse.SUPPRESS)
    p.add_argument("file", help="output file (JSON lines, see `python -m backend.oracle.record --help`)")
    return p


async def record(
    feed_args: Sequence[str] | FeedOptions, minutes: float | None, path: Path | str, stop: asyncio.Event | None = None
) -> int:
    """Run the oracle with `feed_args` (CLI-style flags or FeedOptions) and write what it publishes.

    Stops after `minutes`, when `stop` is set, or on cancellation; returns the number of rows.
    """
    if isinstance(feed_args, FeedOptions):
        opts = feed_args
    else:
        parser = build_parser()
        opts = options_from_args(parser.parse_args([*feed_args, "unused"]))
    bus = Bus()
    service = OracleService(bus, Metrics(), build_sources(opts))
    stop = stop or asyncio.Event()
    count = 0
    started = time.monotonic_ns()
    encoder = msgspec.json.Encoder()
    with open(path, "wb") as f:
        f.write(encoder.encode(Header(FORMAT, VERSION, time.time(), opts.feed, FIELDS)) + b"\n")

        def write(obs) -> None:
            nonlocal count
            f.write(
                encoder.encode(
                    [
                        (time.monotonic_ns() - started) // NS_PER_MS,
                        obs.market,
                        obs.price,
                        obs.conf,
                        obs.expo,
                        obs.publish_time,
                        obs.slot,
                        obs.ema_price,
                        obs.source,
                    ]
                )
                + b"\n"
            )
            count += 1
            if count % 256 == 0:
                f.flush()

        bus.on("observations", write)
        await service.start()
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), minutes * 60 if minutes else None)
        finally:
            await service.stop()
            f.flush()
    return count


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    async def run() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await record(options_from_args(args), args.minutes, args.file, stop)

    try:
        count = asyncio.run(run())
    except Exception as exc:  # DomainError for a bad feed, OSError for the file
        print(f"quantdesk record: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 2
    print(f"recorded {count} observations to {args.file}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
