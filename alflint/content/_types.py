"""The records shared by the content readers: :class:`ContentFacts` and :class:`ContentError`.

Standard library only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = [
    "ContentFacts",
    "ContentError",
    "NUMERIC_KINDS",
    "is_numeric",
    "is_integer",
    "is_float",
]

#: numpy kind letters counted as numbers by :func:`is_numeric` (booleans are not numbers here:
#: times, indices and amplitudes stored as booleans are mistakes worth reporting).
NUMERIC_KINDS = frozenset("iufc")


@dataclass(frozen=True, slots=True)
class ContentFacts:
    """What a reader learnt about one dataset file without loading its values.

    ``format``
        The reader that produced the facts (``npy``, ``json``, ``jsonable``, ``pqt``, ``csv``,
        ``tsv``, ``ssv``, ``bin``; ``htsv`` files report ``tsv``).
    ``size``
        The file size in bytes. A 0-byte file is not inspected (ONE loads it as ``None`` and a
        separate rule reports it): its facts hold only ``format`` and ``size``.
    ``rows``
        The first dimension, the length that must agree across the attributes of an object:
        ``shape[0]`` for arrays (``1`` for a 0-d array, whose ``shape`` is ``()``), the number
        of data rows of a table (header excluded), of lines of a ``.jsonable`` file, of items of
        a JSON list; ``None`` where the format has none (a JSON object) or is unknown (a
        ``.bin`` file without metadata).
    ``shape``
        The array shape (``.npy``; ``(rows, columns)`` for tables and ``.bin``), else ``None``.
    ``dtype``
        The element type as numpy spells it (``'<f8'``, ``'|b1'``, ``'<U10'``, ``'|O'``; a
        structured dtype as the repr of its field list) for ``.npy`` and ``.bin``; for parquet
        the Arrow type shared by all columns (``'int64'``), ``None`` when they differ.
    ``kind``
        The numpy kind letter (``b i u f c m M O S U V``) where known; for parquet the kind
        shared by all columns (strings count as ``'U'``), ``None`` when they differ.
    ``columns``
        Column names: the header of a delimited text table, the schema of a parquet file
        (pandas index columns excluded), the ``columns`` of ``.bin`` metadata.
    ``column_types``
        Per-column types where the format records them (parquet: Arrow type names).
    ``object_dtype``
        ``True`` when loading needs pickle (``.npy`` of object dtype, or a structured dtype
        holding objects); the size of the pickled payload cannot be checked.
    ``fortran_order``
        ``True`` for a column-major ``.npy`` array.
    ``data_offset``
        Where the array data start (``.npy``: after the header; ``.bin``: 0), for readers that
        map the values.
    ``missing_metadata``
        ``True`` for a ``.bin`` file with no ``*.metadata*.json`` next to it: the file cannot be
        interpreted, which is a warning, not malformed content.
    ``metadata_path``
        The metadata file used for a ``.bin`` file.
    """

    format: str
    size: int
    rows: int | None = None
    shape: tuple[int, ...] | None = None
    dtype: str | None = None
    kind: str | None = None
    columns: tuple[str, ...] | None = None
    column_types: tuple[str, ...] | None = None
    object_dtype: bool = False
    fortran_order: bool = False
    data_offset: int | None = None
    missing_metadata: bool = False
    metadata_path: str | None = None

    @property
    def ndim(self) -> int | None:
        """The number of dimensions, or ``None`` without a shape."""
        return None if self.shape is None else len(self.shape)


class ContentError(Exception):
    """A dataset file is malformed, truncated or unreadable.

    ``str(error)`` is a sentence for people (no traceback needed); ``path`` is the file and
    ``line`` the 1-based line of text formats where the problem was found (else ``None``).
    """

    def __init__(self, message: str, path: str | os.PathLike | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = None if path is None else os.fspath(path)
        self.line = line

    def __reduce__(self):  # keep the extra attributes across pickling (multiprocessing)
        return (type(self), (self.message, self.path, self.line))


def is_numeric(facts: ContentFacts | None) -> bool:
    """``True`` when the values are numbers (integer, unsigned, float or complex kinds)."""
    return facts is not None and facts.kind is not None and facts.kind in NUMERIC_KINDS


def is_integer(facts: ContentFacts | None) -> bool:
    """``True`` when the values are signed or unsigned integers (booleans excluded)."""
    return facts is not None and facts.kind is not None and facts.kind in "iu"


def is_float(facts: ContentFacts | None) -> bool:
    """``True`` when the values are floating-point numbers."""
    return facts is not None and facts.kind == "f"
