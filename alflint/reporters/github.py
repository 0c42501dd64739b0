"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` per issue.

GitHub turns them into annotations on the run and, when the file is part of the commit, on
the pull request diff::

    ::error file=lab/Subjects/SW001/2021-06-01/001/alf/x.npy,title=ALF101 missing-attribute::message

The message is escaped as GitHub requires (``%``, carriage return, line feed) and property
values additionally escape ``:`` and ``,``. The runner reads the commands as UTF-8, so an
undecodable byte of a file name is written as the text ``\\xe9``, as the text format shows it.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..model import Report
from ._common import PathDisplay, escape_undecodable, ordered, rule_attr

#: alflint severity -> workflow command.
COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message."""
    return escape_undecodable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property value (``file=``, ``title=``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(
    report: Report,
    *,
    rules: Mapping[str, Any] | None = None,
    color: bool = False,
    statistics: bool = False,
    display: PathDisplay,
) -> str:
    """One workflow command per issue (empty when there is no issue)."""
    lines = []
    for issue, path in ordered(report, display):
        command = COMMANDS.get(issue.severity, "warning")
        name = rule_attr(rules, issue.code, "name", issue.name)
        title = f"{issue.code} {name}" if name else issue.code
        lines.append(f"::{command} file={escape_property(path)},title={escape_property(title)}::{escape_data(issue.message)}\n")
    return "".join(lines)
