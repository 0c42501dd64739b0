"""Real names, consistent contents: the content, object and relation rules stay silent.

Every ``high``-confidence literal name of tests/data/ibl/alf_names.csv is placed in one
session of a generated tree, with contents consistent the way the ALF specification asks:
every object has the same number of rows, intervals have two columns, times are increasing
numbers, relations hold index 0, ``.bin`` files have metadata. No rule of ALF302-ALF308 or
ALF5xx may report an error (or, here, anything at all but the documented warnings). The
example repository must give no error either.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import alflint
from alflint import spec
from alflint.config import Config

DATA = Path(__file__).parent / "data" / "ibl"
EXAMPLE = Path(__file__).parent.parent / "examples" / "repo"
SESSION = "cortexlab/Subjects/KS005/2019-04-01/001"
N = 4
MINE = ["ALF302", "ALF303", "ALF304", "ALF305", "ALF306", "ALF307", "ALF308", "ALF5"]



def real_names() -> list[str]:
    rows = csv.DictReader(open(DATA / "alf_names.csv", encoding="utf-8"))
    return sorted({r["rel_path"] for r in rows if r["confidence"] == "high" and r["is_template"] == "False"
                   and r["valid_filename"] == "True" and r["valid_collection"] == "True"})


def _role(attribute: str) -> str | None:
    if attribute == "times" or attribute.endswith("_times"):
        return "times"
    if attribute == "intervals" or attribute.endswith("_intervals"):
        return "intervals"
    return attribute


def consistent_tree(root: Path, names: list[str]) -> Path:
    """Write every name below one session with consistent contents (N rows per object)."""
    session = root / SESSION
    objects: dict[str, set[str]] = {}
    for rel in names:
        folder, _, name = rel.rpartition("/")
        parts = spec.try_parse_filename(name)
        objects.setdefault(folder, set()).add(parts.object)
    for rel in names:
        folder, _, name = rel.rpartition("/")
        parts = spec.try_parse_filename(name)
        path = session / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        role = _role(parts.attribute)
        relation = parts.attribute in objects[folder] and parts.attribute != parts.object
        if relation:
            values = np.zeros(N, dtype=np.int64)
        elif role == "intervals":
            values = np.column_stack([np.arange(N), np.arange(N) + 0.5])
        else:
            values = np.arange(N, dtype=np.float64)
        ext = parts.extension
        if ext == "npy":
            np.save(path, values)
        elif ext == "pqt":
            if parts.attribute == "table":
                frame = pd.DataFrame({"intervals_0": np.arange(N, dtype=float), "intervals_1": np.arange(N) + 0.5,
                                      "goCue_times": np.arange(N, dtype=float), "choice": np.ones(N)})
            elif values.ndim == 2:
                frame = pd.DataFrame({"start": values[:, 0], "end": values[:, 1]})
            else:
                frame = pd.DataFrame({parts.attribute: values})
            frame.to_parquet(path)
        elif ext in ("csv", "tsv", "htsv", "ssv"):
            sep = {"csv": ",", "tsv": "\t", "htsv": "\t", "ssv": " "}[ext]
            frame = pd.DataFrame(values.reshape(N, -1), columns=[f"c{i}" for i in range(values.reshape(N, -1).shape[1])])
            frame.to_csv(path, sep=sep, index=False)
        elif ext == "json":
            path.write_text(json.dumps({"name": name}))
        elif ext == "jsonable":
            path.write_text("".join(json.dumps({"row": i}) + "\n" for i in range(N)))
        elif ext == "bin":
            path.write_bytes(np.zeros((N, 2), dtype="<f4").tobytes())
            meta = path.with_name(name[: -len(".bin")] + ".metadata.json")
            meta.write_text(json.dumps({"dtype": "<f4", "columns": ["a", "b"]}))
        else:
            path.write_bytes(b"\x00opaque " + name.encode())
    return root


def test_there_are_hundreds_of_high_confidence_real_names():
    names = real_names()
    assert len(names) > 300
    assert Counter(n.rsplit(".", 1)[-1] for n in names)["npy"] > 150


def test_real_names_with_consistent_contents_raise_no_content_object_or_relation_issue(tmp_path):
    names = real_names()
    consistent_tree(tmp_path, names)
    report = alflint.check(tmp_path, select=MINE, config=Config())
    assert report.internal_errors == 0, report.issues
    described = "\n".join(f"{i.code} {i.severity} {i.path}: {i.message}" for i in report.issues)
    assert [i for i in report.issues if i.severity == "error"] == [], described
    assert report.issues == [], described
    assert report.files_checked >= len(names)


def test_real_names_with_inconsistent_contents_do_raise_issues(tmp_path):
    """The same tree is not silent by construction: break three things, get three codes."""
    names = real_names()
    consistent_tree(tmp_path, names)
    alf = tmp_path / SESSION / "alf"
    assert (alf / "spikes.clusters.npy").exists() and (alf / "clusters.depths.npy").exists()
    np.save(alf / "spikes.clusters.npy", np.array([0, 1, 2, 9]))              # out of range (N clusters)
    np.save(alf / "spikes.amps.npy", np.zeros(N + 1))                         # length mismatch
    (alf / "spikes.depths.npy").write_bytes((alf / "spikes.depths.npy").read_bytes()[:-3])  # truncated
    report = alflint.check(tmp_path, select=MINE, config=Config())
    found = sorted((i.code, i.path.rsplit("/", 1)[-1]) for i in report.issues)
    assert found == [("ALF302", "spikes.*"), ("ALF307", "spikes.clusters.npy"), ("ALF501", "spikes.depths.npy")]


@pytest.mark.skipif(not EXAMPLE.is_dir(), reason="examples/repo not generated")
def test_example_repository_has_no_content_object_or_relation_issue():
    report = alflint.check(EXAMPLE, select=MINE + ["ALF6"], config=Config())
    assert report.internal_errors == 0
    assert report.issues == [], report.issues
    assert report.files_checked > 10


@pytest.mark.skipif(not EXAMPLE.is_dir(), reason="examples/repo not generated")
def test_example_repository_has_no_error_with_every_rule_and_the_ibl_pack():
    report = alflint.check(EXAMPLE, select=["ALF"], extend_select=["ALF306"], config=Config(packs=["ibl"]))
    errors = [i for i in report.issues if i.severity == "error"]
    assert errors == [], errors
