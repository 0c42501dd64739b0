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
    code = (  # numpy is imported at exit, once the command has run
        "import atexit, os, sys\n"
        "from alflint import cli\n"
        "def report():\n"
        "    import numpy\n"
        "    print(os.environ.get('OPENBLAS_NUM_THREADS'), len(os.listdir('/proc/self/task')))\n"
        "atexit.register(report)\n"
        "sys.argv = ['alflint', 'rules']\n"
        "cli.command()\n"
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


def test_the_command_exits_with_its_status_its_output_flushed_and_its_exit_functions_run(tmp_path):
    """The command skips the interpreter's teardown, not what an exit must do: every line of
    a long report reaches a pipe, the exit status is the check's, and functions registered
    with atexit (coverage, logging handlers, a rule pack's) still run."""
    session = tmp_path / "subj" / "2021-01-01" / "001" / "alf"
    session.mkdir(parents=True)
    for i in range(300):
        (session / f"Bad name {i}.x.npy").write_bytes(b"x")
    marker = tmp_path / "atexit-ran"
    code = (
        "import atexit, sys\n"
        f"atexit.register(lambda: open({str(marker)!r}, 'w').write('ran'))\n"
        "atexit.register(print, 'said at exit')\n"
        "from alflint import cli\n"
        f"sys.argv = ['alflint', 'check', {str(tmp_path)!r}, '--no-content']\n"
        "cli.command()\n"
        "print('not reached')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # a pipe is block-buffered
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert sum("Bad name" in line for line in lines) >= 300 and "not reached" not in result.stdout
    assert lines[-2].startswith("Found ") and lines[-1] == "said at exit", lines[-3:]
    assert marker.read_text() == "ran"


def test_the_command_waits_for_a_thread_still_running(tmp_path):
    """A thread a rule pack left running is waited for, as by any Python program."""
    marker = tmp_path / "thread-done"
    code = (
        "import sys, threading, time\n"
        f"def late():\n    time.sleep(0.3)\n    open({str(marker)!r}, 'w').write('done')\n"
        "threading.Thread(target=late).start()\n"
        "from alflint import cli\n"
        "sys.argv = ['alflint', 'rules']\n"
        "cli.command()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert marker.read_text() == "done"


@pytest.mark.parametrize("thread, torn_down", [(None, False), ("daemon", False), ("worker", True)])
def test_the_command_skips_the_teardown_unless_a_thread_must_be_waited_for(tmp_path, thread, torn_down):
    """An object of the program's is freed by the interpreter's teardown (its __del__ says
    so), which the command skips; a daemon thread does not change that (no exit waits for
    one), a thread that is no daemon makes the command exit as usual."""
    code = (
        "import sys, threading, time\n"
        "class Probe:\n"
        "    def __del__(self):\n"
        "        print('torn down')\n"
        "probe = Probe()\n"
        f"if {thread!r} == 'daemon':\n"
        "    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n"
        f"if {thread!r} == 'worker':\n"
        "    threading.Thread(target=time.sleep, args=(0.2,)).start()\n"
        "from alflint import cli\n"
        "sys.argv = ['alflint', 'rules']\n"
        "cli.command()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "ALF101" in result.stdout
    assert ("torn down" in result.stdout) is torn_down


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
