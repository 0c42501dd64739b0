"""benchmarks/generate.py keeps its promise: a generated repository passes ``alflint check``
(content rules on) with no errors, has exactly the number of files asked for, and is the
same, byte for byte, for the same seed."""

from __future__ import annotations

import importlib.util
import os
import re
from collections import Counter
from pathlib import Path

import pytest

import alflint

pytest.importorskip("numpy")
pytest.importorskip("pyarrow")

GENERATE = Path(__file__).resolve().parents[1] / "benchmarks" / "generate.py"


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("alflint_bench_generate", GENERATE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def all_names(gen, tmp_path_factory):
    """A small repository with every real name in every session, next to the typical set."""
    root = tmp_path_factory.mktemp("all_names")
    gen.generate(root, 900, seed=0, extra_real=346)
    return root


def _tree(root: Path) -> dict[str, bytes]:
    out = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = Path(folder, name)
            out[path.relative_to(root).as_posix()] = path.read_bytes()
    return out


def _errors(report) -> list[str]:
    return [f"{i.path}: {i.code} {i.message}" for i in report.errors]


@pytest.mark.parametrize(("files", "seed", "extra_real"), [
    (600, 0, 10),    # the default mix
    (900, 1, 30),    # more real names per session
    (800, 2, 346),   # every real name in every session, next to the typical set
])
def test_generated_repository_has_no_errors(tmp_path, gen, files, seed, extra_real):
    summary = gen.generate(tmp_path, files, seed=seed, extra_real=extra_real)
    assert summary["files"] == files
    report = alflint.check(tmp_path)
    assert report.internal_errors == 0
    assert _errors(report) == []
    assert report.files_checked == files
    # content rules did run (warnings on real names are expected and fine)
    assert report.sessions_checked == summary["sessions"] > 1


def test_real_names_that_share_typical_objects_and_relations_are_present(all_names):
    """The names that used to break the promise (ALF302, ALF308, ALF113) are in the tree, so
    the zero-error test above is not passing because they were left out."""
    rels = {re.split(r"/\d{4}-\d\d-\d\d/\d{3}/", p, maxsplit=1)[1] for p in _tree(all_names)}  # session-relative
    for rel in ("alf/_ibl_trials.contrastLeft.npy", "alf/_ibl_trials.choice.npy",  # real + typical trials
                "alf/_ibl_wheel.times.npy", "alf/_ibl_wheel.position.npy",
                "alf/probe01/clusters.mlapdv.npy", "alf/probe01/clusters.depths.npy"):
        assert rel in rels, rel
    names = {r.rsplit("/", 1)[-1] for r in rels}
    for relation in ("channels.probes.npy", "clusters.probes.npy", "mpciROIs.mpciROITypes.npy"):
        assert relation in names, relation
    folded = Counter(r.lower() for r in rels)
    assert max(folded.values()) == 1  # no two paths differ only by case


def test_relations_hold_integer_row_indices(all_names):
    import numpy as np

    checked = 0
    for path in all_names.rglob("*.probes.npy"):
        targets = [p for p in path.parent.glob("probes.*.npy")] + [p for p in path.parent.glob("_*_probes.*.npy")]
        if not targets:
            continue
        values = np.load(path)
        rows = {len(np.load(t)) for t in targets}
        assert values.dtype.kind == "i"
        assert len(rows) == 1 and 0 <= values.min() and values.max() < rows.pop()
        checked += 1
    assert checked > 0


def test_same_seed_same_repository(tmp_path, gen):
    a = gen.generate(tmp_path / "a", 400, seed=3, extra_real=20)
    b = gen.generate(tmp_path / "b", 400, seed=3, extra_real=20)
    c = gen.generate(tmp_path / "c", 400, seed=4, extra_real=20)
    tree_a, tree_b, tree_c = _tree(tmp_path / "a"), _tree(tmp_path / "b"), _tree(tmp_path / "c")
    assert len(tree_a) == a["files"] == b["files"] == 400
    assert sorted(tree_a) == sorted(tree_b)
    assert tree_a == tree_b
    assert c["files"] == 400 and sorted(tree_c) != sorted(tree_a)  # the seed does change the layout


@pytest.mark.parametrize("files", [1, 37, 301])
def test_exact_file_count(tmp_path, gen, files):
    summary = gen.generate(tmp_path, files, seed=0, extra_real=10)
    assert summary["files"] == files
    assert len(_tree(tmp_path)) == files


def test_parquet_tables_have_their_real_columns_and_a_footer_of_their_own(all_names):
    """IBL's tables are wide (a DLC table has 33 columns) and each session's footer differs
    (row counts, statistics): a narrow table repeated byte for byte would hide what reading
    footers costs on real data."""
    import pyarrow.parquet as pq

    from alflint.content._parquet_footer import read_footer

    widths, footers = {}, Counter()
    for path in all_names.rglob("*.pqt"):
        widths[path.name] = len(pq.read_schema(path).names)
        footers[read_footer(path, path.stat().st_size)] += 1
    assert widths["clusters.metrics.pqt"] == 30
    assert {w for name, w in widths.items() if name.endswith(("Camera.dlc.pqt", "Camera.lightningPose.pqt"))} == {33}
    assert {w for name, w in widths.items() if name.endswith("trials.table.pqt")} == {17}
    assert sum(footers.values()) > 10 and max(footers.values()) == 1  # no two files share a footer
