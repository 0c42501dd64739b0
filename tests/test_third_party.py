"""Third-party rules: the example rule pack (found through its entry point) and a lab's local
rules module named in the configuration, both seen by the real ``alflint`` command.

The pack is made visible the way an installed distribution is: a ``*.dist-info`` folder
whose ``entry_points.txt`` is generated from the pack's own ``pyproject.toml``, on the
subprocess's ``PYTHONPATH`` next to the pack's source; ``importlib.metadata`` finds it there
like any installed package. One test also builds and installs the pack with pip (no network).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
PACK = PROJECT / "examples" / "rule-pack"
ALFLINT = str(Path(sys.executable).with_name("alflint"))
GOOD = "mainlab/Subjects/KS005/2021-06-01/001"
ODD = "mainlab/Subjects/ks5/2021-06-02/001"


def run(*args: str, cwd: Path, pythonpath: list[Path] = ()) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("PRE_COMMIT", None)
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(str(p) for p in pythonpath)
    return subprocess.run([ALFLINT, *args], cwd=cwd, capture_output=True, text=True, env=env)


def register_pack(site: Path) -> list[Path]:
    """A dist-info for the example pack, entry points taken from its pyproject.toml."""
    project = tomllib.loads((PACK / "pyproject.toml").read_text())["project"]
    info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n")
    lines = []
    for group, entries in project["entry-points"].items():
        lines.append(f"[{group}]")
        lines += [f"{name} = {target}" for name, target in entries.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    return [site, PACK]


def data(root: Path, config: str) -> Path:
    for session in (GOOD, ODD):
        alf = root / session / "alf"
        alf.mkdir(parents=True)
        (alf / "trials.intervals.npy").write_bytes(b"")
    (root / "alflint.toml").write_text(config)
    return root


PACK_CONFIG = 'select = ["ALF101"]\nextend-select = ["LAB"]\n'


@pytest.fixture
def pack_path(tmp_path) -> list[Path]:
    return register_pack(tmp_path / "site")


def test_the_example_pack_declares_an_alflint_entry_point():
    project = tomllib.loads((PACK / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["alflint"] == {"example": "alflint_example_pack"}
    assert (PACK / "README.md").is_file() and (PACK / "alflint_example_pack" / "__init__.py").is_file()


def test_the_pack_rules_are_listed_once_installed(tmp_path, pack_path):
    without = run("rules", cwd=tmp_path)
    assert without.returncode == 0 and "LAB001" not in without.stdout
    listed = run("rules", cwd=tmp_path, pythonpath=pack_path)
    assert listed.returncode == 0, listed.stderr
    line = next(x for x in listed.stdout.splitlines() if x.startswith("LAB001"))
    assert "subject-name-pattern" in line and "session" in line and "error" in line
    assert any(row.startswith("LAB002  session-without-trials") for row in listed.stdout.splitlines())
    rows = {r["code"]: r for r in json.loads(run("rules", "--format", "json", cwd=tmp_path, pythonpath=pack_path).stdout)}
    assert rows["LAB001"]["origin"] == "alflint_example_pack.rules"
    explained = run("explain", "LAB001", cwd=tmp_path, pythonpath=pack_path)
    assert "Subject names follow the lab's pattern" in explained.stdout
    assert "pattern (default '[A-Z]{2,4}[0-9]{3}')" in explained.stdout


def test_the_pack_rule_fires_in_alflint_check(tmp_path, pack_path):
    root = data(tmp_path / "data", PACK_CONFIG)
    result = run("check", ".", cwd=root, pythonpath=pack_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{ODD}: LAB001 [error] subject 'ks5' does not match the lab's pattern '[A-Z]{{2,4}}[0-9]{{3}}'" in result.stdout
    assert "KS005" not in result.stdout


def test_the_pack_rule_takes_its_option_from_the_configuration(tmp_path, pack_path):
    root = data(tmp_path / "data", PACK_CONFIG + '\n[rules.subject-name-pattern]\npattern = "[A-Za-z]+[0-9]+"\n')
    result = run("check", ".", cwd=root, pythonpath=pack_path)
    assert result.returncode == 0, result.stdout + result.stderr
    (root / "alflint.toml").write_text(PACK_CONFIG + '\n[rules.LAB001]\npatern = "x"\n')
    typo = run("check", ".", cwd=root, pythonpath=pack_path)
    assert typo.returncode == 2 and "unknown option 'patern' for rule LAB001" in typo.stderr


def test_pack_rules_run_only_when_selected(tmp_path, pack_path):
    root = data(tmp_path / "data", 'select = ["ALF101"]\n')
    result = run("check", ".", cwd=root, pythonpath=pack_path)
    assert result.returncode == 0 and "LAB001" not in result.stdout


def test_the_pack_session_rule_reports_a_session_without_trials(tmp_path, pack_path):
    root = data(tmp_path / "data", 'select = ["ALF101"]\n')
    trials = root / GOOD / "alf" / "trials.intervals.npy"
    trials.rename(trials.with_name("wheel.position.npy"))
    result = run("check", ".", "--select", "LAB002", cwd=root, pythonpath=pack_path)
    assert result.returncode == 0  # a warning
    assert f"{GOOD}: LAB002 [warning] no trials object in this session" in result.stdout
    assert run("check", ".", "--select", "LAB002", "--strict", cwd=root, pythonpath=pack_path).returncode == 1


@pytest.mark.slow
def test_the_pack_installs_with_pip_and_is_found(tmp_path):
    # a copy: building in the pack's folder would leave build/ and *.egg-info in the checkout
    source = tmp_path / "rule-pack"
    shutil.copytree(PACK, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    offline = all(importlib.util.find_spec(m) is not None for m in ("setuptools", "wheel"))
    isolation = ["--no-build-isolation", "--no-index"] if offline else []  # else setuptools comes from PyPI
    target = tmp_path / "site"
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", *isolation, "--target", str(target), str(source)],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    assert list(target.glob("alflint_example_pack-*.dist-info/entry_points.txt"))
    root = data(tmp_path / "data", PACK_CONFIG)
    result = run("check", ".", cwd=root, pythonpath=[target])
    assert result.returncode == 1 and "LAB001 [error] subject 'ks5'" in result.stdout


def test_a_broken_pack_is_reported_and_the_run_goes_on(tmp_path):
    site = tmp_path / "site"
    info = site / "broken_pack-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-pack\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[alflint]\nbroken = broken_pack\n")
    (site / "broken_pack.py").write_text("raise ImportError('needs a newer alflint')\n")
    root = data(tmp_path / "data", 'select = ["ALF101"]\n')
    (root / GOOD / "alf" / "spikes..npy").write_bytes(b"")
    result = run("check", ".", cwd=root, pythonpath=[site])
    assert result.returncode == 2
    line = next(x for x in result.stdout.splitlines() if "ALF901" in x)
    assert "broken_pack" in line and "ImportError: needs a newer alflint" in line
    assert "spikes..npy: ALF101 [error]" in result.stdout  # the other rules still ran


# -- a lab's local rules module named in the configuration -----------------------------------

LAB_RULES = '''"""Our lab's local alflint rules (no packaging: named in alflint.toml)."""
from alflint.plugin import hookimpl
from alflint.rule import rule


