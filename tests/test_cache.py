"""The result cache and the session-split run: a re-check of an unchanged repository answers
from the cache, anything that changes results invalidates it, and a damaged cache is ignored.

Every tree here has more session folders than ``partition.MIN_UNITS``, so the split path
(and with it the cache) really runs; files are dated an hour back so the cache trusts them.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

import alflint
from alflint.cli import main
from alflint.indexer import IndexRefused
from alflint.partition import MIN_UNITS

HOUR_AGO = time.time() - 3600


def _npy(n: int) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, np.arange(n, dtype="<f8"))
    return buf.getvalue()


def make_repo(root: Path, sessions: int = MIN_UNITS + 4) -> Path:
    for s in range(sessions):
        folder = root / "lab" / "Subjects" / f"SW{s % 5:03d}" / f"2021-01-{1 + s // 5:02d}" / f"{s % 3 + 1:03d}" / "alf"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "trials.intervals.npy").write_bytes(_npy_2col(10))
        (folder / "trials.goCue_times.npy").write_bytes(_npy(10))
        (folder / "wheel.position.npy").write_bytes(_npy(20))
        (folder / "wheel.timestamps.npy").write_bytes(_npy(20))
    (root / "lab" / "Subjects" / "SW000" / "2021-01-01" / "001" / "alf" / "Bad-name.times.npy").write_bytes(_npy(3))
    age(root)
    return root


def _npy_2col(n: int) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, np.stack([np.arange(n, dtype="<f8"), np.arange(n, dtype="<f8") + 0.5], axis=1))
    return buf.getvalue()


def age(root: Path, when: float = HOUR_AGO) -> None:
    for folder, _, files in os.walk(root):
        for f in files:
            os.utime(os.path.join(folder, f), (when, when))


def whole(root: Path):
    """The reference: one walk, one collection, no split and no cache."""
    from alflint.engine import Engine

    return Engine.create(root).check_tree(root)[0]


def codes(report) -> list[tuple[str, str]]:
    return sorted((i.code, i.path) for i in report.issues)


def first_session(root: Path) -> Path:
    return root / "lab" / "Subjects" / "SW000" / "2021-01-01" / "001" / "alf"


def test_cached_recheck_equals_a_full_check(tmp_path):
    root = make_repo(tmp_path / "repo")
    full = whole(root)
    first = alflint.check(root, jobs=2, cache=True)
    again = alflint.check(root, jobs=2, cache=True)
    serial_again = alflint.check(root, jobs=1, cache=True)
    assert full.issues, "the tree has a defect to report"
    assert first.issues == again.issues == serial_again.issues == full.issues
    assert first.files_checked == again.files_checked == full.files_checked
    assert again.sessions == full.sessions


def test_unchanged_folders_are_answered_from_the_cache(tmp_path):
    """Proof that the cache is used: bytes changed behind the back of size and mtime stay
    unseen with the cache, and are found with --no-cache."""
    root = make_repo(tmp_path / "repo")
    target = first_session(root) / "wheel.timestamps.npy"
    assert alflint.check(root, cache=True, jobs=2).errors == whole(root).errors
    before = os.stat(target)
    data = bytearray(target.read_bytes())
    data[:6] = b"NOTNPY"  # same size, broken header
    target.write_bytes(bytes(data))
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert not any(i.path.endswith("wheel.timestamps.npy") for i in alflint.check(root, cache=True, jobs=2).issues)
    fresh = alflint.check(root, jobs=2)
    assert any(i.code == "ALF501" and i.path.endswith("wheel.timestamps.npy") for i in fresh.issues)


def test_a_changed_file_is_checked_again(tmp_path):
    root = make_repo(tmp_path / "repo")
    alflint.check(root, cache=True, jobs=2)
    target = first_session(root) / "wheel.timestamps.npy"
    target.write_bytes(_npy(7))  # now 7 rows against 20: a length mismatch
    age(root, HOUR_AGO + 60)
    report = alflint.check(root, cache=True, jobs=2)
    assert any(i.code == "ALF302" for i in report.issues)
    assert codes(report) == codes(whole(root))


def test_added_and_removed_sessions_are_seen(tmp_path):
    root = make_repo(tmp_path / "repo")
    alflint.check(root, cache=True)
    extra = root / "lab" / "Subjects" / "SW000" / "2022-02-02" / "001" / "alf"
    extra.mkdir(parents=True)
    (extra / "Wrong-Name.npy").write_bytes(_npy(2))
    age(root)
    report = alflint.check(root, cache=True, jobs=2)
    assert "lab/Subjects/SW000/2022-02-02/001" in report.sessions
    assert any("Wrong-Name" in i.path for i in report.issues)
    import shutil

    shutil.rmtree(extra.parent)
    report = alflint.check(root, cache=True, jobs=2)
    assert "lab/Subjects/SW000/2022-02-02/001" not in report.sessions
    assert not any("Wrong-Name" in i.path for i in report.issues)


def test_recently_modified_files_are_never_trusted(tmp_path):
    """A file written within two seconds may change again within the same mtime tick."""
    root = make_repo(tmp_path / "repo")
    target = first_session(root) / "wheel.timestamps.npy"
    now = time.time()
    os.utime(target, (now, now))
    alflint.check(root, cache=True, jobs=2)
    st = os.stat(target)
    data = bytearray(target.read_bytes())
    data[:6] = b"NOTNPY"
    target.write_bytes(bytes(data))
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    report = alflint.check(root, cache=True, jobs=2)
    assert any(i.code == "ALF501" and i.path.endswith("wheel.timestamps.npy") for i in report.issues)


def _recent_session(root: Path) -> Path:
    """A session folder whose files were just written: too
    recent for the cache to trust, so its results are not stored."""
    folder = root / "lab" / "Subjects" / "SW002" / "2021-01-03" / "001" / "alf"
    now = time.time()
    for f in folder.iterdir():
        os.utime(f, (now, now))
    return folder


def test_a_recent_session_is_never_answered_from_another_session_s_cache_entry(tmp_path):
    """A session whose files are too recent to cache is checked again every time; its
    findings must not be stored with another session folder of its chunk either, or they
    come back from that folder's entry after the session was fixed."""
    root = make_repo(tmp_path / "repo")
    recent = _recent_session(root)
    broken = recent / "wheel.timestamps.npy"
    broken.write_bytes(_npy(7))  # 7 rows against 20: ALF302, in a file written now
    first = alflint.check(root, cache=True, jobs=2)
    assert any(i.code == "ALF302" and "2021-01-03/001" in i.path for i in first.issues)
    broken.write_bytes(_npy(20))  # mended, still recent
    again = alflint.check(root, cache=True, jobs=2)
    assert not any("2021-01-03/001" in i.path for i in again.issues)
    assert codes(again) == codes(whole(root))
    assert sorted(again.sessions) == sorted(set(again.sessions)) == sorted(whole(root).sessions)


