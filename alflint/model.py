"""The records every part of alflint exchanges: severities, issues and the report.

They are small and immutable so they can cross process boundaries (``--jobs``) and be
rendered by any reporter. Nothing here imports pandas or numpy.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from .timing import TimingResult

__all__ = ["SEVERITIES", "Issue", "Report", "severity_rank", "REPORT_VERSION"]

#: Severities, most severe first.
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")

#: Version of the JSON report document (bumped on incompatible changes).
REPORT_VERSION = "1"


def severity_rank(severity: str) -> int:
    """0 for error, 1 for warning, 2 for info (lower is more severe)."""
    return SEVERITIES.index(severity)


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding of one rule about one path.

    ``path`` is POSIX and relative to the checked root when below it. ``session`` is the
    session path relative to the root (``lab/Subjects/subject/date/number``) when the path is
    inside a session; ``collection`` and ``revision`` are set where known (``''`` for none).
    """

    code: str
    name: str
    severity: str
    path: str
    message: str
    session: str | None = None
    collection: str | None = None
    revision: str | None = None

    def sort_key(self) -> tuple:
        return (self.session or "", self.path, self.code, self.message)

    def __reduce__(self) -> tuple:
        # issues cross process boundaries and live in the result cache by the thousand: the
        # default of a slotted dataclass pickles through dataclasses.fields() on every issue
        return (Issue, (self.code, self.name, self.severity, self.path, self.message, self.session, self.collection, self.revision))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Issue":
        fields = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in fields})


@dataclass
class Report:
    """The outcome of a check: the issues, what was checked and how long it took.

    ``ok`` is True when there is no error (and no internal failure); ``strict`` callers also
    look at ``warnings``.
    """

    issues: list[Issue] = field(default_factory=list)
    root: str | None = None
    files_checked: int = 0
    sessions_checked: int = 0
    sessions: list[str] = field(default_factory=list)
    duration: float = 0.0
    internal_errors: int = 0
    #: where the time went (phases, rules, content reads), when the check was asked to time itself
    timing: TimingResult | None = None

    def extend(self, issues: Iterable[Issue]) -> None:
        self.issues.extend(issues)

    def sort(self) -> None:
        self.issues.sort(key=Issue.sort_key)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def infos(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "info"]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.internal_errors

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in SEVERITIES}
        for issue in self.issues:
            out[issue.severity] = out.get(issue.severity, 0) + 1
        return out

    def summary(self) -> dict[str, Any]:
        return {
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "infos": len(self.infos),
            "files_checked": self.files_checked,
            "sessions_checked": self.sessions_checked,
            "duration_seconds": round(self.duration, 3),
            "internal_errors": self.internal_errors,
        }
