"""Repository: ONE's list/load API on ONE-schema cache tables, or on a scan of the tree.

``alflint.open(root)`` reads ``sessions.pqt``/``datasets.pqt`` at ``root`` (written by alflint
or by ONE's ``make_parquet_db``), or indexes the tree in memory when there are none, and
answers ONE's local-mode calls with ONE's names and semantics: ``list_datasets``,
``list_collections``, ``list_revisions``, ``list_subjects``, ``search``, ``get_details``,
``to_eid``/``path2eid``/``eid2path`` and ``load_object``/``load_dataset``/``load_datasets``/
``load_collection``.

Where ONE misbehaves (see the behaviour reference, sections 5 and 9) this module does better:

* every list method returns a sorted list (``''`` first), with or without a session;
* an unknown session raises :class:`~alflint.exceptions.ALFObjectNotFound` saying so, never
  an empty DataFrame;
* no "No default revision" warnings, no md5 of every file: hashes are only checked with
  ``check_hash=True``, and only against stored hashes;
* ``revision=''`` in a load means "unrevisioned" (the last revision on or before ``''``);
* ``load_collection(..., revision=X)`` and ``load_object(..., short_keys=True)`` work;
* a filename pattern never reaches across folders: ``'*spikes.times*'`` with
  ``collection='alf'`` does not return ``alf/probe00/...``, a glob never crosses a revision
  folder (so ``revision=''`` always means unrevisioned), and dict parts match whole parts
  (``{'namespace': 'ibl'}`` does not match ``_iblrig_...``);
* a list of filename globs is a true OR (ONE applies the collection/revision prefix to the
  first glob only), and exact relative paths given to ``load_datasets`` are exact (ONE also
  matches other timescales);
* ``search(dataset_qc_lte=...)`` works on its own, ``search(dataset=...)`` means ``datasets``,
  and ``search(datasets=...)`` finds datasets in the session folder itself (ONE misses them
  when the session also has collections);
* ``path2eid`` takes the lab into account and explains ambiguities;
* ``load_object`` validates the files it is about to load first (``validate=True``).

Lists of rel paths are answered from a per-session index built once (rows grouped per eid,
sorted by rel path, parsed once per distinct rel path), so ``list_datasets(eid)`` costs
microseconds even on millions of rows. pandas and numpy are imported here, never by
``import alflint``.
"""

from __future__ import annotations

import datetime
import fnmatch
import functools
import hashlib
import operator
import os
import re
import time
import uuid
import warnings
from pathlib import Path
from typing import Any, Iterable, NamedTuple, Sequence

import numpy as np
import pandas as pd

from . import io as alfio
from . import spec
from .exceptions import (
    ALFError,
    ALFInvalid,
    ALFMultipleCollectionsFound,
    ALFMultipleObjectsFound,
    ALFMultipleRevisionsFound,
    ALFObjectNotFound,
    ALFSessionNotFound,
    ALFWarning,
)
from .freshness import newest_folder_mtime_ns

__all__ = ["Repository", "open", "QC_NAMES", "QC_TYPE"]

#: QC outcomes in the order of ONE's ordered categorical (best first).
QC_NAMES: tuple[str, ...] = ("NOT_SET", "PASS", "WARNING", "FAIL", "CRITICAL")
QC_TYPE = pd.CategoricalDtype(categories=list(QC_NAMES), ordered=True)
_QC_ENUM_VALUES = {0: 0, 10: 1, 30: 2, 40: 3, 50: 4}  # Alyx enum value -> category code

SESSION_COLUMNS = ("lab", "subject", "date", "number", "task_protocol", "projects")
DATASET_COLUMNS = ("rel_path", "file_size", "hash", "exists", "qc")
_TABLE_FILES = ("sessions.pqt", "datasets.pqt")
_FILE_PARTS = ("namespace", "object", "attribute", "timescale", "extra", "extension")
#: A session id at the end of a string: an eid, or a URL ending with one (no longer hex run).
_ID_AT_END = re.compile(r"(?<![0-9A-Fa-f-])[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\Z")


def _qc_code(qc: Any) -> int:
    """Category code (0-4) of a QC given as name, Alyx enum value, or enum member."""
    name = getattr(qc, "name", None)
    if isinstance(name, str) and name in QC_NAMES:
        return QC_NAMES.index(name)
    if isinstance(qc, str):
        if qc.upper() in QC_NAMES:
            return QC_NAMES.index(qc.upper())
    elif isinstance(qc, (int, np.integer)) and int(qc) in _QC_ENUM_VALUES:
        return _QC_ENUM_VALUES[int(qc)]
    raise ValueError(f"{qc!r} is not a QC outcome; use one of {', '.join(QC_NAMES)} (or 0, 10, 30, 40, 50)")


# --------------------------------------------------------------------------------------------
# Per-row records and the per-rel-path parse cache
# --------------------------------------------------------------------------------------------


class _Path(NamedTuple):
    """A rel path split once: collection and revision ('' when absent), filename, ALF parts."""

    collection: str
    revision: str
    filename: str
    parts: spec.AlfParts | None  #: None when the rel path is not ALF


class _Row(NamedTuple):
    rel_path: str
    path: _Path
    qc: int
    default: bool | None
    pos: int  #: row position in the datasets table


@functools.lru_cache(maxsize=None)
def _split(rel_path: str) -> _Path:
    folders, _, filename = rel_path.rpartition("/")
    try:
        parts = spec.parse_rel_path(rel_path)
    except (ALFInvalid, TypeError):
        collection, revision = folders, ""
        last = folders.rpartition("/")
        if len(last[2]) > 2 and last[2][0] == last[2][-1] == "#":
            collection, revision = last[0], last[2][1:-1]
        return _Path(collection, revision, filename, None)
    return _Path(parts.collection or "", parts.revision or "", filename, parts)


def _row_order(row: _Row) -> tuple[str, int]:
    return row.rel_path, row.pos


def _group_key(path: _Path) -> tuple[str, str]:
    return path.collection, path.filename


# --------------------------------------------------------------------------------------------
# Filters, compiled once per distinct argument set
# --------------------------------------------------------------------------------------------


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, _freeze(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple, set, frozenset)):
        return ("list", tuple(_freeze(v) for v in value))
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "dict":
        return {k: _thaw(v) for k, v in value[1]}
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "list":
        return [_thaw(v) for v in value[1]]
    return value


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _glob_regex(patterns: Any) -> re.Pattern:
    """One compiled regex that fully matches any of the glob ``patterns`` (case-sensitive)."""
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in _as_list(patterns)), re.DOTALL)


def _folder_test(pattern: Any):
    """Test for a collection or revision: None any, '' absent, else a glob (a part required)."""
    if pattern is None:
        return None
    if isinstance(pattern, str) and pattern == "":
        return lambda value: value == ""
    regex = _glob_regex(pattern)
    return lambda value: value != "" and regex.match(value) is not None