@rule("LAB101", "no-scratch-collection", "error", "path")
def no_scratch_collection(dataset, ctx):
    """Nothing is committed in a scratch collection."""
    if dataset.collection and dataset.collection.split("/")[0] == "scratch":
        yield "scratch data must not be committed"


@hookimpl
def alflint_rules():
    return [no_scratch_collection]
'''


@pytest.mark.parametrize("named", ["lab_rules.py", "lab_rules"])
def test_a_local_rules_module_named_in_the_configuration(tmp_path, named):
    root = data(tmp_path / "data", f'select = ["ALF101", "LAB"]\nplugins = ["{named}"]\n')
    (root / "lab_rules.py").write_text(LAB_RULES)
    listed = run("rules", cwd=root)
    assert listed.returncode == 0, listed.stderr
    assert any(row.startswith("LAB101  no-scratch-collection") for row in listed.stdout.splitlines())
    assert run("check", ".", cwd=root).returncode == 0
    scratch = root / GOOD / "scratch"
    scratch.mkdir()
    (scratch / "spikes.times.npy").write_bytes(b"")
    result = run("check", ".", cwd=root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{GOOD}/scratch/spikes.times.npy: LAB101 [error] scratch data must not be committed" in result.stdout
    # found from a subfolder too: the module is resolved against the configuration's folder
    assert run("check", GOOD, cwd=root).returncode == 1


def test_a_missing_local_rules_module_is_an_internal_error(tmp_path):
    root = data(tmp_path / "data", 'select = ["ALF101"]\nplugins = ["lab_rulez.py"]\n')
    result = run("check", ".", cwd=root)
    assert result.returncode == 2
    assert "ALF901" in result.stdout and "lab_rulez.py" in result.stdout
