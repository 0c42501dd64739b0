"""Repository: ONE's list/load API, on the seed example of ONE's "Listing Alyx Filenames"
(behaviour reference, section 6) and on the documented improvements over ONE."""

from __future__ import annotations

import json
import os
import time
import uuid
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import alflint
from alflint import repository
from alflint.exceptions import (
    ALFError,
    ALFInvalid,
    ALFMultipleCollectionsFound,
    ALFMultipleObjectsFound,
    ALFMultipleRevisionsFound,
    ALFObjectNotFound,
    ALFSessionNotFound,
    ALFWarning,
)

SESSION = "subject/2021-06-01/001"
ALL = [
    "alf/probe00/spikes.clusters.npy",
    "alf/probe00/spikes.times.npy",
    "alf/probe01/#2021-07-05#/spikes.clusters.npy",
    "alf/probe01/#2021-07-05#/spikes.times.npy",
    "alf/probe01/spikes.clusters.npy",
    "alf/probe01/spikes.times.npy",
    "probes.description.json",
]


def make_seed(root: Path) -> Path:
    s = root / SESSION
    (s / "alf/probe00").mkdir(parents=True)
    (s / "alf/probe01/#2021-07-05#").mkdir(parents=True)
    (s / "probes.description.json").write_text(json.dumps([{"label": "probe00"}, {"label": "probe01"}]))
    np.save(s / "alf/probe00/spikes.times.npy", np.arange(5) / 10)
    np.save(s / "alf/probe00/spikes.clusters.npy", np.array([0, 1, 2, 0, 1]))
    np.save(s / "alf/probe01/spikes.times.npy", 10 + np.arange(5) / 10)
    np.save(s / "alf/probe01/spikes.clusters.npy", np.array([0, 1, 2, 0, 1]))
    np.save(s / "alf/probe01/#2021-07-05#/spikes.times.npy", 110 + np.arange(6) / 10)
    np.save(s / "alf/probe01/#2021-07-05#/spikes.clusters.npy", np.array([0, 1, 2, 0, 1, 3]))
    return s


