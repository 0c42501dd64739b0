"""The rule engine: selection, severities, single files, and a broken rule or plugin.

Every test builds a real tree and runs ``alflint.check`` on it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import alflint
from alflint.model import Report
from rule_cases import build_files

S = "subj/2021-01-01/001"

CRASHY = '''
from alflint.plugin import hookimpl
from alflint.rule import rule


@rule("LAB900", "crashy", "error", "path")
def crashy(dataset, ctx):
    """Crashes on one file, to show that a broken rule does not stop the run.

    **What it checks:** nothing. **Why it matters:** it does not.
    """
    if dataset.name == "boom.times.npy":
        raise ZeroDivisionError("division by zero in a lab rule")
    return ()


@rule("LAB901", "crashy-session", "error", "session")
def crashy_session(session, ctx):
    """Crashes on every session."""
    raise KeyError("missing")


@hookimpl
def alflint_rules():
    return [crashy, crashy_session]
'''



def repo(root: Path, files: dict, config: str = "") -> Path:
    build_files(root, files)
    (root / "alflint.toml").write_text(config, encoding="utf-8")
    return root


def codes(report: Report) -> list[str]:
    return sorted(i.code for i in report.issues)


# --------------------------------------------------------------------------------------------
# A broken rule, a broken plugin
# --------------------------------------------------------------------------------------------


def test_a_crashing_rule_becomes_alf900_naming_rule_and_path_and_the_run_goes_on(tmp_path):
    root = repo(tmp_path, {f"{S}/alf/boom.times.npy": None, f"{S}/alf/Spikes.times.npy": None},
                'plugins = ["crashy.py"]\nextend-select = ["LAB900"]\n')
    (root / "crashy.py").write_text(CRASHY)
    report = alflint.check(root, select=["ALF104"])
    assert codes(report) == ["ALF104", "ALF900"]
    (crash,) = [i for i in report.issues if i.code == "ALF900"]
    assert crash.path == f"{S}/alf/boom.times.npy"
    assert crash.severity == "error" and crash.name == "rule-crashed"
    assert "rule LAB900 (crashy) crashed: ZeroDivisionError: division by zero in a lab rule" in crash.message
    assert report.internal_errors == 1 and not report.ok


def test_a_crashing_session_rule_names_the_session(tmp_path):
    root = repo(tmp_path, {f"{S}/alf/spikes.times.npy": None, "subj/2021-01-02/001/a.b.npy": None},
                'plugins = ["crashy.py"]\n')
    (root / "crashy.py").write_text(CRASHY)
    report = alflint.check(root, select=["LAB901"])
    assert [(i.code, i.path) for i in report.issues] == [("ALF900", S), ("ALF900", "subj/2021-01-02/001")]
    assert "rule LAB901 (crashy-session) crashed: KeyError" in report.issues[0].message
    assert report.internal_errors == 2


EXITING = '''
import sys

from alflint.plugin import hookimpl
from alflint.rule import rule


@rule("LAB910", "exits", "warning", "path")
def exits(dataset, ctx):
    """Calls sys.exit(0) (a script's habit)."""
    sys.exit(0)


@rule("LAB911", "exits-in-session", "warning", "session")
def exits_in_session(session, ctx):
    """Calls sys.exit(3)."""
    sys.exit(3)


@hookimpl
def alflint_rules():
    return [exits, exits_in_session]
'''


@pytest.mark.parametrize("command", [["check"], ["index"]])
def test_a_rule_or_plugin_calling_sys_exit_is_reported_not_a_silent_success(tmp_path, command):
    """sys.exit() in a rule used to end the run with status 0 and no output (and no tables
    for index): it is a crash like any other, ALF900, and a plugin exiting as it is imported
    is ALF901; the run goes on and fails with status 2."""
    import subprocess
    import sys

    root = repo(tmp_path / "repo", {f"{S}/alf/spikes.times.npy": None},
                'plugins = ["exiting.py", "exits_on_import.py"]\nextend-select = ["LAB9"]\n')
    (root / "exiting.py").write_text(EXITING)
    (root / "exits_on_import.py").write_text("import sys\nsys.exit(1)\n")
    result = subprocess.run([sys.executable, "-m", "alflint.cli", *command, str(root)], capture_output=True, text=True)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "rule LAB910 (exits) crashed: SystemExit: 0" in result.stdout
    assert "rule LAB911 (exits-in-session) crashed: SystemExit: 3" in result.stdout
    assert "ALF901" in result.stdout and "exits_on_import.py" in result.stdout
    assert "Traceback" not in result.stderr and not list(root.glob("*.pqt"))


def test_a_plugin_that_fails_to_import_becomes_alf901_and_the_builtin_rules_still_run(tmp_path):
    root = repo(tmp_path, {f"{S}/alf/Spikes.times.npy": None}, 'plugins = ["broken_rules.py"]\n')
    (root / "broken_rules.py").write_text("import numpy_does_not_exist\n")
    report = alflint.check(root, select=["ALF104"])
    assert codes(report) == ["ALF104", "ALF901"]
    (failed,) = [i for i in report.issues if i.code == "ALF901"]
    assert "broken_rules.py" in failed.message and "ModuleNotFoundError" in failed.message
    assert failed.name == "plugin-failed"
    assert report.internal_errors == 1 and not report.ok


def test_two_rules_with_one_code_become_alf902_and_the_first_is_kept(tmp_path):
    root = repo(tmp_path, {f"{S}/alf/Spikes.times.npy": None}, 'plugins = ["dup.py"]\n')
    (root / "dup.py").write_text(
        "from alflint.plugin import hookimpl\nfrom alflint.rule import rule\n"
        "@rule('ALF104', 'my-object-rule', 'error', 'path')\n"
        "def mine(dataset, ctx):\n    '''Mine.'''\n    yield 'mine'\n"
        "@hookimpl\ndef alflint_rules():\n    return [mine]\n")
    report = alflint.check(root, select=["ALF104"])
    assert codes(report) == ["ALF104", "ALF902"]
    (kept,) = [i for i in report.issues if i.code == "ALF104"]
    assert kept.name == "object-not-camel-case"
    assert "my-object-rule" in [i for i in report.issues if i.code == "ALF902"][0].message


# --------------------------------------------------------------------------------------------
# Selection and severity
# --------------------------------------------------------------------------------------------

MIXED = {
    f"{S}/alf/spike-times.raw.npy": None,  # ALF101
    f"{S}/alf/spikes_times.npy": None,  # ALF102
    f"{S}/alf/Spikes.times.npy": None,  # ALF104
    f"{S}/alf/.DS_Store": None,  # ALF110
    f"{S}/alf/trials.duration_ms.npy": None,  # ALF108
}


@pytest.mark.parametrize(
    "select, extend, ignore, expected",
    [
        (["ALF1"], [], [], ["ALF101", "ALF102", "ALF104", "ALF108", "ALF110"]),
        (["ALF1"], [], ["ALF10"], ["ALF110"]),  # ALF10 is longer than ALF1: ALF101-ALF109 go
        (["ALF1"], ["ALF104"], ["ALF10"], ["ALF104", "ALF110"]),  # the longest selector wins
        (["ALF104", "ALF110"], [], ["ALF1"], ["ALF104", "ALF110"]),  # a code beats a prefix
        (["ALF1"], [], ["os-junk"], ["ALF101", "ALF102", "ALF104", "ALF108"]),  # a name beats a prefix
        (["ALF110"], [], ["os-junk"], []),  # and beats a code
        (["suffix-read-as-timescale"], [], [], ["ALF108"]),
    ],
)
def test_select_extend_select_and_ignore_longest_match_wins(tmp_path, select, extend, ignore, expected):
    root = repo(tmp_path, MIXED)
    report = alflint.check(root, select=select, extend_select=extend, ignore=ignore)
    assert codes(report) == expected


def test_severity_overrides_by_code_and_by_name(tmp_path):
    root = repo(tmp_path, MIXED, '[severity]\nALF104 = "error"\nos-junk = "info"\n')
    report = alflint.check(root, select=["ALF104", "ALF110", "ALF101"])
    severity = {i.code: i.severity for i in report.issues}
    assert severity == {"ALF104": "error", "ALF110": "info", "ALF101": "error"}
    report = alflint.check(root, select=["ALF104"], severity={"ALF104": "info"})  # arguments beat the file
    assert [i.severity for i in report.issues] == ["info"]


def test_unknown_rule_name_in_select_is_a_config_error(tmp_path):
    root = repo(tmp_path, MIXED)
    with pytest.raises(alflint.exceptions.ConfigError, match="unknown rule name 'no-such-rule'"):
        alflint.check(root, select=["no-such-rule"])


# --------------------------------------------------------------------------------------------
# What is checked and reported
# --------------------------------------------------------------------------------------------


def test_checking_one_file_reports_only_that_file_its_object_and_session(tmp_path):
    root = repo(tmp_path, {**MIXED, f"{S}/alf/spikes.clusters.npy": None, f"{S}/alf/spikes.clusters.csv": None,
                           "subj/2021-01-01/1/x.y.npy": None})
    report = alflint.check(root / S / "alf" / "spikes.clusters.npy", select=["ALF1", "ALF301", "ALF404"])
    assert [(i.code, i.path) for i in report.issues] == [("ALF301", "alf/spikes.clusters.csv")]
    report = alflint.check(root / S / "alf" / "Spikes.times.npy", select=["ALF1", "ALF301"])
    assert [(i.code, i.path) for i in report.issues] == [("ALF104", "alf/Spikes.times.npy")]


def test_checking_one_file_reports_a_key_it_shares_with_another_namespace(tmp_path):
    root = repo(tmp_path, {f"{S}/alf/_ibl_trials.goCue_times.npy": None, f"{S}/alf/trials.goCue_times.npy": None,
                           f"{S}/alf/_ibl_wheel.position.npy": None, f"{S}/alf/wheel.position.npy": None})
    report = alflint.check(root / S / "alf" / "trials.goCue_times.npy", select=["ALF301"])
    assert [(i.code, i.path) for i in report.issues] == [("ALF301", "alf/_ibl_trials.goCue_times.npy")]


def test_checking_one_file_reports_the_problems_of_its_folders(tmp_path):
    root = repo(tmp_path, {f"{S}/alf/probe 00/#v1#/spikes.times.npy": None, f"{S}/my raw/x.y.npy": None})
    report = alflint.check(root / S / "alf" / "probe 00" / "#v1#" / "spikes.times.npy", select=["ALF2"])
    assert [(i.code, i.path) for i in report.issues] == [("ALF201", "alf/probe 00"), ("ALF204", "alf/probe 00/#v1#")]


def test_issues_carry_session_collection_and_revision(tmp_path):
    root = repo(tmp_path, {f"lab1/Subjects/{S}/alf/probe00/#2021-07-05#/Spikes.times.npy": None})
    (issue,) = alflint.check(root, select=["ALF104"]).issues
    assert (issue.session, issue.collection, issue.revision) == (f"lab1/Subjects/{S}", "alf/probe00", "2021-07-05")
    assert issue.path == f"lab1/Subjects/{S}/alf/probe00/#2021-07-05#/Spikes.times.npy"


def test_report_counts_files_and_sessions(tmp_path):
    root = repo(tmp_path, {f"{S}/alf/spikes.times.npy": None, "subj/2021-01-02/001/alf/spikes.times.npy": None,
                           "README.md": "hello"})
    report = alflint.check(root)
    assert report.files_checked == 4  # with README.md and alflint.toml
    assert report.sessions == [S, "subj/2021-01-02/001"] and report.sessions_checked == 2
    assert report.ok and report.issues == []


def test_a_missing_path_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        alflint.check(tmp_path / "nope")


def test_the_builtin_rules_are_cheap_on_a_clean_tree(tmp_path):
    """Every path rule returns early on valid names: 3,000 files check in well under a second."""
    files = {f"subj{s}/2021-01-{d:02d}/001/alf/probe{p:02d}/spikes.{a}.npy": b"x"
             for s in range(10) for d in range(1, 11) for p in range(10) for a in ("times", "clusters", "amps")}
    root = repo(tmp_path, files)
    report = alflint.check(root, select=["ALF1", "ALF2", "ALF3", "ALF4"], content=False)
    assert report.issues == [] and report.files_checked == 3001
    assert report.duration < 1.5


# --------------------------------------------------------------------------------------------
# Per-name rules: run once per distinct file name
# --------------------------------------------------------------------------------------------

PER_NAME = '''
import os

from alflint.plugin import hookimpl
from alflint.rule import Finding, rule

CALLS = os.environ["PER_NAME_CALLS"]


@rule("LAB910", "no-x-object", "warning", "path", per_name=True)
def no_x_object(dataset, ctx):
    """The object is called x.

    **What it checks:** names only. **Why it matters:** a test of the engine's name memo.
    """
    with open(CALLS, "a") as f:
        f.write(dataset.name + "\\n")
    if dataset.parts is not None and dataset.parts.object == "x":
        yield "x is no object name"
        yield Finding("somewhere/else", "about the file itself all the same", "error")
    if dataset.name == "boom.times.npy":
        raise ZeroDivisionError("boom")


@rule("LAB914", "npy-only", "warning", "path", applies=lambda name, parts, in_session: name.endswith(".npy"))
def npy_only(dataset, ctx):
    """Reports every file it is called on; its applies test admits .npy names only."""
    yield "called"


@rule("LAB915", "broken-test", "warning", "path", applies=lambda name, parts, in_session: 1 / 0)
def broken_test(dataset, ctx):
    """Its applies test crashes: the rule still runs (and here says so)."""
    yield "called anyway"


@hookimpl
def alflint_rules():
    return [no_x_object, npy_only, broken_test]
'''


def test_a_per_name_rule_runs_once_per_name_and_reports_every_file(tmp_path, monkeypatch):
    sessions = [f"subj/2021-01-0{i}/001" for i in (1, 2, 3)]
    files = {f"{s}/alf/{n}": None for s in sessions for n in ("x.times.npy", "spikes.times.npy", "boom.times.npy")}
    root = repo(tmp_path / "repo", files, 'plugins = ["per_name.py"]\nextend-select = ["LAB910"]\n')
    (root / "per_name.py").write_text(PER_NAME)
    calls = tmp_path / "calls.txt"
    monkeypatch.setenv("PER_NAME_CALLS", str(calls))
    report = alflint.check(root, select=["LAB910"], cache=False)
    called = calls.read_text().split()
    assert sorted(n for n in called if n.endswith(".npy")) == ["boom.times.npy", "spikes.times.npy", "x.times.npy"]
    assert len(called) == len(set(called))  # once per name, also the root's own files
    found = sorted((i.path, i.code, i.severity) for i in report.issues)
    expected = []
    for s in sessions:
        expected += [(f"{s}/alf/boom.times.npy", "ALF900", "error")]
        expected += [(f"{s}/alf/x.times.npy", "LAB910", "error"), (f"{s}/alf/x.times.npy", "LAB910", "warning")]
    assert found == sorted(expected)
    assert report.internal_errors == 3


def test_applies_skips_a_rule_on_names_it_refuses_and_a_crashing_test_skips_nothing(tmp_path, monkeypatch):
    files = {f"{S}/alf/spikes.times.npy": None, f"{S}/alf/spikes.table.pqt": None, f"{S}/notes.txt": None}
    root = repo(tmp_path / "repo", files, 'plugins = ["per_name.py"]\nextend-select = ["LAB914", "LAB915"]\n')
    (root / "per_name.py").write_text(PER_NAME)
    monkeypatch.setenv("PER_NAME_CALLS", str(tmp_path / "calls.txt"))
    report = alflint.check(root, select=["LAB914", "LAB915"], cache=False)
    assert sorted(i.path for i in report.issues if i.code == "LAB914") == [f"{S}/alf/spikes.times.npy"]
    assert len([i for i in report.issues if i.code == "LAB915"]) == 5  # every file, the root's two too
    assert report.internal_errors == 0


def test_per_name_is_only_for_path_rules_that_read_no_content():
    from alflint.rule import rule

    def check(target, ctx):
        """Says nothing."""
        return ()

    with pytest.raises(ValueError, match="per_name"):
        rule("LAB911", "per-name-session", "error", "session", per_name=True)(check)
    with pytest.raises(ValueError, match="per_name"):
        rule("LAB912", "per-name-content", "error", "path", content=True, per_name=True)(check)
    assert rule("LAB913", "per-name-path", "error", "path", per_name=True)(check).per_name
