"""The command bar's history, kept in QUANTDESK_HOME/command_history (one command a line, newest last),
shared by every screen's bar and restored on the next start."""

from __future__ import annotations

import os
from pathlib import Path

HISTORY_LIMIT = 200
HISTORY_FILE = "command_history"


class CommandHistory:
    def __init__(self, path: Path | None, limit: int = HISTORY_LIMIT) -> None:
        """path None keeps the history in memory only (tests, a read-only home)."""
        self.path = path
        self.limit = limit
        self.entries: list[str] = self._read()

    @classmethod
    def in_home(cls, home: Path) -> CommandHistory:
        return cls(home / HISTORY_FILE)

    def _read(self) -> list[str]:
        if self.path is None:
            return []
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):  # missing or unreadable: start empty, never fail the app
            return []
        return [line for line in lines if line.strip()][-self.limit :]

    def add(self, text: str) -> None:
        """Remember a command that ran (a repeat of the last one is kept once)."""
        text = " ".join(text.split())  # one line, whatever was pasted
        if not text or (self.entries and self.entries[-1] == text):
            return
        self.entries = [*self.entries, text][-self.limit :]
        self._write()

    def _write(self) -> None:
        if self.path is None:
            return
        try:
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text("\n".join(self.entries) + "\n", encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            self.path = None  # a full or read-only disk: keep working from memory
