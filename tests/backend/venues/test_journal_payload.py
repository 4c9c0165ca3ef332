"""The venue writes each journal payload itself (records encoded natively, the context once per
Context): the bytes must be exactly what `RecordCodec.dumps` writes for the same records."""

from __future__ import annotations

import pytest

from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.context import Context, OraclePrice
from programs.quantdesk_perp.enums import CollateralAsset, OrderType, Side, TimeInForce

CTX = Context(
    1_000, 1_800_000_000, {0: OraclePrice(145_000_000, 10_000, 999, 1_799_999_999), 1: OraclePrice(1, 0, 2, 3)}
)
RECORDS = [
    ix.PlaceOrder(
        "paper",
        2,
        0,
        Side.SELL,
        OrderType.LIMIT,
        10_000_000,
        146_000_000,
        None,
        TimeInForce.GTD,
        True,
        False,
        1_900_000_000,
        None,
        2**64 - 1,
        0,
    ),
    ix.PlaceOrder("paper", 0, 1, Side.BUY, OrderType.TRAILING_STOP, 10**9, trailing_offset=3_625_000),
    ix.CancelOrders("paper", 3, None),
    ix.DepositTokens("paper", 0, CollateralAsset.SOL, 5 * 10**9),
    ix.CreateUserAccount("paper", 9, "sub ✓ 9"),
    ix.Crank(),
]


@pytest.mark.parametrize("instruction", RECORDS, ids=lambda r: type(r).__name__)
async def test_a_payload_is_byte_for_byte_what_the_codec_writes(venue, instruction):
    assert venue.journal_payload(instruction, CTX) == venue.codec.dumps(instruction, CTX)


async def test_the_context_encoded_once_is_not_reused_for_another_context(venue):
    order = RECORDS[0]
    later = Context(1_001, 1_800_000_001, dict(CTX.oracles))
    assert venue.journal_payload(order, CTX) == venue.codec.dumps(order, CTX)
    assert venue.journal_payload(order, later) == venue.codec.dumps(order, later)
    assert venue.codec.loads(venue.journal_payload(order, later)) == [order, later]


async def test_every_payload_the_venue_journaled_is_what_the_codec_writes(venue, trading):
    await trading.op_deposit(None, {"amount": "2", "asset": "SOL", "sub_account": 4})
    await trading.op_place(None, {"market": "SOL-PERP", "side": "buy", "size": "1", "price": "155", "tif": "ioc"})
    await trading.op_place(
        None, {"market": "SOL-PERP", "side": "sell", "size": "1", "price": "160", "tp": "140", "sl": "165"}
    )
    rows = venue.store._read_conn.execute("SELECT kind, payload FROM journal ORDER BY seq").fetchall()
    kinds = {kind for kind, _ in rows}
    assert {"InitializeMarket", "CreateUserAccount", "DepositTokens", "PlaceOrder", "PlaceBracketOrder"} <= kinds
    for _, payload in rows:
        assert venue.codec.dumps(*venue.codec.loads(payload)) == payload


async def test_a_record_type_the_journal_does_not_know_is_refused(venue):
    with pytest.raises(TypeError, match="not a journaled record type"):
        venue.journal_payload(object(), CTX)
