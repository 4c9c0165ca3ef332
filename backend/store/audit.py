"""The audit table: who changed what and when (kill switch, admin parameters, oracle shocks).

Every row is written through `audit_row`, in the caller's store transaction, with its instant in unix
milliseconds (`ts_ms`); `detail` is JSON text.
"""

from __future__ import annotations

from typing import Any

from programs.vocabulary import MS_PER_S

INSERT = "INSERT INTO audit (ts_ms, actor, action, detail) VALUES (?, ?, ?, ?)"
RECENT = "SELECT ts_ms, actor, action, detail FROM audit ORDER BY id DESC LIMIT ?"


def ms_of(seconds: float) -> int:
    """A clock reading in seconds as whole unix milliseconds (rounded down)."""
    return int(seconds * MS_PER_S)


def audit_row(conn: Any, ts_ms: int, actor: str, action: str, detail: str) -> None:
    conn.execute(INSERT, (ts_ms, actor, action, detail))
