"""The index benchmark still runs, and alflint and ONE index the same pairs on its tree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("one.alf.cache")

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_index.py"


@pytest.mark.parametrize("walker", ["collect", "minimal"])
def test_bench_index_smoke(tmp_path, walker):
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--files", "120", "--dir", str(tmp_path), "--walker", walker],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "3 sessions, 120 datasets" in out
    assert "same (session, rel_path) pairs in both tables: True (120 vs 120)" in out
    assert (tmp_path / "out_alflint" / "datasets.pqt").is_file()
