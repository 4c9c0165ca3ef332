"""`config.toml` in QUANTDESK_HOME: theme, keymap, layouts, watchlist groups and trading settings.

The schema is the `Config` struct: msgspec checks each setting against its field's type, so there is
no hand-written validator. A malformed file never stops the app: a setting that fails its type is
ignored, the default stands, and a `ConfigProblem` (stable code, line, reason) says why. Saving goes
through tomlkit and touches only the settings that changed, so the user's comments, order and
spacing survive, and so do tables this module does not own (the backend's `[risk]`).
"""

from __future__ import annotations

import os
import re
import tomllib
import typing
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import msgspec

from quantdesk_tui.layout import LayoutError, layout_from_data, layout_to_data

if TYPE_CHECKING:
    from tomlkit.items import Table

# Reading uses the standard library's tomllib; tomlkit, which writes the file back with the user's
# comments, is imported only to save (it costs ~20 ms, before the TUI's first frame otherwise).
_TOML_ERROR_LINE = re.compile(r"at line (\d+)")

THEMES: tuple[ThemeName, ...] = ("quantdesk-dark", "quantdesk-light", "quantdesk-high-contrast", "quantdesk-colorblind")
THEME_ALIASES = {
    "dark": "quantdesk-dark",
    "light": "quantdesk-light",
    "high-contrast": "quantdesk-high-contrast",
    "contrast": "quantdesk-high-contrast",
    "colorblind": "quantdesk-colorblind",
    "colourblind": "quantdesk-colorblind",
}
ThemeName = Literal[
    "quantdesk-dark",
    "quantdesk-light",
    "quantdesk-high-contrast",
    "quantdesk-colorblind",
    "dark",
    "light",
    "high-contrast",
    "contrast",
    "colorblind",
    "colourblind",
]
NonNegative = Annotated[float, msgspec.Meta(ge=0)]
KeyString = Annotated[str, msgspec.Meta(min_length=1)]
HEADER = "QuantDesk TUI settings (written by the app; edit freely, comments are kept)"


class ConfigErrorCode(StrEnum):
    UNREADABLE = "CONFIG_UNREADABLE"  # the file exists but cannot be read
    SYNTAX = "CONFIG_SYNTAX"  # not TOML: the whole file is ignored
    BAD_VALUE = "CONFIG_BAD_VALUE"  # one setting has the wrong type or range: that setting is ignored


class ConfigProblem(msgspec.Struct, frozen=True):
    code: ConfigErrorCode
    key: str  # dotted, e.g. "keymap.app.quit"; "" for the whole file
    line: int  # 1-based; 0 when unknown
    reason: str


class Config(msgspec.Struct, kw_only=True):
    """The TUI's settings. Fields before `problems` are the file's keys; the rest is bookkeeping."""

    theme: ThemeName = "quantdesk-dark"
    """Colour theme: quantdesk-dark, quantdesk-light, quantdesk-high-contrast, quantdesk-colorblind (or dark,
    light, contrast, colorblind). Loading resolves an alias to the full name."""
    vim_keys: bool = False
    """h/j/k/l (and friends) move the focus, as in vim."""
    bell: bool = False
    """Ring the terminal bell on fills and alerts."""
    confirm_notional: NonNegative = 10_000.0
    """USD: an order whose notional is above this needs a second confirm."""
    confirm_free_fraction: NonNegative = 0.5
    """An order whose notional is above this share of free collateral also needs a confirm (0 = off)."""
    default_layout: str = "trade"
    """The layout a terminal opens with when `--layout` is not given."""
    keymap: dict[str, KeyString] = {}
    """Binding id -> keys, e.g. `"app.quit" = "ctrl+q"`; replaces the default keys of that binding."""
    layouts: dict[str, Any] = {}
    """Saved layouts by name: a pane name or a split tree {split, sizes, children}."""
    groups: dict[str, list[str]] = {}
    """Watchlist groups: name -> market symbols (upper-cased on load)."""
    problems: list[ConfigProblem] = []
    """What loading ignored and why (not a file key)."""
    warnings: list[str] = []
    """Lines the app shows at start: the problems, rendered, and anything the app adds (not a file key)."""
    path: Path | None = None
    """Where the settings are saved (not a file key)."""


BOOKKEEPING = frozenset({"problems", "warnings", "path"})
FIELDS = {f.name: f for f in msgspec.structs.fields(Config) if f.name not in BOOKKEEPING}
TABLES = frozenset(name for name, f in FIELDS.items() if typing.get_origin(f.type) is dict)


def config_path(home: Path) -> Path:
    return home / "config.toml"


