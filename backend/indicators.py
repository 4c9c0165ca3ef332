"""Bar resampling and chart indicators on pandas: SMA, EMA, VWAP, Bollinger bands, RSI, MACD.

Both take the `Candles` struct. Resampling stays in its exact integers; indicators are computed on
float prices (display values) and `compute(candles, ["sma:20", "bb:20:2", ...])` returns plain lists
(None where undefined) ready to send over the API.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from backend.api.protocol import BASE_PRECISION, Candles

COLUMNS = ["t", "o", "h", "l", "c", "v", "n"]
# name -> (default params, max params)
INDICATORS: dict[str, tuple[tuple[float, ...], int]] = {
    "sma": ((20,), 1),
    "ema": ((20,), 1),
    "vwap": ((), 0),
    "bb": ((20, 2.0), 2),
    "rsi": ((14,), 1),
    "macd": ((12, 26, 9), 3),
}
MAX_PERIOD = 1000


class IndicatorError(ValueError):
    pass


def frame(candles: Candles) -> pd.DataFrame:
    """The bars as an int64 frame with the columns t, o, h, l, c, v, n (the struct's exact integers)."""
    columns = (candles.ts_s, candles.open, candles.high, candles.low, candles.close, candles.volume, candles.count)
    return pd.DataFrame({name: pd.Series(values, dtype="int64") for name, values in zip(COLUMNS, columns, strict=True)})


def float_frame(candles: Candles) -> pd.DataFrame:
    """The bars in human units as floats (prices × 10**expo, volume in base): what indicators are computed on."""
    df = frame(candles)
    scale = 10**-candles.expo
    for name in ("o", "h", "l", "c"):
        df[name] = df[name] / scale
    df["v"] = df["v"] / BASE_PRECISION
    return df


def resample(candles: Candles, tf: str, seconds: int) -> Candles:
    """Aggregate bars into `tf` (`seconds` wide) buckets aligned to the unix epoch (so 1d = UTC days); exact."""
    df = frame(candles)
    bucket = df["t"] - df["t"] % seconds
    out = df.groupby(bucket, sort=True).agg(
        o=("o", "first"), h=("h", "max"), l=("l", "min"), c=("c", "last"), v=("v", "sum"), n=("n", "sum")
    )
    o, h, lo, c, v, n = (out[name].tolist() for name in COLUMNS[1:])
    return Candles(candles.market, tf, candles.expo, out.index.tolist(), o, h, lo, c, v, n)


def sma(close: pd.Series, period: int) -> pd.Series:
    return close.rolling(period, min_periods=period).mean()


def ema(close: pd.Series, period: int) -> pd.Series:
    out = close.ewm(span=period, adjust=False, min_periods=period).mean()
    return out


def vwap(df: pd.DataFrame) -> pd.Series:
    """Session VWAP (resets at 00:00 UTC) of the typical price; weights are traded volume, or the
    observation count where no volume was reported."""
    weight = df["v"] if float(df["v"].sum()) > 0 else df["n"].astype(float)
    typical = (df["h"] + df["l"] + df["c"]) / 3.0
    day = df["t"] // 86400
    pv = (typical * weight).groupby(day).cumsum()
    w = weight.groupby(day).cumsum()
    return pv / w.replace(0, np.nan)


def bollinger(close: pd.Series, period: int, k: float) -> tuple[pd.Series, pd.Series, pd.Series]:
    mid = sma(close, period)
    sd = close.rolling(period, min_periods=period).std(ddof=0)
    return mid, mid + k * sd, mid - k * sd


def rsi(close: pd.Series, period: int) -> pd.Series:
    """Wilder's RSI: smoothed average gain / loss with alpha = 1/period."""
    delta = close.diff()
    gain = delta.clip(lower=0.0).ewm(alpha=1.0 / period, adjust=False, min_periods=period).mean()
    loss = (-delta.clip(upper=0.0)).ewm(alpha=1.0 / period, adjust=False, min_periods=period).mean()
    rs = gain / loss
    out = 100.0 - 100.0 / (1.0 + rs)
    return out.where(loss != 0, 100.0).where(gain.notna())


def macd(close: pd.Series, fast: int, slow: int, signal: int) -> tuple[pd.Series, pd.Series, pd.Series]:
    line = close.ewm(span=fast, adjust=False).mean() - close.ewm(span=slow, adjust=False).mean()
    line = line.where(pd.Series(range(len(close)), index=close.index) >= slow - 1)
    sig = line.ewm(span=signal, adjust=False, min_periods=signal).mean()
    return line, sig, line - sig


def parse_spec(spec: str) -> tuple[str, tuple[float, ...]]:
    """`"bb:20:2"` -> ("bb", (20, 2.0)); defaults fill missing params; raises IndicatorError."""
    name, *raw = spec.strip().lower().split(":")
    if name not in INDICATORS:
        raise IndicatorError(f"unknown indicator {name!r}; known: {', '.join(INDICATORS)}")
    defaults, most = INDICATORS[name]
    if len(raw) > most:
        raise IndicatorError(f"{name} takes at most {most} parameter(s), got {spec!r}")
    try:
        values = [float(x) for x in raw]
    except ValueError:
        raise IndicatorError(f"bad parameter in {spec!r}") from None
    params = tuple(values) + defaults[len(values) :]
    for i, p in enumerate(params):
        is_multiplier = name == "bb" and i == 1
        if not math.isfinite(p) or p <= 0 or (not is_multiplier and (p != int(p) or p > MAX_PERIOD)):
            raise IndicatorError(f"bad parameter {p:g} in {spec!r}")
    return name, params


def warmup(specs: Sequence[str]) -> int:
    """Extra bars to load before the window so the indicators are defined from its first bar."""
    longest = 0
    for spec in specs:
        name, params = parse_spec(spec)
        if name in ("sma", "bb"):
            longest = max(longest, int(params[0]))
        elif name in ("ema", "rsi"):
            longest = max(longest, int(params[0]) * 3)
        elif name == "macd":
            longest = max(longest, int(params[1]) * 3 + int(params[2]))
    return longest


def _plain(series: pd.Series) -> list[float | None]:
    return [None if v is None or not math.isfinite(v) else round(float(v), 10) for v in series.tolist()]


def compute(candles: Candles, specs: Sequence[str], skip: int = 0) -> dict[str, Any]:
    """Each spec's series over the bars, dropping the first `skip` (warm-up) rows."""
    out: dict[str, Any] = {}
    df = float_frame(candles)
    close = df["c"]
    for spec in specs:
        name, p = parse_spec(spec)
        if name == "sma":
            value: Any = _plain(sma(close, int(p[0]))[skip:])
        elif name == "ema":
            value = _plain(ema(close, int(p[0]))[skip:])
        elif name == "vwap":
            value = _plain(vwap(df)[skip:])
        elif name == "bb":
            mid, upper, lower = bollinger(close, int(p[0]), p[1])
            value = {"mid": _plain(mid[skip:]), "upper": _plain(upper[skip:]), "lower": _plain(lower[skip:])}
        elif name == "rsi":
            value = _plain(rsi(close, int(p[0]))[skip:])
        else:
            line, sig, hist = macd(close, int(p[0]), int(p[1]), int(p[2]))
            value = {"macd": _plain(line[skip:]), "signal": _plain(sig[skip:]), "hist": _plain(hist[skip:])}
        out[spec] = value
    return out
