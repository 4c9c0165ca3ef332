"""The Admin screen's parameter table shows the selected market's curve (peg, reserve price, fee pool,
repeg cost) under its parameters, read-only, in human units."""

from __future__ import annotations

from quantdesk_tui.screens.admin import amm_rows


def test_the_curve_rows_show_peg_and_repeg_cost_in_human_units_and_say_they_are_read_only():
    row = {
        "market": "SOL-PERP",
        "params": {"taker_fee": 500},
        "amm": {
            "amm_peg": 147_261_613,
            "reserve_price": 149_999_999,
            "fee_pool": 260_378_699,
            "last_repeg_cost": -253_434_078,
            "total_repeg_cost": -253_434_078,
            "sqrt_k": 10**13,
        },
    }
    rows = amm_rows(row)
    assert list(rows) == [
        "amm.amm_peg",
        "amm.reserve_price",
        "amm.fee_pool",
        "amm.last_repeg_cost",
        "amm.total_repeg_cost",
    ]  # keyed apart from the editable parameters
    assert [(r[0], r[2], r[3].text) for r in rows.values()] == [
        ("amm_peg", "147.261613", "price 1e6, read-only"),
        ("reserve_price", "149.999999", "price 1e6, read-only"),
        ("fee_pool", "$260.378699", "USDC 1e6, read-only"),
        ("last_repeg_cost", "-$253.434078", "USDC 1e6, read-only"),
        ("total_repeg_cost", "-$253.434078", "USDC 1e6, read-only"),
    ]
    assert amm_rows({"market": "SOL-PERP", "params": {}}) == {}  # a venue without a curve: no rows
