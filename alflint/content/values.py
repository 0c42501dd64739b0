"""Facts about the values of numeric arrays, read in chunks: ranges and order.

These serve the relation and time rules: an attribute named after another object holds row
indices into it (``spikes.clusters`` indexes ``clusters.*``), so its range matters; ``times``
must not go backwards.

Two paths give the same answers:

* small arrays (at most ``SMALL_ELEMENTS`` values, 512 KiB of float64) are decoded with the
  standard library's ``struct``, so a pre-commit hook checking a few staged files never pays
  numpy's import;
* larger ``.npy``/``.bin`` arrays are read with numpy in chunks of ``chunk`` elements into one
  reused buffer, so a 100-million-element file costs about a second and a few megabytes.

Parquet columns are read one row group at a time (pyarrow), and integer ranges come from the
footer statistics when every row group has them.
"""

from __future__ import annotations

import math
import os
import struct
from typing import Iterator, NamedTuple, Sequence

from .._rawread import read_at
from ._dtype import dtype_info
from ._types import ContentError, ContentFacts

__all__ = ["ValueRange", "OrderCheck", "int_range", "check_order", "first_decrease",
           "is_monotonic_increasing", "DEFAULT_CHUNK", "SMALL_ELEMENTS"]

#: Elements per numpy read (8 MiB of float64).
DEFAULT_CHUNK = 1 << 20
#: Arrays of at most this many elements are decoded without numpy.
SMALL_ELEMENTS = 1 << 16
# struct codes of the (kind, itemsize) pairs the small path decodes; dates as their int64.
_STRUCT_CODES = {
    ("b", 1): "?", ("i", 1): "b", ("i", 2): "h", ("i", 4): "i", ("i", 8): "q",
    ("u", 1): "B", ("u", 2): "H", ("u", 4): "I", ("u", 8): "Q",
    ("f", 2): "e", ("f", 4): "f", ("f", 8): "d", ("M", 8): "q", ("m", 8): "q",
}
_NAT = -(1 << 63)  # numpy's NaT as int64


class ValueRange(NamedTuple):
    """``minimum`` and ``maximum`` of the values (NaN ignored; ``None`` when there is no
    value), and whether the dtype is an integer one."""

    minimum: int | float | None
    maximum: int | float | None
    is_integer_dtype: bool


class OrderCheck(NamedTuple):
    """``first_decrease``: the first index whose value is below an earlier value (NaN skipped),
    ``None`` when the values never decrease; ``first_nan``: the first NaN (or NaT) index, or
    ``None``; ``length``: the number of values checked."""

    first_decrease: int | None
    first_nan: int | None
    length: int


def _array_facts(path: str | os.PathLike) -> ContentFacts:
    """Facts of an array file (.npy, or .bin with metadata) whose values can be read."""
    name = os.fspath(path)
    if name.endswith(".npy"):
        from .npy import npy_facts

        facts = npy_facts(path)
    elif name.endswith(".bin"):
        from .flatbin import bin_facts

        facts = bin_facts(path)
        if facts.missing_metadata:
            raise ContentError("a .bin file without metadata has no known dtype", path)
    else:
        raise ContentError(f"values can be read from .npy and .bin files, not {os.path.basename(name)}", path)
    if facts.size == 0:
        raise ContentError("the file is empty", path)
    if facts.object_dtype:
        raise ContentError("an object array (pickled) cannot be read in chunks", path)
    return facts


def _plan(path, facts: ContentFacts, column: int | None) -> tuple[int, int, int]:
    """``(start, count, stride)`` in elements: all values, or one column of a 2-D array."""
    shape = facts.shape or ()
    if column is None or len(shape) < 2:
        return 0, math.prod(shape), 1
    if len(shape) > 2:
        raise ContentError(f"a column of a {len(shape)}-d array {shape} is ambiguous", path)
    n, k = shape
    if not -k <= column < k:
        raise ContentError(f"column {column} is out of range for shape {shape}", path)
    column %= k
    if facts.fortran_order:
        return column * n, n, 1
    return column, n, k


def _small_values(path, facts: ContentFacts, column: int | None) -> Sequence | None:
    """The values as Python numbers via ``struct``, or ``None`` when numpy is needed."""
    info = dtype_info(facts.dtype)
    code = _STRUCT_CODES.get((info.kind, info.itemsize))
    start, count, stride = _plan(path, facts, column)
    if code is None or count * stride > SMALL_ELEMENTS:
        return None
    order = facts.dtype[0] if facts.dtype[0] in "<>" else "="
    if count == 0:
        return ()
    span = (count - 1) * stride + 1
    try:
        data = read_at(path, facts.data_offset + start * info.itemsize, span * info.itemsize)
    except OSError as exc:
        raise ContentError(f"cannot read the file: {exc.strerror or exc}", path) from None
    if len(data) != span * info.itemsize:
        raise ContentError("the file changed or is truncated while reading its values", path)
    values = struct.unpack(f"{order}{span}{code}", data)
    return values[::stride] if stride > 1 else values


