"""Link groups across terminals: a pane that picks a market tells its group; the others follow.

`link.set {group, market}` publishes to the "link" stream; a terminal subscribes with
`markets=[group]` to hear only its own group.
"""

from __future__ import annotations

from typing import Any

import msgspec

from backend.api.protocol import parse_args
from backend.api.server import ApiServer, Session
from backend.bus import Bus
from backend.domain.orders import resolve_market


class LinkArgs(msgspec.Struct, forbid_unknown_fields=True):
    group: str
    market: str


def register_link_ops(api: ApiServer, bus: Bus) -> None:
    async def link_set(session: Session, args: dict[str, Any]) -> Any:
        a = parse_args(args, LinkArgs)
        message = {"group": a.group[:32], "market": resolve_market(a.market), "origin": session.client}
        bus.publish("link", message)
        return message

    api.op("link.set", link_set)
    api.stream("link", "link", market_of=lambda m: m["group"])
