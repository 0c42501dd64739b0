"""The ``alflint`` entry points of the installed packages, found without importing
``importlib.metadata`` when nothing was installed since the last run.

``importlib.metadata`` is the authority, but importing it costs 30-60 ms here (it brings the
``email`` package), a quarter of a pre-commit hook's run and most of the first validating
``load_object``. Its answer changes only when distributions are installed, removed or
edited, so it is remembered in the user's cache folder (``entry-points/``, one file per
Python environment and ``sys.path``) under a fingerprint of the installation: the
distributions (``*.dist-info``, ``*.egg-info``) in every folder on ``sys.path``, each with the
modification time of its ``entry_points.txt``. Installing or removing a package changes the
names, reinstalling or editing one changes that file's time. Any difference, or a cache that
cannot be read, asks ``importlib.metadata`` again. Standard library only.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
import zlib
from typing import Any, NamedTuple

from .._cachedir import cache_folder, write_atomically

__all__ = ["EntryPoint", "entry_points", "load"]

_FORMAT = 1


class EntryPoint(NamedTuple):
    """An entry point as its distribution declares it: ``name = value``."""

    name: str
    value: str  #: ``module`` or ``module:attribute.path``, optionally followed by ``[extras]``


#: ``module(:attribute.path)? ([extras])?`` (the entry point grammar of the packaging specs)
_VALUE = re.compile(r"(?P<module>[\w.]+)\s*(?::\s*(?P<attr>[\w.]+)\s*)?(?:\[[^\]]*\]\s*)?\Z")


def load(value: str) -> Any:
    """The object an entry point's value names: the module, or an attribute inside it."""
    m = _VALUE.match(value.strip())
    if m is None:
        raise ValueError(f"not an entry point reference: {value!r}")
    found = importlib.import_module(m.group("module"))
    for name in (m.group("attr") or "").split("."):
        if name:
            found = getattr(found, name)
    return found


def entry_points(group: str) -> list[EntryPoint]:
    """The entry points of ``group`` of every installed distribution, in the order
    ``importlib.metadata`` lists them."""
    fingerprint = _fingerprint()
    environment = zlib.crc32(repr([sys.prefix, sys.path]).encode("utf-8", "surrogatepass"))
    path = cache_folder("entry-points", f"{environment:08x}.json")
    stored = _read(path) if path is not None else None
    if stored is not None and stored.get("fingerprint") == fingerprint and group in stored.get("groups", {}):
        return [EntryPoint(name, value) for name, value in stored["groups"][group]]
    from importlib.metadata import entry_points as metadata_entry_points

    found = [EntryPoint(ep.name, ep.value) for ep in metadata_entry_points(group=group)]
    if path is not None:
        groups = stored.get("groups", {}) if stored is not None and stored.get("fingerprint") == fingerprint else {}
        groups[group] = [list(ep) for ep in found]
        try:
            write_atomically(path, json.dumps({"format": _FORMAT, "fingerprint": fingerprint, "groups": groups}).encode())
        except OSError:
            pass  # a cache folder we cannot write: ask importlib.metadata every time
    return found


def _read(path: str) -> dict | None:
    try:
        with open(path, "rb") as fh:
            stored = json.loads(fh.read())
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("format") != _FORMAT or not isinstance(stored.get("groups"), dict):
        return None
    return stored


def _fingerprint() -> list:
    """What ``importlib.metadata`` reads to answer: the distributions in every ``sys.path``
    folder, each with the modification time of its ``entry_points.txt``."""
    out: list = [sys.version, sys.prefix]
    for entry in sys.path:
        folder = entry or os.curdir
        try:
            names = os.listdir(folder)
        except OSError:  # missing, unreadable, or a zip file: its time stands for its contents
            try:
                out.append([entry, os.stat(folder).st_mtime_ns])
            except OSError:
                out.append([entry, None])
            continue
        found = []
        for name in sorted(n for n in names if n.endswith((".dist-info", ".egg-info"))):
            try:
                found.append([name, os.stat(os.path.join(folder, name, "entry_points.txt")).st_mtime_ns])
            except OSError:
                found.append([name, None])
        out.append([entry, found])
    return out
