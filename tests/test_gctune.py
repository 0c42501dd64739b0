"""While a check runs the cyclic collector's thresholds are raised; afterwards they are the caller's."""

from __future__ import annotations

import gc

import pytest

import alflint
from alflint.engine import Engine
from alflint.gctune import YOUNG_THRESHOLD, rare_collections
from rule_cases import build_files

S = "subj/2021-01-01/001"

# A rule pack whose only rule reports the collector's thresholds as it sees them mid-check.
SPY_RULES = '''
import gc
from alflint.plugin import hookimpl
from alflint.rule import rule


@rule("SPY001", "gc-thresholds", "info", "session")
def gc_thresholds(session, ctx):
    """Reports the garbage collector's thresholds (a test probe)."""
    yield "thresholds %d %d %d" % gc.get_threshold()


@hookimpl
def alflint_rules():
    return [gc_thresholds]
'''


@pytest.fixture
def thresholds():
    """The test's own thresholds, restored whatever happens."""
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield (700, 10, 10)
    gc.set_threshold(*before)


def test_the_block_runs_with_a_raised_young_threshold_then_gets_the_old_ones_back(thresholds):
    with rare_collections():
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
    assert gc.get_threshold() == thresholds


def test_the_thresholds_come_back_when_the_block_raises(thresholds):
    with pytest.raises(KeyError), rare_collections():
        raise KeyError("boom")
    assert gc.get_threshold() == thresholds


def test_a_higher_threshold_of_the_caller_is_never_lowered():
    before = gc.get_threshold()
    higher = 2 * YOUNG_THRESHOLD
    gc.set_threshold(higher, 3, 4)
    try:
        with rare_collections():
            assert gc.get_threshold() == (higher, 3, 4)
        assert gc.get_threshold() == (higher, 3, 4)
    finally:
        gc.set_threshold(*before)


def test_cyclic_garbage_is_still_collected_inside_the_block(thresholds):
    """The raised threshold delays collections; it does not stop them: garbage cycles beyond
    it are freed while the block runs, so memory stays bounded."""
    freed = []

    def seen(phase, info):
        if phase == "stop":
            freed.append(info["collected"])

    gc.collect()
    gc.callbacks.append(seen)
    try:
        with rare_collections():
            for _ in range(YOUNG_THRESHOLD + 100_000):
                cycle: list = []
                cycle.append(cycle)
    finally:
        gc.callbacks.remove(seen)
    assert sum(freed) >= YOUNG_THRESHOLD // 2


def test_rules_run_with_the_raised_threshold_and_the_caller_keeps_its_own(tmp_path, thresholds):
    root = build_files(tmp_path, {f"{S}/alf/spikes.times.npy": None})
    (root / "spy_rules.py").write_text(SPY_RULES)
    (root / "alflint.toml").write_text('plugins = ["spy_rules.py"]\nselect = ["SPY001"]\n')
    report = alflint.check(root)
    assert [i.message for i in report.issues] == [f"thresholds {YOUNG_THRESHOLD} 10 10"]
    assert gc.get_threshold() == thresholds


def test_a_check_that_fails_gives_the_thresholds_back(tmp_path, thresholds):
    engine = Engine.create(tmp_path)
    with pytest.raises(FileNotFoundError):
        engine.check(tmp_path / "missing")  # raised inside the check, with the thresholds raised
    assert gc.get_threshold() == thresholds
