"""The built-in alflint rule catalogue, a plugin like any third-party rule pack.

Installed as ``alflint.rules`` and registered through the ``alflint`` entry-point group
(``builtin = "alflint.rules"`` in alflint's own ``pyproject.toml``). Rule modules are imported
inside the hook so that loading the plugin stays cheap.

Code families (stable, never reused):

* ``ALF1xx`` file names          * ``ALF2xx`` collection and revision folders
* ``ALF3xx`` objects and relations  * ``ALF4xx`` session layout
* ``ALF5xx`` file contents       * ``ALF6xx`` dataset-type packs and required datasets
* ``ALF9xx`` reserved for alflint itself (a crashed rule, a plugin that failed to load)
"""

from __future__ import annotations

from alflint.plugin import hookimpl

_MODULES = ("filenames", "folders", "sessions", "objects", "content", "lengths", "relations", "packs")


@hookimpl
def alflint_rules():
    import importlib

    from alflint.rule import Rule

    found = []
    for name in _MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue  # a family not written yet
            raise
        found.extend(v for v in vars(module).values() if isinstance(v, Rule))
    return sorted(found, key=lambda r: r.code)


@hookimpl
def alflint_configure(config):
    """A new run reads the configured packs again: an edited pack file must be seen by a
    long-lived process (a notebook, a test session) as by a new one."""
    import sys

    packs = sys.modules.get(f"{__name__}.packs")
    if packs is not None:
        packs._CACHE.clear()
