"""How a screen sends a changing request: the backend's refusal becomes a toast and a log line, never a crash."""

from __future__ import annotations

from typing import Any

from textual.app import App

from backend.api.protocol import ApiError


async def send(app: App[Any], op: str, **args: Any) -> tuple[Any, str | None]:
    """(result, None) on success, (None, the backend's message) on refusal (already shown as a toast)."""
    try:
        return await app.client.request(op, **args), None  # type: ignore[attr-defined]
    except ApiError as exc:
        message = f"{op} is not available from this backend" if exc.code == "UNKNOWN_OP" else exc.message
        app.notify(message, title=f"refused: {exc.code}", severity="error")
        app.hub.note(f"{op} refused: {exc.code}: {exc.message}", "error")  # type: ignore[attr-defined]
        return None, message
