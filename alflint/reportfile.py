"""Writing a report to the file of ``-o``: whole or not at all.

A report replaces the previous one atomically (a temporary file beside it, then
``os.replace``), so a full disk or an encoding error never leaves a truncated or empty report
where a good one was; the new file keeps the old one's permissions, and a symlinked report is
followed, not replaced. Devices, pipes and ``/dev``, ``/proc`` paths (``-o /dev/stdout``)
cannot be replaced and are written directly. Standard library only.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat

__all__ = ["write_report"]


def write_report(path: str, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all: a failure leaves a previous report as it
    was. Devices, pipes and /dev, /proc paths (``-o /dev/stdout``) are written directly."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    if (st is not None and not stat.S_ISREG(st.st_mode)) or os.path.abspath(path).startswith(("/dev/", "/proc/")):
        with _open_text(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC) as fh:
            fh.write(text)
        return
    if st is not None and not os.access(path, os.W_OK):  # os.replace would ignore a read-only report
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
    _replace(os.path.realpath(path), text, None if st is None else stat.S_IMODE(st.st_mode))


def _replace(target: str, text: str, mode: int | None) -> None:
    """Write a temporary file beside ``target`` (the same file system), then rename it over."""
    folder, name = os.path.split(target)
    temp = os.path.join(folder, f".{name}.{os.urandom(4).hex()}.tmp")
    out = _open_text(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)  # before the try: ours to remove
    try:
        with out as fh:
            fh.write(text)
        if mode is not None:  # keep the permissions of the report it replaces
            os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _open_text(path: str, flags: int):
    """``path`` opened for text like ``open(path, "w")``, permissions 0o666 less the umask.

    Built-in formats escape the undecodable bytes of file names; ``backslashreplace`` keeps a
    plugin's format that does not from failing (``\\udce9`` in the file)."""
    fd = os.open(path, flags | getattr(os, "O_BINARY", 0), 0o666)
    return os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace")
