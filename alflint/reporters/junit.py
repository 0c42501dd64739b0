"""JUnit XML for CI test dashboards (GitLab ``artifacts:reports:junit``, Jenkins junit).

One test suite ``alflint`` with one test case per checked session (named by its session
path) and one, ``(outside sessions)``, for files outside any session. A test case fails
(``<failure>``) when it has errors; failures of alflint itself (ALF9xx) are ``<error>``
elements; warnings and infos are listed in ``<system-out>`` and do not fail it.

Characters XML 1.0 cannot carry, even escaped, are written as text escapes like the text
format's: ``\\x00``, ``\\uffff``, and ``\\xe9`` for an undecodable byte of a file name.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any, Mapping

from ..model import Issue, Report
from ._common import PathDisplay, escape_char, is_internal, ordered, plural

#: Name of the test case holding issues of files that belong to no session.
OUTSIDE = "(outside sessions)"

# Characters XML 1.0 cannot carry even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub(lambda m: escape_char(m.group()), text)


def _line(issue: Issue, path: str) -> str:
    return f"{path}: {issue.code} [{issue.severity}] {issue.message}"


def _testcase_names(report: Report, grouped: dict[str | None, list]) -> list[str | None]:
    sessions = sorted(set(report.sessions) | {s for s in grouped if s})
    outside = None in grouped or not sessions
    return ([None] if outside else []) + sessions


def render(
    report: Report,
    *,
    rules: Mapping[str, Any] | None = None,
    color: bool = False,
    statistics: bool = False,
    display: PathDisplay,
) -> str:
    """The JUnit XML document, with an XML declaration, ending with a newline."""
    grouped: dict[str | None, list[tuple[Issue, str]]] = {}
    for issue, path in ordered(report, display):
        grouped.setdefault(issue.session or None, []).append((issue, path))

    suite = ET.Element("testsuite", name="alflint")
    n_tests = n_failures = n_errors = 0
    for session in _testcase_names(report, grouped):
        pairs = grouped.get(session, [])
        case = ET.SubElement(suite, "testcase", classname="alflint", name=_xml_text(session or OUTSIDE))
        n_tests += 1
        internal = [p for p in pairs if is_internal(p[0].code)]
        errors = [p for p in pairs if p[0].severity == "error" and not is_internal(p[0].code)]
        others = [p for p in pairs if p[0].severity != "error" and not is_internal(p[0].code)]
        if errors:
            n_failures += 1
            failure = ET.SubElement(case, "failure", message=plural(len(errors), "error"), type="alflint")
            failure.text = _xml_text("\n".join(_line(i, p) for i, p in errors))
        if internal:
            n_errors += 1
            error = ET.SubElement(case, "error", message=plural(len(internal), "internal error"), type="alflint.internal")
            error.text = _xml_text("\n".join(_line(i, p) for i, p in internal))
        if others:
            out = ET.SubElement(case, "system-out")
            out.text = _xml_text("\n".join(_line(i, p) for i, p in others))

    counts = {"tests": str(n_tests), "failures": str(n_failures), "errors": str(n_errors), "time": f"{report.duration:.3f}"}
    suite.attrib = {"name": "alflint", **counts, "skipped": "0"}
    root = ET.Element("testsuites", name="alflint", **counts)
    root.append(suite)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
