"""`python -m bench replay`: a full journal replay with no snapshot, 1,000,000 entries by default.

The journal is the recovery bench's instruction mix, each entry encoded by the venue's own codec
(instruction + the context it saw) and written in bulk, with no derived rows or snapshots: only what
a replay reads. Timed: reading, decoding and applying every entry through the engine (in its replay
mode, processor.replay: an accepted PlaceOrder skips the checks that can only refuse it), then the
state digest, which must equal the live state's (replay = live). Budget (DESIGN.md): ≤ 10 s.
`python -m bench recovery` times the whole start-up (snapshots, derived rows, consistency check).
Building a million entries takes minutes, so the journal is kept (in the temp dir) for the next
run, keyed by the sources that decide its bytes and its replay: the engine, the codec, the venue's
context, the mix.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from backend.bus import Bus
from backend.store.db import Store
from backend.venues.paper import PaperVenue
from backend.venues.replay import replay_journal, state_digest
from bench._table import print_table, report_budget
from bench.recovery import Clock, run_workload
from programs.quantdesk_perp.errors import EngineError
from programs.quantdesk_perp.processor import process

ENTRIES = 1_000_000
BUDGET_S = 10.0
FLUSH_EVERY = 50_000


def build_journal(path: Path, entries: int) -> tuple[str, float]:
    """Write `entries` journal rows as the live venue encodes them; returns (live state digest, seconds)."""
    store = Store(path)
    clock = Clock()
    venue = PaperVenue(Bus(), store, clock=clock, crank_interval=1e9)
    rows: list[tuple[int, int, str, bytes]] = []

    def flush() -> None:
        store.write_sync(
            lambda conn: conn.executemany("INSERT INTO journal (seq, ts, kind, payload) VALUES (?, ?, ?, ?)", rows)
        )
        rows.clear()

    def apply(instruction: Any) -> None:
        ctx = venue.ctx()
        payload = venue.codec.dumps(instruction, ctx)
        try:
            process(venue.state, instruction, ctx)
        except EngineError:
            return
        venue.seq += 1
        rows.append((venue.seq, ctx.unix_time * 1000, type(instruction).__name__, payload))
        if len(rows) >= FLUSH_EVERY:
            flush()

    started = time.perf_counter()
    run_workload(venue, clock, apply, entries)
    flush()
    digest = state_digest(venue.state)
    store.stop()
    return digest, time.perf_counter() - started


def cached_journal(entries: int) -> tuple[Path, str, float]:
    """A journal of `entries` for this code (built now, or kept from an earlier run); (path, digest, build s)."""
    root = Path(__file__).resolve().parent.parent
    sources = sorted(
        [
            *root.glob("programs/quantdesk_perp/**/*.py"),
            root / "backend/store/journal.py",
            root / "backend/venues/paper.py",
            root / "bench/recovery.py",
        ]
    )
    key = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:16]
    cache = Path(tempfile.gettempdir()) / "quantdesk-bench" / f"replay-{entries}-{key}"
    if (cache / "digest").exists():
        return cache / "quantdesk.db", (cache / "digest").read_text(), 0.0
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)
    digest, build_s = build_journal(cache / "quantdesk.db", entries)
    (cache / "digest").write_text(digest)  # written last: a half-built journal is never reused
    return cache / "quantdesk.db", digest, build_s


def timed_replay(path: Path) -> tuple[Any, str, float, float]:
    """(replay result, its digest, wall seconds, CPU seconds) of a full replay from a fresh connection."""
    store = Store(path)
    codec = PaperVenue(Bus(), store).codec  # the venue's own, upgrades included, as its recovery uses
    wall0, cpu0 = time.perf_counter(), time.process_time()
    replay = replay_journal(store._read_conn, codec)
    digest = state_digest(replay.state)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    store.stop()
    return replay, digest, wall, cpu


def main() -> int:
    entries = int(sys.argv[1]) if len(sys.argv) > 1 else ENTRIES
    path, live_digest, build_s = cached_journal(entries)
    replay, digest, wall, cpu = timed_replay(path)
    same = digest == live_digest and replay.failed == 0
    print_table(
        f"full journal replay, no snapshot: {replay.replayed:,} entries ({path.stat().st_size / 1e6:,.0f} MB)",
        ("measure", "value", "budget"),
        [
            ("wall", f"{wall:.2f} s", f"≤ {BUDGET_S:g} s" if entries == ENTRIES else ""),
            ("CPU", f"{cpu:.2f} s", ""),
            ("per entry", f"{wall / max(1, replay.replayed) * 1e6:.1f} µs", ""),
            ("replay = live (state digest)", "yes" if same else f"NO ({digest} vs {live_digest})", "yes"),
        ],
    )
    print(f"(building the journal took {build_s:,.1f} s)" if build_s else f"(journal kept from an earlier run: {path})")
    report_budget(
        f"journal replay, {replay.replayed:,} entries, no snapshot",
        f"{wall:.2f} s",
        f"≤ {BUDGET_S:g} s",
        wall <= BUDGET_S and same and entries == ENTRIES,
    )
    return 0 if same else 1
