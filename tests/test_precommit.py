"""The pre-commit hooks: the manifest, the staged-file path, and real pre-commit end to end.

The fast tests run the hook's command the way pre-commit does (current folder = the
repository root, paths relative to it, ``PRE_COMMIT=1``). The slow ones run the real
``pre-commit`` against this project checkout at its HEAD commit: pre-commit clones it and
pip-installs it into a hook environment (network, about a minute, once per session thanks to
a shared ``PRE_COMMIT_HOME``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ALFLINT = str(BIN / "alflint")
PRE_COMMIT = shutil.which("pre-commit", path=str(BIN)) or shutil.which("pre-commit")
SESSION = "mainlab/Subjects/SW001/2021-06-01/001"
OTHER = "mainlab/Subjects/SW002/2021-06-02/001"

# Only the name rule, so the outcome depends on names alone whatever other rules arrive.
CONFIG = 'select = ["ALF101"]\n'


def npy(values: list[float]) -> bytes:
    """A valid .npy file of float64 values, written without numpy."""
    import struct

    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d,), }" % len(values)
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + struct.pack(f"<{len(values)}d", *values)


def write(root: Path, rel: str, data: bytes | str = b"") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def git(root: Path, *args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=check, env=env)


def data_repo(root: Path, config: str | None = CONFIG) -> Path:
    """A git repository with two clean sessions, committed."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test Lab")
    git(root, "config", "user.email", "lab@example.invalid")
    git(root, "config", "commit.gpgsign", "false")
    for session in (SESSION, OTHER):
        write(root, f"{session}/alf/spikes.times.npy", npy([0.1, 0.2, 0.3]))
        write(root, f"{session}/alf/spikes.clusters.npy", npy([1, 2, 1]))
    if config is not None:
        write(root, "alflint.toml", config)
    git(root, "add", "-A")
    git(root, "commit", "-q", "--no-verify", "-m", "data")
    return root


