"""How a screen sends a changing request: the backend's refusal becomes a toast and a log line, never a crash."""

from __future__ import annotations

from typing import Any

from textual.app import App

from quantdesk_tui.desk_app import desk_app
from backend.api.protocol import ApiError


async def send(app: App[Any], op: str, **args: Any) -> tuple[Any, str | None]:
    """(result, None) on success, (None, the backend's message) on refusal (already shown as a toast)."""
    try:
        return await desk_app(app).client.request(op, **args), None
    except ApiError as exc:
        message = f"{op} is not available from this backend" if exc.code == "UNKNOWN_OP" else exc.message
        app.notify(message, title=f"refused: {exc.code}", severity="error")
        desk_app(app).hub.note(f"{op} refused: {exc.code}: {exc.message}", "error")
        return None, message
