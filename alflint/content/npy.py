"""``.npy`` headers, read and checked without numpy.

An ``.npy`` file is: the 6 magic bytes ``\\x93NUMPY``, a major and a minor version byte, the
header length as a little-endian unsigned integer (2 bytes in version 1.0, 4 bytes in 2.0 and
3.0), the header (a Python dict literal with exactly the keys ``descr``, ``fortran_order`` and
``shape``, Latin-1 in 1.x/2.x and UTF-8 in 3.0), then the data. For every dtype but objects
the data are exactly ``prod(shape) * itemsize`` bytes, so a file of any other size is
truncated or padded; object arrays hold a pickle whose size cannot be predicted.
"""

from __future__ import annotations

import ast
import math
import os
import re
import stat
from typing import Any, NamedTuple

from .._rawread import READ_FLAGS
from ._dtype import dtype_info
from ._types import ContentError, ContentFacts

__all__ = ["MAGIC", "NpyHeader", "read_npy_header", "npy_facts"]

MAGIC = b"\x93NUMPY"
_LENGTH_BYTES = {1: 2, 2: 4, 3: 4}
_FIRST_READ = 512  # numpy pads headers to 64 bytes: one read covers nearly every file
_HEADER_KEYS = ("descr", "fortran_order", "shape")
# Python 2 wrote long integers with an L suffix ((3L, 4L)); numpy still accepts them in 1.0/2.0.
_LONG_SUFFIX = re.compile(r"(?<=\d)L\b")
# The exact layout numpy writes, parsed without the cost of ast (anything else uses ast).
_COMMON = re.compile(
    r"\{'descr': '([^'\\]*)', 'fortran_order': (True|False), 'shape': \((\d+,|\d+(?:, \d+)+|)\), \} *\n"
)


class NpyHeader(NamedTuple):
    """A parsed header: ``version`` (major, minor), ``descr`` as written, ``fortran_order``,
    ``shape``, ``data_offset`` (bytes before the data), ``itemsize``, ``kind``, ``dtype`` (text),
    ``has_object``."""

    version: tuple[int, int]
    descr: Any
    fortran_order: bool
    shape: tuple[int, ...]
    data_offset: int
    itemsize: int
    kind: str
    dtype: str
    has_object: bool

    @property
    def data_size(self) -> int | None:
        """Bytes the data must occupy, or ``None`` for object arrays (a pickle)."""
        return None if self.has_object else math.prod(self.shape) * self.itemsize


def _parse_dict(text: str, version: tuple[int, int], path: Any) -> tuple[Any, bool, tuple[int, ...]]:
    """``(descr, fortran_order, shape)`` from the header text, checked as numpy checks it."""
    m = _COMMON.fullmatch(text)
    if m:  # numpy's own layout: the regular expression already guarantees every check
        dims = m.group(3).replace(",", " ").split()
        return m.group(1), m.group(2) == "True", tuple(int(d) for d in dims)
    try:
        try:
            value = ast.literal_eval(text)
        except SyntaxError:
            if version[0] >= 3:
                raise
            value = ast.literal_eval(_LONG_SUFFIX.sub("", text))
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError) as exc:
        raise ContentError(
            f"the .npy header is not a Python dict literal ({type(exc).__name__}: {exc}): "
            f"{_clip(text)!r}", path) from None
    if not isinstance(value, dict):
        raise ContentError(f"the .npy header is a {type(value).__name__}, not a dict: {_clip(text)!r}", path)
    return _check_dict(value, path)


def _clip(text: str, n: int = 120) -> str:
    text = text.rstrip()
    return text if len(text) <= n else text[:n] + "..."


def _check_dict(d: dict, path: Any) -> tuple[Any, bool, tuple[int, ...]]:
    missing = [k for k in _HEADER_KEYS if k not in d]
    extra = sorted(repr(k) for k in d if k not in _HEADER_KEYS)
    if missing or extra:
        parts = []
        if missing:
            parts.append("lacks " + ", ".join(repr(k) for k in missing))
        if extra:
            parts.append("has unexpected keys " + ", ".join(extra))
        raise ContentError(f"the .npy header {' and '.join(parts)} (it must hold exactly "
                           "'descr', 'fortran_order' and 'shape')", path)
    shape = d["shape"]
    if not isinstance(shape, tuple) or not all(isinstance(n, int) and not isinstance(n, bool) for n in shape):
        raise ContentError(f"the .npy header's shape {shape!r} is not a tuple of integers", path)
    if any(n < 0 for n in shape):
        raise ContentError(f"the .npy header's shape {shape!r} has a negative dimension", path)
    if not isinstance(d["fortran_order"], bool):
        raise ContentError(f"the .npy header's fortran_order {d['fortran_order']!r} is not True or False", path)
    return d["descr"], d["fortran_order"], shape


