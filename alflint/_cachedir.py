"""Where alflint keeps what it remembers between runs, and how it writes there.

Everything lives below ``$XDG_CACHE_HOME/alflint`` (``~/.cache/alflint`` by default), never
in a data repository: check results, validated configurations, the pandas metadata of the
tables, the entry points of installed rule packs. Every file there is written whole or not
at all, and a cache that cannot be written is a cache alflint does not have, never an error.
Standard library only, and light to import: the pre-commit hook goes through here.
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


def write_atomically(path: str, data: bytes) -> None:
    """Write a file of the user's cache folder whole or not at all (a temporary file beside
    it, then a rename), making its folder. Raises OSError: callers treat a cache they cannot
    write as one they do not have."""
    import tempfile

    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