def _part_test(pattern: Any):
    if isinstance(pattern, str) and pattern == "":
        return lambda value: value is None
    regex = _glob_regex(pattern)
    return lambda value: value is not None and regex.match(value) is not None


class _Filter(NamedTuple):
    collection: Any
    revision: Any
    valid_only: bool  #: filename None or a dict: rel path must be ALF
    parts: tuple  #: ((index in AlfParts, test), ...) for dict filenames
    name: Any  #: regex over the filename (or over the rel-path tail when the pattern holds '/')
    name_has_slash: bool
    plain: bool  #: no test but ALF validity (no filename, collection or revision filter)

    def accepts(self, path: _Path, rel_path: str) -> bool:
        if self.name_has_slash:  # the folders the pattern names are not the file's collection
            return self._tail_match(rel_path)
        if self.collection is not None and not self.collection(path.collection):
            return False
        if self.revision is not None and not self.revision(path.revision):
            return False
        if self.valid_only:
            parts = path.parts
            if parts is None:
                return False
            for index, test in self.parts:
                if not test(parts[index]):
                    return False
            return True
        return self.name.match(path.filename) is not None

    def _tail_match(self, rel_path: str) -> bool:
        """A filename pattern with '/' is matched against the rel path after any leading
        folders that themselves satisfy the collection and revision filters."""
        segments = rel_path.split("/")
        for k in range(len(segments)):
            head = segments[:k]
            revision = ""
            if head and len(head[-1]) > 2 and head[-1][0] == head[-1][-1] == "#":
                revision = head.pop()[1:-1]
            collection = "/".join(head)
            if self.collection is not None and not self.collection(collection):
                continue
            if self.revision is not None and not self.revision(revision):
                continue
            if self.name.match("/".join(segments[k:])):
                return True
        return False


@functools.lru_cache(maxsize=4096)
def _compile_filter(filename: Any, collection: Any, revision: Any) -> _Filter:
    filename, collection, revision = _thaw(filename), _thaw(collection), _thaw(revision)
    parts: list = []
    name = None
    has_slash = False
    if filename is None or isinstance(filename, dict):
        for key, value in (filename or {}).items():
            if key not in _FILE_PARTS:
                raise ValueError(f"unknown ALF part {key!r} in the filename filter; parts are {', '.join(_FILE_PARTS)}")
            if value is None:
                continue
            parts.append((spec.AlfParts._fields.index(key), _part_test(value)))
        valid_only = True
    else:
        patterns = _as_list(filename)
        has_slash = any("/" in p for p in patterns)
        name = _glob_regex(patterns)
        valid_only = False
    plain = valid_only and not parts and collection is None and revision is None
    return _Filter(_folder_test(collection), _folder_test(revision), valid_only, tuple(parts), name, has_slash, plain)


class _Rows:
    """The datasets of one session as parallel lists sorted by rel path (a handful of lists
    per session instead of a tuple per row: cheap to build, nothing for the GC to walk)."""

    __slots__ = ("rels", "paths", "qc", "default", "pos", "plain")

    def __init__(self, rels: list, paths: list, qc: list, default: list, pos: list):
        self.rels, self.paths, self.qc, self.default, self.pos = rels, paths, qc, default, pos
        self.plain: dict[int, list[int]] = {}  #: qc_max -> the unfiltered selection (``list_datasets(eid)``)

    def __len__(self) -> int:
        return len(self.rels)

    def row(self, i: int) -> _Row:
        return _Row(self.rels[i], self.paths[i], self.qc[i], self.default[i], self.pos[i])


def _select_indices(rows: _Rows, flt: _Filter, qc_max: int, no_not_set: bool, default_only: bool) -> list[int]:
    rels, paths, qcs, defaults = rows.rels, rows.paths, rows.qc, rows.default
    if flt.plain and not no_not_set and not default_only:
        # the most common call, list_datasets(eid): every ALF-valid rel path within the QC
        selected = rows.plain.get(qc_max)
        if selected is None:
            selected = rows.plain[qc_max] = [i for i, (path, q) in enumerate(zip(paths, qcs)) if q <= qc_max and path.parts is not None]
        return selected.copy()
    out = []
    accepts = flt.accepts
    for i in range(len(rels)):
        q = qcs[i]
        if q > qc_max or (no_not_set and q == 0) or (default_only and not defaults[i]):
            continue
        if accepts(paths[i], rels[i]):
            out.append(i)
    return out


def _filter_rows(rows: _Rows, flt: _Filter, qc_max: int, no_not_set: bool, default_only: bool) -> list[_Row]:
    return [rows.row(i) for i in _select_indices(rows, flt, qc_max, no_not_set, default_only)]


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


def _iso(value: Any) -> str:
    if isinstance(value, str):
        return value[:10]
    if isinstance(value, (datetime.date, pd.Timestamp)):
        return value.isoformat()[:10]
    if isinstance(value, np.datetime64):
        return str(value)[:10]
    return str(value)[:10]


def _normalise_sessions(sessions: pd.DataFrame) -> pd.DataFrame:
    if "id" in sessions.columns:
        sessions = sessions.set_index("id")
    sessions = sessions.copy()
    sessions.index = pd.Index([str(i) for i in sessions.index], name="id", dtype=object)
    for column in ("lab", "task_protocol", "projects"):
        if column not in sessions.columns:
            sessions[column] = ""
        sessions[column] = sessions[column].fillna("").astype(object)
    return sessions


def _normalise_datasets(datasets: pd.DataFrame) -> pd.DataFrame:
    if "eid" in datasets.columns and "id" in datasets.columns:
        datasets = datasets.set_index(["eid", "id"])
    elif "eid" in datasets.columns:
        datasets = datasets.set_index(["eid", datasets.index.rename("id")])
    if datasets.index.nlevels != 2:
        raise ALFError("the datasets table must be indexed by (eid, id)")
    datasets = datasets.copy(deep=False)
    index = datasets.index
    for i in (0, 1):  # UUID objects (ONE's caches) become str; work on the unique values only
        level = index.levels[i]
        if pd.api.types.infer_dtype(level, skipna=True) not in ("string", "empty"):
            index = index.set_levels(pd.Index([str(v) for v in level], dtype=object), level=i)
    datasets.index = index.set_names(["eid", "id"])
    if "qc" not in datasets.columns:
        datasets["qc"] = pd.Categorical(["NOT_SET"] * len(datasets), dtype=QC_TYPE)
    elif datasets["qc"].dtype != QC_TYPE:
        datasets["qc"] = datasets["qc"].astype(str).astype(QC_TYPE)
    if "exists" not in datasets.columns:
        datasets["exists"] = True
    if "hash" not in datasets.columns:
        datasets["hash"] = ""
    if "file_size" not in datasets.columns:
        datasets["file_size"] = pd.array([pd.NA] * len(datasets), dtype="UInt64")
    return datasets


