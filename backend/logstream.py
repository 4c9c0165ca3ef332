"""The backend's log as a stream: records at INFO and above go to the "log" topic for the System screen."""

from __future__ import annotations

import logging
import time

from backend.bus import Bus


class BusLogHandler(logging.Handler):
    def __init__(self, bus: Bus) -> None:
        super().__init__(level=logging.INFO)
        self.bus = bus

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:
            return
        self.bus.publish(
            "log",
            {"ts": time.time(), "level": record.levelname.lower(), "logger": record.name, "message": message[:2000]},
        )
