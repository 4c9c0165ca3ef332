"""The Account pane reads the typed AccountView through the format helpers: units and signs exact."""

from __future__ import annotations

import msgspec

from quantdesk_tui.panes import account_text
from tests.tui.fakes import ACCOUNT


def test_the_account_pane_shows_balances_in_their_decimals_and_money_in_dollars():
    assert account_text(ACCOUNT) == (
        "sub 0 [ACTIVE]  100,000.0000 USDC  10.0000 SOL\nequity $101,667.00  uPnL +242.00  free $100,242.00  lev 0.21x"
    )
    flat = msgspec.structs.replace(ACCOUNT, unrealized_pnl=0, equity=-5_000_000)
    assert "equity -$5.00  uPnL 0.00  " in account_text(flat)  # no sign on zero, the minus before the $
