"""Text formats: ``.json``, ``.jsonable`` (one JSON document per line) and delimited tables
(``.csv`` comma, ``.tsv``/``.htsv`` tab, ``.ssv`` space), each with a header row.

Text is read as UTF-8, as ONE reads it: JSON formats refuse a byte-order mark (``json.loads``
does), delimited tables tolerate one (pandas does). Standard library only.
"""

from __future__ import annotations

import csv
import json
import os
import sys

from ._types import ContentError, ContentFacts

__all__ = ["DELIMITERS", "json_facts", "jsonable_facts", "delimited_facts"]

#: Column delimiter of each delimited-text extension, as ONE's loaders read them.
DELIMITERS: dict[str, str] = {"csv": ",", "tsv": "\t", "htsv": "\t", "ssv": " "}
_DELIMITER_NAMES = {",": "comma", "\t": "tab", " ": "space"}


def _oserror(exc: OSError, path) -> ContentError:
    return ContentError(f"cannot read the file: {exc.strerror or exc}", path)


def _decode_error(exc: UnicodeDecodeError, path, data: bytes) -> ContentError:
    line = data.count(b"\n", 0, exc.start) + 1
    return ContentError(f"not UTF-8 text: {exc.reason} at byte {exc.start} (line {line})", path, line)


def _first_undecodable_line(path) -> ContentError:
    with open(path, "rb") as f:
        data = f.read()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _decode_error(exc, path, data)
    return ContentError("not UTF-8 text", path)  # pragma: no cover - the caller saw an error


def json_facts(path: str | os.PathLike) -> ContentFacts:
    """Parse a whole JSON document; ``rows`` is its length when it is a list.

    Parsed as ONE parses it (``json.loads`` of the UTF-8 text): a byte-order mark is refused,
    ``NaN`` and ``Infinity`` are accepted.
    """
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise _oserror(exc, path) from None
    if not data:
        return ContentFacts(format="json", size=0)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _decode_error(exc, path, data) from None
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

    Lines are split as ONE's reader splits them (text mode: ``\\n``, ``\\r\\n`` or ``\\r``) and
    each goes through ``json.loads``, so a blank line (including a blank last line after the
    final newline) and a byte-order mark fail to load: both are reported here.
    """
    lines = 0
    try:
        with open(path, encoding="utf-8") as f:
            size = os.fstat(f.fileno()).st_size
            if size == 0:
                return ContentFacts(format="jsonable", size=0)
            try:
                for lines, text in enumerate(f, start=1):
                    if not text.strip():
                        raise ContentError(f"line {lines} is blank: every line must hold one JSON value",
                                           path, lines)
                    try:
                        json.loads(text)
                    except json.JSONDecodeError as exc:
                        raise ContentError(f"line {lines} is not JSON (column {exc.colno}: {exc.msg})",
                                           path, lines) from None
                    except RecursionError:
                        raise ContentError(f"line {lines} is JSON nested too deeply to parse",
                                           path, lines) from None
            except UnicodeDecodeError:
                # the text layer decodes blocks ahead of the lines: find the line in the bytes
                raise _first_undecodable_line(path) from None
    except OSError as exc:
        raise _oserror(exc, path) from None
    return ContentFacts(format="jsonable", size=size, rows=lines)


class _Unterminated(Exception):
    """The file ends inside a quoted field (pandas: "EOF inside string")."""


def _scan(path, delimiter: str, strict: bool) -> tuple[list[str] | None, int]:
    """``(header, data rows)`` of a delimited file; ContentError for a ragged row."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f, delimiter=delimiter, quotechar='"', doublequote=True, strict=strict)
        header: list[str] | None = None
        rows = 0
        record_start = 1
        try:
            for record in reader:
                line = reader.line_num
                if not record:  # blank line
                    record_start = line + 1
                    continue
                if header is None:
                    header = record
                elif len(record) != len(header):
                    name = _DELIMITER_NAMES[delimiter]
                    raise ContentError(
                        f"line {line} has {len(record)} column{'s' * (len(record) != 1)}, the header has "
                        f"{len(header)} ({name}-separated)", path, line)
                else:
                    rows += 1
                record_start = line + 1
        except csv.Error as exc:
            if strict and "unexpected end of data" in str(exc):
                raise _Unterminated(record_start) from None
            if strict:
                raise  # a stray quote inside a field: the caller re-reads leniently, as pandas does
            raise ContentError(f"line {reader.line_num} cannot be parsed: {exc}", path, reader.line_num) from None
    return header, rows


def delimited_facts(path: str | os.PathLike, extension: str) -> ContentFacts:
    """Check a delimited text table: a header row, then rows with as many columns.

    Blank lines are skipped, as pandas skips them; ``rows`` counts the data rows. Quoted fields
    may hold delimiters and newlines (the reported line is where the offending row ends); a
    quote that is never closed is an error (pandas fails with "EOF inside string"), a stray
    quote inside a field is read literally (pandas does too). Fields may be of any length.
    """
    delimiter = DELIMITERS[extension]
    fmt = "tsv" if extension == "htsv" else extension
    limit = csv.field_size_limit()
    try:
        size = os.stat(path).st_size
        if size == 0:
            return ContentFacts(format=fmt, size=0)
        csv.field_size_limit(max(limit, min(sys.maxsize, 2**62)))  # pandas has no field limit
        try:
            header, rows = _scan(path, delimiter, strict=True)
        except _Unterminated as exc:
            line = exc.args[0]
            raise ContentError(f"line {line} opens a quoted field that is never closed "
                               "(the file ends inside it)", path, line) from None
        except csv.Error:
            header, rows = _scan(path, delimiter, strict=False)
        except UnicodeDecodeError:
            raise _first_undecodable_line(path) from None
    except OSError as exc:
        raise _oserror(exc, path) from None
    finally:
        csv.field_size_limit(limit)
    if header is None:  # only blank lines
        return ContentFacts(format=fmt, size=size, rows=0, columns=())
    return ContentFacts(format=fmt, size=size, rows=rows, shape=(rows, len(header)),
                        columns=tuple(header))
