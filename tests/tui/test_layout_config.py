from __future__ import annotations

from quantdesk_tui.config import load_config, save_config
from quantdesk_tui.layout import (
    BUILTIN_LAYOUTS,
    LayoutError,
    Split,
    folds_to_tabs,
    layout_from_data,
    layout_to_data,
    panes_of,
    remove_pane,
    resize_pane,
    split_pane,
    swap_panes,
)


def test_builtin_layouts_parse_and_round_trip():
    for data in BUILTIN_LAYOUTS.values():
        assert layout_to_data(layout_from_data(data)) == data
    assert panes_of(layout_from_data(BUILTIN_LAYOUTS["trade"])) == [
        "chart",
        "blotter",
        "ticket",
        "book",
        "trades",
        "alerts",
    ]


def test_split_hide_swap_resize():
    tree = layout_from_data({"split": "h", "children": ["chart", "book"]})
    tree = split_pane(tree, "book", "ticket", "v")
    assert layout_to_data(tree) == {
        "split": "h",
        "sizes": [1, 1],
        "children": ["chart", {"split": "v", "sizes": [1, 1], "children": ["book", "ticket"]}],
    }
    assert layout_to_data(remove_pane(tree, "book")) == {"split": "h", "sizes": [1, 1], "children": ["chart", "ticket"]}
    assert panes_of(swap_panes(tree, "chart", "ticket")) == ["ticket", "book", "chart"]
    assert resize_pane(tree, "chart", 2).sizes == [3, 1]


def test_last_pane_cannot_be_hidden_and_duplicates_refused():
    import pytest

    with pytest.raises(LayoutError, match="^the last pane cannot be hidden$"):
        remove_pane("chart", "chart")
    with pytest.raises(LayoutError, match="^book is already in the layout$"):
        split_pane(Split("h", ["chart", "book"]), "chart", "book", "v")


def test_small_terminals_fold_to_tabs():
    assert folds_to_tabs(80, 24) and folds_to_tabs(120, 29) and not folds_to_tabs(120, 40)


def test_malformed_config_keeps_defaults_and_names_the_line(quantdesk_home):
    (quantdesk_home / "config.toml").write_text('theme = "light"\nbell = "loud"\n[keymap]\n"app.quit" = 5\n')
    config = load_config(quantdesk_home)
    assert config.theme == "quantdesk-light" and config.bell is False and config.keymap == {}
    assert config.warnings == [
        'config.toml:2: ignored `bell`: expected true or false, not "loud" [CONFIG_BAD_VALUE]',
        "config.toml:4: ignored `keymap.app.quit`: expected a quoted string (not empty), not 5 [CONFIG_BAD_VALUE]",
    ]


def test_unparseable_config_is_ignored_whole_with_the_line(quantdesk_home):
    (quantdesk_home / "config.toml").write_text('theme = "dark"\nbell = tru\n')
    config = load_config(quantdesk_home)
    assert config.theme == "quantdesk-dark"
    assert len(config.warnings) == 1 and "line 2" in config.warnings[0]


def test_config_round_trips_layouts_keymap_groups(quantdesk_home):
    config = load_config(quantdesk_home)
    config.keymap["app.quit"] = "ctrl+q"
    config.groups["majors"] = ["SOL-PERP", "BTC-PERP"]
    config.layouts["mine"] = BUILTIN_LAYOUTS["chart"]
    config.theme = "quantdesk-colorblind"
    save_config(config)
    again = load_config(quantdesk_home)
    assert (again.keymap, again.groups, again.layouts, again.theme, again.warnings) == (
        {"app.quit": "ctrl+q"},
        {"majors": ["SOL-PERP", "BTC-PERP"]},
        {"mine": BUILTIN_LAYOUTS["chart"]},
        "quantdesk-colorblind",
        [],
    )


def test_saving_tui_settings_keeps_the_backends_risk_table(tmp_path):
    import tomllib

    from quantdesk_tui.config import load_config, save_config

    (tmp_path / "config.toml").write_text('theme = "light"\n[risk]\nmax_leverage = "10"\n')
    config = load_config(tmp_path)
    config.bell = True
    save_config(config)
    assert tomllib.loads((tmp_path / "config.toml").read_text())["risk"] == {"max_leverage": "10"}
