"""Hermes binary updates ("PNAU" accumulator update data): header, Wormhole VAA, price messages with Merkle proofs.

Wire format (big-endian): magic "PNAU" | major u8 (=1) | minor u8 | trailing header len u8 + bytes |
update type u8 (0 = WormholeMerkle) | VAA (u16 len + bytes) | updates u8 count, each:
message (u16 len + bytes) | proof (u8 count x 20-byte keccak160 nodes).
The VAA body's payload is "AUWV" | update type u8 | slot u64 | ring size u32 | Merkle root [20].
Each message is a leaf of a keccak160 Merkle tree whose root the VAA carries: leaf = H(0x00 | message),
node = H(0x01 | smaller child | larger child). Guardian signatures on the VAA are not checked here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import PythDecodeError, PythDecodeErrorCode
from .keccak import keccak160
from .messages import MESSAGE_TYPE_PRICE_FEED, PriceFeedMessage, decode_wire_message
from .reader import Reader

ACCUMULATOR_MAGIC = b"PNAU"
WORMHOLE_MAGIC = b"AUWV"
MAJOR_VERSION = 1
UPDATE_TYPE_WORMHOLE_MERKLE = 0
GUARDIAN_SIGNATURE_SIZE = 66  # guardian index u8 + 65-byte secp256k1 signature
MERKLE_NODE_SIZE = 20


@dataclass(slots=True, frozen=True)
class WormholeMerkleRoot:
    slot: int
    ring_size: int
    root: bytes


@dataclass(slots=True, frozen=True)
class Vaa:
    version: int
    guardian_set_index: int
    num_signatures: int
    timestamp: int
    nonce: int
    emitter_chain: int
    emitter_address: bytes
    sequence: int
    consistency_level: int
    payload: bytes

    def merkle_root(self) -> WormholeMerkleRoot:
        reader = Reader(self.payload, "VAA payload")
        if reader.take(4, "magic") != WORMHOLE_MAGIC:
            raise PythDecodeError(PythDecodeErrorCode.BAD_MAGIC, "VAA payload does not start with AUWV")
        kind = reader.unpack(">B", "update type")
        if kind != UPDATE_TYPE_WORMHOLE_MERKLE:
            raise PythDecodeError(PythDecodeErrorCode.UNKNOWN_VARIANT, f"VAA payload update type {kind}")
        return WormholeMerkleRoot(
            slot=reader.unpack(">Q", "slot"),
            ring_size=reader.unpack(">I", "ring_size"),
            root=reader.take(MERKLE_NODE_SIZE, "root"),
        )


@dataclass(slots=True, frozen=True)
class MerklePriceUpdate:
    message: bytes
    proof: tuple[bytes, ...]

    @property
    def message_type(self) -> int:
        return self.message[0] if self.message else -1

    def verify(self, root: bytes) -> bool:
        """Does this message's proof lead to `root`?"""
        node = hash_leaf(self.message)
        for sibling in self.proof:
            node = hash_node(node, sibling)
        return node == root

    def price_feed(self) -> PriceFeedMessage | None:
        """The decoded price message, or None for other message types (e.g. TWAP)."""
        if self.message_type != MESSAGE_TYPE_PRICE_FEED:
            return None
        return decode_wire_message(self.message)


@dataclass(slots=True, frozen=True)
class AccumulatorUpdate:
    major_version: int
    minor_version: int
    trailing_header: bytes
    vaa_bytes: bytes
    updates: tuple[MerklePriceUpdate, ...] = field(default=())

    def vaa(self) -> Vaa:
        return decode_vaa(self.vaa_bytes)

    def price_feeds(self) -> list[PriceFeedMessage]:
        return [msg for msg in (u.price_feed() for u in self.updates) if msg is not None]

    def verified_price_feeds(self) -> list[PriceFeedMessage]:
        """Price feeds whose Merkle proofs lead to the VAA's root; any failing proof is a BAD_PROOF error."""
        root = self.vaa().merkle_root().root
        for index, update in enumerate(self.updates):
            if not update.verify(root):
                raise PythDecodeError(PythDecodeErrorCode.BAD_PROOF, f"update {index}: proof does not reach the root")
        return self.price_feeds()

    def to_dict(self) -> dict[str, Any]:
        root = self.vaa().merkle_root()
        return {
            "version": f"{self.major_version}.{self.minor_version}",
            "slot": root.slot,
            "merkle_root": root.root.hex(),
            "price_feeds": [p.to_dict() for p in self.price_feeds()],
        }


def hash_leaf(message: bytes) -> bytes:
    return keccak160(b"\x00" + message)


def hash_node(a: bytes, b: bytes) -> bytes:
    return keccak160(b"\x01" + min(a, b) + max(a, b))


def decode_accumulator_update(data: bytes) -> AccumulatorUpdate:
    reader = Reader(data, "accumulator update")
    magic = reader.take(4, "magic")
    if magic != ACCUMULATOR_MAGIC:
        raise PythDecodeError(PythDecodeErrorCode.BAD_MAGIC, f"expected PNAU, got {magic!r}")
    major = reader.unpack(">B", "major_version")
    minor = reader.unpack(">B", "minor_version")
    if major != MAJOR_VERSION:
        raise PythDecodeError(PythDecodeErrorCode.UNSUPPORTED_VERSION, f"accumulator major version {major}")
    trailing = reader.take(reader.unpack(">B", "trailing header size"), "trailing header")
    kind = reader.unpack(">B", "update type")
    if kind != UPDATE_TYPE_WORMHOLE_MERKLE:
        raise PythDecodeError(PythDecodeErrorCode.UNKNOWN_VARIANT, f"accumulator update type {kind}")
    vaa_bytes = reader.take(reader.unpack(">H", "vaa length"), "vaa")
    updates = []
    for index in range(reader.unpack(">B", "number of updates")):
        message = reader.take(reader.unpack(">H", f"update {index} message length"), f"update {index} message")
        nodes = reader.unpack(">B", f"update {index} proof length")
        proof = tuple(reader.take(MERKLE_NODE_SIZE, f"update {index} proof node") for _ in range(nodes))
        updates.append(MerklePriceUpdate(message, proof))
    if reader.remaining:
        raise PythDecodeError(PythDecodeErrorCode.TRAILING_BYTES, f"{reader.remaining} bytes after the last update")
    return AccumulatorUpdate(major, minor, trailing, vaa_bytes, tuple(updates))


def decode_vaa(data: bytes) -> Vaa:
    reader = Reader(data, "VAA")
    version = reader.unpack(">B", "version")
    guardian_set_index = reader.unpack(">I", "guardian_set_index")
    num_signatures = reader.unpack(">B", "num_signatures")
    reader.take(num_signatures * GUARDIAN_SIGNATURE_SIZE, "signatures")
    return Vaa(
        version=version,
        guardian_set_index=guardian_set_index,
        num_signatures=num_signatures,
        timestamp=reader.unpack(">I", "timestamp"),
        nonce=reader.unpack(">I", "nonce"),
        emitter_chain=reader.unpack(">H", "emitter_chain"),
        emitter_address=reader.take(32, "emitter_address"),
        sequence=reader.unpack(">Q", "sequence"),
        consistency_level=reader.unpack(">B", "consistency_level"),
        payload=reader.rest(),
    )
