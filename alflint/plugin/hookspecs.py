"""Every hook alflint calls, in one place, grouped by the phase in which it is called.

Plugins implement any subset of these with :data:`alflint.plugin.hookimpl`. Implementations
may accept fewer arguments than the specification (pluggy passes only those they name), so
hooks can gain arguments without breaking plugins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import hookspec

if TYPE_CHECKING:  # pragma: no cover
    from ..rule import Rule

# ---------------------------------------------------------------------------------------------
# Contributing rules
# ---------------------------------------------------------------------------------------------


@hookspec
def alflint_rules() -> "list[Rule]":
    """Return the rules this plugin contributes (see :func:`alflint.rule.rule`).

    Called once per run, after plugins are registered. Import rule modules inside the hook,
    not at module level, so that listing plugins stays cheap. Every plugin's list is
    concatenated; two rules with the same code are a configuration error.

    Use in a lab's local rules module: return a list of functions decorated with ``@rule``.
    """


@hookspec
def alflint_packs() -> "dict[str, str]":
    """Return dataset-type packs this plugin ships, as ``{pack_name: path_to_json}``.

    Packs are rules as data (validated against alflint's pack JSON Schema) and are enabled
    by name in the configuration: ``packs = ["ibl"]``.
    """


# ---------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------


@hookspec
def alflint_default_config() -> "dict[str, Any]":
    """Return configuration defaults this plugin adds (merged under the user's configuration).

    Keys are those of ``[tool.alflint]``; a plugin may, for instance, extend ``exclude``.
    """


@hookspec
def alflint_configure(config: Any) -> None:
    """Called once with the loaded, validated :class:`alflint.config.Config` before checking.

    Use it to read per-rule options or prepare shared state; do not modify the configuration.
    """


# ---------------------------------------------------------------------------------------------
# Rule options
# ---------------------------------------------------------------------------------------------


@hookspec
def alflint_rule_options() -> "dict[str, dict[str, Any]]":
    """Return JSON-Schema ``properties`` for options of rules, as ``{code_or_name: {option: schema}}``.

    Options declared on the rule itself (``@rule(options=...)``) need no hook; this one lets a
    plugin add options to rules it does not own. Users set them under
    ``[tool.alflint.rules.<code or name>]``; alflint validates them against the schema.
    """


# ---------------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------------


@hookspec
def alflint_reporters() -> "dict[str, Any]":
    """Return output formats as ``{name: render}``.

    ``render(report, *, rules, color, statistics, cwd) -> str`` turns a
    :class:`alflint.model.Report` into text for ``--format name``.
    """
