"""The durable engine state: the newest snapshot plus the journal after it, replayed through the engine.

Start-up recovers from it, the venue reloads from it when the store refused a write, and the
consistency check compares the live state with it: what the journal holds is the truth.
"""

from __future__ import annotations

import gc
import hashlib
import logging
from dataclasses import dataclass
from typing import Any

import msgspec

from backend.store import journal
from programs.quantdesk_perp.context import Context
from programs.quantdesk_perp.errors import EngineError
from programs.quantdesk_perp import processor
from programs.quantdesk_perp.state import State, state_from_bytes

log = logging.getLogger(__name__)
_encoder = msgspec.msgpack.Encoder()


@dataclass(slots=True)
class Replay:
    state: State
    snapshot_seq: int
    seq: int  # the last journal entry applied
    replayed: int
    failed: int  # entries the engine refused on replay (each is logged)
    last_ctx: Context | None


def replay_journal(conn: Any, codec: journal.RecordCodec) -> Replay:
    """Newest snapshot + every journal entry after it, through the engine.

    The cyclic garbage collector is paused meanwhile: a replay allocates millions of short-lived
    records that reference counting frees (the engine makes no cycles), and the collector's passes
    over them cost about a tenth of the replay."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _replay(conn, codec)
    finally:
        if was_enabled:
            gc.enable()


def _replay(conn: Any, codec: journal.RecordCodec) -> Replay:
    state, snapshot_seq = State(), 0
    snap = journal.latest_snapshot(conn)
    if snap is not None:
        snapshot_seq, blob = snap
        state = state_from_bytes(blob)
    result = Replay(state, snapshot_seq, snapshot_seq, 0, 0, None)
    decode = EntryDecoder(codec)
    seq, replayed, ctx = snapshot_seq, 0, None
    apply = processor.replay  # replay mode: an acked order skips the checks that could only refuse it
    for rows in journal.entry_batches(conn, snapshot_seq):
        instructions, contexts = decode.batch([payload for _, payload in rows])
        for (seq, _), instruction, ctx in zip(rows, instructions, contexts):
            try:
                apply(state, instruction, ctx)
            except EngineError as exc:
                result.failed += 1
                log.error("journal entry %d (%s) no longer applies: %s", seq, type(instruction).__name__, exc.message)
        replayed += len(rows)
    result.seq, result.replayed, result.last_ctx = seq, replayed, ctx
    return result


class EntryDecoder:
    """Journal payloads -> (instruction, context), a batch at a time (RecordCodec.decode_pairs).
    Entries between two oracle ticks carry the same context bytes, so they share one decoded
    Context (it is frozen and the engine only reads it)."""

    def __init__(self, codec: journal.RecordCodec) -> None:
        self.codec = codec
        self._ctx_record: msgspec.Raw | None = None
        self._ctx: Context | None = None

    def __call__(self, payload: bytes) -> tuple[Any, Context]:
        instructions, contexts = self.batch([payload])
        return instructions[0], contexts[0]

    def batch(self, payloads: list[bytes]) -> tuple[list[Any], list[Context]]:
        """The instructions and their contexts, in payload order."""
        instructions, ctx_records = self.codec.decode_pairs(payloads)
        contexts: list[Context] = []
        ctx, last = self._ctx, self._ctx_record
        for record in ctx_records:
            if ctx is None or record != last:
                ctx, last = self.codec.decode_record(record), record
            contexts.append(ctx)
        self._ctx, self._ctx_record = ctx, last
        return instructions, contexts


def state_digest(state: State) -> str:
    """A short fingerprint of the whole engine state, independent of dict insertion order."""
    return hashlib.sha256(_encoder.encode(_canonical(msgspec.to_builtins(state)))).hexdigest()[:16]


def _canonical(value: Any) -> Any:
    """Dicts (int and tuple keys included) as key-sorted pairs, so equal states encode to equal bytes."""
    if isinstance(value, dict):
        return [[_canonical(k), _canonical(v)] for k, v in sorted(value.items(), key=lambda kv: repr(kv[0]))]
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value
