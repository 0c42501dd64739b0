"""`alflint index` / `alflint.index`: check first, then write ONE's tables, never harm data."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import alflint
from alflint.indexer import IndexRefused
from alflint.partition import MIN_UNITS

ALFLINT = str(Path(sys.executable).with_name("alflint"))


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([ALFLINT, *args], capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def make_repo(root: Path, bad: bool = False) -> Path:
    alf = root / "subj" / "2021-06-01" / "001" / "alf"
    alf.mkdir(parents=True)
    np.save(alf / "spikes.times.npy", np.arange(5, dtype=float))
    np.save(alf / "spikes.clusters.npy", np.arange(5))
    other = root / "subj" / "2021-06-02" / "001"
    other.mkdir(parents=True)
    np.save(other / "trials.goCue_times.npy", np.arange(3, dtype=float))
    if bad:
        np.save(alf / "spi-kes.amps.npy", np.arange(5))
    return root


def test_errors_write_nothing_and_exit_1(tmp_path):
    root = make_repo(tmp_path / "repo", bad=True)
    before = snapshot(root)
    result = run("index", str(root))
    assert result.returncode == 1
    assert "ALF101" in result.stdout
    assert "no table written" in result.stderr
    assert snapshot(root) == before
    with pytest.raises(IndexRefused) as caught:
        alflint.index(root)
    assert caught.value.report.errors


def test_clean_repo_writes_two_tables_and_nothing_else(tmp_path):
    root = make_repo(tmp_path / "repo")
    before = snapshot(root)
    sessions, datasets = alflint.index(root)
    assert (sessions.name, datasets.name) == ("sessions.pqt", "datasets.pqt")
    after = snapshot(root)
    assert set(after) - set(before) == {"sessions.pqt", "datasets.pqt"}
    assert all(after[k] == v for k, v in before.items())


def test_force_indexes_valid_datasets_and_lists_what_it_left_out(tmp_path):
    one_api = pytest.importorskip("one.api")
    root = make_repo(tmp_path / "repo", bad=True)
    result = run("index", str(root), "--force")
    assert result.returncode == 0, result.stderr
    assert "subj/2021-06-01/001/alf/spi-kes.amps.npy" in result.stdout
    one = one_api.One(cache_dir=str(root), mode="local")
    eid = one.to_eid("subj/2021-06-01/001")
    assert sorted(one.list_datasets(eid)) == ["alf/spikes.clusters.npy", "alf/spikes.times.npy"]


def test_out_dir_and_rerun_over_existing_tables(tmp_path):
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "tables"
    out.mkdir()
    assert run("index", str(root), "--out", str(out)).returncode == 0
    assert sorted(p.name for p in out.iterdir()) == ["datasets.pqt", "sessions.pqt"]
    assert not (root / "sessions.pqt").exists()
    assert run("index", str(root)).returncode == 0
    # the tables now at the root are not data: checking and re-indexing still pass
    assert run("check", str(root)).returncode == 0
    assert run("index", str(root)).returncode == 0


def test_missing_output_folder_is_a_usage_error(tmp_path):
    root = make_repo(tmp_path / "repo")
    result = run("index", str(root), "--out", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr


@pytest.mark.parametrize("inside", [
    "lab", "lab/Subjects", "lab/Subjects/subj", "lab/Subjects/subj/2021-06-01", "lab/Subjects/subj/2021-06-01/001",
    "lab/Subjects/subj/2021-06-01/001/alf", "subj", "subj/2021-06-01/001",
])
def test_a_root_within_the_session_folders_is_refused_even_with_force(tmp_path, inside):
    """ONE finds sessions at <root>/(lab/Subjects/)subject/date/number: tables written for a
    folder inside that chain could load nothing, so no table is written and the message
    names the folder to index instead; open() of such a folder says the same."""
    with_lab = inside.startswith("lab")
    needed = tmp_path / "repo"
    make_repo(needed / "lab" / "Subjects" if with_lab else needed)  # (lab/Subjects/)subj/2021-06-0x/001
    root = needed / inside
    result = run("index", str(root), "--force")
    assert result.returncode == 2, result.stderr
    assert f"index {needed} instead" in result.stderr and "Traceback" not in result.stderr
    assert not list(tmp_path.rglob("*.pqt"))
    with pytest.raises(ValueError, match=f"open {needed} instead"):
        alflint.open(root)
    assert run("index", str(needed)).returncode == 0
    repo = alflint.open(needed)
    eid = repo.to_eid("lab/Subjects/subj/2021-06-01/001" if with_lab else "subj/2021-06-01/001")
    assert list(repo.load_object(eid, "spikes", collection="alf")) == ["clusters", "times"]


def test_a_root_inside_a_session_is_refused_before_anything_is_checked(tmp_path):
    """Known from the path alone: no check runs first (here it would stop at the broken
    configuration, and on a real session read every file's header)."""
    root = make_repo(tmp_path / "repo") / "subj" / "2021-06-01" / "001"
    (root / "alflint.toml").write_text("select = [\n")  # invalid TOML: any check would report it
    result = run("index", str(root))
    assert result.returncode == 2 and f"index {tmp_path / 'repo'} instead" in result.stderr
    assert "TOML" not in result.stderr


def test_open_of_a_folder_inside_a_session_is_refused_before_the_walk(tmp_path, monkeypatch):
    """open() knows a root inside a session from its path too: it refuses without walking
    the session (a real one has thousands of files), with the folder to open instead."""
    import alflint.collect

    root = make_repo(tmp_path / "repo") / "subj" / "2021-06-01" / "001" / "alf"

    def no_walk(*args, **kwargs):
        raise AssertionError("walked")

    monkeypatch.setattr(alflint.collect, "scan", no_walk)
    with pytest.raises(ValueError, match=f"open {tmp_path / 'repo'} instead"):
        alflint.open(root)


def test_tables_that_cannot_be_written_give_one_line_and_leave_the_old_ones(tmp_path):
    """A table name taken by a folder used to end in a traceback after sessions.pqt had been
    replaced (new sessions beside old datasets); an unwritable folder, in a traceback."""
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "tables"
    out.mkdir()
    assert run("index", str(root), "--out", str(out)).returncode == 0
    (out / "datasets.pqt").unlink()
    (out / "datasets.pqt").mkdir()
    before = snapshot(out)
    np.save(root / "subj" / "2021-06-02" / "001" / "trials.feedback_times.npy", np.arange(3, dtype=float))  # new rows
    result = run("index", str(root), "--out", str(out))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"alflint: error: cannot write cache tables: {str(out / 'datasets.pqt')!r} is a folder"
    assert snapshot(out) == before and sorted(p.name for p in out.iterdir()) == ["datasets.pqt", "sessions.pqt"]


@pytest.mark.parametrize("command", [["rules"], ["explain", "ALF101"], ["describe"]])
def test_output_whose_reader_went_away_ends_quietly(command):
    """`alflint rules | head -1`: the reader is gone before the output is written; no
    BrokenPipeError traceback, and the status a shell shows for SIGPIPE."""
    proc = subprocess.Popen([ALFLINT, *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # before anything is read: every write fails
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 141 and b"Traceback" not in err and b"BrokenPipe" not in err, err


def test_lab_option_sets_and_refuses_conflicts(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    root = make_repo(tmp_path / "repo")
    assert run("index", str(root), "--lab", "mylab").returncode == 0
    assert set(pq.read_table(root / "sessions.pqt").column("lab").to_pylist()) == {"mylab"}
    labbed = tmp_path / "labbed"
    make_repo(labbed / "cortexlab" / "Subjects")
    result = run("index", str(labbed), "--lab", "otherlab")
    assert result.returncode == 2
    assert "cortexlab" in result.stderr and "otherlab" in result.stderr
    assert not (labbed / "sessions.pqt").exists()
    (root / "sessions.pqt").unlink()
    for name in ("../x", "a/b", "x y", "lab\n", ""):  # were written into the tables as given
        result = run("index", str(root), "--lab", name)
        assert result.returncode == 2 and f"lab {name!r} is not an ALF lab name" in result.stderr
        assert not (root / "sessions.pqt").exists()
    # refused from its text alone, before the tree is checked: a check would first trip on this
    (root / "alflint.toml").write_text("select = [\n")
    result = run("index", str(root), "--lab", "a/b")
    assert result.returncode == 2 and "lab 'a/b' is not an ALF lab name" in result.stderr, result.stderr
    assert result.stderr.count("illegal character '/'") == 1  # each reason said once


def test_check_with_index_option(tmp_path):
    root = make_repo(tmp_path / "repo")
    result = run("check", str(root), "--index")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (root / "datasets.pqt").exists()


def test_hash_and_update_keep_hashes_of_unchanged_files(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    root = make_repo(tmp_path / "repo")
    assert run("index", str(root), "--hash").returncode == 0

    def hashes():
        t = pq.read_table(root / "datasets.pqt").to_pydict()
        return dict(zip(t["rel_path"], t["hash"]))

    alf = root / "subj" / "2021-06-01" / "001" / "alf"
    for f in alf.iterdir():  # files written well before the index: their mtimes are trusted
        os.utime(f, ns=(f.stat().st_mtime_ns - 10**10, f.stat().st_mtime_ns - 10**10))
    assert run("index", str(root), "--hash").returncode == 0
    first = hashes()
    times = alf / "spikes.times.npy"
    clusters = alf / "spikes.clusters.npy"
    stamp = clusters.stat().st_mtime_ns
    data = bytearray(clusters.read_bytes())
    data[-1] ^= 1  # same size, same mtime: --update trusts the previous hash (that is the contract)
    clusters.write_bytes(bytes(data))
    os.utime(clusters, ns=(stamp, stamp))
    assert first["alf/spikes.times.npy"] == hashlib.md5(times.read_bytes()).hexdigest()
    np.save(times, np.arange(5, dtype=float) + 100)  # same length: the object stays consistent
    assert run("index", str(root), "--hash", "--update").returncode == 0
    second = hashes()
    assert second["alf/spikes.times.npy"] == hashlib.md5(times.read_bytes()).hexdigest()
    assert second["alf/spikes.clusters.npy"] == first["alf/spikes.clusters.npy"]  # reused, not re-read
    assert run("index", str(root), "--hash").returncode == 0  # without --update everything is hashed
    assert hashes()["alf/spikes.clusters.npy"] == hashlib.md5(clusters.read_bytes()).hexdigest()


def test_update_rechecks_only_files_whose_size_or_mtime_changed(tmp_path):
    root = make_repo(tmp_path / "repo")
    alf = root / "subj" / "2021-06-01" / "001" / "alf"
    for f in alf.iterdir():
        os.utime(f, ns=(f.stat().st_mtime_ns - 10**10,) * 2)
    assert run("index", str(root), "--update").returncode == 0  # first run: stores mtimes
    clusters = alf / "spikes.clusters.npy"
    stamp = clusters.stat().st_mtime_ns
    clusters.write_bytes(b"\0" * clusters.stat().st_size)  # corrupt, same size, same mtime
    os.utime(clusters, ns=(stamp, stamp))
    assert run("index", str(root), "--update").returncode == 0  # unchanged by size and mtime: trusted
    full = run("index", str(root))
    assert full.returncode == 1 and "spikes.clusters.npy" in full.stdout  # a full check sees it
    np.save(alf / "spikes.amps.npy", np.arange(7))  # a new file of the wrong length
    changed = run("index", str(root), "--update")
    assert changed.returncode == 1
    assert "ALF302" in changed.stdout


@pytest.mark.parametrize("sessions", [2, MIN_UNITS + 2], ids=["small", "split"])
def test_update_with_a_cold_cache(tmp_path, monkeypatch, sessions):
    """--update on tables whose files kept size and mtime, with an empty result cache (a CI
    runner, a cleared cache): a tree split across processes is checked whole, in parallel,
    filling the cache; a small tree (never cached) is compared with the tables, which vouch
    for its files. --no-cache always compares with the tables."""
    root = tmp_path / "repo"
    for i in range(sessions):
        alf = root / "subj" / f"2021-06-{1 + i // 9:02d}" / f"{1 + i % 9:03d}" / "alf"
        alf.mkdir(parents=True)
        np.save(alf / "spikes.times.npy", np.arange(5, dtype=float))
        np.save(alf / "spikes.clusters.npy", np.arange(5))
        for f in alf.iterdir():
            os.utime(f, ns=(f.stat().st_mtime_ns - 10**10,) * 2)
    assert run("index", str(root), "--update").returncode == 0  # tables with mtimes
    clusters = alf / "spikes.clusters.npy"
    stamp = clusters.stat().st_mtime_ns
    clusters.write_bytes(b"\0" * clusters.stat().st_size)  # corrupt, same size, same mtime
    os.utime(clusters, ns=(stamp, stamp))
    assert run("index", str(root), "--update", "--no-cache").returncode == 0  # the tables vouch for it
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))
    cold = run("index", str(root), "--update")
    if sessions < MIN_UNITS:
        assert cold.returncode == 0, cold.stdout
    else:
        assert cold.returncode == 1 and "spikes.clusters.npy" in cold.stdout
        assert any((tmp_path / "empty-cache").rglob("*.pickle")), "the cold --update filled the cache"


def test_no_content_indexes_after_path_rules_only(tmp_path):
    root = make_repo(tmp_path / "repo")
    (root / "subj" / "2021-06-01" / "001" / "alf" / "spikes.amps.npy").write_bytes(b"not an array")
    refused = run("index", str(root))
    assert refused.returncode == 1 and "ALF501" in refused.stdout
    assert not (root / "datasets.pqt").exists()
    result = run("index", str(root), "--no-content")
    assert result.returncode == 0, result.stdout + result.stderr
    pd = pytest.importorskip("pandas")
    rel_paths = set(pd.read_parquet(root / "datasets.pqt")["rel_path"])
    assert "alf/spikes.amps.npy" in rel_paths and len(rel_paths) == 4


COUNTING_RULE = '''
import os

from alflint.plugin import hookimpl
from alflint.rule import rule


@rule("LAB950", "counted", "info", "session")
def counted(session, ctx):
    """Appends the session to a log each time it is checked (to count checks)."""
    with open(os.environ["ALFLINT_TEST_LOG"], "a") as fh:
        fh.write(session.key + "\\n")
    return ()


@hookimpl
def alflint_rules():
    return [counted]
'''


def test_check_with_index_checks_the_tree_once(tmp_path):
    """`check --index` writes the tables from the check it just ran, not from a second one."""
    root = make_repo(tmp_path / "repo")
    (root / "counting.py").write_text(COUNTING_RULE)
    (root / "alflint.toml").write_text('plugins = ["counting.py"]\n')
    log = tmp_path / "log.txt"
    env = {**os.environ, "NO_COLOR": "1", "ALFLINT_TEST_LOG": str(log)}
    result = subprocess.run([ALFLINT, "check", str(root), "--index"], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(log.read_text().split()) == ["subj/2021-06-01/001", "subj/2021-06-02/001"]
    pd = pytest.importorskip("pandas")
    assert len(pd.read_parquet(root / "datasets.pqt")) == 3
    log.unlink()
    result = subprocess.run([ALFLINT, "index", str(root), "--out", str(tmp_path)], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(log.read_text().split()) == 2  # a plain index checks once too
