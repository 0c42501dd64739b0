"""The default, human format: issues grouped by session, then by file, and a summary.

::

    Outside sessions
      notes.txt: ALF001 [warning] not an ALF file name

    Session lab/Subjects/SW001/2021-06-01/001  (1 error)
      lab/Subjects/SW001/2021-06-01/001/alf/trials.npy: ALF101 [error] no attribute

    Found 1 error, 1 warning in 12 files, 2 sessions (0.04 s).

With ``statistics`` a table of counts per code (most frequent first) precedes the summary.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any, Mapping

from ..model import SEVERITIES, Issue, Report
from ._common import PathDisplay, escape_controls, ordered, plural, rule_attr, severity_order

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_GREEN = "\x1b[32m"
_SEVERITY_COLOR = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[1;36m"}
_SEVERITY_WORD = {"error": "error", "warning": "warning", "info": "info"}


class _Style:
    """Wraps text in ANSI codes when enabled, else returns it unchanged."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __call__(self, text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if self.enabled and text else text

    def severity(self, text: str, severity: str) -> str:
        return self(text, _SEVERITY_COLOR.get(severity, _BOLD))


def issue_line(issue: Issue, path: str, style: _Style | None = None, indent: str = "") -> str:
    """``path: CODE [severity] message``; further message lines are indented below it."""
    style = style or _Style(False)
    first, *rest = [escape_controls(line) for line in issue.message.splitlines()] or [""]
    head = (
        f"{indent}{style(escape_controls(path), _BOLD)}: "
        f"{style.severity(issue.code, issue.severity)} "
        f"{style.severity('[' + issue.severity + ']', issue.severity)} {first}"
    )
    return "\n".join([head, *(f"{indent}    {line}" for line in rest)])


def count_phrase(counts: Mapping[str, int]) -> str:
    """``3 errors, 1 warning`` (severities with no issue are left out)."""
    return ", ".join(plural(counts[s], _SEVERITY_WORD.get(s, s)) for s in counts if counts[s])


def summary_line(report: Report, style: _Style | None = None) -> str:
    """The closing sentence: what was found, how much was checked, how long it took."""
    style = style or _Style(False)
    scope = f"{plural(report.files_checked, 'file')}, {plural(report.sessions_checked, 'session')} ({report.duration:.2f} s)"
    counts = {s: 0 for s in SEVERITIES}
    for issue in report.issues:
        counts[issue.severity] = counts.get(issue.severity, 0) + 1
    if not report.issues:
        line = style("All checks passed", _BOLD + _GREEN) + f": {scope}."
    else:
        worst = min(report.issues, key=lambda i: severity_order(i.severity)).severity
        line = style.severity(f"Found {count_phrase(counts)}", worst) + f" in {scope}."
    if report.internal_errors:
        line += "\n" + style.severity(
            f"{plural(report.internal_errors, 'internal error')} (ALF9xx above): "
            "alflint or a plugin failed, so the results may be incomplete.",
            "error",
        )
    return line


def statistics_lines(report: Report, rules: Mapping[str, Any] | None, style: _Style | None = None) -> list[str]:
    """One line per code, most frequent first: ``  5  ALF101  name  [error]``."""
    style = style or _Style(False)
    by_code: dict[str, list[Issue]] = {}
    for issue in report.issues:
        by_code.setdefault(issue.code, []).append(issue)
    rows = []
    for code, issues in sorted(by_code.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        name = rule_attr(rules, code, "name", issues[0].name) or "-"
        seen = sorted({i.severity for i in issues}, key=severity_order)
        rows.append((len(issues), code, name, seen))
    if not rows:
        return []
    wn = max(len(str(r[0])) for r in rows)
    wc = max(len(r[1]) for r in rows)
    wname = max(len(r[2]) for r in rows)
    out = []
    for n, code, name, seen in rows:
        sev = "[" + "/".join(seen) + "]"
        out.append(f"{n:>{wn + 2}}  {style.severity(code.ljust(wc), seen[0])}  {name.ljust(wname)}  {sev}".rstrip())
    return out


def render(
    report: Report,
    *,
    rules: Mapping[str, Any] | None = None,
    color: bool = False,
    statistics: bool = False,
    display: PathDisplay,
) -> str:
    """The text report; see the module docstring for the layout."""
    style = _Style(color)
    blocks: list[str] = []
    for session, group in groupby(ordered(report, display), key=lambda p: p[0].session or None):
        pairs = list(group)
        counts: dict[str, int] = {s: 0 for s in SEVERITIES}
        for issue, _ in pairs:
            counts[issue.severity] = counts.get(issue.severity, 0) + 1
        title = f"Session {escape_controls(display(session))}" if session else "Outside sessions"
        lines = [f"{style(title, _BOLD)}  {style('(' + count_phrase(counts) + ')', _DIM)}"]
        lines += [issue_line(issue, path, style, indent="  ") for issue, path in pairs]
        blocks.append("\n".join(lines))
    if statistics:
        stats = statistics_lines(report, rules, style)
        if stats:
            blocks.append("\n".join([style("Statistics", _BOLD), *stats]))
    blocks.append(summary_line(report, style))
    return "\n\n".join(blocks) + "\n"
