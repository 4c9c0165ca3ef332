"""OrderTicket: the order entry form. Validates as you type, shows what to fix, shows the owner's
preview, and posts `Submitted(order)` with integer fields; large orders need a second enter."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from backend.api.protocol import BASE_PRECISION, PRICE_PRECISION, MarketInfo
from widgets.field_input import FieldInput
from widgets.format import decimals_for_tick, exact, fmt_leverage, fmt_number, fmt_price, fmt_size, fmt_usd
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
from widgets.static_text import set_static
from widgets.tick_box import TickBox

_FIELD_ORDER = ("market", "size", "price", "trigger", "offset", "tp", "sl", "post_only", "sub_account")
_INPUTS = ("size", "price", "trigger", "offset", "tp", "sl", "sub_account")
SIZE_SHARES = (25, 50, 75, 100)  # the % buttons: size the order to this share of equity, as notional
LABEL = 10  # width of the summary's labels


def slippage_pct(side: str, fill: int, reference: int) -> float:
    """How much worse than the reference (oracle/mark) price the average fill is, in percent;
    negative when the fill is better."""
    if not fill or not reference:
        return 0.0
    worse = fill - reference if side == "buy" else reference - fill
    return worse * 100 / reference


class OrderTicket(Vertical, can_focus=False):
    """Order entry for one market. Owner calls set_market / set_reference_price / set_preview."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "toggle_side", "Buy/Sell", id="ticket.toggle_side"),
        Binding("ctrl+b", "toggle_unit", "Base/USD", id="ticket.toggle_unit"),
        Binding("ctrl+s", "submit", "Submit", id="ticket.submit"),
        Binding("escape", "cancel_confirm", "Cancel confirm", show=False, id="ticket.cancel"),
    ]

    # The fields scroll; the summary, errors and Submit below them always stay in view.
    DEFAULT_CSS = """
    OrderTicket { height: 1fr; width: 1fr; min-width: 30; padding: 0 1; background: $surface; }
    OrderTicket #ticket-fields { height: 1fr; min-height: 3; scrollbar-size-vertical: 1; }
    OrderTicket .ticket-row { height: 1; }
    OrderTicket Label { width: 9; color: $text-muted; }
    OrderTicket Input { width: 1fr; }
    OrderTicket Input.-invalid { color: $down; text-style: bold; }
    OrderTicket #ticket-side { width: 8; }
    OrderTicket.-buy #ticket-side { background: $up; color: $background; text-style: bold; }
    OrderTicket.-sell #ticket-side { background: $down; color: $background; text-style: bold; }
    OrderTicket #ticket-type { width: 1fr; }
    OrderTicket #ticket-unit { width: 7; }
    OrderTicket #ticket-tif { width: 10; }
    OrderTicket .ticket-share { width: 1fr; min-width: 5; }
    OrderTicket .-hidden { display: none; }
    OrderTicket #ticket-footer { height: auto; }
    OrderTicket #ticket-errors { color: $down; height: auto; }
    OrderTicket #ticket-confirm { color: $warn; text-style: bold; height: auto; }
    OrderTicket #ticket-preview { height: auto; }
    OrderTicket #ticket-submit { width: 1fr; }
    """

    class Submitted(Message):
        """A valid (and, if large, confirmed) order: ints in BASE_PRECISION / PRICE_PRECISION."""

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
        """confirm_above: notional in PRICE_PRECISION quote units above which enter must be pressed twice."""
        super().__init__(name=name, id=id, classes=classes)
        self.confirm_above = confirm_above
        self.market: MarketInfo | None = None
        self.reference_price = 0
        self.equity = 0  # PRICE_PRECISION; sizes typed as `25%` and the notional's share of equity use it
        self.form = TicketForm()
        self._show_all_errors = False
        self._awaiting_confirm = False
        self._preview: dict[str, Any] = {}
        self._validation: Validation | None = None
        self._shown_summary: Text | None = None
        self._inputs: dict[str, Input] = {}  # key -> its field; found once on mount (every tick revalidates)
        self._errors_line: Static | None = None
        self._preview_line: Static | None = None
        self.add_class("-buy")

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="ticket-fields", can_focus=False):
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
            with Horizontal(classes="ticket-row", id="ticket-row-shares"):
                yield Label("% equity")
                for share in SIZE_SHARES:
                    yield Button(f"{share}%", id=f"ticket-share-{share}", classes="ticket-share", compact=True)
            yield from self._row("Price", "price", "limit price")
            yield from self._row("Trigger", "trigger", "trigger price")
            yield from self._row("Offset", "offset", "trailing distance")
            yield from self._row("TP", "tp", "take-profit (optional)")
            yield from self._row("SL", "sl", "stop-loss (optional)")
            with Horizontal(classes="ticket-row"):
                yield TickBox("Reduce", id="ticket-reduce_only", compact=True)
                yield TickBox("Post", id="ticket-post_only", compact=True)
                yield Select(
                    [(tif.upper(), tif) for tif in TIFS],
                    value="gtc",
                    allow_blank=False,
                    compact=True,
                    id="ticket-tif",
                )
            yield from self._row("Sub-acct", "sub_account", "0")
        with Vertical(id="ticket-footer"):
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
        self._inputs = {key: self.query_one(f"#ticket-{key}", Input) for key in _INPUTS}
        self._errors_line = self.query_one("#ticket-errors", Static)
        self._preview_line = self.query_one("#ticket-preview", Static)
        self._inputs["sub_account"].value = self.form.sub_account
        self._sync_visibility()
        self._revalidate()

    # ---- owner API ----------------------------------------------------------------------------

    def set_market(self, market: MarketInfo) -> None:
        self.market = market
        self.query_one("#ticket-unit", Button).label = "USD" if self.form.size_in_usd else market.base
        self._revalidate()

    def set_reference_price(self, price: int) -> None:
        """Mark/oracle price (PRICE_PRECISION) used for market orders: USD sizing, brackets, notional."""
        if price == self.reference_price:
            return
        self.reference_price = price
        self._revalidate(post_changed=False)

    def set_equity(self, equity: int) -> None:
        """The account's equity (PRICE_PRECISION): `25%` sizes and the '% of equity' line follow it."""
        if equity != self.equity:
            self.equity = equity
            self._revalidate(post_changed=self.form.size.strip().endswith("%"))

    def set_preview(self, preview: dict[str, Any]) -> None:
        """Owner-computed preview of the valid order, PRICE_PRECISION unless said: margin (required
        initial margin, < 0 frees margin), leverage (after, MARGIN_PRECISION), fill (average price of
        what fills now, 0 = nothing), resting (BASE_PRECISION left on the book), liq_price (after, 0 =
        none), fee. An 'error' key is shown as a warning."""
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
        decimals = decimals_for_tick(self.market.tick_size, PRICE_PRECISION) if self.market else 6
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
        return validate(self.form, self.market, self.reference_price, self.equity).errors

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
        result = validate(self.form, self.market, self.reference_price, self.equity)
        self._show_errors(result)
        if result.order is None:
            self._awaiting_confirm = False
            return
        if self.confirm_above is not None and result.notional > self.confirm_above and not self._awaiting_confirm:
            self._awaiting_confirm = True
            self.query_one("#ticket-confirm", Static).update(confirm_text(result.notional, self.confirm_above))
            return
        self._awaiting_confirm = False
        self.query_one("#ticket-confirm", Static).update("")
        self.post_message(self.Submitted(result.order))

    # ---- events -------------------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button.id or ""
        if button.startswith("ticket-share-"):
            self.set_size(f"{button.removeprefix('ticket-share-')}%")
            return
        actions = {
            "ticket-side": self.action_toggle_side,
            "ticket-unit": self.action_toggle_unit,
            "ticket-submit": self.action_submit,
        }
        actions[button]()

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
        result = validate(self.form, self.market, self.reference_price, self.equity)
        self._show_errors(result)
        self._validation = result
        if result.order is None:
            self._preview = {}
        self._render_preview()
        if post_changed:
            self.post_message(self.Changed(result.order))

    def _show_errors(self, result: Validation) -> None:
        touched = {key for key in _FIELD_ORDER if str(getattr(self.form, key, "")).strip()}
        shown = {
            k: v
            for k, v in result.errors.items()
            if self._show_all_errors or k in touched or k in ("market", "post_only")
        }
        for key, field in self._inputs.items():
            field.set_class(key in shown, "-invalid")
        lines = [shown[key] for key in _FIELD_ORDER if key in shown]
        if self._errors_line is not None:
            set_static(self._errors_line, "\n".join(f"✗ {line}" for line in lines))

    def _render_preview(self) -> None:
        summary = self._summary()
        if summary != self._shown_summary and self._preview_line is not None:  # repaint only on change
            self._shown_summary = summary
            set_static(self._preview_line, summary)

    def _summary(self) -> Text:
        """What the order costs and does, label and value per line: size and its share of equity
        from the form, the rest from the owner's preview once the order is valid."""
        text = Text()
        result, preview = self._validation, self._preview
        decimals = decimals_for_tick(self.market.tick_size, PRICE_PRECISION) if self.market else 3

        def line(label: str, value: str, style: str = "") -> None:
            text.append(f"{label:<{LABEL}}", style="dim")
            text.append(f"{value}\n", style=style)

        if result is not None and result.order is not None and self.market is not None:
            size = fmt_size(result.order["size"], decimals_for_tick(self.market.step_size, BASE_PRECISION))
            share = f" · {result.notional * 100 / self.equity:.1f}% eq" if self.equity and result.notional else ""
            line("Size", f"{size} {self.market.base}{share}")
        if "error" in preview:
            text.append(f"! {preview['error']}\n", style="bold")
        elif preview:
            margin = int(preview.get("margin", 0))
            line("Margin", f"{fmt_usd(margin)} req." if margin >= 0 else f"frees {fmt_usd(-margin)}")
            line("Lev after", fmt_leverage(int(preview.get("leverage", 0))))
            fill = int(preview.get("fill", 0))
            if fill:
                slip = slippage_pct(self.form.side, fill, self.reference_price)
                line("Est. fill", f"{fmt_price(fill, decimals)} slip {slip:+.2f}%", "bold" if slip > 0.5 else "")
            elif int(preview.get("resting", 0)):
                line("Est. fill", "rests on the book")
            liq = int(preview.get("liq_price", 0))
            line("Liq after", fmt_price(liq, decimals) if liq else "none")
            line("Fee", fmt_usd(int(preview.get("fee", 0))))
        text.rstrip()
        return text
