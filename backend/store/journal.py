"""The journal: every state-changing engine instruction with the context it saw, in order.

Entries are msgpack `[type name, fields]` records, decoded back into the engine's own frozen
records, so replaying the journal through the engine reproduces the live state bit for bit.
Snapshots hold the whole engine state at a journal sequence; start-up loads the newest one and
replays the entries after it.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import operator
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import GenericAlias
from typing import Any

import msgspec

_encoder = msgspec.msgpack.Encoder()
_records_decoder = msgspec.msgpack.Decoder(list[tuple[str, msgspec.Raw]])  # [type name, fields] pairs, undecoded
_record_decoder = msgspec.msgpack.Decoder(tuple[str, msgspec.Raw])  # one [type name, fields], undecoded
# many two-record payloads (instruction, context) at once: the first record split, the second left whole
_pairs_decoder = msgspec.msgpack.Decoder(list[tuple[tuple[str, msgspec.Raw], msgspec.Raw]])


def msgpack_array(encoded: list[Any]) -> bytes:
    """Encoded msgpack values (bytes or msgspec.Raw) joined into one encoded array of them, so a
    single decode call reads them all."""
    return b"\xdd" + len(encoded).to_bytes(4, "big") + b"".join(encoded)


class RecordCodec:
    """Encodes engine records (dataclasses / msgspec Structs) by type name; decodes them back."""

    def __init__(self, types: Iterable[type], upgrades: Mapping[str, Callable[[dict], dict]] | None = None) -> None:
        self.types: dict[str, type] = {t.__name__: t for t in types}
        self.upgrades = dict(upgrades or {})  # record name -> turns fields an older version wrote into today's
        # typed decoders read msgpack straight into the records (no intermediate dicts); strict=False
        # keeps the lenient conversions `decode` has always applied to older journals
        self._decoders: dict[str, msgspec.msgpack.Decoder[Any]] = {
            name: msgspec.msgpack.Decoder(t, strict=False) for name, t in self.types.items()
        }
        self._list_decoders: dict[str, msgspec.msgpack.Decoder[Any]] = {  # list[t]: a batch of one type
            name: msgspec.msgpack.Decoder(GenericAlias(list, (t,)), strict=False) for name, t in self.types.items()
        }
        # A [type name, fields] record is also a msgspec array-like Struct tagged by the name, with the
        # record as its one field: a union of them decodes a batch of mixed types in one call. Types
        # with upgrades stay out (their older layouts need the upgrade); a batch holding one is split.
        tagged = tuple(
            msgspec.defstruct(f"{name}Entry", [("record", t)], array_like=True, tag=name)
            for name, t in self.types.items()
            if name not in self.upgrades
        )
        self._entries_decoder: msgspec.msgpack.Decoder[Any] | None = None
        if tagged:
            entry: Any = functools.reduce(operator.or_, tagged)  # their union
            self._entries_decoder = msgspec.msgpack.Decoder(list[tuple[entry, msgspec.Raw]], strict=False)

    def encode(self, record: Any) -> list[Any]:
        name = type(record).__name__
        if name not in self.types:
            raise TypeError(f"{name} is not a journaled record type")
        return [name, msgspec.to_builtins(record)]

    def decode(self, item: list[Any]) -> Any:
        name, fields = item
        upgrade = self.upgrades.get(name)
        if upgrade is not None:
            fields = upgrade(fields)
        return msgspec.convert(fields, self.types[name], strict=False)

    def dumps(self, *records: Any) -> bytes:
        return _encoder.encode([self.encode(r) for r in records])

    def loads(self, payload: bytes) -> list[Any]:
        return [self.decode_raw(name, fields) for name, fields in self.split(payload)]

    def split(self, payload: bytes) -> list[tuple[str, msgspec.Raw]]:
        """A payload's (type name, encoded fields) pairs, the fields left for `decode_raw`."""
        return _records_decoder.decode(payload)

    def decode_raw(self, name: str, fields: msgspec.Raw | bytes) -> Any:
        if name in self.upgrades:  # an older layout may be in the journal: go through a dict to upgrade it
            return self.decode([name, msgspec.msgpack.decode(fields)])
        return self._decoders[name].decode(fields)

    def decode_record(self, record: msgspec.Raw | bytes) -> Any:
        """One encoded [type name, fields] record."""
        return self.decode_raw(*_record_decoder.decode(record))

    def decode_pairs(self, payloads: list[bytes]) -> tuple[list[Any], list[msgspec.Raw]]:
        """Many two-record payloads: (first records decoded, second records still encoded), in
        payload order. One decode call reads them all (decode_firsts) unless one needs an upgrade
        or is not well formed; then split_pairs reads them."""
        decoded = self.decode_firsts(payloads)
        return decoded if decoded is not None else self.split_pairs(payloads)

    def decode_firsts(self, payloads: list[bytes]) -> tuple[list[Any], list[msgspec.Raw]] | None:
        """decode_pairs in one decode call; None when a payload holds a record with upgrades, one
        this codec does not know, or is malformed."""
        if self._entries_decoder is None:
            return None
        try:
            entries = self._entries_decoder.decode(msgpack_array(payloads))
        except msgspec.DecodeError:
            return None
        return [entry.record for entry, _ in entries], [second for _, second in entries]

    def split_pairs(self, payloads: list[bytes]) -> tuple[list[Any], list[msgspec.Raw]]:
        """decode_pairs a type at a time: one call splits the payloads, one per type decodes its
        records (upgrades applied; a malformed payload raises here)."""
        pairs = _pairs_decoder.decode(msgpack_array(payloads))
        names = [name for (name, _), _ in pairs]
        fields = [raw for (_, raw), _ in pairs]
        firsts: list[Any] = [None] * len(pairs)
        for kind in set(names):
            at = [i for i, name in enumerate(names) if name == kind]
            for i, record in zip(at, self.decode_many(kind, [fields[i] for i in at])):
                firsts[i] = record
        return firsts, [second for _, second in pairs]

    def decode_many(self, name: str, fields: list[msgspec.Raw]) -> list[Any]:
        """Records of one type from their encoded fields, in one decode call (same rules as decode_raw)."""
        if name in self.upgrades:
            return [self.decode_raw(name, f) for f in fields]
        return self._list_decoders[name].decode(msgpack_array(fields))


