"""`config.toml` in QUANTDESK_HOME: theme, keymap, layouts, watchlist groups and trading settings.

A malformed file never stops the app: what cannot be read is ignored, the defaults stand, and
`warnings` says which line was ignored and why, for the app to show at start.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quantdesk_tui.layout import LayoutError, layout_from_data, layout_to_data

THEMES = ("quantdesk-dark", "quantdesk-light", "quantdesk-high-contrast", "quantdesk-colorblind")
THEME_ALIASES = {"dark": "quantdesk-dark", "light": "quantdesk-light", "high-contrast": "quantdesk-high-contrast",
                 "contrast": "quantdesk-high-contrast", "colorblind": "quantdesk-colorblind",
                 "colourblind": "quantdesk-colorblind"}


@dataclass
class Config:
    theme: str = "quantdesk-dark"
    vim_keys: bool = False
    bell: bool = False
    confirm_notional: float = 10_000.0  # USD: orders above it need a second confirm
    confirm_free_fraction: float = 0.5  # ...and so do orders whose notional is above this share of free collateral
    default_layout: str = "trade"
    keymap: dict[str, str] = field(default_factory=dict)  # binding id -> keys
    layouts: dict[str, Any] = field(default_factory=dict)  # name -> layout tree data
    groups: dict[str, list[str]] = field(default_factory=dict)  # watchlist groups
    risk: dict[str, Any] = field(default_factory=dict)  # the backend's [risk] table, kept as written
    warnings: list[str] = field(default_factory=list)
    path: Path | None = None


def config_path(home: Path) -> Path:
    return home / "config.toml"


def _line_of(text: str, needle: str) -> int:
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip().lstrip("\"'").startswith(needle):
            return n
    return 0


def load_config(home: Path) -> Config:
    path = config_path(home)
    config = Config(path=path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return config
    except OSError as exc:
        config.warnings.append(f"{path}: cannot read ({exc.strerror}); using defaults")
        return config
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        config.warnings.append(f"{path}: {exc}; the file was ignored, using defaults")
        return config

    def warn(key: str, why: str) -> None:
        line = _line_of(text, key.split(".", 1)[-1])
        where = f"{path.name}:{line}" if line else path.name
        config.warnings.append(f"{where}: ignored `{key}`: {why}")

    theme = data.get("theme")
    if theme is not None:
        name = THEME_ALIASES.get(str(theme), str(theme))
        if name in THEMES:
            config.theme = name
        else:
            warn("theme", f"unknown theme {theme!r}; themes: {', '.join(THEME_ALIASES)}")
    for key in ("vim_keys", "bell"):
        if key in data:
            if isinstance(data[key], bool):
                setattr(config, key, data[key])
            else:
                warn(key, "must be true or false")
    if "confirm_notional" in data:
        value = data["confirm_notional"]
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            config.confirm_notional = float(value)
        else:
            warn("confirm_notional", "must be a number of USD ≥ 0")
    if "confirm_free_fraction" in data:
        value = data["confirm_free_fraction"]
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            config.confirm_free_fraction = float(value)
        else:
            warn("confirm_free_fraction", "must be a number ≥ 0 (0.5 = half the free collateral; 0 = off)")
    if "default_layout" in data:
        config.default_layout = str(data["default_layout"])
    for binding_id, keys in (data.get("keymap") or {}).items():
        if isinstance(keys, str) and keys.strip():
            config.keymap[binding_id] = keys
        else:
            warn(f"keymap.{binding_id}", "must be a key string such as \"ctrl+b\"")
    for name, tree in (data.get("layouts") or {}).items():
        try:
            layout_from_data(tree)
        except LayoutError as exc:
            warn(f"layouts.{name}", str(exc))
            continue
        config.layouts[name] = tree
    for name, symbols in (data.get("groups") or {}).items():
        if isinstance(symbols, list) and all(isinstance(s, str) for s in symbols):
            config.groups[name] = [s.upper() for s in symbols]
        else:
            warn(f"groups.{name}", "must be a list of market symbols")
    if isinstance(data.get("risk"), dict):
        config.risk = data["risk"]
    return config


def save_config(config: Config) -> None:
    """Write the settings back (atomically); comments in a hand-edited file are not kept."""
    assert config.path is not None
    lines = [
        "# QuantDesk TUI settings (written by the app; edit freely)",
        f"theme = {_toml(config.theme)}",
        f"vim_keys = {_toml(config.vim_keys)}",
        f"bell = {_toml(config.bell)}",
        f"confirm_notional = {_toml(config.confirm_notional)}",
        f"confirm_free_fraction = {_toml(config.confirm_free_fraction)}",
        f"default_layout = {_toml(config.default_layout)}",
        "",
        "[keymap]",
        *(f"{_key(k)} = {_toml(v)}" for k, v in sorted(config.keymap.items())),
        "",
        "[groups]",
        *(f"{_key(k)} = {_toml(v)}" for k, v in sorted(config.groups.items())),
        "",
        "[layouts]",
        *(f"{_key(k)} = {_toml(v)}" for k, v in sorted(config.layouts.items())),
        "",
    ]
    if config.risk:
        lines += ["[risk]", *(f"{_key(k)} = {_toml(v)}" for k, v in config.risk.items()), ""]
    tmp = config.path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    os.replace(tmp, config.path)


def save_layout(config: Config, name: str, tree: Any) -> None:
    config.layouts[name] = layout_to_data(tree) if not isinstance(tree, dict | str) else tree
    save_config(config)


def _key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else _toml(key)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")
