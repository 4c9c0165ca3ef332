"""What the TUI restores on the next start: focused market, timeframe, chart indicators, the layout as
the trader left it and the link group — in QUANTDESK_HOME/tui_state.json (the theme lives in
config.toml). A missing or broken file means the defaults; saving never fails the app."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from backend.api.protocol import TIMEFRAMES
from quantdesk_tui.layout import LayoutError, layout_from_data

SESSION_FILE = "tui_state.json"
LINK_OFF = "none"


@dataclass
class Session:
    market: str | None = None
    timeframe: str | None = None
    indicators: list[str] = field(default_factory=list)
    layout: Any = None  # a layout tree (layout_to_data form)
    link_group: str | None = None  # LINK_OFF when the trader turned linking off


def session_path(home: Path) -> Path:
    return home / SESSION_FILE


def load_session(home: Path) -> Session:
    try:
        data = json.loads(session_path(home).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Session()
    if not isinstance(data, dict):
        return Session()
    session = Session()
    if isinstance(data.get("market"), str):
        session.market = data["market"]
    if data.get("timeframe") in TIMEFRAMES:
        session.timeframe = data["timeframe"]
    if isinstance(data.get("indicators"), list):
        session.indicators = [str(i) for i in data["indicators"] if isinstance(i, str)]
    if data.get("layout") is not None:
        try:
            layout_from_data(data["layout"])
            session.layout = data["layout"]
        except LayoutError:
            pass  # a hand-broken layout: the default one stands
    if isinstance(data.get("link_group"), str) and data["link_group"].strip():
        session.link_group = data["link_group"]
    return session


def save_session(home: Path, session: Session) -> None:
    path = session_path(home)
    try:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(session), indent=1), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a full or read-only disk costs the next start its memory, never this session


def link_group_for(asked: str | None, home: Path, default: str = "A") -> str | None:
    """The link group to join: the one asked for, else the one used last, else `default`; None = off."""
    group = asked or load_session(home).link_group or default
    return None if group == LINK_OFF else group