def record_types(*modules: Any) -> list[type]:
    """Every dataclass or msgspec Struct defined in the given modules."""
    found: list[type] = []
    for module in modules:
        for value in vars(module).values():
            if not isinstance(value, type) or value.__module__ != module.__name__:
                continue
            if dataclasses.is_dataclass(value) or issubclass(value, msgspec.Struct):
                if not issubclass(value, enum.Enum):
                    found.append(value)
    return found


def append(conn: sqlite3.Connection, seq: int, kind: str, payload: bytes, ts: int | None = None) -> None:
    conn.execute(
        "INSERT INTO journal (seq, ts, kind, payload) VALUES (?, ?, ?, ?)",
        (seq, int(time.time() * 1000) if ts is None else ts, kind, payload),
    )


def append_many(conn: sqlite3.Connection, rows: list[tuple[int, str, bytes]]) -> None:
    """(seq, kind, payload) rows in one statement, stamped with the time they are written."""
    ts = int(time.time() * 1000)
    conn.executemany(
        "INSERT INTO journal (seq, ts, kind, payload) VALUES (?, ?, ?, ?)",
        [(seq, ts, kind, payload) for seq, kind, payload in rows],
    )


def last_seq(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT MAX(seq) FROM journal").fetchone()
    return int(row[0] or 0)


def entry_batches(conn: sqlite3.Connection, seq: int, batch: int = 20_000) -> Iterator[list[tuple[int, bytes]]]:
    """(seq, payload) rows after `seq` in order, one list per read: a replay decodes each list at once."""
    cursor = seq
    while True:
        rows = conn.execute(
            "SELECT seq, payload FROM journal WHERE seq > ? ORDER BY seq LIMIT ?", (cursor, batch)
        ).fetchall()
        if not rows:
            return
        yield rows
        cursor = rows[-1][0]


def save_snapshot(conn: sqlite3.Connection, seq: int, state: bytes, keep: int = 3) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO snapshots (seq, created, state) VALUES (?, ?, ?)", (seq, int(time.time()), state)
    )
    conn.execute(
        "DELETE FROM snapshots WHERE seq NOT IN (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?)", (keep,)
    )


def latest_snapshot(conn: sqlite3.Connection) -> tuple[int, bytes] | None:
    row = conn.execute("SELECT seq, state FROM snapshots ORDER BY seq DESC LIMIT 1").fetchone()
    return None if row is None else (int(row[0]), bytes(row[1]))
