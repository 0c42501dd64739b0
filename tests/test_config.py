"""Configuration: discovery and precedence, selection, severities, per-path ignores,
exclusions (globs and .alflintignore), per-rule options and one-line errors for bad keys.

Each test writes real configuration files and a real tree and checks what alflint reports.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import alflint
from alflint.config import find_config_file, load_config
from alflint.exceptions import ConfigError
from rule_cases import build_files

S = "subj/2021-01-01/001"
#: One file per rule: ALF104 (object), ALF110 (junk), ALF108 (unit suffix).
TREE = {f"{S}/alf/Spikes.times.npy": None, f"{S}/alf/.DS_Store": None, f"{S}/alf/trials.duration_ms.npy": None}



def codes(report) -> list[str]:
    return sorted(i.code for i in report.issues)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# Discovery and precedence
# --------------------------------------------------------------------------------------------


def test_the_nearest_configuration_wins(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.alflint]\nselect = ["ALF110"]\n')
    repo = build_files(tmp_path / "repo", TREE)
    assert codes(alflint.check(repo)) == ["ALF110"]  # found two folders up
    write(repo / "alflint.toml", 'select = ["ALF104"]\n')
    assert codes(alflint.check(repo)) == ["ALF104"]  # the nearer file wins
    assert codes(alflint.check(repo / "subj")) == ["ALF104"]  # discovery goes upward from the checked path


def test_a_nearer_pyproject_wins_over_a_farther_alflint_toml(tmp_path):
    write(tmp_path / "alflint.toml", 'select = ["ALF110"]\n')
    repo = build_files(tmp_path / "repo", TREE)
    write(repo / "pyproject.toml", '[tool.alflint]\nselect = ["ALF108"]\n')
    assert codes(alflint.check(repo)) == ["ALF108"]


def test_alflint_toml_wins_over_pyproject_in_the_same_folder(tmp_path):
    repo = build_files(tmp_path, TREE)
    write(repo / "pyproject.toml", '[tool.alflint]\nselect = ["ALF108"]\n')
    write(repo / "alflint.toml", 'select = ["ALF110"]\n')
    assert find_config_file(repo) == str(repo / "alflint.toml")
    assert codes(alflint.check(repo)) == ["ALF110"]


def test_a_pyproject_without_tool_alflint_is_not_a_configuration(tmp_path):
    write(tmp_path / "alflint.toml", 'select = ["ALF110"]\n')
    repo = build_files(tmp_path / "repo", TREE)
    write(repo / "pyproject.toml", '[project]\nname = "data"\n')
    assert find_config_file(repo) == str(tmp_path / "alflint.toml")
    assert codes(alflint.check(repo)) == ["ALF110"]


def test_an_explicit_config_overrides_discovery_and_arguments_override_the_file(tmp_path):
    repo = build_files(tmp_path / "repo", TREE)
    write(repo / "alflint.toml", 'select = ["ALF104"]\n')
    other = write(tmp_path / "elsewhere" / "strict.toml", 'select = ["ALF108"]\n')
    assert codes(alflint.check(repo, config=other)) == ["ALF108"]
    assert codes(alflint.check(repo, config=other, select=["ALF110"])) == ["ALF110"]
    with pytest.raises(ConfigError, match="configuration file not found"):
        alflint.check(repo, config=tmp_path / "missing.toml")


def test_no_configuration_means_every_builtin_rule(tmp_path):
    repo = build_files(tmp_path / "repo", TREE)
    assert load_config(start=repo).path is None
    assert load_config(start=repo).select == ["ALL"]
    assert {"ALF104", "ALF108", "ALF110"} <= set(codes(alflint.check(repo)))
    assert {"ALF104", "ALF108", "ALF110"} <= set(codes(alflint.check(repo, config=write(tmp_path / "empty.toml", ""))))


# --------------------------------------------------------------------------------------------
# Selection, severity, per-path ignores
# --------------------------------------------------------------------------------------------


def test_select_extend_select_and_ignore_in_the_file(tmp_path):
    repo = build_files(tmp_path, TREE)
    write(repo / "alflint.toml", 'select = ["ALF1"]\nignore = ["ALF10"]\nextend-select = ["ALF104"]\n')
    assert codes(alflint.check(repo)) == ["ALF104", "ALF110"]  # ALF108 ignored by the longer ALF10
    assert codes(alflint.check(repo, extend_select=["ALF108"])) == ["ALF104", "ALF108", "ALF110"]
    assert codes(alflint.check(repo, ignore=["object-not-camel-case"])) == ["ALF110"]


def test_severity_overrides_in_the_file(tmp_path):
    repo = build_files(tmp_path, TREE)
    write(repo / "alflint.toml", 'select = ["ALF104", "ALF110"]\n[severity]\nALF104 = "error"\nALF11 = "info"\n')
    report = alflint.check(repo)
    assert {i.code: i.severity for i in report.issues} == {"ALF104": "error", "ALF110": "warning"}  # codes, not prefixes
    assert not report.ok


def test_per_path_ignores(tmp_path):
    repo = build_files(tmp_path, {**TREE, f"{S}/raw_ephys_data/Probe.raw.bin": None})
    write(repo / "alflint.toml", 'select = ["ALF104", "ALF110"]\n[per-path-ignores]\n"**/raw_ephys_data/*" = ["ALF104"]\n"*.DS_Store" = ["os-junk"]\n')
    report = alflint.check(repo)
    assert [(i.code, i.path) for i in report.issues] == [("ALF104", f"{S}/alf/Spikes.times.npy")]
    # ALL, as in select and --ignore (it was accepted and suppressed nothing)
    write(repo / "alflint.toml", 'select = ["ALF104", "ALF110"]\n[per-path-ignores]\n"**/alf/*" = ["ALL"]\n')
    assert [(i.code, i.path) for i in alflint.check(repo).issues] == [("ALF104", f"{S}/raw_ephys_data/Probe.raw.bin")]


# --------------------------------------------------------------------------------------------
# Exclusions
# --------------------------------------------------------------------------------------------


def test_exclude_globs_are_not_walked(tmp_path):
    repo = build_files(tmp_path, {**TREE, f"{S}/scratch/Bad.times.npy": None, "other/2021-01-01/001/Bad.times.npy": None})
    write(repo / "alflint.toml", 'select = ["ALF104"]\nexclude = ["scratch/", "other/"]\n')
    report = alflint.check(repo)
    assert [i.path for i in report.issues] == [f"{S}/alf/Spikes.times.npy"]
    assert report.files_checked == 4  # three TREE files and alflint.toml
    assert report.sessions == [S]


def test_alflintignore_uses_gitignore_syntax(tmp_path):
    repo = build_files(tmp_path, {
        f"{S}/alf/Old.times.npy": None,
        f"{S}/alf/Keep.times.npy": None,
        f"{S}/tmp/Bad.times.npy": None,
        f"{S}/alf/Spikes.times.npy": None,
    })
    write(repo / "alflint.toml", 'select = ["ALF104"]\n')
    write(repo / ".alflintignore", "# comments and blank lines are ignored\n\nOld.*\n/subj/*/*/tmp/\n")
    report = alflint.check(repo)
    assert sorted(i.path for i in report.issues) == [f"{S}/alf/Keep.times.npy", f"{S}/alf/Spikes.times.npy"]
    write(repo / ".alflintignore", "*.npy\n!Keep.times.npy\n")  # negation re-includes a file
    assert [i.path for i in alflint.check(repo).issues] == [f"{S}/alf/Keep.times.npy"]


@pytest.mark.parametrize("where, content, expected", [
    ("alflint.toml", 'exclude = ["ok/", "\\\\"]\n', "exclude in {repo}/alflint.toml: '\\\\' is not a gitignore pattern"),
    (".alflintignore", "ok/\n\\\n", "{repo}/.alflintignore, line 2: '\\\\' is not a gitignore pattern"),
    (".alflintignore", b"\xff\xfeok/\n", "{repo}/.alflintignore: not UTF-8 text"),
])
def test_a_bad_ignore_pattern_or_file_is_one_line_naming_where(tmp_path, where, content, expected):
    """A lone backslash is no gitignore pattern and a UTF-16 ignore file is no text: they
    used to end a check in pathspec's or the codec's traceback."""
    repo = build_files(tmp_path, TREE)
    target = repo / where
    target.write_bytes(content) if isinstance(content, bytes) else target.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        alflint.check(repo)
    assert str(caught.value).startswith(expected.format(repo=repo)) and "\n" not in str(caught.value)


def test_a_bad_exclude_pattern_given_in_code_names_the_options(tmp_path):
    """A Config built in Python has no file to name ('exclude in None' before)."""
    from alflint.config import Config

    with pytest.raises(ConfigError, match=r"^exclude in options: '!' is not a gitignore pattern"):
        alflint.check(build_files(tmp_path, TREE), config=Config(exclude=["!"]))


# --------------------------------------------------------------------------------------------
# Per-rule options
# --------------------------------------------------------------------------------------------


def test_per_rule_options_by_code_or_name(tmp_path):
    repo = build_files(tmp_path, {f"{S}/alf/trials.length_frames.npy": None, f"{S}/alf/trials.duration_ms.npy": None})
    write(repo / "alflint.toml", 'select = ["ALF108"]\n')
    assert [i.path.rsplit("/", 1)[1] for i in alflint.check(repo).issues] == ["trials.duration_ms.npy"]
    write(repo / "alflint.toml", 'select = ["ALF108"]\n[rules.suffix-read-as-timescale]\nunits = ["ms", "frames"]\n')
    assert len(alflint.check(repo).issues) == 2


def test_an_unknown_rule_option_is_a_config_error_naming_rule_and_options(tmp_path):
    repo = build_files(tmp_path, TREE)
    config = write(repo / "alflint.toml", 'select = ["ALF108"]\n[rules.ALF108]\nunitz = ["ms"]\n')
    with pytest.raises(ConfigError) as caught:
        alflint.check(repo)
    message = str(caught.value)
    assert str(config) in message and "'unitz'" in message and "ALF108" in message and "units" in message


def test_rule_sections_are_checked_even_for_rules_that_do_not_run(tmp_path):
    repo = build_files(tmp_path, TREE)
    write(repo / "alflint.toml", 'select = ["ALF110"]\n[rules.ALF108]\nunitz = ["ms"]\n')
    with pytest.raises(ConfigError, match="unknown option 'unitz' for rule ALF108"):
        alflint.check(repo)
    config = write(repo / "alflint.toml", 'select = ["ALF110"]\n[rules.ALF1O8]\nunits = ["ms"]\n')
    with pytest.raises(ConfigError) as caught:
        alflint.check(repo)
    assert str(caught.value) == f"{config}: unknown rule 'ALF1O8' in [rules] (a rule code or name; see `alflint rules`)"


# --------------------------------------------------------------------------------------------
# Errors: one line naming the key, the file and what is allowed
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, phrases",
    [
        ('selekt = ["ALF1"]\n', ["unknown key 'selekt'", "allowed: ", "select", "extend-select", "per-path-ignores"]),
        ('[severity]\nALF104 = "fatal"\n', ["'severity.ALF104'", "'fatal' is not allowed", "'error', 'warning', 'info'"]),
        ('select = "ALF1"\n', ["'select'", "expected array"]),
        ('select = ["alf-1!"]\n', ["'select.0'", "not a rule code, code prefix or rule name"]),
        ('content = "yes"\n', ["'content'", "expected boolean"]),
        ("select = [\n", ["invalid TOML"]),
    ],
)
def test_a_bad_configuration_is_one_line_naming_the_file_and_key(tmp_path, text, phrases):
    repo = build_files(tmp_path, TREE)
    config = write(repo / "alflint.toml", text)
    with pytest.raises(ConfigError) as caught:
        alflint.check(repo)
    message = str(caught.value)
    assert "\n" not in message.strip()
    assert message.startswith(str(config))
    for phrase in phrases:
        assert phrase in message


def test_a_bad_key_in_pyproject_names_the_pyproject(tmp_path):
    repo = build_files(tmp_path, TREE)
    config = write(repo / "pyproject.toml", '[project]\nname = "x"\n[tool.alflint]\nignor = ["ALF1"]\n')
    with pytest.raises(ConfigError, match=r"pyproject\.toml: unknown key 'ignor'") as caught:
        alflint.check(repo)
    assert str(config) in str(caught.value)


def test_a_validated_file_is_not_validated_again_but_an_edited_one_is(tmp_path):
    repo = build_files(tmp_path, TREE)
    write(repo / "alflint.toml", 'select = ["ALF104"]\n')
    assert codes(alflint.check(repo)) == ["ALF104"]
    assert codes(alflint.check(repo)) == ["ALF104"]  # from the validation cache
    write(repo / "alflint.toml", 'select = ["ALF104"]\nbogus = 1\n')
    with pytest.raises(ConfigError, match="unknown key 'bogus'"):
        alflint.check(repo)


def test_without_configuration_no_toml_or_hash_import(tmp_path):
    """A pyproject.toml without 'alflint' in it cannot configure alflint: the hook path then
    never imports the TOML parser (7-10 ms of every pre-commit run), nor hashlib (3 ms), which
    only keys the memo of validated configuration files."""
    import os
    import subprocess
    import sys

    build_files(tmp_path, TREE)
    write(tmp_path / "pyproject.toml", '[project]\nname = "data"\n[tool.black]\nline-length = 100\n')
    code = (
        "import sys\n"
        "from alflint.cli import main\n"
        f"status = main(['check', *{sorted(TREE)!r}, '--format', 'concise'])\n"
        "assert status == 0, status  # warnings only\n"
        "assert 'tomllib' not in sys.modules and 'tomli' not in sys.modules\n"
        "assert 'hashlib' not in sys.modules, 'hashlib'\n"
    )
    # as pre-commit runs the hook: staged files relative to the repository root
    env = {**os.environ, "PRE_COMMIT": "1"}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "ALF110" in result.stdout and "ALF104" in result.stdout  # every rule ran: no configuration
    assert find_config_file(tmp_path) is None
    # the same file with a [tool.alflint] table is parsed and found
    write(tmp_path / "pyproject.toml", '[project]\nname = "data"\n[tool.alflint]\nselect = ["ALF110"]\n')
    assert find_config_file(tmp_path) == str(tmp_path / "pyproject.toml")
    assert codes(alflint.check(tmp_path)) == ["ALF110"]
