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

#: ONE's own chatter on locally built caches (no default revision, pandas deprecations) is not under test.
pytestmark = pytest.mark.filterwarnings("ignore:No default revision", "ignore:Multiple revisions", "ignore::DeprecationWarning")

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


def test_session_layout_errors_are_sessions_one_cannot_load_from(tmp_path):
    """ONE builds its cache from this tree and loads from each session: exactly the sessions
    alflint reports (ALF404, ALF405, ALF406, ALF408) fail; the clean one loads."""
    one_api = pytest.importorskip("one.api")
    make_parquet_db = pytest.importorskip("one.alf.cache").make_parquet_db
    sessions = {
        "KS005": ("KS005/2019-04-01/001", None),
        "KS006": ("KS006/2019-04-01/1", "ALF404"),
        "KS007": ("cortexlab/KS007/2019-04-01/001", "ALF405"),
        "KS008": ("my-lab/Subjects/KS008/2019-04-01/001", "ALF408"),
        "KS009": ("cortexlab/subjects/KS009/2019-04-01/001", "ALF405"),
        "sub j": ("sub j/2019-04-01/001", "ALF406"),
    }
    build_files(tmp_path, {f"{path}/alf/spikes.times.npy": None for path, _ in sessions.values()})
    (tmp_path / "alflint.toml").write_text("")
    report = alflint.check(tmp_path, select=["ALF4"], content=False)
    assert sorted((i.code, i.path) for i in report.issues) == sorted((c, p) for p, c in sessions.values() if c)
    make_parquet_db(tmp_path)
    one = one_api.One(cache_dir=tmp_path, mode="local")
    loads = {}
    for subject in sessions:
        eids = one.search(subject=subject)
        try:
            loads[subject] = eids != [] and one.load_dataset(eids[0], "spikes.times.npy").shape == (3,)
        except Exception:  # ALFObjectNotFound: the rebuilt session path does not exist
            loads[subject] = False
    assert loads == {subject: code is None for subject, (_, code) in sessions.items()}


def test_alf402_an_impossible_date_aborts_one_s_cache_build(tmp_path):
    make_parquet_db = pytest.importorskip("one.alf.cache").make_parquet_db
    build_files(tmp_path, {"KS005/2021-02-30/001/alf/spikes.times.npy": None, "KS005/2021-02-28/001/alf/spikes.times.npy": None})
    assert codes(tmp_path, ["ALF402"]) == ["ALF402"]
    with pytest.raises(Exception, match="2021-02-30"):
        make_parquet_db(tmp_path)


def test_folder_errors_are_files_one_indexes_at_the_wrong_place(tmp_path):
    """ALF201/ALF203 folders: ONE records the bare file name; ALF202: ONE lists the hidden folder as data."""
    make_parquet_db = pytest.importorskip("one.alf.cache").make_parquet_db
    pd = pytest.importorskip("pandas")
    build_files(tmp_path, {
        f"{S}/alf/probe 00/spikes.times.npy": None,  # ALF201
        f"{S}/alf/#2021-07-05#/probe00/spikes.amps.npy": None,  # ALF203
        f"{S}/alf/.ipynb_checkpoints/trials.table.npy": None,  # ALF202
        f"{S}/alf/probe00/spikes.depths.npy": None,  # clean
    })
    report_codes = codes(tmp_path, ["ALF2"])
    assert report_codes == ["ALF201", "ALF202", "ALF203"]
    _, datasets = make_parquet_db(tmp_path, hash_ids=False)
    rel_paths = sorted(pd.read_parquet(datasets)["rel_path"])
    assert rel_paths == ["alf/.ipynb_checkpoints/trials.table.npy", "alf/probe00/spikes.depths.npy",
                         "spikes.amps.npy", "spikes.times.npy"]


@pytest.mark.parametrize("name, code", [("._spikes.times.npy", "ALF110"), ("spike-times.raw.npy", "ALF101")])
def test_an_invalid_two_dot_name_breaks_loading_one_s_cache(tmp_path, name, code):
    one_api = pytest.importorskip("one.api")
    make_parquet_db = pytest.importorskip("one.alf.cache").make_parquet_db
    build_files(tmp_path, {f"{S}/alf/{name}": None, f"{S}/alf/spikes.amps.npy": None})
    assert codes(tmp_path, [code]) == [code]
    make_parquet_db(tmp_path)
    with pytest.raises(ValueError, match="badly formed hexadecimal UUID"):
        one_api.One(cache_dir=tmp_path, mode="local")


def test_alf407_a_nested_session_crashes_one_s_cache_build(tmp_path):
    make_parquet_db = pytest.importorskip("one.alf.cache").make_parquet_db
    build_files(tmp_path, {f"{S}/alf/spikes.times.npy": None, f"{S}/raw/subj/2021-01-02/001/alf/spikes.times.npy": None})
    assert codes(tmp_path, ["ALF407"]) == ["ALF407"]
    with pytest.raises(ValueError, match="Length of values"):
        make_parquet_db(tmp_path)
