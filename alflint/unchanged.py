"""Which files changed since the previous index: what ``index --update`` checks when no
cached result vouches for a session folder.

A file is unchanged when the previous ``datasets.pqt`` holds a row of its session with the
same ``rel_path``, size and mtime (git's test of a clean file); the rules then run only on
the other files, their objects and sessions, and only what they touch is reported. The
previous rows are kept as one 64-bit number each (:func:`file_key`), sorted, so a million
files take 8 MiB and forked workers share them without copying: read in 0.66 s and 182 MiB
at most (the process), where the rows as Python objects took 2.7 s and 488 MiB. The
numbers depend on this process's string hashing: they are compared in this process or a
forked one only. Two different file states share a number with a chance
of about one in 2**64 / rows (1 in 18 trillion at a million rows): such a file would be
trusted without being checked, as a file changed without changing its size or mtime is.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Iterable

import numpy as np

from .partition import indexed_eid

if TYPE_CHECKING:
    from .collect import Collection

__all__ = ["PreviousFiles", "file_key"]


def file_key(eid: str, rel_path: str, size: int, mtime_ns: int) -> int:
    """One file's state as one number: equal states, equal numbers."""
    return hash((eid, rel_path, size, mtime_ns))


def _keys_of(rows: Iterable[tuple], count: int) -> np.ndarray:
    """:func:`file_key` of each ``(eid, rel_path, size, mtime_ns)``, as an int64 array (the
    tuples hashed directly: a Python call per row made a million rows 0.2-0.4 s slower)."""
    return np.fromiter(map(hash, rows), dtype=np.int64, count=count)


class PreviousFiles:
    """The files of the previous tables, to tell changed files from unchanged ones."""

    def __init__(self, keys: np.ndarray):
        self.keys = keys  # sorted int64 file_key values

    @classmethod
    def read(cls, directory: str | os.PathLike, settle_ns: int = 2_000_000_000) -> "PreviousFiles":
        """The files of the tables in ``directory`` whose mtime can be trusted; raises as
        :func:`alflint.tables.previous_file_states` does."""
        from .tables import previous_file_rows

        parts = [_keys_of(zip(*columns), len(columns[0])) for columns in previous_file_rows(directory, settle_ns)]
        keys = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
        keys.sort()
        return cls(keys)

    @classmethod
    def from_states(cls, states: dict) -> "PreviousFiles":
        """From :func:`alflint.tables.previous_file_states` (read anyway for its hashes)."""
        keys = _keys_of(((eid, rel, s.file_size, s.mtime_ns) for (eid, rel), s in states.items()), len(states))
        keys.sort()
        return cls(keys)

    def __len__(self) -> int:
        return len(self.keys)

    def changed(self, collection: Collection) -> set[str]:
        """Absolute paths of the files of ``collection`` not in the previous tables as they
        are now: new, resized or touched files, and every file outside a session or in one
        that cannot be indexed."""
        out = set()
        files, keys = [], []
        eids: dict[int, str] = {}  # by session: '' when the tables leave it out
        for d in collection.datasets:
            s = d.session
            eid = eids.get(id(s)) if s is not None else ""
            if eid is None:
                eid = eids[id(s)] = indexed_eid(s)
            if not eid:
                out.add(d.abs_path)
                continue
            files.append(d.abs_path)
            keys.append(file_key(eid, d.rel_path, d.size, d.mtime_ns))
        if not len(self.keys):
            out.update(files)
        elif files:
            wanted = np.array(keys, dtype=np.int64)
            at = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
            out.update(f for f, seen in zip(files, (self.keys[at] == wanted).tolist()) if not seen)
        return out
