"""Collection: turn one walk of a tree into sessions, objects and datasets.

Every folder is split into session / collection / revision once, every filename is parsed
once, and files are grouped into objects (same session, collection, revision, namespace and
object) and sessions. Rules then see only the scope they ask for. Standard library only.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from . import spec
from .spec import AlfParts, Reason
from .walk import Walk, WalkProblem, walk

__all__ = ["Dataset", "Session", "AlfObject", "Collection", "scan", "collect", "misplaced_root", "TABLE_FILES"]

#: Cache tables alflint or ONE write at a repository root: never data, never reported.
TABLE_FILES = frozenset({"sessions.pqt", "datasets.pqt", "cache_info.json"})

_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_DIGITS = re.compile(r"[0-9]+\Z")


@dataclass(eq=False, slots=True)
class Session:
    """A session folder ``(lab/Subjects/)subject/date/number`` and the files below it."""

    key: str  #: session path relative to the root (the ALF session path when the session is the root or encloses it)
    abs_path: str
    lab: str | None
    subject: str
    date: str
    number: str
    lab_folder: str | None  #: the folder above the subject ('Subjects', 'subjects', ... or None)
    datasets: list["Dataset"] = field(default_factory=list)
    nested_in: "Session | None" = None  #: the enclosing session when this one is nested
    objects: list["AlfObject"] = field(default_factory=list)  #: its objects, in the order of their first file
    _reasons: list[Reason] | None = field(default=None, init=False, repr=False)

    @property
    def reasons(self) -> list[Reason]:
        """Why the session folders are not a valid ALF session path (empty when valid).
        Parsed once: the session rules, the rows and ``index --update`` all ask."""
        if self._reasons is None:
            path = f"{self.lab}/Subjects/{self.subject}/{self.date}/{self.number}" if self.lab else f"{self.subject}/{self.date}/{self.number}"
            self._reasons = spec.session_path_reasons(path)
        return self._reasons

    @property
    def canonical(self) -> str:
        """``(lab/Subjects/)subject/date/NNN``: the path ONE rebuilds (number padded to 3)."""
        number = self.number.zfill(3) if len(self.number) <= 3 else self.number
        head = f"{self.lab}/Subjects/" if self.lab else ""
        return f"{head}{self.subject}/{self.date}/{number}"


@dataclass(eq=False, slots=True)
class Dataset:
    """One file: where it is, what it is called, and (lazily) what it contains.

    Slotted, with the absolute path derived from a shared root prefix, because a million of
    these must fit in well under a gigabyte.
    """

    rel: str  #: POSIX path relative to the root
    root_prefix: str  #: the root with a trailing '/', shared by every dataset of a collection
    size: int
    mtime_ns: int
    session: Session | None
    rel_path: str  #: relative to the session (equals ``rel`` outside sessions)
    collection: str | None
    revision: str | None
    folder_reasons: tuple[Reason, ...]
    parts: AlfParts | None  #: filename parts when the name is valid ALF, else None
    facts: Any = field(default=None, repr=False)  #: content facts, read on first use (alflint.facts)
    head: bytes | None = field(default=None, repr=False)  #: the file's first bytes when the walk read them, until facts are read

    @property
    def abs_path(self) -> str:
        return self.root_prefix + self.rel

    @property
    def name(self) -> str:
        return self.rel_path.rsplit("/", 1)[-1]

    @property
    def is_alf(self) -> bool:
        """A valid ALF dataset: in a session, valid folders and a valid filename."""
        return self.session is not None and self.parts is not None and not self.folder_reasons

    @property
    def extension(self) -> str:
        return self.name.rsplit(".", 1)[-1] if "." in self.name else ""

    @property
    def key(self) -> str:
        """The key ONE's ``load_object`` gives this file: attribute, ``_timescale``, ``.extra``."""
        p = self.parts
        if p is None:
            return ""
        key = p.attribute or ""
        if p.timescale:
            key += "_" + p.timescale
        if p.extra:
            key += "." + p.extra
        return key


