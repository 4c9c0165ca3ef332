"""PriceUpdateV2 accounts and PNAU updates built byte by byte; exact decoded values."""

from __future__ import annotations

import hashlib
import struct
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from programs.pyth import (
    PRICE_UPDATE_V2_LEN,
    PythDecodeError,
    PythDecodeErrorCode,
    decode_accumulator_update,
    decode_price_update_v2,
    rescale_toward_zero,
    scale,
)

SOL_FEED = bytes.fromhex("ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d")
AUTHORITY = bytes(range(1, 33))


def borsh_message(
    price=14_251_234_567,
    conf=7_654_321,
    expo=-8,
    publish=1_732_530_000,
    prev=1_732_529_999,
    ema=14_200_000_000,
    ema_conf=8_000_000,
) -> bytes:
    return (
        SOL_FEED
        + struct.pack("<q", price)
        + struct.pack("<Q", conf)
        + struct.pack("<i", expo)
        + struct.pack("<q", publish)
        + struct.pack("<q", prev)
        + struct.pack("<q", ema)
        + struct.pack("<Q", ema_conf)
    )


def account(level: bytes, message: bytes | None = None, slot: int = 301_234_567, pad: bool = True) -> bytes:
    data = (
        hashlib.sha256(b"account:PriceUpdateV2").digest()[:8]
        + AUTHORITY
        + level
        + (message or borsh_message())
        + struct.pack("<Q", slot)
    )
    return data + b"\x00" * (PRICE_UPDATE_V2_LEN - len(data)) if pad else data


def test_full_verification_account_decodes_every_field_exactly():
    data = account(b"\x01")
    assert len(data) == 134
    update = decode_price_update_v2(data)
    assert update.write_authority == AUTHORITY
    assert update.verification_level.full and update.verification_level.num_signatures is None
    msg = update.price_message
    assert msg.feed_id_hex == SOL_FEED.hex()
    assert (msg.price, msg.conf, msg.exponent) == (14_251_234_567, 7_654_321, -8)
    assert (msg.publish_time, msg.prev_publish_time) == (1_732_530_000, 1_732_529_999)
    assert (msg.ema_price, msg.ema_conf) == (14_200_000_000, 8_000_000)
    assert update.posted_slot == 301_234_567
    assert str(msg.price_decimal) == "142.51234567"
    assert update.to_dict()["verification_level"] == "Full"


def test_partial_verification_is_two_bytes_and_shifts_the_rest():
    update = decode_price_update_v2(account(b"\x00\x05"))
    assert not update.verification_level.full
    assert update.verification_level.num_signatures == 5
    assert update.price_message.price == 14_251_234_567
    assert update.posted_slot == 301_234_567


def test_negative_price_and_exponent_decode_signed():
    update = decode_price_update_v2(account(b"\x01", borsh_message(price=-5, expo=-2)))
    assert update.price_message.price == -5
    assert update.price_message.exponent == -2


@pytest.mark.parametrize("cut", [0, 7, 8, 40, 41, 60, 125, 132])
def test_truncated_account_is_a_named_error(cut):
    with pytest.raises(PythDecodeError) as err:
        decode_price_update_v2(account(b"\x00\x05")[:cut])
    assert err.value.code == PythDecodeErrorCode.TRUNCATED


def test_wrong_discriminator_and_unknown_variant_are_named():
    data = bytearray(account(b"\x01"))
    data[0] ^= 0xFF
    with pytest.raises(PythDecodeError) as err:
        decode_price_update_v2(bytes(data))
    assert err.value.code == PythDecodeErrorCode.BAD_DISCRIMINATOR
    with pytest.raises(PythDecodeError) as err:
        decode_price_update_v2(account(b"\x07"))
    assert err.value.code == PythDecodeErrorCode.UNKNOWN_VARIANT


@given(st.binary(max_size=200))
def test_garbage_never_raises_anything_but_a_decode_error(blob):
    try:
        decode_price_update_v2(blob)
    except PythDecodeError:
        pass
    try:
        decode_accumulator_update(blob)
    except PythDecodeError:
        pass


