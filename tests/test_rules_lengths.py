"""ALF302-ALF305: an object is a table; intervals, times and timestamps have reserved shapes.

Tiny trees of real files in, the expected codes out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import alflint
from alflint.config import Config
from trees import write

S = "subj/2021-01-01/001"
A = f"{S}/alf"





def issues(root: Path, select=("ALF302", "ALF303", "ALF304", "ALF305")):
    report = alflint.check(root, select=list(select), config=Config())
    assert report.internal_errors == 0, report.issues
    return report.issues


def codes(root: Path, select=("ALF302", "ALF303", "ALF304", "ALF305")):
    return sorted((i.code, i.path) for i in issues(root, select))


def z(*shape, dtype="f8"):
    return np.zeros(shape, dtype=dtype)


# --------------------------------------------------------------------------------------------
# ALF302 attribute-length-mismatch
# --------------------------------------------------------------------------------------------

def test_consistent_object_is_silent(tmp_path):
    write(tmp_path, {
        f"{A}/spikes.times.npy": z(100),
        f"{A}/spikes.clusters.npy": z(100, dtype="u4"),
        f"{A}/spikes.amps.pqt": pd.DataFrame({"amps": np.zeros(100)}),
        f"{A}/spikes.depths.csv": pd.DataFrame({"depth": np.zeros(100)}),
        f"{A}/spikes.waveforms.npy": z(100, 3, 2),       # only the first dimension counts
        f"{A}/spikes.sampleRate.npy": z(1),              # length 1 broadcasts
        f"{A}/spikes.times_ephysClock.npy": z(100),
        f"{A}/spikes.description.json": {"n": 3},        # a JSON document has no rows
    })
    assert codes(tmp_path) == []


def test_mismatch_reports_which_attribute_has_which_length(tmp_path):
    write(tmp_path, {
        f"{A}/spikes.times.npy": z(100),
        f"{A}/spikes.clusters.npy": z(100, dtype="u4"),
        f"{A}/spikes.amps.npy": z(99),
    })
    found = issues(tmp_path)
    assert [(i.code, i.path, i.severity) for i in found] == [("ALF302", f"{A}/spikes.*", "error")]
    assert found[0].message == "attributes of 'spikes' differ in length: 100 rows: clusters, times; 99 rows: amps"


@pytest.mark.parametrize(
    "other, rows",
    [
        ("spikes.amps.pqt", pd.DataFrame({"a": np.zeros(7)})),
        ("spikes.amps.csv", pd.DataFrame({"a": np.zeros(7)})),
        ("spikes.amps.tsv", pd.DataFrame({"a": np.zeros(7), "b": np.zeros(7)})),
        ("spikes.amps.ssv", pd.DataFrame({"a": np.zeros(7)})),
        ("spikes.amps.jsonable", "{}\n" * 7),
        ("spikes.amps.bin", np.zeros(14, "<f4").tobytes()),
    ],
    ids=["pqt", "csv", "tsv", "ssv", "jsonable", "bin"],
)
def test_rows_of_every_format_join_the_check(tmp_path, other, rows):
    files = {f"{A}/spikes.times.npy": z(10), f"{A}/{other}": rows}
    if other.endswith(".bin"):
        files[f"{A}/spikes.amps.metadata.json"] = {"dtype": "<f4", "columns": ["x", "y"]}
    write(tmp_path, files)
    found = issues(tmp_path)
    assert [i.code for i in found] == ["ALF302"]
    assert "7 rows: amps" in found[0].message and "10 rows: times" in found[0].message


def test_each_file_is_one_attribute_keyed_as_load_object_keys_it(tmp_path):
    # imec0.timestamps and imec0.sync are two attributes (attribute imec0, extras timestamps
    # and sync); the timescale is part of the key too
    raw = f"{S}/raw_ephys_data/_spikeglx_ephysData_g0_t0"
    write(tmp_path, {
        f"{raw}.imec0.timestamps.npy": z(5),
        f"{raw}.imec0.sync.npy": z(6),
        f"{A}/trials.intervals.npy": z(4, 2),
        f"{A}/trials.intervals_bpod.npy": z(3, 2),
    })
    found = sorted(issues(tmp_path), key=lambda i: i.path)
    assert [i.path for i in found] == [f"{A}/trials.*", f"{raw}.*"]
    assert found[0].message == "attributes of 'trials' differ in length: 3 rows: intervals_bpod; 4 rows: intervals"
    assert found[1].message == "attributes of 'ephysData_g0_t0' differ in length: 5 rows: imec0.timestamps; 6 rows: imec0.sync"


def test_sync_points_named_timestamps_in_an_extra_part_are_exempt(tmp_path):
    raw = f"{S}/raw_ephys_data/_spikeglx_ephysData_g0_t0"
    write(tmp_path, {f"{raw}.imec0.timestamps.npy": z(3, 2), f"{raw}.imec0.sync.npy": z(6)})
    assert codes(tmp_path) == []


def test_namespaces_collections_and_revisions_are_separate_objects(tmp_path):
    write(tmp_path, {
        f"{A}/spikes.times.npy": z(10),
        f"{A}/_ibl_spikes.amps.npy": z(11),
        f"{A}/probe00/spikes.amps.npy": z(12),
        f"{A}/#2021-02-01#/spikes.amps.npy": z(13),
    })
    assert codes(tmp_path) == []


def test_timestamps_sync_points_are_exempt_but_a_timestamps_vector_is_not(tmp_path):
    write(tmp_path, {
        f"{A}/wheel.position.npy": z(1000),
        f"{A}/wheel.timestamps.npy": np.array([[0, 10.0], [500, 15.0], [999, 19.99]]),  # (3, 2)
        f"{A}/lick.position.npy": z(1000),
        f"{A}/lick.timestamps.npy": z(999),
        f"{A}/camera.position.npy": z(50),
        f"{A}/camera.timestamps.npy": z(50, 1),  # (n, 1) is a vector
    })
    assert codes(tmp_path) == [("ALF302", f"{A}/lick.*")]


def test_table_attribute_counts_its_columns_against_the_other_attributes(tmp_path):
    table = pd.DataFrame({"choice": [1, -1, 1], "goCue_times": [0.1, 0.2, 0.3]})
    write(tmp_path, {f"{A}/trials.table.pqt": table, f"{A}/trials.intervals.npy": z(4, 2)})
    found = issues(tmp_path)
    assert [i.code for i in found] == ["ALF302"]
    assert "3 rows: table [table columns: choice, goCue_times]" in found[0].message
    write(tmp_path, {f"{A}/trials.intervals.npy": z(3, 2)})
    assert codes(tmp_path) == []


def test_zero_and_one_rows_are_consistent_zero_and_five_are_not(tmp_path):
    write(tmp_path, {f"{A}/laser.times.npy": z(0), f"{A}/laser.power.npy": z(1),
                     f"{A}/puff.times.npy": z(0), f"{A}/puff.power.npy": z(5)})
    assert codes(tmp_path) == [("ALF302", f"{A}/puff.*")]


def test_extra_parts_are_compared_part_by_part_when_they_align(tmp_path):
    write(tmp_path, {
        f"{S}/raw_ephys_data/_spikeglx_sync.times.probe00.npy": z(10),
        f"{S}/raw_ephys_data/_spikeglx_sync.channels.probe00.npy": z(10),
        f"{S}/raw_ephys_data/_spikeglx_sync.times.probe01.npy": z(20),
        f"{S}/raw_ephys_data/_spikeglx_sync.channels.probe01.npy": z(20),
    })
    assert codes(tmp_path) == []
    write(tmp_path, {f"{S}/raw_ephys_data/_spikeglx_sync.channels.probe01.npy": z(19)})
    found = issues(tmp_path)
    assert [i.code for i in found] == ["ALF302"]
    assert "extra part 'probe01'" in found[0].message


def test_files_with_unaligned_extra_parts_count_each_on_its_own(tmp_path):
    uuid = "9198edcd-e8a4-4e8a-994f-d68a2e300380"
    write(tmp_path, {
        f"{A}/spikes.times.{uuid}.npy": z(10),
        f"{A}/spikes.clusters.npy": z(10, dtype="i8"),
        f"{A}/spikes.amps.raw.npy": z(10),
    })
    assert codes(tmp_path) == []
    write(tmp_path, {f"{A}/spikes.amps.raw.npy": z(9)})
    found = issues(tmp_path)
    assert [i.code for i in found] == ["ALF302"]
    assert found[0].message.endswith(f"10 rows: clusters, times.{uuid}; 9 rows: amps.raw")


def test_unreadable_empty_and_uninspected_files_are_left_out(tmp_path):
    write(tmp_path, {
        f"{A}/spikes.times.npy": z(10),
        f"{A}/spikes.amps.npy": b"garbage",
        f"{A}/spikes.depths.npy": b"",
        f"{A}/spikes.raw.cbin": b"\0" * 99,
        f"{A}/spikes.samples.metadata.json": [1, 2, 3],
    })
    assert codes(tmp_path) == []


# --------------------------------------------------------------------------------------------
# ALF303 intervals-not-two-columns
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(10,), (2, 10), (10, 3), (10, 2, 1)])
def test_intervals_without_two_columns_are_errors(tmp_path, shape):
    write(tmp_path, {f"{A}/trials.intervals.npy": z(*shape), f"{A}/trials.stim_intervals.npy": z(*shape)})
    found = issues(tmp_path, ["ALF303"])
    assert sorted(i.path for i in found) == [f"{A}/trials.intervals.npy", f"{A}/trials.stim_intervals.npy"]
    assert all(i.severity == "error" and str(shape) in i.message for i in found)
    if shape == (2, 10):
        assert "transpose" in found[0].message


def test_intervals_with_two_columns_in_any_format_are_silent(tmp_path):
    write(tmp_path, {
        f"{A}/trials.intervals.npy": z(10, 2),
        f"{A}/wheelMoves.intervals.npy": z(0, 2),
        f"{A}/laser.intervals.pqt": pd.DataFrame({"start": [0.0], "end": [1.0]}),
        f"{A}/trials.intervals_bpod.csv": pd.DataFrame({"start": [0.0], "end": [1.0]}),
        f"{A}/trials.table.pqt": pd.DataFrame({"intervals_0": [0.0], "intervals_1": [1.0], "choice": [1]}),
    })
    assert codes(tmp_path, ["ALF303"]) == []


def test_intervals_in_a_table_need_both_bound_columns(tmp_path):
    write(tmp_path, {
        f"{A}/trials.table.pqt": pd.DataFrame({"intervals": [0.0], "stim_intervals_0": [1.0]}),
    })
    found = issues(tmp_path, ["ALF303"])
    assert len(found) == 2
    assert "'intervals' is one column" in found[0].message
    assert "'stim_intervals_0' has no partner 'stim_intervals_1'" in found[1].message


# --------------------------------------------------------------------------------------------
# ALF304 non-numeric-times, ALF305 timestamps-shape
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "name, array",
    [
        ("trials.goCue_times.npy", np.array(["0.1", "0.2"])),
        ("spikes.times.npy", np.array([True, False])),
        ("camera.times.npy", np.array(["2021-01-01T00:00:00"], dtype="datetime64[ns]")),
        ("wheel.timestamps.npy", np.array([1 + 2j])),
        ("trials.intervals.npy", np.array([["a", "b"]])),
    ],
)
def test_non_numeric_times_are_errors(tmp_path, name, array):
    write(tmp_path, {f"{A}/{name}": array})
    found = issues(tmp_path, ["ALF304"])
    assert [(i.code, i.path, i.severity) for i in found] == [("ALF304", f"{A}/{name}", "error")]


def test_numeric_times_and_other_attributes_are_silent(tmp_path):
    write(tmp_path, {
        f"{A}/spikes.times.npy": z(3),
        f"{A}/spikes.samples.npy": z(3, dtype="i8"),
        f"{A}/spikes.labels.npy": np.array(["a", "b", "c"]),  # not a time attribute
        f"{A}/trials.table.pqt": pd.DataFrame({"goCue_times": [0.1], "choice": ["left"]}),
        f"{A}/trials.feedback_times.pqt": pd.DataFrame({"t": [0.1]}),
    })
    assert codes(tmp_path, ["ALF304"]) == []


def test_time_columns_of_a_parquet_table_must_be_numbers(tmp_path):
    table = pd.DataFrame({"goCue_times": ["soon"], "intervals_0": [0.0], "intervals_1": ["late"], "choice": ["x"]})
    write(tmp_path, {f"{A}/trials.table.pqt": table})
    found = issues(tmp_path, ["ALF304"])
    assert len(found) == 1
    assert "goCue_times (" in found[0].message and "intervals_1 (" in found[0].message
    assert found[0].message.count("string)") == 2
    assert "choice" not in found[0].message


@pytest.mark.parametrize("shape, fires", [((10,), False), ((10, 1), False), ((4, 2), False),
                                          ((10, 3), True), ((2, 2, 2), True)])
def test_timestamps_are_a_vector_or_sync_points(tmp_path, shape, fires):
    write(tmp_path, {f"{A}/wheel.timestamps.npy": z(*shape)})
    assert codes(tmp_path, ["ALF305"]) == ([("ALF305", f"{A}/wheel.timestamps.npy")] if fires else [])
