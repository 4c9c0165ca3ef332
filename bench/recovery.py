"""`python -m bench recovery`: start-up time of the paper venue after kill -9 with 1,000,000 journal entries.

The journal is built by the real venue code path (engine instruction → journal entry with its
context; a snapshot every `snapshot_every` entries), from a realistic mix: resting limit orders,
cancels, market orders and cranks on a moving oracle. Then a fresh venue recovers from the
database as it would after `kill -9`: newest snapshot + replay of the tail + consistency check.
Also shown: a full replay of all entries with no snapshot. Budget (DESIGN.md): ≤ 10 s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backend.bus import Bus
from backend.store.db import Store
from backend.venues.journal_entry import persist
from backend.venues.paper import AUTHORITY, PaperVenue
from bench._table import print_table
from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.context import OraclePrice
from programs.quantdesk_perp.enums import OrderType, Side, TimeInForce
from programs.quantdesk_perp.errors import EngineError
from programs.quantdesk_perp.processor import process
from programs.vocabulary import QUOTE_PRECISION

ENTRIES = 1_000_000
SNAPSHOT_EVERY = 50_000


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def build_journal(path: Path, entries: int, open_store: Callable[[Path], Any] = Store) -> tuple[int, float]:
    """Apply `entries` instructions through the venue's own recording path; returns (entries, seconds)."""
    store = open_store(path)
    clock = Clock()
    venue = PaperVenue(Bus(), store, clock=clock, snapshot_every=SNAPSHOT_EVERY, crank_interval=1e9)
    pending: list = []

    def flush() -> None:
        batch = list(pending)
        pending.clear()
        store.write_sync(lambda conn: persist(conn, batch))

    def apply(instruction) -> None:
        ctx = venue.ctx()
        try:
            events = process(venue.state, instruction, ctx)
        except EngineError:
            return
        pending.append(venue.journal_entry(instruction, ctx, events))  # the venue's own record
        if len(pending) >= 20_000:
            flush()

    started = time.perf_counter()
    run_workload(venue, clock, apply, entries)
    flush()
    store.stop()
    return venue.seq, time.perf_counter() - started


def run_workload(venue: PaperVenue, clock: Clock, apply: Callable[[Any], None], entries: int) -> None:
    """A realistic mix until the venue's journal holds `entries`: resting limit orders, cancels,
    market orders, and a crank on a moving oracle every 50 instructions."""
    price = 145_000_000
    slot = 1_000
    venue.oracles[0] = OraclePrice(price, 10_000, slot, int(clock.now))
    venue.slot = slot
    apply(ix.InitializeMarket(0, "SOL-PERP", "SOL", "USD", price, 1_000, 10_000_000, 10_000_000, 20, 500, 250))
    for sub in range(8):
        apply(ix.CreateUserAccount(AUTHORITY, sub))
        apply(ix.DepositTokens(AUTHORITY, sub, 0, 1_000_000 * QUOTE_PRECISION))
    n = 0
    while venue.seq < entries:
        n += 1
        sub = n % 8
        if n % 50 == 0:  # the oracle moves and the crank runs
            slot += 1
            clock.now += 0.4
            price += (-1) ** (n // 50) * 10_000
            venue.oracles[0] = OraclePrice(price, 10_000, slot, int(clock.now))
            venue.slot = slot
            apply(ix.Crank())
            continue
        user = venue.state.users[(AUTHORITY, sub)]
        if len(user.order_ids) > 40:
            apply(ix.CancelOrders(AUTHORITY, sub, None))
        elif n % 7 == 0:
            apply(ix.PlaceOrder(AUTHORITY, sub, 0, Side(n % 2), OrderType.MARKET, 10_000_000, auction_duration_slots=0))
        else:
            offset = (1 + n % 40) * 10_000
            limit = price + offset if n % 2 else price - offset  # passive: sells above, buys below
            apply(
                ix.PlaceOrder(
                    AUTHORITY,
                    sub,
                    0,
                    Side(n % 2),
                    OrderType.LIMIT,
                    10_000_000,
                    price=limit,
                    time_in_force=TimeInForce.GTC,
                )
            )


def recover(path: Path, drop_snapshots: int = 0, open_store: Callable[[Path], Any] = Store) -> dict:
    """Recover from the database; `drop_snapshots` newest snapshots are deleted first (-1: all)."""
    store = open_store(path)
    if drop_snapshots:
        limit = -1 if drop_snapshots < 0 else drop_snapshots
        store.write_sync(
            lambda conn: conn.execute(
                "DELETE FROM snapshots WHERE seq IN (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?)", (limit,)
            )
        )
    venue = PaperVenue(Bus(), store)
    started = time.perf_counter()
    report = venue.recover()
    report["wall"] = time.perf_counter() - started
    store.stop()
    return report


def main() -> int:
    entries = int(sys.argv[1]) if len(sys.argv) > 1 else ENTRIES
    path = Path(tempfile.mkdtemp(prefix="qd-recovery-")) / "quantdesk.db"
    count, build_s = build_journal(path, entries)
    size_mb = path.stat().st_size / 1e6
    with_snapshot = recover(path)
    worst = recover(path, drop_snapshots=1)  # the newest snapshot gone: a full interval of tail to replay
    full = recover(path, drop_snapshots=-1)
    print_table(
        f"recovery after kill -9: {count:,} journal entries ({size_mb:,.0f} MB), snapshot every {SNAPSHOT_EVERY:,}",
        ("start-up", "seconds", "replayed", "consistent", "budget"),
        [
            (
                "newest snapshot + tail",
                with_snapshot["wall"],
                with_snapshot["replayed"],
                with_snapshot["consistent"],
                "≤ 10 s",
            ),
            ("snapshot + a full interval of tail", worst["wall"], worst["replayed"], worst["consistent"], "≤ 10 s"),
            ("full replay, no snapshot", full["wall"], full["replayed"], full["consistent"], ""),
        ],
    )
    print(f"(building the journal took {build_s:,.1f} s: {count / build_s:,.0f} entries/s)")
    return 0
