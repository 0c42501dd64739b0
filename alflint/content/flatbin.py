"""``.bin`` flat binary datasets and their ``*.metadata*.json`` side files.

ALF says a flat binary file needs a metadata file giving ``dtype`` (numpy) and ``columns``:
the file is then rows of ``len(columns)`` values of that dtype, so its size must be a whole
number of rows. The metadata file is found as ONE finds metadata files: in the same folder,
by the glob ``<first dot part>.<second dot part>*.metadata*.json`` (``obj.attr*.metadata*.json``
for ``obj.attr.bin``, ``_ns_obj.attr*.metadata*.json`` for ``_ns_obj.attr.bin``). ONE takes the
first match in directory order; here the metadata named after the whole file
(``obj.attr.metadata.json`` for ``obj.attr.bin``) wins, then the first in sorted order, so the
answer does not depend on the file system. The metadata is checked against
``alflint/schemas/bin-metadata.schema.json`` (jsonschema is imported only then).
"""

from __future__ import annotations

import fnmatch
import json
import os

from ._dtype import dtype_info
from ._types import ContentError, ContentFacts

__all__ = ["SCHEMA_NAME", "metadata_pattern", "metadata_candidates", "find_metadata",
           "read_metadata", "bin_facts"]

SCHEMA_NAME = "bin-metadata.schema.json"


def metadata_pattern(filename: str) -> str:
    """The glob ONE uses to find the metadata of ``filename`` (a name, not a path)."""
    parts = filename.split(".")
    head = ".".join(parts[:2])
    return f"{head}*.metadata*.json"


def metadata_candidates(path: str | os.PathLike) -> list[str]:
    """Every metadata file of ``path`` in its folder, best first (see the module docstring)."""
    path = os.fspath(path)
    folder, name = os.path.split(path)
    pattern = metadata_pattern(name)
    stem = name.rsplit(".", 1)[0]
    found = []
    try:
        with os.scandir(folder or ".") as it:
            for entry in it:
                if entry.name != name and fnmatch.fnmatchcase(entry.name, pattern):
                    try:
                        if entry.is_file():
                            found.append(entry.name)
                    except OSError:
                        continue
    except OSError:
        return []
    found.sort(key=lambda n: (not n.startswith(stem + ".metadata"), n))
    return [os.path.join(folder, n) for n in found]


def find_metadata(path: str | os.PathLike) -> str | None:
    """The metadata file of a dataset file, or ``None`` when there is none."""
    candidates = metadata_candidates(path)
    return candidates[0] if candidates else None


def _validator():
    from alflint.jsonschemas import validator

    return validator(SCHEMA_NAME)


def read_metadata(path: str | os.PathLike) -> dict:
    """Load a ``.bin`` metadata file and check it against the schema and numpy's dtypes.

    Raises :class:`ContentError` naming the metadata file for unreadable JSON, a schema
    failure, a dtype numpy does not know, or a dtype a flat binary file cannot hold.
    """
    name = os.path.basename(os.fspath(path))
    try:
        with open(path, "rb") as f:
            data = json.loads(f.read().decode("utf-8-sig"))
    except OSError as exc:
        raise ContentError(f"metadata {name}: cannot read the file: {exc.strerror or exc}", path) from None
    except UnicodeDecodeError as exc:
        raise ContentError(f"metadata {name}: not UTF-8 text: {exc.reason} at byte {exc.start}", path) from None
    except json.JSONDecodeError as exc:
        raise ContentError(f"metadata {name}: invalid JSON at line {exc.lineno} column {exc.colno}: "
                           f"{exc.msg}", path, exc.lineno) from None
    except RecursionError:
        raise ContentError(f"metadata {name}: JSON nested too deeply to parse", path) from None
    from jsonschema.exceptions import best_match

    error = best_match(_validator().iter_errors(data))
    if error is not None:
        where = error.json_path if error.json_path != "$" else "the document"
        raise ContentError(f"metadata {name}: {where}: {error.message}", path)
    try:
        info = dtype_info(data["dtype"])
    except Exception as exc:
        raise ContentError(f"metadata {name}: dtype {data['dtype']!r} is not a numpy dtype ({exc})", path) from None
    if info.has_object or info.itemsize == 0:
        raise ContentError(f"metadata {name}: dtype {data['dtype']!r} cannot be stored in a flat binary "
                           "file (objects and zero-size items have no fixed bytes)", path)
    return data


def bin_facts(path: str | os.PathLike) -> ContentFacts:
    """Facts of a ``.bin`` file from its metadata; ``missing_metadata`` when it has none."""
    try:
        size = os.stat(path).st_size
    except OSError as exc:
        raise ContentError(f"cannot read the file: {exc.strerror or exc}", path) from None
    if size == 0:
        return ContentFacts(format="bin", size=0)
    meta_path = find_metadata(path)
    if meta_path is None:
        return ContentFacts(format="bin", size=size, missing_metadata=True)
    meta = read_metadata(meta_path)
    info = dtype_info(meta["dtype"])
    columns = tuple(meta["columns"])
    row_bytes = info.itemsize * len(columns)
    rows, left = divmod(size, row_bytes)
    if left:
        raise ContentError(
            f"{size} bytes is not a whole number of rows: a row is {len(columns)} column"
            f"{'s' * (len(columns) != 1)} of {info.text} = {row_bytes} bytes ({rows} rows and "
            f"{left} bytes left over; metadata {os.path.basename(meta_path)})", path)
    return ContentFacts(format="bin", size=size, rows=rows, shape=(rows, len(columns)),
                        dtype=info.text, kind=info.kind, columns=columns, data_offset=0,
                        metadata_path=meta_path)
