"""``--timing`` / ``timing=True``: where a check spent its time, per phase, rule and content read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import alflint
from alflint.partition import MIN_UNITS
from trees import write

S = "subj/2021-01-01/001"

# A rule that sleeps once per session, one that only asks for every file's facts, and one
# that reports a file and then crashes on it.
LAB_RULES = '''
import time
from alflint.plugin import hookimpl
from alflint.rule import rule

@rule("LAB001", "slow-session", "warning", "session")
def slow_session(session, ctx):
    """Sleeps 50 ms a session."""
    time.sleep(0.05)
    return ()

@rule("LAB002", "reads-facts", "warning", "path", content=True)
def reads_facts(dataset, ctx):
    """Asks for the facts of every file, first of all rules."""
    ctx.facts(dataset)
    return ()

@rule("LAB003", "says-then-crashes", "warning", "path")
def says_then_crashes(dataset, ctx):
    """Reports a file named boom, then crashes on it."""
    if dataset.rel_path.startswith("alf/boom"):
        yield "found a boom"
        raise RuntimeError("boom")

@hookimpl
def alflint_rules():
    return [slow_session, reads_facts, says_then_crashes]
'''


def rows(report, kind):
    return {r.name: r for r in report.timing.rows if r.kind == kind}


def small_repo(root: Path) -> Path:
    return write(root, {
        f"{S}/alf/spikes.times.npy": np.arange(5.0),
        f"{S}/alf/spikes.clusters.npy": np.zeros(5, dtype=np.int64),
        f"{S}/alf/trials.intervals.npy": np.zeros((3, 2)),
        f"{S}/alf/_ibl_trials.table.pqt": pd.DataFrame({"goCue_times": [1.0, 2.0, 3.0]}),
        f"{S}/alf/probes.description.json": [{"label": "probe00"}],
    })


def test_no_timing_unless_asked(tmp_path):
    report = alflint.check(small_repo(tmp_path))
    assert report.timing is None
    done = subprocess.run([sys.executable, "-m", "alflint", "check", str(tmp_path), "--no-cache"], capture_output=True, text=True)
    assert "timing" not in done.stderr


def test_every_file_read_is_counted_once_by_format_though_several_rules_ask(tmp_path):
    report = alflint.check(small_repo(tmp_path), timing=True)
    reads = rows(report, "read")
    assert {name: r.calls for name, r in reads.items()} == {"npy": 3, "pqt": 1, "json": 1}
    rules = rows(report, "rule")
    assert rules["ALF501 malformed-content"].calls == 5  # every file, each read once above
    assert rules["ALF302 attribute-length-mismatch"].calls == 4  # objects: spikes, trials, _ibl_trials, probes
    phases = rows(report, "phase")
    assert phases["walk"].calls >= 1 and phases["collect"].calls == 1
    # the rules and the reads run inside the engine's phase, which holds them both
    assert phases["rules and reads"].calls == 1
    assert phases["rules and reads"].seconds >= sum(r.seconds for r in report.timing.rows if r.kind in ("rule", "read")) * 0.999
    assert report.timing.processes == 1
    assert report.timing.wall == report.duration
    assert all(r.seconds >= 0 for r in report.timing.rows)


def test_a_rule_is_timed_without_the_reads_it_set_off(tmp_path):
    """LAB002 is the first rule to ask for a 0.9 MB file's facts: the read is billed to the
    reads, not to the rule; LAB001 sleeps 50 ms and is billed for it."""
    (tmp_path / "alflint.toml").write_text('plugins = ["lab_rules.py"]\n')
    (tmp_path / "lab_rules.py").write_text(LAB_RULES)
    write(tmp_path, {f"{S}/alf/wheel.events.jsonable": "".join(f'{{"t": {i}, "pos": {i * 0.5}}}\n' for i in range(40_000))})
    report = alflint.check(tmp_path, select=["LAB001", "LAB002"], timing=True)
    assert report.issues == []
    rules, reads = rows(report, "rule"), rows(report, "read")
    assert reads["jsonable"].calls == 1
    assert rules["LAB002 reads-facts"].seconds < reads["jsonable"].seconds / 2
    assert rules["LAB001 slow-session"].seconds >= 0.05
    assert report.timing.rows[0].kind == "phase"  # phases first, then rules, then reads


def test_a_timed_check_finds_exactly_what_an_untimed_one_finds_even_when_a_rule_crashes(tmp_path):
    (tmp_path / "alflint.toml").write_text('plugins = ["lab_rules.py"]\n')
    (tmp_path / "lab_rules.py").write_text(LAB_RULES)
    write(tmp_path, {f"{S}/alf/boom.times.npy": np.arange(3.0), f"{S}/alf/Spikes.times.npy": np.arange(3.0)})
    plain = alflint.check(tmp_path, select=["LAB003", "ALF104"])
    timed = alflint.check(tmp_path, select=["LAB003", "ALF104"], timing=True)
    assert sorted((i.code, i.path) for i in plain.issues) == [("ALF104", f"{S}/alf/Spikes.times.npy"), ("ALF900", f"{S}/alf/boom.times.npy"),
                                                              ("LAB003", f"{S}/alf/boom.times.npy")]
    assert timed.issues == plain.issues and timed.internal_errors == plain.internal_errors == 1
    assert rows(timed, "rule")["LAB003 says-then-crashes"].calls == 4  # the two data files, the config and the plugin


def many_sessions(root: Path, sessions: int = MIN_UNITS + 4) -> int:
    """Enough session folders for a split check, two files each, dated an hour ago (the
    result cache trusts only files older than the check by its margin)."""
    files = 0
    an_hour_ago = time.time() - 3600
    for s in range(sessions):
        alf = root / f"subj{s % 5}" / f"2021-02-{1 + s // 5:02d}" / f"{s % 3 + 1:03d}" / "alf"
        alf.mkdir(parents=True, exist_ok=True)
        for name, values in (("spikes.times.npy", np.arange(4.0)), ("spikes.amps.npy", np.ones(4))):
            np.save(alf / name, values)
            os.utime(alf / name, (an_hour_ago, an_hour_ago))
            files += 1
    return files


def test_workers_send_their_timings_back_and_nothing_is_counted_twice(tmp_path):
    files = many_sessions(tmp_path)
    report = alflint.check(tmp_path, jobs=2, timing=True)
    assert report.timing.processes >= 2  # the parent and at least one worker
    assert rows(report, "read")["npy"].calls == files
    assert rows(report, "rule")["ALF501 malformed-content"].calls == files
    assert rows(report, "phase")["walk"].calls == MIN_UNITS + 4 + 1  # each session folder, then the top


def test_sessions_from_the_result_cache_are_counted_not_timed(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    data = tmp_path / "data"
    data.mkdir()
    sessions = MIN_UNITS + 4
    many_sessions(data, sessions)
    from alflint.engine import Engine

    first = Engine.create(data)
    first.timing = True
    cold = first.check(data, jobs=2, cache=True)
    warm = first.check(data, jobs=2, cache=True)
    assert "result cache: sessions reused" not in rows(cold, "phase")
    assert rows(warm, "phase")["result cache: sessions reused"].calls == sessions
    assert "npy" not in rows(warm, "read") and "ALF501 malformed-content" not in rows(warm, "rule")
    assert warm.issues == cold.issues


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "alflint", *args], capture_output=True, text=True)


def test_cli_prints_timing_tables_to_stderr_and_adds_them_to_the_json_report(tmp_path):
    small_repo(tmp_path)
    done = run_cli("check", str(tmp_path), "--timing", "--format", "json", "--no-cache")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)  # stdout is still the JSON report, with the timings in it
    assert doc["summary"]["files_checked"] == 5
    assert doc["timing"]["processes"] == 1 and doc["timing"]["wall_seconds"] > 0
    assert [k for k in doc["timing"]] == ["wall_seconds", "processes", "rows"]
    kinds = [row["kind"] for row in doc["timing"]["rows"]]
    assert kinds == sorted(kinds, key=["phase", "rule", "read"].index) and set(kinds) == {"phase", "rule", "read"}
    reads = {row["name"]: row["calls"] for row in doc["timing"]["rows"] if row["kind"] == "read"}
    assert reads == {"npy": 3, "pqt": 1, "json": 1}
    assert all(list(row) == ["kind", "name", "seconds", "calls"] for row in doc["timing"]["rows"])
    assert sum(line.lstrip().startswith('{"kind": ') for line in done.stdout.splitlines()) == len(kinds)  # one row a line
    untimed = json.loads(run_cli("check", str(tmp_path), "--format", "json", "--no-cache").stdout)
    assert "timing" not in untimed and list(untimed) == list(doc)[:-1]
    lines = done.stderr.splitlines()
    assert lines[0].startswith("timing: ") and "summed over 1 process" in lines[0]
    assert any(line.split()[:2] == ["ALF501", "malformed-content"] for line in lines)
    assert any(line.split()[:1] == ["npy"] and line.split()[3] == "3" for line in lines), done.stderr
    assert [line.split()[0] for line in lines if "seconds" in line.split()[1:3]] == ["phase", "rule", "content"]
    assert "more" in done.stderr  # 15 rules shown, the rest on one line


def test_cli_refuses_timing_a_loaded_report(tmp_path):
    saved = tmp_path / "report.json"
    saved.write_text(run_cli("check", str(small_repo(tmp_path / "r")), "--format", "json", "--no-cache").stdout)
    done = run_cli("check", "--load", str(saved), "--timing")
    assert done.returncode == 2
    assert done.stderr.strip() == "alflint: error: --timing times a check; a report loaded with --load was not timed"


def test_index_timing_shows_the_tables_being_built_and_written(tmp_path):
    small_repo(tmp_path / "r")
    out = tmp_path / "out"
    out.mkdir()
    done = run_cli("index", str(tmp_path / "r"), "--out", str(out), "--timing")
    assert done.returncode == 0, done.stderr
    assert (out / "datasets.pqt").is_file()
    phases = [line.split()[0] + " " + line.split()[1] for line in done.stderr.splitlines() if line.startswith("  tables:")]
    assert phases and {"tables: build", "tables: write", "tables: import"} <= set(phases), done.stderr
    assert "ALF501 malformed-content" in done.stderr


def test_an_update_that_finds_the_tables_up_to_date_times_its_vouching_too(tmp_path):
    """The parent's work after the check shows in --timing, however the run ends: here the
    tables are found up to date and vouched for, nothing built or written."""
    small_repo(tmp_path / "r")
    assert run_cli("index", str(tmp_path / "r"), "--update").returncode == 0
    done = run_cli("index", str(tmp_path / "r"), "--update", "--timing")
    assert done.returncode == 0 and "Up to date" in done.stdout, done.stderr
    phases = {line.strip().rsplit(None, 3)[0] for line in done.stderr.splitlines() if line.startswith("  tables:")}  # name, then 3 numbers
    assert {"tables: up to date?", "tables: vouch"} <= phases, done.stderr
    assert "tables: build" not in phases


def test_an_index_that_errors_stop_still_prints_its_timing(tmp_path):
    """The runs that found errors are the ones people time: refused, index and check
    --index still print where the time went, the check's phases included."""
    small_repo(tmp_path / "r")
    (tmp_path / "r" / S / "alf" / "spikes.empty.npy").write_bytes(b"")  # ALF109, an error
    for args in (["index", str(tmp_path / "r")], ["check", str(tmp_path / "r"), "--index", "--exit-zero", "--no-cache"]):
        done = run_cli(*args, "--timing")
        assert "no table written" in done.stderr, done.stderr
        assert done.stderr.count("timing:") == 1 and "  walk " in done.stderr, (args, done.stderr)
        assert not (tmp_path / "r" / "datasets.pqt").exists()


