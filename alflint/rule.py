"""What a rule is: a check function plus its identity (code, name, severity, scope, docs).

Declare a rule by decorating a generator function::

    @rule("ALF104", "object-not-camel-case", "warning", "path")
    def object_not_camel_case(dataset, ctx):
        '''Object names are camelCase.

        **What it checks** ...
        '''
        if ...:
            yield f"object {dataset.parts.object!r} is not camelCase"

The first docstring line is the one-line summary; the whole docstring is the user
documentation ``alflint explain CODE`` prints (what it checks, why it matters, a bad and a
good example). The function receives the target of its scope and a :class:`RuleContext` and
yields messages (about the target's own path) or :class:`Finding` records (another path or
another severity).
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, NamedTuple

from .model import SEVERITIES

__all__ = ["Rule", "Finding", "RuleContext", "rule", "SCOPES", "CRASHES"]

#: What a broken rule or plugin may raise that becomes an issue instead of ending the run:
#: any error, and ``SystemExit`` (a ``sys.exit()`` in a rule used to end a check silently
#: with status 0). ``KeyboardInterrupt`` still stops the run.
CRASHES = (Exception, SystemExit)

#: What a rule looks at: every file, every object, every session, or the whole repository.
SCOPES: tuple[str, ...] = ("path", "object", "session", "repository")

_CODE = re.compile(r"[A-Z]{1,3}[0-9]{3}\Z")
_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*\Z")


class Finding(NamedTuple):
    """A finding about ``path`` (relative to the root); severity ``None`` keeps the rule's."""

    path: str
    message: str
    severity: str | None = None


@dataclass(frozen=True)
class Rule:
    """A rule's identity and its check function."""

    code: str
    name: str
    severity: str
    scope: str
    summary: str
    doc: str
    check: Callable[..., Iterable[Any]] = field(compare=False, repr=False)
    options: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False)
    enabled_by_default: bool = True
    reads_content: bool = False  #: needs file contents (skipped with --no-content)
    origin: str = ""  #: the plugin that contributed it
    #: a path rule whose findings depend only on the file's name and on whether it lies in a
    #: session (and on the rule's options): run once per distinct name, its findings reused
    per_name: bool = False
    #: a cheap test on the file name, ``(name, parts or None, in a session) -> bool``, of a
    #: path rule: the engine asks it once per distinct name and calls the rule only on the
    #: files it accepts
    applies: Callable[[str, Any, bool], bool] | None = field(default=None, compare=False, repr=False)
    #: a path rule that also runs when a load validates the files it reads (object rules and
    #: content rules always do): what it checks is about the data, not the name
    on_load: bool = False

    def __post_init__(self) -> None:
        if not _CODE.match(self.code):
            raise ValueError(f"rule code {self.code!r} must be 1-3 capital letters and 3 digits (e.g. ALF104)")
        if not _NAME.match(self.name):
            raise ValueError(f"rule name {self.name!r} must be kebab-case")
        if self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.code} severity {self.severity!r} must be one of {', '.join(SEVERITIES)}")
        if self.scope not in SCOPES:
            raise ValueError(f"rule {self.code} scope {self.scope!r} must be one of {', '.join(SCOPES)}")
        if not self.summary:
            raise ValueError(f"rule {self.code} needs a docstring: its first line is the summary")
        if self.per_name and (self.scope != "path" or self.reads_content):
            raise ValueError(f"rule {self.code}: per_name suits path rules that read no content")
        if self.applies is not None and self.scope != "path":
            raise ValueError(f"rule {self.code}: applies= is a test on file names, for path rules")

    def default_options(self) -> dict[str, Any]:
        return {k: v["default"] for k, v in self.options.items() if "default" in v}


def rule(
    code: str,
    name: str,
    severity: str,
    scope: str,
    *,
    options: dict[str, dict[str, Any]] | None = None,
    enabled: bool = True,
    content: bool = False,
    per_name: bool = False,
    applies: Callable[[str, Any, bool], bool] | None = None,
    on_load: bool = False,
) -> Callable[[Callable], Rule]:
    """Turn a check function into a :class:`Rule` (the decorated name is bound to the Rule).

    ``options`` maps option names to JSON-Schema fragments with a ``default``; ``enabled=False``
    makes a rule opt-in (select it explicitly); ``content=True`` marks rules that read data.
    ``per_name=True`` promises that a path rule looks at nothing but the file's name (its
    parts, ``dataset.name``), whether ``dataset.session`` is None, and its options: the engine
    then runs it once per distinct name and reports the same findings for every file of that
    name (names repeat in every session). Its findings are about the file itself.
    ``on_load=True`` also runs a path rule when a load validates the files it is about to read.
    """

    def wrap(func: Callable) -> Rule:
        doc = inspect.cleandoc(func.__doc__ or "")
        summary = doc.splitlines()[0].strip() if doc else ""
        return Rule(
            code=code,
            name=name,
            severity=severity,
            scope=scope,
            summary=summary,
            doc=doc,
            check=func,
            options=dict(options or {}),
            enabled_by_default=enabled,
            reads_content=content,
            origin=func.__module__,
            per_name=per_name,
            applies=applies,
            on_load=on_load,
        )

    return wrap


class RuleContext:
    """What a rule may use besides its target: its options, the collection, lazy file facts."""

    __slots__ = ("rule", "options", "collection", "config", "_facts")

    def __init__(self, rule: Rule, options: dict[str, Any], collection: Any, config: Any, facts: Any):
        self.rule = rule
        self.options = options
        self.collection = collection
        self.config = config
        self._facts = facts

    def facts(self, dataset: Any) -> Any:
        """Content facts of a dataset (rows, shape, dtype, ...), read once and cached."""
        return self._facts(dataset)

    def finding(self, path: str, message: str, severity: str | None = None) -> Finding:
        return Finding(path, message, severity)
