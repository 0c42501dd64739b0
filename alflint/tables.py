"""ONE cache tables: build ``sessions.pqt`` and ``datasets.pqt`` with pyarrow and write them atomically.

The tables follow the schema ONE-api writes in ``one.alf.cache.make_parquet_db`` (same columns,
arrow and parquet types, index columns and pandas metadata, and the ``one_metadata`` key), so
``one.api.One(cache_dir=root, mode='local')`` opens them as its own. Where ONE's builder is
unusable, these tables differ on purpose:

* ids are reproducible: ``eid = uuid3(ALFLINT_NAMESPACE, canonical session path)`` and
  ``id = uuid3(eid, rel_path)``, so rebuilding a tree gives the same ids and a dataset id never
  repeats across sessions (ONE draws a fresh namespace per build and hashes the rel_path alone);
* a ``default_revision`` column marks the newest revision of each dataset, so ONE picks
  revisions deterministically and does not warn "No default revision" on every load;
* without md5 sums the ``hash`` column holds nulls (parquet NULL type), which ONE reads as
  ``None`` and skips its md5 check (ONE writes ``''``, which fails that check for every file);
* sessions without datasets are kept as rows, and impossible dates or conflicting labs raise a
  ``ValueError`` that names the session instead of an assertion deep in pandas.

The writer takes plain records (:class:`SessionRow`, :class:`DatasetRow`), so it does not depend
on how the tree was walked. pyarrow is imported here at module level; ``import alflint`` never
imports this module. Arrays are built from buffers (pyarrow's ``pa.array`` on a list imports
pandas), and the pandas metadata is taken once from a one-row prototype frame, so it is what
the installed pandas writes for ONE's frames; it is remembered in the user's cache folder, so
writing tables does not import pandas.
"""

from __future__ import annotations

import array
import collections
import datetime
import functools
import hashlib
import itertools
import json
import operator
import os
import re
import stat
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Iterable, NamedTuple, Sequence

import numpy as np  # pyarrow's own dependency, imported with it anyway
import pyarrow as pa
import pyarrow.parquet as pq

from ._cachedir import cache_folder, write_atomically
from ._interrupts import interrupts_deferred
from .ids import ALFLINT_NAMESPACE, canonical_session_path, dataset_id, eid_of, split_revision, uuid3_text
from .sessionrows import DATASETS_FILE, ID_LENGTH, SESSIONS_FILE, SessionRow, default_flags

__all__ = [
    "ALFLINT_NAMESPACE",
    "QC_CATEGORIES",
    "SESSIONS_FILE",
    "DATASETS_FILE",
    "SessionRow",
    "DatasetRow",
    "PreviousTables",
    "canonical_session_path",
    "session_eid",
    "dataset_id",
    "split_revision",
    "build_tables",
    "build_indexed_tables",
    "schema_metadata_ready",
    "write_tables",
    "read_tables",
    "previous_file_rows",
    "previous_file_states",
    "FileState",
    "md5_files",
    "sessions_schema",
    "datasets_schema",
]

#: ONE's QC categories in the order of their enum values (the categorical's order).
QC_CATEGORIES: tuple[str, ...] = ("NOT_SET", "PASS", "WARNING", "FAIL", "CRITICAL")


_CHUNK = 1 << 20  # md5 read size: 1 MiB
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_NUMBER = re.compile(r"[0-9]{1,3}\Z")
_MD5 = re.compile(r"[0-9a-f]{32}\Z")
_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()


class DatasetRow(NamedTuple):
    """One file of a session: ``rel_path`` is POSIX, relative to the session
    (``collection/#revision#/filename``); ``session`` is the :attr:`SessionRow.path`.

    ``hash`` is the md5 hex digest, or ``None`` when files were not hashed.
    """

    session: str
    rel_path: str
    file_size: int
    hash: str | None = None
    mtime_ns: int | None = None


class PreviousTables(NamedTuple):
    """Tables read back by :func:`read_tables`.

    ``sessions`` maps eid to a :class:`SessionRow` whose ``path`` is the canonical path ONE
    rebuilds from the row (with the stored lab); ``datasets`` maps dataset id to a
    :class:`DatasetRow` whose ``session`` is that path. ``eids`` maps dataset id to eid.
    ``written_ns`` is the mtime of ``datasets.pqt``: a file whose mtime is not clearly older
    than that (within the file system's timestamp resolution) may have changed after it was
    hashed without changing size or mtime, and should be hashed again (git's "racily clean").
    """

    sessions: dict[str, SessionRow]
    datasets: dict[str, DatasetRow]
    eids: dict[str, str]
    metadata: dict
    written_ns: int | None = None


# --------------------------------------------------------------------------------------------
# Ids
# --------------------------------------------------------------------------------------------


