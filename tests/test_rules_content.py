"""ALF501-ALF505: file contents, on tiny real files written by numpy, pyarrow, pandas.

Each case is a tiny tree in and the expected codes out; correct files stay silent.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import alflint
from alflint.config import Config

S = "subj/2021-01-01/001"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


def write(root: Path, files: dict) -> Path:
    """Write ``{relative path: content}``: arrays as .npy, frames as .pqt/.csv/.tsv/.ssv,
    dicts and lists as JSON, bytes and str as they are."""
    for rel, value in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(value, bytes):
            path.write_bytes(value)
        elif isinstance(value, np.ndarray):
            np.save(path, value, allow_pickle=True)
        elif isinstance(value, pd.DataFrame):
            if path.suffix == ".pqt":
                value.to_parquet(path)
            else:
                sep = {".csv": ",", ".tsv": "\t", ".ssv": " "}[path.suffix]
                value.to_csv(path, sep=sep, index=False)
        elif isinstance(value, (dict, list)):
            path.write_text(json.dumps(value))
        else:
            path.write_text(value)
    return root


def check(root: Path, select, **config) -> list[tuple[str, str]]:
    report = alflint.check(root, select=select, config=Config(**config))
    assert report.internal_errors == 0, report.issues
    return sorted((i.code, i.path) for i in report.issues)


def issues(root: Path, select, **config):
    report = alflint.check(root, select=select, config=Config(**config))
    assert report.internal_errors == 0, report.issues
    return report.issues


def npy_bytes(array) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=True)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# ALF501 malformed-content
# --------------------------------------------------------------------------------------------

GOOD = {
    f"{S}/alf/spikes.times.npy": np.arange(10.0),
    f"{S}/alf/spikes.clusters.npy": np.zeros(10, dtype=np.uint32),
    f"{S}/alf/trials.table.pqt": pd.DataFrame({"choice": [1, -1], "goCue_times": [0.5, 1.5]}),
    f"{S}/alf/clusters.metrics.csv": pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}),
    f"{S}/alf/clusters.labels.tsv": pd.DataFrame({"label": ["good", "mua"]}),
    f"{S}/alf/wheel.velocity.ssv": pd.DataFrame({"v": [0.1, 0.2]}),
    f"{S}/probes.description.json": [{"label": "probe00"}],
    f"{S}/raw_behavior_data/_iblrig_taskData.raw.jsonable": '{"trial": 1}\n{"trial": 2}\n',
    f"{S}/raw_video_data/_iblrig_leftCamera.raw.mp4": b"\x00not inspected",
    f"{S}/raw/imaging.frames.bin": np.arange(12, dtype="<i2").tobytes(),
    f"{S}/raw/imaging.frames.metadata.json": {"dtype": "<i2", "columns": ["a", "b", "c"]},
}


def test_well_formed_files_of_every_format_are_silent(tmp_path):
    write(tmp_path, GOOD)
    assert check(tmp_path, ["ALF5"]) == []


@pytest.mark.parametrize(
    "name, content, phrase",
    [
        ("alf/spikes.times.npy", npy_bytes(np.arange(10.0))[:-8], "truncated"),
        ("alf/spikes.times.npy", npy_bytes(np.arange(10.0)) + b"\0" * 8, "trailing data"),
        ("alf/spikes.times.npy", b"\x93NUMPY\x01\x00\xff\x00{'descr'", "truncated"),
        ("alf/spikes.times.npy", b"this is not numpy at all", "not an .npy file"),
        ("alf/trials.table.pqt", b"choice,goCue_times\n1,0.5\n", "not a readable parquet file"),
        ("alf/clusters.metrics.csv", "a,b\n1,2\n3\n", "line 3 has 1 column"),
        ("alf/clusters.labels.tsv", "a\tb\n1\t2\t3\n", "line 2 has 3 columns"),
        ("alf/wheel.velocity.ssv", "a b\n1 2\n3 4 5\n", "line 3 has 3 columns"),
        ("probes.description.json", '{"label": "probe00",}', "invalid JSON"),
        ("raw/_iblrig_taskData.raw.jsonable", '{"trial": 1}\n{"trial": \n', "line 2 is not JSON"),
    ],
    ids=["npy-truncated", "npy-padded", "npy-header-cut", "npy-not-npy", "pqt-is-csv", "csv-short-row",
         "tsv-long-row", "ssv-long-row", "json-syntax", "jsonable-bad-line"],
)
def test_corrupt_files_are_errors_naming_the_problem(tmp_path, name, content, phrase):
    write(tmp_path, {f"{S}/{name}": content})
    found = issues(tmp_path, ["ALF501"])
    assert [(i.code, i.path, i.severity) for i in found] == [("ALF501", f"{S}/{name}", "error")]
    assert phrase in found[0].message


def test_bin_not_a_whole_number_of_rows_is_an_error(tmp_path):
    write(tmp_path, {
        f"{S}/raw/imaging.frames.bin": np.arange(13, dtype="<i2").tobytes(),
        f"{S}/raw/imaging.frames.metadata.json": {"dtype": "<i2", "columns": ["a", "b", "c"]},
    })
    found = issues(tmp_path, ["ALF5"])
    assert [(i.code, i.path) for i in found] == [("ALF501", f"{S}/raw/imaging.frames.bin")]
    assert "not a whole number of rows" in found[0].message


def test_bin_metadata_failing_the_schema_is_an_error(tmp_path):
    write(tmp_path, {
        f"{S}/raw/imaging.frames.bin": np.arange(12, dtype="<i2").tobytes(),
        f"{S}/raw/imaging.frames.metadata.json": {"dtype": "<i2"},
    })
    found = issues(tmp_path, ["ALF5"])
    assert [(i.code, i.path) for i in found] == [("ALF501", f"{S}/raw/imaging.frames.bin")]
    assert "'columns' is a required property" in found[0].message


def test_no_content_skips_content_rules(tmp_path):
    write(tmp_path, {f"{S}/alf/spikes.times.npy": b"garbage"})
    report = alflint.check(tmp_path, select=["ALF5"], config=Config(), content=False)
    assert report.issues == []
    assert [i.code for i in alflint.check(tmp_path, select=["ALF5"], config=Config()).issues] == ["ALF501"]


def test_files_outside_sessions_and_invalid_names_are_left_to_name_rules(tmp_path):
    write(tmp_path, {"spikes.times.npy": b"garbage", f"{S}/alf/notes.json": "{", f"{S}/alf/spikes times.x.npy": b"x"})
    assert check(tmp_path, ["ALF5"]) == []


# --------------------------------------------------------------------------------------------
# ALF502-ALF505
# --------------------------------------------------------------------------------------------

def test_object_dtype_npy_is_a_warning(tmp_path):
    write(tmp_path, {f"{S}/alf/clusters.labels.npy": np.array(["good", 3, None], dtype=object),
                     f"{S}/alf/clusters.names.npy": np.array(["good", "mua"])})
    found = issues(tmp_path, ["ALF5"])
    assert [(i.code, i.path, i.severity) for i in found] == [("ALF502", f"{S}/alf/clusters.labels.npy", "warning")]
    assert "pickle" in found[0].message


def test_bin_without_metadata_is_a_warning_unless_spikeglx_meta_describes_it(tmp_path):
    write(tmp_path, {
        f"{S}/raw_video_data/_iblrig_leftCamera.GPIO.bin": b"\0" * 16,
        f"{S}/raw_ephys_data/probe00/_spikeglx_ephysData_g0_t0.imec0.ap.bin": b"\0" * 16,
        f"{S}/raw_ephys_data/probe00/_spikeglx_ephysData_g0_t0.imec0.ap.meta": "nSavedChans=385\n",
    })
    found = issues(tmp_path, ["ALF5"])
    assert [(i.code, i.path, i.severity) for i in found] == [
        ("ALF503", f"{S}/raw_video_data/_iblrig_leftCamera.GPIO.bin", "warning")]
    assert "_iblrig_leftCamera.GPIO*.metadata*.json" in found[0].message


def test_empty_file_is_a_warning_even_without_content(tmp_path):
    write(tmp_path, {f"{S}/alf/spikes.times.npy": b"", f"{S}/alf/spikes.amps.npy": np.zeros(3)})
    for content in (True, False):
        report = alflint.check(tmp_path, select=["ALF5"], config=Config(), content=content)
        assert [(i.code, i.path) for i in report.issues] == [("ALF504", f"{S}/alf/spikes.times.npy")]


def test_zero_dimensional_array_is_a_warning(tmp_path):
    write(tmp_path, {f"{S}/alf/probe.depth.npy": np.array(3.2), f"{S}/alf/probe.width.npy": np.array([3.2])})
    found = issues(tmp_path, ["ALF5"])
    assert [(i.code, i.path) for i in found] == [("ALF505", f"{S}/alf/probe.depth.npy")]
    assert "IndexError" in found[0].message


def test_every_content_rule_is_documented():
    from alflint.engine import Engine

    rules = Engine.create(".", config=Config()).rules
    for code in [c for c in rules if c.startswith(("ALF5", "ALF6")) or "302" <= c[3:] <= "399"]:
        doc = rules[code].doc
        for heading in ("**What it checks", "**Why it matters", "**Bad:**", "**Good:**"):
            assert heading in doc, f"{code} lacks {heading}"
