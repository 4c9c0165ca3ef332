"""A fault-injecting store connection: while `full`, every COMMIT fails with SQLite's own SQLITE_FULL.

    disk = FullDisk.install(store)   # before store.start()
    disk.full = True                 # the disk is full: commits (and the writer's probes) fail
    disk.full = False                # space is back
    disk.fill_after_journal_rows(25) # the disk fills while the 25th journal row from now is written

The error raised is a genuine sqlite3.OperationalError with SQLITE_FULL (made by filling a small
in-memory database), so the store sees exactly what a full file system gives it at commit time.
"""

from __future__ import annotations

import sqlite3
from typing import Any


def disk_full_error() -> sqlite3.OperationalError:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (b BLOB)")
    conn.execute("PRAGMA max_page_count = 2")
    try:
        conn.execute("INSERT INTO t VALUES (zeroblob(65536))")
    except sqlite3.OperationalError as exc:
        return exc
    finally:
        conn.close()
    raise AssertionError("SQLite did not report a full database")


class FullDisk:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.full = False
        self.failed_commits = 0
        self._journal_rows_left: int | None = None

    @classmethod
    def install(cls, store: Any) -> FullDisk:
        disk = cls(store._writer_conn)
        store._writer_conn = disk
        return disk

    def fill_after_journal_rows(self, rows: int) -> None:
        self._journal_rows_left = rows

    def _count_journal_rows(self, sql: str, rows: int) -> None:
        if self._journal_rows_left is not None and sql.lstrip().upper().startswith("INSERT INTO JOURNAL"):
            self._journal_rows_left -= rows
            if self._journal_rows_left <= 0:
                self.full, self._journal_rows_left = True, None

    def executemany(self, sql: str, rows: Any) -> Any:
        rows = list(rows)
        self._count_journal_rows(sql, len(rows))
        return self._conn.executemany(sql, rows)

    def execute(self, sql: str, *args: Any) -> Any:
        self._count_journal_rows(sql, 1)
        if self.full and sql.lstrip().upper().startswith(("COMMIT", "INSERT INTO STORE_PROBE")):
            self.failed_commits += 1
            raise disk_full_error()
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)