def session_eid(session: SessionRow | str) -> str:
    """The eid of a session: uuid3 under :data:`ALFLINT_NAMESPACE` of its canonical path.

    Takes a :class:`SessionRow` (the on-disk lab is used, never a ``lab=`` override) or a
    canonical path string.
    """
    if isinstance(session, SessionRow):
        session = canonical_session_path(session.lab, session.subject, session.date, session.number)
    return eid_of(session)


# --------------------------------------------------------------------------------------------
# Schemas
# --------------------------------------------------------------------------------------------

_QC_TYPE = pa.dictionary(pa.int8(), pa.string(), ordered=True)


def sessions_schema() -> pa.Schema:
    """The arrow schema of ``sessions.pqt`` (ONE's, without metadata)."""
    return pa.schema([
        ("lab", pa.string()),
        ("subject", pa.string()),
        ("date", pa.date32()),
        ("number", pa.uint16()),
        ("task_protocol", pa.string()),
        ("projects", pa.string()),
        ("id", pa.large_string()),
    ])


def datasets_schema(hashed: bool = False, mtime: bool = False) -> pa.Schema:
    """The arrow schema of ``datasets.pqt``: ONE's plus ``default_revision`` (without metadata).

    ``hash`` is a string column when ``hashed``, else of the NULL type; ``mtime`` adds an
    ``mtime_ns`` int64 column after ``default_revision``.
    """
    fields = [
        ("rel_path", pa.string()),
        ("file_size", pa.uint64()),
        ("hash", pa.string() if hashed else pa.null()),
        ("exists", pa.bool_()),
        ("qc", _QC_TYPE),
        ("default_revision", pa.bool_()),
    ]
    if mtime:
        fields.append(("mtime_ns", pa.int64()))
    fields += [("eid", pa.large_string()), ("id", pa.large_string())]
    return pa.schema(fields)


#: Bump when the prototype frames below change (the remembered metadata is then rebuilt).
_PROTOTYPE_VERSION = 1


def schema_metadata_ready(hashed: bool = False, mtime: bool = False) -> None:
    """Learn now the pandas metadata of the sessions table and of a datasets table with
    these optional columns (what writing them will need)."""
    _pandas_metadata("sessions", False, False)
    _pandas_metadata("datasets", hashed, mtime)


