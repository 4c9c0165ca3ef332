"""What one processed instruction writes, and `persist`, which writes it in the caller's transaction:
the journal row, the derived order rows and their status history, fills, liquidations, and
sometimes a snapshot."""

from __future__ import annotations

import threading
from typing import Any

import msgspec

from backend.api.protocol import FillView, LiquidationView, OrderView
from backend.store import journal
from backend.venues.views import wire_status
from programs.quantdesk_perp import events as ev

AUTHORITY = "paper"  # the local trader, owner of every paper order row
_view_encoder = msgspec.msgpack.Encoder()


class JournalGap(Exception):
    """A journal entry reached the store after its predecessor failed to; it must not commit."""


class JournalEntry(msgspec.Struct, frozen=True):
    """One entry per order on the hot path: a Struct, built in C (a frozen dataclass's __init__ costs
    a Python-level object.__setattr__ per field, several µs for these eight)."""

    seq: int
    kind: str
    payload: bytes
    orders: list[OrderView]
    fills: list[tuple[str, FillView]]
    snapshot: bytes | None
    history: list[tuple[int, int, str, int, str]] = msgspec.field(default_factory=list)  # id, ts, status, filled, why
    liquidations: list[tuple[str, LiquidationView]] = msgspec.field(default_factory=list)


def status_history(events: list[Any], orders: list[OrderView]) -> list[tuple[int, int, str, int, str]]:
    """One row per status an order reached in this instruction; an order placed and finished at once
    shows both its placement status and its end."""
    placed = {e.order_id: wire_status(e.status) for e in events if type(e) is ev.OrderPlaced}
    rows: list[tuple[int, int, str, int, str]] = []
    for view in orders:
        first = placed.get(view.order_id)
        if first is not None and first != view.status:
            rows.append((view.order_id, view.created_ts, first, 0, ""))
        rows.append((view.order_id, view.updated_ts, view.status, view.filled, view.reason))
    return rows


class CommitGroup:
    """Consecutive journal entries that go to the store as one write: an entry joins the group until
    the store's writer begins writing it, so entries made while a commit is under way share the next
    one, each table gets one statement for all of them, and an entry is queued when `apply` returns."""

    __slots__ = ("_lock", "entries", "members", "closed", "committed")

    def __init__(self, committed: Any = None) -> None:
        self._lock = threading.Lock()  # join() runs on the event loop, write() on the store's writer
        self.entries: list[JournalEntry] = []
        self.members: list[Any] = []  # what the caller keeps for each entry (only the event loop touches it)
        self.closed = False
        self.committed = committed  # what the caller resolves once for all its entries when the write is done

    def join(self, entry: JournalEntry) -> bool:
        """Add the entry unless the writer has begun writing the group; the caller then adds its member."""
        with self._lock:
            if self.closed:
                return False
            self.entries.append(entry)
            return True

    def close(self) -> None:
        with self._lock:
            self.closed = True

    def write(self, conn: Any) -> None:
        self.close()
        persist(conn, self.entries)


def persist(conn: Any, entries: list[JournalEntry]) -> None:
    """Write consecutive journal entries and their derived rows (inside the caller's transaction),
    each table with one statement for all of them: a commit group's entries go in one store write.

    The entries commit only right after their predecessor: if an earlier one failed, these were
    processed on a state the journal does not hold, and must fail too.
    """
    last = journal.last_seq(conn)
    for entry in entries:
        if entry.seq != last + 1:
            raise JournalGap(f"journal entry {entry.seq} would follow entry {last}")
        last = entry.seq
    journal.append_many(conn, [(e.seq, e.kind, e.payload) for e in entries])
    orders = [(e.seq, o) for e in entries for o in e.orders]
    if orders:
        conn.executemany(
            "INSERT OR REPLACE INTO orders (order_id, authority, sub_account, market, status, updated_ts, view) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (o.order_id, AUTHORITY, o.sub_account, o.market, o.status, o.updated_ts, _view_encoder.encode(o))
                for _, o in orders
            ],
        )
    history = [(e.seq, row) for e in entries for row in e.history]
    if history:
        conn.executemany(
            "INSERT INTO order_history (order_id, seq, ts, status, filled, reason) VALUES (?, ?, ?, ?, ?, ?)",
            [(order_id, seq, ts, status, filled, reason) for seq, (order_id, ts, status, filled, reason) in history],
        )
    fills = [f for e in entries for f in e.fills]
    if fills:
        conn.executemany(
            "INSERT INTO fills (fill_id, order_id, authority, sub_account, market, ts, view) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (f.fill_id, f.order_id, authority, f.sub_account, f.market, f.ts, _view_encoder.encode(f))
                for authority, f in fills
            ],
        )
    liquidations = [(e.seq, r) for e in entries for r in e.liquidations]
    if liquidations:
        conn.executemany(
            "INSERT INTO liquidations (seq, ts, authority, sub_account, kind, view) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (seq, r.ts, authority, r.sub_account, r.kind, _view_encoder.encode(r))
                for seq, (authority, r) in liquidations
            ],
        )
    for entry in entries:
        if entry.snapshot is not None:
            journal.save_snapshot(conn, entry.seq, entry.snapshot)
