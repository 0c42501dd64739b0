"""Dataset-type packs (ALF601, ALF602, ALF604) and required datasets (ALF603).

The IBL pack is checked against the reference data in tests/data/ibl: it is exactly what the
builder makes of the Alyx export, and its matcher agrees with the recorded Alyx matches of
every literal real name.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

import alflint
from alflint import spec
from alflint.datasettypes import (PackError, load_pack, pack_from_alyx_csv, resolve_pack,
                                  validate_pack)

DATA = Path(__file__).parent / "data" / "ibl"
S = "subj/2021-01-01/001"



def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, np.zeros(3)) if name.endswith(".npy") else path.write_bytes(b"x")


def run(root: Path, toml: str, select=("ALF601", "ALF602", "ALF603", "ALF604")):
    (root / "alflint.toml").write_text(toml)
    report = alflint.check(root, select=list(select), config=root / "alflint.toml")
    assert report.internal_errors == 0, report.issues
    return sorted(report.issues, key=lambda i: (i.path, i.code))


# --------------------------------------------------------------------------------------------
# The IBL pack
# --------------------------------------------------------------------------------------------

def test_shipped_ibl_pack_is_what_the_builder_makes_of_the_alyx_export():
    shipped = json.loads(Path(resolve_pack("ibl")).read_text())
    built = pack_from_alyx_csv(str(DATA / "dataset_types.csv"), str(DATA / "iblalyx_expected_datasets.csv"),
                               name="ibl", description=shipped["description"])
    assert built == shipped
    validate_pack(shipped)
    current = [r for r in csv.DictReader(open(DATA / "dataset_types.csv")) if r["status"] != "historical_only"]
    assert len(shipped["dataset_types"]) == len(current) == 223
    spikes = next(t for t in shipped["dataset_types"] if t["name"] == "spikes.clusters")
    assert spikes["collections"] == ["alf/*"] and spikes["required"] is True


def test_matcher_agrees_with_alyx_on_every_literal_real_name():
    pack = load_pack(resolve_pack("ibl"))
    rows = [r for r in csv.DictReader(open(DATA / "alf_names.csv")) if r["is_template"] == "False"]
    assert len(rows) > 500
    for r in rows:
        parts = spec.try_parse_filename(r["filename"])
        oa = f"{parts.object}.{parts.attribute}" if parts else None
        expected = {t for t in r["matched_dataset_types"].split("|") if t}
        assert set(pack.match(r["filename"], oa)) == expected, r["filename"]


def test_matching_is_case_insensitive_on_patterns_and_exact_on_names():
    pack = load_pack(resolve_pack("ibl"))
    assert pack.match("SPIKES.TIMES.npy", "SPIKES.TIMES") == ("spikes.times",)
    assert pack.match("channels.labels.npy", "channels.labels") == ("channels.labels",)  # empty pattern
    assert pack.match("Channels.Labels.npy", "Channels.Labels") == ()


@pytest.mark.parametrize(
    "document, phrase",
    [
        ({"dataset_types": []}, "'name' is a required property"),
        ({"name": "lab", "dataset_types": {"a": 1}}, "is not of type 'array'"),
        ({"name": "lab", "dataset_types": [{"filename_pattern": "*"}]}, "'name' is a required property"),
        ({"name": "lab", "dataset_types": [{"name": "a.b", "required": "yes"}]}, "is not of type 'boolean'"),
        ({"name": "lab", "dataset_types": [{"name": "a.b", "filename_pattern": "alf/a.b*"}]}, "not paths"),
    ],
)
def test_pack_schema_rejects_malformed_packs(document, phrase):
    with pytest.raises(PackError, match=None) as info:
        validate_pack(document, "pack lab.json")
    assert phrase in str(info.value)


# --------------------------------------------------------------------------------------------
# ALF601 / ALF602 with packs = ["ibl"]
# --------------------------------------------------------------------------------------------

def test_packs_rules_do_nothing_without_packs(tmp_path):
    touch(tmp_path, f"{S}/alf/spikes.timing.npy")
    assert run(tmp_path, "") == []


def test_every_dataset_must_match_exactly_one_ibl_type(tmp_path):
    touch(tmp_path,
          f"{S}/alf/probe00/spikes.times.npy",
          f"{S}/alf/probe00/spikes.clusters.npy",
          f"{S}/alf/_ibl_trials.table.pqt",
          f"{S}/raw_video_data/_iblrig_leftCamera.raw.mp4",
          f"{S}/alf/spikes.timing.npy",
          f"{S}/alf/_ibl_subjectTrials.table.pqt",
          "notes/readme.txt")  # outside sessions: not a dataset
    found = run(tmp_path, 'packs = ["ibl"]\n')
    assert [(i.code, i.path, i.severity) for i in found] == [
        ("ALF602", f"{S}/alf/_ibl_subjectTrials.table.pqt", "error"),
        ("ALF601", f"{S}/alf/spikes.timing.npy", "error"),
    ]
    assert found[0].message == "_ibl_subjectTrials.table.pqt matches 2 dataset types: subjectTrials.table, trials.table"
    assert found[1].message == "spikes.timing.npy matches no dataset type of pack ibl"


def test_a_lab_pack_by_path_adds_types(tmp_path):
    lab = {"name": "lab", "dataset_types": [
        {"name": "spikes.timing", "filename_pattern": "spikes.timing.*", "description": "our timing"}]}
    (tmp_path / "packs").mkdir()
    (tmp_path / "packs" / "lab.json").write_text(json.dumps(lab))
    touch(tmp_path, f"{S}/alf/spikes.timing.npy", f"{S}/alf/laser.power.npy")
    found = run(tmp_path, 'packs = ["ibl", "packs/lab.json"]\n')
    assert [(i.code, i.path) for i in found] == [("ALF601", f"{S}/alf/laser.power.npy")]
    assert "packs ibl, lab" in found[0].message


@pytest.mark.parametrize(
    "packs, content, phrase",
    [
        ('["ilb"]', None, "unknown pack 'ilb'; known packs: ibl"),
        ('["./missing.json"]', None, "pack file './missing.json' not found"),
        ('["./bad.json"]', "{not json", "not valid JSON"),
        ('["./bad.json"]', '{"name": "bad", "dataset_types": [{"name": 3}]}', "3 is not of type 'string'"),
    ],
)
def test_a_pack_that_does_not_load_is_an_error_not_silence(tmp_path, packs, content, phrase):
    if content is not None:
        (tmp_path / "bad.json").write_text(content)
    touch(tmp_path, f"{S}/alf/spikes.times.npy")
    found = run(tmp_path, f"packs = {packs}\n")
    assert [(i.code, i.path, i.severity) for i in found] == [("ALF604", ".", "error")]
    assert phrase in found[0].message


# --------------------------------------------------------------------------------------------
# ALF603 missing-required-dataset
# --------------------------------------------------------------------------------------------

REQUIRED = """
[[required-datasets]]
collection = "alf/probe*"
datasets = ["spikes.times", "spikes.clusters"]

