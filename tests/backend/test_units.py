"""Human units at the edge: exact decimal strings from fixed-point integers, raw only on request."""

from __future__ import annotations

import msgspec

from backend.api import protocol
from backend.solana.wallet import format_units
from backend.units import decimal_str, human_result, to_human


def test_decimal_strings_are_exact_without_trailing_zeros_or_exponents():
    assert decimal_str(14_495_305_016, 8) == "144.95305016"
    assert decimal_str(1_000_000_000, 9) == "1"
    assert decimal_str(100_000_000_000, 6) == "100000"
    assert decimal_str(-1, 6) == "-0.000001"
    assert decimal_str(0, 9) == "0"
    assert format_units(100_000_000, 6) == "100"


def test_a_quote_is_scaled_by_its_own_exponent_and_drops_expo():
    quote = {
        "market": "SOL-PERP",
        "price": 14_495_305_016,
        "conf": 7_250_000,
        "expo": -8,
        "ema_price": 14_490_000_000,
        "open_24h": 14_000_000_000,
        "high_24h": 15_000_000_000,
        "low_24h": 13_950_000_000,
        "slot": 42,
        "publish_time": 1_800_000_000,
        "source": "sim",
    }
    assert to_human(quote) == {
        "market": "SOL-PERP",
        "price": "144.95305016",
        "conf": "0.0725",
        "ema_price": "144.9",
        "open_24h": "140",
        "high_24h": "150",
        "low_24h": "139.5",
        "slot": 42,
        "publish_time": 1_800_000_000,
        "source": "sim",
    }


def test_orders_positions_and_account_read_in_human_units():
    placed = {
        "orders": [
            {
                "order_id": 9,
                "order_type": "market",
                "size": 1_000_000_000,
                "filled": 1_000_000_000,
                "price": 0,
                "trigger_price": 0,
                "avg_fill_price": 144_953_050,
                "reduce_only": False,
            }
        ],
        "fills": [
            {
                "fill_id": 3,
                "order_id": 9,
                "price": 144_953_050,
                "size": 1_000_000_000,
                "fee": 72_477,
                "realized_pnl": 0,
                "role": "taker",
            }
        ],
    }
    assert human_result("order.place", placed) == {
        "orders": [
            {
                "order_id": 9,
                "order_type": "market",
                "size": "1",
                "filled": "1",
                "price": None,
                "trigger_price": None,
                "avg_fill_price": "144.95305",
                "reduce_only": False,
            }
        ],
        "fills": [
            {
                "fill_id": 3,
                "order_id": 9,
                "price": "144.95305",
                "size": "1",
                "fee": "0.072477",
                "realized_pnl": "0",
                "role": "taker",
            }
        ],
    }
    account = {
        "account": {
            "collateral": [
                {"asset": "SOL", "amount": 1_500_000_000, "decimals": 9, "value": 217_500_000, "weight_initial": 8000}
            ],
            "equity": 99_992_306_649,
            "leverage": 9236,
            "margin_ratio": 10826,
        },
        "positions": [
            {
                "market": "SOL-PERP",
                "base": -2_500_000_000,
                "liq_price": 0,
                "mark_price": 144_170_000,
                "funding_pnl": -12,
            }
        ],
    }
    assert human_result("account", account) == {
        "account": {
            "collateral": [{"asset": "SOL", "amount": "1.5", "decimals": 9, "value": "217.5", "weight_initial": "0.8"}],
            "equity": "99992.306649",
            "leverage": "0.9236",
            "margin_ratio": "1.0826",
        },
        "positions": [
            {
                "market": "SOL-PERP",
                "base": "-2.5",
                "liq_price": None,
                "mark_price": "144.17",
                "funding_pnl": "-0.000012",
            }
        ],
    }


def test_book_levels_and_wallet_ops_outside_trading_stay_as_they_are():
    book = {"market": "SOL-PERP", "bids": [[144_950_000, 2_000_000_000]], "asks": [], "oracle_price": 145_000_000}
    assert to_human(book) == {"market": "SOL-PERP", "bids": [["144.95", "2"]], "asks": [], "oracle_price": "145"}
    lamports = {"fee": 5000, "amount": "1.5"}
    assert human_result("wallet.transfer", lamports) is lamports


# integer fields of the trading records that are not amounts: ids, times, slots, counts
NOT_AMOUNTS = {
    "sub_account", "slot", "decimals", "fill_id", "order_id", "parent_id", "ts", "seq", "market_index",
    "max_leverage", "created_ts", "expire_ts", "updated_ts",
}  # fmt: skip


def test_every_integer_amount_of_the_trading_records_reads_in_human_units():
    records = [
        cls
        for name, cls in vars(protocol).items()
        if isinstance(cls, type) and issubclass(cls, msgspec.Struct) and name.endswith(("View", "Info"))
    ]
    integer_fields = {f.name for cls in records for f in msgspec.structs.fields(cls) if f.type in (int, int | None)}
    assert {"fill_margin", "margin_shortage", "price", "size"} <= integer_fields
    unconverted = {name for name in integer_fields if to_human({name: 1_234_567}) == {name: 1_234_567}}
    assert unconverted == NOT_AMOUNTS