def _iter_chunks(path, facts: ContentFacts, dtype, column: int | None, chunk: int) -> Iterator:
    """Yield 1-D numpy arrays of the values (all of them, or one column of a 2-D array).

    The yielded arrays share one buffer: use each before asking for the next.
    """
    import numpy as np

    start, count, stride = _plan(path, facts, column)
    if count == 0:
        return
    itemsize = dtype.itemsize
    per_read = max(1, chunk // stride) * stride
    buf = bytearray(per_read * itemsize)
    view = memoryview(buf)
    try:
        with open(path, "rb") as f:
            f.seek(facts.data_offset + start * itemsize)
            left = (count - 1) * stride + 1  # elements spanned
            while left > 0:
                want = min(per_read, left)
                got = f.readinto(view[: want * itemsize])
                if got != want * itemsize:
                    raise ContentError("the file changed or is truncated while reading its values", path)
                arr = np.frombuffer(buf, dtype=dtype, count=want)
                yield arr[::stride] if stride > 1 else arr
                left -= want  # want is a whole number of rows but for the last read
    except OSError as exc:
        raise ContentError(f"cannot read the file: {exc.strerror or exc}", path) from None


def _parquet_range(path, column: str | None) -> ValueRange:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from .parquet import parquet_facts

    facts = parquet_facts(path)
    names = facts.columns or ()
    if column is None:
        if len(names) != 1:
            raise ContentError(f"the table has {len(names)} columns: name the one to read", path)
        column = names[0]
    if column not in names:
        raise ContentError(f"the table has no column {column!r}", path)
    try:
        pf = pq.ParquetFile(path)
        typ = pf.schema_arrow.field(column).type
        if not (pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_boolean(typ)):
            raise ContentError(f"column {column!r} holds {typ}, not numbers", path)
        is_int = pa.types.is_integer(typ)
        lo = hi = None
        index = pf.schema_arrow.get_field_index(column)
        md = pf.metadata
        if is_int:  # try the footer statistics first: no data read at all
            stats = []
            for g in range(md.num_row_groups):
                col = md.row_group(g).column(index)
                s = col.statistics
                if s is None or not s.has_min_max:
                    if s is not None and s.null_count == col.num_values:
                        continue
                    stats = None
                    break
                stats.append((s.min, s.max))
            if stats is not None:
                if stats:
                    return ValueRange(int(min(a for a, _ in stats)), int(max(b for _, b in stats)), True)
                return ValueRange(None, None, True)
        for g in range(md.num_row_groups):
            values = pf.read_row_group(g, columns=[column]).column(0)
            if pa.types.is_floating(typ):
                values = pc.drop_null(pc.if_else(pc.is_nan(values), None, values))
            if pa.types.is_boolean(typ):
                values = pc.cast(values, pa.int8())
            mm = pc.min_max(values).as_py()
            if mm["min"] is None:
                continue
            lo = mm["min"] if lo is None else min(lo, mm["min"])
            hi = mm["max"] if hi is None else max(hi, mm["max"])
    except (pa.ArrowException, OSError) as exc:
        raise ContentError(f"cannot read column {column!r}: {exc}", path) from None
    return ValueRange(lo, hi, is_int)


def int_range(path: str | os.PathLike, *, column: str | None = None,
              chunk: int = DEFAULT_CHUNK, facts: ContentFacts | None = None) -> ValueRange:
    """Minimum and maximum of a numeric ``.npy``/``.bin`` array (all elements) or of one
    parquet column (``column``; the only column when omitted), reading in chunks.

    NaN is ignored; booleans read as 0/1. Raises :class:`ContentError` for malformed files and
    for values that are not numbers (strings, objects, dates, complex). ``facts``: the
    array's facts when the caller has read them already (the header is not read again).
    """
    name = os.fspath(path)
    if name.endswith(".pqt"):
        return _parquet_range(path, column)
    if column is not None:
        raise ContentError("a column name applies to parquet tables only", path)
    if facts is None:
        facts = _array_facts(path)
    kind = facts.kind
    if kind not in ("b", "i", "u", "f"):
        raise ContentError(f"the values are not real numbers (dtype {facts.dtype})", path)
    is_int = kind in ("i", "u")
    values = _small_values(path, facts, None)
    if values is not None:
        if kind == "f":
            values = [v for v in values if v == v]
        if not values:
            return ValueRange(None, None, is_int)
        lo, hi = min(values), max(values)
        return ValueRange(int(lo), int(hi), False) if kind == "b" else ValueRange(lo, hi, is_int)

    import numpy as np

    from ._dtype import numpy_dtype

    lo = hi = None
    for arr in _iter_chunks(path, facts, numpy_dtype(facts.dtype), None, chunk):
        if kind == "f":
            arr = arr[~np.isnan(arr)]
            if arr.size == 0:
                continue
        a, b = arr.min(), arr.max()
        lo = a if lo is None or a < lo else lo
        hi = b if hi is None or b > hi else hi
    if lo is None:
        return ValueRange(None, None, is_int)
    if kind == "b":
        return ValueRange(int(lo), int(hi), False)
    return ValueRange(lo.item(), hi.item(), is_int)


def check_order(path: str | os.PathLike, column: int = 0, *, chunk: int = DEFAULT_CHUNK) -> OrderCheck:
    """Where the values of a ``.npy``/``.bin`` array stop increasing, reading in chunks.

    A 1-D array (or ``(n, 1)``) is checked whole; of a 2-D ``(n, k)`` array, ``column`` (the
    first by default: the start of ``intervals``, the sample of ``timestamps`` sync pairs).
    Equal neighbours are fine (non-strict). NaN (NaT for dates) is skipped when comparing, so
    ``[1, nan, 2]`` increases and ``[2, nan, 1]`` decreases at index 2; ``first_nan`` says where
    the first one is, for rules that forbid them.
    """
    facts = _array_facts(path)
    kind = facts.kind
    if kind not in ("i", "u", "f", "m", "M"):
        raise ContentError(f"the values cannot be ordered (dtype {facts.dtype})", path)
    shape = facts.shape or ()
    if len(shape) > 2:
        raise ContentError(f"order is checked on 1-d or 2-d arrays, not shape {shape}", path)
    length = shape[0] if shape else 1
    col = (0 if shape[1] == 1 else column) if len(shape) == 2 else None
    values = _small_values(path, facts, col)
    if values is not None:
        return _order_small(values, kind, length)
    import numpy as np

    from ._dtype import numpy_dtype

    last = None  # the last non-NaN value seen
    offset = 0
    first_nan = None
    for arr in _iter_chunks(path, facts, numpy_dtype(facts.dtype), col, chunk):
        n = arr.size
        if kind in ("m", "M"):
            arr = arr.view(np.int64)
            bad = arr == _NAT
        elif kind == "f":
            bad = np.isnan(arr)
        else:
            bad = None
        idx = None
        if bad is not None and bad.any():
            if first_nan is None:
                first_nan = offset + int(np.argmax(bad))
            idx = np.flatnonzero(~bad)
            arr = arr[idx]
        if arr.size:
            if last is not None and arr[0] < last:
                return OrderCheck(offset + (0 if idx is None else int(idx[0])), first_nan, length)
            down = np.flatnonzero(arr[1:] < arr[:-1])
            if down.size:
                pos = int(down[0]) + 1
                return OrderCheck(offset + (pos if idx is None else int(idx[pos])), first_nan, length)
            last = arr[-1]  # a numpy scalar: a copy, safe from the reused buffer
        offset += n
    return OrderCheck(None, first_nan, length)


def _order_small(values: Sequence, kind: str, length: int) -> OrderCheck:
    last = None
    first_nan = None
    nat = kind in ("m", "M")
    for i, v in enumerate(values):
        if (v == _NAT) if nat else (v != v):
            if first_nan is None:
                first_nan = i
            continue
        if last is not None and v < last:
            return OrderCheck(i, first_nan, length)
        last = v
    return OrderCheck(None, first_nan, length)


def first_decrease(path: str | os.PathLike, column: int = 0, *, chunk: int = DEFAULT_CHUNK) -> int | None:
    """The first index where the values decrease, ``None`` when they never do (see
    :func:`check_order`)."""
    return check_order(path, column, chunk=chunk).first_decrease


def is_monotonic_increasing(path: str | os.PathLike, column: int = 0, *, chunk: int = DEFAULT_CHUNK) -> bool:
    """``True`` when the values never decrease (NaN skipped; see :func:`check_order`)."""
    return check_order(path, column, chunk=chunk).first_decrease is None
