"""The pytest plugin (``pytest --alf DATA_DIR``), run through pytest's own ``pytester``.

The inner pytest loads the plugin the way users get it: through alflint's ``pytest11``
entry point, not by naming it.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

GOOD = "mainlab/Subjects/KS005/2019-04-01/001"
BAD = "mainlab/Subjects/KS014/2019-12-06/002"
# Only the name rule (and lab rules where a test adds them): outcomes depend on names alone.
CONFIG = 'select = ["ALF101"]\n'


def npy(n: int) -> bytes:
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d,), }" % n
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + bytes(8 * n)


def make_data(root: Path, config: str | None = CONFIG) -> Path:
    """Two sessions (one with a bad file name) and a file outside sessions."""
    for session in (GOOD, BAD):
        alf = root / session / "alf"
        alf.mkdir(parents=True)
        (alf / "spikes.times.npy").write_bytes(npy(3))
        (alf / "spikes.clusters.npy").write_bytes(npy(3))
    (root / BAD / "alf" / "spikes.amps .npy").write_bytes(npy(3))
    (root / "notes.txt").write_text("lab notes\n")
    if config is not None:
        (root / "alflint.toml").write_text(config)
    return root


def runpytest(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """An inner pytest run, in process; hypothesis's plugin (slow to import, unused here) is off."""
    return pytester.runpytest("-p", "no:hypothesispytest", *args)


@pytest.fixture
def data(pytester: pytest.Pytester) -> Path:
    return make_data(pytester.path / "data")


def test_one_item_per_session_plus_one_outside_sessions(pytester, data):
    result = runpytest(pytester, "--alf", "data", "-v")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        f"data::{GOOD} PASSED*",
        f"data::{BAD} FAILED*",
        "data::(outside sessions) PASSED*",
    ])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_failing_session_shows_its_issues_like_the_text_report(pytester, data):
    result = runpytest(pytester, "--alf", "data")
    result.assert_outcomes(passed=2, failed=1)
    out = result.stdout.str()
    failure = out.split("FAILURES")[1].split("short test summary")[0]
    assert f"Session data/{BAD}  (1 error)" in failure
    assert f"data/{BAD}/alf/spikes.amps .npy: ALF101 [error] not an ALF filename" in failure
    assert f"alflint found 1 error in {BAD}." in failure
    assert GOOD not in failure and "Traceback" not in failure
    result.stdout.fnmatch_lines([f"FAILED data::{BAD}*", "*1 failed, 2 passed*"])


def test_k_selects_sessions_by_path(pytester, data):
    result = runpytest(pytester, "--alf", "data", "-k", "KS005")
    result.assert_outcomes(passed=1, deselected=2)
    result = runpytest(pytester, "--alf", "data", "-k", "KS014 or outside")
    result.assert_outcomes(passed=1, failed=1, deselected=1)
    result = runpytest(pytester, "--alf", "data", "-k", "2019-12-06")
    result.assert_outcomes(failed=1, deselected=2)


def test_alf_paths_ini_option(pytester, data):
    pytester.makeini("[pytest]\nalf_paths = data\n")
    result = runpytest(pytester, )
    result.assert_outcomes(passed=2, failed=1)


def test_ordinary_tests_run_beside_the_data_items(pytester, data):
    pytester.makepyfile(test_lab="def test_analysis():\n    assert 1 + 1 == 2\n")
    result = runpytest(pytester, "--alf", "data")
    result.assert_outcomes(passed=3, failed=1)


def test_rule_selection_comes_from_the_alflint_configuration(pytester, data):
    (data / "alflint.toml").write_text('select = ["ALF101"]\nignore = ["ALF101"]\n')
    runpytest(pytester, "--alf", "data").assert_outcomes(passed=3)
    (data / "alflint.toml").write_text('select = ["ALF101"]\n[severity]\nALF101 = "warning"\n')
    runpytest(pytester, "--alf", "data").assert_outcomes(passed=3)
    # the warnings of a passing session are kept, and shown with -rP
    shown = runpytest(pytester, "--alf", "data", "-rP")
    shown.assert_outcomes(passed=3)
    assert "Captured alflint call" in shown.stdout.str()
    assert "spikes.amps .npy: ALF101 [warning]" in shown.stdout.str()
    # alf_strict: warnings fail too, like alflint check --strict
    pytester.makeini("[pytest]\nalf_strict = true\n")
    result = runpytest(pytester, "--alf", "data")
    result.assert_outcomes(passed=2, failed=1)
    assert "spikes.amps .npy: ALF101 [warning]" in result.stdout.str()
    assert f"alflint found 1 warning in {BAD}." in result.stdout.str()


