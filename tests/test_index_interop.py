"""`alflint index`, then the real one-api: every session lists and loads what is on disk.

On a copy of the example repository and on a generated repository of a few hundred sessions
with revisions, namespaces and timescales, ONE opened on alflint's tables returns, for every
session, the datasets, collections and revisions on disk (as sets) and the arrays of the
newest revision from load_object and load_dataset, without a warning or an md5 log.
"""

from __future__ import annotations

import logging
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

import alflint

one_api = pytest.importorskip("one.api")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "repo"

#: (rel_path, rows): objects share their rows; the revision rewrites spikes with other values.
SESSION = [
    ("alf/_ibl_trials.intervals.npy", 6),
    ("alf/_ibl_trials.choice.npy", 6),
    ("alf/_ibl_trials.goCue_times_bpod.npy", 6),
    ("alf/_ibl_wheel.position.npy", 9),
    ("alf/_ibl_wheel.timestamps.npy", 9),
    ("alf/probe00/spikes.times.npy", 7),
    ("alf/probe00/spikes.clusters.npy", 7),
    ("alf/probe00/clusters.depths.npy", 3),
    ("alf/probe00/#2021-07-05#/spikes.times.npy", 8),
    ("alf/probe00/#2021-07-05#/spikes.clusters.npy", 8),
]


def generate(root: Path, sessions: int) -> list[str]:
    paths = []
    for i in range(sessions):
        lab = ("cortexlab", "mainenlab", None)[i % 3]
        subject = f"SW{i % 40:03d}"
        session = f"{subject}/2021-{1 + (i // 40) % 12:02d}-{1 + i % 28:02d}/{1 + i % 2:03d}"
        session = f"{lab}/Subjects/{session}" if lab else session
        paths.append(session)
        for rel, rows in SESSION:
            path = root / session / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if "intervals" in rel:
                data = np.stack([np.arange(rows), np.arange(rows) + 0.5], axis=1) + i
            elif rel.endswith("clusters.npy"):
                data = np.arange(rows) % 3
            else:
                data = np.arange(rows, dtype=float) + i + (100 if "#" in rel else 0)
            np.save(path, data)
    return paths


def newest(rels: list[str]) -> dict[tuple[str, str], str]:
    """(collection, filename) -> rel_path of its newest revision."""
    best: dict[tuple[str, str], tuple[str, str]] = {}
    for rel in rels:
        parts = rel.split("/")
        revision = parts[-2][1:-1] if len(parts) > 1 and parts[-2].startswith("#") else ""
        folders = [p for p in parts[:-1] if not p.startswith("#")]
        key = ("/".join(folders), parts[-1])
        if key not in best or revision > best[key][0]:
            best[key] = (revision, rel)
    return {k: v[1] for k, v in best.items()}


def assert_one_agrees(root: Path, sessions: list[str]) -> int:
    """Compare ONE's answers with the files on disk for every session; returns loads made."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("one")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    loads = 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # any ALFWarning ("No default revision") fails
            one = one_api.One(cache_dir=str(root), mode="local")
            for session in sessions:
                eid = one.to_eid(session)
                on_disk = sorted(p.relative_to(root / session).as_posix() for p in (root / session).rglob("*") if p.is_file())
                assert sorted(one.list_datasets(eid)) == on_disk
                assert set(one.list_collections(eid)) == {"/".join(p for p in r.split("/")[:-1] if not p.startswith("#")) for r in on_disk}
                assert set(one.list_revisions(eid)) == {next((p[1:-1] for p in r.split("/") if p.startswith("#")), "") for r in on_disk}
                chosen = newest(on_disk)
                objects: dict[tuple[str, str], dict[str, str]] = {}
                for (collection, name), rel in chosen.items():
                    if name.endswith(".npy"):
                        head, attr = name.split(".")[:2]
                        objects.setdefault((collection, head), {})[attr] = rel
                for (collection, head), attrs in objects.items():
                    namespace = head[1:].split("_")[0] if head.startswith("_") else None
                    obj = head.split("_")[-1] if namespace else head
                    kwargs = {"namespace": namespace} if namespace else {}
                    loaded = one.load_object(eid, obj, collection=collection or None, **kwargs)
                    loads += 1
                    assert sorted(loaded) == sorted(attrs)
                    for attr, rel in attrs.items():
                        np.testing.assert_array_equal(loaded[attr], np.load(root / session / rel))
                for (collection, name), rel in chosen.items():
                    if name.endswith(".npy"):
                        data = one.load_dataset(eid, name, collection=collection or None)
                        loads += 1
                        np.testing.assert_array_equal(data, np.load(root / session / rel))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    assert [r.getMessage() for r in records] == []  # no md5 mismatch, no size mismatch
    return loads


def test_example_repository(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root)
    alflint.index(root)
    sessions = ["subject/2021-06-01/001", "cortexlab/Subjects/KS005/2019-04-01/001"]
    assert assert_one_agrees(root, sessions) > 10


def test_generated_repository_of_a_few_hundred_sessions(tmp_path):
    root = tmp_path / "repo"
    sessions = generate(root, 200)
    alflint.index(root)
    loads = assert_one_agrees(root, sessions)
    print(f"{len(sessions)} sessions, {loads} ONE loads compared with the files on disk")
    assert loads == len(sessions) * (4 + 8)  # 4 objects and 8 datasets in each session
