"""A pure-Python parquet footer reader: row count, column names and Arrow type names.

Written from the format specifications (parquet.thrift, the Thrift compact protocol, the Arrow
IPC ``Schema.fbs``/``Message.fbs`` flatbuffers), standard library only, so that the pre-commit
hook never imports pyarrow (or numpy) to learn what a ``.pqt`` file holds.

:func:`read_schema` answers only when it is certain to agree with
``pq.read_metadata(path).schema.to_arrow_schema()``: flat tables whose columns all have a type
of the safe subset (bool, integers, floats, strings, binaries, date32, timestamps, durations,
dictionaries of strings or binaries, null). For anything else (nested columns, decimals,
INT96, view types, extension types, unknown tags, malformed bytes, huge footers) it returns
``None`` and the caller asks pyarrow, which also words the errors. It never raises.

Tables of one kind (a pipeline's ``trials.table``, ``clusters.metrics``) differ in their
footers only by counts, offsets and statistics, so the reader learns what they share, each
time keyed by the very bytes it is read from, and reads a 30-column footer in 0.1 ms instead
of 1 ms: the schema list and the Arrow fields (by their bytes) and the shapes of column chunks
(as patterns of :mod:`._compact_shapes`, which ``re`` checks in C).
"""

from __future__ import annotations

import base64
import os
import re
import struct
import time

from .._rawread import READ_FLAGS, pread
from ._compact_shapes import shape_source

__all__ = ["MAX_FOOTER", "FooterSchema", "read_schema", "read_footer", "decode_footer"]

#: Footers larger than this are left to pyarrow.
MAX_FOOTER = 4 * 1024 * 1024

_MAX_DEPTH = 32
_FIRST_READ = 64 * 1024


class _Bad(Exception):
    """Anything the reader is not sure about."""


class FooterSchema:
    """What the footer says: ``num_rows``, ``names``, ``types`` (``str(pa_type)``) and
    ``pandas`` (the raw ``pandas`` key-value metadata, or ``None``)."""

    __slots__ = ("names", "num_rows", "pandas", "types")

    def __init__(self, num_rows: int, names: list, types: list, pandas: bytes | None):
        self.num_rows = num_rows
        self.names = names
        self.types = types
        self.pandas = pandas

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return (f"FooterSchema(num_rows={self.num_rows}, names={self.names}, "
                f"types={self.types}, pandas={self.pandas!r:.40})")


# --------------------------------------------------------------------------------------------
# Thrift compact protocol

_STOP, _TRUE, _FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE, _BINARY, _LIST, _SET, _MAP, _STRUCT = range(13)