def test_index_update_twice_with_a_recent_session_lists_each_session_once(tmp_path):
    """The rows of a session too recent to cache came back from another session's entry
    too: the second --update refused the tables ("session ... is listed twice")."""
    pd = pytest.importorskip("pandas")
    root = make_repo(tmp_path / "repo")
    (first_session(root) / "Bad-name.times.npy").unlink()
    _recent_session(root)
    for _ in range(2):
        alflint.index(root, update=True, jobs=2)
    assert len(pd.read_parquet(root / "sessions.pqt")) == MIN_UNITS + 4
    datasets = pd.read_parquet(root / "datasets.pqt")
    assert len(datasets) == 4 * (MIN_UNITS + 4) and not datasets.index.duplicated().any()


def test_configuration_change_invalidates_the_cache(tmp_path):
    root = make_repo(tmp_path / "repo")
    assert alflint.check(root, cache=True).errors
    ignored = alflint.check(root, cache=True, ignore=["ALF101"])
    assert not any(i.code == "ALF101" for i in ignored.issues)
    (tmp_path / "repo" / "alflint.toml").write_text('ignore = ["ALF1"]\n')
    report = alflint.check(root, cache=True)
    assert not any(i.code.startswith("ALF1") for i in report.issues)
    (tmp_path / "repo" / "alflint.toml").unlink()
    assert any(i.code == "ALF101" for i in alflint.check(root, cache=True).issues)


def test_a_damaged_cache_is_ignored_and_replaced(tmp_path):
    root = make_repo(tmp_path / "repo")
    expected = codes(whole(root))
    alflint.check(root, cache=True)
    shards = list(Path(os.environ["XDG_CACHE_HOME"], "alflint", "results").rglob("*.pickle"))
    assert shards, "the cache was written to the user's cache folder"
    for shard in shards:
        shard.write_bytes(b"\x80\x05garbage")
    assert codes(alflint.check(root, cache=True)) == expected
    assert codes(alflint.check(root, cache=True)) == expected


def test_an_unwritable_cache_folder_does_not_fail_the_check(tmp_path, monkeypatch):
    root = make_repo(tmp_path / "repo")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert codes(alflint.check(root, cache=True)) == codes(whole(root))


def test_the_cache_writes_nothing_into_the_repository(tmp_path):
    root = make_repo(tmp_path / "repo")
    before = sorted(p for p in root.rglob("*"))
    alflint.check(root, cache=True)
    alflint.check(root, cache=True)
    assert sorted(p for p in root.rglob("*")) == before