def test_the_engines_own_workers_send_their_timings_back_too(tmp_path):
    """A check of one collection over ``jobs`` (files given one by one, or ``check_tree``)
    forks per chunk of sessions: the rules' calls add up to one per file all the same."""
    from alflint.engine import PARALLEL_MIN_FILES, Engine

    for s in range(50):
        alf = tmp_path / f"subj{s % 5}" / f"2021-03-{1 + s // 5:02d}" / "001" / "alf"
        alf.mkdir(parents=True)
        for f in range(PARALLEL_MIN_FILES // 50 + 1):
            (alf / f"obj{f}.times.npy").write_bytes(b"x")
    engine = Engine.create(tmp_path)
    engine.timing = True
    report, collection = engine.check_tree(tmp_path, jobs=2)
    files = len(collection.datasets)
    assert files >= PARALLEL_MIN_FILES
    assert report.timing.processes >= 2
    assert rows(report, "rule")["ALF501 malformed-content"].calls == files
    assert rows(report, "read")["npy"].calls == files
    # a per-name rule runs once per name and process, as untimed: timing wraps the rules once,
    # not again for every chunk (which emptied the per-name memo each time)
    names = len({d.rel_path.rsplit("/", 1)[1] for d in collection.datasets})
    assert rows(report, "rule")["ALF101 invalid-filename"].calls <= names * report.timing.processes
    engine.timing = False
    assert engine.check_tree(tmp_path, jobs=2)[0].issues == report.issues


def test_a_timed_json_report_loads_back_with_its_timings(tmp_path):
    from alflint.reporters import load_report

    small_repo(tmp_path / "r")
    saved = tmp_path / "report.json"
    done = run_cli("check", str(tmp_path / "r"), "--timing", "--format", "json", "--no-cache", "--output-file", str(saved))
    assert done.returncode == 0, done.stderr
    report = load_report(saved)
    doc = json.loads(saved.read_text())
    assert report.timing.processes == doc["timing"]["processes"]
    assert [tuple(r) for r in report.timing.rows] == [tuple(row.values()) for row in doc["timing"]["rows"]]
    again = run_cli("check", "--load", str(saved), "--format", "json")
    assert again.returncode == 0 and again.stdout == saved.read_text()  # the same document, byte for byte
    assert "timing" not in again.stderr  # not asked for, and not timed now
    assert "timing" not in run_cli("check", "--load", str(saved), "--format", "concise").stderr


def test_a_damaged_timing_in_a_loaded_report_is_one_clear_line(tmp_path):
    saved = tmp_path / "report.json"
    saved.write_text(run_cli("check", str(small_repo(tmp_path / "r")), "--timing", "--format", "json", "--no-cache").stdout)
    doc = json.loads(saved.read_text())
    doc["timing"]["rows"][0]["calls"] = "many"
    saved.write_text(json.dumps(doc))
    done = run_cli("check", "--load", str(saved))
    assert done.returncode == 2
    assert done.stderr.strip() == (f"alflint: error: cannot load report {saved}: malformed timing: row 0 needs kind and name "
                                   "(strings), seconds (a number) and calls (an integer)")


def test_check_index_timing_is_one_block_holding_the_check_and_the_tables(tmp_path):
    small_repo(tmp_path / "r")
    out = tmp_path / "out"
    out.mkdir()
    done = run_cli("check", str(tmp_path / "r"), "--index", "--out", str(out), "--timing", "--no-cache", "-q")
    assert done.returncode == 0, done.stderr
    assert (out / "datasets.pqt").is_file()
    lines = done.stderr.splitlines()
    assert sum(line.startswith("timing: ") for line in lines) == 1, done.stderr
    names = [line.split()[0] for line in lines if line.startswith("  ")]
    assert names.count("walk") == 1 and "tables:" in names and "ALF501" in names and "npy" in names
    def walks(stderr: str) -> str:
        return next(line.split()[-1] for line in stderr.splitlines() if line.split()[:1] == ["walk"])

    alone = run_cli("check", str(tmp_path / "r"), "--timing", "--no-cache", "-q")
    assert walks(done.stderr) == walks(alone.stderr)  # walked once: the index used the check's records
