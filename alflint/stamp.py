"""Leave the tables alone when an ``index --update`` would write them again unchanged.

The tables are a pure function of what :func:`alflint.tables.build_indexed_tables` is given:
the kept sessions, their packed rows, ``lab``, ``origin`` and the table options. So after
writing, ``index --update`` remembers a digest of those inputs and the identity of the two
files it wrote (size, modification and change times, inode); the next ``--update`` whose
inputs have the same digest, and finds both files as it left them, writes nothing, as
``make`` leaves a target that is up to date. Anything else (other rows, other options,
another alflint, tables touched or replaced by anyone) means writing them again. Tables left
alone are still made no older than the folders they describe (:func:`vouch`), which is how
readers tell stale tables (:mod:`alflint.freshness`).

The record lives in the result cache folder of the root (``--no-cache`` turns it off), never
next to the tables, and a missing, damaged or foreign record only means writing them again.
Standard library only.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
from typing import Iterable, Sequence

from ._cachedir import write_atomically
from .cache import RACY_NS, folder_for

__all__ = ["inputs_digest", "up_to_date", "remember", "untouched", "vouch"]

_FORMAT = 1
#: marshal format 2: the newest whose bytes depend only on the values. Later ones refer back
#: to objects met before, so equal rows built differently (fresh from a check, or unpickled
#: from the result cache, sharing fewer strings) gave other bytes and wrote the tables again.
_MARSHAL = 2
#: Modules whose code decides the bytes of the tables: a change to them means writing again
#: even when the version string did not move (a development checkout).
_TABLE_CODE = ("tables.py", "sessionrows.py", "ids.py")


def inputs_digest(sessions: Iterable[tuple], packs: Sequence[tuple], *, lab: str | None, origin: str, store_mtime: bool,
                  hashed: bool) -> str:
    """A digest of everything the tables are built from (``packs`` as
    :func:`alflint.indexer.kept_sessions` returns them)."""
    from . import __version__

    here = os.path.dirname(os.path.abspath(__file__))
    code = []
    for name in _TABLE_CODE:
        try:
            st = os.stat(os.path.join(here, name))
            code.append((name, st.st_size, st.st_mtime_ns))
        except OSError:
            code.append((name, None, None))
    head = (_FORMAT, __version__, tuple(code), lab or "", origin, store_mtime, hashed)
    h = hashlib.sha256(marshal.dumps(head, _MARSHAL))  # SHA-NI: twice as fast as blake2b here
    # marshal: an exact, fast serialisation of plain tuples (SessionRow is one, made plain)
    h.update(marshal.dumps([tuple(s) for s in sessions], _MARSHAL))
    h.update(marshal.dumps(list(packs), _MARSHAL))
    return h.hexdigest()


def up_to_date(root: str, out_files: Sequence[str], digest: str, newest_mtime_ns: int | None = None) -> bool:
    """Whether the tables ``out_files`` are the ones written from inputs of ``digest``.

    Tables with md5 hashes depend on the files' bytes, which size and mtime vouch for only
    when the file was last modified well before the tables were written (a second write in
    the same clock tick keeps both): pass ``newest_mtime_ns``, the newest row's mtime, then.
    """
    stored = _record(root, out_files)
    if stored is None:
        return False
    try:
        if newest_mtime_ns is not None and not newest_mtime_ns < stored["written_ns"] - RACY_NS:
            return False
        return stored["digest"] == digest and stored["files"] == [_identity(f) for f in out_files]
    except (OSError, KeyError, TypeError):
        return False


def untouched(root: str, out_files: Sequence[str]) -> bool:
    """Whether the tables ``out_files`` are as a recorded write left them: the one condition
    of :func:`up_to_date` known before the tree is checked (the index then imports pyarrow
    only if the rows turn out to differ)."""
    stored = _record(root, out_files)
    try:
        return stored is not None and stored["files"] == [_identity(f) for f in out_files]
    except (OSError, KeyError, TypeError):
        return False


def _record(root: str, out_files: Sequence[str]) -> dict | None:
    """The record of the last write of ``out_files``, None when missing or unreadable."""
    path = _record_path(root, out_files)
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            stored = json.load(fh)
    except (OSError, ValueError):
        return None
    return stored if isinstance(stored, dict) else None


def remember(root: str, out_files: Sequence[str], digest: str, written_ns: int) -> None:
    """Record that ``out_files`` were written at ``written_ns`` (``time.time_ns()`` before
    writing) from inputs of ``digest`` (best effort:
    a read-only or full cache folder only means writing the tables again next time)."""
    path = _record_path(root, out_files)
    if path is None:
        return
    try:
        record = {"digest": digest, "written_ns": written_ns, "files": [_identity(f) for f in out_files]}
        write_atomically(path, json.dumps(record).encode())
    except OSError:
        pass


def vouch(root: str, out_files: Sequence[str], folders_mtime_ns: int, started_ns: int) -> None:
    """The tables ``out_files``, found :func:`up_to_date` by a check that began at
    ``started_ns``, describe the tree as it was then: make them no older than
    ``folders_mtime_ns``, the newest modification time of the folders they describe (see
    :mod:`alflint.freshness`), and record their new identity.

    A file added and removed again, or a file left unlisted by a rule, moves its folder's time
    but no row; a reader comparing that folder with the tables would call the confirmed tables
    stale. Tables already newer keep their times (and stay as they were for ``rsync`` and
    ``make``). Only changes made before the check began are vouched for, with the margin the
    result cache gives mtimes (``RACY_NS``): a folder changed during the check (a file added
    after its folder was walked) keeps the tables older than it, so readers still warn, and
    the tables' new time is the check's start less that margin. A file server whose clock runs
    ahead of this machine's by more than the margin gets no vouching (readers may warn).
    Best effort: tables that cannot be touched stay as they are.
    """
    vouched_ns = started_ns - RACY_NS
    try:
        if min(os.stat(f).st_mtime_ns for f in out_files) >= folders_mtime_ns or folders_mtime_ns >= vouched_ns:
            return
        for f in out_files:
            os.utime(f, ns=(os.stat(f).st_atime_ns, vouched_ns))
    except OSError:
        return
    stored = _record(root, out_files)
    if stored is not None and isinstance(stored.get("digest"), str) and isinstance(stored.get("written_ns"), int):
        remember(root, out_files, stored["digest"], stored["written_ns"])


def _identity(path: str) -> list[int]:
    """What changes when a file is rewritten, replaced or touched (OSError if it is gone)."""
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def _record_path(root: str, out_files: Sequence[str]) -> str | None:
    folder = folder_for(root)
    if folder is None:
        return None
    key = "\0".join(os.path.abspath(f) for f in out_files).encode("utf-8", "surrogatepass")
    return os.path.join(folder, f"tables-{hashlib.blake2b(key, digest_size=12).hexdigest()}.json")