def test_the_cache_files_are_private_and_whole(tmp_path):
    """They name the repository's paths: readable by their owner only, whatever the umask,
    and no temporary file of a write is left behind."""
    from alflint._cachedir import cache_folder

    root = make_repo(tmp_path / "repo")
    alflint.check(root, cache=True)
    written = [p for p in Path(cache_folder()).rglob("*") if p.is_file()]
    assert written and all(p.stat().st_mode & 0o777 == 0o600 for p in written)
    assert not [p for p in written if p.name.endswith(".tmp")]


def test_cli_uses_the_cache_and_no_cache_turns_it_off(tmp_path, capsys):
    root = make_repo(tmp_path / "repo")
    target = first_session(root) / "trials.goCue_times.npy"
    assert main(["check", str(root), "-q"]) == 1
    capsys.readouterr()
    st = os.stat(target)
    target.write_bytes(b"X" * st.st_size)
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    main(["check", str(root), "-q", "--format", "concise"])
    assert "goCue_times" not in capsys.readouterr().out
    main(["check", str(root), "-q", "--no-cache", "--format", "concise"])
    assert "goCue_times" in capsys.readouterr().out


def test_index_update_answers_from_the_cache_and_writes_the_same_tables(tmp_path):
    pd = pytest.importorskip("pandas")
    root = make_repo(tmp_path / "repo")
    (first_session(root) / "Bad-name.times.npy").unlink()
    out1, out2 = tmp_path / "a", tmp_path / "b"
    out1.mkdir()
    out2.mkdir()
    alflint.index(root, out1, update=True, jobs=2)  # first --update: full check, fills the cache
    target = first_session(root) / "wheel.timestamps.npy"
    st = os.stat(target)
    target.write_bytes(b"X" * st.st_size)  # same size and mtime: --update trusts it
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    alflint.index(root, out2, update=True, jobs=2)
    for name in ("sessions.pqt", "datasets.pqt"):
        pd.testing.assert_frame_equal(pd.read_parquet(out1 / name), pd.read_parquet(out2 / name))
    assert len(pd.read_parquet(out1 / "datasets.pqt")) == 4 * (MIN_UNITS + 4)
    with pytest.raises(IndexRefused):  # without --update everything is checked again
        alflint.index(root, out2, jobs=2)


def test_split_run_keeps_walk_problems_and_nested_sessions(tmp_path):
    root = make_repo(tmp_path / "repo")
    inner = first_session(root) / "sub" / "2021-05-05" / "001"
    inner.mkdir(parents=True)
    (inner / "spikes.times.npy").write_bytes(_npy(3))
    os.symlink(tmp_path / "nowhere.npy", first_session(root) / "gone.times.npy")
    serial = whole(root)
    split = alflint.check(root, jobs=2, cache=True)
    assert {"ALF407", "ALF111"} <= {i.code for i in serial.issues}
    assert codes(split) == codes(serial)


def test_an_edited_pack_file_invalidates_the_cache(tmp_path):
    """A lab's pack named by path is rules as data: editing it must change the results."""
    import json

    root = make_repo(tmp_path / "repo")
    (first_session(root) / "Bad-name.times.npy").unlink()
    pack = {"name": "lab", "dataset_types": [{"name": n, "filename_pattern": f"{n}.*"} for n in (
        "trials.intervals", "trials.goCue_times", "wheel.position", "wheel.timestamps")]}
    (root / "lab.json").write_text(json.dumps(pack))
    (root / "alflint.toml").write_text('packs = ["./lab.json"]\n')
    assert not alflint.check(root, cache=True).errors
    pack["dataset_types"] = pack["dataset_types"][:3]  # wheel.timestamps no longer a known type
    (root / "lab.json").write_text(json.dumps(pack))
    found = alflint.check(root, cache=True)
    assert {i.code for i in found.errors} == {"ALF601"}
    assert len(found.errors) == MIN_UNITS + 4


# --------------------------------------------------------------------------------------------
# The cache does not outgrow its use
# --------------------------------------------------------------------------------------------

