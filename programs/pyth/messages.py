"""Pyth price feed messages: the Borsh form inside PriceUpdateV2 and the big-endian wire form in Hermes updates."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .errors import PythDecodeError, PythDecodeErrorCode
from .reader import Reader

# feed_id [32], price i64, conf u64, exponent i32, publish_time i64, prev_publish_time i64, ema_price i64, ema_conf u64
PRICE_FEED_MESSAGE_SIZE = 32 + 8 + 8 + 4 + 8 + 8 + 8 + 8
MESSAGE_TYPE_PRICE_FEED = 0
MESSAGE_TYPE_TWAP = 1


@dataclass(slots=True, frozen=True)
class PriceFeedMessage:
    feed_id: bytes
    price: int
    conf: int
    exponent: int
    publish_time: int
    prev_publish_time: int
    ema_price: int
    ema_conf: int

    @property
    def feed_id_hex(self) -> str:
        return self.feed_id.hex()

    @property
    def price_decimal(self) -> Decimal:
        return scale(self.price, self.exponent)

    @property
    def conf_decimal(self) -> Decimal:
        return scale(self.conf, self.exponent)

    def to_dict(self) -> dict[str, Any]:
        return {
            "feed_id": self.feed_id_hex,
            "price": self.price,
            "conf": self.conf,
            "exponent": self.exponent,
            "publish_time": self.publish_time,
            "prev_publish_time": self.prev_publish_time,
            "ema_price": self.ema_price,
            "ema_conf": self.ema_conf,
            "price_display": str(self.price_decimal),
            "conf_display": str(self.conf_decimal),
        }


def scale(value: int, exponent: int) -> Decimal:
    """value x 10^exponent, exactly."""
    return Decimal(value).scaleb(exponent)


def rescale_toward_zero(value: int, exponent: int, decimals: int) -> int:
    """Re-express value x 10^exponent with `decimals` decimals, rounding toward zero (e.g. to PRICE_PRECISION 1e6)."""
    shift = exponent + decimals
    if shift >= 0:
        scale: int = 10**shift  # int ** int is typed Any (a negative exponent gives a float); here it is not
        return value * scale
    divisor: int = 10**-shift
    quotient = abs(value) // divisor
    return quotient if value >= 0 else -quotient


def read_price_feed_message(reader: Reader, endian: str) -> PriceFeedMessage:
    """`endian`: '<' for Borsh (Solana accounts), '>' for the Pythnet wire format."""
    return PriceFeedMessage(
        feed_id=reader.take(32, "feed_id"),
        price=reader.unpack(endian + "q", "price"),
        conf=reader.unpack(endian + "Q", "conf"),
        exponent=reader.unpack(endian + "i", "exponent"),
        publish_time=reader.unpack(endian + "q", "publish_time"),
        prev_publish_time=reader.unpack(endian + "q", "prev_publish_time"),
        ema_price=reader.unpack(endian + "q", "ema_price"),
        ema_conf=reader.unpack(endian + "Q", "ema_conf"),
    )


def decode_wire_message(data: bytes) -> PriceFeedMessage:
    """A message from a Hermes/accumulator update: type byte 0 then a big-endian PriceFeedMessage."""
    reader = Reader(data, "price message")
    kind = reader.unpack(">B", "message type")
    if kind != MESSAGE_TYPE_PRICE_FEED:
        raise PythDecodeError(PythDecodeErrorCode.UNKNOWN_VARIANT, f"message type {kind} is not a price feed message")
    # Newer publishers may append fields; the known prefix is what we read.
    return read_price_feed_message(reader, ">")
