"""One line per issue, ``path:CODE:severity:message``, no summary: for grep, editors, scripts.

Control characters (a newline in a message or a file name) are written as escapes
(``\\n``) so every issue stays on exactly one line.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..model import Report
from ._common import PathDisplay, escape_controls, ordered


def render(
    report: Report,
    *,
    rules: Mapping[str, Any] | None = None,
    color: bool = False,
    statistics: bool = False,
    display: PathDisplay,
) -> str:
    """The concise listing (empty when there is no issue)."""
    lines = [
        f"{escape_controls(path)}:{issue.code}:{issue.severity}:{escape_controls(issue.message)}"
        for issue, path in sorted(ordered(report, display), key=lambda p: p[1])
    ]
    return "".join(line + "\n" for line in lines)
