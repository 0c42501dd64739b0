"""SARIF 2.1.0, the interchange format GitHub code scanning (and other dashboards) ingest.

One run; ``tool.driver.rules`` lists every code that has a result, with the rule's summary
and documentation from the catalogue; each result points at its file through a URI
relative to ``%SRCROOT%`` (the working directory, normally the repository checkout). URIs
percent-encode a path's UTF-8 bytes, and the bytes of a file name that is not UTF-8 as they
are on disk (``caf\\xe9`` -> ``caf%E9``).

ALF files have no lines, so each location carries ``region.startLine = 1`` (GitHub needs a
line to place an alert) and each result a ``partialFingerprints.primaryLocationLineHash``
computed from code, path and message, so the upload action does not read data files to
fingerprint them and an alert keeps its identity across runs.
"""

from __future__ import annotations

import hashlib
import inspect
from typing import Any, Mapping
from urllib.parse import quote

from ..model import Issue, Report
from ._common import PathDisplay, dump_json, is_internal, ordered, rule_attr, tool_version

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
#: Where users learn about alflint (the driver's informationUri).
INFORMATION_URI = "https://pypi.org/project/alflint/"
#: alflint severity -> SARIF level.
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _level(severity: str) -> str:
    return LEVELS.get(severity, "warning")


def _internal_summary(code: str) -> str:
    """The engine's description of an internal code (ALF9xx), if it has one."""
    try:
        from ..engine import INTERNAL_CODES
    except Exception:  # the engine is optional for rendering a loaded report
        INTERNAL_CODES = {}
    entry = INTERNAL_CODES.get(code)
    return entry[1] if entry else "alflint itself failed (an internal error, not a problem of the data)"


def rule_descriptor(code: str, issues: list[Issue], rules: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``reportingDescriptor`` of ``code``, from the catalogue or, failing that, its issues."""
    first = issues[0]
    name = rule_attr(rules, code, "name", first.name) or code
    summary = rule_attr(rules, code, "summary", "")
    if not summary:
        summary = _internal_summary(code) if is_internal(code) else name.replace("-", " ")
    doc = inspect.cleandoc(rule_attr(rules, code, "doc", "") or "") or summary
    severity = rule_attr(rules, code, "severity", first.severity)
    descriptor: dict[str, Any] = {
        "id": code,
        "name": name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": doc},
        "help": {"text": doc, "markdown": doc},
        "defaultConfiguration": {"level": _level(severity)},
    }
    tags = ["alflint"]
    scope = rule_attr(rules, code, "scope", None)
    if scope:
        tags.append(f"scope:{scope}")
    if is_internal(code):
        tags.append("internal")
    descriptor["properties"] = {"tags": tags}
    return descriptor


def _quote(path: str, safe: str) -> str:
    """Percent-encode ``path``; lone surrogates are the undecodable bytes they stand for."""
    try:
        return quote(path, safe=safe, errors="surrogateescape")
    except UnicodeEncodeError:  # a surrogate not from surrogateescape (Windows names): its WTF-8 bytes
        return quote(path, safe=safe, errors="surrogatepass")


def _location(path: str, display: PathDisplay) -> dict[str, Any]:
    rel = display.relative(path)
    if rel is not None:
        artifact = {"uri": _quote(rel, "/"), "uriBaseId": "%SRCROOT%"}
    else:
        absolute = display(path)
        artifact = {"uri": "file://" + _quote(absolute if absolute.startswith("/") else "/" + absolute, "/:")}
    return {"physicalLocation": {"artifactLocation": artifact, "region": {"startLine": 1}}}


def _fingerprint(issue: Issue, path: str) -> str:
    digest = hashlib.sha256("\0".join((issue.code, path, issue.message)).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{digest[:32]}:1"


def document(report: Report, rules: Mapping[str, Any] | None, display: PathDisplay) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dict."""
    pairs = ordered(report, display)
    by_code: dict[str, list[Issue]] = {}
    for issue, _ in pairs:
        by_code.setdefault(issue.code, []).append(issue)
    codes = sorted(by_code)
    index = {code: n for n, code in enumerate(codes)}
    results = []
    for issue, path in pairs:
        result: dict[str, Any] = {
            "ruleId": issue.code,
            "ruleIndex": index[issue.code],
            "level": _level(issue.severity),
            "message": {"text": issue.message},
            "locations": [_location(issue.path, display)],
            "partialFingerprints": {"primaryLocationLineHash": _fingerprint(issue, path)},
        }
        properties = {k: v for k in ("session", "collection", "revision") if (v := getattr(issue, k))}
        if properties:
            result["properties"] = properties
        results.append(result)
    driver = {
        "name": "alflint",
        "version": tool_version(),
        "informationUri": INFORMATION_URI,
        "rules": [rule_descriptor(code, by_code[code], rules) for code in codes],
    }
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "invocations": [{"executionSuccessful": report.internal_errors == 0}],
                "results": results,
            }
        ],
    }


def render(
    report: Report,
    *,
    rules: Mapping[str, Any] | None = None,
    color: bool = False,
    statistics: bool = False,
    display: PathDisplay,
) -> str:
    """The SARIF log: indented JSON, one result per line."""
    return dump_json(document(report, rules, display), records=frozenset({"results"}))
