"""Shared test set-up: alflint's user cache (validated-configuration stamps) goes to a
temporary folder, so tests never read or write the real ~/.cache and never depend on order."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))
