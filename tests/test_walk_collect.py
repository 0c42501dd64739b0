"""One walk of the tree, then sessions, objects and datasets: the collection every rule sees."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from alflint.collect import TABLE_FILES, collect, scan
from alflint.walk import walk


def touch(root, *paths, content=b"x"):
    for rel in paths:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content)


def test_walk_lists_every_file_once_with_size_and_sorted(tmp_path):
    touch(tmp_path, "b/2.txt", "a/1.txt", "a/z/3.txt", content=b"abc")
    tree = walk(tmp_path)
    rels = sorted(f.rel for f in tree.files)
    assert rels == ["a/1.txt", "a/z/3.txt", "b/2.txt"]
    assert {f.size for f in tree.files} == {3}
    assert sorted(tree.dirs) == ["", "a", "a/z", "b"]


def test_walk_skips_version_control_folders_silently(tmp_path):
    touch(tmp_path, ".git/objects/pack.idx.x", "subj/2021-01-01/001/spikes.times.npy")
    tree = walk(tmp_path)
    assert [f.rel for f in tree.files] == ["subj/2021-01-01/001/spikes.times.npy"]
    assert tree.problems == []


def test_walk_reports_broken_symlinks_and_ends_symlink_loops(tmp_path):
    touch(tmp_path, "data/a.b.npy")
    os.symlink(tmp_path / "missing.npy", tmp_path / "data" / "broken.x.npy")
    os.symlink(tmp_path / "data", tmp_path / "data" / "loop")  # a folder linking to its parent
    tree = walk(tmp_path)
    kinds = {p.rel: p.kind for p in tree.problems}
    assert kinds["data/broken.x.npy"] == "broken-symlink"
    assert kinds["data/loop"] == "symlink-loop"
    assert [f.rel for f in tree.files] == ["data/a.b.npy"]


def test_walk_follows_a_symlinked_folder_once(tmp_path):
    touch(tmp_path, "real/x.y.npy")
    (tmp_path / "repo").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "repo" / "linked")
    tree = walk(tmp_path / "repo")
    assert [f.rel for f in tree.files] == ["linked/x.y.npy"]


def test_listing_through_a_folder_descriptor_or_a_path_walks_alike(tmp_path, monkeypatch):
    """Where os.scandir takes a descriptor (POSIX) entries are stat'ed by bare name; elsewhere
    (Windows) by path. Both ways must find the same files, folders and problems."""
    import alflint.walk as walk_module

    touch(tmp_path, "s/2021-01-01/001/alf/a.b.npy", "s/2021-01-01/001/c.d.npy", "real/x.y.npy")
    os.symlink(tmp_path / "missing.npy", tmp_path / "s" / "broken.x.npy")
    os.symlink(tmp_path / "s", tmp_path / "s" / "2021-01-01" / "loop")
    os.symlink(tmp_path / "real", tmp_path / "s" / "linked")
    os.mkfifo(tmp_path / "s" / "pipe.fifo")
    open_fds = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    ways = []
    for by_descriptor in (True, False):
        monkeypatch.setattr(walk_module, "_SCANDIR_FD", by_descriptor)
        ways.append(walk(tmp_path / "s"))
    by_fd, by_path = ways
    assert by_fd.files == by_path.files
    assert by_fd.dirs == by_path.dirs
    assert by_fd.problems == by_path.problems
    assert {p.kind for p in by_fd.problems} == {"broken-symlink", "symlink-loop", "special-file"}
    assert "linked/x.y.npy" in {f.rel for f in by_fd.files}
    assert "missing.npy" in next(p.message for p in by_fd.problems if p.kind == "broken-symlink")
    if open_fds is not None:  # every folder descriptor was closed
        assert len(os.listdir("/proc/self/fd")) == open_fds


@pytest.mark.parametrize("by_descriptor", [True, False])
def test_a_walk_asked_for_folder_times_notes_what_a_stat_of_each_folder_says(tmp_path, monkeypatch, by_descriptor):
    import alflint.walk as walk_module

    monkeypatch.setattr(walk_module, "_SCANDIR_FD", by_descriptor and walk_module._SCANDIR_FD)
    touch(tmp_path, "s/2021-01-01/001/alf/a.b.npy", "s/2021-01-01/001/c.d.npy", "t/x.y.npy")
    (tmp_path / "s" / "empty").mkdir()
    (tmp_path / "s" / ".git").mkdir()
    os.symlink(tmp_path / "t", tmp_path / "s" / "linked")
    for i, folder in enumerate(["", "2021-01-01", "2021-01-01/001", "2021-01-01/001/alf", "empty"]):
        os.utime(tmp_path / "s" / folder, ns=(0, (i + 1) * 10**9 + i))  # each its own time
    tree = walk(tmp_path / "s", folder_times=True)
    assert sorted(tree.folder_mtimes) == sorted(tree.dirs) == ["", "2021-01-01", "2021-01-01/001", "2021-01-01/001/alf", "empty", "linked"]
    for folder, mtime in tree.folder_mtimes.items():
        assert mtime == os.stat(tmp_path / "s" / folder).st_mtime_ns  # a linked folder: its target's time
    assert tree.folder_mtimes["2021-01-01/001"] == 3 * 10**9 + 2
    assert walk(tmp_path / "s").folder_mtimes == {}  # only when asked
    unit = walk(tmp_path / "s", start="2021-01-01/001", folder_times=True)
    assert sorted(unit.folder_mtimes) == ["2021-01-01/001", "2021-01-01/001/alf"]


@pytest.mark.skipif(os.scandir not in os.supports_fd, reason="heads are read only where folders are listed by descriptor")
def test_a_walk_that_reads_heads_finds_the_same_tree_and_the_first_bytes_of_chosen_files(tmp_path):
    """A content check's walk opens each .npy once, for its size, mtime and header: files,
    folders and problems must be exactly those of a plain walk. Only plain files are opened:
    never a FIFO or device (opening one can have effects) nor a link."""
    import numpy as np

    folder = tmp_path / "s" / "2021-01-01" / "001" / "alf"
    folder.mkdir(parents=True)
    np.save(folder / "spikes.times.npy", np.arange(1000.0))
    np.save(folder / "spikes.clusters.npy", np.zeros((10, 3), dtype=np.int16))
    (folder / "spikes.empty.npy").write_bytes(b"")
    (folder / "notes.txt").write_text("not read")
    (tmp_path / "real").mkdir()
    np.save(tmp_path / "real" / "x.y.npy", np.ones(3))
    os.symlink(tmp_path / "real" / "x.y.npy", folder / "linked.times.npy")
    os.symlink(tmp_path / "gone.npy", folder / "broken.times.npy")
    os.mkfifo(folder / "pipe.times.npy")  # never opened by the walk: listed as a special file
    open_fds = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None

    plain = walk(tmp_path / "s")
    reading = walk(tmp_path / "s", read_heads=(".npy",))

    assert reading.files == plain.files  # sizes and mtimes from fstat equal those of stat
    assert reading.dirs == plain.dirs
    assert reading.problems == plain.problems
    assert {p.kind for p in plain.problems} == {"broken-symlink", "special-file"}
    assert plain.heads == {}
    regular_npy = {"spikes.times.npy", "spikes.clusters.npy", "spikes.empty.npy"}  # links and FIFOs: not opened
    assert set(reading.heads) == {f"2021-01-01/001/alf/{n}" for n in regular_npy}
    for rel, head in reading.heads.items():
        assert head == (tmp_path / "s" / rel).read_bytes()[:512]
    if open_fds is not None:
        assert len(os.listdir("/proc/self/fd")) == open_fds


def test_content_facts_come_from_the_header_the_walk_read_with_the_size(tmp_path):
    """Size and header are one snapshot of the file: a file rewritten between the walk and
    the rules (same size, another shape) is judged by what the walk saw, and the bytes
    are let go once read."""
    import numpy as np

    from alflint.facts import facts_reader

    path = tmp_path / "s" / "2021-01-01" / "001" / "alf" / "spikes.times.npy"
    path.parent.mkdir(parents=True)
    np.save(path, np.zeros(12))
    tree = walk(tmp_path, read_heads=(".npy",))
    np.save(path, np.zeros((3, 4)))  # the same number of bytes, another header
    (dataset,) = collect(tree).datasets
    assert dataset.head is not None or os.scandir not in os.supports_fd
    facts = facts_reader()(dataset)
    expected = (12,) if os.scandir in os.supports_fd else (3, 4)
    assert facts.error is None and facts.facts.shape == expected
    assert dataset.head is None


@pytest.mark.skipif(not hasattr(os, "fork") or os.geteuid() != 0, reason="needs root to become another user")
def test_files_another_user_cannot_read_are_problems_and_the_rest_are_files():
    """Walked as 'nobody' (a forked child drops root): the mode bits decide, and a file
    readable by owner, group and others takes the shortcut without changing the answer."""
    import json
    import shutil
    import tempfile

    import alflint.walk as walk_module

    modes = {"a.b.npy": 0o644, "c.d.npy": 0o444, "e.f.npy": 0o004, "g.h.npy": 0o640, "i.j.npy": 0o600, "k.l.npy": 0o040}
    base = Path(tempfile.mkdtemp(dir="/tmp"))  # pytest's own folders are closed to other users
    os.chmod(base, 0o755)
    try:
        for name, mode in modes.items():
            touch(base, name)
            os.chmod(os.path.join(base, name), mode)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            try:
                os.close(read_end)
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
                walk_module._EUID, walk_module._GROUPS = 65534, frozenset({65534})
                found = []
                for heads in ((), (".npy",)):  # also when the walk opens files to read their first bytes
                    tree = walk(base, read_heads=heads)
                    found.append([[f.rel for f in tree.files], [[p.rel, p.kind] for p in tree.problems], sorted(tree.heads)])
                os.write(write_end, json.dumps(found).encode())
            finally:
                os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as fh:
            (files, problems, no_heads), (files2, problems2, heads) = json.loads(fh.read())
        os.waitpid(pid, 0)
    finally:
        shutil.rmtree(base)
    assert files == files2 == ["a.b.npy", "c.d.npy", "e.f.npy"]
    assert problems == problems2 == [["g.h.npy", "unreadable-file"], ["i.j.npy", "unreadable-file"], ["k.l.npy", "unreadable-file"]]
    assert no_heads == [] and heads == (files if os.scandir in os.supports_fd else [])


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_walk_reports_unreadable_folders(tmp_path):  # pragma: no cover - CI runs as root here
    touch(tmp_path, "locked/a.b.npy")
    (tmp_path / "locked").chmod(0)
    try:
        tree = walk(tmp_path)
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert [p.kind for p in tree.problems] == ["unreadable-folder"]


def test_walk_applies_the_exclude_matcher_to_files_and_folders(tmp_path):
    touch(tmp_path, "keep/a.b.npy", "skip/c.d.npy", "keep/e.f.tmp")
    tree = walk(tmp_path, exclude=lambda rel, is_dir: rel == "skip" or rel.endswith(".tmp"))
    assert [f.rel for f in tree.files] == ["keep/a.b.npy"]


def test_collect_finds_sessions_collections_revisions_and_objects(tmp_path):
    touch(
        tmp_path,
        "lab/Subjects/KS005/2019-04-01/001/alf/_ibl_trials.intervals.npy",
        "lab/Subjects/KS005/2019-04-01/001/alf/_ibl_trials.goCue_times.npy",
        "lab/Subjects/KS005/2019-04-01/001/alf/probe00/#2021-07-05#/spikes.times.npy",
        "subj/2021-06-01/001/probes.description.json",
        "README.md",
    )
    c = scan(tmp_path)
    assert [s.key for s in c.sessions] == ["lab/Subjects/KS005/2019-04-01/001", "subj/2021-06-01/001"]
    lab_session = c.sessions[0]
    assert (lab_session.lab, lab_session.subject, lab_session.date, lab_session.number) == ("lab", "KS005", "2019-04-01", "001")
    spikes = next(d for d in c.datasets if d.name == "spikes.times.npy")
    assert (spikes.collection, spikes.revision, spikes.rel_path) == ("alf/probe00", "2021-07-05", "alf/probe00/#2021-07-05#/spikes.times.npy")
    objects = {(o.collection, o.revision, o.namespace, o.name): len(o.datasets) for o in c.objects}
    assert objects == {("alf", "", "ibl", "trials"): 2, ("alf/probe00", "2021-07-05", None, "spikes"): 1, ("", "", None, "probes"): 1}
    assert [d.rel for d in c.outside] == ["README.md"]
    # each session holds its own objects: the collection's, split by session, in file order
    assert [[(o.collection, o.name) for o in s.objects] for s in c.sessions] == [
        [("alf", "trials"), ("alf/probe00", "spikes")], [("", "probes")]]
    assert sum((s.objects for s in c.sessions), []) == sorted(c.objects, key=lambda o: o.session.key)


def test_collect_keeps_sessions_without_files_and_counts_nested_sessions(tmp_path):
    (tmp_path / "subj" / "2021-01-01" / "002").mkdir(parents=True)
    touch(tmp_path, "subj/2021-01-01/001/raw/sub2/2021-01-02/001/x.y.npy")
    c = scan(tmp_path)
    assert [s.key for s in c.sessions] == ["subj/2021-01-01/001", "subj/2021-01-01/002"]
    assert [s.key for s in c.nested] == ["subj/2021-01-01/001/raw/sub2/2021-01-02/001"]
    assert c.nested[0].nested_in is c.sessions[0]
    inner = c.datasets[0]
    assert inner.session is c.sessions[0] and inner.collection == "raw/sub2/2021-01-02/001"


def test_collect_parses_each_file_once_and_marks_invalid_ones(tmp_path):
    touch(tmp_path, "subj/2021-01-01/001/my alf/obj.attr.npy", "subj/2021-01-01/001/alf/bad-name.attr.npy")
    c = scan(tmp_path)
    folder_bad = next(d for d in c.datasets if "my alf" in d.rel)
    assert folder_bad.parts is not None and folder_bad.folder_reasons and not folder_bad.is_alf
    name_bad = next(d for d in c.datasets if "bad-name" in d.rel)
    assert name_bad.parts is None and not name_bad.is_alf
    assert c.objects == [] and c.sessions[0].objects == []


def test_root_cache_tables_are_not_data(tmp_path):
    touch(tmp_path, *TABLE_FILES, "subj/2021-01-01/001/a.b.npy")
    assert [d.rel for d in scan(tmp_path).datasets] == ["subj/2021-01-01/001/a.b.npy"]


def test_checking_inside_a_session_keeps_the_session(tmp_path):
    touch(tmp_path, "lab/Subjects/s1/2021-01-01/001/alf/a.b.npy")
    c = collect(walk(tmp_path / "lab" / "Subjects" / "s1" / "2021-01-01" / "001" / "alf"))
    (d,) = c.datasets
    assert d.session.key == "lab/Subjects/s1/2021-01-01/001"
    assert (d.rel, d.rel_path, d.collection) == ("a.b.npy", "alf/a.b.npy", "alf")


def test_dataset_key_is_the_load_object_key(tmp_path):
    touch(tmp_path, "s/2021-01-01/001/_ibl_obj.attr_bpod.part1.npy", "s/2021-01-01/001/imec0.timestamps.npy")
    keys = sorted(d.key for d in scan(tmp_path).datasets)
    assert keys == ["attr_bpod.part1", "timestamps"]


def test_a_broken_symlink_inside_a_session_is_reported_under_that_session(tmp_path):
    import alflint

    folder = tmp_path / "s" / "2021-01-01" / "001" / "alf"
    folder.mkdir(parents=True)
    os.symlink(tmp_path / "gone.npy", folder / "spikes.times.npy")
    (issue,) = alflint.check(tmp_path).issues
    assert (issue.code, issue.session, issue.path) == ("ALF111", "s/2021-01-01/001", "s/2021-01-01/001/alf/spikes.times.npy")


def test_a_released_collection_is_freed_without_the_cycle_collector(tmp_path):
    """Sessions, objects and datasets point at each other; a worker releases each checked
    collection so reference counting frees it (the cycle collector never has to)."""
    import gc

    from alflint.collect import Session

    touch(tmp_path, "subj/2021-01-01/001/alf/spikes.times.npy", "subj/2021-01-01/001/alf/spikes.amps.npy",
          "subj/2021-01-01/001/sub/2021-01-02/001/x.y.npy")

    def alive() -> int:
        return sum(1 for o in gc.get_objects() if type(o) is Session and o.abs_path.startswith(str(tmp_path)))

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        kept = scan(tmp_path)
        assert kept.nested and kept.objects
        del kept
        assert alive() == 1  # the session, held by its cycles with its datasets and objects
        gc.collect()
        released = scan(tmp_path)
        released.release()
        del released
        assert alive() == 0
    finally:
        if was_enabled:
            gc.enable()


def test_a_session_path_is_parsed_once_however_often_its_reasons_are_asked(tmp_path):
    """Session rules, the rows and index --update all ask; one of them asked per file."""
    for rel in ("subj/2021-06-01/001/alf/spikes.times.npy", "Subj!/2021-13-01/1/a.b.npy"):
        (tmp_path / rel).parent.mkdir(parents=True)
        (tmp_path / rel).write_bytes(b"")
    good, bad = sorted(scan(tmp_path).sessions, key=lambda s: s.subject != "subj")
    assert good.reasons == [] and good.reasons is good.reasons
    assert bad.reasons and bad.reasons is bad.reasons
    assert {r.part for r in bad.reasons} >= {"subject", "date"}
