"""FieldInput: an Input for values that never contain `:` (sizes, prices, market filters), so the
app's `:` key (open the command bar) works while the field has the focus."""

from __future__ import annotations

from textual.widgets import Input

COMMAND_KEY = ":"


class FieldInput(Input):
    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character != COMMAND_KEY and super().check_consume_key(key, character)
