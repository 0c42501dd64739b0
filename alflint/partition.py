"""Check a large tree in worker processes, a share of its session folders each.

A session folder is a unit of independence: its files, objects and session rules need
nothing outside it. So the parent walks only the folders above the sessions (few) and the
files outside them, and hands the session folders to forked workers. Each worker walks,
collects and checks its share and sends back only what the report needs (issues, counts,
session keys) and, when indexing, compact row records with their ids made. Nothing big crosses a process
boundary and no worker touches memory another built, so both cores do useful work from
the first ``stat`` to the last rule.

Repository rules run in every worker on its share and in the parent on the rest; the
results are merged and duplicates (a finding that does not depend on the share) dropped.
"""

from __future__ import annotations

import os
import time
from collections import ChainMap
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ._interrupts import abortable, forked_pool, interrupts_deferred
from .collect import _DATE_SHAPE, _DIGITS, Collection, _find_session, collect
from .freshness import newest_folder_mtime_ns
from . import timing
from .ids import canonical_session_path, eid_of
from .model import Issue
from .sessionrows import SessionRow, described_folders, pack
from .walk import Exclude, Walk, walk

__all__ = ["Share", "is_session_folder", "split_run", "records_of", "indexed_eid", "guided_chunks", "MIN_UNITS"]

#: Fewer session folders than this are checked in one process (forking costs more).
MIN_UNITS = 48

#: Files whose first bytes the walk of a content check reads (:data:`alflint.walk.HEAD_BYTES`):
#: ``.npy`` headers are most of a repository's reads; other formats are read whole or from the end.
NPY_HEADS = (".npy",)


def is_session_folder(parent_name: str, name: str) -> bool:
    """A ``number`` folder inside a ``date`` folder: where a session starts."""
    return _DIGITS.match(name) is not None and _DATE_SHAPE.match(parent_name) is not None


def records_of(collection: Collection) -> list[tuple]:
    """Compact per-session records of ``collection`` for building table rows (a million
    files must fit in memory and cross from the workers quickly):
    ``(key, lab, subject, date, number, indexable, eid, packed)``, ``packed`` the session's
    files with their ids made and sorted (see :mod:`alflint.sessionrows`), so the workers of
    a split run build the rows and the parent only joins them. A file's path below the root
    is ``key/rel_path``. Sessions that cannot be indexed (nested, invalid folders, enclosing
    the root) have eid ``''`` and no rows."""
    out = []
    for s in collection.sessions:
        eid = indexed_eid(s)
        if eid:
            ds = s.datasets
            packed = pack(eid, [d.rel_path for d in ds], [d.size for d in ds], [d.mtime_ns for d in ds],
                          [d.is_alf for d in ds])
        else:
            packed = None
        out.append((s.key, s.lab, s.subject, s.date, s.number, bool(eid), eid, packed))
    return out


def indexed_eid(session: Any) -> str:
    """The eid of a session as the tables hold it, ``''`` for a session they leave out
    (nested in another, invalid folders, or enclosing the root)."""
    if session.nested_in is not None or session.reasons or os.path.isabs(session.key):
        return ""
    return eid_of(canonical_session_path(session.lab, session.subject, session.date, session.number))


