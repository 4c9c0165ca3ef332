"""OrderTicket: the order entry form. Validates as you type, shows what to fix, shows the owner's
preview, and posts `Submitted(order)` with integer fields; large orders need a second enter."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from backend.api.protocol import MarketInfo
from widgets.field_input import FieldInput
from widgets.format import decimals_for_tick, exact, fmt_leverage, fmt_number, fmt_price, fmt_usd
from widgets.order_form import (
    NEEDS_OFFSET,
    NEEDS_PRICE,
    NEEDS_TRIGGER,
    ORDER_TYPES,
    TIFS,
    TicketForm,
    Validation,
    confirm_text,
    validate,
)

_FIELD_ORDER = ("market", "size", "price", "trigger", "offset", "tp", "sl", "post_only", "sub_account")
_PREVIEW_LABELS = {
    "cost": "Cost",
    "fee": "Fee",
    "margin": "Margin impact",
    "leverage": "Leverage after",
    "liq_price": "Liq. price",
}


def _preview_value(key: str, value: Any) -> str:
    """Preview ints are protocol fixed point: leverage RATIO_SCALE, the rest PRICE_SCALE."""
    if not isinstance(value, int) or isinstance(value, bool):
        return str(value)
    if key == "leverage":
        return fmt_leverage(value)
    if key == "liq_price":
        return fmt_price(value, 3) if value else "none"
    return fmt_usd(value)


class OrderTicket(Vertical, can_focus=False):
    """Order entry for one market. Owner calls set_market / set_reference_price / set_preview."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "toggle_side", "Buy/Sell", id="ticket.toggle_side"),
        Binding("ctrl+b", "toggle_unit", "Base/USD", id="ticket.toggle_unit"),
        Binding("ctrl+s", "submit", "Submit", id="ticket.submit"),
        Binding("escape", "cancel_confirm", "Cancel confirm", show=False, id="ticket.cancel"),
    ]

    DEFAULT_CSS = """
    OrderTicket { height: auto; width: 1fr; min-width: 36; padding: 0 1; background: $surface; }
    OrderTicket .ticket-row { height: 1; margin-bottom: 1; }
    OrderTicket Label { width: 9; color: $text-muted; }
    OrderTicket Input { width: 1fr; }
    OrderTicket Input.-invalid { color: $down; text-style: bold; }
    OrderTicket #ticket-side { width: 8; }
    OrderTicket.-buy #ticket-side { background: $up; color: $background; text-style: bold; }
    OrderTicket.-sell #ticket-side { background: $down; color: $background; text-style: bold; }
    OrderTicket #ticket-type { width: 1fr; }
    OrderTicket #ticket-unit { width: 7; }
    OrderTicket #ticket-tif { width: 10; }
    OrderTicket .-hidden { display: none; }
    OrderTicket #ticket-errors { color: $down; height: auto; }
    OrderTicket #ticket-confirm { color: $warn; text-style: bold; height: auto; }
    OrderTicket #ticket-preview { color: $text-muted; height: auto; margin-top: 1; }
    OrderTicket #ticket-submit { width: 1fr; margin-top: 1; }
    """

    class Submitted(Message):
        """A valid (and, if large, confirmed) order: ints in BASE_SCALE / PRICE_SCALE."""

        def __init__(self, order: dict[str, Any]) -> None:
            super().__init__()
            self.order = order

    class Changed(Message):
        """The form changed; `order` is the would-be order when valid (owner may fetch a preview)."""

        def __init__(self, order: dict[str, Any] | None) -> None:
            super().__init__()
            self.order = order

    def __init__(
        self,
        *,
        confirm_above: int | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """confirm_above: notional in PRICE_SCALE quote units above which enter must be pressed twice."""
        super().__init__(name=name, id=id, classes=classes)
        self.confirm_above = confirm_above
        self.market: MarketInfo | None = None
        self.reference_price = 0
        self.form = TicketForm()
        self._show_all_errors = False
        self._awaiting_confirm = False
        self._preview: dict[str, Any] = {}
        self.add_class("-buy")

    def compose(self) -> ComposeResult:
        with Horizontal(classes="ticket-row"):
            yield Button("BUY", id="ticket-side", compact=True)
            yield Select(
                [(label, key) for key, label in ORDER_TYPES.items()],
                value="market",
                allow_blank=False,
                compact=True,
                id="ticket-type",
            )
        yield from self._row("Size", "size", "0.00", Button("BASE", id="ticket-unit", compact=True))
        yield from self._row("Price", "price", "limit price")
        yield from self._row("Trigger", "trigger", "trigger price")
        yield from self._row("Offset", "offset", "trailing distance")
        yield from self._row("TP", "tp", "take-profit (optional)")
        yield from self._row("SL", "sl", "stop-loss (optional)")
        with Horizontal(classes="ticket-row"):
            yield Checkbox("Reduce", id="ticket-reduce_only", compact=True)
            yield Checkbox("Post", id="ticket-post_only", compact=True)
            yield Select(
                [(tif.upper(), tif) for tif in TIFS],
                value="gtc",
                allow_blank=False,
                compact=True,
                id="ticket-tif",
            )
        yield from self._row("Sub-acct", "sub_account", "0")
        yield Static("", id="ticket-errors")
        yield Static("", id="ticket-confirm")
        yield Static("", id="ticket-preview")
        yield Button("Submit", id="ticket-submit", variant="primary", compact=True)

    def _row(self, label: str, key: str, placeholder: str, extra: Button | None = None) -> ComposeResult:
        with Horizontal(classes="ticket-row", id=f"ticket-row-{key}"):
            yield Label(label)
            yield FieldInput(placeholder=placeholder, compact=True, id=f"ticket-{key}")
            if extra is not None:
                yield extra

    def on_mount(self) -> None:
        self.query_one("#ticket-sub_account", Input).value = self.form.sub_account
        self._sync_visibility()
        self._revalidate()

    # ---- owner API ----------------------------------------------------------------------------

    def set_market(self, market: MarketInfo) -> None:
        self.market = market
        self.query_one("#ticket-unit", Button).label = "USD" if self.form.size_in_usd else market.base
        self._revalidate()

    def set_reference_price(self, price: int) -> None:
        """Mark/oracle price (PRICE_SCALE) used for market orders: USD sizing, brackets, notional."""
        self.reference_price = price
        self._revalidate(post_changed=False)

    def set_preview(self, preview: dict[str, Any]) -> None:
        """Owner-computed preview: cost, fee, margin (PRICE_SCALE), leverage (RATIO_SCALE),
        liq_price (PRICE_SCALE); strings are shown as given, an 'error' key is shown as a warning."""
        self._preview = dict(preview)
        self._render_preview()

    def set_side(self, side: str) -> None:
        self.form.side = side
        self.set_class(side == "buy", "-buy")
        self.set_class(side == "sell", "-sell")
        self.query_one("#ticket-side", Button).label = side.upper()
        self._revalidate()

    def set_price(self, price: int) -> None:
        """Fill the limit price (e.g. from OrderBook.PricePicked); a market order becomes a limit."""
        decimals = decimals_for_tick(self.market.tick_size) if self.market else 6
        if self.form.order_type not in NEEDS_PRICE:
            self.query_one("#ticket-type", Select).value = "limit"
            self.form.order_type = "limit"
            self._sync_visibility()
        self.query_one("#ticket-price", Input).value = fmt_number(exact(price, -6), decimals).replace(",", "")

    def set_size(self, text: str) -> None:
        self.query_one("#ticket-size", Input).value = text

    def clear(self) -> None:
        for key in ("size", "price", "trigger", "offset", "tp", "sl"):
            self.query_one(f"#ticket-{key}", Input).value = ""
        self._show_all_errors = False
        self._awaiting_confirm = False
        self._revalidate()

    @property
    def errors(self) -> dict[str, str]:
        return validate(self.form, self.market, self.reference_price).errors

    # ---- actions ------------------------------------------------------------------------------

    def action_toggle_side(self) -> None:
        self.set_side("sell" if self.form.side == "buy" else "buy")

    def action_toggle_unit(self) -> None:
        self.form.size_in_usd = not self.form.size_in_usd
        base = self.market.base if self.market else "BASE"
        self.query_one("#ticket-unit", Button).label = "USD" if self.form.size_in_usd else base
        self._revalidate()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_confirm":  # nothing to cancel: Esc goes on to the app (leaves the field)
            return self._awaiting_confirm
        return True

    def action_cancel_confirm(self) -> None:
        self._awaiting_confirm = False
        self.query_one("#ticket-confirm", Static).update("")

    def action_submit(self) -> None:
        self._show_all_errors = True
        result = validate(self.form, self.market, self.reference_price)
        self._show_errors(result)
        if result.order is None:
            self._awaiting_confirm = False
            return
        if (
            self.confirm_above is not None
            and result.notional > self.confirm_above
            and not self._awaiting_confirm
        ):
            self._awaiting_confirm = True
            self.query_one("#ticket-confirm", Static).update(
                confirm_text(result.notional, self.confirm_above)
            )
            return
        self._awaiting_confirm = False
        self.query_one("#ticket-confirm", Static).update("")
        self.post_message(self.Submitted(result.order))

    # ---- events -------------------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {
            "ticket-side": self.action_toggle_side,
            "ticket-unit": self.action_toggle_unit,
            "ticket-submit": self.action_submit,
        }
        actions[event.button.id or ""]()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        key = (event.input.id or "").removeprefix("ticket-")
        setattr(self.form, key, event.value)
        self._revalidate()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        key = "order_type" if event.select.id == "ticket-type" else "tif"
        setattr(self.form, key, str(event.value))
        self._sync_visibility()
        self._revalidate()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        setattr(self.form, (event.checkbox.id or "").removeprefix("ticket-"), event.value)
        self._revalidate()

    # ---- display ------------------------------------------------------------------------------

    def _sync_visibility(self) -> None:
        kind = self.form.order_type
        self.query_one("#ticket-row-price").set_class(kind not in NEEDS_PRICE, "-hidden")
        self.query_one("#ticket-row-trigger").set_class(kind not in NEEDS_TRIGGER, "-hidden")
        self.query_one("#ticket-row-offset").set_class(kind not in NEEDS_OFFSET, "-hidden")

    def _revalidate(self, post_changed: bool = True) -> None:
        if not self.is_mounted:
            return
        if self._awaiting_confirm:  # any edit cancels a pending confirmation
            self.action_cancel_confirm()
        result = validate(self.form, self.market, self.reference_price)
        self._show_errors(result)
        if post_changed:
            self.post_message(self.Changed(result.order))

    def _show_errors(self, result: Validation) -> None:
        touched = {key for key in _FIELD_ORDER if str(getattr(self.form, key, "")).strip()}
        shown = {
            k: v
            for k, v in result.errors.items()
            if self._show_all_errors or k in touched or k in ("market", "post_only")
        }
        for key in ("size", "price", "trigger", "offset", "tp", "sl", "sub_account"):
            self.query_one(f"#ticket-{key}", Input).set_class(key in shown, "-invalid")
        lines = [shown[key] for key in _FIELD_ORDER if key in shown]
        self.query_one("#ticket-errors", Static).update("\n".join(f"✗ {line}" for line in lines))

    def _render_preview(self) -> None:
        text = Text()
        for key, value in self._preview.items():
            if key == "error":
                continue
            text.append(f"{_PREVIEW_LABELS.get(key, key):<15}{_preview_value(key, value)}\n")
        if "error" in self._preview:
            text.append(f"! {self._preview['error']}\n", style="bold")
        text.rstrip()
        self.query_one("#ticket-preview", Static).update(text)
