"""QuantDesk's Textual themes and the up/down/warn CSS variables the widgets use.

Every theme defines `$up`, `$down`, `$warn` (text colours for rising / falling / attention),
`$up-flash`, `$down-flash` (cell backgrounds for a brief change flash) and `$muted-text` (an opaque
secondary text colour: Textual's `$text-muted` is translucent and turns white when a line-rendered
widget resolves it without its background). Colour is never the only
signal: widgets also print ▲▼ and +/- signs, so NO_COLOR and 256-colour terminals stay readable.
"""

from __future__ import annotations

from typing import Any

from textual.theme import Theme

# Fallbacks so widget CSS parses even when a built-in Textual theme is active.
VARIABLE_DEFAULTS: dict[str, str] = {
    "up": "#22c55e",
    "down": "#ef4444",
    "warn": "#f59e0b",
    "up-flash": "#14532d",
    "down-flash": "#7f1d1d",
    "muted-text": "#8c8c8c",
}


def _variables(up: str, down: str, warn: str, up_flash: str, down_flash: str, muted: str = "#8c8c8c") -> dict[str, str]:
    return {"up": up, "down": down, "warn": warn, "up-flash": up_flash, "down-flash": down_flash, "muted-text": muted}


DARK = Theme(
    name="quantdesk-dark",
    primary="#3b82f6",
    accent="#3b82f6",
    secondary="#60a5fa",
    foreground="#ffffff",
    background="#0a0a0a",
    surface="#1a1a1a",
    panel="#141414",
    success="#22c55e",
    error="#ef4444",
    warning="#f59e0b",
    dark=True,
    variables=_variables("#22c55e", "#ef4444", "#f59e0b", "#14532d", "#7f1d1d"),
)

LIGHT = Theme(
    name="quantdesk-light",
    primary="#2563eb",
    accent="#2563eb",
    secondary="#1d4ed8",
    foreground="#111111",
    background="#fafafa",
    surface="#ffffff",
    panel="#eeeeee",
    success="#15803d",
    error="#b91c1c",
    warning="#b45309",
    dark=False,
    variables=_variables("#15803d", "#b91c1c", "#b45309", "#bbf7d0", "#fecaca", "#5f5f5f"),
)

HIGH_CONTRAST = Theme(
    name="quantdesk-high-contrast",
    primary="#00aaff",
    accent="#ffff00",
    secondary="#00aaff",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#000000",
    success="#00ff00",
    error="#ff3030",
    warning="#ffff00",
    dark=True,
    luminosity_spread=0.3,
    text_alpha=1.0,
    variables=_variables("#00ff00", "#ff3030", "#ffff00", "#006400", "#8b0000", "#c0c0c0"),
)

# Blue / orange are distinguishable under the common red-green deficiencies.
COLORBLIND = Theme(
    name="quantdesk-colorblind",
    primary="#a78bfa",
    accent="#a78bfa",
    secondary="#c4b5fd",
    foreground="#ffffff",
    background="#0a0a0a",
    surface="#1a1a1a",
    panel="#141414",
    success="#3b82f6",
    error="#f97316",
    warning="#facc15",
    dark=True,
    variables=_variables("#3b82f6", "#f97316", "#facc15", "#1e3a8a", "#7c2d12"),
)

THEMES: dict[str, Theme] = {theme.name: theme for theme in (DARK, LIGHT, HIGH_CONTRAST, COLORBLIND)}
DEFAULT_THEME = DARK.name


def register_themes(app: Any, *, activate: str | None = DEFAULT_THEME) -> None:
    """Register every QuantDesk theme on `app`, make the up/down/warn variables resolvable under
    any theme, and (by default) switch to the seed dark theme. Call it in `App.__init__`."""
    for theme in THEMES.values():
        app.register_theme(theme)
    base_defaults = app.get_theme_variable_defaults
    # An App subclass may also override get_theme_variable_defaults and merge VARIABLE_DEFAULTS itself.
    app.get_theme_variable_defaults = lambda: {**VARIABLE_DEFAULTS, **base_defaults()}
    app.stylesheet.set_variables(app.get_css_variables())  # App.__init__ already took a copy
    if activate is not None:
        app.theme = activate
        # only ours in the palette's theme list: Textual's stock themes lack $up/$down/$warn colours
        for name in [n for n in app.available_themes if n not in THEMES and n != app.theme]:
            app.unregister_theme(name)