def guided_chunks(units: list[str], workers: int, smallest: int = 8) -> list[list[str]]:
    """``units`` cut into chunks that shrink as the work runs out (guided scheduling).

    Workers take chunks in order as they finish one. Equal chunks leave one worker idle
    while another finishes its last one, up to a whole chunk's time; here no chunk is more
    than an eighth of a worker's share, or half of what remains for it, so the last ones
    are ``smallest`` units and the workers end together. (Larger first chunks were slower
    per unit: a worker's heap grows with its chunk.)
    """
    chunks, at, n = [], 0, len(units)
    largest = max(smallest, -(-n // (8 * workers)))
    while at < n:
        size = max(smallest, min(largest, -(-(n - at) // (2 * workers))))
        chunks.append(units[at:at + size])
        at += size
    return chunks


@dataclass
class Share:
    """What one process found: the merged result of a split run."""

    issues: list[Issue] = field(default_factory=list)
    crashes: int = 0
    files: int = 0
    sessions: list[str] = field(default_factory=list)
    records: list[tuple] = field(default_factory=list)
    #: with ``folder_times``: for each indexable session, the newest modification time of the
    #: folders its rows describe and of those above it (:func:`session_folder_times`)
    folder_times: dict[str, int] = field(default_factory=dict)
    timings: Any = None  #: a forked worker's timings (alflint.timing), when the check is timed

    def add(self, other: "Share") -> None:
        self.issues += other.issues
        self.crashes += other.crashes
        self.files += other.files
        self.sessions += other.sessions
        self.records += other.records
        self.folder_times.update(other.folder_times)
        if other.timings is not None:
            timing.current().merge(other.timings)  # type: ignore[union-attr]


_FORKED: Any = None


def split_run(engine: Any, root: str, exclude: Exclude | None, *, jobs: int, progress: Callable[[int], Any] | None = None, records: bool = False, cache: bool = False,
              meanwhile: Callable[[], Any] | None = None, previous: Any = None, folder_times: bool = False) -> Share | Collection:
    """Check ``root`` split by session folders, over ``jobs`` forked workers when ``jobs > 1``.

    Returns a :class:`Share`, or, when the tree is too small to split (or the root lies
    inside a session), the whole tree's :class:`Collection` for an ordinary run: the walk
    done to find the sessions is never repeated. With ``cache``, session folders whose
    files did not change since the last run are not checked again (see :mod:`alflint.cache`).
    ``meanwhile`` runs in the parent once the workers exist (the index imports pyarrow then).
    With ``previous`` (:class:`alflint.unchanged.PreviousFiles`, not with ``cache``), each
    process checks only the files of its share that changed since the previous tables, and
    reports only what they touch; the workers inherit ``previous`` by fork. With
    ``folder_times`` (and ``records``), the walks note the time of every folder, and each
    process reduces them to :attr:`Share.folder_times` (the index vouches with them,
    :func:`alflint.stamp.vouch`).
    """
    if cache and previous is not None:
        raise ValueError("a check of changed files only must not fill the result cache")
    root = os.path.abspath(root)
    inside_session = _find_session(root.rstrip("/").split("/"), 1) is not None
    with timing.phase("walk"):
        top = walk(root, exclude, split=None if inside_session else is_session_folder, folder_times=folder_times)
    if len(top.units) < MIN_UNITS:
        with timing.phase("walk", len(top.units)):
            for unit in top.units:
                _merge(top, walk(root, exclude, start=unit, visited=top.visited))
        top.units = []
        with timing.phase("collect"):
            return collect(top)
    key = None
    if cache:
        from .cache import SHARDS, engine_key, mark_used, shard_of

        mark_used(root)
        key = (engine_key(engine), time.time_ns())
        chunks: list[list[str]] = [[] for _ in range(SHARDS)]
        for unit in top.units:
            chunks[shard_of(unit)].append(unit)
        work = [(i, c) for i, c in enumerate(chunks) if c]
    else:
        work = list(enumerate(guided_chunks(top.units, max(1, min(jobs, max_workers())))))  # cut for the workers that run
    bar = progress(len(top.units)) if progress is not None else None
    total = Share()
    global _FORKED
    # the workers' sessions climb to the root through folders the top walk timed
    _FORKED = (engine, root, exclude, work, records, key, top.visited, previous, top.folder_mtimes if folder_times and records else None)
    workers = min(jobs, len(work), max_workers())  # every worker is forked at once: no idle ones
    try:
        if workers < 2 or not _can_fork():
            total.add(_check_walk(engine, top, records, previous))
            for i in range(len(work)):
                total.add(_run_chunk(i))
                if bar is not None:
                    bar(len(work[i][1]))
        else:
            with forked_pool(workers) as pool:
                with interrupts_deferred():  # not within the pool's locks
                    futures = [pool.submit(_run_chunk, i) for i in range(len(work))]  # forks every worker now
                total.add(_check_walk(engine, top, records, previous))  # the parent checks the rest meanwhile
                if meanwhile is not None:
                    meanwhile()
                for future, (_, chunk) in zip(futures, work):
                    total.add(future.result())
                    if bar is not None:
                        bar(len(chunk))
    finally:
        _FORKED = None
        if bar is not None:
            bar.close()
    if cache:
        from .cache import prune

        prune()  # at most once a day: results of repositories gone or long unchecked
    seen: set[Issue] = set()
    total.issues = [i for i in total.issues if not (i in seen or seen.add(i))]  # type: ignore[func-returns-value]
    return total


#: Worker processes per core at most, whatever ``jobs`` asks (more only help when the files
#: are on a slow network file system; each worker costs tens of megabytes).
MAX_JOBS_PER_CORE = 4


def max_workers() -> int:
    """The most worker processes a split run forks: :data:`MAX_JOBS_PER_CORE` per core."""
    return MAX_JOBS_PER_CORE * (os.cpu_count() or 1)


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _merge(into: Walk, part: Walk) -> None:
    into.files += part.files
    into.dirs += part.dirs
    into.problems += part.problems
    into.heads.update(part.heads)


@abortable
def _run_chunk(index: int) -> Share:
    """One chunk of session folders (in a worker, state inherited by fork), with its cache shard."""
    engine, root, exclude, work, records, key, visited, previous, folder_times = _FORKED
    timings = timing.worker_timings()
    shard, units = work[index]
    results = None
    if key is not None:
        from .cache import ResultCache

        results = ResultCache(root, key[0], shard, started_ns=key[1])
    share, fresh = _check_units(engine, root, exclude, units, records, results, visited, previous, folder_times)
    if results is not None:
        for unit, (digest, unit_share) in fresh.items():
            results.put(unit, digest, unit_share)
        results.save(set(units))
    share.timings = timings
    return share


def _check_units(engine: Any, root: str, exclude: Exclude | None, units: list[str], records: bool, results: Any, visited: set,
                 previous: Any = None, folder_times: dict[str, int] | None = None) -> tuple[Share, dict]:
    """Walk session folders, take unchanged ones from the cache, collect and check the rest.

    When every file's content will be read (no cached result stands for the folder, and not
    only changed files are checked), the walk reads the ``.npy`` headers itself: see
    :func:`alflint.walk.walk`'s ``read_heads``. With ``folder_times`` (the times of the
    folders above the session folders), the walks time every folder too, for
    :attr:`Share.folder_times`."""
    share, todo, stored, sizes, times = Share(), Walk(root=root), [], {}, {}
    walked: list[str] = []  # the units checked here (stored or not)
    heads = NPY_HEADS if previous is None and any(r.reads_content for r in engine.active) else ()
    for unit in units:
        with timing.phase("walk"):
            part = walk(root, exclude, start=unit, visited=visited, folder_times=folder_times is not None,
                        read_heads=heads if results is None or unit not in results.units else ())
        sizes[unit] = len(part.files)
        times.update(part.folder_mtimes)
        if results is not None:
            from .cache import fingerprint

            with timing.phase("result cache"):
                digest, newest = fingerprint(part)
                hit = results.get(unit, digest, records=records)
            if hit is not None:
                share.add(hit)
                timing.count("result cache: sessions reused")
                continue
            if results.trusted(newest):
                stored.append((unit, digest))
        _merge(todo, part)
        walked.append(unit)
    checked = _check_walk(engine, todo, records or results is not None, previous) if todo.dirs else None
    if checked is not None:
        share.add(checked if records else Share(checked.issues, checked.crashes, checked.files, checked.sessions))
    if folder_times is not None:  # every record is in the share now, from the cache or checked
        share.folder_times = session_folder_times(root, share.records, ChainMap(times, folder_times))
    fresh = {}
    if stored and checked is not None and not checked.crashes:  # a crashed rule's silence must not be remembered
        by_unit = _by_unit(checked, walked, stored[0][0])
        for u, digest in stored:
            by_unit[u].files = sizes[u]
            fresh[u] = (digest, by_unit[u])
    return share, fresh


def session_folder_times(root: str, records: list[tuple], known: Mapping[str, int]) -> dict[str, int]:
    """For each indexable session of ``records`` (:func:`records_of`), what
    :func:`alflint.freshness.newest_folder_mtime_ns` says of the folders its rows describe
    (:func:`alflint.sessionrows.described_folders`), from the ``known`` times of a walk."""
    out = {}
    for key, lab, subject, date, number, _, eid, packed in records:
        if eid:
            out[key] = newest_folder_mtime_ns(root, described_folders(root, (SessionRow(key, lab, subject, date, number),), ((eid, packed),)), known)
    return out


def _by_unit(share: Share, units: list[str], first: str) -> dict[str, Share]:
    """Split a share by the session folders ``units`` it checked; paths outside every one go
    to ``first``. Each unit's part holds only what is its own: a unit whose result is not
    stored (its files too recent to trust) must not have its findings and rows replayed
    from another's."""
    parts = {u: Share() for u in units}

    def owner(path: str) -> str:
        at = path.find("/")
        while at != -1:
            if path[:at] in parts:
                return path[:at]
            at = path.find("/", at + 1)
        return path if path in parts else first

    for issue in share.issues:
        parts[owner(issue.path)].issues.append(issue)
    for record in share.records:
        parts[owner(record[0])].records.append(record)
    for key in share.sessions:
        parts[owner(key)].sessions.append(key)
    return parts


def _check_walk(engine: Any, tree: Walk, records: bool, previous: Any = None) -> Share:
    with timing.phase("collect"):
        collection = collect(tree)
    tree.heads.clear()  # each dataset holds its own now, until its facts are read
    if previous is None:
        share = Share(issues=engine.run(collection), crashes=engine.crashes, files=len(collection.datasets))
    else:
        from .engine import _touched

        changed = previous.changed(collection)
        share = Share(issues=engine.run(collection, targets=_touched(collection, changed)), crashes=engine.crashes, files=len(changed))
    share.sessions = [s.key for s in collection.sessions]
    if records:
        with timing.phase("rows"):
            share.records = records_of(collection)
    collection.release()
    return share