@dataclass(eq=False, slots=True)
class AlfObject:
    """Files sharing session, collection, revision, namespace and object."""

    session: Session
    collection: str  #: '' for none
    revision: str  #: '' for none
    namespace: str | None
    name: str
    datasets: list[Dataset] = field(default_factory=list)

    @property
    def folder(self) -> str:
        parts = [p for p in (self.session.key, self.collection, f"#{self.revision}#" if self.revision else "") if p]
        return "/".join(parts)


@dataclass
class Collection:
    """Everything one check looks at."""

    root: str
    datasets: list[Dataset] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    objects: list[AlfObject] = field(default_factory=list)
    problems: list[WalkProblem] = field(default_factory=list)
    nested: list[Session] = field(default_factory=list)
    dirs: list[str] = field(default_factory=list)

    @property
    def outside(self) -> list[Dataset]:
        """Files that are not inside any session folder."""
        return [d for d in self.datasets if d.session is None]

    def release(self) -> None:
        """Break the reference cycles between sessions, objects and datasets, for a process
        that is done with this collection: reference counting then frees it at once, and the
        cycle collector does not scan it again and again (a worker checks many of them)."""
        for session in self.sessions + self.nested:
            session.datasets = []
            session.objects = []
            session.nested_in = None
        for obj in self.objects:
            obj.datasets = []


class _FolderInfo:
    __slots__ = ("session", "below", "collection", "revision", "reasons")

    def __init__(self, session, below, collection, revision, reasons):
        self.session = session
        self.below = below
        self.collection = collection
        self.revision = revision
        self.reasons = reasons


class _Sessions:
    """Finds the session of each folder (once per folder) from its absolute path components."""

    def __init__(self, root: str):
        self.root = root
        self.root_parts = root.rstrip("/").split("/")
        self.by_abs: dict[str, Session] = {}
        self.nested: dict[str, Session] = {}
        self.cache: dict[str, _FolderInfo] = {}

    def info(self, rel_dir: str) -> _FolderInfo:
        found = self.cache.get(rel_dir)
        if found is None:
            found = self.cache[rel_dir] = self._compute(rel_dir)
        return found

    def _compute(self, rel_dir: str) -> _FolderInfo:
        parts = self.root_parts + (rel_dir.split("/") if rel_dir else [])
        at = _find_session(parts, 1)
        if at is None:
            return _FolderInfo(None, "", None, None, ())
        session = self._session(parts, at)
        below = parts[at + 2:]
        inner = _find_session(parts, at + 2)
        if inner is not None and inner + 1 < len(parts):
            nested = self._session(parts, inner, register=False)
            if nested.abs_path not in self.nested:
                nested.nested_in = session
                self.nested[nested.abs_path] = nested
        collection, revision, reasons = spec.split_collection("/".join(below))
        return _FolderInfo(session, "/".join(below), collection, revision, tuple(reasons))

    def _session(self, parts: list[str], at: int, register: bool = True) -> Session:
        abs_path = "/".join(parts[: at + 2]) or "/"
        existing = self.by_abs.get(abs_path)
        if existing is not None:
            return existing
        lab_folder = parts[at - 2] if at >= 2 else None
        lab = parts[at - 3] if at >= 3 and lab_folder == "Subjects" else None
        root = self.root.rstrip("/")
        # Below the root: the path relative to it; the root itself or above: the ALF session path.
        key = abs_path[len(root) + 1:] if abs_path.startswith(root + "/") else _session_key(parts, at)
        session = Session(key, abs_path, lab, parts[at - 1], parts[at], parts[at + 1], lab_folder)
        if register:
            self.by_abs[abs_path] = session
        return session


def _session_key(parts: list[str], at: int) -> str:
    return "/".join(parts[_chain_start(parts, at): at + 2])


def _chain_start(parts: list[str], at: int) -> int:
    """Where the session folders whose date is ``parts[at]`` begin: the lab, or the subject."""
    return at - 3 if at >= 3 and parts[at - 2] == "Subjects" else at - 1