@functools.lru_cache(maxsize=None)
def _pandas_metadata(table: str, hashed: bool, mtime: bool) -> bytes:
    """The ``pandas`` schema metadata pandas itself writes for a frame of this table.

    Produced from a one-row prototype frame with ONE's dtypes (the way ONE writes its tables),
    so ``pandas.read_parquet`` restores the index and dtypes exactly as for ONE's own tables.
    Importing pandas costs 0.4 s, so the result is remembered in the user's cache folder per
    pandas and pyarrow version.
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        key = f"{table}-{int(hashed)}{int(mtime)}-v{_PROTOTYPE_VERSION}-pandas{version('pandas')}-pyarrow{pa.__version__}"
    except PackageNotFoundError:  # pragma: no cover - pandas is a dependency
        key = None
    folder = cache_folder("pandas-metadata")
    path = os.path.join(folder, key + ".json") if key and folder else None
    if path is not None:
        try:
            with open(path, "rb") as fh:
                found = fh.read()
            json.loads(found)  # a damaged file is rebuilt
            return found
        except (OSError, ValueError):
            pass
    found = _prototype_metadata(table, hashed, mtime)
    if path is not None:
        try:
            write_atomically(path, found)
        except OSError:
            pass
    return found


def _prototype_metadata(table: str, hashed: bool, mtime: bool) -> bytes:
    import pandas as pd

    if table == "sessions":
        frame = pd.DataFrame(
            {
                "lab": pd.Series(["l"], dtype=object),
                "subject": pd.Series(["s"], dtype=object),
                "date": pd.Series([datetime.date(2000, 1, 1)], dtype=object),
                "number": pd.Series([1], dtype="uint16"),
                "task_protocol": pd.Series([""], dtype=object),
                "projects": pd.Series([""], dtype=object),
            }
        )
        frame.index = pd.Index(["x"], name="id").astype(str)
        expected = sessions_schema()
    else:
        columns = {
            "rel_path": pd.Series(["a.b.c"], dtype=object),
            "file_size": pd.Series([1], dtype="UInt64"),
            "hash": pd.Series(["0" * 32 if hashed else None], dtype=object),
            "exists": pd.Series([True], dtype=bool),
            "qc": pd.Series(["NOT_SET"], dtype=pd.CategoricalDtype(list(QC_CATEGORIES), ordered=True)),
            "default_revision": pd.Series([True], dtype=bool),
        }
        if mtime:
            columns["mtime_ns"] = pd.Series([1], dtype="int64")
        index = pd.MultiIndex.from_arrays(
            [pd.Index(["e"]).astype(str), pd.Index(["i"]).astype(str)], names=["eid", "id"]
        )
        frame = pd.DataFrame(columns)
        frame.index = index
        expected = datasets_schema(hashed, mtime)
    schema = pa.Schema.from_pandas(frame)
    # pandas 2 writes the str index as plain string: our large_string index reads back the same.
    if [f.name for f in schema] != expected.names:  # pragma: no cover - a pandas change
        raise RuntimeError(f"unexpected pandas column order for {table}: {schema.names}")
    return schema.metadata[b"pandas"]


def _empty_qc(schema: pa.Schema) -> pa.Schema:
    """The datasets schema of an empty table: ``qc`` as a plain string column (see build_tables)."""
    at = schema.get_field_index("qc")
    meta = dict(schema.metadata)
    pandas_meta = json.loads(meta[b"pandas"])
    for column in pandas_meta["columns"]:
        if column["name"] == "qc":
            column.update(pandas_type="unicode", numpy_type="object", metadata=None)
    meta[b"pandas"] = json.dumps(pandas_meta).encode()
    return schema.set(at, pa.field("qc", pa.string())).with_metadata(meta)


def _now() -> str:
    """The creation time ONE writes: local time to the minute, ``YYYY-MM-DD HH:MM``."""
    return datetime.datetime.now().isoformat(sep=" ", timespec="minutes")


def _one_metadata(origin: str, date_created: str | None = None) -> bytes:
    if date_created is None:
        date_created = _now()
    return json.dumps({"date_created": date_created, "origin": str(origin)}).encode()


def _with_metadata(schema: pa.Schema, table: str, origin: str, hashed=False, mtime=False) -> pa.Schema:
    return schema.with_metadata({
        b"one_metadata": _one_metadata(origin),
        b"pandas": _pandas_metadata(table, hashed, mtime),
    })


# --------------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------------


# Arrays are built from buffers, not with pa.array(list): pyarrow's first pa.array() call
# imports pandas to ask whether the list is a pandas object (0.4 s of an index).


def _strings(values: list[str], large: bool = False) -> pa.Array:
    """A (large_)string array of non-null Python strings."""
    joined = "".join(values)
    if joined.isascii():  # ids, eids and nearly every path: one encode, lengths in characters
        data = joined.encode("ascii")
        lengths = map(len, values)
    else:
        encoded = [v.encode("utf-8", "surrogatepass") for v in values]
        data = b"".join(encoded)
        lengths = map(len, encoded)
    offsets = array.array("q" if large else "i", [0])
    if not large and len(data) >= 2**31:
        raise ValueError("a string column of more than 2 GiB")
    offsets.extend(itertools.accumulate(lengths))
    kind = pa.large_string() if large else pa.string()
    return pa.Array.from_buffers(kind, len(values), [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _nul_separated(joined: str, n: int) -> pa.Array:
    """A string array of the ``n`` (at least one) values joined by NUL characters in
    ``joined`` (paths hold none), without a Python string per value: the offsets are where
    the NULs are, less the NULs before them."""
    data = joined.encode("utf-8", "surrogatepass")
    if len(data) - (n - 1) >= 2**31:
        raise ValueError("a string column of more than 2 GiB")
    nuls = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 0)
    if len(nuls) != n - 1:
        raise ValueError(f"{n} values expected, {len(nuls) + 1} given")
    offsets = np.empty(n + 1, dtype=np.int32)
    offsets[0] = 0
    offsets[1:n] = nuls - np.arange(n - 1)
    offsets[n] = len(data) - (n - 1)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data.replace(b"\0", b""))])


def _fixed(kind: pa.DataType, code: str, values: list[int]) -> pa.Array:
    """A fixed-width numeric (or date32) array of non-null Python ints (``code``: array module)."""
    return pa.Array.from_buffers(kind, len(values), [None, pa.py_buffer(array.array(code, values))])


def _bools(values: list[bool]) -> pa.Array:
    return _bool_array(bytes(values), len(values))


def _bool_array(flags: bytes, n: int) -> pa.Array:
    """A boolean array from one byte (0 or 1) per value, packed into Arrow's bitmap here:
    a cast would import pyarrow.compute, 0.12 s, on the path of every index."""
    bits = np.packbits(np.frombuffer(flags, dtype=np.uint8), bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), n, [None, pa.py_buffer(bits)])


def _check_session(row: SessionRow) -> int:
    """Validate a session row; return its date as days since the epoch."""
    where = f"session {row.path!r}"
    if not row.subject:
        raise ValueError(f"{where}: empty subject")
    if not isinstance(row.date, str) or not _DATE.match(row.date):
        raise ValueError(f"{where}: date {row.date!r} is not YYYY-MM-DD")
    try:
        day = datetime.date.fromisoformat(row.date)
    except ValueError:
        raise ValueError(f"{where}: date {row.date!r} does not exist in the calendar") from None
    if not isinstance(row.number, str) or not _NUMBER.match(row.number):
        raise ValueError(f"{where}: session number {row.number!r} is not 1 to 3 digits")
    return day.toordinal() - _EPOCH_ORDINAL


def _check_rel_path(rel_path, session: str) -> None:
    """Raise the ValueError that says what is wrong with a rel_path."""
    if not isinstance(rel_path, str) or not rel_path:
        raise ValueError(f"dataset of session {session!r} has no rel_path ({rel_path!r})")
    if rel_path[0] == "/" or "\\" in rel_path or "\n" in rel_path:
        raise ValueError(f"dataset {rel_path!r} of session {session!r}: rel_path must be a relative POSIX path")
    for segment in rel_path.split("/"):
        if segment in ("", ".", ".."):
            raise ValueError(f"dataset {rel_path!r} of session {session!r}: empty, '.' or '..' folder in rel_path")


def build_tables(
    sessions: Iterable[SessionRow],
    datasets: Iterable[DatasetRow],
    *,
    lab: str | None = None,
    origin: str = "",
    store_mtime: bool = False,
) -> tuple[pa.Table, pa.Table]:
    """Build ONE's ``sessions`` and ``datasets`` tables from plain records.

    * ``lab`` sets the lab of sessions that have none; a session with a different lab raises
      ``ValueError``. ONE rebuilds session paths as ``lab/Subjects/...``, so this only suits
      trees that ONE will see under that layout. Ids always use the on-disk lab.
    * ``origin`` is written in the ``one_metadata`` of both tables, with the creation time.
    * ``store_mtime`` adds an ``mtime_ns`` column (every dataset must then carry one) so a
      later update can tell changed files of equal size apart; ONE ignores the column.

    Rows are sorted by their index, sessions by ``id`` and datasets by ``(eid, id)``: ONE's
    ``load_tables`` then finds the index monotonic and does not sort (pandas 3.1 warns about the
    ``inplace`` sort it would use). The order is deterministic: it depends only on the paths.
    Every session is a row, also one without datasets. Hashes must be given for all datasets
    or for none (ONE cannot read "no hash" from a string column under pandas 3).

    Raises ``ValueError`` naming the session or dataset for: invalid or impossible dates,
    session numbers that are not 1-3 digits, two sessions with one canonical path (``1`` and
    ``001``), a lab conflict, datasets of unknown sessions, empty or non-relative rel_paths,
    duplicate datasets, negative sizes, malformed md5 sums and a partial set of hashes.
    """
    ses_table, by_path = _sessions_table(sessions, lab, origin)

    # Datasets: validate, compute ids, sort. This loop runs once per file of the repository,
    # so it is written for speed.
    records = []  # (eid, id, rel_path, size, mtime, hash)
    append = records.append
    hashed = unhashed = 0
    for row in datasets:
        if len(row) != 5:
            row = DatasetRow(*row)
        session, rel_path, size, digest, mtime = row
        info = by_path.get(session)
        if info is None:
            raise ValueError(f"dataset {rel_path!r} belongs to session {session!r}, which is not in the sessions")
        if (
            type(rel_path) is not str or not rel_path or rel_path[0] in "/." or rel_path[-1] == "/"
            or "//" in rel_path or "/." in rel_path or "\\" in rel_path or "\n" in rel_path
        ):
            _check_rel_path(rel_path, session)  # raises when it is really wrong
        if not isinstance(size, int) or size < 0:
            raise ValueError(f"dataset {rel_path!r} of session {session!r}: bad file size {size!r}")
        if digest is None:
            unhashed += 1
        elif isinstance(digest, str) and _MD5.match(digest):
            hashed += 1
        else:
            raise ValueError(f"dataset {rel_path!r} of session {session!r}: hash {digest!r} is not a lower-case md5 hex digest")
        if store_mtime and not isinstance(mtime, int):
            raise ValueError(f"dataset {rel_path!r} of session {session!r}: store_mtime needs mtime_ns")
        append((info[0], uuid3_text(info[2], rel_path), rel_path, size, mtime, digest))
    if hashed and unhashed:
        raise ValueError(
            f"{hashed} datasets have an md5 hash and {unhashed} have none: hash all datasets or none"
        )
    records.sort()  # by (eid, id)
    hashes = [r[5] for r in records] if hashed else None
    return ses_table, _datasets_table(records, hashes, by_path, origin, store_mtime)


def build_indexed_tables(
    sessions: Iterable[SessionRow],
    packs: Sequence[tuple[str, tuple]],
    *,
    lab: str | None = None,
    origin: str = "",
    store_mtime: bool = False,
) -> tuple[pa.Table, pa.Table]:
    """:func:`build_tables` from packed session rows: the indexer's fast path.

    ``packs`` are ``(eid, packed)`` pairs in eid order, each session's rows made (ids,
    ``default_revision``) and packed by :mod:`alflint.sessionrows` in the worker that checked
    it; there are no hashes. Every column is built by joining the sessions' strings and
    buffers, without a Python object per row. Sessions are validated as in
    :func:`build_tables`; rows are trusted to come from a walk (relative POSIX paths, sizes,
    ids sorted within a session), but an eid of an unknown session and sessions out of eid
    order or given twice raise ``ValueError``.
    """
    ses_table, by_path = _sessions_table(sessions, lab, origin)
    known = {info[0] for info in by_path.values()}
    before = ""
    for eid, _ in packs:
        if eid not in known:
            raise ValueError(f"rows of a session that is not in the sessions (eid {eid})")
        if eid <= before:
            raise ValueError(f"the rows of session {eid} are out of eid order or given twice")
        before = eid
    packs = [(eid, packed) for eid, packed in packs if packed[0]]
    n = sum(packed[0] for _, packed in packs)
    columns = _datasets_columns(
        n,
        _nul_separated("\0".join(packed[2] for _, packed in packs), n) if n else _strings([]),
        pa.Array.from_buffers(pa.uint64(), n, [None, pa.py_buffer(b"".join(packed[3] for _, packed in packs))]),
        None,
        _bool_array(b"".join(packed[5] for _, packed in packs), n),
        pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(b"".join(packed[4] for _, packed in packs))]) if store_mtime else None,
        _fixed_width("".join(eid * packed[0] for eid, packed in packs), n),
        _fixed_width("".join(packed[1] for _, packed in packs), n),
    )
    return ses_table, _datasets_from_columns(columns, n, False, store_mtime, origin)


def _fixed_width(text: str, n: int, width: int = ID_LENGTH) -> pa.Array:
    """A large_string array of ``n`` ASCII values of ``width`` characters, given joined."""
    data = text.encode("ascii")
    if len(data) != n * width:
        raise ValueError(f"{n} ids of {width} characters expected, {len(data)} characters given")
    offsets = np.arange(0, n * width + 1, width, dtype=np.int64)
    return pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _sessions_table(sessions: Iterable[SessionRow], lab: str | None, origin: str) -> tuple[pa.Table, dict]:
    """The sessions table, and ``{path: (eid, row, eid as uuid bytes)}`` for the datasets."""
    if lab is not None:
        from .spec import check_lab

        check_lab(lab)
    # path -> (canonical, eid, days since epoch, row, lab to write, eid as uuid bytes)
    by_path: dict[str, tuple[str, str, int, SessionRow, str, bytes]] = {}
    by_canonical: dict[str, str] = {}
    for row in sessions:
        if not isinstance(row, SessionRow):
            row = SessionRow(*row)
        days = _check_session(row)
        if row.path in by_path:
            raise ValueError(f"session {row.path!r} is listed twice")
        canonical = canonical_session_path(row.lab, row.subject, row.date, row.number)
        other = by_canonical.get(canonical)
        if other is not None:
            raise ValueError(
                f"sessions {other!r} and {row.path!r} are the same session {canonical!r} for ONE "
                "(session numbers are compared as integers)"
            )
        by_canonical[canonical] = row.path
        row_lab = row.lab or ""
        if lab:
            if row_lab and row_lab != lab:
                raise ValueError(f"session {row.path!r} belongs to lab {row_lab!r}, not to lab {lab!r} given by lab=")
            row_lab = lab
        eid = eid_of(canonical)
        by_path[row.path] = (canonical, eid, days, row, row_lab, uuid.UUID(eid).bytes)

    ses_order = sorted(by_path.values(), key=lambda item: item[1])
    ses_table = pa.Table.from_arrays(
        [
            _strings([item[4] for item in ses_order]),
            _strings([item[3].subject for item in ses_order]),
            _fixed(pa.date32(), "i", [item[2] for item in ses_order]),
            _fixed(pa.uint16(), "H", [int(item[3].number) for item in ses_order]),
            _strings([""] * len(ses_order)),
            _strings([""] * len(ses_order)),
            _strings([item[1] for item in ses_order], large=True),
        ],
        schema=_with_metadata(sessions_schema(), "sessions", origin),
    )
    return ses_table, {path: (item[1], item[3], item[5]) for path, item in by_path.items()}


def _datasets_table(records: list[tuple], hashes: list[str] | None, by_path: dict, origin: str, store_mtime: bool) -> pa.Table:
    """The datasets table from ``(eid, id, rel_path, size, mtime_ns, ...)`` records sorted
    by ``(eid, id)``, and their md5 sums (or None: a column of nulls)."""
    eids = [r[0] for r in records]
    ids = [r[1] for r in records]
    rel_paths = [r[2] for r in records]
    if not all(map(operator.lt, zip(eids, ids), zip(eids[1:], ids[1:]))):  # strictly increasing
        for before, after in zip(records, records[1:]):
            if before[:2] >= after[:2]:
                session = next((p for p, info in by_path.items() if info[0] == after[0]), after[0])
                if before[:2] == after[:2]:
                    raise ValueError(f"dataset {after[2]!r} of session {session!r} is listed twice")
                raise ValueError(f"dataset {after[2]!r} of session {session!r} is out of (eid, id) order")

    # default_revision: the greatest revision of each dataset, session by session
    default: list[bool] = []
    for _, group in itertools.groupby(range(len(records)), key=eids.__getitem__):
        default += default_flags([rel_paths[i] for i in group])

    hashed = hashes is not None and len(records) > 0
    columns = _datasets_columns(
        len(records),
        _strings(rel_paths),
        _fixed(pa.uint64(), "Q", [r[3] for r in records]),
        _strings(hashes) if hashed else None,
        _bools(default),
        _fixed(pa.int64(), "q", [r[4] for r in records]) if store_mtime else None,
        _strings(eids, large=True),
        _strings(ids, large=True),
    )
    return _datasets_from_columns(columns, len(records), hashed, store_mtime, origin)


def _datasets_columns(n: int, rel_path: pa.Array, file_size: pa.Array, hashes: pa.Array | None, default: pa.Array,
                      mtime: pa.Array | None, eid: pa.Array, ids: pa.Array) -> list[pa.Array]:
    """The datasets table's columns in ONE's order (``mtime`` only when stored)."""
    if n:
        qc = pa.DictionaryArray.from_arrays(
            _fixed(pa.int8(), "b", [0] * n), _strings(list(QC_CATEGORIES)), ordered=True
        )
    else:
        # Parquet keeps a dictionary's values only with its data: an empty categorical comes
        # back without categories and ONE's qc filter then raises TypeError (as on ONE's own
        # empty tables). An empty string column compares fine.
        qc = _strings([])
    columns = [rel_path, file_size, hashes if hashes is not None else pa.nulls(n), _bools([True] * n), qc, default]
    if mtime is not None:
        columns.append(mtime)
    return columns + [eid, ids]


def _datasets_from_columns(columns: list[pa.Array], n: int, hashed: bool, store_mtime: bool, origin: str) -> pa.Table:
    schema = _with_metadata(datasets_schema(hashed, store_mtime), "datasets", origin, hashed, store_mtime)
    if not n:
        schema = _empty_qc(schema)
    return pa.Table.from_arrays(columns, schema=schema)


# --------------------------------------------------------------------------------------------
# Writing and reading
# --------------------------------------------------------------------------------------------


def _restamp(table: pa.Table, origin: str | None) -> pa.Table:
    if origin is None:
        return table
    meta = dict(table.schema.metadata or {})
    old = json.loads(meta.get(b"one_metadata", b"{}"))
    meta[b"one_metadata"] = _one_metadata(origin, old.get("date_created"))
    return table.replace_schema_metadata(meta)


#: The tables' parquet codec. Against snappy (what pandas writes, and ONE's own tables) on
#: the 200k-row benchmark table: 37 instead of 44 ms to write, 83 instead of 96 ms for pandas
#: to read, 4.6 instead of 7.9 MB (zstd's entropy coding halves the hexadecimal ids). Every
#: pyarrow reads it, so ONE does.
TABLE_COMPRESSION, TABLE_COMPRESSION_LEVEL = "zstd", 1


def write_tables(
    out_dir: str | os.PathLike,
    sessions: pa.Table | Iterable[SessionRow],
    datasets: pa.Table | Iterable[DatasetRow],
    *,
    origin: str | None = None,
    lab: str | None = None,
    store_mtime: bool = False,
) -> tuple[Path, Path]:
    """Write ``sessions.pqt`` and ``datasets.pqt`` into the existing folder ``out_dir``.

    Takes the tables of :func:`build_tables`, or rows (built here with ``lab``, ``origin`` and
    ``store_mtime``). ``origin``, when given, replaces the origin in the tables' metadata.
    Both files are first written completely (and fsynced) to temporary files in ``out_dir``
    whose names do not end in ``.pqt`` (ONE never loads them), then each is moved into place
    with ``os.replace``: a reader sees each table whole, old or new, and a failure while
    writing (Ctrl-C too) leaves the old tables untouched and no temporary file behind. Once
    both are written, Ctrl-C waits until both are replaced; only a failure of the second
    rename itself (rare: the first one just worked in the same folder) would leave a new
    sessions table beside the old datasets table. Returns the paths.
    """
    out = Path(out_dir)
    if not out.is_dir():
        raise NotADirectoryError(f"cannot write cache tables: {str(out)!r} is not a directory")
    if not isinstance(sessions, pa.Table) or not isinstance(datasets, pa.Table):
        sessions, datasets = build_tables(sessions, datasets, lab=lab, origin=origin or "", store_mtime=store_mtime)
    else:
        sessions, datasets = _restamp(sessions, origin), _restamp(datasets, origin)
    targets = (out / SESSIONS_FILE, out / DATASETS_FILE)
    for target in targets:  # before anything is replaced: never one new table beside an old one
        if target.is_dir():
            raise IsADirectoryError(f"cannot write cache tables: {str(target)!r} is a folder")
    temps: list[str] = []
    try:
        for table, target in zip((sessions, datasets), targets):
            with interrupts_deferred():  # every temporary file made is in temps
                try:
                    fd, tmp = tempfile.mkstemp(prefix=".alflint-", suffix=".pqt.tmp", dir=out)
                except OSError as exc:
                    raise type(exc)(f"cannot write cache tables in {str(out)!r}: {exc.strerror or exc}") from None
                temps.append(tmp)
            if hasattr(os, "fchmod"):  # POSIX: mkstemp's 0600 would hide the tables from the lab
                os.fchmod(fd, _table_mode(target))
            with os.fdopen(fd, "wb") as handle:
                pq.write_table(table, handle, compression=TABLE_COMPRESSION, compression_level=TABLE_COMPRESSION_LEVEL)
                handle.flush()
                os.fsync(handle.fileno())
        with interrupts_deferred():  # both tables replaced, or neither
            for tmp, target in zip(temps, targets):
                os.replace(tmp, target)
            temps = []
        return targets
    finally:
        with interrupts_deferred():
            for tmp in temps:
                try:
                    os.unlink(tmp)
                except FileNotFoundError:
                    pass


def _table_mode(target: Path) -> int:
    """The permissions of a table written to ``target``: those of the table it replaces,
    else what ``open()`` would give a new file (0o666 less the umask)."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    try:  # Linux says it without changing it (os.umask can only set it: racy with threads)
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def read_tables(directory: str | os.PathLike) -> PreviousTables:
    """Read the tables in ``directory`` back into rows (for updating an index).

    Works on tables written by alflint or by ONE with UUID ids. Raises ``FileNotFoundError``
    when either table is missing.
    """
    folder = Path(directory)
    ses = pq.read_table(folder / SESSIONS_FILE)
    dst = pq.read_table(folder / DATASETS_FILE)
    metadata = json.loads((ses.schema.metadata or {}).get(b"one_metadata", b"{}"))
    s = ses.to_pydict()
    sessions: dict[str, SessionRow] = {}
    paths: dict[str, str] = {}
    for eid, lab_, subject, date, number in zip(s["id"], s["lab"], s["subject"], s["date"], s["number"]):
        path = canonical_session_path(lab_ or None, subject, date.isoformat(), number)
        paths[eid] = path
        sessions[eid] = SessionRow(path, lab_ or None, subject, date.isoformat(), str(number).zfill(3))
    d = dst.to_pydict()
    n = dst.num_rows
    hashes = d.get("hash") or [None] * n
    mtimes = d.get("mtime_ns") or [None] * n
    datasets: dict[str, DatasetRow] = {}
    eids: dict[str, str] = {}
    for eid, id_, rel_path, size, hash_, mtime in zip(d["eid"], d["id"], d["rel_path"], d["file_size"], hashes, mtimes):
        datasets[id_] = DatasetRow(paths.get(eid, ""), rel_path, size, hash_ or None, mtime)
        eids[id_] = eid
    return PreviousTables(sessions, datasets, eids, metadata, (folder / DATASETS_FILE).stat().st_mtime_ns)


