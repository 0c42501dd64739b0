"""``.pqt`` parquet tables: the footer (row count and schema), never the column data.

The footer is first read in pure Python (:mod:`._parquet_footer`, standard library only), so
the pre-commit hook never imports pyarrow; pyarrow is imported inside the function only when
that reader is not certain (nested columns, decimals, malformed files: pyarrow words the
error), or once a process has spent as long decoding footers as importing pyarrow costs and
the pure reader is the slower one on them (tables of many distinct kinds: it learns the
schemas and shapes of a few kinds and is then 3x faster than pyarrow, but on a wide footer
it has not seen the like of it is 3x slower). Both paths give the same facts. A file whose
footer reads but whose data pages are corrupt passes here: only loading it would tell.
"""

from __future__ import annotations

import functools
import json
import os
import re
from typing import Any

from . import _parquet_footer as _footer
from ._parquet_footer import decode_footer, read_footer
from ._types import ContentError, ContentFacts

__all__ = ["parquet_facts", "footer_facts", "arrow_kind"]


def arrow_kind(type_name: str) -> str | None:
    """The numpy kind letter matching an Arrow type name (``'int64'`` -> ``'i'``), else ``None``.

    Strings count as ``'U'`` (text), whatever pandas turns them into on load.
    """
    if type_name == "bool":
        return "b"
    if type_name.startswith("int"):
        return "i"
    if type_name.startswith("uint"):
        return "u"
    if type_name in ("halffloat", "float", "double") or type_name.startswith("decimal"):
        return "f"
    if type_name.startswith("timestamp") or type_name.startswith("date"):
        return "M"
    if type_name.startswith("duration"):
        return "m"
    if type_name in ("string", "large_string", "string_view"):
        return "U"
    if type_name in ("binary", "large_binary", "binary_view") or type_name.startswith("fixed_size_binary"):
        return "S"
    if type_name == "null":
        return None
    return "O"  # lists, structs, dictionaries...: Python objects once in pandas


def _index_columns(schema) -> set[str]:
    """Names of the columns pandas stored its index in (they do not load as columns)."""
    meta = schema.metadata or {}
    return _index_columns_raw(meta.get(b"pandas"))


def _index_columns_raw(raw: bytes | None) -> set[str]:
    """:func:`_index_columns` from the raw ``pandas`` metadata JSON.

    pandas writes ``index_columns`` first: that short list is parsed alone, not the whole
    document, which lists every column (5 KB for 30 columns, 70 µs). A list it cannot cut
    out cleanly (a name holding ``]``, a key given twice) fails to parse or is not taken,
    and the whole document is read. Metadata that is no JSON object, or whose list is no
    list, names no index column (it used to raise).
    """
    if not raw:
        return set()
    head = _INDEX_COLUMNS.match(raw)
    if head is not None and raw.count(b'"index_columns"') == 1:
        try:
            listed = json.loads(head.group(1))
        except ValueError:
            listed = None
        if isinstance(listed, list):
            return {c for c in listed if isinstance(c, str)}
    try:
        pandas_meta = json.loads(raw)
    except ValueError:
        return set()
    listed = pandas_meta.get("index_columns") if isinstance(pandas_meta, dict) else None
    return {c for c in listed if isinstance(c, str)} if isinstance(listed, list) else set()


_INDEX_COLUMNS = re.compile(rb'\s*\{\s*"index_columns"\s*:\s*(\[[^\]]*\])')


def _facts(size: int, rows: int, columns: tuple, types: tuple) -> ContentFacts:
    return _facts_of_kind(size, rows, _column_facts(columns, types))


def _column_facts(columns: tuple, types: tuple) -> tuple:
    """``(columns, types, shared dtype or None, shared kind or None)``."""
    kinds = {arrow_kind(t) for t in set(types)}  # wide tables repeat a few types
    return columns, types, types[0] if len(set(types)) == 1 else None, kinds.pop() if len(kinds) == 1 else None


def _facts_of_kind(size: int, rows: int, kind: tuple) -> ContentFacts:
    columns, types, dtype, shared_kind = kind
    return ContentFacts(format="pqt", size=size, rows=rows, shape=(rows, len(columns)), dtype=dtype,
                        kind=shared_kind, columns=columns, column_types=types)


def parquet_facts(path: str | os.PathLike, size: int | None = None) -> ContentFacts:
    """Read a parquet footer: ``rows`` from its row count, ``columns`` from its schema.

    ``size`` (the file's size, when the caller has it) spares a ``stat``. The pure-Python
    footer reader answers whenever it is certain, so checking a repository never imports
    pyarrow for plain tables; pyarrow reads the rest and words the errors.
    """
    if size is None:
        try:
            size = os.stat(path).st_size
        except OSError as exc:
            raise ContentError(f"cannot read the file: {exc.strerror or exc}", path) from None
    if size == 0:
        return ContentFacts(format="pqt", size=0)
    facts = footer_facts(path, size)
    if facts is not None:
        return facts
    return _pyarrow_facts(path, size)


