"""Scripted sim moves: crashes land where the file says, vol regimes scale the noise, bad files are named."""

from __future__ import annotations

import math

import pytest

from backend.oracle.scenario import ScenarioError, parse_scenario
from backend.oracle.sim import SimOracle

CRASH = """
[[move]]
market = "SOL-PERP"
kind = "crash"
at = "2s"
pct = -20
over = "1s"
"""


def _prices(sim: SimOracle, steps: int) -> list[float]:
    return [o.price * 10.0**o.expo for o in sim.next_observations(steps, now=1_800_000_000.0)]


def test_a_crash_moves_the_walk_by_exactly_its_percent_on_top_of_the_same_noise():
    plain = SimOracle(seed=5, tick_rate=10.0, markets=["SOL-PERP"])  # one feed: 0.1 model seconds a step
    scripted = SimOracle(seed=5, tick_rate=10.0, markets=["SOL-PERP"], scenario=parse_scenario(CRASH))
    before, after = _prices(plain, 40), _prices(scripted, 40)
    assert before[:19] == after[:19]  # steps 1..19 end before t = 2 s
    assert after[39] / before[39] == pytest.approx(0.8, rel=1e-6)  # the whole crash has happened by t = 3 s
    assert after[24] / before[24] == pytest.approx(math.exp(math.log(0.8) * 0.5), rel=1e-6)  # halfway at 2.5 s


def test_a_shock_moves_the_next_step_and_resume_continues_from_a_price():
    sim = SimOracle(seed=5, tick_rate=10.0, markets=["SOL-PERP"])
    sim.resume_from({"SOL-PERP": 120.0})
    reference = SimOracle(seed=5, tick_rate=10.0, markets=["SOL-PERP"])
    reference.resume_from({"SOL-PERP": 120.0})
    assert sim.shock("SOL-PERP", -10) == pytest.approx(108.0)
    assert _prices(sim, 1)[0] / _prices(reference, 1)[0] == pytest.approx(0.9, rel=1e-6)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[move]]\nmarket = 'DOGE'\nkind = 'jump'\npct = 5", "move 1: unknown market 'DOGE'"),
        ("[[move]]\nmarket = 'SOL'\nkind = 'melt'\npct = 5", "move 1: kind must be one of jump, crash, drift, vol"),
        ("[[move]]\nmarket = 'SOL'\nkind = 'jump'\npct = -100", "move 1: pct must be between -99 and 1000, got -100"),
        ("[[move]]\nmarket = 'SOL'\nkind = 'vol'\nmult = 3", "move 1: a vol regime needs 0 < mult <= 100 and over > 0"),
        ("[[move]]\nmarket = 'SOL'\nkind = 'jump'\npct = 5\nat = 'soon'", "move 1: at must be seconds or like"),
        ("title = 'x'", "unknown section(s) title"),
        ("[[move", "not valid TOML"),
    ],
)
def test_bad_scenarios_are_refused_with_what_to_fix(text, message):
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text)
    assert str(err.value).startswith(message)
