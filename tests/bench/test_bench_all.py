"""`python -m bench all`'s verdicts: a bench's own ok column or report wins, else value vs target."""

from __future__ import annotations

import json

from bench.all import Verdict, judge, read_record, verdicts_from_table


def test_values_are_judged_against_upper_lower_and_paired_bounds():
    assert judge("9.52 s", "≤ 10 s") is True
    assert judge("10.01 s", "≤ 10 s") is False
    assert judge("4,078 orders/s", "≥ 5,000 orders/s") is False
    assert judge("24.0 / 51.2 ms", "≤ 25 / ≤ 50 ms") is False
    assert judge("24.0 / 49.9 ms", "≤ 25 / ≤ 50 ms") is True
    assert judge("61 MB → 79 MB over 20 s (max 81)", "≤ 80 MB, flat") is True
    assert judge("3.1 fps", "a few/s") is None


def test_a_table_gives_one_verdict_per_row_with_a_target_and_its_ok_column_wins():
    rows = [["measure", "ms", "target", "ok"], ["bare", "40.00", "", ""], ["ratio", "2.90", "≤ 3×", "NO"]]
    assert verdicts_from_table("cli", rows) == [Verdict("cli: ratio", "2.90", "≤ 3×", False)]
    engine = [["scenario", "instr/s", "budget", ""], ["resting", "123,000", "100,000", "ok"]]
    assert verdicts_from_table("engine", engine) == [Verdict("engine: resting", "123,000", "100,000", True)]
    assert verdicts_from_table("oracle", [["what", "value", "unit"], ["ticks", "5", "/s"]]) == []


def test_reported_budgets_replace_the_tables_of_the_same_bench(tmp_path):
    record = tmp_path / "orders.jsonl"
    record.write_text(
        json.dumps({"table": "t", "rows": [["run", "rate", "budget"], ["x", "1", "≥ 5"]]})
        + "\n"
        + json.dumps({"budget": ["orders/s", "5,100 orders/s", "≥ 5,000", True]})
        + "\n"
    )
    assert read_record("orders", record) == [Verdict("orders: orders/s", "5,100 orders/s", "≥ 5,000", True)]
    assert read_record("orders", tmp_path / "missing.jsonl") == []