[[required-datasets]]
datasets = ["trials.intervals"]

[[required-datasets]]
collection = "raw_behavior_data"
datasets = ["_iblrig_taskData.raw"]
"""


def test_required_datasets_per_collection_and_per_session(tmp_path):
    touch(tmp_path,
          f"{S}/alf/probe00/spikes.times.npy",
          f"{S}/alf/probe00/_ibl_spikes.clusters.npy",       # any namespace
          f"{S}/alf/probe01/spikes.times.npy",
          f"{S}/alf/probe01/#2021-02-01#/spikes.times_ephysClock.npy",
          f"{S}/alf/trials.intervals.npy",
          f"{S}/alf/wheel.position.npy")
    found = run(tmp_path, REQUIRED)
    assert [(i.code, i.path, i.message) for i in found] == [
        ("ALF603", f"{S}/alf/probe01", "collection 'alf/probe01' lacks spikes.clusters (required by collection 'alf/probe*')"),
        ("ALF603", f"{S}/raw_behavior_data",
         "collection 'raw_behavior_data' lacks _iblrig_taskData.raw (required by required-datasets)"),
    ]


def test_required_datasets_anywhere_in_the_session(tmp_path):
    touch(tmp_path, f"{S}/alf/probe00/spikes.times.npy", f"{S}/alf/probe00/spikes.clusters.npy",
          f"{S}/raw_behavior_data/_iblrig_taskData.raw.jsonable")
    found = run(tmp_path, REQUIRED)
    assert [(i.code, i.path, i.message) for i in found] == [
        ("ALF603", S, "the session lacks trials.intervals (required-datasets)")]
    touch(tmp_path, f"{S}/alf/#2021-03-01#/trials.intervals.npy")
    assert run(tmp_path, REQUIRED) == []


def test_a_plugin_can_ship_a_pack_by_name(tmp_path):
    pack = {"name": "labpack", "dataset_types": [{"name": "laser.power", "filename_pattern": "*laser.power*"}]}
    (tmp_path / "labpack.json").write_text(json.dumps(pack))
    (tmp_path / "lab_plugin.py").write_text(
        "import os\n"
        "from alflint.plugin import hookimpl\n\n"
        "@hookimpl\n"
        "def alflint_packs():\n"
        "    return {'labpack': os.path.join(os.path.dirname(__file__), 'labpack.json')}\n"
    )
    touch(tmp_path, f"{S}/alf/laser.power.npy", f"{S}/alf/laser.energy.npy")
    found = run(tmp_path, 'plugins = ["./lab_plugin.py"]\npacks = ["labpack"]\n')
    assert [(i.code, i.path) for i in found] == [("ALF601", f"{S}/alf/laser.energy.npy")]
    assert found[0].message.endswith("of pack labpack")


def test_incomplete_dataset_group_is_opt_in_and_names_what_is_missing(tmp_path):
    touch(tmp_path,
          f"{S}/alf/wheel.position.npy",                     # WHEEL present, wheel.timestamps missing
          f"{S}/alf/_ibl_wheelMoves.intervals.npy",
          f"{S}/alf/_ibl_wheelMoves.peakAmplitude.npy",
          f"{S}/alf/probe00/spikes.times.npy")               # SPIKE_SORTING present, much missing
    assert [i.code for i in run(tmp_path, 'packs = ["ibl"]\n', select=["ALF"]) if i.code == "ALF605"] == []  # opt-in
    found = run(tmp_path, 'packs = ["ibl"]\n', select=["ALF605"])
    assert [(i.code, i.path, i.severity) for i in found] == [
        ("ALF605", f"{S}/alf", "warning"), ("ALF605", f"{S}/alf/probe00", "warning")]
    assert found[0].message == "collection 'alf' holds WHEEL datasets but lacks required wheel.timestamps (pack ibl)"
    assert "holds SPIKE_SORTING datasets but lacks required" in found[1].message
    assert "spikes.clusters" in found[1].message and "spikes.times" not in found[1].message.split("lacks")[1]
    touch(tmp_path, f"{S}/alf/_ibl_wheel.timestamps.npy")
    assert [i.path for i in run(tmp_path, 'packs = ["ibl"]\n', select=["ALF605"])] == [f"{S}/alf/probe00"]
