"""Benchmark the pre-commit hook: 10 staged files in a 20,000-file ALF repository.

Builds a git repository of valid ALF data in a temporary folder (200 sessions of 100 small
``.npy`` files, committed), changes 10 files in 10 different sessions, stages them, and times
with the wall clock (subprocesses, median of several repeats):

* ``alflint check <10 files>`` run the way pre-commit runs the hook (``PRE_COMMIT=1``,
  paths relative to the repository root, current folder = the root);
* ``pre-commit run alflint`` on the staged files, with a local hook whose entry is this
  environment's ``alflint`` (so pre-commit's own start-up is included but no hook
  environment has to be built);
* ``alflint check .`` on the whole repository, for scale.

It also prints the modules the hook imports that a path check must not need (pandas,
numpy, pyarrow) and the slowest imports from ``python -X importtime``.

    python benchmarks/bench_hook.py [--files 20000] [--staged 10] [--repeat 7] [--keep DIR]

Target: the hook on 10 staged files under 0.3 s wall.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: The hook must stay under this (seconds, median wall) on 10 staged files of 20,000.
TARGET_SECONDS = 0.3
HEAVY = ("numpy", "pandas", "pyarrow")


def npy_bytes(values: list[float]) -> bytes:
    """A valid version-1.0 ``.npy`` file of float64 ``values``, written without numpy."""
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d,), }" % len(values)
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1") + struct.pack(f"<{len(values)}d", *values)


ROWS = 10
OBJECTS = ("spikes", "wheel", "camera", "licks", "lfp")
# attributes without a special meaning to the rules (no index, interval or timestamp columns),
# so that the repository is clean and the hook exits 0
ATTRIBUTES = ("times", "amps", "depths", "peakToTrough", "values", "velocity", "acceleration", "power", "phase",
              "signal", "baseline", "quality", "amplitude", "energy", "noise", "gain", "offset", "score", "weight", "area")


def build_repository(root: Path, n_files: int) -> list[str]:
    """Write ``n_files`` valid ALF files (100 per session) and return the session paths."""
    per_session = len(OBJECTS) * len(ATTRIBUTES)  # 100
    n_sessions = max(1, n_files // per_session)
    times = npy_bytes([0.1 * (i + 1) for i in range(ROWS)])
    values = npy_bytes([float(i % 3) for i in range(ROWS)])
    sessions = []
    for s in range(n_sessions):
        subject = f"SW{s // 20:03d}"
        day = 1 + (s % 20)
        session = f"mainlab/Subjects/{subject}/2021-06-{day:02d}/001"
        folder = root / session / "alf"
        folder.mkdir(parents=True)
        for obj in OBJECTS:
            for attr in ATTRIBUTES:
                (folder / f"{obj}.{attr}.npy").write_bytes(times if attr == "times" else values)
        sessions.append(session)
    return sessions


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


def init_repository(root: Path, n_files: int, n_staged: int) -> list[str]:
    sessions = build_repository(root, n_files)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "bench")
    git(root, "config", "user.email", "bench@example.invalid")
    git(root, "config", "commit.gpgsign", "false")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "data")
    # change one file in each of n_staged sessions spread over the repository
    step = max(1, len(sessions) // n_staged)
    changed = []
    for session in sessions[::step][:n_staged]:
        path = root / session / "alf" / "spikes.times.npy"
        path.write_bytes(npy_bytes([0.1 * (i + 1) + 0.05 for i in range(ROWS)]))
        changed.append(f"{session}/alf/spikes.times.npy")
    git(root, "add", *changed)
    return changed


def alflint_command() -> list[str]:
    exe = shutil.which("alflint", path=os.path.dirname(sys.executable))
    return [exe] if exe else [sys.executable, "-m", "alflint.cli"]


def timed(cmd: list[str], cwd: Path, env: dict[str, str], repeat: int, ok=(0,)) -> tuple[float, list[float], str, float]:
    """Median wall time, every run's wall time, the last output and the median CPU time
    (user + system of the child: less sensitive than the wall clock to a busy machine)."""
    import resource

    times, cpu, out = [], [], ""
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        out = proc.stdout + proc.stderr
        if proc.returncode not in ok:
            raise SystemExit(f"{' '.join(cmd[:4])} ... exited {proc.returncode}:\n{out}")
    return statistics.median(times), times, out, statistics.median(cpu)


def heavy_imports(cmd_args: list[str], cwd: Path, env: dict[str, str]) -> tuple[list[str], list[tuple[int, str]]]:
    """Heavy modules imported by ``alflint check`` and the 8 slowest imports (cumulative µs)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "alflint.cli", *cmd_args], cwd=cwd, env=env, capture_output=True, text=True)
    rows = []  # (cumulative µs, name with its nesting indent)
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self_us, cumulative, name = line.split(":", 1)[1].split("|")
        rows.append((int(cumulative), name[1:].rstrip()))
    names = {name.strip() for _, name in rows}
    heavy = sorted(n for n in names if n in HEAVY)
    top = sorted(((c, n) for c, n in rows if not n.startswith(" ")), reverse=True)[:8]
    return heavy, top


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--staged", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", metavar="DIR", help="build the repository in DIR and keep it")
    parser.add_argument("--no-pre-commit", action="store_true", help="skip timing `pre-commit run`")
    args = parser.parse_args(argv)

    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="alflint-bench-hook-"))
    root = base / "repo"
    try:
        started = time.perf_counter()
        changed = init_repository(root, args.files, args.staged)
        print(f"repository: {args.files} files in {root} (built and committed in {time.perf_counter() - started:.1f} s); {len(changed)} staged")
        env = {**os.environ, "PRE_COMMIT": "1", "NO_COLOR": "1"}
        env.pop("PYTHONDEVMODE", None)
        # Installed packages have bytecode (pip compiles it); without it every run would
        # compile alflint's sources again (~0.15 s). Let Python write it, then warm up once.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        cmd = alflint_command()
        subprocess.run([*cmd, "check", *changed], cwd=root, env=env, capture_output=True)

        median, runs, out, cpu = timed([*cmd, "check", *changed], root, env, args.repeat)
        print(f"alflint check <{len(changed)} staged files> (as the hook runs it): median {median:.3f} s wall, {cpu:.3f} s CPU  runs {' '.join(f'{t:.3f}' for t in runs)}")
        print("  " + out.strip().splitlines()[-1])
        verdict = "meets" if median < TARGET_SECONDS else "MISSES"
        print(f"  {verdict} the {TARGET_SECONDS} s target")

        heavy, top = heavy_imports(["check", *changed], root, env)
        print(f"  heavy modules imported: {', '.join(heavy) or 'none'}")
        print("  slowest top-level imports (cumulative ms): " + ", ".join(f"{n} {c / 1000:.1f}" for c, n in top))

        bare, _, _, bare_cpu = timed([sys.executable, "-c", "import sys"], root, env, args.repeat)
        print(f"  (a bare `python -c 'import sys'` takes {bare:.3f} s wall, {bare_cpu:.3f} s CPU here; os.getloadavg() = {os.getloadavg()[0]:.1f})")

        if not args.no_pre_commit and shutil.which("pre-commit", path=os.path.dirname(sys.executable)):
            exe = cmd[0] if len(cmd) == 1 else f"{sys.executable} -m alflint.cli"
            (root / ".pre-commit-config.yaml").write_text(
                "repos:\n- repo: local\n  hooks:\n  - id: alflint\n    name: alflint\n"
                f"    entry: {exe} check\n    language: unsupported\n    require_serial: true\n"
            )
            subprocess.run(["git", "add", ".pre-commit-config.yaml"], cwd=root, check=True)
            pc = [shutil.which("pre-commit", path=os.path.dirname(sys.executable)), "run", "alflint"]
            pc_env = {k: v for k, v in env.items() if k != "PRE_COMMIT"}
            pc_env["PRE_COMMIT_HOME"] = str(base / "pre-commit-home")
            median_pc, runs_pc, _, _ = timed(pc, root, pc_env, args.repeat)
            print(f"pre-commit run alflint (local hook, {len(changed) + 1} staged files): median {median_pc:.3f} s  runs {' '.join(f'{t:.3f}' for t in runs_pc)}")

        median_all, runs_all, out, _ = timed([*cmd, "check", ".", "--quiet"], root, {**env, "PRE_COMMIT": ""}, max(1, args.repeat // 3))
        print(f"alflint check . (whole repository, {args.files} files): median {median_all:.3f} s  runs {' '.join(f'{t:.3f}' for t in runs_all)}")
        return 0 if median < TARGET_SECONDS else 1
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
