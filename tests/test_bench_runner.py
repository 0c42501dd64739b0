"""The benchmark runner (benchmarks/run.py) still runs end to end on a tiny tree.

The runner is a script, never part of the CI timings: this only checks that every step runs,
that the table and the JSON have every step with numbers, and that alflint and ONE index the
same (session, rel_path) pairs.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("one.alf.cache")

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"
COMPARE = RUN.with_name("compare.py")
STEPS = [
    "find -type f", "check --no-content", "check (content)", "check (cached re-check)", "index", "index --no-content", "index --update",
    "index --update --no-cache",
    "one make_parquet_db", "python -c 'import alflint'", "alflint --version",
    "hook: alflint check <10 files>", "hook: pre-commit run alflint",
]
TIMED = [s for s in STEPS if s not in ("check (cached re-check)", "hook: pre-commit run alflint")]


@pytest.mark.slow
def test_run_small_tree(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "TMPDIR": str(tmp_path)}
    out_json = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(RUN), "--files", "300", "--repeat", "2", "--dir", str(tmp_path / "tree"), "--json", str(out_json),
         "--timing", "check (content)"],
        check=False, capture_output=True, text=True, timeout=300, env=env,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    table = out[out.index("step "):]
    for name in STEPS:
        line = next((ln for ln in table.splitlines() if ln.startswith(name + " ")), None)
        assert line is not None, f"{name!r} missing from the table:\n{table}"
        if name in TIMED:
            assert re.search(r"\s\d+\.\d{3}\s", line), line
    assert "same (session, rel_path) pairs: True (300 alflint vs 300 ONE)" in out
    assert "FAILED" not in out
    for call in ("list_datasets first", "list_collections", "load_object repeated"):
        assert re.search(re.escape(call) + r"\s+[\d,.]+\s+[\d,.]+", out), call
    assert "index >= 10x faster than make_parquet_db" in out and "every step <= 1 GiB" in out

    # --timing: the content check once more, timed by alflint itself
    assert "where the time of 'check (content)' went" in out
    timing = out[out.index("where the time of 'check (content)' went"):]
    assert re.search(r"\n  ALF501 malformed-content +\d+\.\d{3} ", timing), timing[:2000]
    assert re.search(r"\n  npy +\d+\.\d{3} ", timing), timing[:2000]

    data = json.loads(out_json.read_text())
    assert set(data) >= {"meta", "steps", "api", "targets", "same_pairs", "timing"}
    assert data["timing"]["check (content)"]["status"] == "ok"
    assert data["timing"]["check (content)"]["text"].startswith("timing: ")
    assert data["meta"]["files"] == 300
    assert data["same_pairs"] == {"alflint": 300, "one": 300, "same": True}
    for name in TIMED:
        step = data["steps"][name]
        assert step["status"] == "ok", step
        assert step["seconds"] > 0 and step["peak_rss_mib"] > 0
        assert step["cpu_s"] > 0 and len(step["cpu_runs_s"]) == len(step["runs_s"])
    for which in ("alflint", "one"):
        api = data["api"][which]
        assert api["rows"] == 300
        assert api["list_datasets first"]["median_us"] > 0
        assert api["load_object repeated"]["median_us"] > 0
    assert {t["result"] for t in data["targets"]} <= {"PASS", "FAIL", "n/a", "reference"}
    # ratios pair the runs of one round; index against make_parquet_db, the index runs beside it
    targets = {t["target"]: t["value"] for t in data["targets"]}
    index, find, mpdb = (data["steps"][k] for k in ("index", "find -type f", "one make_parquet_db"))
    assert len(index["runs_s"]) == len(find["runs_s"]) == 2
    paired = statistics.median(a / b for a, b in zip(index["runs_s"], find["runs_s"]))
    assert targets["index <= 5x find"] == pytest.approx(paired)
    assert len(mpdb["index_beside_s"]) == 2
    faster = mpdb["seconds"] / statistics.mean(mpdb["index_beside_s"])
    assert targets["index >= 10x faster than make_parquet_db"] == pytest.approx(faster)
    index_row = next(ln for ln in table.splitlines() if ln.startswith("index "))
    assert index_row.split()[5] == f"{faster:.1f}", index_row  # the table's "mpdb / this" says the same
    assert "index right before and after it: " in out
    # the tree is kept with its marker, so a second run reuses it
    assert (tmp_path / "tree" / "alflint-bench.json").is_file()
    # a result compared with itself: every step within its own spread
    same = subprocess.run([sys.executable, str(COMPARE), str(out_json), str(out_json)], check=False, capture_output=True,
                          text=True, timeout=60)
    assert same.returncode == 0, same.stderr
    for name in TIMED:
        row = next(ln for ln in same.stdout.splitlines() if ln.startswith(name + " "))
        assert re.search(r"\s1\.00x\s+~\s", row), row


def test_a_tree_from_another_generator_version_is_made_again(tmp_path):
    """A reused tree must be what today's generator makes: a marker of another version (or
    none) means generating it again, the same version means reusing it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("alflint_bench_run", RUN)
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    base = tmp_path / "tree"
    root, info = run.ensure_tree(base, 60, 0, fresh=False)
    marker = base / run.MARKER
    assert json.loads(marker.read_text())["generator"] == info["generator"]
    kept = root / ".kept"
    kept.touch()
    assert run.ensure_tree(base, 60, 0, fresh=False)[0] == root and kept.exists()  # reused
    stale = json.loads(marker.read_text())
    stale["generator"] = info["generator"] - 1
    marker.write_text(json.dumps(stale))
    run.ensure_tree(base, 60, 0, fresh=False)
    assert not kept.exists()  # made again


