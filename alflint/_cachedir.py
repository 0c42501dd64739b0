"""Where alflint keeps what it remembers between runs, and how it writes there.

Everything lives below ``$XDG_CACHE_HOME/alflint`` (``~/.cache/alflint`` by default), never
in a data repository: check results, validated configurations, the pandas metadata of the
tables, the entry points of installed rule packs. Every file there is written whole or not
at all (:func:`write_atomically`, which also writes the report of ``-o``), and a cache that
cannot be written is a cache alflint does not have, never an error. Standard library only,
and light to import: the pre-commit hook goes through here.
"""

from __future__ import annotations

import os

__all__ = ["cache_folder", "write_atomically"]


def cache_folder(*parts: str) -> str | None:
    """``$XDG_CACHE_HOME/alflint/<parts>`` (``~/.cache`` without it), or None when neither
    the variable nor a home folder says where.

    A relative ``XDG_CACHE_HOME`` is ignored, as the XDG specification asks: it would name a
    folder below the working directory, which is often the data repository itself."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):  # expanduser found no home folder
        return None
    return os.path.join(base, "alflint", *parts)


def write_atomically(path: str, data: bytes, *, mode: int | None = 0o600, make_folder: bool = True) -> None:
    """Write ``path`` whole or not at all: a temporary file beside it (the same file system),
    then a rename over it; a failure (Ctrl-C too) leaves what was there and no temporary file.

    ``mode``: the file's permissions (private by default, as a cache's should be; None: 0o666
    less the umask, as ``open`` gives). ``make_folder``: make its folder first (the cache's).
    Raises OSError: callers treat a cache they cannot write as one they do not have.
    """
    folder, name = os.path.split(path)
    if make_folder:
        os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{name}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666 if mode is None else mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if mode is not None:  # exactly these bits, whatever the umask
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
