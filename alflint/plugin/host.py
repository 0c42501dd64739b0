"""The plugin manager: registers rule packs from entry points and from the configuration.

Each plugin is loaded on its own inside ``try``: a pack that fails to import is recorded as a
:class:`PluginError` (reported as an ALF901 issue by the engine) and the run goes on.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import traceback
from dataclasses import dataclass
from typing import Any, Iterable

import pluggy

from ..rule import CRASHES
from . import PROJECT, hookspecs

__all__ = ["PluginError", "Plugins", "load_plugins", "ENTRY_POINT_GROUP"]

ENTRY_POINT_GROUP = "alflint"


@dataclass(frozen=True)
class PluginError:
    """A plugin that could not be loaded: its name and a one-line reason."""

    name: str
    message: str


@dataclass
class Plugins:
    manager: pluggy.PluginManager
    errors: list[PluginError]

    @property
    def hook(self) -> Any:
        return self.manager.hook


def _one_line(exc: BaseException) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" ({os.path.basename(last[0].filename)}:{last[0].lineno})" if last else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _import_local(spec_text: str, base: str | None) -> Any:
    """Import a module name (``lab_rules``) or a file path (``./lab_rules.py``) from the config,
    writing no ``__pycache__`` into the data repository (alflint leaves it as it found it)."""
    before = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        return _import(spec_text, base)
    finally:
        sys.dont_write_bytecode = before


def _import(spec_text: str, base: str | None) -> Any:
    if spec_text.endswith(".py") or os.sep in spec_text or "/" in spec_text:
        path = spec_text if os.path.isabs(spec_text) else os.path.join(base or os.getcwd(), spec_text)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no such plugin file: {path}")
        name = "alflint_local_" + os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        return module
    if base and base not in sys.path:
        sys.path.insert(0, base)  # a lab's rules module next to its configuration, like conftest
    return importlib.import_module(spec_text)


def load_plugins(config_plugins: Iterable[str] = (), base: str | None = None, *, entry_points: bool = True) -> Plugins:
    """Create the plugin manager and register every plugin that loads."""
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(hookspecs)
    errors: list[PluginError] = []
    if entry_points:
        from .discovery import entry_points as installed_entry_points, load

        for ep in sorted(installed_entry_points(ENTRY_POINT_GROUP), key=lambda e: (e.name != "builtin", e.name)):
            if manager.get_plugin(ep.name) is not None:
                continue
            try:
                manager.register(load(ep.value), name=ep.name)
            except CRASHES as exc:  # a broken third-party pack must not abort the run
                errors.append(PluginError(ep.name, f"entry point {ep.value!r} failed to load: {_one_line(exc)}"))
    for spec_text in config_plugins:
        try:
            module = _import_local(spec_text, base)
            if manager.is_registered(module):
                continue
            manager.register(module, name=f"config:{spec_text}")
        except CRASHES as exc:
            errors.append(PluginError(spec_text, f"plugin {spec_text!r} from the configuration failed to load: {_one_line(exc)}"))
    return Plugins(manager, errors)
