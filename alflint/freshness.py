"""Whether cache tables are older than the folders they describe.

A file added to or removed from a folder moves that folder's modification time, so a folder
newer than the tables may hold files the tables do not list. :func:`alflint.open` warns when a
session folder (or one between it and the root) is newer than the tables, and loads warn for
the folders they read from. ``index --update``, when it finds the tables already hold what it
would write, makes them no older than every folder they describe that changed before its
check began (:func:`alflint.stamp.vouch`): the index it has just confirmed must not be called
stale, nor a change it did not see hidden. Tables it writes get the time their check began
(:func:`date_to_check_start`), so a file added while it ran is not hidden either. Times are
integer nanoseconds, as the file system gives them. Standard library only.
"""

from __future__ import annotations

import os
import time
from typing import Iterable, Mapping

__all__ = ["newest_folder_mtime_ns", "date_to_check_start"]


def newest_folder_mtime_ns(root: str | os.PathLike, folders: Iterable[str | os.PathLike], known: Mapping[str, int] | None = None) -> int:
    """The newest modification time of ``folders`` and of the folders between each of them and
    ``root`` (``root`` itself left out), each stat-ed once; a folder that vanished counts as now.
    ``known``: times already read (a walk's ``folder_mtimes``, by path relative to ``root``),
    taken instead of a ``stat``.
    """
    newest = 0
    seen: set[str] = set()
    prefix = os.path.join(os.fspath(root), "")
    cut = len(prefix)
    known = known or {}
    for start in folders:
        folder = os.fspath(start)
        while folder.startswith(prefix) and folder not in seen:
            seen.add(folder)
            at = known.get(folder[cut:])
            if at is None:
                try:
                    at = os.stat(folder).st_mtime_ns
                except OSError:
                    return time.time_ns()
            newest = max(newest, at)
            folder = os.path.dirname(folder)
    return newest


def date_to_check_start(tables: Iterable[str | os.PathLike], started_ns: int) -> None:
    """Give tables just written the time at which the check they come from began.

    The tables describe the tree as the check saw it. A file added to a folder after the walk
    had listed that folder is not in them, and it moves the folder's time past the check's
    start, but not past the write: stamped with the time of the write, tables that miss the
    file would look fresh to every reader. A folder changed before the check began keeps an
    older time (a file system stamps changes with a clock that lags the one ``started_ns``
    was read from, never leads it, on a local disk), so no reader warns about it. That lag is
    the file system's clock tick (a few ms): a file added within it after the check began
    may look older and go unwarned, as it did before; the walk rarely reaches a folder that
    soon. A file server stamps with its own clock: one running ahead of this machine's makes a
    folder changed just before the check look newer (readers warn; indexing again settles
    it), one running behind hides a change made that much after the start (as the time of
    the write hid every change). Unlike :func:`alflint.stamp.vouch` there is no margin for
    such clocks: this runs on every index, and a margin would make readers warn after every
    script that writes data and indexes it within seconds. Best effort: tables that cannot
    be touched keep their times.
    """
    for path in tables:
        try:
            st = os.stat(path)
            if st.st_mtime_ns > started_ns:
                os.utime(path, ns=(st.st_atime_ns, started_ns))
        except OSError:
            pass
