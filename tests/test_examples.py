"""The example repository (examples/repo) is valid ALF, matches its generator, and ONE reads it.

ONE is only ever pointed at a temporary copy: examples/repo itself is never written to.
"""

from __future__ import annotations

import filecmp
import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from alflint import spec

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
REPO = EXAMPLES / "repo"
PROBES_SESSION = "subject/2021-06-01/001"
LAB_SESSION = "cortexlab/Subjects/KS005/2019-04-01/001"


def repo_files() -> list[str]:
    return sorted(p.relative_to(REPO).as_posix() for p in REPO.rglob("*") if p.is_file())


def test_the_tree_is_the_documented_one():
    assert repo_files() == sorted([
        f"{PROBES_SESSION}/probes.description.json",
        *(f"{PROBES_SESSION}/alf/{probe}/{name}" for probe in ("probe00", "probe01")
          for name in ("spikes.times.npy", "spikes.clusters.npy", "clusters.depths.npy")),
        f"{PROBES_SESSION}/alf/probe01/#2021-07-05#/spikes.times.npy",
        f"{PROBES_SESSION}/alf/probe01/#2021-07-05#/spikes.clusters.npy",
        *(f"{LAB_SESSION}/alf/_ibl_{name}" for name in (
            "trials.intervals.npy", "trials.goCue_times.npy", "trials.choice.npy", "trials.feedbackType.npy",
            "wheel.position.npy", "wheel.timestamps.npy", "wheelMoves.intervals.npy", "wheelMoves.peakAmplitude.npy")),
    ])


@pytest.mark.parametrize("rel", repo_files())
def test_every_file_is_valid_alf(rel):
    parts = spec.parse_path(rel)
    assert parts.session_path in (PROBES_SESSION, LAB_SESSION)
    assert parts.object and parts.attribute and parts.extension
    assert parts.session_path + "/" + parts.rel_path == rel
    assert spec.is_session_path(parts.session_path)


def test_every_file_is_valid_alf_for_one():
    one_path = pytest.importorskip("one.alf.path")
    for rel in repo_files():
        assert tuple(one_path.full_path_parts(rel)) == tuple(spec.parse_path(rel))


def test_the_committed_files_are_what_the_script_writes(tmp_path):
    script = importlib.util.spec_from_file_location("make_example", EXAMPLES / "make_example.py")
    module = importlib.util.module_from_spec(script)
    script.loader.exec_module(module)
    module.write(tmp_path)
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert written == repo_files()
    match, mismatch, errors = filecmp.cmpfiles(REPO, tmp_path, written, shallow=False)
    assert (mismatch, errors) == ([], [])


def test_array_contents_are_consistent():
    np = pytest.importorskip("numpy")

    def load(rel):
        return np.load(REPO / rel)

    probes = json.loads((REPO / PROBES_SESSION / "probes.description.json").read_text())
    assert probes == [{"label": "probe00"}, {"label": "probe01"}]
    alf = f"{PROBES_SESSION}/alf"
    assert load(f"{alf}/probe00/spikes.times.npy").tolist() == [0.0, 0.1, 0.2, 0.3, 0.4]
    assert load(f"{alf}/probe00/spikes.clusters.npy").dtype == np.int64
    assert load(f"{alf}/probe01/#2021-07-05#/spikes.times.npy").shape == (6,)
    assert load(f"{alf}/probe01/#2021-07-05#/spikes.times.npy")[0] == 110.0
    for folder in ("probe00", "probe01", "probe01/#2021-07-05#"):
        times, clusters = load(f"{alf}/{folder}/spikes.times.npy"), load(f"{alf}/{folder}/spikes.clusters.npy")
        assert times.shape == clusters.shape and np.all(np.diff(times) > 0)
        depths = load(f"{alf}/{folder.split('/')[0]}/clusters.depths.npy")
        assert clusters.min() >= 0 and clusters.max() < depths.shape[0]

    alf = f"{LAB_SESSION}/alf"
    intervals = load(f"{alf}/_ibl_trials.intervals.npy")
    n = intervals.shape[0]
    assert intervals.shape == (n, 2) and n > 1
    assert np.all(intervals[:, 1] > intervals[:, 0]) and np.all(np.diff(intervals[:, 0]) > 0)
    go_cue = load(f"{alf}/_ibl_trials.goCue_times.npy")
    assert go_cue.shape == (n,) and np.all((go_cue >= intervals[:, 0]) & (go_cue <= intervals[:, 1]))
    assert load(f"{alf}/_ibl_trials.choice.npy").shape == (n,)
    assert set(load(f"{alf}/_ibl_trials.feedbackType.npy").tolist()) <= {-1.0, 1.0}
    timestamps, position = load(f"{alf}/_ibl_wheel.timestamps.npy"), load(f"{alf}/_ibl_wheel.position.npy")
    assert timestamps.shape == position.shape and np.all(np.diff(timestamps) > 0)
    moves = load(f"{alf}/_ibl_wheelMoves.intervals.npy")
    assert moves.shape[1] == 2 and load(f"{alf}/_ibl_wheelMoves.peakAmplitude.npy").shape == (moves.shape[0],)


@pytest.fixture
def one_on_a_copy(tmp_path):
    """ONE's cache built with make_parquet_db on a copy of the example repository."""
    pytest.importorskip("one")
    from one.alf.cache import make_parquet_db
    from one.api import One

    root = tmp_path / "repo"
    shutil.copytree(REPO, root)
    make_parquet_db(root)
    return One(cache_dir=root, mode="local"), root


def test_one_lists_both_revisions_of_the_probe_session(one_on_a_copy):
    one, root = one_on_a_copy
    eid = one.path2eid(root / PROBES_SESSION)
    assert eid is not None
    assert set(one.list_revisions(eid)) == {"", "2021-07-05"}
    assert set(one.list_collections(eid)) == {"", "alf/probe00", "alf/probe01"}
    assert len(one.list_datasets(eid)) == 9


def test_one_loads_the_revisions_apart(one_on_a_copy):
    one, root = one_on_a_copy
    eid = one.path2eid(root / PROBES_SESSION)
    with pytest.warns(Warning):  # locally built caches have no default revision
        latest = one.load_dataset(eid, "spikes.times.npy", collection="alf/probe01")
    assert latest.tolist() == [110.0, 110.1, 110.2, 110.3, 110.4, 110.5]
    # load methods take the last revision on or before the one asked for ('' means the latest)
    original = one.load_dataset(eid, "spikes.times.npy", collection="alf/probe01", revision="2021-07-04")
    assert original.tolist() == [10.0, 10.1, 10.2, 10.3, 10.4]
    exact = one.load_dataset(eid, "spikes.times.npy", collection="alf/probe01", revision="2021-07-05")
    assert exact.tolist() == latest.tolist()


def test_one_loads_the_lab_session(one_on_a_copy):
    one, root = one_on_a_copy
    eid = one.path2eid(root / LAB_SESSION)
    assert eid is not None
    assert set(one.list_datasets(eid)) == {f"alf/_ibl_{n}.npy" for n in (
        "trials.intervals", "trials.goCue_times", "trials.choice", "trials.feedbackType",
        "wheel.position", "wheel.timestamps", "wheelMoves.intervals", "wheelMoves.peakAmplitude")}
    with pytest.warns(Warning, match="No default revision"):
        trials = one.load_object(eid, "trials", collection="alf")
    assert set(trials) == {"intervals", "goCue_times", "choice", "feedbackType"}
    assert trials["intervals"].shape == (len(trials["choice"]), 2)
