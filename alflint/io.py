"""Loading ALF dataset files into Python objects, with ONE's loader semantics.

Two levels:

* :func:`load_file` turns one file into a Python object, choosing the reader from the exact,
  lower-case final suffix as ONE does (``.npy`` -> array, ``.pqt`` -> DataFrame, ``.json`` ->
  object, ``.csv``/``.tsv``/``.ssv``/``.htsv`` -> squeezed DataFrame or Series, ...). Files
  of other formats come back as their :class:`~pathlib.Path`; empty (0-byte) files as ``None``.
* :func:`load_object` assembles the files of one ALF object into an :class:`AlfBunch`, a dict
  with attribute access whose keys are ``attribute`` + ``_timescale`` + ``.extra``.

Where this module deliberately differs from ONE (``one.alf.io``):

* ``.npy`` files are read with ``allow_pickle=False`` unless the caller passes
  ``allow_pickle=True``: unpickling runs arbitrary code from the data repository. An object
  array met without it raises :class:`~alflint.exceptions.ALFInvalid` saying so.
* Malformed JSON raises :class:`~alflint.exceptions.ALFInvalid` instead of being logged and
  returned as ``None``.
* A multi-member ``.npz`` loads as a plain ``dict`` of arrays (ONE returns the open
  ``NpzFile``, which keeps the file open).
* Length consistency follows the ALF specification: a ``timestamps`` attribute may be a vector
  of one time per sample or a ``(k, 2)`` array of ``(sample, time)`` synchronisation points
  for any ``k`` (ONE only accepts ``k == 2``); 0-d arrays are scalars, never a crash. ``(k, 2)``
  timestamps are interpolated over the number of samples for any ``k``.
* Two files giving the same key raise :class:`~alflint.exceptions.ALFMultipleObjectsFound`
  naming both files (ONE raises a bare ``AssertionError``). Metadata side files never become
  keys of their own, so ``short_keys=True`` works with them.

numpy and pandas are imported inside the functions: ``import alflint`` must stay light.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from pathlib import Path
from typing import Any, Iterable, Sequence

from . import spec
from .exceptions import ALFInvalid, ALFMultipleObjectsFound, ALFObjectNotFound, ALFWarning

__all__ = [
    "AlfBunch",
    "load_file",
    "load_object",
    "object_key",
    "check_dimensions",
    "ts2vec",
    "METADATA_PATTERN",
]

#: A metadata side file: ``<namespace_object>.<attribute...>.metadata(...).json``; it applies to
#: the data files of the same folder whose name starts with its first two dot-parts.
METADATA_PATTERN = re.compile(r"(?P<stem>[^.]+\.[^.]+)[^/]*\.metadata[^/]*\.json\Z")


class AlfBunch(dict):
    """A dict of an object's attributes that also allows ``bunch.times`` for ``bunch['times']``."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self):
        return [*super().__dir__(), *(k for k in self if isinstance(k, str) and k.isidentifier())]

    @property
    def check_dimensions(self) -> int:
        """0 when the attributes' first dimensions are consistent (see :func:`check_dimensions`), else 1."""
        return 0 if check_dimensions(self) else 1

    def to_df(self):
        """A DataFrame of the attributes, 2-D arrays split into ``key_0``, ``key_1``... columns."""
        import numpy as np
        import pandas as pd

        if not check_dimensions(self):
            raise ValueError("the attributes do not have consistent first dimensions")
        columns: dict[str, Any] = {}
        for key, value in self.items():
            if isinstance(value, pd.DataFrame):
                columns.update({f"{key}_{c}": value[c].to_numpy() for c in value.columns})
                continue
            if not isinstance(value, np.ndarray) or value.ndim == 0:
                continue
            if value.ndim == 1:
                columns[key] = value
            elif value.ndim == 2 and value.shape[1] == 1:
                columns[key] = value[:, 0]
            elif value.ndim == 2:
                columns.update({f"{key}_{i}": value[:, i] for i in range(value.shape[1])})
            else:
                warnings.warn(f"{key!r} has {value.ndim} dimensions and is left out of the DataFrame", ALFWarning, stacklevel=2)
        return pd.DataFrame(columns)


# --------------------------------------------------------------------------------------------
# One file
# --------------------------------------------------------------------------------------------


def _read_npy(path: Path, allow_pickle: bool):
    import numpy as np

    try:
        array = np.load(path, allow_pickle=allow_pickle)
    except ValueError as exc:
        if not allow_pickle and "allow_pickle" in str(exc):
            raise ALFInvalid(
                f"{path} holds a Python object array, which only loads by unpickling (running code "
                "from the file); pass allow_pickle=True if you trust it",
                [spec.Reason("extension", "object arrays are not portable ALF data")],
            ) from None
        raise
    if array.ndim == 2 and array.shape[1] == 1:
        array = array.reshape(-1)
    return array


