"""The pluggy glue: the ``hookimpl`` marker plugins decorate their hooks with.

A rule pack is any module (or object) with ``@hookimpl`` functions named after the hooks in
:mod:`alflint.plugin.hookspecs`, registered through the ``alflint`` entry-point group or named
in the configuration (``plugins = ["my_lab_rules"]``).
"""

from __future__ import annotations

from typing import Callable, TypeVar, cast

import pluggy

PROJECT = "alflint"
F = TypeVar("F", bound=Callable)

#: Decorator for hook implementations (typed so decorated functions keep their signature).
hookimpl = cast(Callable[[F], F], pluggy.HookimplMarker(PROJECT))
hookspec = pluggy.HookspecMarker(PROJECT)

__all__ = ["PROJECT", "hookimpl", "hookspec"]
