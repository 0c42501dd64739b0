"""Dataset-type packs: rules as data.

A pack is a JSON document (checked against ``alflint/schemas/pack.schema.json``) listing
dataset types, each with a ``name``, a ``filename_pattern`` (case-insensitive wildcards, ``*``
``?`` ``[...]`` as in :mod:`fnmatch`), a ``description`` and, optionally, the ``collections`` it
is expected in and whether it is ``required`` there. A file *matches* a type as Alyx decides
it when registering a dataset:

* a type with a pattern matches when the lower-cased file name matches the lower-cased
  pattern (fnmatch semantics: ``*`` also crosses dots);
* a type with an empty pattern matches when the file's ``object.attribute`` (no namespace, no
  timescale) equals the type name exactly.

Alyx refuses to register a file matching no type or several types; the pack rules (ALF6xx)
report both. Built-in packs live in ``alflint/packs/<name>.json`` (``ibl``); a lab adds its
own by path (``packs = ["ibl", "./lab-pack.json"]``, relative to the configuration file).

Every pattern is translated to one compiled regular expression once, and the answer for a
file name is memoised: a repository repeats the same few hundred names in every session.

``python -m alflint.datasettypes DATASET_TYPES_CSV [EXPECTED_CSV] > pack.json`` builds a pack
from an Alyx export (columns ``name, filename_pattern, description`` and optionally
``status``; expected datasets as ``group, dataset_type, collection, required``); this is how
the IBL pack is made.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

__all__ = ["DatasetType", "Pack", "PackError", "load_pack", "resolve_pack", "builtin_packs",
           "validate_pack", "pack_from_alyx_csv", "SCHEMA_NAME"]

SCHEMA_NAME = "pack.schema.json"
_PACK_DIR = os.path.join(os.path.dirname(__file__), "packs")
#: Alyx statuses counted as current in an export (others are retired types).
CURRENT_STATUSES = ("alyx_head", "iblalyx_head")


class PackError(Exception):
    """A pack cannot be found, read or validated; the message names the pack and the problem."""


@dataclass(frozen=True)
class DatasetType:
    """One dataset type of a pack."""

    name: str
    filename_pattern: str = ""
    description: str = ""
    collections: tuple[str, ...] = ()
    required: bool = False
    groups: tuple[str, ...] = ()


@dataclass
class Pack:
    """A loaded pack: its types and a memoised matcher."""

    name: str
    path: str
    types: list[DatasetType]
    description: str = ""
    _by_name: dict[str, list[str]] = field(default_factory=dict, repr=False)  # null-pattern types
    _patterns: list[tuple[Any, str]] = field(default_factory=list, repr=False)
    _memo: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for t in self.types:
            if t.filename_pattern.strip():
                regex = fnmatch.translate(t.filename_pattern.lower())
                self._patterns.append((re.compile(regex).match, t.name))
            else:
                self._by_name.setdefault(t.name, []).append(t.name)

    def match(self, filename: str, object_attribute: str | None = None) -> tuple[str, ...]:
        """Names of the types ``filename`` matches (Alyx's rule), sorted.

        ``object_attribute`` is ``object.attribute`` of the parsed name (no namespace, no
        timescale); when ``None`` the file name without its extension is used, as Alyx does for
        names that are not valid ALF.
        """
        if object_attribute is None:
            object_attribute = os.path.splitext(filename)[0]
        key = (filename, object_attribute)
        found = self._memo.get(key)
        if found is None:
            lower = filename.lower()
            hits = [name for match, name in self._patterns if match(lower)]
            hits += self._by_name.get(object_attribute, ())
            found = self._memo[key] = tuple(sorted(hits))
        return found


def _validator():
    from alflint.jsonschemas import validator

    return validator(SCHEMA_NAME)


def validate_pack(data: Any, where: str = "pack") -> None:
    """Raise :class:`PackError` when ``data`` does not follow the pack schema."""
    from jsonschema.exceptions import best_match

    error = best_match(_validator().iter_errors(data))
    if error is not None:
        at = error.json_path if error.json_path != "$" else "the document"
        raise PackError(f"{where}: {at}: {error.message}")
    for i, t in enumerate(data["dataset_types"]):
        if t.get("filename_pattern", "").strip() and "/" in t["filename_pattern"]:
            raise PackError(f"{where}: $.dataset_types[{i}].filename_pattern: {t['filename_pattern']!r} "
                            "holds a '/': patterns match file names, not paths")


def builtin_packs() -> dict[str, str]:
    """Packs shipped with alflint, ``{name: path}``."""
    try:
        names = sorted(n for n in os.listdir(_PACK_DIR) if n.endswith(".json"))
    except OSError:
        return {}
    return {n[:-5]: os.path.join(_PACK_DIR, n) for n in names}


def resolve_pack(spec: str, directory: str | None = None, extra: dict[str, str] | None = None) -> str:
    """The file of pack ``spec``: a built-in or plugin pack name, or a path.

    A path (it holds a ``/`` or ends in ``.json``) is relative to ``directory`` (the folder of
    the configuration file; the current folder without one).
    """
    if "/" in spec or os.sep in spec or spec.endswith(".json"):
        path = os.path.join(directory or os.getcwd(), os.path.expanduser(spec))
        if not os.path.isfile(path):
            raise PackError(f"pack file {spec!r} not found (looked for {os.path.normpath(path)})")
        return os.path.normpath(path)
    known = {**builtin_packs(), **(extra or {})}
    if spec not in known:
        raise PackError(f"unknown pack {spec!r}; known packs: {', '.join(sorted(known)) or 'none'} "
                        "(a pack file is given by a path ending in .json)")
    return known[spec]


_LOADED: dict[tuple[str, float], Pack] = {}


def load_pack(path: str) -> Pack:
    """Read and validate a pack file (memoised per path and modification time)."""
    try:
        stamp = os.stat(path).st_mtime
    except OSError as exc:
        raise PackError(f"pack {path}: cannot read: {exc.strerror or exc}") from None
    found = _LOADED.get((path, stamp))
    if found is not None:
        return found
    name = os.path.basename(path)
    try:
        with open(path, "rb") as f:
            data = json.loads(f.read().decode("utf-8-sig"))
    except OSError as exc:
        raise PackError(f"pack {name}: cannot read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackError(f"pack {name}: not valid JSON: {exc}") from None
    validate_pack(data, f"pack {name}")
    types = [
        DatasetType(
            name=t["name"],
            filename_pattern=t.get("filename_pattern", ""),
            description=t.get("description", ""),
            collections=tuple(t.get("collections", ())),
            required=bool(t.get("required", False)),
            groups=tuple(t.get("groups", ())),
        )
        for t in data["dataset_types"]
    ]
    pack = Pack(data["name"], path, types, data.get("description", ""))
    _LOADED[(path, stamp)] = pack
    return pack


# ---------------------------------------------------------------------------------------------
# Building a pack from an Alyx export
# ---------------------------------------------------------------------------------------------


def pack_from_alyx_csv(types_csv: str, expected_csv: str | None = None, *, name: str = "ibl",
                       description: str = "", statuses: Iterable[str] = CURRENT_STATUSES) -> dict:
    """A pack document from an Alyx dataset-type export and, optionally, expected datasets.

    Only types whose ``status`` is in ``statuses`` are kept (all when the column is absent).
    Expected collections keep their shell wildcards; the ``XX`` placeholder of IBL's lists
    (one folder per probe) becomes ``*``.
    """
    import csv

    statuses = set(statuses)
    with open(types_csv, encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if "status" not in r or r["status"] in statuses]
    expected: dict[str, dict[str, Any]] = {}
    if expected_csv:
        with open(expected_csv, encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                entry = expected.setdefault(r["dataset_type"], {"collections": [], "required": False, "groups": []})
                collection = (r.get("collection") or "").replace("XX", "*")
                if collection and collection not in entry["collections"]:
                    entry["collections"].append(collection)
                entry["required"] = entry["required"] or r.get("required") == "True"
                if r.get("group") and r["group"] not in entry["groups"]:
                    entry["groups"].append(r["group"])
    types = []
    for r in sorted(rows, key=lambda r: r["name"]):
        t: dict[str, Any] = {
            "name": r["name"],
            "filename_pattern": (r.get("filename_pattern") or "").strip(),
            "description": (r.get("description") or "").strip(),
        }
        if r["name"] in expected:
            e = expected[r["name"]]
            if e["collections"]:
                t["collections"] = e["collections"]
            t["required"] = e["required"]
            t["groups"] = e["groups"]
        types.append(t)
    return {"name": name, "description": description, "dataset_types": types}


def _main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m alflint.datasettypes",
                                     description="Build an alflint dataset-type pack from Alyx CSV exports.")
    parser.add_argument("types_csv")
    parser.add_argument("expected_csv", nargs="?")
    parser.add_argument("--name", default="ibl")
    parser.add_argument("--description", default="")
    args = parser.parse_args(argv)
    doc = pack_from_alyx_csv(args.types_csv, args.expected_csv, name=args.name, description=args.description)
    validate_pack(doc)
    sys.stdout.write(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main())
