"""Remember each session folder's check results between runs, as ruff and mypy do.

A session folder's results depend only on its files and on the rules that ran. So each is
stored under a fingerprint of its walk (every file's path, size and modification time, its
folders and walk problems) and the next run re-checks only session folders whose
fingerprint changed; an unchanged repository costs one walk. The whole cache is void when
anything that decides results changes: alflint's version, the configuration, the selected
rules and their options and severities, or the source of alflint, of any module defining
a rule or of a pack file the configuration names (so an edited rule pack is never answered
from old results). A pack a plugin ships by name counts through that plugin's rule modules.

Like git's index, a file modified within two seconds of the run cannot be proven unchanged
by its modification time (a second write in the same clock tick keeps it): such session
folders are never stored. The cache lives in the user's cache folder
(``$XDG_CACHE_HOME/alflint/results``), never in the data repository; a damaged or foreign
cache file is ignored and replaced. ``--no-cache`` turns it off.

The cache does not outgrow its use: every cached run marks its repository's folder used,
and at most once a day a run removes the folders of repositories that no longer exist and
were not checked for a day (a CI checkout, a deleted copy; a drive unmounted for an hour
keeps its results), and those of repositories not checked for 30 days, with the files of
alflint's small caches (validated configurations, installed entry points) not rewritten for
30 days. Nothing else in the cache folder is ever touched.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import pickle
import re
import shutil
import sys
import time
import zlib
from typing import Any

from ._cachedir import cache_folder, write_atomically
from .walk import Walk

__all__ = ["ResultCache", "engine_key", "fingerprint", "folder_for", "is_warm", "mark_used", "prune", "shard_of", "SHARDS", "RACY_NS", "STALE_SECONDS", "GONE_SECONDS", "PRUNE_EVERY"]

#: Files modified this recently are not trusted to be unchanged later (mtime granularity).
RACY_NS = 2_000_000_000
#: Results written under another format are never read. 3: before it, a session folder's entry
#: could hold the findings and rows of a folder of its chunk too recent to be stored itself.
_FORMAT = 3


def _base() -> str | None:
    return cache_folder("results")


def engine_key(engine: Any) -> str:
    """A digest of everything besides the files that decides what a check reports."""
    from . import __version__

    parts: list[Any] = [_FORMAT, __version__, sys.version_info[:2], engine.content, repr(engine.config)]
    sources = set()
    for r in engine.active:
        parts.append((r.code, r.name, r.scope, engine.decider.severity_of(r), sorted(engine.options_for(r).items(), key=lambda kv: kv[0])))
        module = sys.modules.get(getattr(r.check, "__module__", ""), None)
        sources.add(getattr(module, "__file__", None) or "")
    here = os.path.dirname(os.path.abspath(__file__))
    for folder, _, files in os.walk(here):  # alflint itself (code, built-in packs, schemas)
        sources.update(os.path.join(folder, f) for f in files if f.endswith((".py", ".json")))
    for spec in getattr(engine.config, "packs", None) or ():  # a lab's own pack files
        if "/" in spec or spec.endswith(".json"):
            from .datasettypes import PackError, resolve_pack

            try:
                sources.add(resolve_pack(spec, engine.config.directory))
            except PackError as exc:
                parts.append(("pack", spec, str(exc)))
    for source in sorted(sources):
        try:
            st = os.stat(source)
            parts.append((source, st.st_size, st.st_mtime_ns))
        except OSError:
            parts.append((source, None))
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def fingerprint(part: Walk) -> tuple[bytes, int]:
    """``(digest, newest mtime_ns)`` of one session folder's walk."""
    newest = max((f.mtime_ns for f in part.files), default=0)
    # marshal (a format fixed per Python version, which the engine key includes) is the
    # fastest exact serialisation of plain tuples: a third of the cost of repr(). Format 2
    # writes values only (later ones refer back to objects met before, so equal walks could
    # differ in bytes), and in half the time.
    data = marshal.dumps((tuple(map(tuple, part.files)), tuple(part.dirs), tuple(map(tuple, part.problems))), 2)
    return hashlib.blake2b(data, digest_size=16).digest(), newest


#: Session folders are spread over this many files, one per worker chunk, so that workers
#: load and save their share of the cache in parallel and nobody reads all of it.
SHARDS = 16