class FileState(NamedTuple):
    """What the previous tables say of one file: enough to tell whether it changed."""

    file_size: int
    mtime_ns: int
    hash: str | None


def previous_file_states(directory: str | os.PathLike, settle_ns: int = 2_000_000_000) -> dict[tuple[str, str], FileState]:
    """The size, mtime and hash of each file in the tables in ``directory``, by ``(eid,
    rel_path)``: what ``index --update --hash`` compares the tree with.

    Rows without an mtime, and rows whose mtime is within ``settle_ns`` of the write of
    ``datasets.pqt`` (the file may have changed since without changing its size or mtime:
    git's "racily clean"), are left out, so those files are checked and hashed again.

    Only those five columns are read, in batches: a million-row table took 2.7 s and
    488 MiB at most, where :func:`read_tables` (every row of both tables, as rows) took
    15.7 s and 934 MiB. Raises ``FileNotFoundError`` when either table is missing and
    ``ValueError`` when the datasets table lacks a column it needs.
    """
    states = {}
    eids: dict[str, str] = {}  # one string per session, not per row
    for eid_, rel_path_, size_, mtime_, hash_ in previous_file_rows(directory, settle_ns, hashes=True):
        for eid, rel_path, size, mtime, digest in zip(eid_, rel_path_, size_, mtime_, hash_):
            states[(eids.setdefault(eid, eid), rel_path)] = FileState(size, mtime, digest or None)
    return states