def load_config(home: Path) -> Config:
    path = config_path(home)
    config = Config(path=path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return config
    except OSError as exc:
        reason = f"cannot read ({exc.strerror}); using defaults"
        _report(config, ConfigProblem(ConfigErrorCode.UNREADABLE, "", 0, reason))
        return config
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _TOML_ERROR_LINE.search(str(exc))
        _report(
            config,
            ConfigProblem(
                ConfigErrorCode.SYNTAX,
                "",
                int(line.group(1)) if line else 0,
                f"{exc}; the file was ignored, using defaults",
            ),
        )
        return config
    values, problems = settings_from(data, text)
    for name, value in values.items():
        setattr(config, name, value)
    for problem in problems:
        _report(config, problem)
    return config


def settings_from(data: dict[str, Any], text: str = "") -> tuple[dict[str, Any], list[ConfigProblem]]:
    """The valid settings in a parsed file (name -> value) and a problem for each one ignored.

    A table is checked entry by entry, so one bad key binding does not cost the others."""
    values: dict[str, Any] = {}
    problems: list[ConfigProblem] = []

    def problem(key: str, reason: str) -> None:
        problems.append(ConfigProblem(ConfigErrorCode.BAD_VALUE, key, _line_of(text, key.split(".", 1)[-1]), reason))

    for name, field in FIELDS.items():
        if name not in data:
            continue
        if name not in TABLES:
            try:
                values[name] = _normalised(name, msgspec.convert(data[name], field.type, strict=True))
            except msgspec.ValidationError as exc:
                problem(name, _reason(exc, field.type, data[name]))
            continue
        if not isinstance(data[name], dict):
            problem(name, f"must be a table ([{name}])")
            continue
        item_type = typing.get_args(field.type)[1]
        entries: dict[str, Any] = {}
        for key, item in data[name].items():
            try:
                entries[key] = _normalised(name, msgspec.convert(item, item_type, strict=True))
            except (msgspec.ValidationError, LayoutError) as exc:
                problem(f"{name}.{key}", _reason(exc, item_type, item))
        values[name] = entries
    return values, problems


def _normalised(name: str, value: Any) -> Any:
    """The one place a valid setting is put into canonical form (and layouts are checked as trees)."""
    if name == "theme":
        return THEME_ALIASES.get(value, value)
    if name == "groups":
        return [symbol.upper() for symbol in value]
    if name == "layouts":
        layout_from_data(value)  # raises LayoutError on a tree that cannot be built
    return value


def _reason(exc: Exception, expected: Any, value: Any) -> str:
    if isinstance(exc, LayoutError):
        return str(exc)
    return f"expected {_described(expected)}, not {_as_toml(value)}"


def _as_toml(value: Any) -> str:
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        return tomlkit.item(value).as_string()
    except (TypeError, ValueError, TOMLKitError):
        return repr(value)


def _described(kind: Any) -> str:
    """A type as a person editing TOML reads it: `bool` is "true or false"."""
    bound = ""
    if typing.get_origin(kind) is Annotated:
        kind, *metas = typing.get_args(kind)
        for meta in metas:
            if meta.ge is not None:
                bound = f" ≥ {meta.ge:g}"
            elif meta.min_length:
                bound = " (not empty)"
    if typing.get_origin(kind) is Literal:
        return "one of " + ", ".join(typing.get_args(kind))
    if typing.get_origin(kind) is list:
        return f"a list of {_described(typing.get_args(kind)[0]).removeprefix('a ')}s"
    words = {bool: "true or false", float: "a number", int: "a whole number", str: "a quoted string"}
    return words.get(kind, getattr(kind, "__name__", str(kind))) + bound


def _report(config: Config, problem: ConfigProblem) -> None:
    config.problems.append(problem)
    name = config.path.name if config.path is not None else "config.toml"
    where = f"{name}:{problem.line}" if problem.line else name
    what = f"ignored `{problem.key}`: " if problem.key else ""
    config.warnings.append(f"{where}: {what}{problem.reason} [{problem.code}]")


def _line_of(text: str, needle: str) -> int:
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip().lstrip("\"'").startswith(needle):
            return n
    return 0


# -- saving ----------------------------------------------------------------------------------------------------------


def save_config(config: Config) -> None:
    """Write the settings that differ from what the file says (atomically); everything else is left as it is.

    The file is read again first: another terminal or the backend may have written it since it was loaded."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    assert config.path is not None
    try:
        text = config.path.read_text(encoding="utf-8")
        document = tomlkit.parse(text)
    except (FileNotFoundError, TOMLKitError):  # an unreadable file was ignored at load; start over
        text, document = "", tomlkit.document()
        document.add(tomlkit.comment(HEADER))
    on_file, _ = settings_from(document.unwrap(), text)
    for name, field in FIELDS.items():
        value = getattr(config, name)
        if name in TABLES:
            _update_table(document, name, value, on_file.get(name, {}))
        elif value != on_file.get(name, field.default):
            document[name] = value
    tmp = config.path.with_suffix(".tmp")
    tmp.write_text(tomlkit.dumps(document), encoding="utf-8")
    os.replace(tmp, config.path)


def _update_table(document: Any, name: str, wanted: dict[str, Any], on_file: dict[str, Any]) -> None:
    """Set the entries that changed and drop the ones removed; an entry the loader ignored stays for the user."""
    import tomlkit

    if wanted == on_file:
        return
    if name not in document:
        document.add(tomlkit.nl())
        document[name] = tomlkit.table()
    table: Table = document[name]
    for key in on_file.keys() - wanted.keys():
        del table[key]
    for key, value in wanted.items():
        if on_file.get(key) != value:
            table[key] = _inline(value)


def _inline(value: Any) -> Any:
    """Nested data as inline tables and arrays, one line per entry, as a person would write it."""
    if isinstance(value, dict):
        import tomlkit

        table = tomlkit.inline_table()
        table.update({k: _inline(v) for k, v in value.items()})
        return table
    if isinstance(value, list):
        return [_inline(v) for v in value]
    return value


def save_layout(config: Config, name: str, tree: Any) -> None:
    config.layouts[name] = layout_to_data(tree) if not isinstance(tree, dict | str) else tree
    save_config(config)
