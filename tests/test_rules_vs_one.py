"""The consequences the path rules announce, shown with ONE itself (one-api).

Each test builds a tree that makes a rule fire, checks that alflint reports it, and then lets
ONE demonstrate the problem the rule's documentation describes, so the "why it matters" of a
rule cannot drift away from ONE's behaviour.
"""

from __future__ import annotations

import numpy as np
import pytest

import alflint
from rule_cases import build_files

one_io = pytest.importorskip("one.alf.io")
one_path = pytest.importorskip("one.alf.path")

S = "subj/2021-01-01/001"


def codes(root, select):
    (root / "alflint.toml").write_text("")
    return sorted(i.code for i in alflint.check(root, select=select, content=False).issues)


def test_alf301_two_formats_of_one_key_stop_load_object(tmp_path):
    build_files(tmp_path, {f"{S}/alf/spikes.times.npy": None, f"{S}/alf/spikes.times.csv": None, f"{S}/alf/spikes.amps.npy": None})
    assert codes(tmp_path, ["ALF301"]) == ["ALF301"]
    with pytest.raises(AssertionError, match="same attribute"):
        one_io.load_object(tmp_path / S / "alf", "spikes")
    (tmp_path / S / "alf" / "spikes.times.csv").unlink()
    assert codes(tmp_path, ["ALF301"]) == []
    assert sorted(one_io.load_object(tmp_path / S / "alf", "spikes")) == ["amps", "times"]


def test_alf301_two_namespaces_of_one_key_stop_load_object(tmp_path):
    build_files(tmp_path, {f"{S}/alf/_ibl_trials.intervals.npy": None, f"{S}/alf/trials.intervals.npy": None})
    assert codes(tmp_path, ["ALF301"]) == ["ALF301"]
    with pytest.raises(AssertionError):
        one_io.load_object(tmp_path / S / "alf", "trials")


@pytest.mark.parametrize("name", ["_trials.intervals.npy", "_obj.attr.npy", "__obj.attr.npy", "_DAQdata.wiring.json"])
def test_alf103_says_how_one_misreads_an_incomplete_namespace(tmp_path, name):
    build_files(tmp_path, {f"{S}/alf/{name}": None})
    (tmp_path / "alflint.toml").write_text("")
    (issue,) = alflint.check(tmp_path, select=["ALF103"]).issues
    namespace, obj = one_path.filename_parts(name)[:2]
    assert f"namespace {namespace!r}, object {obj!r}" in issue.message


def test_alf107_an_upper_case_extension_loads_as_a_path(tmp_path):
    build_files(tmp_path, {f"{S}/alf/spikes.times.NPY": None})
    assert codes(tmp_path, ["ALF107"]) == ["ALF107"]
    loaded = one_io.load_file_content(tmp_path / S / "alf" / "spikes.times.NPY")
    assert not isinstance(loaded, np.ndarray) and str(loaded).endswith("spikes.times.NPY")


def test_alf108_a_unit_suffix_is_one_s_timescale(tmp_path):
    build_files(tmp_path, {f"{S}/alf/trials.duration_ms.npy": None, f"{S}/alf/wheel.position_timestamps.npy": None})
    assert codes(tmp_path, ["ALF108"]) == ["ALF108", "ALF108"]
    assert one_path.filename_parts("trials.duration_ms.npy")[2:4] == ("duration", "ms")
    assert one_path.filename_parts("wheel.position_timestamps.npy")[2:4] == ("position", "timestamps")


def test_alf109_an_empty_dataset_loads_as_none(tmp_path):
    build_files(tmp_path, {f"{S}/alf/spikes.times.npy": b""})
    assert codes(tmp_path, ["ALF109"]) == ["ALF109"]
    assert one_io.load_file_content(tmp_path / S / "alf" / "spikes.times.npy") is None


def test_alf102_one_does_not_list_a_one_dot_name(tmp_path):
    build_files(tmp_path, {f"{S}/alf/spikes_times.npy": None, f"{S}/alf/spikes.amps.npy": None})
    assert codes(tmp_path, ["ALF102"]) == ["ALF102"]
    listed = [p.name for p in one_path.ALFPath(tmp_path / S).iter_datasets(recursive=True)]
    assert listed == ["spikes.amps.npy"]
