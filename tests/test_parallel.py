"""--jobs: a parallel check finds the same issues, in the same order, as a serial one."""

from __future__ import annotations

import os

import alflint
from alflint.engine import PARALLEL_MIN_FILES, Engine


def make_tree(root, sessions=60, files=40):
    for s in range(sessions):
        folder = root / f"subj{s % 7}" / f"2021-01-{1 + s // 7:02d}" / f"{s % 3 + 1:03d}" / "alf"
        folder.mkdir(parents=True, exist_ok=True)
        for f in range(files):
            name = f"obj{f % 5}.attr{f}.npy" if f % 9 else f"bad-name{f}.attr.npy"
            (folder / name).write_bytes(b"x")
    (root / "stray.file.npy").write_bytes(b"x")


def test_parallel_run_equals_serial_run(tmp_path):
    make_tree(tmp_path)
    engine = Engine.create(tmp_path)
    serial = engine.check_tree(tmp_path)[0]  # one walk, one collection: the reference
    parallel = engine.check(tmp_path, jobs=2)  # session folders split over two workers
    assert serial.files_checked >= PARALLEL_MIN_FILES  # really took the parallel path
    assert serial.issues, "the tree has defects the built-in rules report"
    assert parallel.issues == serial.issues
    assert parallel.sessions == serial.sessions


def test_check_api_accepts_jobs(tmp_path):
    make_tree(tmp_path, sessions=3, files=10)
    assert alflint.check(tmp_path, jobs=2).issues == alflint.check(tmp_path).issues


def test_meanwhile_runs_once_in_the_parent_while_the_workers_check(tmp_path):
    """check_records' ``meanwhile`` (the index imports pyarrow there) runs once, in the
    parent, and changes nothing the check finds."""

    make_tree(tmp_path)
    engine = Engine.create(tmp_path)
    calls = []
    report, records = engine.check_records(tmp_path, jobs=2, meanwhile=lambda: calls.append(os.getpid()))
    assert calls == [os.getpid()]
    plain, plain_records = engine.check_records(tmp_path, jobs=2)
    assert report.issues == plain.issues and sorted(records) == sorted(plain_records)


def test_guided_chunks_cover_every_folder_once_and_shrink_to_the_smallest():
    """Workers take chunks in order: every session folder once, in order, none larger than
    an eighth of a worker's share, sizes never growing, and the last ones small so the
    workers end together."""
    from alflint.partition import guided_chunks

    for n, workers in ((4062, 2), (50, 2), (1000, 4), (7, 2), (0, 2)):
        units = [f"u{i}" for i in range(n)]
        chunks = guided_chunks(units, workers)
        assert [u for c in chunks for u in c] == units
        sizes = [len(c) for c in chunks]
        assert all(a >= b for a, b in zip(sizes, sizes[1:])), sizes
        if n:
            assert max(sizes) <= max(8, -(-n // (8 * workers)))
            assert sizes[-1] <= 8
    assert len(guided_chunks([f"u{i}" for i in range(4062)], 2)) == 28


def test_jobs_beyond_the_work_or_the_cores_fork_no_more_workers(tmp_path):
    """Every worker is forked at once: ``--jobs 100000`` used to fork that many processes and
    exhaust the machine's memory. Workers are capped by the chunks of work and by 4 per core,
    and the issues are the same."""
    import multiprocessing

    from alflint.partition import MAX_JOBS_PER_CORE, guided_chunks

    make_tree(tmp_path)
    engine = Engine.create(tmp_path)
    seen = []
    report, _ = engine.check_records(tmp_path, jobs=64, meanwhile=lambda: seen.append(len(multiprocessing.active_children())))
    chunks = len(guided_chunks(list(range(60)), 64))
    assert 2 <= seen[0] <= min(chunks, MAX_JOBS_PER_CORE * (os.cpu_count() or 1)) < 64
    assert report.issues == engine.check(tmp_path, jobs=2).issues


def test_the_session_folders_are_cut_into_chunks_for_the_workers_that_run_not_for_jobs(tmp_path):
    """--jobs 64 on a machine that runs 4 workers per core: chunks cut for 64 workers would all
    be of the smallest size, many round trips; guided ones for the workers forked shrink only
    towards the end."""
    import alflint.partition as partition
    from alflint.partition import guided_chunks, max_workers

    for s in range(1000):
        folder = tmp_path / f"subj{s // 100}" / "2021-01-01" / f"{s % 100 + 1:03d}"
        folder.mkdir(parents=True)
        (folder / "obj.attr.npy").write_bytes(b"x")
    chunks = []
    Engine.create(tmp_path).check_records(tmp_path, jobs=64, meanwhile=lambda: chunks.append(len(partition._FORKED[3])))
    assert chunks == [len(guided_chunks(list(range(1000)), min(64, max_workers())))]
    if max_workers() < 64:
        assert chunks[0] < len(guided_chunks(list(range(1000)), 64))


def test_a_split_content_check_judges_npy_files_as_a_whole_tree_check_does(tmp_path):
    """Split runs read .npy headers during the walk (alflint.walk's read_heads); a whole-tree
    check reads them later, by path. Both must find the same content issues and rows."""
    import numpy as np

    from alflint.partition import records_of

    make_tree(tmp_path)
    folders = sorted(p for p in tmp_path.glob("*/*/*/alf"))
    for i, folder in enumerate(folders):
        np.save(folder / "trials.intervals.npy", np.zeros((20, 2)))
        np.save(folder / "trials.goCue_times.npy", np.zeros(20 if i % 4 else 19))  # ALF302 in a quarter
        np.save(folder / "wheel.position.npy", np.zeros(5, dtype=[("a", "<f8"), ("b", "<i4")]))  # not the fast path
        (folder / "wheel.timestamps.npy").write_bytes(np.lib.format.magic(1, 0) + b"\x10\x00{'descr': '<f8'")  # truncated
    engine = Engine.create(tmp_path)
    serial, collection = engine.check_tree(tmp_path)  # one walk that reads no heads
    assert serial.files_checked >= PARALLEL_MIN_FILES
    assert {"ALF302", "ALF501"} <= {i.code for i in serial.issues}
    for jobs in (1, 2):  # split: heads read by the walk, in the parent or in workers
        split, records = engine.check_records(tmp_path, jobs=jobs)
        assert split.issues == serial.issues
        assert sorted(records) == sorted(records_of(collection))


def test_the_headers_a_walk_read_are_let_go_once_the_check_read_them(tmp_path):
    """A worker's chunk holds every .npy header its walk read only until the rules read
    each (a dataset drops its head once its facts are read, see test_walk_collect): the
    walk must not keep a second reference to them all."""
    import numpy as np

    from alflint.partition import NPY_HEADS, _check_walk
    from alflint.walk import walk

    for s in range(3):
        folder = tmp_path / "subj" / "2021-01-01" / f"00{s + 1}" / "alf"
        folder.mkdir(parents=True)
        np.save(folder / "spikes.times.npy", np.zeros(5))
        np.save(folder / "spikes.amps.npy", np.zeros(5))
    tree = walk(tmp_path, read_heads=NPY_HEADS)
    assert len(tree.heads) == 6 or os.scandir not in os.supports_fd
    share = _check_walk(Engine.create(tmp_path), tree, records=False)
    assert share.files == 6
    assert tree.heads == {}
