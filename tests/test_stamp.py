"""`alflint index --update` leaves tables alone when it would write them again unchanged,
and writes them whenever anything they are built from, or the files themselves, changed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from alflint.cli import main
from alflint.exceptions import ALFWarning
from alflint.indexer import run_index

HOUR_AGO = time.time() - 3600


def make_repo(root: Path, more_sessions: int = 0) -> Path:
    """Two sessions, and ``more_sessions`` of one file each (enough make the check split)."""
    alf = root / "lab" / "Subjects" / "subj" / "2021-06-01" / "001" / "alf"
    alf.mkdir(parents=True)
    np.save(alf / "spikes.times.npy", np.arange(5, dtype=float))
    np.save(alf / "spikes.clusters.npy", np.arange(5))
    other = root / "lab" / "Subjects" / "subj" / "2021-06-02" / "001"
    other.mkdir(parents=True)
    np.save(other / "trials.goCue_times.npy", np.arange(3, dtype=float))
    for n in range(1, more_sessions + 1):
        (root / "lab" / "Subjects" / "many" / "2022-01-01" / f"{n:03d}" / "alf").mkdir(parents=True)
        np.save(root / "lab" / "Subjects" / "many" / "2022-01-01" / f"{n:03d}" / "alf" / "wheel.position.npy", np.arange(4.0))
    for folder, _, files in os.walk(root):  # old enough for the --hash tables to trust
        for f in files:
            os.utime(os.path.join(folder, f), (HOUR_AGO, HOUR_AGO))
    return root


def identity(out: Path) -> dict:
    """What rewriting or replacing a table changes (inode, times) and what it holds."""
    return {name: (os.stat(out / name).st_ino, os.stat(out / name).st_mtime_ns, (out / name).read_bytes())
            for name in ("sessions.pqt", "datasets.pqt")}


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "repo")


@pytest.fixture(params=["small", "split"])
def either_repo(tmp_path, request):
    """The repository, and the same with enough sessions for a split check, whose walks note
    the folder times that the vouching of --update needs (a small tree's are stat-ed)."""
    from alflint.partition import MIN_UNITS

    return make_repo(tmp_path / "repo", MIN_UNITS if request.param == "split" else 0)


def test_an_unchanged_repository_leaves_the_tables_untouched(either_repo, capsys):
    repo = either_repo
    first = run_index(repo, update=True)
    assert first.written
    before = identity(repo)
    second = run_index(repo, update=True)
    assert not second.written
    assert (second.sessions, second.datasets) == (first.sessions, first.datasets)
    assert second.datasets == second.sessions + 1
    assert identity(repo) == before
    assert main(["index", str(repo), "--update"]) == 0
    assert "Up to date" in capsys.readouterr().out
    assert identity(repo) == before


def test_a_changed_file_writes_the_tables_again(repo):
    run_index(repo, update=True)
    before = identity(repo)
    alf = repo / "lab" / "Subjects" / "subj" / "2021-06-01" / "001" / "alf"
    np.save(alf / "spikes.amps.npy", np.ones(5))
    assert run_index(repo, update=True).written
    assert identity(repo) != before
    assert "alf/spikes.amps.npy" in pq.read_table(repo / "datasets.pqt").column("rel_path").to_pylist()
    t = os.stat(alf / "spikes.times.npy").st_mtime_ns
    os.utime(alf / "spikes.times.npy", ns=(t, t + 10**9))  # only the mtime: a row changes
    assert run_index(repo, update=True).written


@pytest.mark.parametrize("where", ["session", "collection"])
def test_tables_found_up_to_date_are_made_no_older_than_the_folders_they_describe(either_repo, where, monkeypatch):
    """A file added and removed again after the tables were written moves its folder's time
    but no row: --update writes nothing, yet leaves the tables no older than that folder, so
    that alflint.open and its loads do not call the index just confirmed stale."""
    import warnings

    import alflint
    from alflint import stamp

    repo = either_repo
    monkeypatch.setattr(stamp, "RACY_NS", 0)  # no margin: the change comes right after the tables
    run_index(repo, update=True)
    session = repo / "lab" / "Subjects" / "subj" / "2021-06-01" / "001"
    folder = session if where == "session" else session / "alf"
    (folder / "scratch.tmp").write_bytes(b"")
    (folder / "scratch.tmp").unlink()
    later = os.stat(repo / "datasets.pqt").st_mtime_ns + 1000  # after the tables, before the next check
    os.utime(folder, ns=(later, later))
    second = run_index(repo, update=True)
    assert not second.written
    assert min(os.stat(repo / name).st_mtime_ns for name in ("sessions.pqt", "datasets.pqt")) >= later
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        alflint.open(repo, validate=False).load_object("lab/Subjects/subj/2021-06-01/001", "spikes", collection="alf")
    before = identity(repo)
    assert not run_index(repo, update=True).written  # as it left them: still up to date
    assert identity(repo) == before  # and tables already newer than the data keep their times


def test_a_folder_changed_during_the_check_is_not_vouched_for(either_repo):
    """A folder whose time is not older than the check's start (less the cache's margin) may
    hold a file the check did not see: the tables keep their time and readers still warn."""
    import alflint

    repo = either_repo
    run_index(repo, update=True)
    before = identity(repo)
    folder = repo / "lab" / "Subjects" / "subj" / "2021-06-01" / "001" / "alf"
    during = time.time_ns() + 60 * 10**9  # as if changed once the next check had begun
    os.utime(folder, ns=(during, during))
    assert not run_index(repo, update=True).written
    assert identity(repo) == before
    with pytest.warns(ALFWarning, match="changed after the cache tables"):
        alflint.open(repo, validate=False).load_object("lab/Subjects/subj/2021-06-01/001", "spikes", collection="alf")


def test_the_digest_depends_on_the_values_only_not_on_how_the_objects_are_shared():
    """Rows fresh from a check share strings; the same rows unpickled from the result cache
    do not. Both must give one digest, or every --update after a first one writes again."""
    from alflint.stamp import inputs_digest

    def rows(shared: bool):
        lab = "".join(["la", "b"])
        labs = [lab, lab] if shared else ["".join(["la", "b"]), "".join(["la", "b"])]
        def packed():
            return (1, "".join(["0"] * 36), "".join(["alf/", "a.b.npy"]), bytes(8), bytes(8), b"\1", None)

        one = packed()
        sessions = [(f"lab/Subjects/s/2020-01-01/00{i}", labs[i], "s", "2020-01-01", f"00{i}") for i in range(2)]
        packs = [("e" * 36, one), ("f" * 36, one if shared else packed())]  # one object twice, or two equal ones
        return sessions, packs

    digests = {inputs_digest(*rows(shared), lab=None, origin="/r", store_mtime=True, hashed=False) for shared in (True, False)}
    assert len(digests) == 1
    other = rows(True)[0][:1]
    assert inputs_digest(other, rows(True)[1][:1], lab=None, origin="/r", store_mtime=True, hashed=False) not in digests


def test_the_folder_times_a_split_check_notes_are_those_of_the_folders_the_tables_describe(tmp_path):
    """--update vouches with the newest time of the folders the tables describe, the walks'
    times standing in for a stat of each: a folder between a session and its files counts, a
    folder only a left-out file is in does not."""
    from alflint.engine import Engine
    from alflint.freshness import newest_folder_mtime_ns
    from alflint.indexer import _newest_described_ns, kept_sessions
    from alflint.partition import MIN_UNITS
    from alflint.sessionrows import SessionRow, described_folders

    repo = make_repo(tmp_path / "repo", MIN_UNITS)
    left_out = repo / "lab" / "Subjects" / "many" / "2022-01-01" / "007" / "notes"
    left_out.mkdir()
    (left_out / "readme.txt").write_text("not ALF: left out of the tables")
    between = repo / "lab" / "Subjects" / "many" / "2022-01-02" / "001" / "alf"  # holds a folder, no file
    (between / "probe00").mkdir(parents=True)
    np.save(between / "probe00" / "spikes.times.npy", np.arange(3.0))
    folders = sorted(Path(f) for f, _, _ in os.walk(repo) if Path(f) != repo)
    for i, folder in enumerate(folders):
        os.utime(folder, ns=(0, (1000 + i) * 10**9))
    newest = (2000 + len(folders)) * 10**9
    os.utime(left_out, ns=(0, newest + 2))
    os.utime(between, ns=(0, newest + 1))

    walked: dict = {}
    report, records = Engine.create(repo).check_records(repo, jobs=2, cache=True, folder_times=walked)
    for key, lab, subject, date, number, _, eid, packed in records:  # what a stat of each folder says
        rows = described_folders(str(repo), [SessionRow(key, lab, subject, date, number)], [(eid, packed)])
        assert walked[key] == newest_folder_mtime_ns(str(repo), rows), key
    assert walked[str(between.parent.relative_to(repo))] == newest + 1  # the folder in between counts
    assert walked[str(left_out.parent.relative_to(repo))] == newest + 2  # before kept_sessions filters it
    originals = {r[0]: r[7] for r in records}
    sessions, packs, _ = kept_sessions(records, report)
    expected = newest_folder_mtime_ns(str(repo), described_folders(str(repo), sessions, packs))
    assert expected == newest + 1
    assert _newest_described_ns(str(repo), sessions, packs, walked, originals) == expected
    assert _newest_described_ns(str(repo), sessions, packs, {}, {}) == expected  # nothing noted: all stat-ed
    stand_in = {**walked, str(between.parent.relative_to(repo)): 1}  # the workers' times are taken, not a stat
    assert _newest_described_ns(str(repo), sessions, packs, stand_in, originals) < newest

    # again with the result cache warm but one session changed: the workers take most sessions
    # from the cache and check that one; every session still gets the time a stat would give
    from alflint.cache import is_warm

    assert is_warm(str(repo))
    np.save(between / "probe00" / "spikes.amps.npy", np.arange(3.0))
    walked = {}
    report, records = Engine.create(repo).check_records(repo, jobs=2, cache=True, folder_times=walked)
    indexable = [r for r in records if r[6]]
    assert sorted(walked) == sorted(r[0] for r in indexable)
    for key, lab, subject, date, number, _, eid, packed in indexable:
        rows = described_folders(str(repo), [SessionRow(key, lab, subject, date, number)], [(eid, packed)])
        assert walked[key] == newest_folder_mtime_ns(str(repo), rows), key


@pytest.mark.parametrize("touch", ["utime", "replace", "delete"])
def test_tables_touched_by_anyone_are_written_again(repo, touch):
    run_index(repo, update=True)
    target = repo / "datasets.pqt"
    if touch == "utime":
        os.utime(target, ns=(0, 0))
    elif touch == "replace":  # same bytes, another file (as a copy back from a backup)
        data = target.read_bytes()
        target.unlink()
        target.write_bytes(data)
    else:
        target.unlink()
    assert run_index(repo, update=True).written
    assert target.is_file()
    assert not run_index(repo, update=True).written


@pytest.mark.parametrize("options", [{"lab": "lab"}, {"hash_files": True}, {"force": True}])
def test_other_options_write_the_tables_again_then_hold(repo, options):
    run_index(repo, update=True)
    assert run_index(repo, update=True, **options).written == ("force" not in options)  # --force alone changes no row
    assert not run_index(repo, update=True, **options).written


def test_hashed_tables_hold_only_for_files_older_than_the_tables(repo):
    fresh = repo / "lab" / "Subjects" / "subj" / "2021-06-02" / "001" / "trials.goCue_times.npy"
    os.utime(fresh)  # modified now: as old as the tables, its bytes may change unseen
    run_index(repo, update=True, hash_files=True)
    assert run_index(repo, update=True, hash_files=True).written
    os.utime(fresh, (HOUR_AGO, HOUR_AGO))
    run_index(repo, update=True, hash_files=True)
    assert not run_index(repo, update=True, hash_files=True).written


def test_without_update_or_without_cache_the_tables_are_always_written(repo):
    run_index(repo, update=True)
    assert run_index(repo).written
    run_index(repo, update=True)
    assert run_index(repo, update=True, cache=False).written


def test_a_damaged_record_means_writing_again_without_a_traceback(repo):
    run_index(repo, update=True)
    records = list(Path(os.environ["XDG_CACHE_HOME"], "alflint", "results").rglob("tables-*.json"))
    assert records
    for record in records:
        record.write_text("{not json")
    assert run_index(repo, update=True).written
    assert not run_index(repo, update=True).written


def test_another_output_folder_has_its_own_record(repo, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    run_index(repo, update=True)
    assert run_index(repo, out, update=True).written
    assert not run_index(repo, update=True).written
    assert not run_index(repo, out, update=True).written


@pytest.mark.parametrize("record", ["{not json", "[]", '{"files": 3}', '{"digest": "x"}'])
def test_untouched_needs_a_readable_record_and_the_tables_as_it_left_them(repo, record):
    """What --update checks before the tree, to skip importing pyarrow."""
    from alflint import stamp

    targets = [str(repo / "sessions.pqt"), str(repo / "datasets.pqt")]
    assert not stamp.untouched(str(repo), targets)  # no record yet
    run_index(repo, update=True)
    assert stamp.untouched(str(repo), targets)
    os.utime(targets[1], ns=(time.time_ns(), time.time_ns()))
    assert not stamp.untouched(str(repo), targets)
    run_index(repo, update=True)
    assert stamp.untouched(str(repo), targets)
    for path in Path(os.environ["XDG_CACHE_HOME"], "alflint", "results").rglob("tables-*.json"):
        path.write_text(record)
    assert not stamp.untouched(str(repo), targets)
    assert run_index(repo, update=True).written  # and up_to_date says the same, without a traceback


WRITER_RULES = '''"""A writer that adds a file while the check runs (after the walk), as an acquisition rig may.

It waits a moment first: file systems stamp times with a clock that ticks every few ms, and a
change within the tick the check began in cannot be told from one made just before.
"""
import time

import numpy as np
from alflint.plugin import hookimpl
from alflint.rule import rule

TARGET = {target!r}


@rule("LAB901", "concurrent-writer", "info", "path")
def concurrent_writer(dataset, ctx):
    """Adds spikes.amps.npy next to the first dataset it sees (once)."""
    import os
    if not os.path.exists(TARGET):
        time.sleep(0.05)
        np.save(TARGET, np.ones(5))
    return ()


@hookimpl
def alflint_rules():
    return [concurrent_writer]
'''


@pytest.mark.parametrize("where", ["session", "collection"])
@pytest.mark.parametrize("update", [False, True])
def test_a_file_added_while_the_index_runs_leaves_the_tables_stale_to_readers(repo, where, update):
    """Tables describe the tree as the check saw it. A file added once its folder was walked is
    not in them: its folder must be newer than the tables, so readers say they are stale (it
    was older when the tables were stamped with the time of their write)."""
    import warnings

    import alflint

    session = repo / "lab" / "Subjects" / "subj" / "2021-06-01" / "001"
    target = (session if where == "session" else session / "alf") / "spikes.amps.npy"
    (repo / "writer_rules.py").write_text(WRITER_RULES.format(target=str(target)))
    (repo / "alflint.toml").write_text('extend-select = ["LAB"]\nplugins = ["writer_rules.py"]\nexclude = ["writer_rules.py", "alflint.toml"]\n')
    result = run_index(repo, update=update)
    assert result.written and target.exists()
    assert "spikes.amps.npy" not in " ".join(pq.read_table(repo / "datasets.pqt").column("rel_path").to_pylist())
    if where == "session":
        with pytest.warns(ALFWarning, match="older than the data"):
            alflint.open(repo, validate=False)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            repo_ = alflint.open(repo, validate=False)
        with pytest.warns(ALFWarning, match="alf changed after the cache tables"):
            repo_.load_object("lab/Subjects/subj/2021-06-01/001", "spikes", collection="alf")
    # indexed again, the tables hold the file and nobody warns
    (repo / "writer_rules.py").write_text(WRITER_RULES.format(target=str(target)))
    assert run_index(repo, update=update).written
    assert "spikes.amps.npy" in " ".join(pq.read_table(repo / "datasets.pqt").column("rel_path").to_pylist())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        alflint.open(repo, validate=False).load_object("lab/Subjects/subj/2021-06-01/001", "spikes", collection="alf")
