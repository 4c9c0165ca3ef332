"""Scripted market moves for the simulated oracle: `quantdesk backend --feed sim --scenario FILE.toml`.

A scenario is a list of moves in model seconds since the backend started:

    [[move]]                    # SOL falls 12% over 20 s, starting 30 s in
    market = "SOL-PERP"
    kind = "crash"              # jump | crash | drift: move `pct` over `over` (0 = one step)
    at = "30s"                  # 45, "45s", "2m", "1h"
    pct = -12
    over = "20s"

    [[move]]
    market = "BTC-PERP"
    kind = "vol"                # a volatility regime: `mult` x the feed's volatility for `over`
    at = "1m"
    mult = 4
    over = "5m"

Moves add to the random walk (they do not replace it) and are a pure function of the step number,
so a seed and a scenario give the same prices every run. A jump or a crash widens the confidence
band as a real jump does. What the venue saw is journalled with each instruction, so replay is exact.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from programs.quantdesk_perp.markets import MARKETS_BY_SYMBOL, normalize_symbol

MOVE_KINDS = ("jump", "crash", "drift")
KINDS = (*MOVE_KINDS, "vol")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$")
_UNIT_SECONDS = {None: 1.0, "s": 1.0, "m": 60.0, "h": 3600.0}


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the move and the field."""


@dataclass(slots=True, frozen=True)
class Move:
    market: str
    kind: str
    at: float  # model seconds since start
    over: float = 0.0
    pct: float = 0.0  # jump / crash / drift
    mult: float = 1.0  # vol

    def log_move_done(self, t: float) -> float:
        """How much of this move's log-return has happened by model time t."""
        if self.kind not in MOVE_KINDS or t < self.at:
            return 0.0
        done = 1.0 if self.over <= 0 else min(1.0, (t - self.at) / self.over)
        return math.log1p(self.pct / 100.0) * done

    def vol_mult(self, t: float) -> float:
        return self.mult if self.kind == "vol" and self.at <= t < self.at + self.over else 1.0

    def widens_conf(self, before: float, t: float) -> bool:
        return self.kind in ("jump", "crash") and before < self.at + self.over and t >= self.at


def seconds_of(value: Any, what: str) -> float:
    """Seconds from 45, 4.5, "45s", "2m" or "1h" (kept local: one small grammar for scenario files)."""
    if isinstance(value, bool):
        raise ScenarioError(f"{what} must be seconds or like 30s, 5m, 1h; got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ScenarioError(f"{what} must be seconds or like 30s, 5m, 1h; got {value!r}")
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if not math.isfinite(seconds) or seconds < 0:
        raise ScenarioError(f"{what} must be a duration of 0 or more; got {value!r}")
    return seconds


def _number(raw: dict[str, Any], key: str, what: str, default: float | None = None) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(f"{what}: {key} must be a number, got {value!r}")
    return float(value)


def parse_move(raw: Any, index: int) -> Move:
    what = f"move {index + 1}"
    if not isinstance(raw, dict):
        raise ScenarioError(f"{what} must be a table ([[move]])")
    unknown = sorted(set(raw) - {"market", "kind", "at", "over", "pct", "mult"})
    if unknown:
        raise ScenarioError(f"{what}: unknown field(s) {', '.join(unknown)}")
    market = normalize_symbol(str(raw.get("market", "")))
    if market not in MARKETS_BY_SYMBOL:
        raise ScenarioError(f"{what}: unknown market {raw.get('market')!r}")
    kind = str(raw.get("kind", ""))
    if kind not in KINDS:
        raise ScenarioError(f"{what}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
    at = seconds_of(raw.get("at", 0), f"{what}: at")
    over = seconds_of(raw.get("over", 0), f"{what}: over")
    if kind == "vol":
        mult = _number(raw, "mult", what)
        if not 0 < mult <= 100 or over <= 0:
            raise ScenarioError(f"{what}: a vol regime needs 0 < mult <= 100 and over > 0")
        return Move(market, kind, at, over, mult=mult)
    pct = _number(raw, "pct", what)
    if not -99 <= pct <= 1000:
        raise ScenarioError(f"{what}: pct must be between -99 and 1000, got {pct:g}")
    return Move(market, kind, at, over, pct=pct)


@dataclass(slots=True, frozen=True)
class Scenario:
    moves: tuple[Move, ...]

    def for_market(self, market: str) -> tuple[Move, ...]:
        return tuple(m for m in self.moves if m.market == market)


def parse_scenario(text: str) -> Scenario:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"move"})
    if unknown:
        raise ScenarioError(f"unknown section(s) {', '.join(unknown)}; a scenario is a list of [[move]]")
    moves = data.get("move", [])
    if not isinstance(moves, list) or not moves:
        raise ScenarioError("a scenario needs at least one [[move]]")
    return Scenario(tuple(parse_move(raw, i) for i, raw in enumerate(moves)))


def load_scenario(path: str | Path) -> Scenario:
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario {path}: {exc.strerror}") from None
    return parse_scenario(text)


@dataclass(slots=True)
class ScriptedPath:
    """One market's moves, stepped with the walk: the extra log-return and volatility of each step."""

    moves: tuple[Move, ...]
    step_seconds: float
    done: float = 0.0  # log-return applied so far

    def step(self, steps: int) -> tuple[float, float, bool]:
        """(extra log-return, volatility multiplier, widen confidence) for step number `steps`."""
        t, before = steps * self.step_seconds, (steps - 1) * self.step_seconds
        target = sum(m.log_move_done(t) for m in self.moves)
        extra, self.done = target - self.done, target
        vol = math.prod(m.vol_mult(t) for m in self.moves)
        return extra, vol, any(m.widens_conf(before, t) for m in self.moves)
