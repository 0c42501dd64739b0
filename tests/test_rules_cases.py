"""Every rule case in tests/rule_cases/*.yaml: build the tree on disk, check it, compare.

The cases are the specification of the path and layout rules (ALF1xx-ALF4xx): for each rule
at least one tree that makes it fire and one that keeps it silent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import alflint
from rule_cases import build_tree, load_cases

CASES = load_cases()



def _case_sensitive(folder: Path) -> bool:
    probe = folder / "CaseProbe"
    probe.write_text("")
    try:
        return not (folder / "caseprobe").exists()
    finally:
        probe.unlink()


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_rule_case(case, tmp_path):
    root = build_tree(tmp_path / "repo", case)
    if case.get("needs") == "case-sensitive" and not _case_sensitive(tmp_path):
        pytest.skip("the file system does not distinguish upper and lower case")
    report = alflint.check(root / case.get("check", ""), select=case["select"])
    issues = report.issues
    described = "\n".join(f"{i.code} {i.severity} {i.path}: {i.message}" for i in issues)
    assert sorted(i.code for i in issues) == sorted(case["expect"]), described
    if "paths" in case:
        assert sorted(i.path for i in issues) == sorted(case["paths"]), described
    if "severities" in case:
        assert sorted(i.severity for i in issues) == sorted(case["severities"]), described
    for phrase in case.get("messages", []):
        assert any(phrase in i.message for i in issues), f"no message contains {phrase!r}:\n{described}"
    assert report.internal_errors == 0, described


def test_every_path_and_layout_rule_has_a_firing_and_a_silent_case():
    from alflint.engine import Engine

    codes = [c for c in Engine.create(".").rules if c[3] in "1234" and c.startswith("ALF") and _mine(c)]
    for code in codes:
        ours = [c for c in CASES if code in c["select"]]
        assert any(code in c["expect"] for c in ours), f"{code} has no case where it fires"
        assert any(code not in c["expect"] for c in ours), f"{code} has no case where it stays silent"


def _mine(code: str) -> bool:
    """The rules these cases cover: ALF101-ALF113, ALF201-ALF205, ALF301, ALF401-ALF408."""
    number = int(code[3:])
    return 101 <= number <= 113 or 201 <= number <= 205 or number == 301 or 401 <= number <= 408


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions and a non-root user")
def test_unreadable_file_and_folder_are_reported_and_the_run_goes_on(tmp_path):
    session = tmp_path / "subj" / "2021-01-01" / "001"
    (session / "alf").mkdir(parents=True)
    (session / "raw").mkdir()
    locked = session / "alf" / "spikes.times.npy"
    locked.write_bytes(b"x")
    locked.chmod(0)
    (session / "raw").chmod(0)
    try:
        report = alflint.check(tmp_path, select=["ALF112"])
    finally:
        locked.chmod(0o644)
        (session / "raw").chmod(0o755)
    assert sorted(i.code for i in report.issues) == ["ALF112", "ALF112"]
    assert {i.path for i in report.issues} == {"subj/2021-01-01/001/alf/spikes.times.npy", "subj/2021-01-01/001/raw"}
