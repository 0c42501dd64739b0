"""ALF2xx: rules about the folders between a session and its files (collections, revisions).

Folder problems are reported once per folder, at the folder's path, not once per file in
it. The rules run per session and look only at files whose folders have reasons (from
:func:`alflint.spec.split_collection`, computed once per folder by the collector) or a
revision, so valid sessions cost one attribute test per file.
"""

from __future__ import annotations

import datetime
import re

from alflint import spec
from alflint.rule import Finding, rule

from .filenames import is_hidden_folder


def _is_revision(segment: str) -> bool:
    """True when the grammar reads this folder as a revision folder ``#label#``."""
    return spec.split_collection(segment)[1] is not None


def _folder_segments(dataset):
    """``(segment, folder path relative to the root, collection up to it)`` for the folders below the session.

    When the checked root lies inside the session, folders above the root are reported at
    the file's own folder.
    """
    below = dataset.rel_path.split("/")[:-1]  # from the session
    folder = dataset.rel.rpartition("/")[0]
    from_root = folder.split("/") if folder else []
    offset = len(from_root) - len(below)  # negative when the root is inside the session
    for i, segment in enumerate(below):
        end = offset + i + 1
        path = "/".join(from_root[:end]) if end > 0 else (folder or ".")
        yield segment, path, "/".join(below[: i + 1])


def _bad_folder_files(session):
    """The first file of every folder of ``session`` that has folder reasons."""
    seen = set()
    for dataset in session.datasets:
        if dataset.folder_reasons:
            folder = dataset.rel.rpartition("/")[0]
            if folder not in seen:
                seen.add(folder)
                yield dataset


@rule("ALF201", "invalid-collection", "error", "session")
def invalid_collection(session, ctx):
    """A collection folder has an illegal name.

    **What it checks:** every folder between a session and its files (revision folders
    aside) takes only letters, digits, ``_``, ``-`` and ``.``: no spaces, no ``#`` outside a
    revision, no non-ASCII characters, no leading or trailing whitespace. Each bad folder is
    reported once, at its own path. Hidden folders are ALF202's, revision folders ALF203's.

    **Why it matters:** ONE cannot parse the file paths below such a folder: it records
    them in its cache with a truncated path (the bare filename), so they load from the
    wrong place or collide with the session's own files. (Non-ASCII letters, which ONE
    accepts, are rejected on purpose: their Unicode form differs between macOS and Linux.)

    **Bad:** ``alf/probe 00/spikes.times.npy``, ``raw data/wheel.position.npy``

    **Good:** ``alf/probe00/spikes.times.npy``, ``raw_data/wheel.position.npy``
    """
    reported = set()
    for dataset in _bad_folder_files(session):
        for segment, path, _ in _folder_segments(dataset):
            if path in reported or is_hidden_folder(segment) or _is_revision(segment):
                continue
            reasons = spec.collection_reasons(segment)
            if reasons:
                reported.add(path)
                yield Finding(path, f"invalid collection folder {segment!r}: " + "; ".join(str(r) for r in reasons))


@rule("ALF202", "hidden-folder", "warning", "session")
def hidden_folder(session, ctx):
    """A hidden folder (name starting with a dot) sits inside a session.

    **What it checks:** folders such as ``.ipynb_checkpoints`` or ``.thumbnails`` below a
    session folder, reported once each. Version-control folders (``.git``, ``.hg``,
    ``.svn``, ``.datalad``) are never walked and never reported.

    **Why it matters:** ONE's collection pattern accepts hidden folders, so every file with
    two dots in them is indexed as data of collection ``.ipynb_checkpoints`` and shows up in
    ``list_datasets`` and ``list_collections``, next to the real data (or instead of it).

    **Bad:** ``alf/.ipynb_checkpoints/trials.table-checkpoint.pqt``

    **Good:** no hidden folders in sessions (delete them or move them out)
    """
    reported = set()
    for dataset in _bad_folder_files(session):
        for segment, path, collection in _folder_segments(dataset):
            if path not in reported and is_hidden_folder(segment):
                reported.add(path)
                yield Finding(path, f"hidden folder {segment!r} in a session: ONE indexes the files in it with two or "
                                    f"more dots as collection {collection!r}; delete it or move it out of the session")


