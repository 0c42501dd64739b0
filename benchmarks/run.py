"""Run every alflint benchmark on one generated ALF tree and print one table.

    python benchmarks/run.py --size small            # 10k files (about a minute)
    python benchmarks/run.py --size medium           # 200k files (make_parquet_db takes ~100 s)
    python benchmarks/run.py --size large --skip one # 1M files

On the same tree, in one run, every step in a fresh subprocess timed by the wall clock (the
steps compared with ``find`` and with each other run in rounds, one run of each per round,
and their ratios are the median of each round's own ratio: on a shared machine a slow phase
then slows both sides of a ratio; ``make_parquet_db``, run once, is compared with an index run
right before it and one right after it, the latter after an untimed index that reads the file
data back into memory):
``find ROOT -type f`` (the floor), ``alflint check`` path rules only and with content rules
(``--no-cache`` when the CLI has a result cache, then a cached re-check), ``alflint index``
fresh and ``--update``, and one-api's ``make_parquet_db``; then the list/load API per call
(alflint and one-api on the tables of ``alflint index``), the pre-commit hook on 10 staged
files, start-up costs, the targets with PASS/FAIL and the peak memory of each step.

Peak memory is ``ru_maxrss`` of the rusage that ``os.wait4`` returns for the step's process:
Linux fills it as RUSAGE_BOTH, i.e. the largest single process of the step's process tree
(workers and hook children included once reaped), not their sum. CPU seconds come from the
same rusage: user + system time of the step's process and of the processes it reaped, their
sum this time (how much of the machine a step takes: alflint's workers use both cores, ``find``
and ``make_parquet_db`` one).

The tree is kept between runs (``--dir``, default a folder under the system temp dir keyed by
the number of files) with a marker file recording files, seed and the generator's version (a
tree made by another version is made again); ``--fresh`` regenerates it.
The page cache cannot be dropped without root: a ``find`` pass runs first and every timing is
"warm cache" (file metadata and small contents in memory), the best case for every tool.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = {"small": 10_000, "medium": 200_000, "large": 1_000_000}
HOOK_FILES = 20_000  # the pre-commit repository is never bigger than this
STAGED = 10
GIB_MIB = 1024.0
MARKER = "alflint-bench.json"

STEP_FIND = "find -type f"
STEP_CHECK_PATH = "check --no-content"
STEP_CHECK = "check (content)"
STEP_CHECK_CACHED = "check (cached re-check)"
STEP_INDEX = "index"
STEP_INDEX_UPDATE = "index --update"
STEP_INDEX_COMPARE = "index --update --no-cache"
STEP_INDEX_PATH = "index --no-content"
STEP_MPDB = "one make_parquet_db"
STEP_VERSION = "alflint --version"
STEP_IMPORT = "python -c 'import alflint'"
STEP_PYTHON = "python -c pass"
STEP_HOOK_CHECK = "hook: alflint check <10 files>"
STEP_HOOK_PC = "hook: pre-commit run alflint"
WALK_STEPS = [STEP_FIND, STEP_CHECK_PATH, STEP_CHECK, STEP_CHECK_CACHED, STEP_INDEX, STEP_INDEX_PATH, STEP_INDEX_UPDATE, STEP_INDEX_COMPARE, STEP_MPDB]
#: Steps alflint can time itself (``--timing``): check and index.
TIMABLE = [STEP_CHECK_PATH, STEP_CHECK, STEP_CHECK_CACHED, STEP_INDEX, STEP_INDEX_PATH, STEP_INDEX_UPDATE, STEP_INDEX_COMPARE]
PROFILABLE = [STEP_CHECK_PATH, STEP_CHECK, STEP_CHECK_CACHED, STEP_INDEX, STEP_INDEX_PATH, STEP_INDEX_UPDATE, STEP_INDEX_COMPARE, STEP_MPDB,
              STEP_HOOK_CHECK]


# ---------------------------------------------------------------------------------------------
# Children: code run in a fresh interpreter (``run.py --child NAME ...``)
# ---------------------------------------------------------------------------------------------


def child_mpdb(root: str, out: str) -> int:
    import warnings

    from one.alf.cache import make_parquet_db

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make_parquet_db(root, out_dir=out, hash_ids=True)
    return 0


def _per_call(fn, calls) -> dict:
    """Median, mean and first of the per-call times (µs) of ``fn(*args)`` over ``calls``."""
    times = []
    for args in calls:
        t = time.perf_counter()
        fn(*args)
        times.append((time.perf_counter() - t) * 1e6)
    return {"median_us": statistics.median(times), "mean_us": statistics.fmean(times), "calls": len(times)}


def _load_target(list_datasets, eids) -> str | None:
    for eid in eids:
        if "alf/_ibl_trials.intervals.npy" in list_datasets(eid):
            return eid
    return None


def child_api(which: str, root: str, tables: str, n_eids: int, rows_hint: int = 0) -> int:
    """Per-call times of the list/load API on the tables in ``tables`` for the tree ``root``."""
    import logging
    import warnings

    warnings.simplefilter("ignore")
    logging.getLogger("one").setLevel(logging.CRITICAL)
    t0 = time.perf_counter()
    if which == "alflint":
        import pandas as pd

        import alflint

        sessions = pd.read_parquet(Path(tables) / "sessions.pqt")
        datasets = pd.read_parquet(Path(tables) / "datasets.pqt")
        api = alflint.Repository(Path(root).resolve(), sessions, datasets)
    else:
        from one.api import One

        api = One(cache_dir=root, tables_dir=tables, mode="local")
        sessions, datasets = api._cache["sessions"], api._cache["datasets"]
    open_s = time.perf_counter() - t0
    result = _api_calls(api, list(map(str, sessions.index)), n_eids)
    result.update({"open_s": open_s, "sessions": len(sessions), "rows": len(datasets)})
    print(json.dumps(result))
    return 0


def _api_calls(api, all_eids: list[str], n_eids: int, load=("trials", "alf")) -> dict:
    import random

    rng = random.Random(1)
    eids = rng.sample(all_eids, min(n_eids, len(all_eids)))
    out = {
        "list_datasets first": _per_call(api.list_datasets, [(e,) for e in eids]),
        "list_datasets repeated": _per_call(api.list_datasets, [(e,) for e in eids]),
        "list_collections": _per_call(api.list_collections, [(e,) for e in eids]),
    }
    target = _load_target(api.list_datasets, eids + all_eids[:50])
    if target is not None:
        obj, coll = load
        out["load_object first"] = _per_call(lambda: api.load_object(target, obj, collection=coll), [()])
        out["load_object repeated"] = _per_call(lambda: api.load_object(target, obj, collection=coll), [()] * 50)
        out["load_object"] = f"{obj!r} in {coll!r} of {target}"
    return out


def child_api_rows(which: str, rows: int, folder: str) -> int:
    """list_datasets on an in-memory table of ``rows`` rows (50 per session), as bench_api.py."""
    import datetime
    import logging
    import uuid
    import warnings

    import numpy as np
    import pandas as pd

    warnings.simplefilter("ignore")
    logging.getLogger("one").setLevel(logging.CRITICAL)
    per = 50
    n_sessions = max(1, rows // per)
    rng = np.random.default_rng(0)
    eids = [str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(n_sessions)]
    sessions = pd.DataFrame({
        "lab": [f"lab{i % 5}" for i in range(n_sessions)], "subject": [f"SUBJ-{i // 40:04d}" for i in range(n_sessions)],
        "date": [datetime.date(2021, 1, 1) + datetime.timedelta(days=i % 40) for i in range(n_sessions)],
        "number": np.ones(n_sessions, dtype="uint16"), "task_protocol": "", "projects": "",
    }, index=pd.Index(eids, name="id"))
    colls = ["", "alf", "alf/probe00", "alf/probe01", "raw_video_data", "raw_behavior_data"]
    names = [f"{colls[i % 6]}/_ibl_obj{i // 7}.attr{i % 7}.npy".lstrip("/") for i in range(per)]
    n = n_sessions * per
    blob = rng.bytes(16 * n)
    ids = [str(uuid.UUID(bytes=blob[i:i + 16], version=4)) for i in range(0, 16 * n, 16)]
    datasets = pd.DataFrame({
        "rel_path": np.tile(np.array(names, dtype=object), n_sessions), "file_size": pd.array(np.full(n, 168), dtype="UInt64"),
        "hash": "", "exists": True,
    }, index=pd.MultiIndex.from_arrays([np.repeat(np.array(eids, dtype=object), per), ids], names=["eid", "id"]))
    t0 = time.perf_counter()
    if which == "alflint":
        import alflint

        api = alflint.Repository(Path(folder), sessions, datasets)
    else:
        from one.api import One

        datasets["qc"] = pd.Categorical(["NOT_SET"] * n, categories=["NOT_SET", "PASS", "WARNING", "FAIL", "CRITICAL"], ordered=True)
        os.makedirs(folder, exist_ok=True)
        api = One(cache_dir=folder, mode="local")
        api._cache["sessions"], api._cache["datasets"] = sessions, datasets
    open_s = time.perf_counter() - t0
    out = _api_calls(api, eids, 2000 if which == "alflint" else 300)
    out.update({"open_s": open_s, "sessions": n_sessions, "rows": n})
    print(json.dumps(out))
    return 0


# ---------------------------------------------------------------------------------------------
# Timing steps in subprocesses
# ---------------------------------------------------------------------------------------------


class Step:
    def __init__(self, name: str, note: str = ""):
        self.name, self.note = name, note
        self.runs: list[float] = []
        self.rss_kib: list[int] = []
        self.cpu: list[float] = []  #: user + system seconds of each run's process tree
        self.status = "n/a"
        self.exit: int | None = None
        self.tail = ""
        self.in_rounds = False  #: run once per round beside the other steps compared with find
        self.beside_index: list[float] = []  #: make_parquet_db only: index runs right before and after it

    @property
    def seconds(self) -> float | None:
        return statistics.median(self.runs) if self.runs else None

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "issues")

    @property
    def cpu_seconds(self) -> float | None:
        return statistics.median(self.cpu) if self.cpu else None

    @property
    def peak_mib(self) -> float | None:
        return max(self.rss_kib) / 1024 if self.rss_kib else None

    def as_dict(self) -> dict:
        return {"name": self.name, "status": self.status, "exit": self.exit, "seconds": self.seconds,
                "best_s": min(self.runs) if self.runs else None, "runs_s": self.runs, "cpu_s": self.cpu_seconds,
                "cpu_runs_s": self.cpu, "peak_rss_mib": self.peak_mib,
                "note": self.note, "stderr_tail": self.tail if not self.ok else "",
                **({"index_beside_s": self.beside_index} if self.beside_index else {})}


#: Runs one command and writes (wall seconds, exit code, ru_maxrss KiB, CPU seconds) as JSON to
#: a file. The CPU seconds are user + system time of the step's process and of every process it
#: waited for (alflint's worker processes): what the step cost the machine, whatever its cores.
#: Launched with ``python -S -I`` (a few MiB): on Linux a child's ru_maxrss includes the memory
#: of the process it was forked from (kept across exec), so the benchmark's own process, which
#: may hold numpy and a tree's worth of state, must never be the direct parent of a step.
_LAUNCHER = """
import os, sys, time, json
result, cmd = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
pid = os.posix_spawnp(cmd[0], cmd, os.environ)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
with open(result, "w") as fh:
    json.dump([wall, os.waitstatus_to_exitcode(status), usage.ru_maxrss, usage.ru_utime + usage.ru_stime], fh)
