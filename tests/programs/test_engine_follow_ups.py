"""Follow-up work of a fill (bracket legs to arm, the next iceberg slice) runs after matching hands it
back: a bracket entry filled whole as a maker keeps its legs, and a taker sweeping an iceberg sees
each slice's fill reported before the next slice is shown."""

from __future__ import annotations

from programs.quantdesk_perp.enums import OrderStatus
from programs.quantdesk_perp.events import OrderFilled, OrderFinished, OrderPlaced
from programs.quantdesk_perp.queries import book_levels
from programs.quantdesk_perp.state import State
from tests.programs.engine.helpers import SOL, B, P, Side, ctx, fund, ix, market, new_state, process


def funded() -> State:
    s = new_state()
    for who in ("alice", "bob"):
        fund(s, who, 10_000 * P)
    return s


def test_a_bracket_entry_filled_whole_as_a_maker_arms_its_legs_instead_of_cancelling_them():
    s = funded()
    events = process(s, ix.PlaceBracketOrder("alice", 0, SOL, Side.BUY, B, 110 * P, 95 * P, entry_price=100 * P), ctx())
    entry_id = events[-1].order_id
    tp_id, sl_id = [e.order_id for e in events if isinstance(e, OrderPlaced) and e.order_id != entry_id]
    events = process(s, market("bob", Side.SELL, B), ctx())
    assert OrderFinished(entry_id) in events and entry_id not in s.orders
    assert [(s.orders[i].status, s.orders[i].size) for i in (tp_id, sl_id)] == [
        (OrderStatus.PENDING_TRIGGER, B),
        (OrderStatus.PENDING_TRIGGER, B),
    ]
    assert s.markets[SOL].crank_ids == [tp_id, sl_id]


def test_each_iceberg_slice_fill_is_reported_before_the_next_slice_is_placed():
    s = funded()
    placed = process(s, ix.PlaceIcebergOrder("alice", 0, SOL, Side.SELL, 3 * B, B, 100 * P), ctx())
    parent_id = placed[0].order_id
    bob_id = parent_id + 2
    events = process(s, market("bob", Side.BUY, 2 * B + B // 2), ctx())
    kinds = [
        (type(e).__name__, getattr(e, "order_id", getattr(e, "maker_order_id", None)))
        for e in events
        if isinstance(e, OrderFilled | OrderPlaced)
    ]
    slices = (parent_id + 1, bob_id + 1, bob_id + 2)  # bob's market order took the id after the first
    assert kinds == [
        ("OrderPlaced", bob_id),
        ("OrderFilled", slices[0]),
        ("OrderPlaced", slices[1]),
        ("OrderFilled", slices[1]),
        ("OrderPlaced", slices[2]),
        ("OrderFilled", slices[2]),
    ]
    assert [e.base for e in events if isinstance(e, OrderFilled)] == [B, B, B // 2]
    assert book_levels(s, SOL)[1] == [(100 * P, B // 2)]
