"""config.toml: the Config struct is the schema; a save keeps the user's comments and changes only what changed."""

from __future__ import annotations

from quantdesk_tui.config import Config, ConfigErrorCode, ConfigProblem, load_config, save_config

HAND_WRITTEN = """\
# my settings -- keep this line
theme = "light"   # easier on the eyes in the day
bell = false

# orders above this need a confirm
confirm_notional = 2500.0

[keymap]
# quit with ctrl+q, as everywhere else
"app.quit" = "ctrl+q"

[risk]
max_leverage = "10"  # the backend's table
"""


def test_a_save_that_changes_one_key_keeps_every_comment_and_line_of_the_file(quantdesk_home):
    path = quantdesk_home / "config.toml"
    path.write_text(HAND_WRITTEN)
    config = load_config(quantdesk_home)
    config.confirm_notional = 5000.0
    save_config(config)
    assert path.read_text() == HAND_WRITTEN.replace("confirm_notional = 2500.0", "confirm_notional = 5000.0")


def test_an_unchanged_save_leaves_the_file_byte_for_byte(quantdesk_home):
    path = quantdesk_home / "config.toml"
    path.write_text(HAND_WRITTEN)
    save_config(load_config(quantdesk_home))
    assert path.read_text() == HAND_WRITTEN


def test_a_new_binding_and_a_removed_layout_touch_only_their_own_lines(quantdesk_home):
    path = quantdesk_home / "config.toml"
    path.write_text('bell = true  # ring\n\n[layouts]\nold = "chart"\nkeep = "book"\n')
    config = load_config(quantdesk_home)
    config.layouts.pop("old")
    config.keymap["trade.buy"] = "b"
    save_config(config)
    assert path.read_text() == 'bell = true  # ring\n\n[layouts]\nkeep = "book"\n\n[keymap]\n"trade.buy" = "b"\n'


def test_a_setting_the_loader_ignored_stays_in_the_file_for_the_user_to_fix(quantdesk_home):
    path = quantdesk_home / "config.toml"
    path.write_text('bell = "loud"\n[keymap]\n"app.quit" = 5\n')
    config = load_config(quantdesk_home)
    config.vim_keys = True
    save_config(config)
    assert path.read_text() == 'bell = "loud"\nvim_keys = true\n\n[keymap]\n"app.quit" = 5\n'


def test_each_ignored_setting_is_a_problem_with_a_stable_code_and_its_line(quantdesk_home):
    (quantdesk_home / "config.toml").write_text('confirm_notional = -5\n[groups]\nmajors = ["sol-perp"]\nbad = 3\n')
    config = load_config(quantdesk_home)
    assert config.confirm_notional == 10_000.0 and config.groups == {"majors": ["SOL-PERP"]}
    assert config.problems == [
        ConfigProblem(ConfigErrorCode.BAD_VALUE, "confirm_notional", 1, "expected a number ≥ 0, not -5"),
        ConfigProblem(ConfigErrorCode.BAD_VALUE, "groups.bad", 4, "expected a list of quoted strings, not 3"),
    ]


def test_a_file_that_is_not_toml_is_one_syntax_problem_and_the_defaults(quantdesk_home):
    (quantdesk_home / "config.toml").write_text('theme = "dark"\nbell = tru\n')
    config = load_config(quantdesk_home)
    assert config == Config(path=config.path, problems=config.problems, warnings=config.warnings)
    assert [(p.code, p.line) for p in config.problems] == [(ConfigErrorCode.SYNTAX, 2)]


def test_a_first_save_writes_a_header_and_only_the_settings_that_differ_from_the_defaults(quantdesk_home):
    config = load_config(quantdesk_home)
    config.theme = "quantdesk-colorblind"
    config.groups["majors"] = ["SOL-PERP", "BTC-PERP"]
    save_config(config)
    assert (quantdesk_home / "config.toml").read_text() == (
        "# QuantDesk TUI settings (written by the app; edit freely, comments are kept)\n"
        'theme = "quantdesk-colorblind"\n\n[groups]\nmajors = ["SOL-PERP", "BTC-PERP"]\n'
    )