def _read_npz(path: Path, allow_pickle: bool):
    import numpy as np

    with np.load(path, allow_pickle=allow_pickle) as npz:
        names = list(npz.files)
        if names == ["arr_0"]:
            return npz["arr_0"]
        return {name: npz[name] for name in names}


def _read_table(path: Path, sep: str):
    import pandas as pd

    return pd.read_csv(path, sep=sep).squeeze("columns")


def _read_json(path: Path):
    text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ALFInvalid(f"{path} is not valid JSON", [spec.Reason("extension", str(exc))]) from None


def _read_jsonable(path: Path) -> list:
    records = []
    with path.open("r", encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except ValueError as exc:
                raise ALFInvalid(f"{path} line {number} is not valid JSON", [spec.Reason("extension", str(exc))]) from None
    return records


def _read_pqt(path: Path):
    import pandas as pd

    return pd.read_parquet(path)


def _read_yaml(path: Path):
    try:
        import yaml
    except ImportError:  # pragma: no cover - depends on the environment
        warnings.warn(f"PyYAML is not installed; returning the path of {path.name}", ALFWarning, stacklevel=3)
        return path
    with path.open("r", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _read_sparse(path: Path):
    try:
        import sparse
    except ImportError:
        warnings.warn(f"the 'sparse' package is not installed; returning the path of {path.name}", ALFWarning, stacklevel=3)
        return path
    return sparse.load_npz(path)


_READERS = {
    ".npy": lambda p, pickle: _read_npy(p, pickle),
    ".npz": lambda p, pickle: _read_npz(p, pickle),
    ".json": lambda p, pickle: _read_json(p),
    ".jsonable": lambda p, pickle: _read_jsonable(p),
    ".pqt": lambda p, pickle: _read_pqt(p),
    ".csv": lambda p, pickle: _read_table(p, ","),
    ".ssv": lambda p, pickle: _read_table(p, " "),
    ".tsv": lambda p, pickle: _read_table(p, "\t"),
    ".htsv": lambda p, pickle: _read_table(p, "\t"),
    ".yaml": lambda p, pickle: _read_yaml(p),
    ".yml": lambda p, pickle: _read_yaml(p),
    ".sparse_npz": lambda p, pickle: _read_sparse(p),
}


def load_file(path: str | os.PathLike | None, *, allow_pickle: bool = False) -> Any:
    """Load one dataset file, choosing the reader from its exact final suffix.

    ``None``/``''`` and 0-byte files give ``None``; a missing file raises
    ``FileNotFoundError``; a suffix without reader (``.bin``, ``.mp4``, upper case ``.NPY``)
    gives the ``Path`` itself. ``.npy`` arrays of shape ``(n, 1)`` are flattened to ``(n,)``.
    Object arrays need ``allow_pickle=True`` (else :class:`ALFInvalid`).
    """
    if not path:
        return None
    path = Path(path)
    if path.stat().st_size == 0:
        return None
    reader = _READERS.get(path.suffix)
    if reader is None:
        return path
    return reader(path, allow_pickle)


# --------------------------------------------------------------------------------------------
# Dimensions and timestamps
# --------------------------------------------------------------------------------------------


def _is_sync_points(value) -> bool:
    return getattr(value, "ndim", 0) == 2 and value.shape[1] == 2


def _first_dims(bunch: dict) -> list[int]:
    """First dimension of every array or DataFrame of ``bunch`` that counts for consistency."""
    import numpy as np
    import pandas as pd

    dims = []
    for key, value in bunch.items():
        if isinstance(value, pd.DataFrame):
            dims.append(value.shape[0])
        elif isinstance(value, np.ndarray):
            if value.ndim == 0:
                continue  # a scalar attribute: broadcasts like length 1
            if "timestamps" in key and _is_sync_points(value):
                continue  # (k, 2) synchronisation points: any k
            dims.append(value.shape[0])
    return dims


def check_dimensions(bunch: dict) -> bool:
    """True when the arrays and DataFrames of ``bunch`` share their first dimension.

    Length-1 arrays broadcast; 0-d arrays are scalars and are ignored; ``timestamps`` keys may
    be a vector (counted) or a ``(k, 2)`` array of synchronisation points (not counted).
    Lists, dicts, paths and ``None`` are ignored, as in ONE.
    """
    dims = _first_dims(bunch)
    if not dims:
        return True
    return set(dims) <= {max(dims), 1}


def ts2vec(ts, n_samples: int):
    """Timestamps as one time per sample: a vector is kept, ``(n, 1)`` flattened, and
    ``(k, 2)`` ``(sample, time)`` pairs linearly interpolated over ``range(n_samples)``."""
    import numpy as np

    ts = np.asarray(ts)
    if ts.ndim == 1:
        return ts
    if ts.ndim == 2 and ts.shape[1] == 1:
        return ts.reshape(-1)
    if not _is_sync_points(ts):
        raise ValueError(f"timestamps of shape {ts.shape} are neither a vector nor (k, 2) sync points")
    return np.interp(np.arange(n_samples), ts[:, 0], ts[:, 1])


# --------------------------------------------------------------------------------------------
# Objects
# --------------------------------------------------------------------------------------------


def object_key(parts: spec.AlfParts, short_keys: bool = False) -> str:
    """The key of a file in its object: ``attribute`` + ``_timescale`` + ``.extra`` (no extra
    with ``short_keys``). The namespace is not part of the key."""
    key = parts.attribute or ""
    if parts.timescale:
        key += "_" + parts.timescale
    if parts.extra and not short_keys:
        key += "." + parts.extra
    return key


def _is_metadata(parts: spec.AlfParts) -> bool:
    return parts.extension == "json" and bool(parts.extra) and "metadata" in parts.extra.split(".")


def _metadata_for(path: Path, listing: dict[Path, list[str]]) -> Path | None:
    """The metadata side file of ``path`` in its folder (first in name order), if any."""
    folder = path.parent
    if folder not in listing:
        try:
            listing[folder] = sorted(n for n in os.listdir(folder) if ".metadata" in n and n.endswith(".json"))
        except OSError:
            listing[folder] = []
    stem = ".".join(path.name.split(".")[:2])
    for name in listing[folder]:
        match = METADATA_PATTERN.match(name)
        if match and name.startswith(stem) and name != path.name:
            if match["stem"] == stem:
                return folder / name
    return None


def _merge_table(bunch: AlfBunch) -> None:
    """Expand the first ``table`` attribute (a DataFrame) into one key per column."""
    import numpy as np
    import pandas as pd

    table_key = next((k for k in bunch if re.match(r"table(?:[_.]|$)", k)), None)
    if table_key is None:
        return
    table = bunch.pop(table_key)
    if not isinstance(table, pd.DataFrame):
        raise ALFInvalid(f"the table attribute {table_key!r} did not load as a table (got {type(table).__name__})")
    suffix = table_key[len("table"):]
    pairs: dict[str, dict[str, Any]] = {}
    for column in table.columns:
        name = str(column)
        values = table[column].to_numpy()
        paired = re.fullmatch(r"(.+?)_([01])", name)
        if paired:
            pairs.setdefault(paired[1] + suffix, {})[paired[2]] = values
        else:
            bunch[name + suffix] = values
    for base, halves in pairs.items():
        if set(halves) == {"0", "1"}:
            bunch[base] = np.column_stack([halves["0"], halves["1"]])
        else:
            for half, values in halves.items():
                bunch[f"{base}_{half}"] = values


def _expand_timestamps(bunch: AlfBunch) -> None:
    import numpy as np

    timeseries = [k for k in bunch if "timestamps" in k]
    if not timeseries or len(timeseries) == len(bunch):
        return
    n_samples = None
    for key, value in bunch.items():
        if "timestamps" in key or "meta" in key:
            continue
        shape = getattr(value, "shape", None)
        if shape:  # skip scalars, lists, paths; 0-d arrays have shape ()
            n_samples = shape[0]
            break
    if n_samples is None:
        return
    for key in timeseries:
        value = bunch[key]
        if isinstance(value, np.ndarray) and value.ndim >= 1:
            bunch[key] = ts2vec(value, n_samples)


def load_object(
    files: str | os.PathLike | Iterable[str | os.PathLike],
    object: str | None = None,
    *,
    short_keys: bool = False,
    allow_pickle: bool = False,
    **filters: Any,
) -> AlfBunch:
    """Load the files of one ALF object into an :class:`AlfBunch`.

    ``files`` is a list of paths (all of one object; no filtering), a folder plus ``object``
    (and optional ALF-part ``filters``: ``namespace``, ``attribute``, ``timescale``,
    ``extra``, ``extension``; wildcards allowed), or one file of the object (its folder is
    then listed). Keys are :func:`object_key`; metadata side files
    (``obj.attr*.metadata*.json``) split their data file along the last axis into their
    ``columns`` and store other entries under ``<key>metadata``; a ``table`` attribute is
    expanded into its columns; ``(k, 2)`` timestamps are interpolated. Inconsistent lengths
    give an :class:`~alflint.exceptions.ALFWarning`.
    """
    paths = _object_files(files, object, filters)
    parsed = []
    for path in paths:
        parts = spec.parse_filename(path.name)
        parsed.append((path, parts))
    objects = {p.object for _, p in parsed}
    if len(objects) > 1:
        raise ALFMultipleObjectsFound(f"the files belong to several objects: {', '.join(sorted(objects))}")
    parsed.sort(key=lambda item: item[0].name)

    metadata_used: set[Path] = set()
    listing: dict[Path, list[str]] = {}
    data_items = []
    for path, parts in parsed:
        meta = None if _is_metadata(parts) else _metadata_for(path, listing)
        if meta is not None:
            metadata_used.add(meta)
        data_items.append((path, parts, meta))

    bunch = AlfBunch()
    origin: dict[str, Path] = {}
    for path, parts, meta in data_items:
        if path in metadata_used:
            continue  # a side file, applied to its data file
        key = object_key(parts, short_keys)
        if key in origin:
            raise ALFMultipleObjectsFound(
                f"{origin[key].name} and {path.name} both load as {key!r} of object {parts.object!r}; "
                "restrict the namespace, extension or extra parts"
            )
        origin[key] = path
        value = load_file(path, allow_pickle=allow_pickle)
        if meta is None:
            bunch[key] = value
            continue
        info = load_file(meta)
        info = dict(info) if isinstance(info, dict) else {}
        columns = info.pop("columns", None)
        if columns and value is not None:
            bunch.update(_split_columns(value, columns, path))
        else:
            bunch[key] = value
        if info:
            bunch[key + "metadata"] = info
    _merge_table(bunch)
    if not check_dimensions(bunch):
        sizes = ", ".join(f"{k} {tuple(v.shape)}" for k, v in bunch.items() if hasattr(v, "shape"))
        obj = next(iter(objects))
        warnings.warn(f"inconsistent dimensions for object {obj!r}: {sizes}", ALFWarning, stacklevel=2)
    else:
        _expand_timestamps(bunch)
    return bunch


def _split_columns(value, columns: Sequence[str], path: Path) -> dict[str, Any]:
    import pandas as pd

    width = value.shape[-1] if getattr(value, "ndim", 0) else 0
    if width != len(columns):
        raise ALFInvalid(f"{path.name} has {width} columns on its last axis but its metadata names {len(columns)}")
    if isinstance(value, pd.DataFrame):
        return {str(name): value.iloc[:, i].to_numpy() for i, name in enumerate(columns)}
    return {str(name): value[..., i] for i, name in enumerate(columns)}


def _object_files(files, object: str | None, filters: dict[str, Any]) -> list[Path]:
    if isinstance(files, (str, os.PathLike)):
        path = Path(files)
        if path.is_dir():
            if object is None:
                raise ValueError("give the object name when loading from a folder")
            folder = path
        else:
            folder = path.parent
            object = object or spec.parse_filename(path.name).object
        found = _filter_folder(folder, object, filters)
        if not found:
            raise ALFObjectNotFound(f"no object {object!r} in {folder}")
        return found
    paths = [Path(f) for f in files]
    if not paths:
        raise ALFObjectNotFound("no files to load")
    return paths


def _part_matches(value: str | None, pattern: Any) -> bool:
    import fnmatch

    if pattern is None:
        return value is None
    if isinstance(pattern, str):
        pattern = [pattern]
    return value is not None and any(fnmatch.fnmatchcase(value, p) for p in pattern)


def _filter_folder(folder: Path, object: str, filters: dict[str, Any]) -> list[Path]:
    unknown = set(filters) - {"namespace", "attribute", "timescale", "extra", "extension"}
    if unknown:
        raise TypeError(f"unknown ALF part filter(s): {', '.join(sorted(unknown))}")
    found = []
    for entry in os.scandir(folder):
        if not entry.is_file():
            continue
        parts = spec.try_parse_filename(entry.name)
        if parts is None or not _part_matches(parts.object, object):
            continue
        ok = True
        for name, pattern in filters.items():
            value = getattr(parts, name)
            if name == "extra" and pattern is not None:
                wanted = pattern.split(".") if isinstance(pattern, str) else list(pattern)
                have = set(value.split(".")) if value else set()
                ok = all(w in have for w in wanted if w)
            elif not _part_matches(value, pattern):
                ok = False
            if not ok:
                break
        if ok:
            found.append(Path(entry.path))
    return sorted(found)
