"""Lazily read file facts, at most once per file per run.

Rules ask ``ctx.facts(dataset)``; the first call reads the file's header or footer through
:mod:`alflint.content` and caches the outcome on the dataset, so several rules (length
consistency, relations, monotonic times) share one read.

The common case of a repository, an ``.npy`` file of a plain dtype written by numpy (format
1.0), takes a fast path: the first 512 bytes, as the walk read them (``Dataset.head``) or else
by one ``open``/``pread``/``close`` (no buffered file object, no ``fstat``: the size comes
from the walk), and one regular expression.
Small delimited text tables without quotes take another (one read, one split, a delimiter
count per line), small JSON documents a third (one read, ``json.loads``) and small JSON
lines files a fourth (one read, the JSON scanner per line); parquet footers go to the pure
reader of :mod:`alflint.content.parquet` with the size the walk found. Facts of an ``.npy``
header (and of a parquet footer) are shared by every file with the same header and size.
Anything else, and any file whose size does not agree with its header or whose rows do not
agree with its header row, goes through :func:`alflint.content.read_facts`, which is the
authority and words the errors.
"""

from __future__ import annotations

import json
import re
from itertools import repeat
from typing import Any, Callable, NamedTuple

from ._rawread import read_at
from .walk import HEAD_BYTES

__all__ = ["Facts", "facts_reader", "fast_npy_facts", "fast_delimited_facts", "fast_json_facts", "fast_jsonable_facts"]


class Facts(NamedTuple):
    """What reading a dataset's content told us: facts (or None if not inspected) or an error."""

    facts: Any  #: alflint.content.ContentFacts, or None for formats that are not inspected
    error: str | None  #: why the content is malformed or unreadable, or None


# numpy's own layout of a version 1.0 header (anything else takes the general reader).
_NPY_V1 = re.compile(
    rb"\x93NUMPY\x01\x00(?P<len>..)\{'descr': '(?P<descr>[^'\\]*)', 'fortran_order': (?P<f>True|False), "
    rb"'shape': \((?P<shape>\d+,|\d+(?:, \d+)+|)\), \} *\n",
    re.S,
)


_CONTENT: Any = None  # alflint.content, imported on first use (keeps `import alflint.facts` light)
_DTYPE_INFO: Any = None


def _content() -> Any:
    global _CONTENT, _DTYPE_INFO
    if _CONTENT is None:
        from . import content
        from .content._dtype import dtype_info

        _CONTENT, _DTYPE_INFO = content, dtype_info
    return _CONTENT


def fast_npy_facts(path: str, size: int, head: bytes | None = None) -> Any:
    """ContentFacts of a plain numpy-written ``.npy`` file of ``size`` bytes, or None.

    ``head`` is the file's first :data:`~alflint.walk.HEAD_BYTES` bytes when already read
    (read here otherwise). None means "not the common case": ask :func:`alflint.content.read_facts`.
    """
    if head is None:
        try:
            head = read_at(path, 0, HEAD_BYTES)
        except OSError:
            return None
    # the memo is keyed by the header's bytes as its length field gives them: a header seen
    # before (with its magic, version and every byte up to its end) needs no pattern match
    key = (head[:10 + int.from_bytes(head[8:10], "little")], size)
    found = _NPY_SEEN.get(key)
    if found is None:
        m = _NPY_V1.match(head)
        if m is None:  # the header must end where its length says: _npy_from_header checks
            return None
        found = _NPY_SEEN[key] = _npy_from_header(m, size) or _NOT_FAST
        if len(_NPY_SEEN) > 65536:  # a repository of unique shapes: keep memory bounded
            _NPY_SEEN.clear()
    return None if found is _NOT_FAST else found


#: Facts by (header, size): arrays of one shape and dtype recur across sessions, and facts
#: are immutable, so one record serves them all (a third of the cost of a header read).
_NPY_SEEN: dict[tuple[bytes, int], Any] = {}
_NOT_FAST = object()


def _npy_from_header(m: re.Match, size: int) -> Any:
    offset = m.end()
    length, descr, fortran, dims = m.groups()
    if offset != 10 + int.from_bytes(length, "little"):
        return None
    content = _CONTENT or _content()
    try:
        info = _DTYPE_INFO(descr.decode("latin-1"))
    except Exception:
        return None
    if info.has_object:
        return None
    shape = tuple(map(int, dims.replace(b",", b" ").split()))
    count = 1
    for d in shape:
        count *= d
    if size != offset + count * info.itemsize:
        return None
    return content.ContentFacts(format="npy", size=size, rows=shape[0] if shape else 1, shape=shape,
                                dtype=info.text, kind=info.kind, fortran_order=fortran == b"True",
                                data_offset=offset)