def test_a_config_file_named_on_the_command_line(pytester, data):
    (pytester.path / "strict.toml").write_text('select = ["ALF101"]\nignore = ["invalid-filename"]\n')
    runpytest(pytester, "--alf", "data", "--alf-config", "strict.toml").assert_outcomes(passed=3)


def test_a_lab_rules_module_from_the_configuration_fires(pytester, data):
    (data / "lab_rules.py").write_text(
        "from alflint.plugin import hookimpl\n"
        "from alflint.rule import rule\n\n"
        "@rule('LAB010', 'no-notes-files', 'error', 'path')\n"
        "def no_notes(dataset, ctx):\n"
        "    '''Notes live in the lab book, not next to the data.'''\n"
        "    if dataset.name.endswith('.txt'):\n"
        "        yield 'notes file in the data repository'\n\n"
        "@hookimpl\n"
        "def alflint_rules():\n"
        "    return [no_notes]\n"
    )
    (data / "alflint.toml").write_text('select = ["ALF101", "LAB"]\nplugins = ["lab_rules.py"]\n')
    result = runpytest(pytester, "--alf", "data", "-k", "outside")
    result.assert_outcomes(failed=1, deselected=2)
    assert "data/notes.txt: LAB010 [error] notes file in the data repository" in result.stdout.str()


def test_a_crashing_rule_fails_its_session_with_the_internal_error(pytester, data):
    (data / "lab_rules.py").write_text(
        "from alflint.plugin import hookimpl\n"
        "from alflint.rule import rule\n\n"
        "@rule('LAB020', 'broken-rule', 'error', 'session')\n"
        "def broken(session, ctx):\n"
        "    '''Always crashes.'''\n"
        "    raise RuntimeError('oops')\n"
        "    yield\n\n"
        "@hookimpl\n"
        "def alflint_rules():\n"
        "    return [broken]\n"
    )
    (data / "alflint.toml").write_text('select = ["LAB"]\nplugins = ["lab_rules.py"]\n')
    result = runpytest(pytester, "--alf", "data", "-k", "KS005")
    result.assert_outcomes(failed=1, deselected=2)
    result.stdout.fnmatch_lines(["*ALF900*rule LAB020 (broken-rule) crashed: RuntimeError: oops*", "*results may be incomplete*"])


def test_an_invalid_configuration_is_a_usage_error(pytester, data):
    (data / "alflint.toml").write_text('selct = ["ALF101"]\n')
    result = runpytest(pytester, "--alf", "data")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "selct" in result.stderr.str()


def test_a_missing_data_folder_is_a_usage_error(pytester):
    result = runpytest(pytester, "--alf", "nowhere")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "ALF data folder not found" in result.stderr.str()


def test_collect_only_lists_the_sessions_without_checking(pytester, data):
    result = runpytest(pytester, "--alf", "data", "--collect-only", "-q")
    result.stdout.fnmatch_lines([f"data::{GOOD}", f"data::{BAD}", "data::(outside sessions)"])
    assert result.ret == pytest.ExitCode.OK


def test_inert_without_a_data_folder(pytester):
    # loaded through the entry point, but imports nothing of alflint's engine until asked
    pytester.makepyfile(
        test_plain=(
            "import sys\n"
            "def test_plugin_loaded_but_idle(pytestconfig):\n"
            "    assert pytestconfig.pluginmanager.has_plugin('alflint')\n"
            "    assert 'alflint.engine' not in sys.modules and 'numpy' not in sys.modules\n"
        )
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)
