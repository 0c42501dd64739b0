"""One session's rows of the datasets table, packed into a few strings and byte strings.

The workers of a split check make each session's rows (ids and all) and send them to the
parent, which writes the table. Sent as Python tuples, 200,000 rows cost the workers their
pickling and the parent their unpickling and a pass per column on one core, after the check.
Packed, a session is seven objects whatever its size, and the parent builds every column by
joining them (:func:`alflint.tables.build_indexed_tables`): it touches no row, unless an
error was reported inside a session and its rows must be filtered (:func:`unpack`, then
:func:`pack` again). Standard library only: workers never import pyarrow.

A :data:`Packed` session is ``(n, ids, paths, sizes, mtimes, defaults, alf)``, rows sorted
by id: ``ids`` the n ids joined (36 ASCII characters each); ``paths`` the rel_paths joined
by NUL (which no file name holds); ``sizes`` and ``mtimes`` native 8-byte integers
(``array`` ``'Q'`` and ``'q'``); ``defaults`` one byte per row, 1 where the row is the
newest revision of its dataset (the ``default_revision`` column); ``alf`` one byte per row,
1 for a valid ALF dataset, or ``None`` when every row is one.
"""

from __future__ import annotations

import os
from array import array
from typing import Iterable, Iterator, NamedTuple

from .ids import session_dataset_ids, split_revision

__all__ = ["Packed", "Row", "SessionRow", "pack", "unpack", "newest_mtime", "described_folders", "default_flags", "ID_LENGTH", "SESSIONS_FILE", "DATASETS_FILE"]

#: The tables' file names (also in :mod:`alflint.tables`, which imports pyarrow).
SESSIONS_FILE = "sessions.pqt"
DATASETS_FILE = "datasets.pqt"

#: Characters of an id or eid (a UUID's text form).
ID_LENGTH = 36


class Row(NamedTuple):
    """One file of a session, as :func:`unpack` gives it back."""

    id: str
    rel_path: str
    size: int
    mtime_ns: int
    is_alf: bool


class SessionRow(NamedTuple):
    """A session folder, as the walker found it (a row of the sessions table; also
    :class:`alflint.tables.SessionRow`).

    ``path`` is relative to the root as on disk (``lab/Subjects/subj/2021-06-01/001`` or
    ``subj/2021-06-01/1``); ``lab`` is ``None`` when the session has no lab folder.
    """

    path: str
    lab: str | None
    subject: str
    date: str
    number: str


Packed = tuple  # (n, ids, paths, sizes, mtimes, defaults, alf): see the module docstring


def pack(eid: str, rel_paths: list[str], sizes: list[int], mtimes: list[int], alf: list[bool]) -> Packed:
    """Pack a session's files (given as columns): ids made, rows sorted by id."""
    if not rel_paths:
        return _EMPTY
    ids = session_dataset_ids(eid, rel_paths)
    return _pack_columns(*zip(*sorted(zip(ids, rel_paths, sizes, mtimes, alf))))  # ids are unique


def pack_rows(rows: list[Row]) -> Packed:
    """Pack rows already sorted by id (ids unique)."""
    return _pack_columns(*zip(*rows)) if rows else _EMPTY


def _pack_columns(ids, rel_paths, sizes, mtimes, alf) -> Packed:
    return (
        len(ids),
        "".join(ids),
        "\0".join(rel_paths),
        array("Q", sizes).tobytes(),
        array("q", mtimes).tobytes(),
        bytes(default_flags(rel_paths)),
        None if all(alf) else bytes(alf),
    )


_EMPTY: Packed = (0, "", "", b"", b"", b"", None)


def unpack(packed: Packed) -> list[Row]:
    """The rows of a packed session, in id order."""
    n, ids, paths, sizes, mtimes, _, alf = packed
    if not n:
        return []
    size_values, mtime_values = array("Q"), array("q")
    size_values.frombytes(sizes)
    mtime_values.frombytes(mtimes)
    flags = alf if alf is not None else b"\1" * n
    return [Row(ids[i * ID_LENGTH:(i + 1) * ID_LENGTH], p, s, m, bool(a))
            for i, (p, s, m, a) in enumerate(zip(paths.split("\0"), size_values, mtime_values, flags))]


def newest_mtime(packs: list[tuple[str, Packed]]) -> int:
    """The newest ``mtime_ns`` of all rows of ``(eid, packed)`` pairs (0 without rows)."""
    newest = 0
    for _, packed in packs:
        if packed[0]:
            values = array("q")
            values.frombytes(packed[4])
            newest = max(newest, max(values))
    return newest


def described_folders(root: str, sessions: Iterable[SessionRow], packs: Iterable[tuple[str, Packed]]) -> Iterator[str]:
    """The folders that ``(eid, packed)`` pairs describe, as paths under ``root``: each session
    folder (``sessions``, in the same order) and every folder holding one of its files."""
    for session, (_, packed) in zip(sessions, packs):
        base = os.path.join(root, session.path)
        yield base
        if packed[0]:
            for folder in {p.rpartition("/")[0] for p in packed[2].split("\0")}:
                if folder:
                    yield os.path.join(base, folder)


def default_flags(rel_paths: list[str]) -> list[bool]:
    """``default_revision`` of each rel_path of one session: True unless a newer revision of
    the same dataset is there (revisions compare as strings; no revision is the oldest)."""
    newest: dict[str, str] = {}  # dataset (rel_path without its revision folder) -> newest revision
    revised: dict[int, tuple[str, str]] = {}
    for i, path in enumerate(rel_paths):
        if "#" in path:  # few paths have one: only they are split
            stem, revision = split_revision(path)
            if revision:
                revised[i] = (stem, revision)
                if revision > newest.get(stem, ""):
                    newest[stem] = revision
    if not newest:
        return [True] * len(rel_paths)
    flags = [path not in newest for path in rel_paths]  # no revision: default unless one exists
    for i, (stem, revision) in revised.items():
        flags[i] = newest[stem] == revision
    return flags
