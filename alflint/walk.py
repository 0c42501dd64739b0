"""One walk of a directory tree with ``os.scandir``: every file once, with its size and mtime.

The walk never raises for problems in the tree: broken symlinks and unreadable folders become
``WalkProblem`` records that rules report. Symlinked folders are followed, but a folder is
never entered twice (loops through symlinks end). Version-control folders (``.git`` ...) are
skipped silently. Standard library only.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

__all__ = ["FileEntry", "WalkProblem", "Walk", "walk", "DEFAULT_EXCLUDED_DIRS"]

#: Folders that are tooling, not data: never walked, never reported.
DEFAULT_EXCLUDED_DIRS = frozenset({".git", ".hg", ".svn", ".datalad", ".alflint_cache"})


class FileEntry(NamedTuple):
    """A regular file (or a symlink to one) below the root."""

    rel: str  #: POSIX path relative to the walk root
    size: int
    mtime_ns: int


class WalkProblem(NamedTuple):
    """Something in the tree that could not be read as a file or a folder."""

    rel: str
    kind: str  #: 'broken-symlink', 'unreadable-file', 'unreadable-folder', 'symlink-loop', 'special-file'
    message: str


@dataclass
class Walk:
    """The result of a walk: files, folders (including empty ones) and problems."""

    root: str  #: absolute path of the walk root
    files: list[FileEntry] = field(default_factory=list)
    dirs: list[str] = field(default_factory=list)  #: POSIX folder paths relative to the root ('' is the root)
    problems: list[WalkProblem] = field(default_factory=list)


#: ``exclude(rel, is_dir) -> bool`` decides whether a path (relative to the root) is skipped.
Exclude = Callable[[str, bool], bool]


def walk(root: str | os.PathLike, exclude: Exclude | None = None, *, check_readable: bool = True) -> Walk:
    """Walk ``root`` once. Files and folders are listed in sorted order (by name, per folder)."""
    root_abs = os.path.abspath(os.fspath(root))
    result = Walk(root=root_abs)
    if os.path.isfile(root_abs):
        st = os.stat(root_abs)
        result.files.append(FileEntry(os.path.basename(root_abs), st.st_size, st.st_mtime_ns))
        return result
    try:
        root_stat = os.stat(root_abs)
    except OSError as exc:
        result.problems.append(WalkProblem("", "unreadable-folder", f"cannot read {root_abs}: {exc.strerror}"))
        return result
    visited = {(root_stat.st_dev, root_stat.st_ino)}
    stack = [("", root_abs)]
    files, dirs, problems = result.files, result.dirs, result.problems
    access = os.access
    while stack:
        rel_dir, abs_dir = stack.pop()
        dirs.append(rel_dir)
        prefix = f"{rel_dir}/" if rel_dir else ""
        try:
            with os.scandir(abs_dir) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            problems.append(WalkProblem(rel_dir, "unreadable-folder", f"cannot list folder: {exc.strerror or exc}"))
            continue
        subdirs = []
        for entry in entries:
            rel = prefix + entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if entry.name in DEFAULT_EXCLUDED_DIRS or (exclude is not None and exclude(rel, True)):
                    continue
                if entry.is_symlink():
                    try:
                        st = entry.stat()
                    except OSError as exc:
                        problems.append(WalkProblem(rel, "broken-symlink", f"broken symlink: {exc.strerror}"))
                        continue
                    key = (st.st_dev, st.st_ino)
                    if key in visited:
                        problems.append(WalkProblem(rel, "symlink-loop", "symlinked folder already walked (a loop or a duplicate); not followed again"))
                        continue
                    visited.add(key)
                else:
                    try:
                        st = entry.stat(follow_symlinks=False)
                        visited.add((st.st_dev, st.st_ino))
                    except OSError:
                        pass
                subdirs.append((rel, entry.path))
                continue
            if exclude is not None and exclude(rel, False):
                continue
            try:
                st = entry.stat()
            except OSError as exc:
                if entry.is_symlink():
                    problems.append(WalkProblem(rel, "broken-symlink", f"broken symlink (target missing): {os.readlink(entry.path) if _can_readlink(entry.path) else '?'}"))
                else:
                    problems.append(WalkProblem(rel, "unreadable-file", f"cannot stat file: {exc.strerror}"))
                continue
            if not stat.S_ISREG(st.st_mode):
                problems.append(WalkProblem(rel, "special-file", "not a regular file (socket, FIFO or device)"))
                continue
            if check_readable and not access(entry.path, os.R_OK):
                problems.append(WalkProblem(rel, "unreadable-file", "file is not readable (permission denied)"))
                continue
            files.append(FileEntry(rel, st.st_size, st.st_mtime_ns))
        stack.extend(reversed(subdirs))
    return result


def _can_readlink(path: str) -> bool:
    try:
        os.readlink(path)
        return True
    except OSError:
        return False