"""


def run_once(cmd: list[str], env: dict, cwd: str | None = None) -> tuple[float, int, int, float, str]:
    """(wall seconds, exit code, ru_maxrss KiB of the step's process tree, its CPU seconds,
    output tail)."""
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r", suffix=".json") as res:
        proc = subprocess.run(check=False, args=[sys.executable, "-S", "-I", "-c", _LAUNCHER, res.name, *cmd], stdout=out, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, env=env, cwd=cwd)
        out.seek(max(0, out.seek(0, 2) - 3000))
        tail = out.read().decode("utf-8", "replace")
        text = res.read()
        if proc.returncode or not text:
            return 0.0, proc.returncode or 127, 0, 0.0, tail
        wall, code, rss, cpu = json.loads(text)
    return wall, code, rss, cpu, tail


def timed(step: Step, cmd: list[str], env: dict, repeat: int, *, cwd=None, ok=(0,), issues=(), warmup=False, say=True) -> Step:
    """Run ``cmd`` ``repeat`` times (after one untimed run with ``warmup``); a failing run
    marks the step FAILED and keeps its output tail. ``say=False``: print failures only."""
    for i in range(repeat + (1 if warmup else 0)):
        wall, code, rss, cpu, tail = run_once(cmd, env, cwd)
        step.exit = code
        if code not in ok and code not in issues:
            step.status, step.tail = "FAILED", tail.strip()[-1500:]
            step.runs = []
            print(f"  {step.name}: FAILED (exit {code})\n    " + step.tail.replace("\n", "\n    "), flush=True)
            return step
        step.status = "issues" if code in issues else "ok"
        if code in issues:
            step.tail = tail.strip()[-600:]
        if warmup and i == 0:
            continue
        step.runs.append(wall)
        step.rss_kib.append(rss)
        step.cpu.append(cpu)
    if say:
        say_step(step)
    return step


def say_step(step: Step) -> None:
    extra = f" (exit {step.exit}: issues found)" if step.status == "issues" else ""
    runs = f" (median of {' '.join(f'{t:.3f}' for t in step.runs)})" if len(step.runs) > 1 else ""
    print(f"  {step.name}: {step.seconds:.3f} s{runs}, CPU {step.cpu_seconds:.2f} s, peak {step.peak_mib:.0f} MiB{extra}", flush=True)


def paired_ratio(a: Step, b: Step) -> float | None:
    """``a`` against ``b``: the median of the ratios of runs made in the same round (each
    round runs every compared step once, so a slow phase of the machine slows both), else
    the ratio of the medians."""
    if not (a.ok and b.ok and a.runs and b.runs):
        return None
    if a.in_rounds and b.in_rounds and len(a.runs) == len(b.runs):
        return statistics.median(x / y for x, y in zip(a.runs, b.runs))
    return a.seconds / b.seconds


def faster_than_mpdb(step: Step | None, mpdb: Step | None) -> float | None:
    """How many times faster than ``make_parquet_db`` ``step`` is: for ``index``, against the
    mean of the index runs right before and after it when there are some, else the median."""
    if mpdb is None or step is None or not (mpdb.ok and mpdb.runs and step.ok and step.runs):
        return None
    if step.name == STEP_INDEX and mpdb.beside_index:
        return mpdb.seconds / statistics.mean(mpdb.beside_index)
    return mpdb.seconds / step.seconds


def alflint_exe() -> list[str]:
    exe = shutil.which("alflint", path=os.path.dirname(sys.executable))
    return [exe] if exe else [sys.executable, "-m", "alflint.cli"]


def has_cache_flag(env: dict) -> bool:
    proc = subprocess.run(check=False, args=[*alflint_exe(), "check", "--help"], capture_output=True, text=True, env=env)
    return "--no-cache" in proc.stdout


# ---------------------------------------------------------------------------------------------
# Trees
# ---------------------------------------------------------------------------------------------


def ensure_tree(base: Path, files: int, seed: int, fresh: bool) -> tuple[Path, dict]:
    """The generated tree ``base/root`` of ``files`` files, reused when its marker matches."""
    sys.path.insert(0, str(HERE))
    from generate import GENERATOR_VERSION, generate

    root, marker = base / "root", base / MARKER
    if not fresh and marker.is_file() and root.is_dir():
        info = json.loads(marker.read_text())
        if (info.get("files_requested"), info.get("seed"), info.get("generator")) == (files, seed, GENERATOR_VERSION):
            print(f"reusing the tree {root} ({info['files']} files, generated {info.get('generated_at', '?')})")
            return root, info
    if root.exists():
        shutil.rmtree(root)
    marker.unlink(missing_ok=True)
    base.mkdir(parents=True, exist_ok=True)
    print(f"generating {files} files under {root} ...", flush=True)
    t = time.perf_counter()
    info = generate(root, files, seed=seed)
    info.update({"files_requested": files, "seed": seed, "generator": GENERATOR_VERSION, "generated_at": time.strftime("%Y-%m-%d %H:%M:%S"),
                 "generate_s": round(time.perf_counter() - t, 1), "finished_at": time.time()})
    marker.write_text(json.dumps(info, indent=1))
    print(f"generated {info['files']} files in {info['generate_s']} s")
    return root, info


def wait_until_old(info: dict, seconds: float = 2.5) -> None:
    """``index --update`` trusts only rows older than the previous write by 2 s."""
    delay = info.get("finished_at", 0) + seconds - time.time()
    if delay > 0:
        time.sleep(delay)


def ensure_hook_repo(base: Path, files: int, seed: int, fresh: bool) -> tuple[Path, list[str], dict]:
    """A git repository of a generated tree of ``files`` files, committed, with 10 changed
    files in 10 sessions staged (re-done from a clean checkout on reuse)."""
    import numpy as np

    root, info = ensure_tree(base, files, seed, fresh)

    def git(*args):
        return subprocess.run(["git", "-c", "core.hooksPath=/dev/null", *args], cwd=root, check=True,
                              capture_output=True, text=True).stdout

    if not (root / ".git").is_dir():
        t = time.perf_counter()
        git("init", "-q", "-b", "main")
        for k, v in (("user.name", "bench"), ("user.email", "bench@example.invalid"), ("commit.gpgsign", "false")):
            git("config", k, v)
        git("add", "-A")
        git("commit", "-q", "-m", "data")
        print(f"hook repository: committed {info['files']} files in {time.perf_counter() - t:.1f} s")
    git("reset", "-q", "--hard")
    (root / ".pre-commit-config.yaml").unlink(missing_ok=True)
    candidates = sorted(git("ls-files", "*/alf/_ibl_trials.goCue_times.npy").split())
    if not candidates:
        candidates = sorted(p for p in git("ls-files", "*times.npy").split())
    step = max(1, len(candidates) // STAGED)
    changed = candidates[::step][:STAGED]
    for rel in changed:
        arr = np.load(root / rel)
        np.save(root / rel, arr + 0.5)  # still increasing times, same shape
    git("add", *changed)
    return root, changed, info


# ---------------------------------------------------------------------------------------------
# Profiling
# ---------------------------------------------------------------------------------------------


def profile(name: str, cmd_exe: list[str], cmd_py: list[str], env: dict, out_dir: Path, cwd=None) -> None:
    """Run a step under py-spy (raw collapsed stacks) or cProfile; print the top functions."""
    out_dir.mkdir(parents=True, exist_ok=True)
    slug = "".join(c if c.isalnum() else "_" for c in name).strip("_")
    spy = shutil.which("py-spy", path=os.path.dirname(sys.executable)) or shutil.which("py-spy")
    if spy:
        raw = out_dir / f"{slug}.pyspy.txt"
        proc = subprocess.run(check=False, args=[spy, "record", "--subprocesses", "--rate", "200", "--format", "raw", "-o", str(raw), "--", *cmd_exe],
                              env=env, cwd=cwd, capture_output=True, text=True)
        if raw.is_file() and raw.stat().st_size:
            own, incl, total = {}, {}, 0
            for line in raw.read_text().splitlines():
                stack, _, count = line.rpartition(" ")
                if not count.isdigit():
                    continue
                n = int(count)
                total += n
                frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";") if not f.startswith("process ")]
                if frames:
                    own[frames[-1]] = own.get(frames[-1], 0) + n
                for f in set(frames):
                    incl[f] = incl.get(f, 0) + n
            print(f"\nprofile of {name!r} (py-spy, {total} samples; collapsed stacks in {raw}: "
                  "flamegraph.pl or speedscope.app turn them into a flame graph)")
            print("  top by own time:")
            for f, n in sorted(own.items(), key=lambda kv: -kv[1])[:20]:
                print(f"  {100 * n / total:5.1f}%  {f}")
            print("  top by inclusive time (process-pool plumbing left out):")
            plumbing = re.compile(r"\((multiprocessing|concurrent)/|\((threading|selectors)\.py\)|^<module> \(alflint\)$")
            for f, n in [kv for kv in sorted(incl.items(), key=lambda kv: -kv[1]) if not plumbing.search(kv[0])][:20]:
                print(f"  {100 * n / total:5.1f}%  {f}")
            return
        print(f"py-spy failed ({proc.stderr.strip()[-300:]}); falling back to cProfile")
    prof = out_dir / f"{slug}.prof"
    subprocess.run(check=False, args=[sys.executable, "-m", "cProfile", "-o", str(prof), *cmd_py], env=env, cwd=cwd, capture_output=True)
    import pstats

    print(f"\nprofile of {name!r} (cProfile; {prof}; single process: worker processes are not profiled)")
    pstats.Stats(str(prof)).sort_stats("tottime").print_stats(25)


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def same_pairs(out_a: Path, out_b: Path) -> tuple[int, int, bool]:
    """Whether alflint's and ONE's tables index the same (session path, rel_path) pairs."""
    import pyarrow.parquet as pq

    def pairs(folder):
        ses = pq.read_table(folder / "sessions.pqt").to_pandas()
        path = {}
        for i, rec in ses.iterrows():
            lab = rec.get("lab") or None
            path[str(i)] = (lab, rec["subject"], str(rec["date"])[:10], f"{int(rec['number']):03d}")
        ds = pq.read_table(folder / "datasets.pqt").to_pandas().reset_index()
        return {(path[str(e)], r) for e, r in zip(ds["eid"], ds["rel_path"])}

    a, b = pairs(out_a), pairs(out_b)
    return len(a), len(b), a == b


def fmt(value, spec: str, none: str = "-") -> str:
    return none if value is None else format(value, spec)


def measured(value: float) -> str:
    """A target's measured value with its trailing zeros: a ratio of 1.997 reads ``2.00``,
    not ``2``, beside a target of 2."""
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if value >= 0.1 else f"{value:.3g}"


def render(rows: list[list[str]], header: list[str], markdown: bool) -> str:
    if markdown:
        numeric = [all(re.fullmatch(r"-|[\d,.]+( .*)?", str(r[i])) for r in rows) for i in range(len(header))]
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("--:" if n else "---" for n in numeric) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]

    def line(r):
        return "  ".join(str(x).ljust(w) if i == 0 else str(x).rjust(w) for i, (x, w) in enumerate(zip(r, widths)))

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[1:]))
    parser.add_argument("--size", choices=SIZES, default="small", help="small 10k, medium 200k, large 1M files (default small)")
    parser.add_argument("--files", type=int, help="number of files (overrides --size)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dir", help="folder of the tree (reused when its marker matches; default: TMP/alflint-bench-<files>)")
    parser.add_argument("--fresh", action="store_true", help="regenerate the tree even if it exists")
    parser.add_argument("--repeat", type=int, default=3, help="runs per fast step (median; default 3); make_parquet_db runs once above 20k files")
    parser.add_argument("--skip", action="append", default=[], choices=["one", "hook", "api"], help="skip one-api steps, the hook or the API (repeatable)")
    parser.add_argument("--api-rows", type=int, default=0, metavar="N", help="also time list_datasets on an in-memory table of N rows (e.g. 1000000)")
    parser.add_argument("--api-eids", type=int, default=2000, help="distinct sessions for the per-call API timings (default 2000)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--markdown", action="store_true", help="print the tables as markdown")
    parser.add_argument("--profile", metavar="STEP", choices=PROFILABLE, help="also profile one step: " + ", ".join(repr(s) for s in PROFILABLE))
    parser.add_argument("--timing", metavar="STEP", action="append", default=[], choices=TIMABLE,
                        help="also run one step once more with alflint's --timing and print where its time went (repeatable): "
                             + ", ".join(repr(s) for s in TIMABLE))
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        kind, *rest = args.child
        if kind == "mpdb":
            return child_mpdb(*rest)
        if kind == "api":
            return child_api(rest[0], rest[1], rest[2], int(rest[3]))
        if kind == "api-rows":
            return child_api_rows(rest[0], int(rest[1]), rest[2])
        raise SystemExit(f"unknown child {kind}")

    files = args.files or SIZES[args.size]
    skip_one = "one" in args.skip
    base = Path(args.dir) if args.dir else Path(tempfile.gettempdir()) / f"alflint-bench-{files}"
    scratch = Path(tempfile.mkdtemp(prefix="alflint-bench-run-"))
    env = {**os.environ, "XDG_CACHE_HOME": str(scratch / "xdg-cache"), "NO_COLOR": "1"}
    for k in ("PYTHONDEVMODE", "PYTHONDONTWRITEBYTECODE", "PRE_COMMIT", "ALFLINT_JOBS"):
        env.pop(k, None)
    alf = alflint_exe()
    py = sys.executable
    me = str(Path(__file__).resolve())
    results: dict = {"meta": {}, "steps": {}, "api": {}, "targets": [], "same_pairs": None, "timing": {}}
    steps: dict[str, Step] = {}
    try:
        root, info = ensure_tree(base, files, args.seed, args.fresh)
        wait_until_old(info)
        out1, out2 = scratch / "index-alflint", scratch / "index-one"
        out1.mkdir()
        out2.mkdir()
        cache = has_cache_flag(env)
        no_cache = ["--no-cache"] if cache else []
        print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; "
              f"XDG_CACHE_HOME={env['XDG_CACHE_HOME']}; check result cache: {'yes' if cache else 'no (no --no-cache flag)'}")

        # warm the page cache and count the files
        proc = subprocess.run(["find", str(root), "-type", "f"], capture_output=True, text=True, check=True)
        n_files = proc.stdout.count("\n")
        print(f"tree: {root}, {n_files} files (warm cache: a find pass ran first)")
        results["meta"] = {"root": str(root), "files": n_files, "sessions": info.get("sessions"), "seed": args.seed,
                           "python": platform.python_version(), "cpus": os.cpu_count(), "repeat": args.repeat,
                           "check_cache": cache, "date": time.strftime("%Y-%m-%d %H:%M:%S"), "warm_cache": True,
                           "rss": "ru_maxrss from os.wait4: the largest single process of each step's tree (not a sum)"}

        r = args.repeat
        print(f"\nsteps on the tree, in {r} round{'s' * (r != 1)} of one run each (so a slow phase of the machine slows "
              "every step of a round alike):", flush=True)
        find = steps[STEP_FIND] = Step(STEP_FIND)
        path = steps[STEP_CHECK_PATH] = Step(STEP_CHECK_PATH, " ".join(["--no-content", "-q", *no_cache]))
        check = steps[STEP_CHECK] = Step(STEP_CHECK, " ".join(["-q", *no_cache]))
        cached = steps[STEP_CHECK_CACHED] = Step(STEP_CHECK_CACHED, "-q, cache filled by an untimed run" if cache
                                                 else "n/a: alflint check has no result cache")
        s = steps[STEP_INDEX] = Step(STEP_INDEX, "fresh, empty --out")
        p = steps[STEP_INDEX_PATH] = Step(STEP_INDEX_PATH, "fresh, empty --out, path rules only")
        update = steps[STEP_INDEX_UPDATE] = Step(STEP_INDEX_UPDATE, "unchanged tree, after an untimed --update")
        compare = steps[STEP_INDEX_COMPARE] = Step(STEP_INDEX_COMPARE, "unchanged tree, compared with the previous tables (a CI runner's cache)")
        out3, out4, out5 = scratch / "index-path", scratch / "index-update", scratch / "index-compare"
        out4.mkdir()
        out5.mkdir()
        # untimed: the result cache the cached re-check answers from, and tables that --update
        # finds up to date (the first --update after a plain index writes: the tables gain
        # their mtime column), so every timed run meets what a re-run in CI meets
        if cache:
            run_once([*alf, "check", str(root), "-q"], env, None)
        for args_update in ([], ["--update"]):
            run_once([*alf, "index", str(root), "--out", str(out4), "-q", *args_update], env, None)
        if cache:
            run_once([*alf, "index", str(root), "--out", str(out5), "-q", "--update", "--no-cache"], env, None)  # tables with mtimes

        def fresh(folder: Path) -> Path:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            return folder

        plan = [
            (find, lambda: ["find", str(root), "-type", "f"], {}),
            (path, lambda: [*alf, "check", str(root), "--no-content", "-q", *no_cache], {"issues": (1,)}),
            (check, lambda: [*alf, "check", str(root), "-q", *no_cache], {"issues": (1,)}),
            *([(cached, lambda: [*alf, "check", str(root), "-q"], {"issues": (1,)})] if cache else []),
            # a fresh index into an empty folder every time; the last one stays for the API
            (s, lambda: [*alf, "index", str(root), "--out", str(fresh(out1)), "-q"], {}),
            (p, lambda: [*alf, "index", str(root), "--out", str(fresh(out3)), "--no-content", "-q"], {}),
            (update, lambda: [*alf, "index", str(root), "--out", str(out4), "--update", "-q"], {}),
            *([(compare, lambda: [*alf, "index", str(root), "--out", str(out5), "--update", "--no-cache", "-q"], {})] if cache else []),
        ]
        for step, _, _ in plan:
            step.in_rounds = True
        for i in range(r):
            for step, command, options in plan:
                if i == 0 or step.ok:
                    timed(step, command(), env, 1, say=False, **options)
            print(f"  round {i + 1}: " + ", ".join(f"{step.name} {step.runs[-1]:.2f}" for step, _, _ in plan if len(step.runs) == i + 1),
                  flush=True)
        for step, _, _ in plan:
            if step.ok:
                say_step(step)
        if not skip_one:
            # make_parquet_db runs once on big trees, so its ratio to index is not paired by
            # rounds: an index right before and one right after it stand beside it instead.
            # The one after follows an untimed index: during a minute of make_parquet_db the
            # kernel may reclaim the idle file data, and the first content read after it pays
            # the page-ins (1.1-2.0 s on the 200k tree in a VM), as the first check would
            def index_beside() -> list[str]:
                return [*alf, "index", str(root), "--out", str(fresh(scratch / "index-beside")), "-q"]

            beside = Step("index beside make_parquet_db")
            timed(beside, index_beside(), env, 1, say=False)
            m = steps[STEP_MPDB] = timed(Step(STEP_MPDB, "hash_ids=True"), [py, me, "--child", "mpdb", str(root), str(out2)], env,
                                         1 if n_files > 20_000 else r)
            run_once(index_beside(), env, None)
            timed(beside, index_beside(), env, 1, say=False)
            if beside.ok and m.ok:
                m.beside_index = beside.runs
                print(f"  index right before and after it: {' '.join(f'{t:.3f}' for t in beside.runs)} s")
            if steps[STEP_MPDB].ok and s.ok:
                na, nb, same = same_pairs(out1, out2)
                results["same_pairs"] = {"alflint": na, "one": nb, "same": same}
                print(f"  same (session, rel_path) pairs: {same} ({na} alflint vs {nb} ONE)")
        print("\nstart-up:")
        steps[STEP_PYTHON] = timed(Step(STEP_PYTHON), [py, "-c", "pass"], env, max(r, 5), warmup=True)
        steps[STEP_IMPORT] = timed(Step(STEP_IMPORT), [py, "-c", "import alflint"], env, max(r, 5), warmup=True)
        steps[STEP_VERSION] = timed(Step(STEP_VERSION), [*alf, "--version"], env, max(r, 5), warmup=True)

        # pre-commit hook
        hook_root = None
        if "hook" not in args.skip:
            hook_files = min(files, HOOK_FILES)
            hook_base = base / "hook"
            print(f"\npre-commit hook ({STAGED} staged files in a git repository of {hook_files} generated files"
                  f"{'' if hook_files == files else ', a separate tree: the big one is not committed to git'}):")
            hook_root, changed, _ = ensure_hook_repo(hook_base, hook_files, args.seed, args.fresh)
            henv = {**env, "PRE_COMMIT": "1"}
            steps[STEP_HOOK_CHECK] = timed(Step(STEP_HOOK_CHECK, "PRE_COMMIT=1, as the hook runs it"),
                                           [*alf, "check", *changed], henv, max(r, 5), cwd=str(hook_root), warmup=True, issues=(1,))
            pc = shutil.which("pre-commit", path=os.path.dirname(py)) or shutil.which("pre-commit")
            if pc:
                (hook_root / ".pre-commit-config.yaml").write_text(
                    "repos:\n- repo: local\n  hooks:\n  - id: alflint\n    name: alflint\n"
                    f"    entry: {' '.join(alf)} check\n    language: system\n    require_serial: true\n")
                subprocess.run(["git", "add", ".pre-commit-config.yaml"], cwd=hook_root, check=True)
                pcenv = {**env, "PRE_COMMIT_HOME": str(scratch / "pre-commit-home")}
                steps[STEP_HOOK_PC] = timed(Step(STEP_HOOK_PC, "local hook, language: system"), [pc, "run", "alflint"], pcenv,
                                            max(r, 5), cwd=str(hook_root), warmup=True)
            else:
                steps[STEP_HOOK_PC] = Step(STEP_HOOK_PC, "n/a: pre-commit not installed")

        # API per call
        if "api" not in args.skip and steps[STEP_INDEX].ok:
            print("\nAPI per call (tables of `alflint index`):")
            def child_json(key: str, child_args: list[str]) -> None:
                proc = subprocess.run(check=False, args=[py, me, "--child", *child_args], env=env, capture_output=True, text=True)
                if proc.returncode:
                    print(f"  {key}: FAILED\n    {proc.stderr.strip()[-1500:]}")
                    results["api"][key] = {"status": "FAILED", "stderr_tail": proc.stderr.strip()[-1500:]}
                else:
                    results["api"][key] = json.loads(proc.stdout.strip().splitlines()[-1])

            for which in ["alflint"] + ([] if skip_one else ["one"]):
                n = args.api_eids if which == "alflint" else min(args.api_eids, 300)
                child_json(which, ["api", which, str(root), str(out1), str(n)])
            if args.api_rows:
                for which in ["alflint"] + ([] if skip_one else ["one"]):
                    print(f"  building an in-memory table of {args.api_rows} rows for {which} ...", flush=True)
                    child_json(f"{which} in-memory", ["api-rows", which, str(args.api_rows), str(scratch / "api-rows")])

        prof_cmds = {
            STEP_CHECK_PATH: ["check", str(root), "--no-content", "-q", *no_cache],
            STEP_CHECK: ["check", str(root), "-q", *no_cache],
            STEP_CHECK_CACHED: ["check", str(root), "-q"],
            STEP_INDEX: ["index", str(root), "--out", str(scratch / "index-profile"), "-q"],
            STEP_INDEX_UPDATE: ["index", str(root), "--out", str(out4), "--update", "-q"],
            STEP_INDEX_COMPARE: ["index", str(root), "--out", str(out5), "--update", "--no-cache", "-q"],
            STEP_INDEX_PATH: ["index", str(root), "--out", str(scratch / "index-profile"), "--no-content", "-q"],
        }
        (scratch / "index-profile").mkdir(exist_ok=True)
        for name in args.timing:
            proc = subprocess.run([*alf, *prof_cmds[name], "--timing"], env=env, capture_output=True, text=True, check=False)
            at = proc.stderr.find("timing: ")
            if proc.returncode not in (0, 1) or at < 0:
                print(f"\n--timing of {name!r}: FAILED\n    {proc.stderr.strip()[-1500:]}")
                results["timing"][name] = {"status": "FAILED", "stderr_tail": proc.stderr.strip()[-1500:]}
                continue
            text = proc.stderr[at:]
            print(f"\nwhere the time of {name!r} went (alflint --timing; one more run, not in the table):\n{text}", end="")
            results["timing"][name] = {"status": "ok", "text": text}
        if args.profile:
            prof_dir = base / "profiles"
            if args.profile == STEP_MPDB:
                (scratch / "mpdb-profile").mkdir(exist_ok=True)
                cmd = [me, "--child", "mpdb", str(root), str(scratch / "mpdb-profile")]
                profile(args.profile, [py, *cmd], cmd, env, prof_dir)
            elif args.profile == STEP_HOOK_CHECK:
                if hook_root is None:
                    print("--profile of the hook needs the hook step (do not --skip hook)")
                else:
                    profile(args.profile, [*alf, "check", *changed], ["-m", "alflint.cli", "check", *changed],
                            {**env, "PRE_COMMIT": "1"}, prof_dir, cwd=str(hook_root))
            else:
                profile(args.profile, [*alf, *prof_cmds[args.profile]], ["-m", "alflint.cli", *prof_cmds[args.profile]], env, prof_dir)

        report(steps, results, n_files, args, skip_one, cache)
        failed = [s.name for s in steps.values() if s.status == "FAILED"] + [k for k, v in results["api"].items() if v.get("status") == "FAILED"]
        failed += [f"--timing {k}" for k, v in results["timing"].items() if v["status"] == "FAILED"]
        if results["same_pairs"] is not None and not results["same_pairs"]["same"]:
            failed.append("same (session, rel_path) pairs")
        if failed:
            print(f"\nFAILED steps: {', '.join(failed)}")
        return 1 if failed else 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def report(steps: dict[str, Step], results: dict, n_files: int, args, skip_one: bool, cache: bool) -> None:
    md = args.markdown
    find = steps[STEP_FIND]
    mpdb = steps.get(STEP_MPDB)
    header = ["step", "seconds", "CPU s", "files/s", "x find", "mpdb / this", "peak RSS MiB", "status", "notes"]
    rows = []
    for step in steps.values():
        sec = step.seconds
        walk = step.name in WALK_STEPS
        status = step.status if step.status != "issues" else f"exit {step.exit} (issues)"
        note = step.note
        if len(step.runs) > 1 and max(step.runs) > 1.5 * min(step.runs):  # noisy machine, or a cache that misses
            note = f"{note}; runs vary: {' '.join(f'{t:.2f}' for t in step.runs)} s".lstrip("; ")
        rows.append([
            step.name, fmt(sec, ".3f"), fmt(step.cpu_seconds, ".2f"), fmt(n_files / sec if walk and sec else None, ",.0f"),
            fmt(paired_ratio(step, find) if walk else None, ".2f"),
            fmt(faster_than_mpdb(step, mpdb) if step.name.startswith("index") else None, ".1f"),
            fmt(step.peak_mib, ".0f"), status, note,
        ])
    meta = results["meta"]
    print(f"\n{'### ' if md else ''}alflint benchmarks: {n_files:,} files, {meta.get('sessions')} sessions; median of {args.repeat} "
          f"(make_parquet_db once above 20k files); x find and the ratio targets: median of each round's own ratio "
          f"(index vs make_parquet_db: against the mean of an index run right before and after it); warm cache; "
          f"CPU s = user + system seconds of the step's processes; "
          f"peak RSS = largest process of the step's tree (wait4 ru_maxrss)\n")
    print(render(rows, header, md))
    for step in steps.values():
        if step.status == "FAILED":
            print(f"\n{step.name} FAILED (exit {step.exit}):\n{step.tail}")
    if results["same_pairs"] is not None:
        sp = results["same_pairs"]
        print(f"\nsame (session, rel_path) pairs: {sp['same']} ({sp['alflint']} alflint vs {sp['one']} ONE)")

    # API
    api = results["api"]
    if api:
        calls = ["list_datasets first", "list_datasets repeated", "list_collections", "load_object first", "load_object repeated"]
        cols = [k for k, v in api.items() if "status" not in v]
        if cols:
            rows = [[c, *(fmt(api[k].get(c, {}).get("median_us"), ",.1f") for k in cols)] for c in calls]
            rows.append(["open (read tables + index), s", *(fmt(api[k]["open_s"], ".2f") for k in cols)])
            rows.append(["table rows", *(f"{api[k]['rows']:,}" for k in cols)])
            print(f"\n{'### ' if md else ''}API, median µs per call (distinct sessions; load_object: "
                  f"{next((api[k].get('load_object') for k in cols if api[k].get('load_object')), 'n/a')})\n")
            print(render(rows, ["call", *cols], md))

    # targets
    def ratio(a, b):
        sa, sb = steps.get(a), steps.get(b)
        return paired_ratio(sa, sb) if sa and sb else None

    targets = []
    mpdb = steps.get(STEP_MPDB)
    targets.append(("index >= 10x faster than make_parquet_db", faster_than_mpdb(steps.get(STEP_INDEX), mpdb), lambda v: v >= 10, "x faster"))
    targets.append(("index <= 5x find", ratio(STEP_INDEX, STEP_FIND), lambda v: v <= 5, "x find"))
    targets.append(("index --no-content >= 10x faster than make_parquet_db", faster_than_mpdb(steps.get(STEP_INDEX_PATH), mpdb),
                    lambda v: v >= 10, "x faster"))
    targets.append(("index --no-content <= 5x find", ratio(STEP_INDEX_PATH, STEP_FIND), lambda v: v <= 5, "x find"))
    targets.append(("check with content <= 2x path-only", ratio(STEP_CHECK, STEP_CHECK_PATH), lambda v: v <= 2, "x path-only"))
    targets.append(("cached re-check <= 2x find", ratio(STEP_CHECK_CACHED, STEP_FIND), lambda v: v <= 2, "x find"))
    targets.append(("index --update <= 2x find", ratio(STEP_INDEX_UPDATE, STEP_FIND), lambda v: v <= 2, "x find"))
    peak = max((s.peak_mib for s in steps.values() if s.peak_mib), default=None)
    worst = max((s for s in steps.values() if s.peak_mib), key=lambda s: s.peak_mib, default=None)
    targets.append((f"every step <= 1 GiB (largest: {worst.name if worst else '-'})", peak, lambda v: v <= GIB_MIB, "MiB"))
    for key, v in api.items():
        if "status" in v:
            continue
        ref = not key.startswith("alflint")  # the targets are alflint's; one-api's numbers are for reference
        ld = v.get("list_datasets first", {}).get("median_us")
        targets.append((f"list_datasets(eid) <= 0.1 ms ({key}, {v['rows']:,} rows)", ld / 1000 if ld else None, None if ref else (lambda x: x <= 0.1), "ms"))
        lo = v.get("load_object repeated", {}).get("median_us")
        if lo:
            targets.append((f"load_object small object <= 5 ms ({key})", lo / 1000, None if ref else (lambda x: x <= 5), "ms"))
    rows = []
    for label, value, test, unit in targets:
        verdict = "n/a" if value is None else "reference" if test is None else ("PASS" if test(value) else "FAIL")
        rows.append([label, "-" if value is None else f"{measured(value)} {unit}", verdict])
        results["targets"].append({"target": label, "value": value, "unit": unit, "result": verdict})
    print(f"\n{'### ' if md else ''}targets{' (informative below 200k files: they are stated for 200k/1M)' if n_files < 150_000 else ''}\n")
    print(render(rows, ["target", "measured", "result"], md))

    results["steps"] = {k: s.as_dict() for k, s in steps.items()}
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
        print(f"\nresults written to {args.json}")


if __name__ == "__main__":
    sys.exit(main())
