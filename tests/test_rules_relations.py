"""ALF306-ALF308: relations between objects and the order of times, reading real values."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import alflint
from alflint.config import Config
from trees import write

S = "subj/2021-01-01/001"
A = f"{S}/alf/probe00"





def issues(root: Path, select=("ALF306", "ALF307", "ALF308")):
    report = alflint.check(root, select=list(select), config=Config())
    assert report.internal_errors == 0, report.issues
    return sorted(report.issues, key=lambda i: (i.path, i.code))


def spikes(clusters_values, n_clusters=5, **more):
    values = np.asarray(clusters_values)
    return {
        f"{A}/spikes.times.npy": np.arange(len(values), dtype=float),
        f"{A}/spikes.clusters.npy": values,
        f"{A}/clusters.depths.npy": np.zeros(n_clusters),
        f"{A}/clusters.channels.npy": np.zeros(n_clusters, dtype=np.int64),
        f"{A}/channels.localCoordinates.npy": np.zeros((3, 2)),
        **more,
    }


# --------------------------------------------------------------------------------------------
# ALF307 relation-out-of-range, ALF308 relation-not-integer
# --------------------------------------------------------------------------------------------

def test_indices_within_the_rows_of_the_target_object_are_silent(tmp_path):
    write(tmp_path, spikes(np.array([0, 4, 2, 4], dtype=np.uint32)))
    assert issues(tmp_path) == []


@pytest.mark.parametrize(
    "values, phrase",
    [
        (np.array([0, 5, 2], dtype=np.int64), "holds 0..5: values up to 5 out of range"),
        (np.array([-1, 3], dtype=np.int32), "holds -1..3: negative values (min -1) out of range"),
        (np.array([-2, 9], dtype=np.int16), "negative values (min -2) and values up to 9"),
    ],
)
def test_indices_outside_the_rows_of_the_target_are_errors_with_their_range(tmp_path, values, phrase):
    write(tmp_path, spikes(values))
    found = issues(tmp_path)
    assert [(i.code, i.path, i.severity) for i in found] == [("ALF307", f"{A}/spikes.clusters.npy", "error")]
    assert "indexes rows of clusters.* (5 rows, valid 0..4)" in found[0].message
    assert phrase in found[0].message


def test_relation_to_a_smaller_object_in_another_folder_is_not_a_relation(tmp_path):
    # channels live in probe00, clusters.channels too: 0..2 fine; probe01 has no channels object
    write(tmp_path, spikes(np.zeros(3, dtype=int)))
    write(tmp_path, {f"{S}/alf/probe01/clusters.channels.npy": np.array([7, 8])})
    write(tmp_path, {f"{A}/clusters.channels.npy": np.array([0, 1, 2, 2, 3])})
    found = issues(tmp_path)
    assert [(i.code, i.path) for i in found] == [("ALF307", f"{A}/clusters.channels.npy")]
    assert "channels.* (3 rows, valid 0..2) but holds 0..3" in found[0].message


def test_relations_stay_within_one_revision(tmp_path):
    write(tmp_path, spikes(np.array([0, 1], dtype=int)))
    write(tmp_path, {f"{A}/#2021-02-01#/spikes.clusters.npy": np.array([0, 70]),
                     f"{A}/#2021-02-01#/clusters.depths.npy": np.zeros(100)})
    assert issues(tmp_path) == []
    write(tmp_path, {f"{A}/#2021-02-01#/clusters.depths.npy": np.zeros(10)})
    assert [i.path for i in issues(tmp_path)] == [f"{A}/#2021-02-01#/spikes.clusters.npy"]


def test_namespaced_attribute_indexes_the_object_without_namespace(tmp_path):
    write(tmp_path, spikes(np.zeros(4, dtype=int), **{f"{A}/_phy_spikes_subset.spikes.npy": np.array([0, 3, 4])}))
    found = issues(tmp_path)
    assert [(i.code, i.path) for i in found] == [("ALF307", f"{A}/_phy_spikes_subset.spikes.npy")]
    assert "spikes.* (4 rows, valid 0..3) but holds 0..4" in found[0].message


def test_target_with_inconsistent_lengths_is_left_to_the_length_rule(tmp_path):
    write(tmp_path, spikes(np.array([0, 9]), **{f"{A}/clusters.amps.npy": np.zeros(12)}))
    assert issues(tmp_path) == []


def test_non_integer_relation_is_an_error(tmp_path):
    write(tmp_path, spikes(np.array([0.0, 3.0, 1.0])))
    found = issues(tmp_path)
    assert [(i.code, i.path, i.severity) for i in found] == [("ALF308", f"{A}/spikes.clusters.npy", "error")]
    assert "must hold integers, not <f8" in found[0].message


def test_parquet_relation_column_is_read(tmp_path):
    files = spikes(np.zeros(2, dtype=int))
    del files[f"{A}/spikes.clusters.npy"]
    files[f"{A}/spikes.clusters.pqt"] = pd.DataFrame({"clusters": np.array([0, 1, 5], dtype=np.int64)})
    files[f"{A}/spikes.times.npy"] = np.arange(3.0)
    write(tmp_path, files)
    found = issues(tmp_path)
    assert [(i.code, i.path) for i in found] == [("ALF307", f"{A}/spikes.clusters.pqt")]
    write(tmp_path, {f"{A}/spikes.clusters.pqt": pd.DataFrame({"clusters": [0.5, 1.0, 2.0]})})
    assert [i.code for i in issues(tmp_path)] == ["ALF308"]


def test_an_object_does_not_index_itself_and_plurals_do_not_match(tmp_path):
    write(tmp_path, {f"{A}/clusters.clusters.npy": np.array([0, 99]),
                     f"{A}/clusters.probe.npy": np.array([0, 99]),
                     f"{A}/probes.description.npy": np.zeros(1)})
    assert issues(tmp_path) == []


def test_relation_rule_reads_a_large_file_in_chunks(tmp_path):
    import subprocess
    import sys

    n = 50_000_000  # 200 MB of uint32: more than the whole budget below
    write(tmp_path, spikes(np.zeros(2, dtype=np.uint32)))
    values = np.lib.format.open_memmap(tmp_path / A / "spikes.clusters.npy", "w+", np.uint32, (n,))
    values[-1] = 7
    values.flush()
    del values
    times = np.lib.format.open_memmap(tmp_path / A / "spikes.times.npy", "w+", np.float32, (n,))
    del times
    script = (
        "import resource, sys, time, alflint\n"
        "from alflint.config import Config\n"
        "t = time.perf_counter()\n"
        "r = alflint.check(sys.argv[1], select=['ALF307'], config=Config())\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024\n"
        "try:  # Linux: the high-water mark of this process only (ru_maxrss inherits the parent's)\n"
        "    peak = int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]) // 1024\n"
        "except OSError:\n"
        "    pass\n"
        "print(time.perf_counter() - t, peak, [(i.code, i.message) for i in r.issues])\n"
    )
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
                         check=True, env={**os.environ}).stdout
    elapsed, peak_mb, found = out.split(" ", 2)
    assert "holds 0..7" in found and "ALF307" in found
    assert int(peak_mb) < 160, f"peak RSS {peak_mb} MB for a 200 MB file"
    assert float(elapsed) < 30


# --------------------------------------------------------------------------------------------
# ALF306 times-decreasing (opt-in)
# --------------------------------------------------------------------------------------------

def test_decreasing_times_warn_only_when_selected(tmp_path):
    write(tmp_path, {f"{A}/spikes.times.npy": np.array([0.1, 0.5, 0.3, 0.9])})
    assert issues(tmp_path, ["ALF"]) == []  # opt-in: a prefix does not select it
    found = issues(tmp_path, ["ALF306"])
    assert [(i.code, i.severity) for i in found] == [("ALF306", "warning")]
    assert found[0].message == "times decrease at row 2 (of 4)"


@pytest.mark.parametrize(
    "name, array, fires",
    [
        ("trials.stimOn_times.npy", np.array([0.1, np.nan, 0.3]), False),
        ("trials.stimOn_times.npy", np.array([0.4, np.nan, 0.3]), True),
        ("trials.intervals.npy", np.array([[0.0, 1.0], [2.0, 1.5], [3.0, 4.0]]), False),  # ends may overlap
        ("trials.intervals.npy", np.array([[0.0, 1.0], [3.0, 4.0], [2.0, 2.5]]), True),
        ("wheel.timestamps.npy", np.array([[0, 10.0], [99, 9.0]]), True),
        ("wheel.timestamps.npy", np.array([0.0, 0.0, 1.0]), False),
        ("spikes.samples.npy", np.array([3, 2, 1]), False),  # not a time attribute
    ],
)
def test_times_interval_starts_and_timestamps_must_not_decrease(tmp_path, name, array, fires):
    write(tmp_path, {f"{A}/{name}": array})
    assert [i.code for i in issues(tmp_path, ["ALF306"])] == (["ALF306"] if fires else [])


@pytest.mark.parametrize("dtype", ["<i1", "<u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8", ">i4", ">u8"])
@pytest.mark.parametrize("count", [1, 7, 70_000])
def test_int_range_with_the_rules_facts_agrees_with_numpy(tmp_path, dtype, count):
    """ALF307 hands the facts it read to int_range (no second header read); small arrays are
    compared without numpy, large ones in chunks: the answer is numpy's either way."""
    from alflint.content import int_range
    from alflint.facts import facts_reader

    values = (np.arange(count) * 37 % 101 - (40 if dtype[1] == "i" else 0)).astype(dtype)
    path = tmp_path / "spikes.clusters.npy"
    np.save(path, values)
    dataset = alflint.collect.scan(tmp_path).datasets[0]
    found = int_range(str(path), facts=facts_reader()(dataset).facts)
    assert (found.minimum, found.maximum, found.is_integer_dtype) == (int(values.min()), int(values.max()), True)


def test_relation_check_on_small_arrays_does_not_import_numpy(tmp_path):
    import subprocess
    import sys

    alf = tmp_path / "subj" / "2021-01-01" / "001" / "alf"
    alf.mkdir(parents=True)
    np.save(alf / "spikes.clusters.npy", np.array([0, 1, 5], dtype="<i8"))
    np.save(alf / "spikes.times.npy", np.array([0.1, 0.2, 0.3]))
    np.save(alf / "clusters.depths.npy", np.arange(3, dtype=float))
    code = (
        "import sys, alflint; r = alflint.check(sys.argv[1]); "
        "print(sorted({i.code for i in r.issues})); print('numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True).stdout.split("\n")
    assert "ALF307" in out[0]  # 5 is past the 3 rows of clusters: the check really ran
    assert out[1] == "False"