def _read_tables(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    sessions = pd.read_parquet(root / "sessions.pqt")
    datasets = pd.read_parquet(root / "datasets.pqt")
    return sessions, datasets


def _tables_from_scan(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ONE-schema (sessions, datasets) DataFrames for the tree at ``root``, built in memory.

    INTEGRATION POINT (tables): the tree is walked by ``alflint.collect.scan``, the valid
    sessions and datasets are selected by ``alflint.indexer.build_rows`` and the tables are
    built by ``alflint.tables.build_tables``, exactly as ``alflint index`` writes them (same
    ids, ``default_revision`` column). Everything else in this module only needs the two
    ONE-schema frames returned here.
    """
    from .collect import misplaced_root, scan
    from .indexer import build_rows
    from .model import Report
    from .tables import build_tables

    def refuse_misplaced(sessions) -> None:
        misplaced = misplaced_root(str(root), sessions)
        if misplaced is not None:
            raise ALFInvalid(f"cannot open {root}: it lies within the folders of session {misplaced[0]!r}, and files are "
                             f"found at <root>/(lab/Subjects/)subject/date/number; open {misplaced[1]} instead")

    refuse_misplaced(())  # a root inside a session is known from its path: refused before the walk
    collection = scan(root)
    refuse_misplaced((s.key, s.lab) for s in collection.sessions)  # a root below a lab or subject folder
    session_rows, dataset_rows, _left_out = build_rows(collection, Report(root=str(root)))
    try:
        sessions, datasets = build_tables(session_rows, dataset_rows, origin=str(root))
    except ValueError as exc:
        raise ALFInvalid(f"cannot index {root} in memory (run `alflint check {root}`)", [str(exc)]) from None
    return sessions.to_pandas(), datasets.to_pandas()


# --------------------------------------------------------------------------------------------
# The repository
# --------------------------------------------------------------------------------------------


class Repository:
    """ONE's local-mode list/load API over ONE-schema ``sessions`` and ``datasets`` tables.

    Use :func:`open` to get one. ``sessions`` is indexed by ``id`` (session eid) with
    ``lab, subject, date, number, task_protocol, projects``; ``datasets`` by ``(eid, id)``
    with ``rel_path, file_size, hash, exists, qc`` (ordered categorical) and optionally
    ``default_revision``. Session ids are returned as strings.
    """

    def __init__(self, root: str | os.PathLike, sessions: pd.DataFrame, datasets: pd.DataFrame, *, validate: bool = True, source: str = "tables"):
        self.root = Path(root).resolve()
        self.validate = validate
        self.source = source
        self._sessions = _normalise_sessions(sessions)
        self._datasets = _normalise_datasets(datasets)
        self._warned: set[str] = set()
        self._tables_mtime_ns: int | None = None  #: set by open() when the tables come from files
        self._build_index()

    # ---- construction ---------------------------------------------------------------------

    def _build_index(self) -> None:
        sessions = self._sessions
        self._session_records: dict[str, dict[str, Any]] = {}
        self._by_key: dict[tuple[str, str, int], list[str]] = {}
        columns = [sessions[c].to_numpy(dtype=object) for c in ("lab", "subject", "date", "number")]
        for eid, lab, subject, date, number in zip(sessions.index.to_numpy(dtype=object), *columns):
            date = _iso(date)
            record = {"lab": lab or "", "subject": subject, "date": date, "number": int(number)}
            self._session_records[eid] = record
            self._by_key.setdefault((subject, date, int(number)), []).append(eid)
        datasets = self._datasets
        codes, uniques = np.asarray(datasets.index.codes[0]), datasets.index.levels[0]
        order = np.argsort(codes, kind="stable")
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques)) if len(codes) else np.zeros(len(uniques), dtype=int)
        order = order[np.count_nonzero(codes < 0):]  # rows without eid sort first: drop them
        bounds = np.concatenate([[0], np.cumsum(counts)]).tolist()
        self._order = order
        self._slices = {str(u): (bounds[i], bounds[i + 1]) for i, u in enumerate(uniques)}
        self._rel_paths = datasets["rel_path"].to_numpy(dtype=object)
        #: every rel path is a str (ONE writes NaN for names it cannot parse)
        self._all_rel_paths = pd.api.types.infer_dtype(self._rel_paths, skipna=False) == "string"
        self._qc = datasets["qc"].cat.codes.to_numpy()
        self._has_default = "default_revision" in datasets.columns
        self._default = datasets["default_revision"].fillna(False).to_numpy(dtype=bool) if self._has_default else None
        self._sizes = datasets["file_size"].to_numpy(dtype=object)
        self._hashes = datasets["hash"].to_numpy(dtype=object)
        self._rows_cache: dict[str, _Rows] = {}
        self._validated: set[frozenset] = set()
        self._paths_cache: dict[str, Path] = {}
        self._root_text = str(self.root)

    def __repr__(self) -> str:
        return f"Repository({str(self.root)!r}, {len(self._sessions)} sessions, {len(self._datasets)} datasets, from {self.source})"

    @property
    def sessions(self) -> pd.DataFrame:
        """The sessions table (ONE schema, indexed by ``id``)."""
        return self._sessions

    @property
    def datasets(self) -> pd.DataFrame:
        """The datasets table (ONE schema, indexed by ``(eid, id)``)."""
        return self._datasets

    # ---- sessions --------------------------------------------------------------------------

    def _rows(self, eid: str) -> _Rows:
        rows = self._rows_cache.get(eid)
        if rows is not None:
            return rows
        start, stop = self._slices.get(eid, (0, 0))
        index = self._order[start:stop]
        rels = self._rel_paths[index].tolist()
        if self._all_rel_paths:
            keep = sorted(range(len(rels)), key=rels.__getitem__)
        else:
            keep = [i for i, rel in enumerate(rels) if rel.__class__ is str]  # not NaN, None or any other value
            keep.sort(key=rels.__getitem__)
        positions = index.tolist()
        qcs = self._qc[index].tolist()
        defaults = self._default[index].tolist() if self._default is not None else [None] * len(rels)
        if len(keep) > 1:
            pick = operator.itemgetter(*keep)  # reorders each list in C
            rels, qcs, defaults, positions = list(pick(rels)), list(pick(qcs)), list(pick(defaults)), list(pick(positions))
        else:
            rels, qcs, defaults, positions = ([x[i] for i in keep] for x in (rels, qcs, defaults, positions))
        rows = _Rows(rels, list(map(_split, rels)), qcs, defaults, positions)
        self._rows_cache[eid] = rows
        return rows

    def to_eid(self, id: Any) -> str | None:
        """The session id (a str) of an eid, UUID, session path, ``Path``, experiment reference
        ``YYYY-MM-DD_N_subject`` or dict of session parts; ``None`` gives ``None``.

        Raises :class:`ALFObjectNotFound` for a session that is not in the tables.
        """
        if id is None:
            return None
        if isinstance(id, (list, tuple)):
            return [self.to_eid(i) for i in id]  # type: ignore[return-value]
        if isinstance(id, uuid.UUID):
            key = str(id)
        elif isinstance(id, dict):
            key = self._dict2eid(id)
        elif isinstance(id, os.PathLike):
            key = self.path2eid(id)
        elif isinstance(id, str):
            if id in self._session_records:
                return id
            ref = re.match(r"(\d{4}-\d{2}-\d{2})_(\d{1,3})_(.+)\Z", id)
            if ref:
                key = self._lookup(ref[3], ref[1], int(ref[2]), None, id)
            elif _ID_AT_END.search(id):  # an eid, or a URL ending with one (Alyx's .../sessions/<eid>)
                key = str(uuid.UUID(id[-36:]))
            elif "/" in id or "\\" in id:
                key = self.path2eid(id)
            else:
                try:
                    key = str(uuid.UUID(id))
                except ValueError:
                    raise ALFSessionNotFound(f"{id!r} is neither a session id, a session path nor an experiment reference") from None
        else:
            raise TypeError(f"cannot read a session id from a {type(id).__name__}")
        if key is None or key not in self._session_records:
            raise ALFSessionNotFound(f"session {id!r} is not in the tables of {self.root}")
        return key

    def _dict2eid(self, info: dict) -> str | None:
        number = info.get("number", info.get("sequence"))
        date = info.get("date", info.get("start_time"))
        if info.get("subject") is None or date is None or number is None:
            raise ValueError("a session dict needs subject, date (or start_time) and number (or sequence)")
        return self._lookup(info["subject"], _iso(date), int(number), info.get("lab"), info)

    def _lookup(self, subject: str, date: str, number: int, lab: str | None, what: Any) -> str | None:
        candidates = self._by_key.get((subject, date, number), [])
        if lab is not None:
            candidates = [c for c in candidates if self._session_records[c]["lab"] == lab]
        if len(candidates) > 1:
            labs = sorted(self._session_records[c]["lab"] or "(no lab)" for c in candidates)
            if len(set(labs)) < len(labs):  # ONE's tables of folders '1' and '001': no lab tells them apart
                raise ALFMultipleObjectsFound(f"{what!r} matches {len(candidates)} sessions: {_padding_twins()}")
            raise ALFMultipleObjectsFound(
                f"{what!r} matches {len(candidates)} sessions (labs {', '.join(labs)}); give the lab, "
                "e.g. 'lab/Subjects/subject/date/number'"
            )
        return candidates[0] if candidates else None

    def path2eid(self, path: str | os.PathLike) -> str | None:
        """The eid of the session holding ``path`` (a session folder or a file in it), or
        ``None``. The lab counts when the path has one (``lab/Subjects/...``); number padding
        does not. Several sessions matching raise :class:`ALFMultipleObjectsFound`."""
        text = Path(path).as_posix() if isinstance(path, os.PathLike) else str(path).replace("\\", "/")
        root = self.root.as_posix().rstrip("/") + "/"
        if text.startswith(root):
            text = text[len(root):]
        try:
            parts = spec.parse_path(text)
        except ALFInvalid:
            try:
                parts = spec.parse_session_path(text)
            except ALFInvalid:
                return None
        if parts.subject is None:
            return None
        return self._lookup(parts.subject, parts.date, int(parts.number), parts.lab, path)

    def eid2path(self, eid: Any) -> Path:
        """The session folder ``root/(lab/Subjects/)subject/date/NNN`` (as on disk when an
        unpadded number folder exists and the padded one does not)."""
        key = self.to_eid(eid)
        cached = self._paths_cache.get(key)
        if cached is not None:
            return cached
        return self._locate(key)[0]

    def _locate(self, key: str) -> tuple[Path, int | None]:
        """:meth:`eid2path` of an eid in the sessions table, and the folder's mtime (None when
        it is not on disk): one ``stat`` of plain strings, as ``open`` asks for every session."""
        rec = self._session_records[key]
        sep = os.sep
        head = f"{self._root_text}{sep}{rec['lab']}{sep}Subjects" if rec["lab"] else self._root_text
        base = f"{head}{sep}{rec['subject']}{sep}{rec['date']}{sep}"
        number = rec["number"]
        found, mtime_ns = f"{base}{number:03d}", None
        for width in (3, 1, 2):  # padded as ONE writes it, else unpadded as on disk
            candidate = f"{base}{number:0{width}d}"
            try:
                mtime_ns = os.stat(candidate).st_mtime_ns
            except OSError:
                continue
            found = candidate
            break
        path = self._paths_cache[key] = Path(found)
        return path, mtime_ns

    def list_subjects(self) -> list[str]:
        """The subjects, sorted and unique."""
        return sorted(set(self._sessions["subject"].dropna().astype(str)))

    def get_details(self, eid: Any, full: bool = False):
        """The session record (a Series named by the eid); with ``full``, its datasets joined
        with the session columns (a DataFrame indexed by ``(eid, id)``)."""
        key = self.to_eid(eid)
        record = self._sessions.loc[key]
        if isinstance(record, pd.DataFrame):
            raise ALFMultipleObjectsFound(f"session id {key!r} appears {len(record)} times in the sessions table")
        if not full:
            return record.copy()
        frame = self._frame(key, self._rows(key).pos, keep_eid=True)
        for column in self._sessions.columns:
            frame[column] = [record[column]] * len(frame)
        return frame

    # ---- listing ---------------------------------------------------------------------------

    def _select(self, eid, filename, collection, revision, qc, ignore_qc_not_set, default_revisions_only) -> tuple[str | None, _Rows, list[int]]:
        if default_revisions_only and not self._has_default:
            raise ALFError("the datasets table has no default_revision column, so there are no default revisions to keep")
        flt = _compile_filter(_freeze(filename), _freeze(collection), _freeze(revision))
        qc_max = _qc_code(qc)
        if eid is None:
            rows = self._all_rows(qc_max, ignore_qc_not_set, default_revisions_only)
            # those rows already passed the QC and default filters: their flags are stand-ins
            return None, rows, _select_indices(rows, flt, qc_max, False, False)
        key = self.to_eid(eid)
        rows = self._rows(key)
        return key, rows, _select_indices(rows, flt, qc_max, ignore_qc_not_set, default_revisions_only)

    def _all_rows(self, qc_max: int, no_not_set: bool, default_only: bool) -> _Rows:
        """One row per distinct rel path among the rows passing the QC and default filters
        (of every session), so that the path filter runs once per distinct rel path."""
        mask = self._qc <= qc_max
        if no_not_set:
            mask &= self._qc != 0
        if default_only and self._default is not None:
            mask &= self._default
        rels = [r for r in pd.unique(self._rel_paths[mask]) if r.__class__ is str]
        rels.sort()
        n = len(rels)
        return _Rows(rels, list(map(_split, rels)), [0] * n, [True] * n, [-1] * n)

    def _frame(self, eid: str | None, positions: Sequence[int], keep_eid: bool = False) -> pd.DataFrame:
        frame = self._datasets.iloc[list(positions)].copy()
        if eid is not None and not keep_eid:
            frame.index = frame.index.droplevel(0)
        return frame

    def _frame_all(self, rels: set[str], qc: Any, ignore_qc_not_set: bool, default_only: bool) -> pd.DataFrame:
        """Rows of every session whose rel path is in ``rels`` and that pass the QC filters."""
        mask = pd.Series(self._rel_paths).isin(rels).to_numpy() & (self._qc <= _qc_code(qc))
        if ignore_qc_not_set:
            mask &= self._qc != 0
        if default_only and self._default is not None:
            mask &= self._default
        return self._datasets[mask].sort_values("rel_path", kind="stable")

    def list_datasets(
        self,
        eid: Any = None,
        filename: Any = None,
        collection: Any = None,
        revision: Any = None,
        qc: Any = "FAIL",
        ignore_qc_not_set: bool = False,
        details: bool = False,
        default_revisions_only: bool = False,
        keep_eid_index: bool = False,
    ):
        """Sorted rel paths of the datasets matching the filters (``''`` sorts first).

        ``filename`` is a glob over the filename (over the rel path when it holds ``/``), a
        list of globs (any), or a dict of ALF parts (``namespace, object, attribute,
        timescale, extra, extension``; globs; ``''`` means absent). Without ``filename`` or
        with a dict, only ALF-valid rel paths are listed. ``collection``/``revision`` are
        globs; ``''`` means none; the revision is matched as a label (no "last before").
        QC worse than ``qc`` is hidden (CRITICAL by default); ``ignore_qc_not_set`` also
        hides NOT_SET. With ``details`` the table rows are returned (index ``id``, or
        ``(eid, id)`` without eid or with ``keep_eid_index``).
        """
        key, rows, selected = self._select(eid, filename, collection, revision, qc, ignore_qc_not_set, default_revisions_only)
        rels = rows.rels
        if details:
            if key is None:
                return self._frame_all({rels[i] for i in selected}, qc, ignore_qc_not_set, default_revisions_only)
            return self._frame(key, [rows.pos[i] for i in selected], keep_eid=keep_eid_index)
        return [rels[i] for i in selected]

    def list_collections(self, eid: Any = None, filename: Any = None, collection: Any = None, revision: Any = None, details: bool = False):
        """Sorted distinct collections (``''`` for the session folder) of the matching datasets;
        with ``details`` a dict ``{collection: datasets frame}``."""
        key, rows, selected = self._select(eid, filename, collection, revision, "FAIL", False, False)
        return self._distinct(key, rows, selected, 0, details)

    def list_revisions(self, eid: Any = None, filename: Any = None, collection: Any = None, revision: Any = None, details: bool = False):
        """Sorted distinct revision labels (``''`` for unrevisioned) of the matching datasets;
        ``revision`` is a glob (``'202[01]*'``); with ``details`` a dict of frames."""
        key, rows, selected = self._select(eid, filename, collection, revision, "FAIL", False, False)
        return self._distinct(key, rows, selected, 1, details)

    def _distinct(self, key, rows: _Rows, selected: list[int], field: int, details: bool):
        paths = rows.paths
        values = sorted({paths[i][field] for i in selected})
        if not details:
            return values
        if key is None:
            out = {}
            for v in values:
                rels = {rows.rels[i] for i in selected if paths[i][field] == v}
                out[v] = self._frame_all(rels, "FAIL", False, False)
            return out
        return {v: self._frame(key, [rows.pos[i] for i in selected if paths[i][field] == v]) for v in values}

    # ---- loading ---------------------------------------------------------------------------

    def _resolve(self, rows: list[_Row], revision: str | None) -> list[_Row]:
        """One row per (collection, filename): the default revision when ``revision`` is None
        and the table has defaults, else the last revision on or before ``revision`` (plain
        string order; unrevisioned ``''`` comes before every label), or the latest."""
        groups: dict[tuple[str, str], list[_Row]] = {}
        for row in rows:
            groups.setdefault(_group_key(row.path), []).append(row)
        chosen = []
        for group in groups.values():
            pick = None
            if revision is None and self._has_default:
                defaults = [r for r in group if r.default]
                if len(defaults) > 1:
                    labels = ", ".join(repr(r.path.revision) for r in defaults)
                    raise ALFMultipleRevisionsFound(f"{group[0].path.filename}: several default revisions ({labels}) in the table")
                if defaults:
                    pick = defaults[0]
            if pick is None:
                candidates = group if revision is None else [r for r in group if r.path.revision <= revision]
                if not candidates:
                    continue
                pick = max(candidates, key=lambda r: r.path.revision)
            chosen.append(pick)
        chosen.sort(key=_row_order)
        return chosen

    def _files(self, key: str, rows: Sequence[_Row], check_hash: bool) -> list[Path | None]:
        """Absolute paths of the rows (None where the file is missing), checking the stored
        size, and the stored md5 only when ``check_hash``."""
        base = self.eid2path(key)
        sizes, hashes = self._sizes, self._hashes
        out: list[Path | None] = []
        self._stats = {}
        for row in rows:
            path = base / row.rel_path
            try:
                st = os.stat(path)
            except OSError:
                out.append(None)
                continue
            size = st.st_size
            self._stats[path] = (size, st.st_mtime_ns)
            stored = sizes[row.pos]
            if stored is not None and stored is not pd.NA and not pd.isna(stored) and int(stored) != size:
                self._warn_once(f"size:{path}", f"{path} is {size} bytes but the tables say {int(stored)}: the tables are stale (run `alflint index`)")
            elif check_hash:
                expected = hashes[row.pos]
                if isinstance(expected, str) and expected:
                    digest = hashlib.md5(path.read_bytes()).hexdigest()
                    if digest != expected:
                        self._warn_once(f"md5:{path}", f"md5 of {path} is {digest}, the tables say {expected}")
            out.append(path)
        return out

    def _check_folders_unchanged(self, folders: Iterable[Path]) -> None:
        """Warn once when a folder we load from changed (a file added or removed) after the
        tables were written: the tables may miss datasets there."""
        for folder in folders:
            try:
                changed = os.stat(folder).st_mtime_ns > self._tables_mtime_ns
            except OSError:
                continue
            if changed:
                self._warn_once(
                    f"stale:{folder}",
                    f"{folder} changed after the cache tables were written: they may miss datasets there; "
                    "run `alflint index` to refresh them",
                )

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(message, ALFWarning, stacklevel=3)

    def _validate(self, files: Sequence[Path]) -> None:
        """Run alflint's object and content rules on exactly ``files`` before they are loaded.

        INTEGRATION POINT (engine): ``alflint.engine.check_files(root, rel_paths) -> Report``
        with rel_paths POSIX and relative to ``self.root``. Errors raise :class:`ALFInvalid`
        carrying the report; warnings are issued once each as :class:`ALFWarning`.
        """
        if not files:
            return
        stats = getattr(self, "_stats", {})
        version = frozenset((str(f), stats.get(f)) for f in files)
        if all(stats.get(f) for f in files) and version in self._validated:
            return  # these files, unchanged, passed already
        from .engine import check_files

        root = str(self.root)
        rels = []
        for f in files:
            text = str(f)
            rels.append(text[len(root) + 1:].replace(os.sep, "/") if text.startswith(root + os.sep) else Path(f).as_posix())
        report = check_files(self.root, rels)
        errors = list(getattr(report, "errors", []))
        for issue in getattr(report, "warnings", []):
            self._warn_once(f"issue:{issue.code}:{issue.path}:{issue.message}", f"{issue.path}: {issue.code} {issue.message}")
        if errors:
            reasons = [f"{i.path}: {i.code} {i.message}" for i in errors]
            raise ALFInvalid(f"{len(errors)} error(s) in the files to load", reasons, report=report)
        self._validated.add(version)

    def _load_rows(self, key: str, rows: list[_Row], what: str, *, check_hash: bool, validate: bool | None):
        files = self._files(key, rows, check_hash)
        present = [f for f in files if f is not None]
        if not present:
            raise ALFObjectNotFound(f"{what}: listed in the tables but not on disk under {self.eid2path(key)}")
        if self._tables_mtime_ns is not None:
            self._check_folders_unchanged({f.parent for f in present})
        if self.validate if validate is None else validate:
            self._validate(present)
        return present

    def _object_rows(self, key, obj, collection, revision, parts) -> list[_Row]:
        filename = {"object": obj, **{k: v for k, v in parts.items()}}
        flt = _compile_filter(_freeze(filename), _freeze(collection), None)
        rows = _filter_rows(self._rows(key), flt, _qc_code("FAIL"), False, False)
        if not rows:
            raise ALFObjectNotFound(f"object {obj!r} not found in session {key}" + (f" (collection {collection!r})" if collection is not None else ""))
        objects = {r.path.parts.object for r in rows}
        if len(objects) > 1:
            raise ALFMultipleObjectsFound(f"{obj!r} matches several objects: {', '.join(sorted(objects))}; be more specific")
        collections = {r.path.collection for r in rows}
        if len(collections) > 1:
            raise ALFMultipleCollectionsFound(
                f"object {obj!r} is in several collections: {', '.join(repr(c) for c in sorted(collections))}; pass collection="
            )
        rows = self._resolve(rows, revision)
        if not rows:
            raise ALFObjectNotFound(f"object {obj!r} has no revision on or before {revision!r} in session {key}")
        revisions = sorted({r.path.revision for r in rows})
        if len(revisions) > 1:
            self._warn_once(
                f"revisions:{key}:{obj}:{collection}:{revision}",
                f"object {obj!r} loads from several revisions: {', '.join(repr(r) for r in revisions)}",
            )
        return rows

    def load_object(
        self,
        eid: Any,
        obj: str,
        collection: str | None = None,
        revision: str | None = None,
        *,
        short_keys: bool = False,
        check_hash: bool = False,
        download_only: bool = False,
        validate: bool | None = None,
        allow_pickle: bool = False,
        **parts: Any,
    ):
        """Load the files of object ``obj`` into an :class:`~alflint.io.AlfBunch`.

        ``parts`` are ALF part filters (``attribute, namespace, timescale, extra,
        extension``; globs, lists OR). ``collection`` is a glob; the object must be in one
        collection. ``revision`` picks, per dataset, the last revision on or before it
        (``None``: the default revision, else the latest). With ``download_only`` the list of
        paths is returned. ``validate`` (default: the repository's setting) runs the rules
        on the files first and raises :class:`ALFInvalid` on errors.
        """
        key = self.to_eid(eid)
        rows = self._object_rows(key, obj, collection, revision, parts)
        present = self._load_rows(key, rows, f"object {obj!r}", check_hash=check_hash, validate=validate)
        if download_only:
            return present
        return alfio.load_object(present, short_keys=short_keys, allow_pickle=allow_pickle)

    def _dataset_rows(self, key, dataset, collection, revision) -> list[_Row]:
        if isinstance(dataset, str) and "/" in dataset:
            if collection is not None or revision is not None:
                raise ValueError("collection and revision must be None when the dataset is given as a relative path")
            if "*" in dataset:
                warnings.warn("wildcards in a relative dataset path match as globs", UserWarning, stacklevel=3)
            path = _split(dataset)
            flt = _compile_filter(path.filename, path.collection, path.revision)
            rows = _filter_rows(self._rows(key), flt, _qc_code("FAIL"), False, False)
        else:
            if isinstance(dataset, str) and dataset.count(".") == 1:
                dataset += ".*"
            flt = _compile_filter(_freeze(dataset), _freeze(collection), None)
            rows = _filter_rows(self._rows(key), flt, _qc_code("FAIL"), False, False)
            if rows:
                collections = {r.path.collection for r in rows}
                if len(collections) > 1:
                    raise ALFMultipleCollectionsFound(
                        f"dataset {dataset!r} is in several collections: {', '.join(repr(c) for c in sorted(collections))}; pass collection="
                    )
                rows = self._resolve(rows, revision)
        if not rows:
            raise ALFObjectNotFound(f"dataset {dataset!r} not found in session {key}")
        if len(rows) > 1:
            raise ALFMultipleObjectsFound(f"dataset {dataset!r} matches several datasets: {', '.join(r.rel_path for r in rows)}")
        return rows

    def load_dataset(
        self,
        eid: Any,
        dataset: str | dict,
        collection: str | None = None,
        revision: str | None = None,
        *,
        check_hash: bool = False,
        download_only: bool = False,
        validate: bool | None = None,
        allow_pickle: bool = False,
    ):
        """Load one dataset: a filename (``object.attribute`` gets ``.*`` appended), a dict of
        ALF parts, or a relative path (exact collection and revision). Returns the loaded
        object (:func:`alflint.io.load_file`), or its path with ``download_only``."""
        key = self.to_eid(eid)
        rows = self._dataset_rows(key, dataset, collection, revision)
        present = self._load_rows(key, rows, f"dataset {dataset!r}", check_hash=check_hash, validate=validate)
        return present[0] if download_only else alfio.load_file(present[0], allow_pickle=allow_pickle)

    def _record(self, key: str, row: _Row) -> dict[str, Any]:
        ds = self._datasets
        record = {"eid": key, "id": ds.index[row.pos][1]}
        record.update({c: ds[c].iloc[row.pos] for c in ds.columns})
        record["qc"] = QC_NAMES[row.qc]
        record["revision"] = row.path.revision
        return record

    def load_datasets(
        self,
        eid: Any,
        datasets: Sequence[str | dict],
        collections: str | Sequence[str | None] | None = None,
        revisions: str | Sequence[str | None] | None = None,
        assert_present: bool = True,
        *,
        check_hash: bool = False,
        download_only: bool = False,
        validate: bool | None = None,
        allow_pickle: bool = False,
    ) -> tuple[list[Any], list[dict | None]]:
        """Load several datasets; returns ``(data, records)`` aligned with ``datasets``.

        When any entry is a relative path, every entry is an exact relative path; one that is
        not its dataset's default revision is loaded with an :class:`ALFWarning`, as ONE does.
        ``collections``/``revisions`` are broadcast from a str or given per dataset. Missing
        datasets raise :class:`ALFObjectNotFound` (or give ``None`` with ``assert_present=False``).
        """
        if isinstance(datasets, (str, dict)):
            raise TypeError("datasets must be a list of names, dicts or relative paths")
        datasets = list(datasets)
        key = self.to_eid(eid)
        if not datasets:
            return [], []
        kinds = {type(d) for d in datasets}
        if len(kinds) > 1:
            raise ValueError("datasets must be all strings or all dicts")
        as_paths = any(isinstance(d, str) and "/" in d for d in datasets)
        if as_paths and (collections is not None or revisions is not None):
            raise ValueError("collections and revisions must be None when datasets are relative paths")

        def broadcast(value, name):
            if value is None or isinstance(value, str):
                return [value] * len(datasets)
            value = list(value)
            if len(value) != len(datasets):
                raise ValueError(f"{name} must be a str or one value per dataset ({len(datasets)})")
            return value

        colls, revs = broadcast(collections, "collections"), broadcast(revisions, "revisions")
        data: list[Any] = []
        records: list[dict | None] = []
        missing, revised = [], []
        for dataset, coll, rev in zip(datasets, colls, revs):
            try:
                if as_paths:
                    path = _split(dataset)
                    flt = _compile_filter(path.filename, path.collection, path.revision)
                    rows = _filter_rows(self._rows(key), flt, _qc_code("FAIL"), False, False)
                    if not rows:
                        raise ALFObjectNotFound(dataset)
                    if rows[0].default is False:  # an exact path skips the revision choice
                        revised.append(dataset)
                else:
                    rows = self._dataset_rows(key, dataset, coll, rev)
                files = self._files(key, rows, check_hash)
                if files[0] is None:
                    raise ALFObjectNotFound(dataset)
            except ALFObjectNotFound:
                missing.append(dataset if isinstance(dataset, str) else repr(dataset))
                data.append(None)
                records.append(None)
                continue
            if (self.validate if validate is None else validate):
                self._validate(files)
            data.append(files[0] if download_only else alfio.load_file(files[0], allow_pickle=allow_pickle))
            records.append(self._record(key, rows[0]))
        if revised:
            warnings.warn(f"{', '.join(revised)}: not the default revision of {'its dataset' if len(revised) == 1 else 'their datasets'} "
                          f"in session {key} (revised since); load by name, or give revisions=, for the default",
                          ALFWarning, stacklevel=2)
        if missing:
            message = f"not found in session {key} (tables or disk): {', '.join(missing)}"
            if assert_present:
                raise ALFObjectNotFound(message)
            warnings.warn(message, ALFWarning, stacklevel=2)
        return data, records

    def load_collection(
        self,
        eid: Any,
        collection: str,
        object: str | None = None,
        revision: str | None = None,
        *,
        short_keys: bool = False,
        check_hash: bool = False,
        download_only: bool = False,
        validate: bool | None = None,
        allow_pickle: bool = False,
        **parts: Any,
    ):
        """Load every object of ``collection`` (a glob; ``''`` for the session folder) into a
        dict ``{object: AlfBunch}``; ``object`` and ALF ``parts`` filter; ``revision`` as in
        :meth:`load_object`. With ``download_only`` the list of paths is returned."""
        key = self.to_eid(eid)
        filename = {"object": object, **parts} if object is not None else dict(parts)
        flt = _compile_filter(_freeze(filename), _freeze(collection), None)
        rows = _filter_rows(self._rows(key), flt, _qc_code("FAIL"), False, False)
        if not rows:
            raise ALFObjectNotFound(f"collection {collection!r} not found in session {key}" + (f" for object {object!r}" if object else ""))
        rows = self._resolve(rows, revision)
        if not rows:
            raise ALFObjectNotFound(f"collection {collection!r} has no revision on or before {revision!r} in session {key}")
        by_object: dict[str, list[_Row]] = {}
        for row in rows:
            by_object.setdefault(row.path.parts.object, []).append(row)
        for name, group in by_object.items():
            colls = {r.path.collection for r in group}
            if len(colls) > 1:
                raise ALFMultipleCollectionsFound(f"object {name!r} is in several collections matching {collection!r}: {', '.join(sorted(colls))}")
        present = self._load_rows(key, rows, f"collection {collection!r}", check_hash=check_hash, validate=validate)
        if download_only:
            return present
        by_path = {str(p): p for p in present}
        out = alfio.AlfBunch()
        base = self.eid2path(key)
        for name, group in sorted(by_object.items()):
            files = [by_path[str(base / r.rel_path)] for r in group if str(base / r.rel_path) in by_path]
            if files:
                out[name] = alfio.load_object(files, short_keys=short_keys, allow_pickle=allow_pickle)
        return out

    # ---- search ----------------------------------------------------------------------------

    _SEARCH_TERMS = ("datasets", "date_range", "laboratory", "number", "projects", "subject", "task_protocol", "dataset_qc_lte")
    _SEARCH_ALIASES = {"dataset": "datasets", "lab": "laboratory", "date": "date_range", "qc": "dataset_qc_lte"}

    def _search_term(self, key: str) -> str:
        low = key.lower()
        if low in self._SEARCH_TERMS:
            return low
        if low in self._SEARCH_ALIASES:
            return self._SEARCH_ALIASES[low]
        matches = [t for t in self._SEARCH_TERMS if t.startswith(low)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise ValueError(f"ambiguous search term {key!r}: {', '.join(matches)}")
        raise ValueError(f"unknown search term {key!r}; terms are {', '.join(self._SEARCH_TERMS)}")

    def search(self, details: bool = False, **kwargs: Any):
        """Session ids matching all the given terms, newest first (date, subject, number).

        Terms (case-insensitive, unique prefixes accepted; ``lab``, ``date`` and ``dataset``
        are aliases): ``subject``, ``laboratory``, ``task_protocol``, ``projects`` (regex
        search, a list is OR); ``date_range`` (a date, or ``[start, end]`` inclusive, ``None``
        open); ``number``; ``datasets`` (every name must fullmatch, as a regex, the basename
        of an existing dataset with QC at most ``dataset_qc_lte``, default FAIL);
        ``dataset_qc_lte`` alone keeps sessions with at least one such dataset. With
        ``details``, returns ``(eids, records)``.
        """
        terms = {self._search_term(k): v for k, v in kwargs.items() if v is not None}
        sessions = self._sessions
        mask = np.ones(len(sessions), dtype=bool)
        columns = {"subject": "subject", "laboratory": "lab", "task_protocol": "task_protocol", "projects": "projects"}
        for term, column in columns.items():
            if term in terms:
                pattern = "|".join(_as_list(terms[term]))
                regex = re.compile(pattern)
                values = sessions[column].fillna("").astype(str)
                mask &= np.fromiter((regex.search(v) is not None for v in values), dtype=bool, count=len(values))
        if "date_range" in terms:
            start, end = _date_range(terms["date_range"])
            dates = np.array([_iso(d) for d in sessions["date"]], dtype=object)
            if start is not None:
                mask &= dates >= start
            if end is not None:
                mask &= dates <= end
        if "number" in terms:
            numbers = {int(n) for n in _as_list(terms["number"])} if not isinstance(terms["number"], (int, np.integer)) else {int(terms["number"])}
            mask &= sessions["number"].astype(int).isin(numbers).to_numpy()
        if "datasets" in terms or "dataset_qc_lte" in terms:
            allowed = self._sessions_with(terms.get("datasets"), terms.get("dataset_qc_lte", "FAIL"))
            mask &= sessions.index.isin(list(allowed))
        found = sessions[mask]
        order = sorted(
            zip(found.index, (_iso(d) for d in found["date"]), found["subject"], found["number"].astype(int)),
            key=lambda t: (t[1], t[2], t[3], t[0]),
            reverse=True,
        )
        eids = [t[0] for t in order]
        if not details:
            return eids
        records = []
        for eid in eids:
            rec = sessions.loc[eid]
            records.append({c: rec[c] for c in sessions.columns})
        return eids, records

    def _sessions_with(self, names: Any, qc: Any) -> set[str]:
        ds = self._datasets
        keep = (self._qc <= _qc_code(qc)) & ds["exists"].fillna(False).to_numpy(dtype=bool)
        eids = ds.index.get_level_values(0).to_numpy()
        if names is None:
            return set(pd.unique(eids[keep]))
        rel = self._rel_paths
        result: set[str] | None = None
        unique_rels = pd.unique(rel[keep])
        for name in _as_list(names):
            regex = re.compile(name)
            matched = {r for r in unique_rels if isinstance(r, str) and regex.fullmatch(r.rsplit("/", 1)[-1])}
            hit = keep & pd.Series(rel).isin(matched).to_numpy()
            have = set(pd.unique(eids[hit]))
            result = have if result is None else result & have
        return result or set()


def _date_range(value: Any) -> tuple[str | None, str | None]:
    if isinstance(value, (str, datetime.date, pd.Timestamp)):
        day = _iso(value)
        return day, day
    values = list(value)
    if len(values) == 1:
        return _iso(values[0]), None
    if len(values) == 2:
        return (None if values[0] is None else _iso(values[0]), None if values[1] is None else _iso(values[1]))
    raise ValueError("date_range takes a date or a list of one or two dates")


def _padding_twins() -> str:
    return ("the tables hold session folders of one lab, subject and date whose numbers differ only in padding "
            "('1' and '001'): ONE cannot tell them apart, and loads of either read the same folder; rename one "
            "folder and index again (`alflint index` refuses such a tree)")


def _warn_of_padding_twins(repo: Repository) -> None:
    """Tables made by ONE from folders '1' and '001' hold two sessions that name one folder."""
    for key, eids in repo._by_key.items():
        labs = [repo._session_records[e]["lab"] for e in eids]
        if len(set(labs)) < len(labs):
            warnings.warn(f"session {'/'.join(map(str, key))}: {_padding_twins()}", ALFWarning, stacklevel=3)
            return


def _newest_session_mtime_ns(repo: Repository) -> int:
    """The newest mtime of the session folders of ``repo`` and of the folders between them
    and its root (:func:`alflint.freshness.newest_folder_mtime_ns`), locating each session
    folder with the same ``stat`` that gives its time; a missing one counts as now."""
    newest, parents = 0, set()
    for key in repo._session_records:
        path, mtime_ns = repo._locate(key)
        if mtime_ns is None:
            return time.time_ns()
        newest = max(newest, mtime_ns)
        parents.add(os.path.dirname(path))
    return max(newest, newest_folder_mtime_ns(repo.root, parents))


def open(root: str | os.PathLike, scan: bool = False, validate: bool = True) -> Repository:
    """Open the ALF repository at ``root`` for listing and loading.

    Uses ``sessions.pqt``/``datasets.pqt`` at ``root`` (alflint's or ONE's) unless ``scan``
    is True or they are absent, in which case the tree is indexed in memory. When the tables
    look older than the tree (a session, date or subject folder changed after they were
    written), an :class:`ALFWarning` says so; loads also warn once per folder they read from
    that changed after the tables were written. ``validate`` is the default of the loads' ``validate``.
    """
    root_path = Path(root).resolve()
    if not root_path.is_dir():
        raise ALFObjectNotFound(f"{root} is not a folder")
    tables = [root_path / name for name in _TABLE_FILES]
    if not scan and all(t.is_file() for t in tables):
        sessions, datasets = _read_tables(root_path)
        repo = Repository(root_path, sessions, datasets, validate=validate, source="tables")
        written = min(t.stat().st_mtime_ns for t in tables)
        repo._tables_mtime_ns = written
        _warn_of_padding_twins(repo)
        if _newest_session_mtime_ns(repo) > written:
            warnings.warn(
                f"the cache tables in {root_path} are older than the data (files were added or removed "
                "since they were written); run `alflint index` to refresh them",
                ALFWarning,
                stacklevel=2,
            )
        return repo
    sessions, datasets = _tables_from_scan(root_path)
    return Repository(root_path, sessions, datasets, validate=validate, source="scan")
