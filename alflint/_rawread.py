"""Read a few bytes of a data file with as few system calls as possible.

A check reads the header or footer of every dataset: hundreds of thousands of files, each
costing its system calls (a few microseconds each, more in a virtual machine). Here a read is
one ``open``, one positioned read per byte range and one ``close``: no file object, whose
construction adds an ``fstat`` and whose seeks add an ``lseek`` each. Standard library only.
"""

from __future__ import annotations

import os
import stat

__all__ = ["READ_FLAGS", "pread", "read_at", "stat_and_read"]

#: Read-only, binary on Windows, and non-blocking: opening a FIFO that took a dataset's name
#: after the walk must not wait for a writer (reading it then fails or returns nothing, and
#: the file is reported as unreadable or malformed). Regular files ignore O_NONBLOCK.
READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)


if hasattr(os, "pread"):
    pread = os.pread
else:  # pragma: no cover - Windows

    def pread(fd: int, size: int, offset: int) -> bytes:
        """Up to ``size`` bytes of ``fd`` from ``offset`` (a seek and a read)."""
        os.lseek(fd, offset, os.SEEK_SET)
        return os.read(fd, size)


def read_at(path: str | os.PathLike, offset: int, size: int) -> bytes:
    """Up to ``size`` bytes of the file at ``path`` from ``offset``. Raises OSError."""
    fd = os.open(path, READ_FLAGS)
    try:
        return pread(fd, size, offset)
    finally:
        os.close(fd)


def stat_and_read(name: str, size: int, dir_fd: int) -> tuple[os.stat_result, bytes | None]:
    """``(fstat, up to size bytes from the start)`` of the file ``name`` in the folder open as
    ``dir_fd``, from one open of its bare name; the bytes are None when it is not a regular
    file. Raises OSError."""
    fd = os.open(name, READ_FLAGS, dir_fd=dir_fd)
    try:
        st = os.fstat(fd)
        return st, pread(fd, size, 0) if stat.S_ISREG(st.st_mode) else None
    finally:
        os.close(fd)
