"""How CLI commands print: one JSON document with --json, else aligned plain tables."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only a type here: the thin CLI path prints through this module without importing msgspec
    from backend.api.protocol import ApiError


class UsageError(Exception):
    """Bad command-line input: one line on stderr, exit code 2."""


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=None, separators=(",", ":"), default=str) + "\n")


def json_document(result: Any, args: Any) -> Any:
    """What `--json` prints for a command's result: human units (exact decimal strings) unless the command
    keeps wire values (`human` unset) or `--raw` asks for the engine's integers."""
    if getattr(args, "human", False) and not getattr(args, "raw", False):
        from backend.api.protocol import to_human  # here, not at the top: `import quantdesk_tui.output` stays cheap

        return to_human(result)
    return result


def emit_error(exc: ApiError, as_json: bool) -> int:
    if as_json:
        emit_json({"error": exc.to_dict()})
    else:
        print(f"quantdesk: {exc.message} [{exc.code}]", file=sys.stderr)
    return 1


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = ()) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        parts = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def price_str(value: int, expo: int) -> str:
    """An integer price with exponent, printed exactly (no float rounding)."""
    digits = -expo if expo < 0 else 0
    if digits == 0:
        return str(value * 10**expo)
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}"


def fixed_str(value: int, scale: int, places: int | None = None) -> str:
    """An engine fixed-point integer as a decimal string, e.g. fixed_str(1_500_000, 10**6) == '1.5'."""
    digits = len(str(scale)) - 1
    text = price_str(value, -digits)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if places is not None:
        whole, _, frac = text.partition(".")
        text = f"{whole}.{frac[:places].ljust(places, '0')}" if places else whole
    return text
