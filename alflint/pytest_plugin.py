"""pytest plugin: ``pytest --alf DATA_DIR`` checks ALF data with alflint, one test per session.

Registered through the ``pytest11`` entry point, so it is active wherever alflint is
installed, and inert unless ``--alf`` or the ``alf_paths`` ini option names a folder. For each
folder it adds:

* one test item per session, named by the session path relative to the folder
  (``mainlab/Subjects/KS005/2019-04-01/001``), so ``-k KS005`` selects sessions by path;
* one item ``(outside sessions)`` for files outside sessions and repository-wide issues.

An item fails when its session has errors (with ``alf_strict`` also warnings, like
``alflint check --strict``) or a rule crashed; the failure shows that session's issues as the
text report does. A passing item with warnings or infos keeps them as a report section
("alflint"), shown by ``pytest -rP``. Rules, their selection and options come from the alflint configuration
discovered from the data folder (``alflint.toml`` or ``[tool.alflint]``), exactly as for
``alflint check``; ``--alf-config FILE`` names one explicitly. Passed and failed counts are
pytest's own.

The folder is checked once, lazily, when its first selected item runs. Nothing of alflint is
imported by this module until a data folder is given, so the plugin costs nothing otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

#: The name of the item collecting files outside sessions and repository-wide issues.
OUTSIDE = "(outside sessions)"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("alflint", "ALF data checks (alflint)")
    group.addoption("--alf", action="append", default=[], metavar="DATA_DIR", help="check the ALF data folder DATA_DIR with alflint, one test per session (repeatable)")
    group.addoption("--alf-config", metavar="FILE", default=None, help="alflint configuration file (default: discovered from each data folder)")
    parser.addini("alf_paths", type="paths", default=[], help="ALF data folders alflint checks, one test per session (like --alf)")
    parser.addini("alf_strict", type="bool", default=False, help="warnings fail ALF session tests too (like alflint check --strict)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "alf: an alflint check of one ALF session (added by --alf / alf_paths)")


def _data_dirs(config: pytest.Config) -> list[Path]:
    given = [config.invocation_params.dir / p for p in config.getoption("alf") or ()]
    given += [Path(p) for p in config.getini("alf_paths") or ()]
    seen: dict[Path, None] = {}
    for p in given:
        p = Path(os.path.abspath(p))
        if not p.is_dir():
            raise pytest.UsageError(f"alflint: ALF data folder not found: {p}")
        seen.setdefault(p, None)
    return list(seen)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Add the ALF items before keyword (-k) and mark selection run."""
    folders = _data_dirs(config)
    for folder in folders:
        repository = AlfRepository.from_parent(session, name=_display(folder, config), path=folder, nodeid=_display(folder, config))
        items.extend(repository.collect())


def _display(folder: Path, config: pytest.Config) -> str:
    try:
        rel = folder.relative_to(config.rootpath)
    except ValueError:
        return folder.as_posix()
    return rel.as_posix() if str(rel) != "." else "."


class AlfRepository(pytest.Collector):
    """An ALF data folder: its sessions become items; it is checked once, when first needed."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._engine: Any = None
        self._report: Any = None
        self._by_session: dict[str | None, list[Any]] = {}
        self._session_files: dict[str, int] = {}

    @property
    def engine(self) -> Any:
        if self._engine is None:
            from .engine import Engine
            from .exceptions import ConfigError

            try:
                self._engine = Engine.create(self.path, config=self.config.getoption("alf_config"))
            except ConfigError as exc:
                raise pytest.UsageError(f"alflint: {exc}") from None
        return self._engine

    def collect(self) -> list[pytest.Item]:
        from .collect import collect
        from .engine import _exclusion
        from .walk import walk

        tree = collect(walk(self.path, _exclusion(str(self.path), self.engine.config)))
        self._session_files = {s.key: len(s.datasets) for s in tree.sessions}
        items: list[pytest.Item] = [AlfSessionItem.from_parent(self, name=key, path=self._item_path(key), session_key=key) for key in self._session_files]
        items.append(AlfSessionItem.from_parent(self, name=OUTSIDE, path=self.path, session_key=None))
        return items

    def _item_path(self, key: str) -> Path:
        return Path(key) if os.path.isabs(key) else self.path / key

    def report(self) -> Any:
        """The alflint report of the whole folder (checked on first use, then kept)."""
        if self._report is None:
            self._report = self.engine.check(self.path)
            for issue in self._report.issues:
                self._by_session.setdefault(_owner(issue, self._session_files), []).append(issue)
        return self._report

    def issues_of(self, session_key: str | None) -> list[Any]:
        """The issues of one session (None: outside sessions and repository-wide)."""
        self.report()
        return self._by_session.get(session_key, [])


def _owner(issue: Any, sessions: dict[str, int]) -> str | None:
    """The session an issue belongs to (by its session, else by its path), or None."""
    if issue.session in sessions:
        return issue.session
    if issue.session is None and issue.path != ".":
        for key in sessions:  # an internal issue (a crashed rule) names only the path
            if issue.path == key or issue.path.startswith(key + "/"):
                return key
    return None


class AlfIssues(Exception):
    """Raised by a failing ALF item; carries the text of its issues."""


class AlfSessionItem(pytest.Item):
    """One ALF session (or the files outside sessions) of a data folder."""

    def __init__(self, *, session_key: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session_key = session_key
        self.add_marker("alf")

    def runtest(self) -> None:
        from .model import Report

        repository: AlfRepository = self.parent  # type: ignore[assignment]
        report, issues = repository.report(), repository.issues_of(self.session_key)
        strict = bool(self.config.getini("alf_strict"))
        failing = [i for i in issues if i.severity == "error" or (strict and i.severity == "warning")]
        if not issues:
            return
        files = repository._session_files.get(self.session_key or "", 0)
        part = Report(issues=issues, root=report.root, files_checked=files, sessions_checked=1 if self.session_key else 0)
        text = self._render(part, repository)
        if not failing:  # warnings and infos: shown with -rP (and in JUnit XML), not a failure
            self.add_report_section("call", "alflint", text)
            return
        raise AlfIssues(text)

    def _render(self, part: Any, repository: AlfRepository) -> str:
        from .reporters import render
        from .reporters.text import count_phrase

        text = render(part, "text", rules=repository.engine.rules, cwd=str(self.config.invocation_params.dir))
        body = text.rstrip("\n").rsplit("\n\n", 1)[0]  # the session's block, without the run summary
        counts = count_phrase(part.counts())
        crashed = [i for i in part.issues if i.code.startswith("ALF9")]
        note = "\n\nalflint itself or a plugin failed (ALF9xx): the results may be incomplete." if crashed else ""
        what = self.session_key or "files outside sessions"
        return f"{body}{note}\n\nalflint found {counts} in {what}."

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, AlfIssues):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        what = f"ALF session {self.session_key}" if self.session_key else "ALF files outside sessions"
        return self.path, None, what
