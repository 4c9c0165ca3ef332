"""Finding the backend for the CLI and the TUI: --connect URL --token-file F, or this home's own
backend (spawned on demand by the TUI)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from backend.api.protocol import ApiError, ErrorCode
from backend.client import BackendClient, spawn_backend


def read_token_file(path: str) -> str:
    p = Path(path).expanduser()
    try:
        mode = p.stat().st_mode
        token = p.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ApiError(ErrorCode.UNAUTHORIZED, f"cannot read token file {p}: {exc.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ApiError(ErrorCode.UNAUTHORIZED, f"token file {p} is readable by others; run: chmod 600 {p}")
    if token.startswith("{"):  # a copied backend.json works too
        import json

        try:
            token = str(json.loads(token)["token"])
        except (ValueError, KeyError, TypeError):
            raise ApiError(ErrorCode.UNAUTHORIZED, f"{p} is neither a token nor a backend.json") from None
    if not token:
        raise ApiError(ErrorCode.UNAUTHORIZED, f"token file {p} is empty")
    return token


def make_client(
    connect: str | None,
    token_file: str | None,
    *,
    name: str,
    spawn: bool,
    reconnect: bool = False,
    on_state=None,
    timeout: float = 10.0,
) -> BackendClient:
    if connect:
        if not token_file:
            token = os.environ.get("QUANTDESK_TOKEN", "")
            if not token:
                raise ApiError(ErrorCode.UNAUTHORIZED, "--connect needs --token-file F (or QUANTDESK_TOKEN)")
        else:
            token = read_token_file(token_file)
        if not connect.startswith(("ws://", "wss://")):
            raise ApiError(ErrorCode.BAD_REQUEST, f"--connect wants a ws:// URL, not {connect!r}")
        return BackendClient.for_url(
            connect, token, client_name=name, reconnect=reconnect, on_state=on_state, timeout=timeout
        )
    if spawn:
        spawn_backend()
    return BackendClient.for_home(client_name=name, reconnect=reconnect, on_state=on_state, timeout=timeout)
