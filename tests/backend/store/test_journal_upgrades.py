"""Journal entries written before the margin ratios took Drift's names replay with their values."""

from __future__ import annotations

import msgspec

from backend.store import journal
from programs.quantdesk_perp import context as engine_context
from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.config import RENAMED_PARAMETERS
from programs.quantdesk_perp.context import Context

OLD_NAME = {new: old for old, new in RENAMED_PARAMETERS.items()}
CTX = Context(1000, 1_700_000_000, {})


def written_with_old_names(codec: journal.RecordCodec, instruction: object) -> bytes:
    """The payload an older version wrote: today's record under the old field names."""
    name, fields = codec.encode(instruction)
    old_fields = {OLD_NAME.get(k, k): v for k, v in fields.items()}
    return msgspec.msgpack.encode([[name, old_fields], codec.encode(CTX)])


def test_an_old_update_market_parameters_entry_keeps_its_margin_ratio_change():
    codec = journal.RecordCodec(journal.record_types(ix, engine_context), ix.UPGRADES)
    update = ix.UpdateMarketParameters(0, margin_ratio_initial=2000, margin_ratio_maintenance=1200)
    payload = written_with_old_names(codec, update)
    assert OLD_NAME["margin_ratio_maintenance"].encode() in payload
    instruction, ctx = codec.loads(payload)
    assert instruction == update and ctx == CTX


def test_an_old_initialize_market_entry_decodes_with_drifts_names():
    codec = journal.RecordCodec(journal.record_types(ix, engine_context), ix.UPGRADES)
    init = ix.InitializeMarket(0, "SOL-PERP", "SOL", "USD", 100_000_000, 1000, 10**7, 10**7, 20, 500, 250)
    instruction, _ = codec.loads(written_with_old_names(codec, init))
    assert instruction == init
    assert (instruction.margin_ratio_initial, instruction.margin_ratio_maintenance) == (500, 250)


def test_todays_entries_round_trip_unchanged():
    codec = journal.RecordCodec(journal.record_types(ix, engine_context), ix.UPGRADES)
    update = ix.UpdateMarketParameters(0, margin_ratio_maintenance=300, taker_fee=100)
    assert codec.loads(codec.dumps(update, CTX)) == [update, CTX]
