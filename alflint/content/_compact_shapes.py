"""Regular expressions that match Thrift compact structs of a shape already checked.

A parquet footer repeats a few shapes: every column chunk has the same fields, of the same
types, with lists of the same sizes, nested the same way; only the values differ. Once the
pure footer reader (:mod:`._parquet_footer`) has checked a struct field by field,
:func:`shape_source` turns its bytes into a pattern that matches exactly the structs of that
shape whose values the reader accepts: integers that fit their type, binaries shorter than 128
bytes. ``re`` then checks the next structs of that shape in C (1 µs against 15 µs for a column
chunk), and a struct the pattern does not match is walked field by field as before.

What the pattern fixes literally: every field header (so the field ids and wire types), list
headers (element type and size), stop bytes. What it leaves free: integer values (varints
bounded to their type's range, as the reader bounds them), binary contents (any bytes, the
length byte saying how many), booleans (true or false), bytes and doubles (any bytes).
"""

from __future__ import annotations

__all__ = ["shape_source"]

# Varints of the zigzag integers the reader accepts: i16 below 2**16, i32 below 2**32,
# i64 below 2**64 (the last byte carries the high bits). Over-long encodings of small values
# are left to the reader.
_VARINT = {
    4: rb"(?:[\x80-\xff]?[\x00-\x7f]|[\x80-\xff]{2}[\x00-\x03])",
    5: rb"(?:[\x80-\xff]{0,3}[\x00-\x7f]|[\x80-\xff]{4}[\x00-\x0f])",
    6: rb"(?:[\x80-\xff]{0,8}[\x00-\x7f]|[\x80-\xff]{9}[\x00\x01])",
}


def _binary(longest: int) -> bytes:
    """A binary of 0..``longest`` bytes: one branch per length byte (``re`` skips a branch
    whose first byte differs at once, so this costs little more than reading the length)."""
    branches = [b"\\x00"] + [b"\\x%02x.{%d}" % (n, n) for n in range(1, longest + 1)]
    return b"(?:" + b"|".join(branches) + b")"


# Short binaries (statistics of numbers, at most 16 bytes) get a pattern that compiles fast;
# longer ones (names, text statistics) the full one-byte-length pattern.
_SHORT, _LONG = 16, 127
_BINARY_SHORT, _BINARY_LONG = _binary(_SHORT), _binary(_LONG)


class _NoPattern(Exception):
    """A shape these patterns do not describe (maps, binaries of 128 bytes or more)."""


def _byte(value: int) -> bytes:
    return b"\\x%02x" % value


def shape_source(buf: bytes, pos: int) -> tuple[bytes, int] | None:
    """The pattern (its source, for ``re.compile(source, re.DOTALL)``) of the struct at
    ``buf[pos:]`` and the position after it, or ``None`` when its shape has none here.

    The struct must already have been checked by the reader: this follows its bytes and
    trusts them (the caller checks that the compiled pattern matches them).
    """
    out: list = []
    try:
        end = _struct(buf, pos, out)
    except (_NoPattern, IndexError):
        return None
    return b"".join(out), end


def _varint_end(buf: bytes, pos: int) -> int:
    while buf[pos] >= 0x80:
        pos += 1
    return pos + 1


def _struct(buf: bytes, pos: int, out: list) -> int:
    while True:
        head = buf[pos]
        ttype = head & 0x0F
        if not ttype:
            out.append(_byte(head))
            return pos + 1
        if ttype == 1 or ttype == 2:  # a boolean field: the value is in the header
            high = head & 0xF0
            out.append(b"[%s%s]" % (_byte(high | 1), _byte(high | 2)))
            pos += 1
        else:
            out.append(_byte(head))
            pos += 1
        if not head >> 4:  # the field id follows as a varint: kept literally
            end = _varint_end(buf, pos)
            out.extend(_byte(b) for b in buf[pos:end])
            pos = end
        if ttype > 2:
            pos = _value(buf, pos, ttype, out)


def _value(buf: bytes, pos: int, ttype: int, out: list) -> int:
    if ttype in _VARINT:
        out.append(_VARINT[ttype])
        return _varint_end(buf, pos)
    if ttype == 8:
        n = buf[pos]
        if n >= 0x80:
            raise _NoPattern("a binary of 128 bytes or more")
        out.append(_BINARY_SHORT if n <= _SHORT else _BINARY_LONG)
        return pos + 1 + n
    if ttype == 12:
        return _struct(buf, pos, out)
    if ttype == 9 or ttype == 10:
        return _list(buf, pos, out)
    if ttype == 3:
        out.append(b".")
        return pos + 1
    if ttype == 7:
        out.append(b".{8}")
        return pos + 8
    raise _NoPattern(f"compact type {ttype}")


def _list(buf: bytes, pos: int, out: list) -> int:
    head = buf[pos]
    out.append(_byte(head))
    pos += 1
    size, etype = head >> 4, head & 0x0F
    if size == 15:
        end = _varint_end(buf, pos)
        out.extend(_byte(b) for b in buf[pos:end])
        size = 0
        for shift, b in enumerate(buf[pos:end]):
            size |= (b & 0x7F) << (7 * shift)
        pos = end
    if etype == 1 or etype == 2 or etype == 3:  # booleans and bytes: one byte each
        out.append(b".{%d}" % size)
        return pos + size
    if etype == 7:
        out.append(b".{%d}" % (8 * size))
        return pos + 8 * size
    if etype in _VARINT:
        out.append(b"%s{%d}" % (_VARINT[etype], size))
        for _ in range(size):
            pos = _varint_end(buf, pos)
        return pos
    for _ in range(size):
        pos = _value(buf, pos, etype, out)
    return pos
