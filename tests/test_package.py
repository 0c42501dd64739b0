"""The installable package: console script, rules/ shipped as alflint.rules, import budget."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from importlib.metadata import entry_points
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "numpy", "pyarrow")


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, env=env)


def test_builtin_rules_are_registered_through_the_entry_point_group():
    names = {ep.name: ep.value for ep in entry_points(group="alflint")}
    assert names.get("builtin") == "alflint.rules"


def test_rules_is_not_a_top_level_module(tmp_path):
    result = run_python(
        "import importlib.util, alflint.rules as r\n"
        "assert importlib.util.find_spec('rules') is None, 'rules importable at top level'\n"
        "print(r.__name__)",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "alflint.rules"


def test_import_and_path_checks_do_not_import_pandas_numpy_pyarrow(tmp_path):
    session = tmp_path / "subj" / "2021-01-01" / "001" / "alf"
    session.mkdir(parents=True)
    (session / "spikes.times.npy").write_bytes(b"x")
    (session / "Bad name.x.npy").write_bytes(b"x")
    code = (
        "import sys, alflint, alflint.spec as s\n"
        "s.parse_path('lab/Subjects/subj/2021-01-01/001/alf/#2021-07-05#/_ibl_spikes.times.npy')\n"
        "from alflint.cli import main\n"
        f"status = main(['check', {str(tmp_path)!r}, '--no-content', '--format', 'concise'])\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert status == 1, status\n"
    )
    result = run_python(code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc")
@pytest.mark.parametrize("chosen", [None, "2"])
def test_the_command_keeps_numpy_to_one_blas_thread_unless_the_user_chose(tmp_path, chosen):
    """The alflint command does no linear algebra: numpy imported in its process (pyarrow
    imports it to write tables) starts no OpenBLAS threads, unless the user set how many."""
    code = (
        "import os, sys\n"
        "from alflint import cli\n"
        "sys.argv = ['alflint', 'rules']\n"
        "assert cli.command() == 0\n"
        "import numpy\n"
        "print(os.environ.get('OPENBLAS_NUM_THREADS'), len(os.listdir('/proc/self/task')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    if chosen is not None:
        env["OPENBLAS_NUM_THREADS"] = chosen
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    setting, threads = result.stdout.split()[-2:]
    assert setting == (chosen or "1")
    if chosen is None:
        assert int(threads) == 1


def test_console_script_runs(tmp_path):
    exe = Path(sys.executable).with_name("alflint")
    result = subprocess.run([str(exe), "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith("alflint ")


@pytest.mark.slow
def test_wheel_ships_rules_inside_the_package(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    wheel = next(tmp_path.glob("alflint-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "alflint/rules/__init__.py" in names
    assert "alflint/schemas/config.schema.json" in names
    assert not any(n.startswith("rules/") for n in names)
