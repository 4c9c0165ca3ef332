"""Every test gets its own QUANTDESK_HOME so no state leaks between tests or into the user's home."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def quantdesk_home(tmp_path, monkeypatch):
    home = tmp_path / "qdhome"
    home.mkdir()
    monkeypatch.setenv("QUANTDESK_HOME", str(home))
    return home
