"""`index --update` without cached results: files are compared with the previous tables, and
only those that changed are checked (alflint.unchanged), in one process or split."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import alflint
from alflint import tables
from alflint.collect import collect
from alflint.engine import Engine
from alflint.partition import MIN_UNITS
from alflint.unchanged import PreviousFiles
from alflint.walk import walk


def aged_tree(root: Path, sessions: int) -> Path:
    """``sessions`` sessions of one consistent ``spikes`` object, files 10 s old (so the
    tables trust their mtimes), indexed with mtimes."""
    for i in range(sessions):
        alf = session(root, i) / "alf"
        alf.mkdir(parents=True)
        np.save(alf / "spikes.times.npy", np.arange(5, dtype=float))
        np.save(alf / "spikes.clusters.npy", np.arange(5))
    (root / "README.md").write_text("lab notes\n")
    for f in root.rglob("*"):
        if f.is_file():
            os.utime(f, ns=(f.stat().st_mtime_ns - 10**10,) * 2)
    alflint.index(root, update=True)
    return root


def session(root: Path, i: int) -> Path:
    return root / "subj" / f"2021-06-{1 + i // 9:02d}" / f"{1 + i % 9:03d}"


def corrupt_in_place(path: Path) -> None:
    """Zeros of the same size, the mtime put back: a change --update cannot see."""
    stamp = path.stat().st_mtime_ns
    path.write_bytes(b"\0" * path.stat().st_size)
    os.utime(path, ns=(stamp, stamp))


def test_changed_files_are_the_new_resized_and_touched_ones(tmp_path):
    root = aged_tree(tmp_path / "repo", 3)
    corrupt_in_place(session(root, 0) / "alf" / "spikes.clusters.npy")
    np.save(session(root, 1) / "alf" / "spikes.amps.npy", np.arange(5))  # new
    np.save(session(root, 1) / "alf" / "spikes.times.npy", np.arange(6, dtype=float))  # resized
    os.utime(session(root, 2) / "alf" / "spikes.times.npy")  # touched: same bytes, new mtime
    changed = PreviousFiles.read(root).changed(collect(walk(str(root))))
    assert {os.path.relpath(p, root) for p in changed} == {
        "subj/2021-06-01/002/alf/spikes.amps.npy",
        "subj/2021-06-01/002/alf/spikes.times.npy",
        "subj/2021-06-01/003/alf/spikes.times.npy",
        "README.md",  # outside every session: never in the tables, always checked
    }


def test_keys_from_the_states_equal_the_keys_read(tmp_path):
    root = aged_tree(tmp_path / "repo", 3)
    read = PreviousFiles.read(root)
    assert len(read) == 6
    assert np.array_equal(PreviousFiles.from_states(tables.previous_file_states(root)).keys, read.keys)


def test_no_trusted_rows_means_every_file_changed(tmp_path):
    root = aged_tree(tmp_path / "repo", 2)
    fresh = PreviousFiles.read(root, settle_ns=10**12)  # every mtime too close to the write
    assert len(fresh) == 0
    assert len(fresh.changed(collect(walk(str(root))))) == 5


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("sessions", [3, MIN_UNITS + 2], ids=["one process", "split"])
def test_only_what_changed_files_touch_is_checked_and_reported(tmp_path, sessions, jobs):
    root = aged_tree(tmp_path / "repo", sessions)
    corrupt_in_place(session(root, 0) / "alf" / "spikes.clusters.npy")  # an old problem, unseen
    np.save(session(root, 1) / "alf" / "spikes.amps.npy", np.arange(7))  # a new one: wrong length
    engine = Engine.create(root)
    full, _ = engine.check_records(root, jobs=jobs)
    assert {i.code for i in full.issues if i.path.startswith("subj/2021-06-01/001/")} >= {"ALF501"}
    report, records = engine.check_records(root, jobs=jobs, previous=PreviousFiles.read(root))
    assert report.files_checked == 2  # the new file and README.md
    assert report.sessions_checked == sessions and len(records) == sessions
    assert sorted((i.code, i.path) for i in report.issues if i.severity == "error") == [
        ("ALF302", "subj/2021-06-01/002/alf/spikes.*")]
    assert not any(i.path.startswith("subj/2021-06-01/001/") for i in report.issues)
    rows = sum(packed[0] for *_, packed in records if packed is not None)
    assert rows == 2 * sessions + 1  # every file still becomes a row


def test_a_check_of_changed_files_never_fills_the_result_cache(tmp_path):
    from alflint.partition import split_run

    root = aged_tree(tmp_path / "repo", MIN_UNITS + 2)
    with pytest.raises(ValueError, match="result cache"):
        split_run(Engine.create(root), str(root), None, jobs=1, cache=True, previous=PreviousFiles.read(root))


SESSION_RULE = '''
from alflint.plugin import hookimpl
from alflint.rule import rule


@rule("LAB950", "every-session", "error", "session")
def every_session(session, ctx):
    """Crashes on every session it sees, so the report counts the sessions checked."""
    raise RuntimeError(session.key)


@hookimpl
def alflint_rules():
    return [every_session]
'''


@pytest.mark.parametrize("sessions", [3, MIN_UNITS + 2], ids=["one process", "split"])
def test_session_rules_run_only_on_sessions_with_changed_files(tmp_path, sessions):
    root = aged_tree(tmp_path / "repo", sessions)
    (root / "lab_rules.py").write_text(SESSION_RULE)
    (root / "alflint.toml").write_text('plugins = ["lab_rules.py"]\nselect = ["LAB950"]\n')
    os.utime(session(root, 1) / "alf" / "spikes.times.npy")
    report, _ = Engine.create(root).check_records(root, jobs=2, previous=PreviousFiles.read(root))
    assert report.internal_errors == 1
    assert [(i.code, i.path) for i in report.issues] == [("ALF900", "subj/2021-06-01/002")]


def test_an_update_with_cached_results_never_reads_or_compares_the_tables(tmp_path):
    """The comparison (and its numpy import, 0.1 s before the workers start) is for updates
    without cached results only; an update that finds the tables up to date, as it left
    them, never imports pyarrow (0.4 s of CPU, taken from the workers when run meanwhile)."""
    import subprocess
    import sys

    root = aged_tree(tmp_path / "repo", MIN_UNITS + 2)
    script = ("import sys; from alflint.indexer import run_index; r = run_index(sys.argv[1], update=True); "
              "print(r.written, sorted(m for m in ('alflint.unchanged', 'pyarrow', 'pyarrow.compute') if m in sys.modules))")

    def update() -> str:
        return subprocess.run([sys.executable, "-c", script, str(root)], capture_output=True, text=True, check=True).stdout.strip()

    # aged_tree's update found the cache cold: it checked the whole tree, filling the cache
    assert update() == "False []"  # nothing changed: nothing read, compared or written
    os.utime(root / "datasets.pqt")  # someone touched the tables: they are written again
    assert update() == "True ['pyarrow']"
    assert update() == "False []"
    np.save(session(root, 1) / "alf" / "spikes.amps.npy", np.arange(5))
    assert update() == "True ['pyarrow']"


def test_reading_the_previous_files_imports_neither_pandas_nor_pyarrow_compute(tmp_path):
    """They are read before the workers start: pyarrow.compute's first comparison with a
    Python int imported pandas, 0.6 s in series at 200,000 rows."""
    import subprocess
    import sys

    root = aged_tree(tmp_path / "repo", 2)
    script = ("import sys; from alflint.unchanged import PreviousFiles; n = len(PreviousFiles.read(sys.argv[1])); "
              "print(n, sorted(m for m in ('pandas', 'pyarrow.compute') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", script, str(root)], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "4 []"
