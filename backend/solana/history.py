"""Where transaction outcomes are recorded: the backend journal plugs in; memory and SQLite for the rest."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

PENDING, CONFIRMED, FAILED, REJECTED = "pending", "confirmed", "failed", "rejected"
TERMINAL = (CONFIRMED, FAILED, REJECTED)


@dataclass(slots=True, frozen=True)
class TxRecord:
    """One client request and what became of it. `signatures` lists every signed attempt, newest last."""

    request_id: str
    network: str
    purpose: str
    fee_payer: str
    status: str
    created_at: float
    updated_at: float
    signatures: tuple[str, ...] = ()
    blockhash: str | None = None
    slot: int | None = None
    attempts: int = 0
    priority_fee_micro_lamports: int = 0
    compute_unit_limit: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def signature(self) -> str | None:
        return self.signatures[-1] if self.signatures else None

    def evolve(self, **changes: Any) -> TxRecord:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["signatures"] = list(self.signatures)
        out["signature"] = self.signature
        return out


class TxRecorder(Protocol):
    def record(self, record: TxRecord) -> None: ...

    def lookup(self, request_id: str) -> TxRecord | None: ...

    def history(self, limit: int = 100) -> list[TxRecord]: ...


class MemoryTxRecorder:
    def __init__(self) -> None:
        self._records: dict[str, TxRecord] = {}
        self.writes: list[TxRecord] = []

    def record(self, record: TxRecord) -> None:
        self._records[record.request_id] = record
        self.writes.append(record)

    def lookup(self, request_id: str) -> TxRecord | None:
        return self._records.get(request_id)

    def history(self, limit: int = 100) -> list[TxRecord]:
        return sorted(self._records.values(), key=lambda r: r.created_at, reverse=True)[:limit]


class SqliteTxRecorder:
    """One row per request id, upserted on every state change; survives restarts."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS solana_tx (request_id TEXT PRIMARY KEY, created_at REAL, "
            "status TEXT, signature TEXT, body TEXT)"
        )

    def record(self, record: TxRecord) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO solana_tx VALUES (?,?,?,?,?) ON CONFLICT(request_id) DO UPDATE SET "
                "status=excluded.status, signature=excluded.signature, body=excluded.body",
                (
                    record.request_id,
                    record.created_at,
                    record.status,
                    record.signature,
                    json.dumps(record.to_dict()),
                ),
            )

    def lookup(self, request_id: str) -> TxRecord | None:
        with self._lock:
            row = self._db.execute("SELECT body FROM solana_tx WHERE request_id=?", (request_id,)).fetchone()
        return _from_json(row[0]) if row else None

    def history(self, limit: int = 100) -> list[TxRecord]:
        with self._lock:
            rows = self._db.execute("SELECT body FROM solana_tx ORDER BY created_at DESC LIMIT ?", (limit,)).fetchall()
        return [_from_json(row[0]) for row in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _from_json(text: str) -> TxRecord:
    data = json.loads(text)
    data.pop("signature", None)
    data["signatures"] = tuple(data.get("signatures") or ())
    return TxRecord(**data)
