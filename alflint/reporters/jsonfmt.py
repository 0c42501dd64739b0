"""The JSON report: one stable document for machines, and :func:`load` to read it back.

The layout is documented in ``docs/report-format.md``. Issue paths are written relative to
the working directory (absolute when outside it) and ``root`` says where the checked tree
is, so :func:`load` can restore root-relative paths: rendering a loaded report in the same
working directory gives the same document again.
"""

from __future__ import annotations

import json
import os
import posixpath
from typing import Any, Mapping

from ..model import REPORT_VERSION, SEVERITIES, Issue, Report
from ._common import PathDisplay, ReportLoadError, dump_json, ordered, tool_version

#: Keys of every issue object, in output order.
ISSUE_KEYS: tuple[str, ...] = ("code", "name", "severity", "path", "message", "session", "collection", "revision")
#: Keys of every row of ``timing.rows``, in output order (a :class:`alflint.timing.TimingRow`).
TIMING_ROW_KEYS: tuple[str, ...] = ("kind", "name", "seconds", "calls")


def document(report: Report, display: PathDisplay) -> dict[str, Any]:
    """The report as the JSON-ready dict that :func:`render` serialises."""
    issues = []
    for issue, path in ordered(report, display):
        record = {key: getattr(issue, key, None) for key in ISSUE_KEYS}
        record["path"] = path
        issues.append(record)
    doc = {
        "version": REPORT_VERSION,
        "tool": {"name": "alflint", "version": tool_version()},
        "root": None if report.root is None else display("."),
        "summary": report.summary(),
        "sessions": sorted(report.sessions),
        "issues": issues,
    }
    if report.timing is not None:  # only when the check was timed (--timing)
        processes, wall, rows = report.timing
        doc["timing"] = {"wall_seconds": round(wall, 6), "processes": processes,
                         "rows": [dict(zip(TIMING_ROW_KEYS, (r.kind, r.name, round(r.seconds, 6), r.calls))) for r in rows]}
    return doc


def render(
    report: Report,
    *,
    rules: Mapping[str, Any] | None = None,
    color: bool = False,
    statistics: bool = False,
    display: PathDisplay,
) -> str:
    """The JSON document: indented, one issue per line, non-ASCII kept, ending with a newline."""
    return dump_json(document(report, display), records=frozenset({"issues", "rows"}))


def _read(source: Any) -> Any:
    if isinstance(source, Mapping):
        return source
    if isinstance(source, bytes):
        source = source.decode("utf-8")
    if isinstance(source, str) and source.lstrip().startswith("{"):
        text, where = source, "report"
    else:
        where = os.fspath(source)
        try:
            with open(where, encoding="utf-8") as f:
                text = f.read()
        except OSError as exc:
            raise ReportLoadError(f"cannot read report {where}: {exc.strerror or exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportLoadError(f"{where} is not JSON: {exc}") from exc


def _root_relative(path: str, root: str | None) -> str:
    """Undo the display transformation of :class:`PathDisplay` for one issue path."""
    if root is None or posixpath.isabs(path) or (os.name == "nt" and os.path.isabs(path)):
        return path
    if posixpath.isabs(root) or os.path.isabs(root):
        return os.path.abspath(path).replace(os.sep, "/")  # root outside the cwd, file inside
    rel = posixpath.relpath(path, root)  # both relative to the same working directory
    return "." if rel == "." else rel


def load(source: Any) -> Report:
    """A :class:`Report` from a JSON report (text, path or parsed dict)."""
    doc = _read(source)
    if not isinstance(doc, Mapping) or not isinstance(doc.get("issues"), list):
        raise ReportLoadError("not an alflint JSON report (no 'issues' list)")
    version = str(doc.get("version", ""))
    if version.split(".")[0] != REPORT_VERSION.split(".")[0]:
        raise ReportLoadError(
            f"report format version {version or '?'} is not supported (this alflint reads version {REPORT_VERSION})"
        )
    root = doc.get("root")
    summary = doc.get("summary") or {}
    issues = []
    for n, record in enumerate(doc["issues"]):
        if not isinstance(record, Mapping):
            raise ReportLoadError(f"issue {n} is not an object")
        missing = [k for k in ("code", "severity", "path", "message") if not isinstance(record.get(k), str)]
        if missing:
            raise ReportLoadError(f"issue {n} lacks {', '.join(missing)}")
        if record["severity"] not in SEVERITIES:
            raise ReportLoadError(f"issue {n} has unknown severity {record['severity']!r}")
        data = dict(record)
        data.setdefault("name", "")
        data["path"] = _root_relative(record["path"], root)
        issues.append(Issue.from_dict(data))
    timing = _timing(doc.get("timing"))
    try:
        return Report(
            issues=issues,
            root=root,
            files_checked=int(summary.get("files_checked", 0)),
            sessions_checked=int(summary.get("sessions_checked", 0)),
            sessions=[str(s) for s in doc.get("sessions") or []],
            duration=float(summary.get("duration_seconds", 0.0)),
            internal_errors=int(summary.get("internal_errors", 0)),
            timing=timing,
        )
    except (TypeError, ValueError) as exc:
        raise ReportLoadError(f"malformed summary: {exc}") from exc


def _timing(data: Any) -> Any:
    """The ``timing`` object of a report as a :class:`~alflint.timing.TimingResult` (None when absent)."""
    if data is None:
        return None
    from ..timing import TimingResult, TimingRow

    if not isinstance(data, Mapping) or not isinstance(data.get("rows"), list):
        raise ReportLoadError("malformed timing: not an object with a 'rows' list")
    rows = []
    for n, row in enumerate(data["rows"]):
        if not (isinstance(row, Mapping) and isinstance(row.get("kind"), str) and isinstance(row.get("name"), str)
                and isinstance(row.get("seconds"), (int, float)) and isinstance(row.get("calls"), int)):
            raise ReportLoadError(f"malformed timing: row {n} needs kind and name (strings), seconds (a number) and calls (an integer)")
        rows.append(TimingRow(row["kind"], row["name"], float(row["seconds"]), row["calls"]))
    try:
        return TimingResult(int(data.get("processes", 1)), float(data.get("wall_seconds", 0.0)), tuple(rows))
    except (TypeError, ValueError) as exc:
        raise ReportLoadError(f"malformed timing: {exc}") from exc