def _find_session(parts: list[str], start: int) -> int | None:
    """Index of the first date-shaped folder (at or after ``start``) followed by a digits folder."""
    for i in range(max(start, 1), len(parts) - 1):
        if _DATE_SHAPE.match(parts[i]) and _DIGITS.match(parts[i + 1]):
            return i
    return None


def misplaced_root(root: str, sessions: Iterable[tuple[str, str | None]]) -> tuple[str, str] | None:
    """``(session folders, the root they need)`` when ``root`` is not the top of a session's
    ``(lab/Subjects/)subject/date/number`` folders, else ``None``.

    ONE finds each session at ``<root>/(lab/Subjects/)subject/date/number``: tables made from
    a ``Subjects``, subject, date or session folder (or one inside a session) name folders
    that are not there, and load nothing. ``sessions`` gives each session's key (relative to
    ``root``, see :attr:`Session.key`) and lab (``None`` without a lab folder).
    """
    parts = root.replace(os.sep, "/").rstrip("/").split("/")
    at = _find_session(parts, 1)
    if at is not None:  # the root is a session folder or lies inside one
        start = _chain_start(parts, at)
        return "/".join(parts[start:at + 2]), "/".join(parts[:start]) or "/"
    for key, lab in sessions:
        above = (5 if lab else 3) - (key.count("/") + 1)  # chain folders outside the root
        if above > 0:
            start = len(parts) - above
            return "/".join(parts[start:] + [key]), "/".join(parts[:start]) or "/"
    return None


_UNPARSED = object()


def collect(tree: Walk) -> Collection:
    """Group the files of a walk into sessions, objects and datasets."""
    finder = _Sessions(tree.root)
    out = Collection(root=tree.root, problems=list(tree.problems), dirs=list(tree.dirs))
    root_prefix = tree.root.rstrip("/") + "/"
    objects: dict[tuple, AlfObject] = {}
    parse = spec.try_parse_filename
    parsed: dict[str, AlfParts | None] = {}
    heads = tree.heads
    for rel_dir in tree.dirs:
        finder.info(rel_dir)  # registers sessions that hold no files, too
    for entry in sorted(tree.files):
        rel = entry.rel
        rel_dir, _, name = rel.rpartition("/")
        if rel_dir == "" and name in TABLE_FILES:
            continue
        info = finder.info(rel_dir)
        session = info.session
        rel_path = f"{info.below}/{name}" if info.below else name
        parts = parsed.get(name, _UNPARSED)
        if parts is _UNPARSED:  # names repeat across sessions: parse each once, share the record
            parts = parsed[name] = parse(name)
        if session is None:
            rel_path = rel
        # positional: a third of the cost of keywords, once per file (fields in declaration order)
        dataset = Dataset(rel, root_prefix, entry.size, entry.mtime_ns, session, rel_path,
                          info.collection, info.revision, info.reasons, parts, None, heads.get(rel) if heads else None)
        out.datasets.append(dataset)
        if session is not None:
            session.datasets.append(dataset)
            if parts is not None and not info.reasons:
                key = (session.abs_path, info.collection or "", info.revision or "", parts.namespace, parts.object)
                obj = objects.get(key)
                if obj is None:
                    obj = objects[key] = AlfObject(session, info.collection or "", info.revision or "", parts.namespace, parts.object)
                    session.objects.append(obj)
                obj.datasets.append(dataset)
    out.sessions = sorted(finder.by_abs.values(), key=lambda s: s.key)
    out.nested = sorted(finder.nested.values(), key=lambda s: s.key)
    out.objects = list(objects.values())
    return out


def scan(root: str | os.PathLike, exclude=None) -> Collection:
    """Walk ``root`` once and collect it: the one entry point for a whole-tree check or index."""
    return collect(walk(root, exclude))


def iter_alf_datasets(collection: Collection) -> Iterable[Dataset]:
    """Valid ALF datasets of valid sessions, in (session, rel_path) order."""
    for session in collection.sessions:
        if session.reasons or session.nested_in is not None:
            continue
        for dataset in session.datasets:
            if dataset.is_alf:
                yield dataset
