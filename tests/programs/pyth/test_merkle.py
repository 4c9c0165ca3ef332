"""Keccak as Pyth uses it, and Merkle proofs of Hermes updates checked against the VAA root."""

from __future__ import annotations

import hashlib
import struct

import pytest

from programs.pyth import (
    PythDecodeError,
    PythDecodeErrorCode,
    decode_accumulator_update,
    hash_leaf,
    hash_node,
    keccak256,
)
from programs.pyth.keccak import _sponge

from .test_price_update import SOL_FEED, vaa, wire_message


def test_keccak256_matches_known_vectors():
    assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert keccak256(b"abc").hex() == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"


@pytest.mark.parametrize("size", [0, 1, 134, 135, 136, 137, 271, 272, 500])
def test_the_same_sponge_with_sha3_padding_matches_hashlib(size):
    data = bytes(i % 251 for i in range(size))
    assert _sponge(data, 0x06) == hashlib.sha3_256(data).digest()


def signed_update(messages: list[bytes]) -> tuple[bytes, bytes]:
    """A PNAU blob for a 4-leaf tree (padded with empty leaves) and its root."""
    leaves = [hash_leaf(m) for m in messages] + [hash_leaf(b"")] * (4 - len(messages))
    left, right = hash_node(leaves[0], leaves[1]), hash_node(leaves[2], leaves[3])
    root = hash_node(left, right)
    proofs = [[leaves[1], right], [leaves[0], right], [leaves[3], left]]
    v = vaa(301_000_000, root)
    out = b"PNAU\x01\x00\x00\x00" + struct.pack(">H", len(v)) + v + bytes([len(messages)])
    for msg, proof in zip(messages, proofs, strict=False):
        out += struct.pack(">H", len(msg)) + msg + bytes([len(proof)]) + b"".join(proof)
    return out, root


def test_valid_proofs_reach_the_vaa_root():
    blob, root = signed_update([wire_message(14_250_000_000), wire_message(14_260_000_000), wire_message(1)])
    update = decode_accumulator_update(blob)
    assert update.vaa().merkle_root().root == root
    assert [f.price for f in update.verified_price_feeds()] == [14_250_000_000, 14_260_000_000, 1]
    assert all(u.verify(root) for u in update.updates)


def test_a_tampered_price_fails_its_proof():
    blob, _ = signed_update([wire_message(14_250_000_000), wire_message(14_260_000_000)])
    tampered = blob.replace(struct.pack(">q", 14_250_000_000), struct.pack(">q", 99_250_000_000))
    update = decode_accumulator_update(tampered)
    assert update.price_feeds()[0].price == 99_250_000_000 and update.price_feeds()[0].feed_id == SOL_FEED
    with pytest.raises(PythDecodeError) as err:
        update.verified_price_feeds()
    assert err.value.code == PythDecodeErrorCode.BAD_PROOF