_DELIMITED = {"csv": ",", "tsv": "\t", "htsv": "\t", "ssv": " "}
_SMALL_TEXT = 1 << 20


def _read_all(path: str, size: int) -> bytes | None:
    """The file's bytes when one read finds exactly ``size`` of them, else None.

    Asking for one byte more tells a file that grew from a whole one; a short read (a file
    that shrank, or a filesystem that returns less than asked) goes to the general reader.
    """
    try:
        data = read_at(path, 0, size + 1)
    except OSError:
        return None
    return data if len(data) == size else None


def fast_delimited_facts(path: str, size: int, extension: str) -> Any:
    """ContentFacts of a small, quote-free, well-formed ``.csv``/``.tsv``/``.ssv`` table, or None.

    None means "not the simple case" (quotes, lone carriage returns, NUL bytes, not UTF-8, a
    row of another width, larger than 1 MiB): ask :func:`alflint.content.read_facts`.
    """
    delimiter = _DELIMITED.get(extension)
    if delimiter is None or size > _SMALL_TEXT or size == 0:
        return None
    data = _read_all(path, size)
    if data is None or b'"' in data or b"\0" in data:
        return None
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
        if b"\r" in data:
            return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    lines = list(filter(None, text.split("\n")))
    if not lines:
        return None
    header = lines[0].split(delimiter)
    if len(lines) > 1 and set(map(str.count, lines, repeat(delimiter))) != {len(header) - 1}:
        return None
    rows = len(lines) - 1
    return (_CONTENT or _content()).ContentFacts(format="tsv" if extension == "htsv" else extension, size=size, rows=rows,
                        shape=(rows, len(header)), columns=tuple(header))


def fast_json_facts(path: str, size: int) -> Any:
    """ContentFacts of a small ``.json`` file that parses, or None (ask the content reader)."""
    if size > _SMALL_TEXT or size == 0:
        return None
    data = _read_all(path, size)
    if data is None or data.startswith(b"\xef\xbb\xbf"):
        return None
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return (_CONTENT or _content()).ContentFacts(
        format="json", size=size, rows=len(value) if isinstance(value, list) else None)


def fast_jsonable_facts(path: str, size: int) -> Any:
    """ContentFacts of a small ``.jsonable`` file of one JSON value per line, or None.

    Each line goes through the JSON scanner ``json.loads`` uses, without its per-call
    overhead; a blank line, a line holding anything after its value, a carriage return, a
    byte-order mark or bytes that are not UTF-8 go to the content reader, which words the error.
    """
    if size > _SMALL_TEXT or size == 0:
        return None
    data = _read_all(path, size)
    if data is None or b"\r" in data or data.startswith(b"\xef\xbb\xbf"):
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = text[:-1].split("\n") if text.endswith("\n") else text.split("\n")
    scan = _SCAN_JSON
    try:
        for line in lines:
            line = line.strip(" \t")
            if not line or scan(line, 0)[1] != len(line):
                return None
    except (StopIteration, ValueError, RecursionError):
        return None
    return (_CONTENT or _content()).ContentFacts(format="jsonable", size=size, rows=len(lines))


_SCAN_JSON = json.JSONDecoder().scan_once


def facts_reader() -> Callable[[Any], Facts]:
    """A function ``dataset -> Facts`` caching on ``dataset.facts``."""

    def read(dataset: Any) -> Facts:
        cached = dataset.facts
        if cached is None:
            content = _CONTENT or _content()
            parts = dataset.parts  # parsed once per name; cheaper than the extension property
            extension = parts.extension if parts is not None else dataset.extension
            found = None
            if extension == "npy" and dataset.size > 0:
                found = fast_npy_facts(dataset.abs_path, dataset.size, dataset.head)
                dataset.head = None  # read once: the facts stand for it now
            elif extension in _DELIMITED:
                found = fast_delimited_facts(dataset.abs_path, dataset.size, extension)
            elif extension == "json":
                found = fast_json_facts(dataset.abs_path, dataset.size)
            elif extension == "jsonable":
                found = fast_jsonable_facts(dataset.abs_path, dataset.size)
            elif extension == "pqt" and dataset.size > 0:
                found = content.parquet.footer_facts(dataset.abs_path, dataset.size)
            if found is not None:
                cached = Facts(found, None)
            else:
                try:
                    cached = Facts(content.read_facts(dataset.abs_path, extension), None)
                except content.ContentError as exc:
                    cached = Facts(None, str(exc))
                except OSError as exc:
                    cached = Facts(None, f"cannot read file: {exc.strerror or exc}")
            dataset.facts = cached
        return cached

    return read
