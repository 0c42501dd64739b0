"""Content readers: facts about a dataset file from its header or footer, not its values.

One entry point and one exception::

    read_facts(path, extension) -> ContentFacts | None
    ContentError                 # malformed, truncated or unreadable content

``read_facts`` dispatches on the extension exactly as ONE's loader does (the final suffix,
case-sensitive, with or without its dot) and returns ``None`` for formats it does not inspect
(``.mp4``, ``.avi``, ``.cbin``, ``.ch``, ``.meta``, ``.txt``, ``.tar``, ``.NPY``, ...): those are
skipped, never guessed. Every problem with a file it inspects is a :class:`ContentError` whose
message is a sentence for people (``"truncated: 1128 bytes expected, 1000 found"``,
``"line 7 has 3 columns, the header has 4 (comma-separated)"``); no other exception escapes.

========================  ==================================================================
extension                 what is read and checked
========================  ==================================================================
``npy``                   the header, without numpy: magic, version 1.0/2.0/3.0, the dict of
                          ``descr``/``fortran_order``/``shape``; the file size must equal the
                          header plus ``prod(shape) * itemsize`` (object arrays are pickles:
                          only a non-empty payload is required, and ``object_dtype`` is set)
``json``                  the whole document parses (line and column of the first error)
``jsonable``              every line parses (the first bad or blank line); rows = lines
``pqt``                   the parquet footer: row count and schema (pyarrow, lazily)
``csv`` ``tsv`` ``htsv``  a header row, then the same number of columns on every row
``ssv``                   (comma, tab, tab, space)
``bin``                   the ``*.metadata*.json`` next to it (``dtype``, ``columns``, checked
                          against ``alflint/schemas/bin-metadata.schema.json``); the size must
                          be a whole number of rows. Without metadata: ``missing_metadata``
========================  ==================================================================

A 0-byte file is not inspected: ONE loads it as ``None`` and a separate rule reports it; its
facts hold only ``format`` and ``size``. For arrays ``rows`` is ``shape[0]``; a 0-d array has
``shape == ()`` and ``rows == 1`` (ONE's dimension check crashes on it: rules should say so).

Helpers: :func:`is_numeric`, :func:`is_integer`, :func:`is_float` on facts;
:func:`find_metadata`, :func:`metadata_candidates`, :func:`read_metadata` for metadata side
files; and, reading values in chunks (numpy imported then), :func:`int_range`,
:func:`check_order`, :func:`first_decrease`, :func:`is_monotonic_increasing`.

Import budget: importing this package imports only the standard library; reading ``.npy``
headers of plain dtypes and the values of small arrays (``values.SMALL_ELEMENTS``) do too.
numpy (structured dtypes, values of large arrays), pyarrow (parquet) and jsonschema (``.bin``
metadata) are imported inside the functions that need them.
"""

from __future__ import annotations

import os
import stat
from typing import Callable

from ._types import ContentError, ContentFacts, NUMERIC_KINDS, is_float, is_integer, is_numeric
from .flatbin import bin_facts, find_metadata, metadata_candidates, read_metadata
from .npy import npy_facts, read_npy_header
from .parquet import parquet_facts
from .text import DELIMITERS, delimited_facts, json_facts, jsonable_facts
from .values import (OrderCheck, ValueRange, check_order, first_decrease, int_range,
                     is_monotonic_increasing)

__all__ = [
    "ContentFacts",
    "ContentError",
    "READERS",
    "read_facts",
    "is_numeric",
    "is_integer",
    "is_float",
    "NUMERIC_KINDS",
    "find_metadata",
    "metadata_candidates",
    "read_metadata",
    "read_npy_header",
    "int_range",
    "check_order",
    "first_decrease",
    "is_monotonic_increasing",
    "ValueRange",
    "OrderCheck",
]

#: The reader of each inspected extension.
READERS: dict[str, Callable[[str | os.PathLike], ContentFacts]] = {
    "npy": npy_facts,
    "json": json_facts,
    "jsonable": jsonable_facts,
    "pqt": parquet_facts,
    "bin": bin_facts,
    **{ext: (lambda p, _e=ext: delimited_facts(p, _e)) for ext in DELIMITERS},
}


def read_facts(path: str | os.PathLike, extension: str) -> ContentFacts | None:
    """Read what the header or footer of ``path`` says, checking it is well formed.

    ``extension`` is the ALF extension (``'npy'`` or ``'.npy'``, case-sensitive as in ONE).
    Returns ``None`` for formats not inspected. Raises :class:`ContentError` only.
    """
    ext = extension[1:] if extension.startswith(".") else extension
    reader = READERS.get(ext)
    if reader is None:
        return None
    if ext != "npy":  # the .npy reader checks this on its open file, for speed
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            raise ContentError(f"cannot read the file: {exc.strerror or exc}", path) from None
        if not stat.S_ISREG(mode):  # a FIFO would block, a directory cannot be read
            raise ContentError("cannot read the file: not a regular file", path)
    try:
        return reader(path)
    except ContentError:
        raise
    except RecursionError:
        raise ContentError("the content is nested too deeply to read", path) from None
    except (OSError, ValueError, MemoryError) as exc:
        raise ContentError(f"cannot read the content: {exc}", path) from None
