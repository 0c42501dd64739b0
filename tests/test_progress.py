"""The progress bar: only on a terminal, never in pre-commit, CI, pipes or log files."""

from __future__ import annotations

import io
import os
import pty

import pytest

from alflint import progress


@pytest.fixture
def terminal():
    leader, follower = pty.openpty()
    stream = os.fdopen(follower, "w")
    yield stream
    stream.close()
    os.close(leader)


def test_wanted_only_on_a_terminal(terminal, monkeypatch):
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    monkeypatch.delenv("CI", raising=False)
    assert progress.wanted(terminal)
    assert not progress.wanted(io.StringIO())


@pytest.mark.parametrize("variable", ["PRE_COMMIT", "CI"])
def test_never_inside_pre_commit_or_ci(terminal, monkeypatch, variable):
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv(variable, "1")
    assert not progress.wanted(terminal)


def test_no_bar_when_standard_error_is_not_a_terminal(monkeypatch, capsys):
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    monkeypatch.delenv("CI", raising=False)
    assert progress.progress_bar(100) is None  # pytest captures stderr: not a terminal


def test_a_bar_draws_on_a_terminal_after_its_delay(terminal, monkeypatch):
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(progress.sys, "stderr", terminal)
    bar = progress.progress_bar(10)
    assert bar is not None
    bar(5)
    bar.close()
