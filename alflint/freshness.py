"""Whether cache tables are older than the folders they describe.

A file added to or removed from a folder moves that folder's modification time, so a folder
newer than the tables may hold files the tables do not list. :func:`alflint.open` warns when a
session folder (or one between it and the root) is newer than the tables, and loads warn for
the folders they read from. ``index --update``, when it finds the tables already hold what it
would write, makes them no older than every folder they describe that changed before its
check began (:func:`alflint.stamp.vouch`): the index it has just confirmed must not be called
stale, nor a change it did not see hidden. Times
are integer nanoseconds, as the file system gives them. Standard library only.
"""

from __future__ import annotations

import os
import time
from typing import Iterable

__all__ = ["newest_folder_mtime_ns"]


def newest_folder_mtime_ns(root: str | os.PathLike, folders: Iterable[str | os.PathLike]) -> int:
    """The newest modification time of ``folders`` and of the folders between each of them and
    ``root`` (``root`` itself left out), each stat-ed once; a folder that vanished counts as now.
    """
    newest = 0
    seen: set[str] = set()
    prefix = os.path.join(os.fspath(root), "")
    for start in folders:
        folder = os.fspath(start)
        while folder.startswith(prefix) and folder not in seen:
            seen.add(folder)
            try:
                newest = max(newest, os.stat(folder).st_mtime_ns)
            except OSError:
                return time.time_ns()
            folder = os.path.dirname(folder)
    return newest