def hook(root: Path, *files: str, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the `alflint` hook's entry as pre-commit does."""
    env = {**os.environ, "PRE_COMMIT": "1", "NO_COLOR": "1", **(extra_env or {})}
    return subprocess.run([ALFLINT, "check", *files], cwd=root, capture_output=True, text=True, env=env)


# -- the manifest -------------------------------------------------------------------------------


def test_manifest_declares_both_hooks_as_pre_commit_reads_them():
    clientlib = pytest.importorskip("pre_commit.clientlib")
    hooks = {h["id"]: h for h in clientlib.load_manifest(str(PROJECT / ".pre-commit-hooks.yaml"))}
    assert set(hooks) >= {"alflint", "alflint-index"}
    staged = hooks["alflint"]
    assert staged["entry"] == "alflint check" and staged["pass_filenames"] and staged["require_serial"]
    index = hooks["alflint-index"]
    assert index["entry"] == "alflint index ." and not index["pass_filenames"] and index["always_run"]
    assert set(index["stages"]) == {"pre-push", "manual"}
    # the entries name a console script the package really installs
    assert Path(ALFLINT).exists()


def test_pre_commit_passes_symlinked_data_files_but_not_the_cache_tables(tmp_path):
    # Real pre-commit selects the files with the alflint hook's own filters, on a local hook
    # that only prints what it was given (no hook environment to build).
    if PRE_COMMIT is None:
        pytest.skip("pre-commit is not installed")
    clientlib = pytest.importorskip("pre_commit.clientlib")
    import json

    (manifest,) = [h for h in clientlib.load_manifest(str(PROJECT / ".pre-commit-hooks.yaml")) if h["id"] == "alflint"]
    filters = {k: manifest[k] for k in ("types", "types_or", "exclude_types", "exclude", "files")}
    printer = f"{sys.executable} -c 'import sys; print(sys.argv[1:])'"
    hook_def = {"id": "alflint", "name": "alflint", "entry": printer, "language": "unsupported", "verbose": True, **filters}
    root = data_repo(tmp_path / "data")
    annex = tmp_path / "annex-object"
    annex.write_bytes(npy([1.0, 2.0, 3.0]))
    (root / SESSION / "alf" / "spikes.amps.npy").symlink_to(annex)  # git-annex style, present
    (root / SESSION / "alf" / "spikes.depths.npy").symlink_to(tmp_path / "not-fetched")  # content not here
    write(root, "sessions.pqt", b"PAR1")
    write(root, ".pre-commit-config.yaml", json.dumps({"repos": [{"repo": "local", "hooks": [hook_def]}]}))
    git(root, "add", "-A")
    env = {k: v for k, v in os.environ.items() if k != "PRE_COMMIT"}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    result = subprocess.run([PRE_COMMIT, "run", "alflint", "--all-files"], cwd=root, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{SESSION}/alf/spikes.amps.npy" in result.stdout
    assert f"{SESSION}/alf/spikes.depths.npy" in result.stdout
    assert f"{SESSION}/alf/spikes.times.npy" in result.stdout
    assert "sessions.pqt" not in result.stdout


# -- the staged-file path (fast) -------------------------------------------------------------


def test_only_the_touched_session_is_reported(tmp_path):
    root = data_repo(tmp_path / "data")
    write(root, f"{OTHER}/alf/spike-times.old.npy", npy([1.0]))  # a bad name the commit does not touch
    bad = write(root, f"{SESSION}/alf/spikes.amps .npy", npy([1.0, 2.0, 3.0]))
    rel = bad.relative_to(root).as_posix()
    result = hook(root, rel)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"Session {SESSION}  (1 error)\n" in result.stdout
    assert f"{rel}: ALF101 [error]" in result.stdout
    assert f"{SESSION}/{SESSION}" not in result.stdout
    assert "spike-times.old.npy" not in result.stdout and OTHER not in result.stdout
    # the untouched problem is there: a whole-repository check sees both
    whole = hook(root, ".")
    assert "spike-times.old.npy" in whole.stdout and "spikes.amps .npy" in whole.stdout


@pytest.mark.parametrize("with_root_file", [False, True])
def test_session_paths_in_the_report_are_relative_to_the_repository(tmp_path, with_root_file):
    # a file's session folder is walked on its own; its session must still be named by its
    # path from the repository root, also when a root file widens the report's root
    root = data_repo(tmp_path / "data")
    bad = f"{SESSION}/alf/spikes.amps .npy"
    write(root, bad, npy([1.0]))
    files = [bad, "alflint.toml"] if with_root_file else [bad]
    result = hook(root, *files, "--format", "json")
    import json

    report = json.loads(result.stdout)
    (issue,) = report["issues"]
    # JSON: the path relative to the working directory, the session relative to "root"
    assert issue["path"] == bad
    assert os.path.normpath(os.path.join(report["root"], issue["session"])) == SESSION
    assert report["sessions"] == [issue["session"]]
    text = hook(root, *files).stdout
    assert text.startswith(f"Session {SESSION}  (1 error)\n  {bad}: ALF101 [error]"), text


SCRATCH = f"{SESSION}/scratch/bad-name.x.npy"


@pytest.mark.parametrize(
    "config, ignore_file",
    [
        (CONFIG + 'exclude = ["mainlab/Subjects/*/*/*/scratch/"]\n', None),
        (CONFIG + '[per-path-ignores]\n"mainlab/Subjects/SW001/**" = ["ALF101"]\n', None),
        (CONFIG, "mainlab/Subjects/SW001/2021-06-01/001/scratch/\n"),
        (None, "/mainlab/Subjects/*/*/*/scratch/\n"),  # no configuration: the git work tree's file
    ],
    ids=["exclude", "per-path-ignores", "alflintignore", "alflintignore-without-config"],
)
def test_a_staged_file_is_excluded_as_in_a_whole_repository_check(tmp_path, config, ignore_file):
    # patterns are relative to the file declaring them, though only the session is walked
    root = data_repo(tmp_path / "data", config=config)
    if ignore_file is not None:
        write(root, ".alflintignore", ignore_file)
    write(root, SCRATCH, npy([1.0]))
    select = ["--select", "ALF101"] if config is None else []
    whole = hook(root, ".", *select)
    staged = hook(root, SCRATCH, *select)
    assert whole.returncode == 0, whole.stdout
    assert staged.returncode == 0, staged.stdout
    assert "ALF101" not in staged.stdout
    # and without the pattern, the same file is reported
    (root / ".alflintignore").unlink(missing_ok=True)
    write(root, "alflint.toml", CONFIG)
    assert hook(root, SCRATCH).returncode == 1


def test_clean_staged_files_pass_even_when_untouched_sessions_have_errors(tmp_path):
    root = data_repo(tmp_path / "data")
    write(root, f"{OTHER}/alf/spike-times.old.npy", npy([1.0]))
    good = write(root, f"{SESSION}/alf/spikes.amps.npy", npy([1.0, 2.0, 3.0]))
    result = hook(root, good.relative_to(root).as_posix(), "alflint.toml")
    assert result.returncode == 0, result.stdout
    assert "All checks passed" in result.stdout


LAB_RULES = '''
from alflint.plugin import hookimpl
from alflint.rule import rule


@rule("LAB900", "object-needs-times", "error", "object")
def object_needs_times(obj, ctx):
    """Every object has a times attribute."""
    if not any(d.parts.attribute == "times" for d in obj.datasets):
        yield f"object {obj.name!r} has no times"


@hookimpl
def alflint_rules():
    return [object_needs_times]
'''


def test_a_staged_file_is_checked_with_its_object_siblings_on_disk(tmp_path):
    # an object rule needs the siblings: staging only spikes.clusters must still find spikes.times
    root = data_repo(tmp_path / "data", config='select = ["ALF101", "LAB"]\nplugins = ["lab_rules.py"]\n')
    write(root, "lab_rules.py", LAB_RULES)
    ok = hook(root, f"{SESSION}/alf/spikes.clusters.npy")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # a new object without times in the other session, and a clusters file of the good object
    write(root, f"{OTHER}/alf/wheel.position.npy", npy([1.0]))
    failed = hook(root, f"{OTHER}/alf/wheel.position.npy", f"{SESSION}/alf/spikes.clusters.npy")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert f"{OTHER}/alf/wheel.*: LAB900 [error] object 'wheel' has no times" in failed.stdout
    assert "object 'spikes'" not in failed.stdout  # spikes.times was read from disk, not staged


SPY_RULES = '''
import os
from alflint.plugin import hookimpl
from alflint.rule import rule


def _log(kind, path):
    with open(os.environ["SPY_LOG"], "a") as fh:
        fh.write(f"{kind} {path}\\n")


@rule("LAB801", "spy-path", "info", "path")
def spy_path(dataset, ctx):
    """Records the files path rules run on."""
    _log("path", dataset.rel)
    return ()


@rule("LAB802", "spy-object", "info", "object")
def spy_object(obj, ctx):
    """Records the objects object rules run on."""
    _log("object", obj.name)
    return ()


@rule("LAB803", "spy-session", "info", "session")
def spy_session(session, ctx):
    """Records the sessions session rules run on."""
    _log("session", session.key)
    return ()


@hookimpl
def alflint_rules():
    return [spy_path, spy_object, spy_session]
'''


def test_path_and_object_rules_run_only_on_the_touched_objects(tmp_path):
    # the session is the context, but a per-file or per-object rule on an untouched sibling
    # (reading its content, say) could only produce issues that are not reported
    root = data_repo(tmp_path / "data", config='select = ["LAB8"]\nplugins = ["spy_rules.py"]\n')
    write(root, "spy_rules.py", SPY_RULES)
    write(root, f"{SESSION}/alf/wheel.position.npy", npy([1.0, 2.0, 3.0]))
    write(root, f"{SESSION}/alf/wheel.times.npy", npy([0.1, 0.2, 0.3]))
    log = tmp_path / "spy.log"
    result = hook(root, f"{SESSION}/alf/wheel.times.npy", extra_env={"SPY_LOG": str(log)})
    assert result.returncode == 0, result.stdout + result.stderr
    seen = sorted(log.read_text().splitlines())
    assert seen == sorted([
        "path alf/wheel.position.npy",  # the whole touched object (paths below the walked session)
        "path alf/wheel.times.npy",
        "object wheel",
        f"session {SESSION}",  # session rules see the whole session
    ]), seen
    # a whole-tree check runs them everywhere
    log.unlink()
    hook(root, ".", extra_env={"SPY_LOG": str(log)})
    assert sum(line.startswith("path ") for line in log.read_text().splitlines()) == 8


def test_a_staged_file_outside_sessions_does_not_walk_the_repository(tmp_path):
    root = data_repo(tmp_path / "data")
    write(root, "README.md", "# lab data\n")
    result = hook(root, "README.md", "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    import json

    summary = json.loads(result.stdout)["summary"]
    # the root folder only (README.md, alflint.toml), not the 4 files of the sessions below it
    assert summary["files_checked"] == 2 and summary["sessions_checked"] == 0


@pytest.mark.parametrize("select", ['["ALF1", "ALF2", "ALF3", "ALF4"]', '["ALF"]'], ids=["no-content-rules", "all-rules"])
def test_the_staged_path_imports_no_numpy_pandas_or_pyarrow(tmp_path, select):
    # small .npy files: even content rules read them without numpy
    root = data_repo(tmp_path / "data", config=f"select = {select}\n")
    files = [f"{SESSION}/alf/spikes.times.npy", f"{OTHER}/alf/spikes.clusters.npy", "alflint.toml"]
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['alflint', 'check', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('alflint.cli', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('numpy', 'pandas', 'pyarrow') if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    env = {**os.environ, "PRE_COMMIT": "1", "NO_COLOR": "1"}
    result = subprocess.run([sys.executable, "-c", probe, *files], cwd=root, capture_output=True, text=True, env=env)
    assert "2 sessions" in result.stdout, result.stdout + result.stderr  # the check ran
    assert result.stdout.rstrip().endswith("HEAVY="), result.stdout + result.stderr


# -- real pre-commit (slow: builds the hook environment from this checkout) ----------------------


@pytest.fixture(scope="session")
def pre_commit_env(tmp_path_factory):
    """PRE_COMMIT_HOME shared by the slow tests (the hook environment is built once) and HEAD."""
    if PRE_COMMIT is None:
        pytest.skip("pre-commit is not installed")
    if git(PROJECT, "rev-parse", "--is-inside-work-tree", check=False).returncode != 0:
        pytest.skip("the project is not a git checkout")
    head = git(PROJECT, "rev-parse", "HEAD").stdout.strip()
    manifest = git(PROJECT, "show", "HEAD:.pre-commit-hooks.yaml", check=False).stdout
    assert "id: alflint-index" in manifest, "commit .pre-commit-hooks.yaml: pre-commit clones HEAD"
    home = tmp_path_factory.mktemp("pre-commit-home")
    env = {k: v for k, v in os.environ.items() if k not in ("PRE_COMMIT", "GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE")}
    env.update(PRE_COMMIT_HOME=str(home), NO_COLOR="1", PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}")
    # pip's --no-compile, spelled as pip reads it from the environment (the value is given to
    # the option's destination, `compile`): skipping bytecode for numpy/pandas/pyarrow halves
    # the hook environment's build (about 35 s -> 15 s here)
    env["PIP_NO_COMPILE"] = "0"
    return head, env


def config_yaml(rev: str, hook_ids: tuple[str, ...] = ("alflint",)) -> str:
    hooks = "".join(f"    - id: {h}\n" for h in hook_ids)
    return f"repos:\n-   repo: {PROJECT}\n    rev: {rev}\n    hooks:\n{hooks}"


@pytest.mark.slow
def test_a_commit_with_a_bad_name_fails_and_passes_once_fixed(tmp_path, pre_commit_env, try_repo_run):
    rev, env = pre_commit_env  # (try_repo_run: the try-repo test's build runs meanwhile)
    root = data_repo(tmp_path / "data")
    write(root, ".pre-commit-config.yaml", config_yaml(rev))
    git(root, "add", ".pre-commit-config.yaml")
    git(root, "commit", "-q", "--no-verify", "-m", "pre-commit")
    installed = subprocess.run([PRE_COMMIT, "install"], cwd=root, capture_output=True, text=True, env=env)
    assert installed.returncode == 0, installed.stderr

    bad = f"{SESSION}/alf/spikes.amps .npy"
    write(root, bad, npy([1.0, 2.0, 3.0]))
    write(root, f"{SESSION}/alf/spikes.depths.npy", npy([10.0, 20.0, 30.0]))
    git(root, "add", "-A")
    failed = git(root, "commit", "-m", "add amplitudes", env=env, check=False)
    output = failed.stdout + failed.stderr
    assert failed.returncode != 0, output
    assert "alflint (ALF names, objects and sessions)" in output and "Failed" in output
    assert f"{bad}: ALF101 [error]" in output  # the readable text report, path relative to the root
    assert f"Session {SESSION}  (1 error)\n" in output and "Found 1 error" in output
    assert "\x1b[" not in output.split("- exit code")[-1]  # no colour codes in the report
    assert git(root, "log", "--format=%s").stdout.splitlines() == ["pre-commit", "data"]

    git(root, "mv", bad, f"{SESSION}/alf/spikes.amps.npy")
    passed = git(root, "commit", "-m", "add amplitudes", env=env, check=False)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "alflint (ALF names, objects and sessions)" in passed.stdout + passed.stderr
    assert git(root, "log", "--format=%s").stdout.splitlines()[0] == "add amplitudes"


@pytest.fixture(scope="session")
def try_repo_run(tmp_path_factory, pre_commit_env):
    """`pre-commit try-repo` on a clean data repository, started in the background.

    try-repo builds its hook environment in a temporary store (PRE_COMMIT_HOME is not used),
    which takes as long as the commit test's build; starting it first lets both builds overlap.
    One call covers both hooks: every hook of the manifest at the manual stage, on all files.
    """
    rev, env = pre_commit_env
    root = data_repo(tmp_path_factory.mktemp("try-repo") / "data")
    proc = subprocess.Popen(
        [PRE_COMMIT, "try-repo", str(PROJECT), "--ref", rev, "--hook-stage", "manual", "--all-files"],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    yield root, proc
    if proc.poll() is None:
        proc.kill()
        proc.communicate()


@pytest.mark.slow
def test_try_repo_runs_both_hooks(try_repo_run):
    root, proc = try_repo_run
    output, _ = proc.communicate(timeout=900)
    assert proc.returncode == 0, output
    assert "alflint (ALF names, objects and sessions)" in output
    assert "alflint index (whole repository, ONE cache tables)" in output
    assert output.count("Passed") == 2, output
    # alflint-index wrote ONE's tables at the root, and they list both sessions
    import pandas as pd

    assert len(pd.read_parquet(root / "sessions.pqt")) == 2
    assert len(pd.read_parquet(root / "datasets.pqt")) == 4
