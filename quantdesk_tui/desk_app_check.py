"""For mypy only: QuantDeskApp is a DeskApp, that is it has every attribute desk_app.py names (panes and
screens reach the app through it). Nothing imports this module; `make test` runs mypy on it."""

from quantdesk_tui.app import QuantDeskApp
from quantdesk_tui.desk_app import DeskApp

QUANTDESK_APP_IS_A_DESK_APP: type[DeskApp] = QuantDeskApp
