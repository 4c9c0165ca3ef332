"""What one processed instruction writes, and `persist`, which writes it in the caller's transaction:
the journal row, the derived order rows and their status history, fills, liquidations, and
sometimes a snapshot."""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(slots=True, frozen=True)
class JournalEntry:
    seq: int
    kind: str
    payload: bytes
    orders: list[OrderView]
    fills: list[tuple[str, FillView]]
    snapshot: bytes | None
    history: list[tuple[int, int, str, int, str]] = field(default_factory=list)  # id, ts, status, filled, why
    liquidations: list[tuple[str, LiquidationView]] = field(default_factory=list)


def status_history(events: list[Any], orders: list[OrderView]) -> list[tuple[int, int, str, int, str]]:
    """One row per status an order reached in this instruction; an order placed and finished at once
    shows both its placement status and its end."""
    placed = {e.order_id: wire_status(e.status) for e in events if isinstance(e, ev.OrderPlaced)}
    rows: list[tuple[int, int, str, int, str]] = []
    for view in orders:
        first = placed.get(view.order_id)
        if first is not None and first != view.status:
            rows.append((view.order_id, view.created_ts, first, 0, ""))
        rows.append((view.order_id, view.updated_ts, view.status, view.filled, view.reason))
    return rows


def persist(conn: Any, entry: JournalEntry) -> None:
    """Write one journal entry and its derived rows (inside the caller's transaction).

    An entry commits only right after its predecessor: if an earlier one failed, this one was
    processed on a state the journal does not hold, and must fail too.
    """
    last = journal.last_seq(conn)
    if last != entry.seq - 1:
        raise JournalGap(f"journal entry {entry.seq} would follow entry {last}")
    journal.append(conn, entry.seq, entry.kind, entry.payload)
    if entry.orders:
        conn.executemany(
            "INSERT OR REPLACE INTO orders (order_id, authority, sub_account, market, status, updated_ts, view) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (o.order_id, AUTHORITY, o.sub_account, o.market, o.status, o.updated_ts, _view_encoder.encode(o))
                for o in entry.orders
            ],
        )
    if entry.history:
        conn.executemany(
            "INSERT INTO order_history (order_id, seq, ts, status, filled, reason) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (order_id, entry.seq, ts, status, filled, reason)
                for order_id, ts, status, filled, reason in entry.history
            ],
        )
    if entry.fills:
        conn.executemany(
            "INSERT INTO fills (fill_id, order_id, authority, sub_account, market, ts, view) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (f.fill_id, f.order_id, authority, f.sub_account, f.market, f.ts, _view_encoder.encode(f))
                for authority, f in entry.fills
            ],
        )
    if entry.liquidations:
        conn.executemany(
            "INSERT INTO liquidations (seq, ts, authority, sub_account, kind, view) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (entry.seq, r.ts, authority, r.sub_account, r.kind, _view_encoder.encode(r))
                for authority, r in entry.liquidations
            ],
        )
    if entry.snapshot is not None:
        journal.save_snapshot(conn, entry.seq, entry.snapshot)
