"""Item size and kind of numpy dtype strings, without importing numpy for the common cases.

The fast path understands the type strings numpy writes into ``.npy`` headers for plain dtypes
(``'<f8'``, ``'|b1'``, ``'<U10'``, ``'|S5'``, ``'|V16'``, ``'|O'``, ``'<M8[ns]'``) and the
spelled-out names people write in metadata (``'float64'``, ``'int16'``, ``'uint8'``,
``'bool'``). Anything else (structured field lists, ``'i3'``, aliases such as ``'double'``) is
handed to numpy, imported only then, which is the authority on what is a dtype.
"""

from __future__ import annotations

import functools
import re
from typing import Any, NamedTuple

__all__ = ["DtypeInfo", "dtype_info", "numpy_dtype"]


class DtypeInfo(NamedTuple):
    """``itemsize`` in bytes, numpy ``kind`` letter, whether it ``has_object`` (needs pickle),
    and ``text``: the dtype as a string for reports."""

    itemsize: int
    kind: str
    has_object: bool
    text: str


# Sizes numpy accepts for each kind letter in a type string such as '<i4'.
_SIZES: dict[str, frozenset[int]] = {
    "b": frozenset({1}),            # 'b1' is bool ('b' alone would be int8: left to numpy)
    "i": frozenset({1, 2, 4, 8}),
    "u": frozenset({1, 2, 4, 8}),
    "f": frozenset({2, 4, 8, 16}),  # f16: long double on x86-64 Linux and macOS-x86
    "c": frozenset({8, 16, 32}),
}
_PLAIN = re.compile(r"([<>|=]?)([biufc])(\d+)")
_BYTES = re.compile(r"([<>|=]?)([USVa])(\d+)")
_TIME = re.compile(r"([<>|=]?)([Mm])8(?:\[(\d*)(Y|M|W|D|h|m|s|ms|us|μs|ns|ps|fs|as|generic)\])?")
_OBJECT = re.compile(r"[|=]?O8?")
_NAMES: dict[str, tuple[int, str]] = {
    "bool": (1, "b"),
    "int8": (1, "i"), "int16": (2, "i"), "int32": (4, "i"), "int64": (8, "i"),
    "uint8": (1, "u"), "uint16": (2, "u"), "uint32": (4, "u"), "uint64": (8, "u"),
    "float16": (2, "f"), "float32": (4, "f"), "float64": (8, "f"),
    "complex64": (8, "c"), "complex128": (16, "c"),
}


@functools.lru_cache(maxsize=512)
def _fast(descr: str) -> DtypeInfo | None:
    m = _PLAIN.fullmatch(descr)
    if m:
        kind, size = m.group(2), int(m.group(3))
        if size in _SIZES[kind]:
            return DtypeInfo(size, kind, False, descr)
        return None
    m = _BYTES.fullmatch(descr)
    if m:
        kind, n = m.group(2), int(m.group(3))
        if kind == "U":
            return DtypeInfo(4 * n, "U", False, descr)
        return DtypeInfo(n, "S" if kind == "a" else kind, False, descr)
    m = _TIME.fullmatch(descr)
    if m:
        return DtypeInfo(8, m.group(2), False, descr)
    if _OBJECT.fullmatch(descr):
        return DtypeInfo(8, "O", True, descr)
    named = _NAMES.get(descr)
    if named:
        return DtypeInfo(named[0], named[1], False, descr)
    return None


def dtype_info(descr: Any) -> DtypeInfo:
    """Describe a dtype given as a type string or a structured field list.

    Raises ``TypeError`` or ``ValueError`` (numpy's) when ``descr`` is not a dtype.
    """
    if isinstance(descr, str):
        info = _fast(descr)
        if info is not None:
            return info
    # Rare: structured field lists such as [('a', '<f8'), ('b', '<i4', (2,))], unusual spellings.
    dt = numpy_dtype(descr)
    if isinstance(descr, list):
        text = repr(descr)
    else:
        text = dt.str if dt.names is None else repr(dt.descr)
    if dt.shape:  # a sub-array dtype such as ('<f8', (2,)) at top level: not an array dtype
        raise ValueError(f"{descr!r} is a sub-array dtype, not an element type")
    return DtypeInfo(int(dt.itemsize), dt.kind, bool(dt.hasobject), text)


def numpy_dtype(descr: Any):
    """The ``numpy.dtype`` of a type string or ``.npy`` field list (imports numpy)."""
    import numpy as np

    if isinstance(descr, list):
        return np.dtype([tuple(f) if isinstance(f, (list, tuple)) else f for f in descr])
    return np.dtype(descr)