def folder_for(root: str) -> str | None:
    """Where the results of the session folders below ``root`` are kept."""
    base = _base()
    digest = hashlib.blake2b(root.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()
    return os.path.join(base, digest) if base else None


#: A results folder whose repository was not checked for this long is removed.
STALE_SECONDS = 30 * 86400
#: ... and sooner, after this long, when its repository no longer exists.
GONE_SECONDS = 86400
#: Runs look for such folders at most this often.
PRUNE_EVERY = 86400
_ROOT_FILE = "root"  #: in each results folder: the repository's path; its mtime says when it was last checked
_PRUNE_STAMP = ".pruned"
_FOLDER_NAME = re.compile(r"[0-9a-f]{24}\Z")  # what folder_for names, and nothing else is removed
#: alflint's small caches, a file per configuration validated or per Python environment:
#: their files not rewritten for STALE_SECONDS go too (one still in use is simply made again)
_SMALL_CACHES = ("validated-config", "entry-points")


def mark_used(root: str) -> None:
    """Record that ``root`` was checked with the cache now (never raises)."""
    folder = folder_for(root)
    if folder is None:
        return
    marker = os.path.join(folder, _ROOT_FILE)
    try:
        os.utime(marker)
    except FileNotFoundError:
        try:
            write_atomically(marker, os.fsencode(root))
        except OSError:
            pass
    except OSError:
        pass


def prune(now: float | None = None) -> list[str]:
    """Remove the results folders of repositories gone for :data:`GONE_SECONDS` or unchecked
    for :data:`STALE_SECONDS`, and the files of the small caches older than that; returns
    what it removed. Does nothing when it ran less than :data:`PRUNE_EVERY` ago; never raises."""
    base = _base()
    if base is None:
        return []
    now = time.time() if now is None else now
    stamp = os.path.join(base, _PRUNE_STAMP)
    try:
        if now - os.stat(stamp).st_mtime < PRUNE_EVERY:
            return []
    except OSError:
        pass
    try:
        names = os.listdir(base)
    except OSError:
        names = []
    removed = []
    for name in sorted(names):
        folder = os.path.join(base, name)
        if _FOLDER_NAME.match(name) and os.path.isdir(folder) and not os.path.islink(folder) and _unwanted(folder, now):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    for small in _SMALL_CACHES:
        removed += _remove_old_files(cache_folder(small), now)
    try:
        write_atomically(stamp, b"")
    except OSError:
        pass
    return removed


def _remove_old_files(folder: str | None, now: float) -> list[str]:
    removed = []
    try:
        entries = list(os.scandir(folder)) if folder is not None else []
    except OSError:
        return []
    for entry in sorted(entries, key=lambda e: e.name):
        try:
            if entry.is_file(follow_symlinks=False) and now - entry.stat(follow_symlinks=False).st_mtime > STALE_SECONDS:
                os.unlink(entry.path)
                removed.append(entry.path)
        except OSError:
            pass
    return removed


def _unwanted(folder: str, now: float) -> bool:
    """Whether a results folder is stale: unchecked for a month, or for a day with its
    repository gone. Folders of older versions (no root file) go by their newest file."""
    try:
        marker = os.path.join(folder, _ROOT_FILE)
        with open(marker, "rb") as fh:
            root = os.fsdecode(fh.read())
        idle = now - os.stat(marker).st_mtime
    except OSError:
        root = None
        try:
            idle = now - max((e.stat().st_mtime for e in os.scandir(folder)), default=0.0)
        except OSError:
            return False
    if idle > STALE_SECONDS:
        return True
    return root is not None and idle > GONE_SECONDS and not os.path.isdir(root)


def is_warm(root: str) -> bool:
    """Whether an earlier cached run stored results for ``root``."""
    folder = folder_for(root)
    try:
        return folder is not None and any(name.endswith(".pickle") for name in os.listdir(folder))
    except OSError:
        return False


def shard_of(unit: str) -> int:
    return zlib.crc32(unit.encode("utf-8", "surrogatepass")) % SHARDS


class ResultCache:
    """Results of the session folders of one shard below one root, valid for one engine key."""

    def __init__(self, root: str, key: str, shard: int, started_ns: int | None = None):
        self.root, self.key = root, key
        self.started_ns = started_ns if started_ns is not None else time.time_ns()
        folder = folder_for(root)
        self.path = os.path.join(folder, f"{shard:02d}.pickle") if folder else None
        self.units: dict[str, tuple[bytes, Any]] = {}
        self.fresh: dict[str, tuple[bytes, Any]] = {}
        self._load()

    def _load(self) -> None:
        if self.path is None:
            return
        try:
            with open(self.path, "rb") as fh:
                stored = pickle.load(fh)
        except FileNotFoundError:
            return
        except Exception:  # damaged, truncated or from another version: start again
            return
        if isinstance(stored, dict) and stored.get("key") == self.key and stored.get("root") == self.root:
            self.units = stored.get("units", {})

    def get(self, unit: str, digest: bytes, records: bool = False) -> Any:
        """The stored :class:`~alflint.partition.Share` of ``unit`` if its fingerprint is
        ``digest``, else None. Its row records are decoded only when ``records`` is asked
        for (an index): a check has no use for them and they are most of the bytes."""
        found = self.units.get(unit)
        if found is None or found[0] != digest:
            return None
        from .partition import Share

        _, issues, files, sessions, blob = found
        return Share(list(issues), 0, files, list(sessions), pickle.loads(blob) if records and blob else [])

    def trusted(self, newest_mtime_ns: int) -> bool:
        return newest_mtime_ns < self.started_ns - RACY_NS

    def put(self, unit: str, digest: bytes, share: Any) -> None:
        """Remember the results of ``unit`` (a Share without crashes) under ``digest``."""
        blob = pickle.dumps(share.records, protocol=pickle.HIGHEST_PROTOCOL) if share.records else b""
        self.fresh[unit] = (digest, tuple(share.issues), share.files, tuple(share.sessions), blob)

    def save(self, present: set[str]) -> None:
        """Write the entries of the folders seen in this run (others are gone), atomically."""
        if self.path is None:
            return
        units = {u: v for u, v in self.units.items() if u in present}
        units.update(self.fresh)
        if not self.fresh and len(units) == len(self.units):
            return
        try:
            write_atomically(self.path, pickle.dumps({"key": self.key, "root": self.root, "units": units}, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass  # a read-only or full cache folder must not fail the check
