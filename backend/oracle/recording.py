"""The observation recording file: what `record` writes and `--feed replay:FILE` plays back.

UTF-8 JSON lines:

    line 1  header  {"format": "quantdesk.observations", "version": 1, "created": <unix s>,
                     "feed": "pyth", "fields": [...the row fields below...]}
    line 2+ rows    [t_ms, market, price, conf, expo, publish_time, slot, ema_price, source]

`t_ms` is the arrival time in milliseconds since recording began; price, conf and ema_price are
integers scaled by 10**expo, exactly as the engine saw them.
"""

from __future__ import annotations

import msgspec

FORMAT = "quantdesk.observations"
VERSION = 1
FIELDS = ["t_ms", "market", "price", "conf", "expo", "publish_time", "slot", "ema_price", "source"]


class Header(msgspec.Struct):
    format: str
    version: int
    created: float = 0.0
    feed: str = ""
    fields: list[str] = []
