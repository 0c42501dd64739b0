"""Index a repository: check it, then write ONE's cache tables from what the check collected.

The tree is walked once: the same collection feeds the rules and the tables. With errors
nothing is written (``IndexRefused`` carries the report); with ``force`` the tables hold the
valid datasets only and the result lists what was left out.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from .collect import Collection, misplaced_root
from .exceptions import ALFInvalid
from .freshness import date_to_check_start
from .model import Report
from .sessionrows import DATASETS_FILE, SESSIONS_FILE

if TYPE_CHECKING:
    from .unchanged import PreviousFiles

__all__ = ["index", "IndexResult", "IndexRefused", "build_rows", "rows_from_records", "kept_sessions", "index_command"]


class IndexRefused(ALFInvalid):
    """The check found errors, so no table was written; ``.report`` holds them."""


@dataclass
class IndexResult:
    sessions_path: Path
    datasets_path: Path
    report: Report
    left_out: list[str] = field(default_factory=list)  #: paths (relative to root) not indexed
    sessions: int = 0
    datasets: int = 0
    #: False when ``--update`` found the tables already written from the same rows and
    #: options, and left them untouched (see :mod:`alflint.stamp`)
    written: bool = True


def build_rows(collection: Collection, report: Report) -> tuple[list, list, list[str]]:
    """Session and dataset rows of the valid part of ``collection``, and what was left out
    (see :func:`rows_from_records`)."""
    from .partition import records_of

    return rows_from_records(records_of(collection), report)


def rows_from_records(records: list[tuple], report: Report) -> tuple[list, list, list[str]]:
    """Session and dataset rows from compact session records, and what was left out.

    A dataset is left out when it is not valid ALF or an error was reported about it (or
    about its object or session); a session with a session-level error is left out whole.
    ``records`` is emptied on the way (a million of them must not outlive their rows).
    """
    sessions, packs, left_out = kept_sessions(records, report)
    return sessions, _rows_of_packs(sessions, packs), left_out


def _rows_of_packs(sessions: list, packs: list[tuple[str, tuple]]) -> list:
    """Dataset rows (no hash) of the packed sessions :func:`kept_sessions` gives (``packs``
    in the order of ``sessions``)."""
    from .sessionrows import unpack
    from .tables import DatasetRow

    return [DatasetRow(s.path, r.rel_path, r.size, None, r.mtime_ns) for s, (_, packed) in zip(sessions, packs) for r in unpack(packed)]


def kept_sessions(records: list[tuple], report: Report) -> tuple[list, list[tuple[str, tuple]], list[str]]:
    """The sessions to index, their packed rows ``(eid, packed)`` in eid order (as
    :func:`alflint.tables.build_indexed_tables` takes them; ``packs[i]`` is ``sessions[i]``'s)
    and the sorted paths left out.

    Rows that are not valid ALF or that an error names (the file or its object) are taken
    out of their session, which is then packed again (its ``default_revision`` flags are
    recomputed without them); sessions without such rows are passed on untouched.
    ``records`` is emptied (a million-file index must not hold them twice)."""
    from .sessionrows import SessionRow, pack_rows, unpack

    errors = report.errors
    bad_paths = {i.path for i in errors}
    bad_sessions = {i.session for i in errors if i.session is not None and i.path == i.session}
    bad_folders = {p.rpartition("/")[0] for p in bad_paths}
    keys = {r[0] for r in records}
    touched = {i.session for i in errors if i.session is not None}  # sessions an error names a path in
    for path in (i.path for i in errors if i.session is None):
        parts = path.split("/")
        touched.update(k for k in ("/".join(parts[:end]) for end in range(1, len(parts))) if k in keys)
    records.sort(key=lambda r: r[6])  # by eid
    sessions, packs, left_out = [], [], []
    for key, lab, subject, date, number, indexable, eid, packed in records:
        if not indexable or key in bad_sessions:
            left_out.append(key + "/")
            continue
        sessions.append(SessionRow(key, lab, subject, date, number))
        if packed[6] is not None or key in touched:
            kept = []
            for row in unpack(packed):
                rel = f"{key}/{row.rel_path}"
                if not row.is_alf or (rel.rpartition("/")[0] in bad_folders and (rel in bad_paths or _object_path(rel) in bad_paths)):
                    left_out.append(rel)
                else:
                    kept.append(row)
            packed = pack_rows(kept)
        packs.append((eid, packed))
    records.clear()
    left_out.sort()
    return sessions, packs, left_out


def _object_path(rel: str) -> str:
    """The report path of the object a dataset belongs to (``folder/_ns_object.*``)."""
    from .spec import try_parse_filename

    folder, _, name = rel.rpartition("/")
    p = try_parse_filename(name)
    if p is None:
        return ""
    ns = f"_{p.namespace}_" if p.namespace else ""
    return f"{folder}/{ns}{p.object}.*" if folder else f"{ns}{p.object}.*"


def index(
    root: str | os.PathLike,
    out_dir: str | os.PathLike | None = None,
    *,
    hash_files: bool = False,
    force: bool = False,
    lab: str | None = None,
    update: bool = False,
    config: str | os.PathLike | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    extend_select: Sequence[str] | None = None,
    jobs: int | None = None,
    cache: bool = True,
    content: bool | None = None,
) -> tuple[Path, Path]:
    """Check ``root`` and write ``sessions.pqt`` and ``datasets.pqt`` (into ``out_dir`` or root).

    Returns the two paths. Raises :class:`IndexRefused` (an ``ALFInvalid`` with ``.report``)
    when errors were found and ``force`` is false; nothing is written then. ``jobs``
    worker processes check a large tree (default: all cores). ``update`` re-checks only what
    changed since the previous tables (with ``cache``, by session folder through the result
    cache of :mod:`alflint.cache`), and leaves the tables untouched when they already hold
    exactly what it would write (see :mod:`alflint.stamp`). ``content=False`` runs the path
    rules only (names, folders, sessions), for a tree whose contents a CI check already
    vouched for.
    """
    result = run_index(root, out_dir, hash_files=hash_files, force=force, lab=lab, update=update, config=config, select=select,
                       ignore=ignore, extend_select=extend_select, jobs=jobs, cache=cache, content=content)
    return result.sessions_path, result.datasets_path


def run_index(root, out_dir=None, *, timing: bool = False, **options) -> IndexResult:
    """:func:`index`, returning the whole :class:`IndexResult`. ``checked`` is the
    ``(report, records)`` of a check of ``root`` just run (``alflint check --index``): the
    tree is then not walked and checked a second time. With ``timing`` the report's
    ``timing`` says where the time went, the tables' building and writing included (added
    to the timings of a ``checked`` check that was timed); so does the report of an
    :class:`IndexRefused`."""
    from . import timing as timings_of

    started = time.perf_counter()
    checked = options.get("checked")

    def settle(report: Report) -> None:
        if timings is not None:
            own = timings.result(time.perf_counter() - started)
            before = checked[0].timing if checked is not None else None  # the check's, when it was timed
            report.timing = own if before is None else timings_of.combine(before, own)

    with timings_of.recording(timing) as timings:
        try:
            result = _run_index(root, out_dir, timing=timing, **options)
        except IndexRefused as exc:  # the runs that found errors are timed too
            settle(exc.report)
            raise
    settle(result.report)
    return result


def _run_index(root, out_dir=None, *, hash_files=False, force=False, lab=None, update=False, config=None, select=None,
               ignore=None, extend_select=None, jobs=None, cache=True, content=None, checked=None, timing=False) -> IndexResult:
    from . import stamp
    from .timing import phase
    from .engine import Engine

    jobs = jobs if jobs is not None else (os.cpu_count() or 1)

    given = os.fspath(root)
    root = os.path.abspath(given)
    if not given or not os.path.isdir(root):  # '' would be the current folder
        raise FileNotFoundError(f"not a folder: {given!r}" if os.path.exists(root) and given else f"no such folder: {given!r}")
    out = os.path.abspath(os.fspath(out_dir)) if out_dir is not None else root
    if not os.path.isdir(out):
        raise FileNotFoundError(f"output folder does not exist: {out}")
    previous: dict = {}
    walked: dict[str, int] = {}  # each session's newest folder time, as the walks noted it (an --update that may vouch)
    targets = (os.path.join(out, SESSIONS_FILE), os.path.join(out, DATASETS_FILE))
    started_ns = time.time_ns()  # what the tables can vouch for: the tree as the check began to see it
    _refuse_misplaced(root, ())  # a root inside a session is known from its path: before any check
    if lab is not None:
        from .spec import check_lab

        check_lab(lab)  # as the tables would, but before the check, not after it
    if checked is not None:
        report, records = checked
        started_ns -= int(report.duration * 1e9)
    else:
        engine = Engine.create(root, config=config, select=select, ignore=ignore, extend_select=extend_select, content=content)
        engine.timing = timing
        # tables as the last --update left them are likely up to date: pyarrow is then never needed
        preload = not (update and cache and not hash_files and stamp.untouched(root, targets))
        report, records, previous = _check_for_index(engine, root, out, hash_files=hash_files, update=update, jobs=jobs, cache=cache,
                                                     preload=preload, folder_times=walked if update and cache else None)
    _refuse_misplaced(root, ((r[0], r[1]) for r in records))  # a root below a lab or subject folder
    if (report.errors or report.internal_errors) and not force:
        raise IndexRefused("errors found; no table written (use --force to index the valid datasets only)", report=report)

    # the rows were made and packed per session by the workers that checked them: the
    # parent joins them into columns without touching a row (alflint.sessionrows)
    originals = {r[0]: r[7] for r in records} if walked else {}  # to tell the sessions kept_sessions filters
    sessions, packs, left_out = kept_sessions(records, report)  # empties records
    del records
    digest = None
    if update and cache:
        from .sessionrows import newest_mtime

        with phase("tables: up to date?"):
            digest = stamp.inputs_digest(sessions, packs, lab=lab, origin=root, store_mtime=True, hashed=hash_files)
            fresh = stamp.up_to_date(root, targets, digest, newest_mtime(packs) if hash_files else None)
        if fresh:
            with phase("tables: vouch"):
                stamp.vouch(root, targets, _newest_described_ns(root, sessions, packs, walked, originals), started_ns)
            return IndexResult(Path(targets[0]), Path(targets[1]), report, left_out, len(sessions),
                               sum(packed[0] for _, packed in packs), written=False)
    with phase("tables: import"):
        from . import tables
    if hash_files:
        datasets = _rows_of_packs(sessions, packs)
        eids = {s.path: eid for s, (eid, _) in zip(sessions, packs)}  # made by the workers
        del packs
        known = {}
        for d in datasets:
            row = previous.get((eids[d.session], d.rel_path))
            if row is not None and row.hash and (row.file_size, row.mtime_ns) == (d.file_size, d.mtime_ns):
                known[d] = row.hash
        todo = [d for d in datasets if d not in known]
        with phase("tables: md5", len(todo)):
            known.update(zip(todo, tables.md5_files([os.path.join(root, d.session, d.rel_path) for d in todo])))
        hashed = _drain([d._replace(hash=known[d]) for d in datasets])
        del datasets, known, todo
        with phase("tables: build"):
            built = tables.build_tables(sessions, hashed, lab=lab, origin=root, store_mtime=True)
    else:
        with phase("tables: build"):
            built = tables.build_indexed_tables(sessions, packs, lab=lab, origin=root, store_mtime=update)
        del packs
    written_ns = time.time_ns()
    with phase("tables: write"):
        paths = tables.write_tables(out, *built)
    date_to_check_start(paths, started_ns)
    if digest is not None:
        stamp.remember(root, targets, digest, written_ns)
    return IndexResult(paths[0], paths[1], report, left_out, len(sessions), built[1].num_rows)


def _newest_described_ns(root: str, sessions: list, packs: list, walked: dict[str, int], originals: dict[str, object]) -> int:
    """:func:`alflint.freshness.newest_folder_mtime_ns` of the folders the tables describe
    (:func:`alflint.sessionrows.described_folders`), each session's part taken from
    ``walked`` (:attr:`alflint.partition.Share.folder_times`: the same, computed by the
    workers from the times their walks noted), since a ``stat`` of every folder after the
    check cost a fifth of an ``--update`` that changed nothing. A session whose rows
    ``kept_sessions`` filtered (``packs`` no longer holds its ``originals``), or that the
    walks did not time, is asked of the disk."""
    from .freshness import newest_folder_mtime_ns
    from .sessionrows import described_folders

    newest, rest = 0, []
    for session, pair in zip(sessions, packs):
        at = walked.get(session.path)
        if at is not None and pair[1] is originals.get(session.path):
            newest = max(newest, at)
        else:
            rest.append((session, pair))
    asked = described_folders(root, [s for s, _ in rest], [p for _, p in rest])
    return max(newest, newest_folder_mtime_ns(root, asked))


def _refuse_misplaced(root: str, sessions) -> None:
    """Raise when ``root`` is not the top of the session folders (:func:`misplaced_root`):
    not even ``--force`` writes tables that could load nothing."""
    misplaced = misplaced_root(root, sessions)
    if misplaced is not None:
        raise ALFInvalid(f"{root} lies within the folders of session {misplaced[0]!r}: ONE finds each session at "
                         "<root>/(lab/Subjects/)subject/date/number, so tables written for this folder would point at "
                         f"files that are not there; index {misplaced[1]} instead")


def _check_for_index(engine, root: str, out: str, *, hash_files: bool, update: bool, jobs: int, cache: bool,
                     preload: bool = True, folder_times: dict | None = None) -> tuple[Report, list, dict]:
    """Check ``root`` for indexing: ``(report, row records, previous rows by (eid, rel_path))``.

    --update trusts unchanged files: from the result cache when an earlier run filled it (one
    walk, session folders compared by fingerprint), else file by file from the previous
    tables (see :mod:`alflint.unchanged`), in parallel as any check. A tree of too few
    sessions for a split check has no result cache and always compares with the tables, as
    does --no-cache. A bigger tree whose cache is cold (a first --update, a CI runner, a
    cleared cache) is checked whole, filling the cache for the next run. The previous tables
    are read only when they are needed (hashes to keep, or compared). With ``preload``
    the tables' imports run while the workers check (see :func:`preload_tables`).
    ``folder_times`` is filled as :meth:`~alflint.engine.Engine.check_records` fills it.
    """
    from .cache import is_warm
    from .partition import MIN_UNITS

    meanwhile = functools.partial(preload_tables, hashed=hash_files, mtime=update or hash_files) if preload else None
    compare = update and (not cache or (not is_warm(root) and _sessions_in_tables(out) < MIN_UNITS))
    previous = _previous_rows(out) if update and hash_files else {}
    known = None
    if compare:  # not before: alflint.unchanged imports numpy, which the warm path imports while the workers run
        from .unchanged import PreviousFiles

        known = _previous_files(out) if not hash_files else PreviousFiles.from_states(previous) if previous else None
    if known is not None and len(known):
        report, records = engine.check_records(root, jobs=jobs, meanwhile=meanwhile, previous=known)
    else:
        report, records = engine.check_records(root, jobs=jobs, cache=update and cache, meanwhile=meanwhile, folder_times=folder_times)
    return report, records, previous


def _sessions_in_tables(out: str) -> int:
    """Rows of the sessions table in ``out``, 0 without a readable one: the footer, read as
    the content rules read every ``.pqt`` (no pyarrow needed)."""
    from .content import ContentError, parquet_facts

    try:
        return parquet_facts(os.path.join(out, SESSIONS_FILE)).rows or 0
    except ContentError:
        return 0


def preload_tables(hashed: bool = False, mtime: bool = False) -> None:
    """Import pyarrow (through :mod:`alflint.tables`) and learn the pandas metadata of the
    tables to write (``hashed``, ``mtime``: their optional columns). Passed as ``meanwhile``
    to :meth:`~alflint.engine.Engine.check_records`, it runs while the workers check, since
    the parent waits for them anyway and the tables need it right after (the first index
    on a machine imports pandas for the metadata, 0.9 s, then no more)."""
    from . import tables

    tables.schema_metadata_ready(hashed=hashed, mtime=mtime)


def _drain(items: list) -> Iterator:
    """Yield the items of a list in order, removing each from the list."""
    items.reverse()
    pop = items.pop
    while items:
        yield pop()


def _previous_rows(out: str) -> dict[tuple[str, str], object]:
    """Size, mtime and hash of each file of the tables in ``out`` whose mtime can be
    trusted, by (eid, rel_path) (see :func:`alflint.tables.previous_file_states`); empty
    when there are no readable tables."""
    from .tables import previous_file_states

    return _unless_unreadable(previous_file_states, out, {})


def _previous_files(out: str) -> PreviousFiles | None:
    """The files of the tables in ``out`` to compare with (:mod:`alflint.unchanged`), None
    when there are no readable tables."""
    from .unchanged import PreviousFiles

    return _unless_unreadable(PreviousFiles.read, out, None)


def _unless_unreadable(read, out: str, default):
    """``read(out)``, or ``default`` when the tables are missing or unreadable: --update
    then checks everything instead of stopping."""
    import pyarrow as pa

    try:
        return read(out)
    except (OSError, ValueError, pa.ArrowException):
        return default


def index_command(root: str, args: argparse.Namespace, checked: tuple | None = None) -> int:
    """The ``alflint index`` / ``alflint check --index`` command; returns the exit status.
    ``checked``: the ``(report, records)`` of the check ``check --index`` just ran."""
    from .reporters import render, use_color
    from .reporters._common import plural

    try:
        result = run_index(
            root,
            getattr(args, "out", None),
            hash_files=getattr(args, "hash", False),
            force=getattr(args, "force", False),
            lab=getattr(args, "lab", None),
            update=getattr(args, "update", False),
            config=getattr(args, "config", None),
            select=getattr(args, "select", None),
            ignore=getattr(args, "ignore", None),
            extend_select=getattr(args, "extend_select", None),
            jobs=getattr(args, "jobs", None),
            cache=getattr(args, "cache", True),
            content=False if getattr(args, "no_content", False) else None,
            checked=checked,
            timing=getattr(args, "timing", False),
        )
    except IndexRefused as exc:
        if checked is None:  # `check --index` has printed (or written to -o) the report already
            fmt = getattr(args, "format", "text")
            sys.stdout.write(render(exc.report, fmt, color=fmt == "text" and use_color(sys.stdout)) + "\n")
        sys.stderr.write(f"alflint: {exc.args[0]}\n")
        _print_timing(exc.report)
        if exc.report.internal_errors:
            return 2  # as check: a crash makes the result incomplete
        return 0 if getattr(args, "exit_zero", False) else 1
    except ValueError as exc:  # e.g. a --lab that conflicts with a lab folder
        sys.stderr.write(f"alflint: error: {exc}\n")
        return 2
    _print_timing(result.report)
    if not getattr(args, "quiet", False):
        if result.left_out:
            print(f"Left out {len(result.left_out)} path(s) with errors or invalid names:")
            for p in result.left_out:
                print(f"  {p}")
        if result.written:
            print(f"Wrote {result.sessions_path} ({plural(result.sessions, 'session')}) and {result.datasets_path} ({plural(result.datasets, 'dataset')}).")
        else:
            print(f"Up to date: {result.sessions_path} ({plural(result.sessions, 'session')}) and {result.datasets_path} ({plural(result.datasets, 'dataset')}) "
                  "already hold this index; nothing written.")
    return 0


def _print_timing(report: Report) -> None:
    if report.timing is not None:
        from .timing import render

        sys.stderr.write(render(report.timing))
