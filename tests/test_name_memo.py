"""The engine's per-name shortcuts change nothing a check finds.

Rules declared ``per_name`` run once per distinct file name, and ``applies`` tests skip path
rules for names they cannot concern (see :mod:`alflint.rule`). Both are promises made by the
rule's author; these tests hold the built-in rules to them: on a tree where every rule case,
every real IBL name (in a session, outside one, in a hidden folder) and broken contents of
each inspected kind sit side by side, the engine with the shortcuts and the engine with
every rule run on every file report exactly the same issues.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from alflint.engine import Engine
from rule_cases import build_files, build_tree, load_cases
from test_rules_real_names import literal_names

np = pytest.importorskip("numpy")

S = "subj/2021-01-01/001"


def _npy(array) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=True)
    return buf.getvalue()


BROKEN = {
    f"{S}/alf/trials.intervals.npy": _npy(np.zeros(5)),                    # ALF303
    f"{S}/alf/trials.goCue_times.npy": _npy(np.array(["a", "b"])),          # ALF304
    f"{S}/alf/wheel.timestamps.npy": _npy(np.zeros((4, 3))),               # ALF305
    f"{S}/alf/probe.depth.npy": _npy(np.float64(3.2)),                     # ALF504
    f"{S}/alf/clusters.labels.npy": _npy(np.array([1, "a"], dtype=object)),  # ALF502
    f"{S}/alf/spikes.amps.npy": _npy(np.zeros(100))[:-8],                  # ALF501 (truncated)
    f"{S}/alf/_iblrig_leftCamera.GPIO.bin": b"\0" * 16,                    # ALF503
    f"{S}/alf/task.settings.json": b"{not json",                           # ALF501
    f"{S}/alf/trials.table.csv": b"a,b\n1,2,3\n",                          # ALF501
    f"{S}/alf/empty.times.npy": b"",                                       # ALF109
    "loose/spikes.times.npy": _npy(np.zeros(3)),                           # ALF401
}


def _tree(root):
    for i, case in enumerate(load_cases()):
        if not case.get("symlinks") and not case.get("fifos"):
            build_tree(root / f"case{i:03d}", case)
    names = literal_names()
    files = {f"{S}/{name}": None for name in names}
    files.update({f"outside/{name.rsplit('/', 1)[-1]}": None for name in names[:80]})
    files.update({f"{S}/.hidden/{name.rsplit('/', 1)[-1]}": None for name in names[:40]})
    build_files(root, files)
    for rel, data in BROKEN.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (root / "alflint.toml").write_text('packs = ["ibl"]\n')
    return root


def _issues(engine: Engine, root) -> list[tuple]:
    report = engine.check([root], jobs=1, cache=False)
    assert report.internal_errors == 0
    return sorted((i.code, i.path, i.severity, i.message) for i in report.issues)


def test_per_name_and_applies_change_nothing_a_check_finds(tmp_path):
    root = _tree(tmp_path / "repo")
    fast = Engine.create(root)
    shortcuts = [r for r in fast.rules.values() if r.per_name or r.applies is not None]
    assert len(shortcuts) >= 15
    slow = Engine.create(root)
    slow.rules = {code: dataclasses.replace(r, per_name=False, applies=None) for code, r in slow.rules.items()}
    found, expected = _issues(fast, root), _issues(slow, root)
    assert found == expected
    codes = {code for code, *_ in found}
    # the tree is worth the comparison: every rule with a shortcut has something to say
    assert {r.code for r in shortcuts} <= codes, sorted({r.code for r in shortcuts} - codes)
    print(json.dumps({"issues": len(found), "codes": len(codes)}))