def make_session(root: Path, session: str) -> Path:
    folder = root / session
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def seed(tmp_path):
    make_seed(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # opening and loading the seed must be silent
        repo = alflint.open(tmp_path)
    return repo


def test_open_scans_without_tables(seed, tmp_path):
    assert seed.source == "scan"
    assert seed.root == tmp_path.resolve()
    assert len(seed.sessions) == 1 and len(seed.datasets) == 7
    rec = seed.sessions.iloc[0]
    assert (rec["lab"], rec["subject"], rec["number"]) == ("", "subject", 1)
    assert seed.datasets["qc"].dtype == repository.QC_TYPE
    assert set(seed.datasets["rel_path"]) == set(ALL)


def test_session_ids_in_every_form(seed, tmp_path):
    eid = seed.to_eid(SESSION)
    assert isinstance(eid, str)
    assert seed.to_eid(eid) == eid
    assert seed.to_eid(tmp_path / SESSION) == eid
    assert seed.to_eid(str(tmp_path / SESSION / "alf" / "probe00")) == eid
    assert seed.to_eid("subject/2021-06-01/1") == eid  # padding does not matter
    assert seed.to_eid("2021-06-01_1_subject") == eid
    assert seed.to_eid({"subject": "subject", "date": "2021-06-01", "number": 1}) == eid
    assert seed.eid2path(eid) == tmp_path.resolve() / SESSION
    assert seed.path2eid(tmp_path / SESSION / "alf/probe00/spikes.times.npy") == eid
    assert seed.to_eid(None) is None
    assert seed.to_eid(f"https://alyx.example.org/sessions/{eid}") == eid  # as ONE takes it
    assert seed.to_eid(eid.upper()) == eid
    # ONE raises ValueError for ids it cannot parse or find: the same catch works here
    for bogus in ("bogus", "subject/2099-01-01/001", "2099-01-01_1_subject", f"https://alyx.example.org/sessions/{uuid.uuid4()}"):
        with pytest.raises(ValueError) as raised:
            seed.load_object(bogus, "spikes")
        assert isinstance(raised.value, ALFObjectNotFound) and isinstance(raised.value, ALFSessionNotFound), bogus


def test_lab_form_and_lab_considered(tmp_path):
    for lab in ("labA", "labB"):
        d = tmp_path / lab / "Subjects" / "mouse/2021-06-01/001"
        d.mkdir(parents=True)
        np.save(d / f"{lab}.x.npy", np.zeros(2))
    repo = alflint.open(tmp_path)
    a = repo.to_eid("labA/Subjects/mouse/2021-06-01/001")
    b = repo.to_eid(tmp_path / "labB/Subjects/mouse/2021-06-01/001")
    assert a != b
    assert repo.list_datasets(a) == ["labA.x.npy"] and repo.list_datasets(b) == ["labB.x.npy"]
    assert repo.eid2path(b) == tmp_path.resolve() / "labB/Subjects/mouse/2021-06-01/001"
    with pytest.raises(ALFMultipleObjectsFound, match="labA, labB"):
        repo.to_eid("mouse/2021-06-01/001")  # ONE ignores the lab and raises a bare AssertionError
    assert repo.path2eid("labC/Subjects/mouse/2021-06-01/001") is None


def test_list_datasets_seed(seed):
    eid = seed.to_eid(SESSION)
    assert seed.list_datasets(eid) == ALL
    assert seed.list_datasets(SESSION, collection="alf/probe01") == ALL[2:6]
    assert seed.list_datasets(eid, collection="") == ["probes.description.json"]
    assert seed.list_datasets(eid, revision="2021-07-01") == []  # a label, not "last before"
    assert seed.list_datasets(eid, revision="2021-07-05") == ALL[2:4]
    assert seed.list_datasets(eid, revision="") == [p for p in ALL if "#" not in p]
    assert seed.list_datasets() == ALL  # sorted without eid too (ONE: table order)
    assert seed.list_datasets(eid, filename="spikes.times") == []
    assert seed.list_datasets(eid, filename="spikes.times.*", collection="alf/probe00") == ["alf/probe00/spikes.times.npy"]
    assert seed.list_datasets(eid, filename={"attribute": "clusters"}, revision="") == [
        "alf/probe00/spikes.clusters.npy", "alf/probe01/spikes.clusters.npy"]
    assert seed.list_datasets(eid, collection="alf*") == ALL[:6]


def test_list_collections_and_revisions_seed(seed):
    eid = seed.to_eid(SESSION)
    assert seed.list_revisions(eid) == ["", "2021-07-05"]
    assert seed.list_revisions() == ["", "2021-07-05"]
    assert seed.list_collections(eid) == ["", "alf/probe00", "alf/probe01"]
    assert seed.list_collections() == ["", "alf/probe00", "alf/probe01"]
    assert seed.list_collections(eid, revision="2021-07-05") == ["alf/probe01"]
    assert seed.list_revisions(eid, revision="2021*") == ["2021-07-05"]
    details = seed.list_collections(eid, details=True)
    assert sorted(details) == ["", "alf/probe00", "alf/probe01"]
    assert list(details["alf/probe00"]["rel_path"]) == ALL[:2]
    assert seed.list_subjects() == ["subject"]


def test_load_object_seed(seed, tmp_path):
    eid = seed.to_eid(SESSION)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "No default revision", no md5 noise
        spikes = seed.load_object(eid, "spikes", collection="alf/probe00")
        assert isinstance(spikes, alflint.io.AlfBunch)
        np.testing.assert_allclose(spikes.times, [0, 0.1, 0.2, 0.3, 0.4])
        np.testing.assert_array_equal(spikes["clusters"], [0, 1, 2, 0, 1])
        latest = seed.load_object(eid, "spikes", collection="alf/probe01")
        np.testing.assert_allclose(latest.times, 110 + np.arange(6) / 10)
        older = seed.load_object(eid, "spikes", collection="alf/probe01", revision="2021-07-01")
        np.testing.assert_allclose(older.times, 10 + np.arange(5) / 10)
        for rev in ("2021-07-05", "2021-08-01"):
            np.testing.assert_allclose(seed.load_object(eid, "spikes", collection="alf/probe01", revision=rev).times, latest.times)
        # '' is the last revision on or before '': the unrevisioned files (ONE: the latest)
        np.testing.assert_allclose(seed.load_object(eid, "spikes", collection="alf/probe01", revision="").times, older.times)
        paths = seed.load_object(eid, "spikes", collection="alf/probe01", revision="2021-07-01", download_only=True)
        assert paths == [tmp_path.resolve() / SESSION / "alf/probe01" / n for n in ("spikes.clusters.npy", "spikes.times.npy")]
        assert list(seed.load_object(eid, "spikes", collection="alf/probe01", attribute="times")) == ["times"]
        assert seed.load_object(eid, "probes") == {"description": [{"label": "probe00"}, {"label": "probe01"}]}
    with pytest.raises(ALFMultipleCollectionsFound, match="alf/probe00.*alf/probe01"):
        seed.load_object(eid, "spikes")
    with pytest.raises(ALFObjectNotFound, match="nothing"):
        seed.load_object(eid, "nothing")


def test_load_dataset_seed(seed):
    eid = seed.to_eid(SESSION)
    np.testing.assert_allclose(seed.load_dataset(eid, "spikes.times.npy", collection="alf/probe00"), np.arange(5) / 10)
    np.testing.assert_allclose(seed.load_dataset(eid, "spikes.times", collection="alf/probe01"), 110 + np.arange(6) / 10)
    np.testing.assert_allclose(
        seed.load_dataset(eid, "spikes.times.npy", collection="alf/probe01", revision="2021-07-01"), 10 + np.arange(5) / 10)
    np.testing.assert_allclose(seed.load_dataset(eid, "alf/probe01/#2021-07-05#/spikes.times.npy"), 110 + np.arange(6) / 10)
    np.testing.assert_allclose(seed.load_dataset(eid, "alf/probe01/spikes.times.npy"), 10 + np.arange(5) / 10)
    np.testing.assert_allclose(seed.load_dataset(eid, {"object": "spikes", "attribute": "times"}, collection="alf/probe00"), np.arange(5) / 10)
    with pytest.raises(ALFMultipleCollectionsFound):
        seed.load_dataset(eid, "spikes.times.npy")
    with pytest.raises(ALFObjectNotFound):
        seed.load_dataset(eid, "spikes.amps.npy", collection="alf/probe00")
    with pytest.raises(ValueError, match="relative path"):
        seed.load_dataset(eid, "alf/probe01/spikes.times.npy", collection="alf")


def test_load_datasets_seed(seed):
    eid = seed.to_eid(SESSION)
    data, records = seed.load_datasets(eid, ["spikes.times.npy", "spikes.clusters.npy"], collections="alf/probe01")
    assert len(data[0]) == 6 and len(data[1]) == 6
    assert records[0]["revision"] == "2021-07-05" and records[0]["rel_path"] == ALL[3]
    assert records[0]["qc"] == "NOT_SET" and records[0]["eid"] == eid and records[0]["file_size"] == 176
    with pytest.warns(ALFWarning, match="not the default revision of their datasets"):  # the unrevisioned ones
        paths, _ = seed.load_datasets(eid, seed.list_datasets(eid, collection="alf/probe01"), download_only=True)
    assert [p.name for p in paths] == ["spikes.clusters.npy", "spikes.times.npy"] * 2
    assert "#2021-07-05#" in str(paths[0]) and "#" not in str(paths[2])
    # exact rel paths: the unrevisioned file when mixed with another path
    # as ONE, an exact path to a revised dataset loads it, with a warning
    with pytest.warns(ALFWarning, match=r"^alf/probe01/spikes.times.npy: not the default revision"):
        data, _ = seed.load_datasets(eid, ["alf/probe01/spikes.times.npy", "probes.description.json"])
    assert len(data[0]) == 5 and data[1][0] == {"label": "probe00"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the default revisions, by path or by name: no warning
        seed.load_datasets(eid, ["alf/probe01/#2021-07-05#/spikes.times.npy", "probes.description.json"])
        seed.load_datasets(eid, ["spikes.times.npy"], collections="alf/probe01")
    with pytest.warns(ALFWarning, match="nope.x.npy"):
        data, recs = seed.load_datasets(eid, ["spikes.times.npy", "nope.x.npy"], collections=["alf/probe00", "alf"], assert_present=False)
    assert data[1] is None and recs[1] is None and len(data[0]) == 5
    with pytest.raises(ALFObjectNotFound, match="nope.x.npy"):
        seed.load_datasets(eid, ["nope.x.npy"])
    with pytest.raises(ValueError):
        seed.load_datasets(eid, ["spikes.times.npy"], collections=["a", "b"])
    with pytest.raises(TypeError):
        seed.load_datasets(eid, "spikes.times.npy")


def test_load_collection_seed(seed):
    eid = seed.to_eid(SESSION)
    out = seed.load_collection(eid, "alf/probe00")
    assert list(out) == ["spikes"] and len(out["spikes"]["times"]) == 5
    np.testing.assert_allclose(seed.load_collection(eid, "alf/probe01")["spikes"]["times"], 110 + np.arange(6) / 10)
    # ONE passes the revision as the collection pattern and always fails here
    older = seed.load_collection(eid, "alf/probe01", revision="2021-07-01")
    np.testing.assert_allclose(older["spikes"]["times"], 10 + np.arange(5) / 10)
    assert list(seed.load_collection(eid, "")) == ["probes"]
    assert len(seed.load_collection(eid, "alf/probe00", download_only=True)) == 2
    with pytest.raises(ALFObjectNotFound):
        seed.load_collection(eid, "raw_ephys_data")


def test_search_seed(seed):
    eid = seed.to_eid(SESSION)
    assert seed.search() == [eid]
    assert seed.search(subject="subj") == [eid]
    assert seed.search(subject="^subj$") == []
    assert seed.search(datasets="spikes.times.npy") == [eid]
    assert seed.search(dataset="spikes.times.npy") == [eid]  # ONE: ambiguous
    assert seed.search(datasets=["spikes.times.npy", "nothing.npy"]) == []
    assert seed.search(dataset_qc_lte="FAIL") == [eid]  # ONE: [] whenever used alone
    assert seed.search(dataset_qc_lte="PASS") == [eid]  # NOT_SET sorts before PASS
    ids, recs = seed.search(date="2021-06-01", details=True)
    assert ids == [eid] and recs[0]["subject"] == "subject" and recs[0]["number"] == 1
    assert seed.search(date_range=["2021-06-02", None]) == []
    assert seed.search(number="001") == [eid]
    with pytest.raises(ValueError, match="ambiguous"):
        seed.search(dat="x")
    with pytest.raises(ValueError, match="unknown"):
        seed.search(user="x")


def test_get_details(seed):
    eid = seed.to_eid(SESSION)
    rec = seed.get_details(eid)
    assert rec["subject"] == "subject" and rec.name == eid
    full = seed.get_details(eid, full=True)
    assert sorted(full["rel_path"]) == ALL and (full["subject"] == "subject").all()


def test_unknown_session_raises(seed):
    for bad in ("other/2021-06-01/001", "5f6a1e2b-0000-4000-8000-000000000000", "fakeid"):
        with pytest.raises(ALFObjectNotFound):
            seed.list_datasets(bad)  # ONE returns an empty DataFrame
        with pytest.raises(ALFObjectNotFound):
            seed.load_object(bad, "spikes")


def test_multi_star_filename_stays_in_its_collection(tmp_path):
    s = tmp_path / SESSION
    (s / "alf/probe00").mkdir(parents=True)
    np.save(s / "alf/spikes.times.npy", np.zeros(3))
    np.save(s / "alf/probe00/spikes.times.npy", np.zeros(3))
    repo = alflint.open(tmp_path)
    eid = repo.to_eid(SESSION)
    # ONE also returns alf/probe00/spikes.times.npy here
    assert repo.list_datasets(eid, filename="*spikes.times*", collection="alf") == ["alf/spikes.times.npy"]
    assert repo.list_datasets(eid, filename="*spikes.times*") == ["alf/probe00/spikes.times.npy", "alf/spikes.times.npy"]
    assert repo.list_datasets(eid, filename="alf/spikes.*") == ["alf/spikes.times.npy"]


def test_qc_filters_and_default_revision(tmp_path):
    make_seed(tmp_path)
    repo = alflint.open(tmp_path)
    sessions, datasets = repo.sessions.copy(), repo.datasets.copy()
    qc = {ALL[0]: "CRITICAL", ALL[1]: "PASS", ALL[6]: "WARNING"}
    datasets["qc"] = pd.Categorical([qc.get(r, "NOT_SET") for r in datasets["rel_path"]], dtype=repository.QC_TYPE)
    datasets["default_revision"] = [("#" not in r) if "probe01" in r else True for r in datasets["rel_path"]]
    repo = repository.Repository(tmp_path, sessions, datasets)
    eid = repo.to_eid(SESSION)
    assert ALL[0] not in repo.list_datasets(eid)  # CRITICAL hidden by default
    assert ALL[0] in repo.list_datasets(eid, qc="CRITICAL") and ALL[0] in repo.list_datasets(eid, qc=50)
    assert repo.list_datasets(eid, qc="PASS", ignore_qc_not_set=True) == [ALL[1]]
    assert repo.list_datasets(eid, qc="WARNING", ignore_qc_not_set=True) == [ALL[1], ALL[6]]
    # across every session too (no eid): it used to list nothing once NOT_SET was ignored
    assert repo.list_datasets(qc="WARNING", ignore_qc_not_set=True) == [ALL[1], ALL[6]]
    assert list(repo.list_datasets(qc="PASS", ignore_qc_not_set=True, details=True)["rel_path"]) == [ALL[1]]
    assert repo.list_datasets(collection="alf/probe01", default_revisions_only=True) == ALL[4:6]
    with pytest.raises(ValueError):
        repo.list_datasets(eid, qc="bogus")
    assert repo.list_datasets(eid, collection="alf/probe01", default_revisions_only=True) == ALL[4:6]
    # the default revision wins over the latest when no revision is asked for
    np.testing.assert_allclose(repo.load_object(eid, "spikes", collection="alf/probe01").times, 10 + np.arange(5) / 10)
    np.testing.assert_allclose(repo.load_object(eid, "spikes", collection="alf/probe01", revision="2021-08-01").times, 110 + np.arange(6) / 10)
    datasets["default_revision"] = True
    repo = repository.Repository(tmp_path, sessions, datasets)
    with pytest.raises(ALFMultipleRevisionsFound):
        repo.load_object(eid, "spikes", collection="alf/probe01")
    assert repo.search(dataset_qc_lte="PASS") == [eid]
    assert repo.search(datasets="probes.description.json", dataset_qc_lte="PASS") == []
    no_default = repository.Repository(tmp_path, sessions, datasets.drop(columns="default_revision"))
    with pytest.raises(ALFError, match="default_revision"):
        no_default.list_datasets(eid, default_revisions_only=True)


def test_validate_before_load(tmp_path):
    s = tmp_path / SESSION
    (s / "alf").mkdir(parents=True)
    np.save(s / "alf/spikes.times.npy", np.zeros(5))
    np.save(s / "alf/spikes.clusters.npy", np.zeros(4))
    repo = alflint.open(tmp_path)
    eid = repo.to_eid(SESSION)
    with pytest.raises(ALFInvalid, match="spikes"):
        repo.load_object(eid, "spikes")
    with pytest.warns(ALFWarning, match="inconsistent"):
        out = repo.load_object(eid, "spikes", validate=False)
    assert len(out.times) == 5
    assert list(repo.load_object(eid, "spikes", attribute="times")) == ["times"]  # only the files loaded
    relaxed = alflint.open(tmp_path, validate=False)
    with pytest.warns(ALFWarning):
        relaxed.load_object(eid, "spikes")


def test_an_empty_file_fails_validation_on_load_as_it_fails_the_check(tmp_path):
    """A 0-byte dataset is ALF109, an error, in `alflint check`; loading it validated gave
    None without a word (validate-on-load ran object and content rules only)."""
    s = tmp_path / SESSION
    (s / "alf").mkdir(parents=True)
    np.save(s / "alf/spikes.times.npy", np.zeros(5))
    (s / "alf/spikes.amps.npy").write_bytes(b"")
    repo = alflint.open(tmp_path)
    eid = repo.to_eid(SESSION)
    with pytest.raises(ALFInvalid, match="ALF109") as raised:
        repo.load_dataset(eid, "spikes.amps.npy", collection="alf")
    assert [i.code for i in raised.value.report.errors] == ["ALF109"]
    assert len(repo.load_dataset(eid, "spikes.times.npy", collection="alf")) == 5  # only the files loaded
    assert repo.load_dataset(eid, "spikes.amps.npy", collection="alf", validate=False) is None  # ONE's answer


def test_short_keys_and_check_hash(tmp_path):
    s = tmp_path / SESSION
    (s / "alf").mkdir(parents=True)
    np.save(s / "alf/spikes.times.part1.npy", np.zeros(5))
    np.save(s / "alf/spikes.clusters.npy", np.zeros(5))
    repo = alflint.open(tmp_path)
    eid = repo.to_eid(SESSION)
    assert sorted(repo.load_object(eid, "spikes")) == ["clusters", "times.part1"]
    assert sorted(repo.load_object(eid, "spikes", short_keys=True)) == ["clusters", "times"]  # ONE: TypeError
    datasets = repo.datasets.copy()
    datasets["hash"] = ["0" * 32 if r.endswith("clusters.npy") else "" for r in datasets["rel_path"]]
    repo = repository.Repository(tmp_path, repo.sessions, datasets)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        repo.load_object(eid, "spikes")  # no md5 unless asked
    with pytest.warns(ALFWarning, match="md5 of .*spikes.clusters.npy"):
        repo.load_object(eid, "spikes", check_hash=True)


def tables_older_than_nothing(root: Path) -> tuple[repository.Repository, float]:
    """Tables of a scan of ``root`` written into it, every folder made 100 s older than them,
    and the repository opened from them without a warning; also the folders' age (a time)."""
    scanned = alflint.open(root, scan=True)
    scanned.sessions.to_parquet(root / "sessions.pqt")
    scanned.datasets.to_parquet(root / "datasets.pqt")
    old = time.time() - 100
    for dirpath, _, _ in os.walk(root):
        os.utime(dirpath, (old, old))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return alflint.open(root), old


def test_tables_are_used_and_staleness_warned(tmp_path):
    make_seed(tmp_path)
    repo, old = tables_older_than_nothing(tmp_path)
    assert repo.source == "tables" and repo.list_datasets(SESSION) == ALL
    # a file added deep in a collection: noticed when loading from that folder
    np.save(tmp_path / SESSION / "alf/probe00/spikes.amps.npy", np.zeros(5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        repo = alflint.open(tmp_path)
        repo.load_object(SESSION, "spikes", collection="alf/probe01")  # that folder did not change
    with pytest.warns(ALFWarning, match="alf/probe00 changed after the cache tables"):
        repo.load_object(SESSION, "spikes", collection="alf/probe00")
    assert "alf/probe00/spikes.amps.npy" not in repo.list_datasets(SESSION)
    assert "alf/probe00/spikes.amps.npy" in alflint.open(tmp_path, scan=True).list_datasets(SESSION)
    # a file added to the session folder, or a new session: noticed at open
    np.save(tmp_path / SESSION / "extra.values.npy", np.zeros(5))
    with pytest.warns(ALFWarning, match="alflint index"):
        alflint.open(tmp_path)
    os.utime(tmp_path / SESSION, (old, old))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        alflint.open(tmp_path)
    np.save(make_session(tmp_path, "subject/2021-06-02/001") / "x.y.npy", np.zeros(1))
    with pytest.warns(ALFWarning, match="alflint index"):
        alflint.open(tmp_path)


def test_tables_find_unpadded_session_folders_and_warn_when_one_changes_or_goes(tmp_path):
    """open() locates each session folder as on disk (``1`` as well as ``001``) with the stat
    that gives its time: fresh tables are silent, a changed or vanished folder is stale."""
    for session in ("mouse/2021-06-01/1", "mouse/2021-06-01/002", "lab/Subjects/rat/2021-06-02/03"):
        make_session(tmp_path, session)
        np.save(tmp_path / session / "trials.goCue_times.npy", np.arange(3.0))
    repo, old = tables_older_than_nothing(tmp_path)  # scan-made: alflint index refuses unpadded numbers (ALF404)
    assert repo.source == "tables"
    root = tmp_path.resolve()
    assert repo.eid2path(repo.to_eid("mouse/2021-06-01/001")) == root / "mouse/2021-06-01/1"
    assert repo.eid2path(repo.to_eid("mouse/2021-06-01/2")) == root / "mouse/2021-06-01/002"
    assert repo.eid2path(repo.to_eid("lab/Subjects/rat/2021-06-02/3")) == root / "lab/Subjects/rat/2021-06-02/03"
    assert list(repo.load_object(repo.to_eid("mouse/2021-06-01/1"), "trials")) == ["goCue_times"]
    for changed in ("mouse/2021-06-01/1", "lab/Subjects/rat/2021-06-02/03", "lab/Subjects/rat"):
        os.utime(tmp_path / changed)  # now: after the tables
        with pytest.warns(ALFWarning, match="older than the data"):
            alflint.open(tmp_path)
        os.utime(tmp_path / changed, (old, old))
    os.rename(tmp_path / "mouse/2021-06-01/1", tmp_path / "gone")
    os.utime(tmp_path / "mouse/2021-06-01", (old, old))
    with pytest.warns(ALFWarning, match="older than the data"):
        alflint.open(tmp_path)


def test_size_mismatch_warns_once(tmp_path):
    make_seed(tmp_path)
    repo = alflint.open(tmp_path)
    np.save(tmp_path / SESSION / "alf/probe00/spikes.times.npy", np.arange(5, dtype=np.float32))
    eid = repo.to_eid(SESSION)
    with pytest.warns(ALFWarning, match="stale"):
        repo.load_dataset(eid, "spikes.times.npy", collection="alf/probe00")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        repo.load_dataset(eid, "spikes.times.npy", collection="alf/probe00")


def test_missing_file_on_disk(tmp_path):
    s = make_seed(tmp_path)
    repo = alflint.open(tmp_path)
    eid = repo.to_eid(SESSION)
    (s / "alf/probe00/spikes.times.npy").unlink()
    assert list(repo.load_object(eid, "spikes", collection="alf/probe00")) == ["clusters"]
    (s / "alf/probe00/spikes.clusters.npy").unlink()
    with pytest.raises(ALFObjectNotFound, match="not on disk"):
        repo.load_object(eid, "spikes", collection="alf/probe00")


def test_import_alflint_does_not_import_pandas():
    import subprocess
    import sys

    code = "import sys, alflint; alflint.spec; assert 'pandas' not in sys.modules and 'numpy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_validation_report_and_timestamps_sync_points(tmp_path):
    s = tmp_path / SESSION
    (s / "alf").mkdir(parents=True)
    np.save(s / "alf/spikes.times.npy", np.zeros(5))
    np.save(s / "alf/spikes.clusters.npy", np.zeros(4))
    np.save(s / "alf/wheel.position.npy", np.zeros(3))
    np.save(s / "alf/wheel.timestamps.npy", np.array([[0, 0.0], [1, 1.0], [2, 3.0]]))  # (k, 2) sync points
    repo = alflint.open(tmp_path)
    eid = repo.to_eid(SESSION)
    with pytest.raises(ALFInvalid) as caught:
        repo.load_object(eid, "spikes")
    assert [i.code for i in caught.value.report.errors] == ["ALF302"]  # the engine's report
    np.testing.assert_allclose(repo.load_object(eid, "wheel").timestamps, [0, 1, 3])


def test_open_on_tables_written_by_alflint_index(tmp_path):
    from alflint.indexer import index

    make_seed(tmp_path)
    index(tmp_path)
    assert (tmp_path / "sessions.pqt").is_file() and (tmp_path / "datasets.pqt").is_file()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # fresh tables: no staleness warning
        repo = alflint.open(tmp_path)
        assert repo.source == "tables"
        assert repo.list_datasets(SESSION) == ALL
        eid = repo.to_eid(SESSION)
        assert eid == alflint.open(tmp_path, scan=True).to_eid(SESSION)  # same ids as a scan
        np.testing.assert_allclose(repo.load_object(eid, "spikes", collection="alf/probe01").times, 110 + np.arange(6) / 10)
        np.testing.assert_allclose(
            repo.load_object(eid, "spikes", collection="alf/probe01", revision="2021-07-01").times, 10 + np.arange(5) / 10)


def test_rel_paths_that_are_not_text_are_left_out(tmp_path):
    """A table whose rel_path column holds None or a number beside text (hand-made or
    damaged) lists the text rows, sorted, instead of failing to sort."""
    make_seed(tmp_path)
    repo = alflint.open(tmp_path)
    sessions, datasets = repo.sessions.copy(), repo.datasets.copy()
    eid = repo.to_eid(SESSION)
    expected = repo.list_datasets(eid)
    for odd in (None, 7, float("nan")):
        extra = datasets.iloc[:1].copy()
        extra["rel_path"] = pd.Series([odd], index=extra.index, dtype=object)
        extra.index = pd.MultiIndex.from_tuples([(eid, "odd")], names=datasets.index.names)
        damaged = pd.concat([datasets.assign(rel_path=datasets["rel_path"].astype(object)), extra])
        repo = repository.Repository(tmp_path, sessions, damaged)
        assert repo.list_datasets(eid) == expected, odd
        assert repo.list_datasets(eid, filename="*") == expected, odd