@rule("ALF203", "invalid-revision", "error", "session")
def invalid_revision(session, ctx):
    """A revision folder ``#label#`` is misplaced, repeated, empty or has illegal characters.

    **What it checks:** a revision folder is the last folder before the file (after any
    collection), there is at most one, and its label is non-empty letters, digits, ``_``,
    ``-`` and ``.``. Reported once per folder.

    **Why it matters:** ONE does not recognise the path: the files are recorded with a
    truncated path (the bare filename) and none of the revision logic (``revision=``, "last
    revision before") applies to them.

    **Bad:** ``alf/#2021-07-05#/probe00/spikes.times.npy``, ``alf/##/spikes.times.npy``,
    ``#a#/#b#/spikes.times.npy``

    **Good:** ``alf/probe00/#2021-07-05#/spikes.times.npy``
    """
    for dataset in _bad_folder_files(session):
        reasons = [str(r) for r in dataset.folder_reasons if r.part == "revision"]
        if reasons:
            folder = dataset.rel.rpartition("/")[0] or "."
            yield Finding(folder, "invalid revision folder: " + "; ".join(reasons))


_ISO_REVISION = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[a-z]?\Z", re.ASCII)


def _date_label_problem(label: str) -> str | None:
    """Why ``label`` is not an ISO-date revision label, or None when it is one."""
    match = _ISO_REVISION.match(label)
    if match is None:
        return "is not an ISO date (YYYY-MM-DD, optionally with a letter: 2021-07-05a)"
    try:
        datetime.date.fromisoformat(match.group(1))
    except ValueError:
        return f"is not a calendar date ({match.group(1)} does not exist)"
    return None


def _valid_revisions(session):
    """Files of ``session`` in a valid revision folder (whatever the collection above it)."""
    for dataset in session.datasets:
        if dataset.revision is not None and not any(r.part == "revision" for r in dataset.folder_reasons):
            yield dataset


@rule("ALF204", "revision-not-a-date", "warning", "session")
def revision_not_a_date(session, ctx):
    """A revision label is not an ISO date.

    **What it checks:** revision labels (``#label#``) are ISO dates ``YYYY-MM-DD`` that
    exist in the calendar, optionally followed by one lower-case letter for several
    revisions on one day (``#2021-07-05a#``). Reported once per revision folder.

    **Why it matters:** ONE orders revisions as plain strings and loads "the last revision
    before" the one asked for. Dates sort in time order; other labels do not: ``v10``
    sorts before ``v9``, and any letter sorts after every date, so ``final`` always wins.

    **Bad:** ``alf/#v2#/spikes.times.npy``, ``alf/#final#/spikes.times.npy``

    **Good:** ``alf/#2021-07-05#/spikes.times.npy``, ``alf/#2021-07-05a#/spikes.times.npy``
    """
    reported = set()
    for dataset in _valid_revisions(session):
        folder = dataset.rel.rpartition("/")[0] or "."
        if folder in reported:
            continue
        reported.add(folder)
        problem = _date_label_problem(dataset.revision)
        if problem:
            yield Finding(folder, f"revision {dataset.revision!r} {problem}: ONE orders revisions as plain strings, "
                                  "so non-date labels do not sort in time order")


@rule("ALF205", "mixed-revision-labels", "warning", "session")
def mixed_revision_labels(session, ctx):
    """One dataset has revisions labelled both with dates and with other labels.

    **What it checks:** for each dataset of a session (same collection and file name), the
    labels of its revision folders are either all dates or all not. Reported once per
    dataset, naming the labels in the order ONE sorts them.

    **Why it matters:** ONE picks the latest revision by plain string order, where letters
    sort after digits: with ``#2021-07-05#`` and ``#final#``, ``final`` is always "the
    latest", even when the dated revision is newer, and asking for ``revision='2021-08-01'``
    never returns it.

    **Bad:** ``alf/#2021-07-05#/spikes.times.npy`` and ``alf/#final#/spikes.times.npy``

    **Good:** ``alf/#2021-07-05#/spikes.times.npy`` and ``alf/#2021-08-01#/spikes.times.npy``
    """
    by_dataset: dict[tuple[str, str], dict[str, object]] = {}
    for dataset in _valid_revisions(session):
        by_dataset.setdefault((dataset.collection or "", dataset.name), {})[dataset.revision] = dataset
    for (collection, name), revisions in by_dataset.items():
        undated = sorted(label for label in revisions if _date_label_problem(label))
        if not undated or len(undated) == len(revisions):
            continue
        order = " < ".join(repr(label) for label in sorted(revisions))
        where = f"collection {collection!r}" if collection else "the session folder"
        yield Finding(revisions[undated[-1]].rel,
                      f"{name!r} in {where} has dated and undated revisions ({order}): ONE orders them as strings, "
                      f"so {max(revisions)!r} is taken as the latest")
