"""Writing a report to the file of ``-o``: whole or not at all.

A report replaces the previous one atomically (a temporary file beside it, then
``os.replace``), so a full disk or an encoding error never leaves a truncated or empty report
where a good one was; the new file keeps the old one's permissions, and a symlinked report is
followed, not replaced. Devices, pipes and ``/dev``, ``/proc`` paths (``-o /dev/stdout``)
cannot be replaced and are written directly, as is a report we may write in a folder we may
not (no temporary file can go beside it there). Standard library only.
"""

from __future__ import annotations

import errno
import os
import stat

from ._cachedir import write_atomically

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
    target = os.path.realpath(path)
    try:  # a new report gets open()'s permissions, a replaced one keeps its own
        write_atomically(target, text.encode("utf-8", _ERRORS), mode=None if st is None else stat.S_IMODE(st.st_mode), make_folder=False)
    except PermissionError:
        if st is None or os.access(os.path.dirname(target), os.W_OK):
            raise
        with _open_text(target, os.O_WRONLY | os.O_TRUNC) as fh:  # as open(path, "w") would
            fh.write(text)


def _open_text(path: str, flags: int):
    """``path`` opened for text like ``open(path, "w")``, permissions 0o666 less the umask.

    Built-in formats escape the undecodable bytes of file names; ``backslashreplace`` keeps a
    plugin's format that does not from failing (``\\udce9`` in the file)."""
    fd = os.open(path, flags | getattr(os, "O_BINARY", 0), 0o666)
    return os.fdopen(fd, "w", encoding="utf-8", errors=_ERRORS)


_ERRORS = "backslashreplace"