def _varint_rest(buf: bytes, pos: int, first: int) -> tuple[int, int]:
    """The rest of a varint whose first byte ``first`` (>= 0x80) was read."""
    n = first & 0x7F
    shift = 7
    while True:
        b = buf[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        if b < 0x80:
            if n >> 64:
                raise _Bad("varint beyond 64 bits")
            return n, pos
        shift += 7
        if shift > 63:
            raise _Bad("varint too long")


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    b = buf[pos]
    if b < 0x80:
        return b, pos + 1
    return _varint_rest(buf, pos + 1, b)


_LIMITS = (0, 0, 0, 0, 1 << 15, 1 << 31, 1 << 63)  # by compact type: I16, I32, I64


def _int(n: int, ttype: int) -> int:
    value = (n >> 1) ^ -(n & 1)
    limit = _LIMITS[ttype]
    if not -limit <= value < limit:
        raise _Bad("integer out of range")
    return value


def _struct(buf: bytes, pos: int, depth: int, spec) -> tuple[dict, int]:
    """Decode a struct into ``{field id: value}`` for the fields ``spec`` knows.

    ``spec`` is ``({field id: (type, inner spec)}, required ids)``. As in generated Thrift
    readers (which pyarrow uses), a known field of another wire type or a missing required
    field is an error (the pure reader then leaves the file to pyarrow); unknown fields are
    skipped (checked well formed, not kept).
    """
    if depth > _MAX_DEPTH:
        raise _Bad("nested too deeply")
    known, required = spec
    fields: dict = {}
    fid = 0
    end = len(buf)
    while True:
        head = buf[pos]
        pos += 1
        ttype = head & 0x0F
        if not ttype:  # STOP, whatever the high nibble (as Thrift's C++ reader takes it)
            break
        if head >> 4:
            fid += head >> 4
        else:
            n, pos = _varint(buf, pos)
            fid = _int(n, _I16)
        exp = known.get(fid)
        if exp is not None and exp[0] != ttype and not (exp[0] == _TRUE and ttype == _FALSE):
            raise _Bad("unexpected field type")
        if ttype == _I32 or ttype == _I64 or ttype == _I16:
            b = buf[pos]
            pos += 1
            if b < 0x80:
                value = (b >> 1) ^ -(b & 1)
            else:
                n, pos = _varint_rest(buf, pos, b)
                value = _int(n, ttype)
        elif ttype == _BINARY:
            b = buf[pos]
            pos += 1
            if b < 0x80:
                n = b
            else:
                n, pos = _varint_rest(buf, pos, b)
            stop = pos + n
            if stop > end:
                raise _Bad("binary beyond the footer")
            value = buf[pos:stop]
            pos = stop
        elif ttype == _STRUCT:
            value, pos = _struct(buf, pos, depth + 1, exp[1] if exp is not None else _ANY)
        elif ttype == _LIST or ttype == _SET:
            if exp is not None and exp[1][1] is _ROW_GROUP:  # walked, only column counts kept
                value, pos = _row_groups(buf, pos, depth + 1)
            elif exp is not None and exp[1][1] is _COLUMN_ORDER:  # walked, nothing kept
                value, pos = None, _struct_list_walked(buf, pos, depth + 1, _COLUMN_ORDER)
            elif exp is not None and exp[1][1] is _SCHEMA_ELEMENT:
                value, pos = _schema_columns(buf, pos, depth + 1)
            else:
                value, pos = _list(buf, pos, depth + 1, exp[1] if exp is not None else None)
        elif ttype == _TRUE:
            value = True
        elif ttype == _FALSE:
            value = False
        else:
            value, pos = _other(buf, pos, ttype, depth + 1)
        if exp is not None:
            fields[fid] = value
    for fid in required:
        if fid not in fields:
            raise _Bad("a required field is missing")
    return fields, pos


def _struct_list_head(buf: bytes, pos: int) -> tuple[int, int]:
    """The size of the list of structs at ``pos``, and the position of its first element."""
    head = buf[pos]
    pos += 1
    size = head >> 4
    if size == 15:
        size, pos = _varint(buf, pos)
    if (head & 0x0F) != _STRUCT:
        raise _Bad("unexpected list element type")
    if size > len(buf) - pos:
        raise _Bad("list longer than the footer")
    return size, pos


def _row_groups(buf: bytes, pos: int, depth: int) -> tuple[list, int]:
    """The number of column chunks of each row group, checking them as pyarrow would."""
    size, pos = _struct_list_head(buf, pos)
    counts = []
    for _ in range(size):
        pos, columns = _walk(buf, pos, depth + 1, _ROW_GROUP)
        counts.append(columns)
    return counts, pos


def _struct_list_walked(buf: bytes, pos: int, depth: int, spec) -> int:
    """Check a list of ``spec`` structs as :func:`_list` does, keeping nothing."""
    size, pos = _struct_list_head(buf, pos)
    return _skim(buf, pos, size, depth + 1, spec)


# Shapes of structs walked before (column chunks, column orders), as compiled patterns of
# :mod:`._compact_shapes`, by id of their spec, most recently learned last.
_SHAPES: dict[int, list] = {}
_SHAPE_SOURCES: dict[bytes, int] = {}  # how often each unlearned shape was walked
_MAX_SHAPES = 16
#: Structs walked field by field before shapes are learned at all (column chunks and the
#: structs in them: about 30 footers of 30 columns, 40 ms). Compiling a shape costs 0.3-3 ms,
#: more than a few files' footers (a pre-commit hook) take to walk.
LEARN_AFTER = 4096
_walked = 0
#: Patterns a process compiles at most (shapes and whole lists): tables of many shapes, or
#: footers made to churn them, cost at most this many compilations (0.1-0.2 s), then are
#: walked field by field as before.
COMPILE_BUDGET = 64
_compiled = 0
# Whole lists of learned shapes: patterns matching such a list at once, by (spec, size), each
# made of the shapes its lists used (a few of the spec's learned shapes: a pattern of them
# all costs several milliseconds to compile, and again whenever a shape is learned).
_RUNS: dict[tuple[int, int], list] = {}
_MAX_RUNS = 4  # patterns kept per (spec, size)
# What matching lists one struct at a time has cost so far, by (spec, size, shapes used),
# against the price of compiling their pattern.
_RUN_SPENT: dict[tuple, float] = {}
#: Seconds a pattern for the whole list saves per struct over matching them one by one
#: (30-column footers, column chunks and column orders: 43 against 29 µs a footer).
RUN_SAVING = 0.2e-6
# Seconds each shape pattern took to compile: what a list pattern of them will cost.
_COMPILE_COST: dict[re.Pattern, float] = {}


def _skim(buf: bytes, pos: int, size: int, depth: int, spec) -> int:
    """Check ``size`` consecutive ``spec`` structs as :func:`_walk` does; structs of shapes
    learned before are checked by those shapes' patterns instead, in C: the whole list at
    once when a pattern for such lists was made, else one by one."""
    global _walked
    shapes = _SHAPES.get(id(spec))
    key = (id(spec), size)
    if shapes:
        for run in _RUNS.get(key, ()):
            found = run.match(buf, pos)
            if found is not None:
                return found.end()
    used: list = []  # the shapes that matched, in order
    all_matched = bool(shapes)
    for _ in range(size):
        if shapes:
            for pattern in shapes:
                found = pattern.match(buf, pos)
                if found is not None:
                    pos = found.end()
                    if pattern not in used:
                        used.append(pattern)
                    break
            else:
                found = None
            if found is not None:
                continue
        all_matched = False
        element = pos
        pos = _walk(buf, pos, depth, spec)[0]
        _walked += 1
        if _walked > LEARN_AFTER and _compiled < COMPILE_BUDGET:
            shapes = _learn(buf, element, pos, spec)
    if all_matched and size > 1:
        _count_run(key, tuple(used))
    return pos


def _learn(buf: bytes, start: int, end: int, spec) -> list:
    """Count the shape of the struct just walked at ``start:end``; learn it the second time."""
    shapes = _SHAPES.setdefault(id(spec), [])
    learned = shape_source(buf, start)
    if learned is None:
        return shapes
    source = learned[0]
    seen = _SHAPE_SOURCES.get(source, 0) + 1
    if seen < 2:
        if len(_SHAPE_SOURCES) >= 512:  # sources of 1-10 KB
            _SHAPE_SOURCES.clear()
        _SHAPE_SOURCES[source] = seen
        return shapes
    _SHAPE_SOURCES.pop(source, None)
    pattern = _compile(source)
    found = pattern.match(buf, start)
    if found is None or found.end() != end:  # pragma: no cover - a bug in the shapes, not the file
        return shapes
    if len(shapes) >= _MAX_SHAPES:
        del shapes[0]
    shapes.append(pattern)
    return shapes


def _count_run(key: tuple, used: tuple) -> None:
    """A list of ``key``'s size was matched struct by struct with the shapes ``used``: once
    that has cost what compiling the pattern of such whole lists will (rent or buy: never
    more than twice the better choice), compile it."""
    if _compiled >= COMPILE_BUDGET:
        return
    spent_key = key + (used,)
    spent = _RUN_SPENT.get(spent_key, 0.0) + key[1] * RUN_SAVING
    if spent < sum(_COMPILE_COST.get(p, 0.0) for p in used):
        if len(_RUN_SPENT) >= 256:
            _RUN_SPENT.clear()
        _RUN_SPENT[spent_key] = spent
        return
    _RUN_SPENT.pop(spent_key, None)
    either = b"|".join(p.pattern for p in used)
    runs = _RUNS.get(key)
    if runs is None:
        if len(_RUNS) >= 256:
            _RUNS.clear()
        runs = _RUNS[key] = []
    elif len(runs) >= _MAX_RUNS:
        del runs[0]
    runs.append(_compile(b"(?:%s){%d}" % (either, key[1])))


def _compile(source: bytes) -> re.Pattern:
    global _compiled, compile_seconds
    _compiled += 1
    started = cpu_clock()
    pattern = re.compile(source, re.DOTALL)
    took = cpu_clock() - started
    compile_seconds += took
    if len(_COMPILE_COST) >= 4 * COMPILE_BUDGET:  # only tests reset the budget so often
        _COMPILE_COST.clear()
    _COMPILE_COST[pattern] = took
    return pattern


#: The clock decoding is timed with: the thread's CPU time, so that other processes taking
#: the core do not count, unless that clock ticks coarsely (Windows: 15.6 ms), then the wall
#: clock.
cpu_clock = time.thread_time if time.get_clock_info("thread_time").resolution <= 1e-6 else time.perf_counter


#: CPU seconds this thread's process spent compiling patterns (an investment, which the
#: caller may leave out of what footers cost it to read).
compile_seconds = 0.0


def _list(buf: bytes, pos: int, depth: int, spec) -> tuple[list, int]:
    """A list (or set); ``spec`` is ``(element type, element spec)`` or ``None`` (unknown)."""
    if depth > _MAX_DEPTH:
        raise _Bad("nested too deeply")
    head = buf[pos]
    pos += 1
    size = head >> 4
    etype = head & 0x0F
    if size == 15:
        size, pos = _varint(buf, pos)
    end = len(buf)
    if size > end - pos:
        raise _Bad("list longer than the footer")
    inner = _ANY
    if spec is not None:
        if spec[0] != etype and not (spec[0] == _TRUE and etype == _FALSE):
            raise _Bad("unexpected list element type")
        inner = spec[1]
    items = []
    append = items.append
    if etype == _I32 or etype == _I64 or etype == _I16:
        for _ in range(size):
            b = buf[pos]
            pos += 1
            if b < 0x80:
                n = b
            else:
                n, pos = _varint_rest(buf, pos, b)
            append(_int(n, etype))
    elif etype == _BINARY:
        for _ in range(size):
            b = buf[pos]
            pos += 1
            if b < 0x80:
                n = b
            else:
                n, pos = _varint_rest(buf, pos, b)
            stop = pos + n
            if stop > end:
                raise _Bad("binary beyond the footer")
            append(buf[pos:stop])
            pos = stop
    elif etype == _STRUCT:
        for _ in range(size):
            item, pos = _struct(buf, pos, depth + 1, inner)
            append(item)
    elif etype == _TRUE or etype == _FALSE:  # one byte per element
        for _ in range(size):
            append(buf[pos] == 1)
            pos += 1
    elif etype == _LIST or etype == _SET:
        for _ in range(size):
            item, pos = _list(buf, pos, depth + 1, None)
            append(item)
    else:
        for _ in range(size):
            item, pos = _other(buf, pos, etype, depth + 1)
            append(item)
    return items, pos


def _walk(buf: bytes, pos: int, depth: int, spec) -> tuple[int, int]:
    """Check a struct as :func:`_struct` does, keeping nothing (the row groups: many values,
    none needed). Returns the position after it and the size of its field-1 list (or -1)."""
    if depth > _MAX_DEPTH:
        raise _Bad("nested too deeply")
    known, required = spec
    seen = 0
    first = -1
    fid = 0
    end = len(buf)
    while True:
        head = buf[pos]
        pos += 1
        ttype = head & 0x0F
        if not ttype:  # STOP, whatever the high nibble (as Thrift's C++ reader takes it)
            break
        if head >> 4:
            fid += head >> 4
        else:
            n, pos = _varint(buf, pos)
            fid = _int(n, _I16)
        exp = known.get(fid)
        if exp is not None:
            want = exp[0]
            if want != ttype and not (want == _TRUE and ttype == _FALSE):
                raise _Bad("unexpected (or encrypted) field")
            if fid < 16:
                seen |= 1 << fid
        if ttype == _I64 or ttype == _I32 or ttype == _I16:
            b = buf[pos]
            pos += 1
            if b >= 0x80:
                n, pos = _varint_rest(buf, pos, b)
                if ttype != _I64:
                    _int(n, ttype)
        elif ttype == _BINARY:
            b = buf[pos]
            pos += 1
            if b >= 0x80:
                b, pos = _varint_rest(buf, pos, b)
            pos += b
            if pos > end:
                raise _Bad("binary beyond the footer")
        elif ttype == _STRUCT:
            pos = _walk(buf, pos, depth + 1, exp[1] if exp is not None else _ANY)[0]
        elif ttype == _LIST or ttype == _SET:
            inner = exp[1] if exp is not None else None
            if inner is not None and inner[0] == _STRUCT:
                size, pos = _struct_list_head(buf, pos)
                pos = _skim(buf, pos, size, depth + 1, inner[1])
            else:
                items, pos = _list(buf, pos, depth + 1, inner)
                size = len(items)
            if fid == 1:
                first = size
        elif ttype > _FALSE:
            pos = _other(buf, pos, ttype, depth + 1)[1]
    for fid in required:
        if not seen >> fid & 1:
            raise _Bad("a required field is missing")
    return pos, first


def _other(buf: bytes, pos: int, ttype: int, depth: int):
    """The rare types: byte, double, map (never in parquet's footer, but skippable)."""
    if ttype == _BYTE:
        b = buf[pos]
        return (b - 256 if b > 127 else b), pos + 1
    if ttype == _DOUBLE:
        if pos + 8 > len(buf):
            raise _Bad("double beyond the footer")
        return struct.unpack_from("<d", buf, pos)[0], pos + 8
    if ttype == _MAP:
        if depth > _MAX_DEPTH:
            raise _Bad("nested too deeply")
        size, pos = _varint(buf, pos)
        if not size:
            return None, pos
        if size > len(buf) - pos:
            raise _Bad("map longer than the footer")
        kv = buf[pos]
        pos += 1
        for _ in range(size):
            for t in (kv >> 4, kv & 0x0F):
                pos = _element(buf, pos, t, depth + 1)
        return None, pos
    raise _Bad(f"unknown compact type {ttype}")


def _element(buf: bytes, pos: int, ttype: int, depth: int) -> int:
    """Skip one map key or value."""
    if ttype == _TRUE or ttype == _FALSE:
        return pos + 1
    if ttype == _I32 or ttype == _I64 or ttype == _I16:
        n, pos = _varint(buf, pos)
        _int(n, ttype)
        return pos
    if ttype == _BINARY:
        n, pos = _varint(buf, pos)
        if pos + n > len(buf):
            raise _Bad("binary beyond the footer")
        return pos + n
    if ttype == _STRUCT:
        return _struct(buf, pos, depth + 1, _ANY)[1]
    if ttype == _LIST or ttype == _SET:
        return _list(buf, pos, depth + 1, None)[1]
    return _other(buf, pos, ttype, depth + 1)[1]


# The parquet.thrift structures reachable from FileMetaData (field id: (type, inner spec)),
# with their required fields.
_ANY: tuple = ({}, ())
_FORBID = (-1, None)  # encryption: no wire type matches, the file goes to pyarrow
_I32_, _I64_, _BIN_, _BOOL_ = (_I32, None), (_I64, None), (_BINARY, None), (_TRUE, None)
_EMPTY = ({}, ())
_TIME_UNIT = ({1: (_STRUCT, _EMPTY), 2: (_STRUCT, _EMPTY), 3: (_STRUCT, _EMPTY)}, ())
_TIMESTAMP = ({1: _BOOL_, 2: (_STRUCT, _TIME_UNIT)}, (1, 2))
_LOGICAL = ({**{k: (_STRUCT, _EMPTY) for k in (1, 2, 3, 4, 6, 11, 12, 13, 14, 15)},
             5: (_STRUCT, ({1: _I32_, 2: _I32_}, (1, 2))),
             7: (_STRUCT, _TIMESTAMP), 8: (_STRUCT, _TIMESTAMP),
             10: (_STRUCT, ({1: (_BYTE, None), 2: _BOOL_}, (1, 2)))}, ())
_SCHEMA_ELEMENT = ({1: _I32_, 2: _I32_, 3: _I32_, 4: _BIN_, 5: _I32_, 6: _I32_, 7: _I32_,
                    8: _I32_, 9: _I32_, 10: (_STRUCT, _LOGICAL)}, (4,))
_KEY_VALUE = ({1: _BIN_, 2: _BIN_}, (1,))
_STATISTICS = ({1: _BIN_, 2: _BIN_, 3: _I64_, 4: _I64_, 5: _BIN_, 6: _BIN_, 7: _BOOL_,
                8: _BOOL_}, ())
_COLUMN_META = ({1: _I32_, 2: (_LIST, (_I32, None)), 3: (_LIST, (_BINARY, None)), 4: _I32_,
                 5: _I64_, 6: _I64_, 7: _I64_, 8: (_LIST, (_STRUCT, _KEY_VALUE)), 9: _I64_,
                 10: _I64_, 11: _I64_, 12: (_STRUCT, _STATISTICS),
                 13: (_LIST, (_STRUCT, ({1: _I32_, 2: _I32_, 3: _I32_}, (1, 2, 3)))),
                 14: _I64_, 15: _I32_,
                 16: (_STRUCT, ({1: _I64_, 2: (_LIST, (_I64, None)),
                                 3: (_LIST, (_I64, None))}, ()))},
                (1, 2, 3, 4, 5, 6, 7, 9))
_COLUMN_CHUNK = ({1: _BIN_, 2: _I64_, 3: (_STRUCT, _COLUMN_META), 4: _I64_, 5: _I32_,
                  6: _I64_, 7: _I32_, 8: _FORBID, 9: _FORBID}, (2,))
_ROW_GROUP = ({1: (_LIST, (_STRUCT, _COLUMN_CHUNK)), 2: _I64_, 3: _I64_,
               4: (_LIST, (_STRUCT, ({1: _I32_, 2: _BOOL_, 3: _BOOL_}, (1, 2, 3)))),
               5: _I64_, 6: _I64_, 7: (_I16, None)}, (1, 2, 3))
_COLUMN_ORDER = ({1: (_STRUCT, _EMPTY)}, ())
_FILE_META = ({1: _I32_, 2: (_LIST, (_STRUCT, _SCHEMA_ELEMENT)), 3: _I64_,
               4: (_LIST, (_STRUCT, _ROW_GROUP)), 5: (_LIST, (_STRUCT, _KEY_VALUE)), 6: _BIN_,
               7: (_LIST, (_STRUCT, _COLUMN_ORDER)), 8: (_STRUCT, _ANY),
               9: _BIN_}, (1, 2, 3, 4))


# --------------------------------------------------------------------------------------------
# parquet schema -> the Arrow type pyarrow infers without ARROW:schema

# physical types
_BOOLEAN, _INT32, _INT64, _INT96, _FLOAT, _PDOUBLE, _BYTE_ARRAY, _FIXED = range(8)
_TIME_UNITS = {1: "ms", 2: "us", 3: "ns"}  # parquet TimeUnit union: MILLIS, MICROS, NANOS


def _inferred_type(el: dict) -> str | None:
    physical = el.get(1)
    logical = el.get(10)
    converted = el.get(6)
    if logical is not None:
        if not isinstance(logical, dict) or len(logical) != 1:
            return None
        (kind, body), = logical.items()
        if not isinstance(body, dict):
            return None
    elif converted is not None:
        return None  # legacy annotations only: let pyarrow decide
    else:
        kind = body = None
    if kind is None:
        return {_BOOLEAN: "bool", _INT32: "int32", _INT64: "int64", _FLOAT: "float",
                _PDOUBLE: "double", _BYTE_ARRAY: "binary"}.get(physical)
    if kind == 10:  # INTEGER
        width, signed = body.get(1), body.get(2)
        if signed is not True and signed is not False:
            return None
        if physical == _INT32 and width in (8, 16, 32) or physical == _INT64 and width == 64:
            return f"{'' if signed else 'u'}int{width}"
        return None
    if kind == 1:  # STRING
        return "string" if physical == _BYTE_ARRAY else None
    if kind == 6:  # DATE
        return "date32[day]" if physical == _INT32 and not body else None
    if kind == 8:  # TIMESTAMP
        if physical != _INT64:
            return None
        adjusted, unit = body.get(1), body.get(2)
        if adjusted is not True and adjusted is not False:
            return None
        if not isinstance(unit, dict) or len(unit) != 1:
            return None
        (unit_id, unit_body), = unit.items()
        if unit_id not in _TIME_UNITS or unit_body != {}:
            return None
        return f"timestamp[{_TIME_UNITS[unit_id]}{', tz=UTC' if adjusted else ''}]"
    if kind == 11:  # UNKNOWN: always null
        return "null" if physical == _INT32 and not body else None
    if kind == 15:  # FLOAT16
        return "halffloat" if physical == _FIXED and el.get(2) == 2 and not body else None
    return None


# --------------------------------------------------------------------------------------------
# Arrow IPC schema (flatbuffers)

_UNPACK = {fmt: struct.Struct(fmt).unpack_from for fmt in ("<i", "<I", "<H", "<h", "<B", "<q")}
_U32, _I32S, _U16 = _UNPACK["<I"], _UNPACK["<i"], _UNPACK["<H"]
_SIZES = {"<i": 4, "<I": 4, "<H": 2, "<h": 2, "<B": 1, "<q": 8}


class _FB:
    """Just enough of a flatbuffer reader, verifying as it goes like the flatbuffers Verifier
    Arrow runs (bounds, alignment relative to the buffer start, non-zero offsets,
    NUL-terminated strings), so that what it accepts Arrow accepts too.

    A table is handled as the tuple of its fields' absolute positions (0: absent), its vtable
    read once.
    """

    __slots__ = ("_slots", "buf", "floor", "n")

    def __init__(self, buf: bytes):
        self.buf = buf
        self.n = len(buf)
        self.floor = 0  # nothing below it is read (see _arrow_fields)
        self._slots: dict = {}

    def _scalar(self, fmt: str, pos: int) -> int:
        size = _SIZES[fmt]
        if pos < self.floor or pos + size > self.n or pos % size:
            raise _Bad("flatbuffer offset out of range or misaligned")
        return _UNPACK[fmt](self.buf, pos)[0]

    def deref(self, pos: int) -> int:
        """Follow the uoffset at ``pos``."""
        if pos < self.floor or pos + 4 > self.n or pos & 3:
            raise _Bad("flatbuffer offset out of range or misaligned")
        off = _U32(self.buf, pos)[0]
        if off == 0:
            raise _Bad("null flatbuffer offset")
        return pos + off

    def table(self, pos: int) -> tuple:
        """The fields of the table at ``pos``, its vtable checked."""
        buf, n = self.buf, self.n
        if pos < self.floor or pos + 4 > n or pos & 3:
            raise _Bad("table out of range or misaligned")
        vtable = pos - _I32S(buf, pos)[0]
        if vtable < self.floor or vtable + 2 > n or vtable & 1:
            raise _Bad("vtable out of range or misaligned")
        vsize = _U16(buf, vtable)[0]
        if vsize & 1 or vtable + vsize > n:
            raise _Bad("bad vtable")
        count = (vsize - 4) >> 1
        if count <= 0:
            return ()
        unpack = self._slots.get(count)
        if unpack is None:
            unpack = self._slots[count] = struct.Struct(f"<{count}H").unpack_from
        return tuple([pos + off if off else 0 for off in unpack(buf, vtable + 4)])

    def scalar(self, tbl: tuple, index: int, fmt: str, default: int) -> int:
        pos = tbl[index] if index < len(tbl) else 0
        return self._scalar(fmt, pos) if pos else default

    def sub(self, tbl: tuple, index: int) -> tuple | None:
        """The table in field ``index``, or ``None`` if absent."""
        pos = tbl[index] if index < len(tbl) else 0
        return self.table(self.deref(pos)) if pos else None

    def _vector(self, tbl: tuple, index: int, elem: int) -> tuple[int, int] | None:
        pos = tbl[index] if index < len(tbl) else 0
        if not pos:
            return None
        start = self.deref(pos)
        n = self._scalar("<I", start)
        if start + 4 + n * elem > self.n:
            raise _Bad("vector beyond the buffer")
        return start + 4, n

    def string(self, tbl: tuple, index: int) -> str | None:
        vec = self._vector(tbl, index, 1)
        if vec is None:
            return None
        start, n = vec
        if start + n >= self.n or self.buf[start + n] != 0:
            raise _Bad("string without its NUL")
        return self.buf[start:start + n].decode("utf-8")

    def tables(self, tbl: tuple, index: int) -> list | None:
        pos = tbl[index] if index < len(tbl) else 0
        return self.tables_at(self.deref(pos)) if pos else None

    def tables_at(self, start: int) -> list:
        """The tables of the vector of offsets at ``start``."""
        n = self._scalar("<I", start)
        if start + 4 + n * 4 > self.n:
            raise _Bad("vector beyond the buffer")
        start += 4
        return [self.table(self.deref(start + 4 * i)) for i in range(n)]

    def skip_vector(self, tbl: tuple, index: int, elem: int) -> None:
        self._vector(tbl, index, elem)


_ARROW_UNITS = ("s", "ms", "us", "ns")  # Arrow TimeUnit: SECOND, MILLISECOND, MICROSECOND, NANOSECOND


def _int_table(fb: _FB, body: tuple) -> str | None:
    width = fb.scalar(body, 0, "<i", 0)
    signed = fb.scalar(body, 1, "<B", 0)
    if width not in (8, 16, 32, 64):
        return None
    return f"{'' if signed else 'u'}int{width}"


def _arrow_type(fb: _FB, field: tuple) -> tuple | None:
    """The value type of one Arrow ``Field`` as a small tuple, or ``None`` if not understood."""
    tag = fb.scalar(field, 2, "<B", 0)
    body = fb.sub(field, 3)
    if body is None:
        return None
    if tag == 1:
        return ("null",)
    if tag == 2:  # Int
        name = _int_table(fb, body)
        return ("int", name) if name else None
    if tag == 3:  # FloatingPoint
        precision = fb.scalar(body, 0, "<h", 0)
        if precision not in (0, 1, 2):
            return None
        return ("float", ("halffloat", "float", "double")[precision])
    if tag == 4:
        return ("binary", "binary")
    if tag == 5:
        return ("string", "string")
    if tag == 6:
        return ("bool", "bool")
    if tag == 8:  # Date, unit defaults to MILLISECOND
        unit = fb.scalar(body, 0, "<h", 1)
        return ("date", "date32[day]" if unit == 0 else "date64[ms]")
    if tag == 10:  # Timestamp, unit defaults to SECOND
        unit = fb.scalar(body, 0, "<h", 0)
        timezone = fb.string(body, 1)
        if not 0 <= unit <= 3:
            return None
        return ("timestamp", _ARROW_UNITS[unit], timezone or "")
    if tag == 18:  # Duration, unit defaults to MILLISECOND
        unit = fb.scalar(body, 0, "<h", 1)
        if not 0 <= unit <= 3:
            return None
        return ("duration", f"duration[{_ARROW_UNITS[unit]}]")
    if tag == 19:
        return ("binary", "large_binary")
    if tag == 20:
        return ("string", "large_string")
    return None


def _key_values(fb: _FB, tbl: tuple, index: int) -> dict | None:
    items = fb.tables(tbl, index)
    if items is None:
        return {}
    out = {}
    for kv in items:
        key = fb.string(kv, 0)
        value = fb.string(kv, 1)
        if key is None or value is None or key in out:  # Arrow refuses null keys and values
            return None
        out[key] = value
    return out


def _arrow_fields(raw: bytes) -> tuple[list, dict] | None:
    """``([(name, type tuple, dictionary or None)], schema metadata)`` from ARROW:schema."""
    data = base64.b64decode(raw, validate=True)
    if len(data) >= 8 and data[:4] == b"\xff\xff\xff\xff":
        length = struct.unpack_from("<i", data, 4)[0]
        start = 8
    else:
        length = struct.unpack_from("<i", data, 0)[0]
        start = 4
    if length <= 0 or length % 8 or start + length > len(data):
        return None
    fb = _FB(bytes(data[start:start + length]))
    message = fb.table(fb.deref(0))
    if fb.scalar(message, 0, "<h", 0) not in (3, 4):  # MetadataVersion V4 or V5
        return None
    if fb.scalar(message, 1, "<B", 0) != 1:  # header_type must be Schema
        return None
    if fb.scalar(message, 3, "<q", 0) != 0:  # a schema has no body
        return None
    if _key_values(fb, message, 4) is None:
        return None
    schema = fb.sub(message, 2)
    if schema is None:
        return None
    if fb.scalar(schema, 0, "<h", 0) != 0:  # big-endian
        return None
    fb.skip_vector(schema, 3, 8)  # features
    metadata = _key_values(fb, schema, 2)
    if metadata is None:
        return None
    slot = schema[1] if len(schema) > 1 else 0
    if not slot:
        return None
    vector = fb.deref(slot)
    # The fields are what the footer reader spends most on here, and tables of one kind share
    # them byte for byte: Arrow writes them first, at the end of the buffer, away from the
    # pandas metadata (which holds the row count). They are read from the bytes after
    # `vector` alone (the floor), so the same bytes there, at the same alignment, give the
    # same fields.
    key = (fb.buf[vector:], vector & 7)
    fields = _FIELDS_SEEN.get(key, _MISSING)
    if fields is _MISSING:
        fb.floor = vector
        try:
            fields = _fields(fb, vector)
        except _Bad:
            fb.floor = 0  # it reads below the vector: not the Arrow layout, read it all
            return None if (fields := _fields(fb, vector)) is None else (fields, metadata)
        fb.floor = 0
        _keep(_FIELDS_SEEN, key, len(key[0]), fields)
    return None if fields is None else (fields, metadata)


_FIELDS_SEEN: dict = {}
#: What :func:`_arrow_fields` made of each stored ARROW:schema value, by the value's bytes.
#: Unlike the fields, the value differs between tables of one kind whenever their row counts
#: do (pandas' RangeIndex ``stop`` is in it), but tables of equal length share it whole, and
#: then neither the base64 nor the flatbuffer is decoded again (30-50 µs a footer).
_ARROW_SEEN: dict = {}
#: What :func:`_settle` made of each (schema columns, stored ARROW:schema) pair: the types
#: pyarrow settles on and the pandas metadata it reports, or None.
_SETTLED: dict = {}
_MISSING = object()
# What the memos of schema lists, Arrow fields, stored Arrow schemas and settled types keep at most:
# entries, and bytes of a key (a 64 KB key is a table of about 1,000 columns): 16 MiB each
# at worst.
_MEMO_ENTRIES, _MEMO_BYTES = 256, 64 * 1024


def _keep(memo: dict, key: object, size: int, value: object) -> None:
    """Remember ``value`` under ``key`` (of ``size`` bytes) within the memos' bounds: keys
    larger than ``_MEMO_BYTES`` are not kept, and a full memo is emptied first."""
    if size <= _MEMO_BYTES:
        if len(memo) >= _MEMO_ENTRIES:
            memo.clear()
        memo[key] = value


def _fields(fb: _FB, vector: int) -> tuple | None:
    """``((name, type tuple, dictionary or None), ...)`` of the Arrow fields in the vector at
    ``vector``, or None when one is not understood."""
    fields = []
    for field in fb.tables_at(vector):
        name = fb.string(field, 0)
        fb.scalar(field, 1, "<B", 0)  # nullable
        if name is None:
            return None
        children = fb.tables(field, 5)
        if children is None or children:  # nested, or not written the way Arrow writes it
            return None
        field_meta = _key_values(fb, field, 6)
        if field_meta is None or any(k.startswith("ARROW:extension") for k in field_meta):
            return None
        typ = _arrow_type(fb, field)
        if typ is None:
            return None
        dictionary = None
        enc = fb.sub(field, 4)
        if enc is not None:
            fb.scalar(enc, 0, "<q", 0)  # id
            index = fb.sub(enc, 1)
            index_type = _int_table(fb, index) if index is not None else None
            if index_type is None:
                return None
            if fb.scalar(enc, 3, "<h", 0) != 0:  # dictionaryKind: only DenseArray
                return None
            ordered = fb.scalar(enc, 2, "<B", 0)
            dictionary = (index_type, 1 if ordered else 0)
        fields.append((name, typ, dictionary))
    return tuple(fields)


def _combine(inferred: str, origin: tuple, dictionary: tuple | None) -> str | None:
    """The type pyarrow settles on from the parquet type and the stored Arrow type."""
    if dictionary is not None:
        if inferred in ("string", "binary") and origin[0] == inferred:
            index, ordered = dictionary
            return f"dictionary<values={inferred}, indices={index}, ordered={ordered}>"
        if origin[0] in ("int", "float", "bool") and origin[1] == inferred:
            return inferred  # integer/float categories load plain
        return None
    kind = origin[0]
    if kind == "timestamp":
        if not inferred.startswith("timestamp["):
            return None
        unit = inferred[10:12].rstrip("],")
        if unit != origin[1] and (origin[1], unit) != ("s", "ms"):  # no parquet seconds
            return None
        tz = origin[2]
        utc = inferred.endswith(", tz=UTC]")
        if not tz:
            return inferred if not utc else None
        return f"timestamp[{unit}, tz={tz}]" if utc else None
    if kind == "duration":
        return origin[1] if inferred == "int64" else None
    if kind == "null":
        return "null" if inferred == "null" else None
    if origin[1] == inferred:
        return inferred
    if origin[1] == "large_string" and inferred == "string":
        return "large_string"
    if origin[1] == "large_binary" and inferred == "binary":
        return "large_binary"
    return None


class _Columns:
    """The columns a footer's schema list describes: names and the Arrow types pyarrow
    infers from the parquet types alone."""

    __slots__ = ("names", "types")

    def __init__(self, names: tuple, types: tuple):
        self.names, self.types = names, types


_UNSURE = object()  # a schema list outside the safe subset

#: Columns (or _UNSURE) by the bytes of the schema list: tables of one kind share it byte for
#: byte (names and types, no counts), whatever their rows.
_SCHEMAS: dict[bytes, object] = {}
_SCHEMA_LENGTHS: list[int] = []  # the lengths of those lists, to cut a footer's candidates


def _schema_columns(buf: bytes, pos: int, depth: int) -> tuple[object, int]:
    """The schema list at ``pos`` as :class:`_Columns` (or _UNSURE), and the position after it.

    A list of the very bytes of one seen before has its columns (the reader is a function of
    the bytes: it reads none outside the list, which holds at least one byte per element)."""
    for length in _SCHEMA_LENGTHS:
        key = buf[pos:pos + length]
        found = _SCHEMAS.get(key)
        if found is not None:
            return found, pos + len(key)
    items, end = _list(buf, pos, depth, (_STRUCT, _SCHEMA_ELEMENT))
    try:
        found = _columns(items)
    except UnicodeDecodeError:
        found = _UNSURE
    if end - pos > _MEMO_BYTES:
        return found, end
    if len(_SCHEMAS) >= _MEMO_ENTRIES:
        _SCHEMAS.clear()
        _SCHEMA_LENGTHS.clear()
    _SCHEMAS[buf[pos:end]] = found
    if end - pos not in _SCHEMA_LENGTHS:
        _SCHEMA_LENGTHS.append(end - pos)
        if len(_SCHEMA_LENGTHS) > 16:
            del _SCHEMA_LENGTHS[0]
    return found, end


def _columns(schema: list) -> object:
    """:class:`_Columns` of a decoded schema list, or _UNSURE."""
    if not schema or any(not isinstance(el, dict) for el in schema):
        return _UNSURE
    root = schema[0]
    count = root.get(5)
    if not isinstance(count, int) or count != len(schema) - 1 or root.get(3, 0) != 0:
        return _UNSURE
    names, types = [], []
    for el in schema[1:]:
        name = el.get(4)
        if not isinstance(name, bytes) or el.get(5) is not None or el.get(3) not in (0, 1):
            return _UNSURE
        inferred = _inferred_type(el)
        if inferred is None:
            return _UNSURE
        names.append(name.decode("utf-8"))
        types.append(inferred)
    return _Columns(tuple(names), tuple(types))


def _decode(footer: bytes) -> FooterSchema | None:
    meta, _ = _struct(footer, 0, 0, _FILE_META)
    if 8 in meta or 9 in meta:  # encryption
        return None
    num_rows = meta.get(3)
    columns = meta.get(2)
    if not isinstance(num_rows, int) or num_rows < 0 or not isinstance(columns, _Columns):
        return None
    if not isinstance(meta.get(1), int):  # version is required
        return None
    names = list(columns.names)
    # every row group must describe every column, or pyarrow would complain
    groups = meta.get(4)
    if not isinstance(groups, list):
        return None
    if any(columns != len(names) for columns in groups):
        return None
    kv = meta.get(5, [])
    if not isinstance(kv, list):
        return None
    metadata: dict = {}
    for item in kv:
        if not isinstance(item, dict) or not isinstance(item.get(1), bytes):
            return None
        key = item[1]
        if key in metadata:
            return None
        value = item.get(2, b"")
        if not isinstance(value, bytes):
            return None
        metadata[key] = value
    stored = metadata.get(b"ARROW:schema")
    if stored is None:
        return FooterSchema(num_rows, names, list(columns.types), metadata.get(b"pandas"))
    key = (columns, stored)  # columns are memoised (by identity here): tables of one kind repeat both
    settled = _SETTLED.get(key, _MISSING)
    if settled is _MISSING:
        settled = _settle(columns, stored)
        _keep(_SETTLED, key, len(stored), settled)
    if settled is None:
        return None
    types, pandas = settled
    return FooterSchema(num_rows, names, list(types), pandas)


def _settle(columns: _Columns, stored: bytes) -> tuple | None:
    """The Arrow types pyarrow settles on from the parquet types and the stored Arrow schema,
    with the pandas metadata it then reports (the stored schema's, not the key-value list's);
    None when unsure."""
    parsed = _ARROW_SEEN.get(stored, _MISSING)
    if parsed is _MISSING:
        parsed = _arrow_fields(stored)
        _keep(_ARROW_SEEN, stored, len(stored), parsed)
    if parsed is None:
        return None
    fields, arrow_meta = parsed
    if len(fields) != len(columns.names):
        return None
    stored_pandas = arrow_meta.get("pandas")
    types = []
    for name, inferred, (field_name, origin, dictionary) in zip(columns.names, columns.types, fields):
        if field_name != name:
            return None
        combined = _combine(inferred, origin, dictionary)
        if combined is None:
            return None
        types.append(combined)
    return tuple(types), None if stored_pandas is None else stored_pandas.encode("utf-8")


def read_schema(path: str | os.PathLike, size: int | None = None) -> FooterSchema | None:
    """The footer of the parquet file at ``path``, or ``None`` when pyarrow should decide."""
    footer = read_footer(path, size)
    return None if footer is None else decode_footer(footer)


def decode_footer(footer: bytes) -> FooterSchema | None:
    """The schema in the raw footer bytes of :func:`read_footer`, or ``None`` (ask pyarrow)."""
    try:
        return _decode(footer)
    except Exception:  # noqa: BLE001 - anything odd: let pyarrow read it
        return None


def read_footer(path: str | os.PathLike, size: int | None = None) -> bytes | None:
    """The raw footer (FileMetaData) bytes of the parquet file at ``path`` of ``size`` bytes.

    ``None`` when the file does not look like parquet (magic bytes, footer length) or cannot
    be read. Everything :func:`decode_footer` reports depends on these bytes alone.
    """
    try:
        fd = os.open(path, READ_FLAGS)
    except OSError:
        return None
    try:
        if size is None:
            size = os.fstat(fd).st_size
        if size < 12:
            return None
        # one read covers the footer of a small file (and its head magic)
        chunk_size = min(size, _FIRST_READ)
        chunk = pread(fd, chunk_size, size - chunk_size)
        if len(chunk) != chunk_size or chunk[-4:] != b"PAR1":
            return None
        length = struct.unpack_from("<I", chunk, chunk_size - 8)[0]
        if length <= 0 or length > MAX_FOOTER or length + 8 > size - 4:
            return None
        head = chunk[:4] if chunk_size == size else pread(fd, 4, 0)
        if head != b"PAR1":
            return None
        if length + 8 <= chunk_size:
            footer = chunk[chunk_size - 8 - length:chunk_size - 8]
        else:
            footer = pread(fd, length, size - 8 - length)
        return footer if len(footer) == length else None
    except Exception:  # noqa: BLE001 - unreadable or odd: the caller asks pyarrow
        return None
    finally:
        os.close(fd)
