"""PriceUpdateV2 accounts of the Pyth Solana receiver program, decoded field by field (Anchor/Borsh, little-endian).

Layout: discriminator [8] | write_authority [32] | verification_level (enum: 0 = Partial{num_signatures: u8},
1 = Full) | PriceFeedMessage (84 bytes) | posted_slot u64. Accounts are allocated for the longest form
(134 bytes), so a Full account carries one unused trailing byte.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import based58

from .errors import PythDecodeError, PythDecodeErrorCode
from .messages import PriceFeedMessage, read_price_feed_message
from .reader import Reader

RECEIVER_PROGRAM_ID = "rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ"
PRICE_UPDATE_V2_DISCRIMINATOR = hashlib.sha256(b"account:PriceUpdateV2").digest()[:8]
PRICE_UPDATE_V2_LEN = 8 + 32 + 2 + 84 + 8


@dataclass(slots=True, frozen=True)
class VerificationLevel:
    full: bool
    num_signatures: int | None  # only for Partial

    def __str__(self) -> str:
        return "Full" if self.full else f"Partial({self.num_signatures})"


@dataclass(slots=True, frozen=True)
class PriceUpdateV2:
    write_authority: bytes
    verification_level: VerificationLevel
    price_message: PriceFeedMessage
    posted_slot: int

    @property
    def write_authority_b58(self) -> str:
        return based58.b58encode(self.write_authority).decode()

    def to_dict(self) -> dict[str, Any]:
        return {
            "write_authority": self.write_authority_b58,
            "verification_level": str(self.verification_level),
            "fully_verified": self.verification_level.full,
            "posted_slot": self.posted_slot,
            **self.price_message.to_dict(),
        }


def decode_price_update_v2(data: bytes, *, strict_trailing: bool = False) -> PriceUpdateV2:
    reader = Reader(data, "PriceUpdateV2")
    discriminator = reader.take(8, "discriminator")
    if discriminator != PRICE_UPDATE_V2_DISCRIMINATOR:
        raise PythDecodeError(
            PythDecodeErrorCode.BAD_DISCRIMINATOR,
            f"PriceUpdateV2: discriminator {discriminator.hex()} is not {PRICE_UPDATE_V2_DISCRIMINATOR.hex()}",
        )
    write_authority = reader.take(32, "write_authority")
    variant = reader.unpack("<B", "verification_level")
    if variant == 0:
        level = VerificationLevel(False, reader.unpack("<B", "num_signatures"))
    elif variant == 1:
        level = VerificationLevel(True, None)
    else:
        raise PythDecodeError(PythDecodeErrorCode.UNKNOWN_VARIANT, f"PriceUpdateV2: verification_level {variant}")
    message = read_price_feed_message(reader, "<")
    posted_slot = reader.unpack("<Q", "posted_slot")
    if strict_trailing and reader.remaining > (1 if level.full else 0):
        raise PythDecodeError(PythDecodeErrorCode.TRAILING_BYTES, f"PriceUpdateV2: {reader.remaining} extra bytes")
    return PriceUpdateV2(write_authority, level, message, posted_slot)
