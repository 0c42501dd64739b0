"""alflint: validate and lint ALF neurophysiology data repositories, write ONE cache tables, load.

The public API is small and imported lazily, so ``import alflint`` stays instant (no pandas,
pyarrow or numpy until a function that needs them is called).
"""

from __future__ import annotations

from ._version import __version__

__all__ = ["__version__", "check", "index", "open", "Repository", "spec", "exceptions"]


def __getattr__(name: str):
    if name == "check":
        from .engine import check

        return check
    if name == "index":
        from .indexer import index

        return index
    if name in ("open", "Repository"):
        from . import repository

        return getattr(repository, name)
    if name in ("spec", "exceptions", "model"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'alflint' has no attribute {name!r}")