def read_npy_header(path: str | os.PathLike) -> tuple[NpyHeader | None, int]:
    """Parse and check the header of an ``.npy`` file; return it with the file size.

    A 0-byte file returns ``(None, 0)``. Raises :class:`ContentError` when the file is not
    ``.npy``, has an unknown version or a malformed header. The data size is not checked here
    (see :func:`npy_facts`).
    """
    try:
        fd = os.open(path, READ_FLAGS)
    except OSError as exc:
        raise ContentError(f"cannot read the file: {exc.strerror or exc}", path) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ContentError("cannot read the file: not a regular file", path)
        size = st.st_size
        if size == 0:
            return None, 0
        head = os.read(fd, _FIRST_READ)
        if len(head) < 10 or not head.startswith(MAGIC):
            if head.startswith(MAGIC) or (len(head) < 6 and MAGIC.startswith(head)):
                raise ContentError(f"truncated: {len(head)} bytes, too short for an .npy header", path)
            raise ContentError(
                f"not an .npy file: it starts with {head[:8]!r}, not the magic string b'\\x93NUMPY'", path)
        version = (head[6], head[7])
        nlen = _LENGTH_BYTES.get(version[0])
        if nlen is None or version[1] != 0:
            raise ContentError(
                f"unsupported .npy format version {version[0]}.{version[1]} "
                "(numpy reads 1.0, 2.0 and 3.0)", path)
        start = 8 + nlen
        hlen = int.from_bytes(head[8:start], "little")
        offset = start + hlen
        if size < offset:
            raise ContentError(f"truncated: the .npy header declares {offset} bytes, {size} found", path)
        raw = head[start:offset]
        while len(raw) < hlen:
            more = os.read(fd, hlen - len(raw))
            if not more:
                raise ContentError(f"truncated: the .npy header declares {offset} bytes, "
                                   f"{start + len(raw)} found", path)
            raw += more
    except OSError as exc:
        raise ContentError(f"cannot read the file: {exc.strerror or exc}", path) from None
    finally:
        os.close(fd)
    try:
        text = raw.decode("utf-8" if version[0] >= 3 else "latin-1")
    except UnicodeDecodeError as exc:
        raise ContentError(f"the .npy 3.0 header is not UTF-8: {exc.reason} at byte {start + exc.start}", path) from None
    descr, fortran, shape = _parse_dict(text, version, path)
    try:
        info = dtype_info(descr)
    except Exception as exc:  # numpy's TypeError/ValueError, or anything odd in the literal
        raise ContentError(f"the .npy header's descr {descr!r} is not a numpy dtype ({exc})", path) from None
    header = NpyHeader(version, descr, fortran, shape, offset, info.itemsize, info.kind, info.text, info.has_object)
    return header, size


def npy_facts(path: str | os.PathLike) -> ContentFacts:
    """Facts of an ``.npy`` file: header checked, file size compared with the data size."""
    header, size = read_npy_header(path)
    if header is None:
        return ContentFacts(format="npy", size=0)
    if header.has_object:
        if size == header.data_offset:
            raise ContentError(
                "truncated: an object array needs a pickled payload after the header, none found", path)
    else:
        expected = header.data_offset + header.data_size
        if size < expected:
            raise ContentError(f"truncated: {expected} bytes expected, {size} found", path)
        if size > expected:
            raise ContentError(f"{size} bytes found, {expected} expected (trailing data)", path)
    shape = header.shape
    return ContentFacts(
        format="npy",
        size=size,
        rows=shape[0] if shape else 1,
        shape=shape,
        dtype=header.dtype,
        kind=header.kind,
        object_dtype=header.has_object,
        fortran_order=header.fortran_order,
        data_offset=header.data_offset,
    )