def test_price_helpers_are_exact():
    assert scale(14_251_234_567, -8) == Decimal("142.51234567")
    assert str(scale(-5, 2)) == "-5E+2"
    assert rescale_toward_zero(14_251_234_567, -8, 6) == 142_512_345  # toward zero
    assert rescale_toward_zero(-14_251_234_567, -8, 6) == -142_512_345
    assert rescale_toward_zero(5, 2, 6) == 500_000_000


# -- Hermes binary ("PNAU") -------------------------------------------------------------------------


def wire_message(price: int, feed: bytes = SOL_FEED) -> bytes:
    return (
        b"\x00"
        + feed
        + struct.pack(">q", price)
        + struct.pack(">Q", 1_000)
        + struct.pack(">i", -8)
        + struct.pack(">q", 1_732_530_001)
        + struct.pack(">q", 1_732_530_000)
        + struct.pack(">q", price - 1)
        + struct.pack(">Q", 1_100)
    )


def vaa(slot: int, root: bytes) -> bytes:
    payload = b"AUWV" + b"\x00" + struct.pack(">Q", slot) + struct.pack(">I", 10_000) + root
    signatures = bytes([0]) + b"\x11" * 65 + bytes([3]) + b"\x22" * 65
    body = (
        struct.pack(">I", 1_732_530_001)
        + struct.pack(">I", 0)
        + struct.pack(">H", 26)
        + b"\xe1" * 32
        + struct.pack(">Q", 42)
        + b"\x01"
        + payload
    )
    return b"\x01" + struct.pack(">I", 4) + b"\x02" + signatures + body


def pnau(messages: list[bytes], proof_nodes: int = 2) -> bytes:
    root = bytes(range(20))
    v = vaa(301_000_000, root)
    out = b"PNAU" + b"\x01\x00" + b"\x00" + b"\x00" + struct.pack(">H", len(v)) + v + bytes([len(messages)])
    for i, msg in enumerate(messages):
        out += struct.pack(">H", len(msg)) + msg + bytes([proof_nodes]) + bytes([i]) * (20 * proof_nodes)
    return out


def test_accumulator_update_yields_price_messages_vaa_and_root():
    btc = bytes.fromhex("e62df6c8b4a85fe1a67db44dc12de5db330f7ac66b72dc658afedf0f4a415b43")
    update = decode_accumulator_update(pnau([wire_message(14_250_000_000), wire_message(9_700_000_000_000, btc)]))
    assert (update.major_version, update.minor_version) == (1, 0)
    feeds = update.price_feeds()
    assert [f.feed_id for f in feeds] == [SOL_FEED, btc]
    assert feeds[0].price == 14_250_000_000 and feeds[0].conf == 1_000 and feeds[0].exponent == -8
    assert feeds[0].publish_time == 1_732_530_001 and feeds[0].ema_price == 14_249_999_999
    assert feeds[1].price == 9_700_000_000_000
    assert update.updates[1].proof == (b"\x01" * 20, b"\x01" * 20)
    v = update.vaa()
    assert (v.version, v.guardian_set_index, v.num_signatures, v.emitter_chain, v.sequence) == (
        1,
        4,
        2,
        26,
        42,
    )
    root = v.merkle_root()
    assert (root.slot, root.ring_size, root.root) == (301_000_000, 10_000, bytes(range(20)))
    assert update.to_dict()["price_feeds"][0]["price_display"] == "142.50000000"


def test_accumulator_errors_are_named():
    good = pnau([wire_message(1)])
    for blob, code in [
        (b"XXXX" + good[4:], PythDecodeErrorCode.BAD_MAGIC),
        (good[:4] + b"\x02" + good[5:], PythDecodeErrorCode.UNSUPPORTED_VERSION),
        (good[:-5], PythDecodeErrorCode.TRUNCATED),
        (good + b"\x00", PythDecodeErrorCode.TRAILING_BYTES),
    ]:
        with pytest.raises(PythDecodeError) as err:
            decode_accumulator_update(blob)
        assert err.value.code == code
