"""Text formats: ``.json``, ``.jsonable`` (one JSON document per line) and delimited tables
(``.csv`` comma, ``.tsv``/``.htsv`` tab, ``.ssv`` space), each with a header row.

Text is read as UTF-8 (a byte-order mark is tolerated). Standard library only.
"""

from __future__ import annotations

import csv
import json
import os

from ._types import ContentError, ContentFacts

__all__ = ["DELIMITERS", "json_facts", "jsonable_facts", "delimited_facts"]

#: Column delimiter of each delimited-text extension, as ONE's loaders read them.
DELIMITERS: dict[str, str] = {"csv": ",", "tsv": "\t", "htsv": "\t", "ssv": " "}
_DELIMITER_NAMES = {",": "comma", "\t": "tab", " ": "space"}


def _oserror(exc: OSError, path) -> ContentError:
    return ContentError(f"cannot read the file: {exc.strerror or exc}", path)


def _decode_error(exc: UnicodeDecodeError, path, line: int | None = None) -> ContentError:
    where = f"line {line}" if line is not None else f"byte {exc.start}"
    return ContentError(f"not UTF-8 text: {exc.reason} at {where}", path, line)


def json_facts(path: str | os.PathLike) -> ContentFacts:
    """Parse a whole JSON document; ``rows`` is its length when it is a list."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise _oserror(exc, path) from None
    if not data:
        return ContentFacts(format="json", size=0)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _decode_error(exc, path) from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContentError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                           path, exc.lineno) from None
    except RecursionError:
        raise ContentError("JSON nested too deeply to parse", path) from None
    rows = len(value) if isinstance(value, list) else None
    return ContentFacts(format="json", size=len(data), rows=rows)


def jsonable_facts(path: str | os.PathLike) -> ContentFacts:
    """Parse every line of a ``.jsonable`` file; ``rows`` is the number of lines.

    ONE reads these files line by line with ``json.loads``, so a blank line (including a blank
    last line after the final newline) fails to load: it is reported here too.
    """
    lines = 0
    size = 0
    try:
        with open(path, "rb") as f:
            for lines, raw in enumerate(f, start=1):
                size += len(raw)
                try:
                    text = raw.decode("utf-8-sig" if lines == 1 else "utf-8")
                except UnicodeDecodeError as exc:
                    raise _decode_error(exc, path, lines) from None
                if not text.strip():
                    raise ContentError(f"line {lines} is blank: every line must hold one JSON value",
                                       path, lines)
                try:
                    json.loads(text)
                except json.JSONDecodeError as exc:
                    raise ContentError(f"line {lines} is not JSON (column {exc.colno}: {exc.msg})",
                                       path, lines) from None
                except RecursionError:
                    raise ContentError(f"line {lines} is JSON nested too deeply to parse", path, lines) from None
    except OSError as exc:
        raise _oserror(exc, path) from None
    if size == 0:
        return ContentFacts(format="jsonable", size=0)
    return ContentFacts(format="jsonable", size=size, rows=lines)


def delimited_facts(path: str | os.PathLike, extension: str) -> ContentFacts:
    """Check a delimited text table: a header row, then rows with as many columns.

    Blank lines are skipped, as pandas skips them; ``rows`` counts the data rows. Quoted fields
    may hold delimiters and newlines (the reported line is where the offending row ends).
    """
    delimiter = DELIMITERS[extension]
    fmt = "tsv" if extension == "htsv" else extension
    size = 0
    try:
        size = os.stat(path).st_size
        if size == 0:
            return ContentFacts(format=fmt, size=0)
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
            header: list[str] | None = None
            rows = 0
            try:
                for record in reader:
                    if not record:  # blank line
                        continue
                    if header is None:
                        header = record
                        continue
                    if len(record) != len(header):
                        line = reader.line_num
                        name = _DELIMITER_NAMES[delimiter]
                        raise ContentError(
                            f"line {line} has {len(record)} column{'s' * (len(record) != 1)}, the header has "
                            f"{len(header)} ({name}-separated)", path, line)
                    rows += 1
            except csv.Error as exc:
                raise ContentError(f"line {reader.line_num} cannot be parsed: {exc}", path,
                                   reader.line_num) from None
            except UnicodeDecodeError as exc:
                raise ContentError(f"not UTF-8 text: {exc.reason} near line {reader.line_num + 1}",
                                   path, reader.line_num + 1) from None
    except OSError as exc:
        raise _oserror(exc, path) from None
    if header is None:  # only blank lines
        return ContentFacts(format=fmt, size=size, rows=0, columns=())
    return ContentFacts(format=fmt, size=size, rows=rows, shape=(rows, len(header)),
                        columns=tuple(header))