DAY = 86400


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """A cache folder of this test alone: results of other tests' repositories stay out."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "alflint" / "results"


def _backdate(path: Path, seconds: float) -> None:
    when = time.time() - seconds
    os.utime(path, (when, when))


def _prune_due(results: Path) -> None:
    _backdate(results / ".pruned", 2 * DAY)


def test_results_of_a_deleted_repository_are_removed_a_day_later(tmp_path, own_cache):
    import shutil

    from alflint.cache import folder_for

    gone, kept = make_repo(tmp_path / "gone"), make_repo(tmp_path / "kept")
    alflint.check(gone, cache=True, jobs=2)
    alflint.check(kept, cache=True, jobs=2)
    gone_folder, kept_folder = Path(folder_for(str(gone))), Path(folder_for(str(kept)))
    assert (gone_folder / "root").read_bytes() == os.fsencode(str(gone))
    shutil.rmtree(gone)

    _prune_due(own_cache)
    alflint.check(kept, cache=True, jobs=2)
    assert gone_folder.is_dir(), "a repository missing for less than a day (an unmounted drive) keeps its results"

    _backdate(gone_folder / "root", 2 * DAY)
    _prune_due(own_cache)
    alflint.check(kept, cache=True, jobs=2)
    assert not gone_folder.exists()
    assert kept_folder.is_dir() and list(kept_folder.glob("*.pickle"))


def test_results_unchecked_for_a_month_are_removed_and_a_recheck_keeps_them(tmp_path, own_cache):
    from alflint.cache import folder_for

    old, used = make_repo(tmp_path / "old"), make_repo(tmp_path / "used")
    alflint.check(old, cache=True, jobs=2)
    alflint.check(used, cache=True, jobs=2)
    old_folder, used_folder = Path(folder_for(str(old))), Path(folder_for(str(used)))
    for folder in (old_folder, used_folder):
        _backdate(folder / "root", 31 * DAY)
        for shard in folder.glob("*.pickle"):
            _backdate(shard, 31 * DAY)
    # an unchanged re-check writes no shard, but marks the repository used
    alflint.check(used, cache=True, jobs=2)
    assert time.time() - (used_folder / "root").stat().st_mtime < DAY
    _prune_due(own_cache)
    alflint.check(used, cache=True, jobs=2)
    assert not old_folder.exists(), "the repository still exists, but nobody checked it for a month"
    assert used_folder.is_dir()


def test_pruning_runs_at_most_once_a_day_and_touches_nothing_else(tmp_path, own_cache):
    from alflint.cache import prune

    repo = make_repo(tmp_path / "repo")
    alflint.check(repo, cache=True, jobs=2)  # the first run prunes (no stamp yet)
    stale = own_cache / ("ab" * 12)
    stale.mkdir()
    (stale / "00.pickle").write_bytes(b"old")
    _backdate(stale / "00.pickle", 40 * DAY)
    alflint.check(repo, cache=True, jobs=2)
    assert stale.is_dir(), "pruned less than a day ago: not looked at again"

    others = [own_cache / "notes.txt", own_cache / "mine", own_cache / ("cd" * 12 + "x")]
    others[0].write_text("a user's file")
    others[1].mkdir()
    others[2].mkdir()
    for path in others:
        _backdate(path, 40 * DAY)
    _prune_due(own_cache)
    assert prune() == [str(stale)]
    assert all(path.exists() for path in others)
    assert prune() == [], "the stamp was renewed"


def test_a_missing_or_unwritable_cache_folder_does_not_fail_pruning(tmp_path, monkeypatch):
    from alflint.cache import mark_used, prune

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "nowhere" / "deeper"))
    assert prune() == []
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    mark_used(str(tmp_path))
    assert prune() == []


def test_without_a_home_folder_nothing_is_cached_in_the_working_directory(tmp_path, monkeypatch):
    from alflint import _cachedir

    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(_cachedir.os.path, "expanduser", lambda path: path)  # as when no home is known
    monkeypatch.chdir(tmp_path)
    assert _cachedir.cache_folder("results") is None
    repo = make_repo(tmp_path / "repo")
    assert codes(alflint.check(repo, cache=True, jobs=2)) == codes(whole(repo))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo"]


def test_old_files_of_the_small_caches_are_pruned_too(tmp_path, own_cache):
    from alflint.cache import prune

    small = own_cache.parent  # $XDG_CACHE_HOME/alflint
    old = [small / "validated-config" / "a", small / "entry-points" / "0badcafe.json"]
    fresh = [small / "validated-config" / "b", small / "entry-points" / "00c0ffee.json"]
    kept = [small / "validated-config" / "folder", small / "pandas-metadata" / "sessions.json"]
    for path in old + fresh:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    for path in kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir() if path.name == "folder" else path.write_text("{}")
    for path in old + kept:
        _backdate(path, 40 * DAY)
    assert sorted(prune()) == sorted(str(p) for p in old)
    assert all(p.exists() for p in fresh + kept)


def test_a_relative_xdg_cache_home_is_ignored_and_nothing_lands_in_the_repository(tmp_path, monkeypatch):
    """XDG paths must be absolute; a relative one would put the cache inside the working
    directory, often the data repository that a pre-commit hook runs in."""
    from alflint import _cachedir

    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", "cache")
    repo = make_repo(tmp_path / "repo")
    monkeypatch.chdir(repo)
    assert _cachedir.cache_folder("results") == str(home / ".cache" / "alflint" / "results")
    before = sorted(p.name for p in repo.iterdir())
    assert codes(alflint.check(repo, cache=True, jobs=2)) == codes(whole(repo))
    assert sorted(p.name for p in repo.iterdir()) == before
    assert (home / ".cache" / "alflint" / "results").is_dir()
