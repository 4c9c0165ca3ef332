"""Pyth on Solana: PriceUpdateV2 receiver accounts and Hermes binary (PNAU) updates, decoded without IO."""

from .accumulator import (
    AccumulatorUpdate,
    MerklePriceUpdate,
    Vaa,
    decode_accumulator_update,
    decode_vaa,
    hash_leaf,
    hash_node,
)
from .errors import PythDecodeError, PythDecodeErrorCode
from .keccak import keccak160, keccak256
from .messages import PriceFeedMessage, decode_wire_message, rescale_toward_zero, scale
from .price_update import (
    PRICE_UPDATE_V2_DISCRIMINATOR,
    PRICE_UPDATE_V2_LEN,
    RECEIVER_PROGRAM_ID,
    PriceUpdateV2,
    VerificationLevel,
    decode_price_update_v2,
)

__all__ = [
    "PRICE_UPDATE_V2_DISCRIMINATOR",
    "PRICE_UPDATE_V2_LEN",
    "RECEIVER_PROGRAM_ID",
    "AccumulatorUpdate",
    "MerklePriceUpdate",
    "PriceFeedMessage",
    "PriceUpdateV2",
    "PythDecodeError",
    "PythDecodeErrorCode",
    "Vaa",
    "VerificationLevel",
    "decode_accumulator_update",
    "decode_price_update_v2",
    "decode_vaa",
    "decode_wire_message",
    "hash_leaf",
    "hash_node",
    "keccak160",
    "keccak256",
    "rescale_toward_zero",
    "scale",
]
