"""Render a :class:`~alflint.model.Report` in the formats users and CI systems read.

One module per format, each a ``render(report, *, rules, color, statistics, display)``
function: ``text`` (default, for people), ``concise`` (one line per issue, for grep and
editors), ``json`` (the stable machine format, read back by :func:`load_report`), ``sarif``
(GitHub code scanning), ``github`` (workflow-command annotations) and ``junit`` (GitLab,
Jenkins). Formats are imported on first use; all of them use the standard library only.
"""

from __future__ import annotations

import importlib
import os
from typing import IO, Any, Mapping, Protocol

from ..model import Report
from ._common import PathDisplay, ReportLoadError

__all__ = ["FORMATS", "RuleInfo", "render", "load_report", "use_color", "ReportLoadError"]

#: Every value ``--format`` accepts, the default first.
FORMATS: tuple[str, ...] = ("text", "concise", "json", "sarif", "github", "junit")

_MODULES = {
    "text": "text",
    "concise": "concise",
    "json": "jsonfmt",
    "sarif": "sarif",
    "github": "github",
    "junit": "junit",
}


class RuleInfo(Protocol):
    """What reporters read from the rule catalogue (:class:`alflint.rule.Rule` fits)."""

    code: str
    name: str
    severity: str
    scope: str
    summary: str
    doc: str


def render(
    report: Report,
    format: str = "text",
    *,
    rules: Mapping[str, RuleInfo] | None = None,
    color: bool = False,
    statistics: bool = False,
    cwd: str | None = None,
) -> str:
    """The report rendered in ``format``, ending with a newline unless empty.

    ``rules`` maps codes to rule metadata (names, summaries, docs for SARIF); codes missing
    from it are rendered from the issue alone. ``color`` adds ANSI colours (text only);
    ``statistics`` appends per-code counts (text only). Paths are shown relative to ``cwd``
    (default: the current directory) when below it, else absolute.
    """
    try:
        module_name = _MODULES[format]
    except KeyError:
        raise ValueError(f"unknown report format {format!r}; choose one of {', '.join(FORMATS)}") from None
    module = importlib.import_module(f".{module_name}", __name__)
    display = PathDisplay(report.root, cwd)
    return module.render(report, rules=rules, color=color, statistics=statistics, display=display)


def load_report(text_or_path: Any) -> Report:
    """Read a report saved with ``--format json`` (JSON text, a path, or a parsed dict).

    Raises :class:`ReportLoadError` (a ``ValueError``) when the document is not an alflint
    JSON report of a supported version.
    """
    from .jsonfmt import load

    return load(text_or_path)


def use_color(stream: IO[str] | Any, environ: Mapping[str, str] | None = None) -> bool:
    """Whether to colour output written to ``stream``.

    ``NO_COLOR`` (non-empty) turns colour off, then ``FORCE_COLOR`` (non-empty) turns it
    on; otherwise colour is used only on a terminal that is not ``TERM=dumb``. A command-line
    flag such as ``--color always|never`` should be decided by the caller before this.
    """
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        return False