def _runner():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_run", RUN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cpu_seconds_count_the_processes_a_step_waited_for():
    """A step's CPU seconds include its reaped children (alflint's workers), unlike its wall
    time, which two children running at once halve."""
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.4: pass"
    parent = ("import subprocess, sys\n"
              f"procs = [subprocess.Popen([sys.executable, '-c', {burn!r}]) for _ in range(2)]\n"
              "for p in procs: p.wait()")
    wall, code, rss, cpu, _ = _runner().run_once([sys.executable, "-c", parent], dict(os.environ))
    assert code == 0 and rss > 0
    assert cpu >= 0.8, (wall, cpu)  # both children's 0.4 s, whatever the number of cores


@pytest.mark.parametrize("value, text", [(1.9973, "2.00"), (2.3745, "2.37"), (10.5279, "10.5"), (345.73, "346"),
                                         (0.0548, "0.0548"), (0.1, "0.10")])
def test_measured_values_keep_their_trailing_zeros(value, text):
    assert _runner().measured(value) == text



def _result(files: int, steps: dict, targets=()) -> dict:
    return {"meta": {"files": files}, "steps": steps, "api": {"alflint": {"list_datasets first": {"median_us": 50.0}}},
            "targets": list(targets)}


def _step(runs: list[float], status: str = "ok") -> dict:
    return {"status": status, "seconds": statistics.median(runs), "runs_s": runs, "cpu_s": 2 * statistics.median(runs),
            "peak_rss_mib": 40.0}


def test_compare_calls_a_step_slower_or_faster_only_when_the_runs_do_not_overlap(tmp_path):
    old = _result(200, {"check": _step([2.0, 2.1, 2.2]), "index": _step([6.0, 6.2, 6.4]), "find": _step([1.0, 1.1, 1.2]),
                        "mpdb": _step([60.0]), "gone": _step([1.0, 1.0])},
                  [{"target": "index <= 5x find", "value": 5.6, "result": "FAIL"}])
    new = _result(300, {"check": _step([2.3, 2.4, 2.5]), "index": _step([5.0, 5.1, 5.2]), "find": _step([1.1, 1.2, 1.3]),
                        "mpdb": _step([50.0]), "hook": _step([0.2, 0.2], status="FAILED")},
                  [{"target": "index <= 5x find", "value": 4.3, "result": "PASS"}])
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))
    proc = subprocess.run([sys.executable, str(COMPARE), str(tmp_path / "old.json"), str(tmp_path / "new.json")],
                          check=False, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    steps_table = proc.stdout[:proc.stdout.index("per call")]
    rows = {ln.split()[0]: ln.split() for ln in steps_table.splitlines() if ln and ln.split()[0] in old["steps"] | new["steps"]}
    assert rows["check"][1:5] == ["2.100", "2.400", "1.14x", "slower"]
    assert rows["index"][1:5] == ["6.200", "5.100", "0.82x", "faster"]
    assert rows["find"][4] == "~"  # 1.1-1.2 against 1.1-1.3: within the spread
    assert rows["mpdb"][1:5] == ["60.000", "50.000", "0.83x", "120.00"]  # one run each: no verdict, the CPU follows
    assert rows["gone"][4] == "ok/absent" and rows["hook"][4] == "absent/FAILED"
    assert "different trees (200 and 300 files)" in proc.stdout
    assert re.search(r"index <= 5x find\s+5\.60 FAIL\s+4\.30 PASS", proc.stdout)
    assert re.search(r"alflint list_datasets first\s+50\.0\s+50\.0\s+1\.00x", proc.stdout)


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"steps": []}'])
def test_compare_refuses_what_is_not_a_result_without_a_traceback(tmp_path, content):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    proc = subprocess.run([sys.executable, str(COMPARE), str(bad), str(bad)], check=False, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("compare.py: ") and "Traceback" not in proc.stderr
