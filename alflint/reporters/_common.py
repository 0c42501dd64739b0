"""What every reporter shares: display paths, a stable issue order, rule metadata, escaping.

Issue paths are relative to ``Report.root``; users want them relative to where they ran the
command (clickable in a terminal, matching CI annotations), so every reporter resolves them
through :class:`PathDisplay`. Nothing here imports more than the standard library.

A file name that is not valid UTF-8 reaches the reporters as a ``str`` holding lone
surrogates (Python's ``surrogateescape``: byte 0xE9 is ``'\\udce9'``), which no UTF-8
output can carry as is: :func:`escape_controls` shows such a byte as ``\\xe9``, and
:func:`dump_json` writes it as the JSON escape ``\\udce9``, which ``json.loads`` restores.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Iterable, Mapping

from ..model import SEVERITIES, Issue, Report

#: Codes reserved for failures of alflint itself (a crashing rule, a broken plugin).
_INTERNAL = re.compile(r"ALF9[0-9]{2}\Z")
#: What :func:`escape_controls` escapes: C0 and C1 controls, the bidirectional controls
#: that can make a name read differently from what it is ("Trojan Source"), and lone
#: surrogates (undecodable bytes of a file name).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class ReportLoadError(ValueError):
    """A document is not an alflint JSON report this version can read."""


def is_internal(code: str) -> bool:
    """True for ALF900-ALF999: problems of alflint or a plugin, not of the data."""
    return bool(_INTERNAL.match(code or ""))


def tool_version() -> str:
    """alflint's version, read at call time (tests may patch it)."""
    from .. import _version

    return _version.__version__


def severity_order(severity: str) -> int:
    """Rank like :func:`alflint.model.severity_rank`, unknown severities last."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def plural(n: int, word: str) -> str:
    """``1 error``, ``2 errors``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def escape_controls(text: str) -> str:
    """Make ``text`` one printable, valid line: control characters become ``\\n``, ``\\x07``,
    bidirectional controls ``\\u202e``, an undecodable byte of a file name ``\\xe9``."""
    if _CONTROL.search(text) is None:  # nearly every path and message: no copy, no callback
        return text
    return _CONTROL.sub(_escaped, text)


def escape_undecodable(text: str) -> str:
    """``text`` with its lone surrogates escaped as by :func:`escape_controls`, nothing else."""
    if _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub(_escaped, text)


def escape_char(ch: str) -> str:
    """The escape of one character: ``\\n``, ``\\x07``, ``\\u202e``; a surrogate from
    ``surrogateescape`` (U+DC80-U+DCFF) is the byte it stands for, ``\\xe9``."""
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x80:
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch, f"\\x{code:02x}")
    return f"\\u{code:04x}"  # \u0085, not \x85: that would read as an undecodable byte


def _escaped(m: re.Match[str]) -> str:
    return escape_char(m.group())


class PathDisplay:
    """Turn root-relative issue paths into what users see.

    A path is shown POSIX-style relative to ``cwd`` when it lies below ``cwd`` (``.`` for
    ``cwd`` itself), else absolute. With no root, issue paths are taken relative to ``cwd``.
    """

    def __init__(self, root: str | None, cwd: str | None = None):
        self.cwd = os.path.abspath(cwd if cwd is not None else os.getcwd())
        self.root = None if root is None else os.path.normpath(os.path.join(self.cwd, root))
        #: The root as displayed, when below cwd: lets plain relative paths skip os.path.
        self._prefix: str | None = None
        self._prefix = self.relative(".") if self.root is not None else "."

    def absolute(self, path: str | None) -> str:
        """The native absolute path of a root-relative (or absolute) ``path``."""
        base = self.root if self.root is not None else self.cwd
        return os.path.normpath(os.path.join(base, path)) if path else base

    def relative(self, path: str | None) -> str | None:
        """The POSIX path relative to ``cwd``, or None when ``path`` is not below ``cwd``."""
        if self._prefix is not None and path and _plain(path):
            return path if self._prefix == "." else f"{self._prefix}/{path}"
        target = self.absolute(path)
        try:
            rel = os.path.relpath(target, self.cwd)
        except ValueError:  # another drive on Windows
            return None
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            return None
        return rel.replace(os.sep, "/")

    def __call__(self, path: str | None) -> str:
        rel = self.relative(path)
        return rel if rel is not None else self.absolute(path).replace(os.sep, "/")


def _plain(path: str) -> bool:
    """True for a normalised relative POSIX path (joining it to a folder needs no os.path)."""
    if path.startswith("/") or path.endswith("/") or "//" in path or path == ".":
        return False
    if "./" in path or path.endswith("/.") or ".." in path:
        return False
    return not (os.name == "nt" and ("\\" in path or ":" in path))


def dump_json(value: Any, records: frozenset[str] = frozenset()) -> str:
    """JSON indented by two spaces, except that each item of a list under a key in
    ``records`` is written on one line: readable, greppable one record per line, and fast
    (the C encoder writes each record). Non-ASCII characters are kept, except lone
    surrogates: written as ``\\udce9`` escapes, so the document is valid UTF-8 and
    ``json.loads`` gives the same string back."""

    def compact(v: Any) -> str:
        return json.dumps(v, ensure_ascii=False, separators=(", ", ": "))

    def encode(v: Any, level: int, key: str | None = None) -> str:
        pad, end = "  " * (level + 1), "  " * level
        if isinstance(v, dict) and v:
            body = ",\n".join(f"{pad}{compact(k)}: {encode(x, level + 1, k)}" for k, x in v.items())
            return "{\n" + body + "\n" + end + "}"
        if isinstance(v, list) and v:
            if key in records:
                body = ",\n".join(pad + compact(x) for x in v)
            else:
                body = ",\n".join(pad + encode(x, level + 1) for x in v)
            return "[\n" + body + "\n" + end + "]"
        return compact(v)

    text = encode(value, 0) + "\n"
    if _SURROGATE.search(text) is None:
        return text
    # json.dumps(ensure_ascii=False) leaves lone surrogates raw; they can only be inside strings
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def ordered(report: Report, display: PathDisplay) -> list[tuple[Issue, str]]:
    """Issues with their display path, outside-session issues first, then by session, path,
    severity, code and message, so every format lists them in one reproducible order."""
    pairs = [(issue, display(issue.path)) for issue in report.issues]
    pairs.sort(key=lambda p: (p[0].session or "", p[1], severity_order(p[0].severity), p[0].code, p[0].message))
    return pairs


def rule_attr(rules: Mapping[str, Any] | None, code: str, attr: str, default: Any = None) -> Any:
    """``rules[code].attr`` when the catalogue knows the code and the attribute, else ``default``."""
    if not rules:
        return default
    info = rules.get(code)
    value = getattr(info, attr, None) if info is not None else None
    return default if value in (None, "") else value


def codes_in(issues: Iterable[Issue]) -> list[str]:
    """The distinct codes, sorted."""
    return sorted({i.code for i in issues})
