"""The seeded Pilot monkey (tests/tui/monkey.py), short: six seeds, every screen, resizes, commands.
The full 3 x 2,000 actions run with `python -m bench monkey`."""

from __future__ import annotations

import pytest
import textual.screen

from tests.tui.monkey import monkey_app, run_monkey

ACTIONS = 20  # per seed here: 120 in all, six short tests rather than three long ones; bench monkey runs 2,000


@pytest.fixture(autouse=True)
def paint_less(monkeypatch):
    """The monkey checks behaviour, not frames: paint at 10 fps instead of 60 (a speed knob)."""
    monkeypatch.setattr(textual.screen, "UPDATE_PERIOD", 0.1)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
async def test_random_keys_commands_and_resizes_never_end_the_app_and_panes_agree(seed):
    app = monkey_app()
    async with app.run_test(size=(120, 40)) as pilot:
        report = await run_monkey(pilot, seed, ACTIONS)
    assert report.actions == ACTIONS and report.keys + report.commands + report.resizes == ACTIONS