def previous_file_rows(directory: str | os.PathLike, settle_ns: int = 2_000_000_000, hashes: bool = False) -> Iterable[list[list]]:
    """``[eids, rel_paths, sizes, mtimes(, hashes)]`` of the datasets table in ``directory``,
    a batch (list of columns) at a time, rows of untrusted mtime left out, raising as
    :func:`previous_file_states` does (which builds on it, as :mod:`alflint.unchanged` does).
    Filtered in Python, not with pyarrow.compute: its first comparison with a Python int
    imported pandas (0.6 s before the workers of ``--update --no-cache`` could start)."""
    folder = Path(directory)
    (folder / SESSIONS_FILE).stat()  # both tables or none, as read_tables
    path = folder / DATASETS_FILE
    written_ns = path.stat().st_mtime_ns
    names = set(pq.read_schema(path).names)
    if not {"eid", "rel_path", "file_size"} <= names:
        raise ValueError(f"{path} has no eid, rel_path or file_size column")
    if "mtime_ns" not in names:
        return
    columns = ["eid", "rel_path", "file_size", "mtime_ns"] + (["hash"] if hashes and "hash" in names else [])
    # in batches: decoding the columns at once held 220 MiB more at a million rows
    limit = written_ns - settle_ns
    for batch in pq.ParquetFile(path).iter_batches(batch_size=65536, columns=columns):
        values = [batch.column(i).to_pylist() for i in range(len(columns))]
        trusted = [m is not None and m < limit for m in values[3]]
        if not all(trusted):
            values = [list(itertools.compress(v, trusted)) for v in values]
        if hashes and len(values) == 4:
            values.append([None] * len(values[0]))
        yield values