def footer_facts(path: str | os.PathLike, size: int) -> ContentFacts | None:
    """:func:`parquet_facts` from the pure-Python footer reader, or None when it is not sure
    (then :func:`parquet_facts` asks pyarrow, which also words the errors).

    Facts depend on the footer bytes and the size alone, and tables written by one pipeline
    often share a footer byte for byte, so each distinct footer is decoded once per process.
    Once decoding has cost a process :data:`PURE_SECONDS`, and while footers cost it twice
    :data:`PYARROW_SECONDS` each or more, this answers None and :func:`parquet_facts` lets
    pyarrow read the rest (the same facts, faster there once its import is paid).
    """
    if _pure_spent >= PURE_SECONDS and _pure_recent >= 2 * PYARROW_SECONDS and _pyarrow_installed():
        # past the pure reader's allowance, and footers here cost it twice what pyarrow takes
        # (tables of many distinct kinds): pyarrow reading the file (parquet_facts, once,
        # errors worded) costs less than reading the footer for the memo and decoding it here
        return None
    footer = read_footer(path, size)
    if footer is None:
        return None
    key = (footer, size)
    found = _SEEN.get(key)
    if found is None:
        found = _decode(footer, size)
        if len(footer) <= _MEMO_FOOTER:  # at most _MEMO_SIZE footers of _MEMO_FOOTER bytes kept
            if len(_SEEN) >= _MEMO_SIZE:
                _SEEN.clear()
            _SEEN[key] = found
    return None if found is _NOT_SURE else found


#: Facts (or _NOT_SURE) by (footer bytes, file size).
_SEEN: dict[tuple[bytes, int], object] = {}
_NOT_SURE = object()
_MEMO_SIZE, _MEMO_FOOTER = 1024, 16 * 1024

#: Seconds of pure-Python footer decoding after which a process may let pyarrow decode the
#: rest (about what importing pyarrow costs: a rent-or-buy rule, never more than twice the
#: best choice made in hindsight). A few files, as in a pre-commit hook, never import pyarrow.
PURE_SECONDS = 0.25
#: What pyarrow takes per footer once imported (30 columns: 0.3-0.4 ms). Past the allowance,
#: the pure reader goes on until its recent footers cost it twice that: a repository of tables
#: of a few kinds, whose schemas and column-chunk shapes it has learned (30 columns: 0.1 ms),
#: stays pure; tables of many distinct kinds (1-1.4 ms each) go to pyarrow. Twice, because
#: pyarrow costs its import and 200 MB a process, and a machine slowed down (its file pages
#: paged out, another process on the core) makes every footer look dearer for a while.
PYARROW_SECONDS = 0.3e-3
_pure_spent = 0.0
_pure_recent = 0.0  # moving average of the pure reader's seconds per footer
_pure_decoded = 0


def _decode(footer: bytes, size: int):
    """The facts of one footer not seen before, decoded in pure Python (the time it takes
    counts towards PURE_SECONDS), or _NOT_SURE."""
    global _pure_spent, _pure_recent, _pure_decoded
    compiling = _footer.compile_seconds
    started = _footer.cpu_clock()
    schema = decode_footer(footer)
    took = _footer.cpu_clock() - started
    _pure_spent += took
    # what footers cost from now on: shapes compiled (once) are left out, and one slow
    # footer moves the average by 4 * PYARROW_SECONDS / 64 (0.02 ms) at most
    rate = min(took - (_footer.compile_seconds - compiling), 4 * PYARROW_SECONDS)
    _pure_recent += (rate - _pure_recent) / 64
    _pure_decoded += 1
    if schema is None:
        return _NOT_SURE
    # tables of one kind share names, types and pandas metadata: what they say about the
    # columns is worked out once (a third of the decoding of a 30-column footer)
    key = (tuple(schema.names), tuple(schema.types), schema.pandas)
    kind = _KINDS.get(key)
    if kind is None:
        index = _index_columns_raw(schema.pandas)
        pairs = [(n, t) for n, t in zip(schema.names, schema.types) if n not in index]
        kind = _column_facts(tuple(n for n, _ in pairs), tuple(t for _, t in pairs))
        if len(_KINDS) >= _MEMO_SIZE:
            _KINDS.clear()
        _KINDS[key] = kind
    return _facts_of_kind(size, schema.num_rows, kind)


#: What the columns of each kind of table come to, by (names, types, pandas metadata).
_KINDS: dict[tuple, tuple] = {}


@functools.lru_cache(maxsize=None)
def _pyarrow_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("pyarrow") is not None


def _read_metadata(path: str | os.PathLike, pq: Any) -> Any:
    """``pq.read_metadata(path)``, through the ``ParquetReader`` it wraps (in
    ``pyarrow.parquet.core``; the public function should a release move it):
    ``ParquetFile``'s setup (file system, column paths) is half the cost of a footer of 30
    columns (0.27 against 0.5-0.6 ms)."""
    reader_class = getattr(getattr(pq, "core", None), "ParquetReader", None)
    if reader_class is None:
        return pq.read_metadata(path)
    reader = reader_class()
    reader.open(os.fspath(path))
    return reader.metadata


def _pyarrow_facts(path: str | os.PathLike, size: int) -> ContentFacts:
    """:func:`parquet_facts` through pyarrow (the fallback, and the reference in tests)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        meta = _read_metadata(path, pq)
        schema = meta.schema.to_arrow_schema()
    except (pa.ArrowException, OSError, ValueError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ContentError(f"not a readable parquet file: {detail}", path) from None
    index = _index_columns(schema)
    # names and types in two calls: iterating the schema makes a Field object per column
    pairs = [(n, str(t)) for n, t in zip(schema.names, schema.types) if n not in index]
    return _facts(size, int(meta.num_rows), tuple(n for n, _ in pairs), tuple(t for _, t in pairs))
