"""The store interface every backend store provides (SQLite `Store`, PostgreSQL `PgStore`), and how a
store is chosen: `--store`, then `QUANTDESK_STORE`, then `store = "…"` in config.toml, else SQLite.

Callers hand the store functions of a DB-API-like connection (`execute`, `executemany`, cursors with
`fetchone`/`fetchall`) written in the SQLite dialect; the PostgreSQL store translates (see dialect.py).
"""

from __future__ import annotations

import asyncio
import getpass
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

WriteFn = Callable[[Any], Any]
Watcher = Callable[[bool, str], None]  # (writable, what is wrong or "")
TRADER_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
SQLITE_FILE = "quantdesk.db"


class StoreError(Exception):
    """A store that cannot be opened or used as configured; the message says what to change."""


class StoreLike(Protocol):
    commits: int
    writes: int
    schema_version: int
    trader: str
    kind: str  # "sqlite" | "postgresql"
    writable: bool
    fault: str  # what went wrong, while not writable
    faults: int
    refused: int  # writes refused (or dropped, for submit()) while not writable
    unwritable_since: float | None  # time.time() of the fault

    @property
    def _read_conn(self) -> Any:
        """The connection reads go through (SQLite dialect): recovery, order records, the sim's resume."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def watch(self, fn: Watcher) -> None: ...

    def write(self, fn: WriteFn) -> asyncio.Future[Any]: ...

    def submit(self, fn: WriteFn) -> None: ...

    def write_sync(self, fn: WriteFn) -> Any: ...

    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[dict[str, Any]]: ...


@dataclass(slots=True, frozen=True)
class StoreSpec:
    kind: str  # "sqlite" | "postgresql"
    target: str  # a file path or a postgresql:// URL

    @property
    def display(self) -> str:
        """The target without a password, for logs and status."""
        return re.sub(r"(postgres(?:ql)?://[^:/@]+):[^@]*@", r"\1:***@", self.target)


def parse_store(text: str | None, home: Path) -> StoreSpec:
    """`sqlite`, `sqlite:PATH`, a bare path, or `postgresql://USER@HOST:PORT/DB`; none = this home's SQLite."""
    text = (text or "").strip()
    if not text or text == "sqlite":
        return StoreSpec("sqlite", str(home / SQLITE_FILE))
    if text.startswith(("postgresql://", "postgres://")):
        return StoreSpec("postgresql", text)
    if text.startswith("sqlite:"):
        text = text.removeprefix("sqlite:").removeprefix("//")
    if "://" in text:
        raise StoreError(f"unknown store {text!r}: use sqlite:PATH or postgresql://USER@HOST:PORT/DB")
    return StoreSpec("sqlite", str(Path(text).expanduser()))


def _config_value(home: Path, key: str) -> str | None:
    try:
        data = tomllib.loads((home / "config.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None  # the TUI reports a malformed config; the store falls back to its default
    value = data.get(key)
    return value if isinstance(value, str) else None


def resolve_store(cli_value: str | None, home: Path) -> StoreSpec:
    return parse_store(cli_value or os.environ.get("QUANTDESK_STORE") or _config_value(home, "store"), home)


def default_trader() -> str:
    name = re.sub(r"[^a-z0-9_]", "_", getpass.getuser().lower())
    return name if TRADER_RE.match(name) else "trader"


def resolve_trader(cli_value: str | None, home: Path) -> str:
    name = cli_value or os.environ.get("QUANTDESK_TRADER") or _config_value(home, "trader") or default_trader()
    if not TRADER_RE.match(name):
        raise StoreError(f"trader name {name!r} must be 1-40 lowercase letters, digits or _, starting with a letter")
    return name
