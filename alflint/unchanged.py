"""Which files changed since the previous index: what ``index --update`` checks when no
cached result vouches for a session folder.

A file is unchanged when the previous ``datasets.pqt`` holds a row of its session with the
same ``rel_path``, size and mtime (git's test of a clean file); the rules then run only on
the other files, their objects and sessions, and only what they touch is reported. The
previous rows are kept as one 64-bit number each (:func:`alflint.tables.previous_file_keys`),
sorted, so a million files take 8 MiB and forked workers share them without copying; as
Python objects they took 488 MiB. Two different file states share a number with a chance
of about one in 2**64 / rows (1 in 18 trillion at a million rows): such a file would be
trusted without being checked, as a file changed without changing its size or mtime is.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from .ids import canonical_session_path, eid_of

if TYPE_CHECKING:
    from .collect import Collection

__all__ = ["PreviousFiles"]


class PreviousFiles:
    """The files of the previous tables, to tell changed files from unchanged ones."""

    def __init__(self, keys: np.ndarray):
        self.keys = keys  # sorted int64, see alflint.tables.previous_file_keys

    @classmethod
    def read(cls, directory: str | os.PathLike) -> "PreviousFiles":
        """The files of the tables in ``directory``; raises as
        :func:`alflint.tables.previous_file_states` does."""
        from .tables import previous_file_keys

        return cls(previous_file_keys(directory))

    @classmethod
    def from_states(cls, states: dict) -> "PreviousFiles":
        """From :func:`alflint.tables.previous_file_states` (read anyway for its hashes)."""
        keys = np.fromiter((hash((eid, rel, s.file_size, s.mtime_ns)) for (eid, rel), s in states.items()), dtype=np.int64, count=len(states))
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
        eids: dict[int, str] = {}  # by session; '' when it is not indexed (its reasons parse the path: once)
        for d in collection.datasets:
            s = d.session
            eid = eids.get(id(s)) if s is not None else ""
            if eid is None:
                eid = eids[id(s)] = "" if s.reasons or s.nested_in is not None else eid_of(canonical_session_path(s.lab, s.subject, s.date, s.number))
            if not eid:
                out.add(d.abs_path)
                continue
            files.append(d.abs_path)
            keys.append(hash((eid, d.rel_path, d.size, d.mtime_ns)))
        if not len(self.keys):
            out.update(files)
        elif files:
            wanted = np.array(keys, dtype=np.int64)
            at = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
            out.update(f for f, seen in zip(files, (self.keys[at] == wanted).tolist()) if not seen)
        return out
