"""Journal payloads decode into the engine's own records, as older journals wrote them, and replay
shares one decoded context between the entries of one oracle tick."""

from __future__ import annotations

import gc
import sqlite3

import msgspec

from backend.store import journal
from backend.venues import replay as replay_module
from backend.venues.replay import EntryDecoder
from programs.quantdesk_perp import context as engine_context
from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp import processor
from programs.quantdesk_perp.context import Context, OraclePrice
from programs.quantdesk_perp.enums import CollateralAsset, OrderType, Side, TimeInForce

CODEC = journal.RecordCodec(journal.record_types(ix, engine_context))
CTX = Context(1_000, 1_800_000_000, {0: OraclePrice(145_000_000, 10_000, 999, 1_799_999_999)})
ORDER = ix.PlaceOrder(
    "paper", 2, 0, Side.SELL, OrderType.LIMIT, 10_000_000, price=146_000_000, time_in_force=TimeInForce.GTC
)


def test_a_payload_decodes_back_to_the_records_it_was_made_from():
    assert CODEC.loads(CODEC.dumps(ORDER, CTX)) == [ORDER, CTX]


def test_an_older_payload_with_a_missing_field_an_unknown_one_and_a_quoted_int_still_decodes():
    fields = msgspec.to_builtins(ORDER)
    del fields["client_order_id"]  # a field added later: its default applies
    fields["retired_flag"] = True  # a field since removed: ignored
    fields["size"] = "10000000"  # lenient, as msgspec.convert(strict=False) always was
    payload = msgspec.msgpack.encode([["PlaceOrder", fields], ["Context", msgspec.to_builtins(CTX)]])
    assert CODEC.loads(payload) == [ORDER, CTX]


def test_entries_of_one_tick_share_a_context_and_a_new_tick_gets_its_own():
    decode = EntryDecoder(CODEC)
    cancel = ix.CancelOrders("paper", 2, None)
    first, ctx1 = decode(CODEC.dumps(ORDER, CTX))
    second, ctx2 = decode(CODEC.dumps(cancel, Context(1_000, 1_800_000_000, dict(CTX.oracles))))
    later = Context(1_001, 1_800_000_001, {0: OraclePrice(145_010_000, 10_000, 1_000, 1_800_000_000)})
    _, ctx3 = decode(CODEC.dumps(cancel, later))
    assert (first, second) == (ORDER, cancel)
    assert ctx1 is ctx2 and ctx1 == CTX
    assert ctx3 == later and ctx3 is not ctx1


def test_a_batch_of_mixed_instructions_decodes_in_journal_order_with_shared_contexts():
    codec = journal.RecordCodec(journal.record_types(ix, engine_context), ix.UPGRADES)
    later = Context(1_001, 1_800_000_001, {0: OraclePrice(145_010_000, 10_000, 1_000, 1_800_000_000)})
    cancel = ix.CancelOrders("paper", 2, None)
    records = [(ORDER, CTX), (cancel, CTX), (ix.Crank(), later), (ORDER, later)]
    decode = EntryDecoder(codec)
    instructions, contexts = decode.batch([codec.dumps(i, c) for i, c in records])
    assert instructions == [ORDER, cancel, ix.Crank(), ORDER]
    assert contexts == [CTX, CTX, later, later]
    assert contexts[0] is contexts[1] and contexts[2] is contexts[3]
    # the next batch goes on sharing the last context while the tick lasts
    (again,), (ctx,) = decode.batch([codec.dumps(cancel, later)])
    assert again == cancel and ctx is contexts[3]


def test_a_batch_upgrades_an_older_record_layout_among_current_ones():
    codec = journal.RecordCodec(journal.record_types(ix, engine_context), ix.UPGRADES)
    market = ix.InitializeMarket(0, "SOL-PERP", "SOL", "USD", 145_000_000, 1_000, 10_000_000, 10_000_000, 20, 500, 250)
    fields = msgspec.to_builtins(market)
    fields["initial_margin_ratio"] = fields.pop("margin_ratio_initial")  # the name before Drift's
    old = msgspec.msgpack.encode([["InitializeMarket", fields], ["Context", msgspec.to_builtins(CTX)]])
    assert codec.decode_firsts([old, codec.dumps(ORDER, CTX)]) is None  # a type with upgrades: split first
    instructions, contexts = EntryDecoder(codec).batch([old, codec.dumps(ORDER, CTX)])
    assert instructions == [market, ORDER]
    assert contexts == [CTX, CTX]


def test_one_call_reads_a_mixed_batch_with_older_layouts_as_the_split_path_does():
    codec = journal.RecordCodec(journal.record_types(ix, engine_context), ix.UPGRADES)
    fields = msgspec.to_builtins(ORDER)
    del fields["client_order_id"]  # added later: its default applies
    fields["retired_flag"] = True  # since removed: ignored
    fields["size"] = "10000000"  # a quoted int, read leniently
    older = msgspec.msgpack.encode([["PlaceOrder", fields], ["Context", msgspec.to_builtins(CTX)]])
    cancel = ix.CancelOrders("paper", 2, None)
    payloads = [older, codec.dumps(cancel, CTX), codec.dumps(ix.Crank(), CTX), codec.dumps(ORDER, CTX)]
    decoded = codec.decode_firsts(payloads)
    assert decoded is not None
    records, contexts = decoded
    assert records == [ORDER, cancel, ix.Crank(), ORDER]
    assert [codec.decode_record(c) for c in contexts] == [CTX] * 4
    assert codec.split_pairs(payloads) == (records, contexts)
    assert codec.decode_firsts([b"\x91\xc1"]) is None  # malformed: left to the split path to report


def _journal_of(conn, records):
    conn.execute("CREATE TABLE journal (seq INTEGER PRIMARY KEY, ts INTEGER, kind TEXT, payload BLOB)")
    conn.execute("CREATE TABLE snapshots (seq INTEGER PRIMARY KEY, created INTEGER, state BLOB)")
    for seq, (instruction, ctx) in enumerate(records, 1):
        journal.append(conn, seq, type(instruction).__name__, CODEC.dumps(instruction, ctx), ts=0)


def test_a_replay_applies_entries_across_read_batches_and_leaves_the_collector_as_it_found_it(monkeypatch):
    conn = sqlite3.connect(":memory:")
    setup = [
        ix.InitializeMarket(0, "SOL-PERP", "SOL", "USD", 145_000_000, 1_000, 10_000_000, 10_000_000, 20, 500, 250),
        ix.CreateUserAccount("paper", 2),
        ix.DepositTokens("paper", 2, CollateralAsset.USDC, 10_000_000_000),
    ]
    orders = [ORDER] * 4
    _journal_of(conn, [(i, CTX) for i in [*setup, *orders]])
    real_batches = journal.entry_batches
    monkeypatch.setattr(journal, "entry_batches", lambda c, seq: real_batches(c, seq, batch=2))  # 4 reads
    seen = []
    monkeypatch.setattr(processor, "replay", lambda state, i, ctx: seen.append((i, gc.isenabled())))
    assert gc.isenabled()
    result = replay_module.replay_journal(conn, CODEC)
    assert [i for i, _ in seen] == [*setup, *orders]
    assert {enabled for _, enabled in seen} == {False}  # paused while entries apply
    assert (result.seq, result.replayed, result.failed, result.last_ctx) == (7, 7, 0, CTX)
    assert gc.isenabled()
    gc.disable()
    try:
        replay_module.replay_journal(conn, CODEC)
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()