# --------------------------------------------------------------------------------------------
# Hashing
# --------------------------------------------------------------------------------------------


def _md5_file(path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb", buffering=0) as handle:
        buffer = bytearray(_CHUNK)
        view = memoryview(buffer)
        while True:
            count = handle.readinto(buffer)
            if not count:
                break
            digest.update(view[:count])
    return digest.hexdigest()


def md5_files(paths: Sequence[str | os.PathLike] | Iterable[str | os.PathLike], jobs: int | None = None) -> list[str]:
    """md5 hex digests of files, in order, read in 1 MiB chunks by ``jobs`` threads.

    ``jobs`` defaults to ``min(32, cpu count + 4)``; hashlib releases the GIL while hashing, so
    threads overlap both reading and hashing. An unreadable file raises its ``OSError``.
    On KeyboardInterrupt (or an error) the threads stop after the files they are reading.
    """
    paths = list(paths)
    if jobs is None:
        jobs = min(32, (os.cpu_count() or 1) + 4)
    if jobs <= 1 or len(paths) <= 1:
        return [_md5_file(p) for p in paths]
    # Plain threads, not a ThreadPoolExecutor: the caller submitting thousands of files took
    # the pool's locks thousands of times, and a Ctrl-C just after one was taken left it held,
    # the pool's threads blocked on it and the exit waiting for them for ever. These threads
    # share no lock with the caller.
    digests: list[str] = [""] * len(paths)
    todo = collections.deque(range(len(paths)))  # popleft is thread-safe
    failed: list[BaseException] = []  # once not empty, every thread stops

    def hash_files() -> None:
        try:
            while todo and not failed:
                i = todo.popleft()
                digests[i] = _md5_file(paths[i])
        except IndexError:  # another thread took the last file
            pass
        except BaseException as exc:
            failed.append(exc)

    threads = [threading.Thread(target=hash_files, name="alflint-md5") for _ in range(min(jobs, len(paths)))]
    try:
        with interrupts_deferred():  # Thread.start waits on a lock the new thread needs
            for thread in threads:
                thread.start()
        for thread in threads:
            thread.join()
    except BaseException as exc:
        failed.append(exc)
        raise
    if failed:
        raise failed[0]
    return digests
