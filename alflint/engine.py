"""The rule engine: load plugins and configuration, collect the tree, run rules by scope.

``check(paths)`` is the public entry point. Each rule sees only the targets of its scope
(every file, every object, every session, the repository). A rule that raises becomes an
``ALF900`` issue naming the rule and the path, and the run goes on; a plugin that fails to
import becomes ``ALF901``. Either makes the run "internally failed" (exit status 2).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from ._interrupts import abortable, forked_pool, interrupts_deferred
from .collect import AlfObject, Collection, Dataset, Session, collect
from .config import IGNORE_FILE, Config, Decider, load_config
from .exceptions import ConfigError
from .gctune import rare_collections
from .model import Issue, Report
from .plugin.host import Plugins, load_plugins
from .rule import CRASHES, Finding, Rule, RuleContext
from . import timing
from .walk import FileEntry, Walk, walk

if TYPE_CHECKING:
    from .unchanged import PreviousFiles  # imports numpy: never on the hook's path

__all__ = ["check", "check_files", "Engine", "INTERNAL_CODES", "load_rules"]

#: Reserved codes for problems of alflint itself rather than of the data.
INTERNAL_CODES = {
    "ALF900": ("rule-crashed", "A rule raised an exception; the rule is broken, not necessarily the data."),
    "ALF901": ("plugin-failed", "A plugin (rule pack) could not be loaded; its rules did not run."),
    "ALF902": ("duplicate-rule-code", "Two plugins declare the same rule code; the second was ignored."),
}


def load_rules(plugins: Plugins) -> tuple[dict[str, Rule], list[Issue]]:
    """All rules of all registered plugins by code, and issues for registration problems."""
    rules: dict[str, Rule] = {}
    problems: list[Issue] = []
    # registration order (built-in first): a later plugin cannot take over an existing code
    for impl in plugins.manager.hook.alflint_rules.get_hookimpls():
        plugin_name = plugins.manager.get_name(impl.plugin) or "?"
        try:
            contributed = impl.function() or []
        except CRASHES as exc:
            problems.append(_internal("ALF901", ".", f"plugin {plugin_name!r} failed to list its rules: {type(exc).__name__}: {exc}"))
            continue
        for r in contributed:
            if not isinstance(r, Rule):
                problems.append(_internal("ALF901", ".", f"plugin {plugin_name!r} returned {r!r}, not a Rule (decorate it with @rule)"))
                continue
            if r.code in rules:
                problems.append(_internal("ALF902", ".", f"rule code {r.code} of plugin {plugin_name!r} ({r.name}) is already used by {rules[r.code].name}; ignored"))
                continue
            rules[r.code] = r
    extra: dict[str, dict[str, Any]] = {}
    for contributed in plugins.manager.hook.alflint_rule_options():
        for key, options in (contributed or {}).items():
            extra.setdefault(key, {}).update(options)
    for code, r in list(rules.items()):
        more = {**extra.get(r.code, {}), **extra.get(r.name, {})}
        if more:  # options a plugin adds to a rule it does not own; the rule's own win
            rules[code] = dataclasses.replace(r, options={**more, **r.options})
    return dict(sorted(rules.items())), problems


def _with_plugin_defaults(cfg: Config, plugins: Plugins) -> Config:
    """The configuration with defaults from ``alflint_default_config`` merged under it.

    List keys (``extend-select``, ``exclude``, ``ignore``, ``packs``) are extended; table keys
    (``severity``, ``per-path-ignores``, ``rules``) gain entries the user did not set.
    """
    defaults = [d for d in plugins.manager.hook.alflint_default_config() if d]
    if not defaults:
        return cfg
    cfg = copy.deepcopy(cfg)
    for d in defaults:
        for key in ("extend-select", "exclude", "ignore", "packs"):
            target = getattr(cfg, key.replace("-", "_"))
            target.extend(v for v in d.get(key, ()) if v not in target)
        for key in ("severity", "per-path-ignores", "rules"):
            target = getattr(cfg, key.replace("-", "_"))
            for k, v in d.get(key, {}).items():
                target.setdefault(k, v)
    return cfg


def _internal(code: str, path: str, message: str) -> Issue:
    return Issue(code, INTERNAL_CODES[code][0], "error", path, message)


@dataclass
class Engine:
    """A configured rule engine, reusable over several collections."""

    config: Config
    rules: dict[str, Rule]
    decider: Decider
    content: bool = True
    setup_issues: list[Issue] = field(default_factory=list)
    plugins: Plugins | None = None
    crashes: int = 0
    timing: bool = False  #: time phases, rules and content reads (``Report.timing``; ``--timing``)

    @classmethod
    def create(
        cls,
        start: str | os.PathLike = ".",
        *,
        config: str | os.PathLike | Config | None = None,
        select: Sequence[str] | None = None,
        extend_select: Sequence[str] | None = None,
        ignore: Sequence[str] | None = None,
        severity: dict[str, str] | None = None,
        content: bool | None = None,
    ) -> "Engine":
        cfg = config if isinstance(config, Config) else load_config(config, start=start)
        plugins = load_plugins(cfg.plugins, cfg.directory)
        cfg = _with_plugin_defaults(cfg, plugins)
        rules, problems = load_rules(plugins)
        problems = [_internal("ALF901", ".", e.message) for e in plugins.errors] + problems
        chosen = list(select) if select is not None else list(cfg.select)
        chosen += list(cfg.extend_select) + list(extend_select or ())
        decider = Decider(chosen, list(cfg.ignore) + list(ignore or ()), {**cfg.severity, **(severity or {})})
        _check_selectors(chosen + decider.ignore, rules, cfg)
        if not problems:  # a plugin that failed to load explains its codes' absence itself (ALF901)
            given = {*(select or ()), *(extend_select or ())}
            _check_selected_codes(chosen, rules, lambda s: "--select/--extend-select" if s in given else str(cfg.path or "options"))
        _check_rule_sections(rules, cfg)
        engine = cls(cfg, rules, decider, cfg.content if content is None else content, problems, plugins)
        plugins.manager.hook.alflint_configure(config=cfg)
        return engine

    @property
    def active(self) -> list[Rule]:
        return [r for r in self.rules.values() if self.decider.enabled(r) and (self.content or not r.reads_content)]

    def options_for(self, rule: Rule) -> dict[str, Any]:
        options = rule.default_options()
        for key in (rule.code, rule.name):
            options.update(self.config.rules.get(key, {}))
        unknown = set(options) - set(rule.options)
        if unknown:
            raise ConfigError(f"{self.config.path}: unknown option {sorted(unknown)[0]!r} for rule {rule.code} ({rule.name}); options: {', '.join(sorted(rule.options)) or 'none'}")
        return options

    # -- running ------------------------------------------------------------------------------

    def check(self, paths: str | os.PathLike | Sequence[str | os.PathLike] = ".", *, jobs: int = 1, progress: bool = False, cache: bool = False) -> Report:
        """Check files or folders with this engine (see :func:`check`).

        With ``cache``, session folders unchanged since the previous cached run of the same
        folder and configuration are not checked again (see :mod:`alflint.cache`)."""
        return _check(self, paths, jobs=jobs, progress=progress, cache=cache)

    def check_records(self, root: str | os.PathLike, *, jobs: int = 1, progress: bool = False, cache: bool = False,
                      meanwhile: Callable[[], Any] | None = None, previous: PreviousFiles | None = None,
                      folder_times: dict[str, int] | None = None) -> tuple[Report, list[tuple]]:
        """Check a whole folder and also return compact session records for table rows
        (see :func:`alflint.partition.records_of`); large trees are split over ``jobs``.
        ``meanwhile`` is called once while worker processes check (e.g. an import the
        caller needs next); it must not fork. With ``previous`` (the files of the previous
        tables), only files that changed since are checked, with their objects and
        sessions, and only what they touch is reported; ``files_checked`` counts them.
        ``folder_times``, a dict, is filled with the folder times a split check noted
        (:attr:`alflint.partition.Share.folder_times`; nothing for a tree too small to split)."""
        records: list[tuple] = []
        report = _check(self, [root], jobs=jobs, progress=progress, records=records, cache=cache, meanwhile=meanwhile, previous=previous,
                        folder_times=folder_times)
        return report, records

    def check_tree(self, root: str | os.PathLike, *, jobs: int = 1, progress: bool = False) -> tuple[Report, Collection]:
        """Check a whole folder and also return what was collected (for indexing)."""
        collections: list[Collection] = []
        report = _check(self, [root], collections, jobs=jobs, progress=progress)
        return report, collections[0]

    def run(
        self,
        collection: Collection,
        *,
        jobs: int = 1,
        progress: Callable[[int], None] | None = None,
        only: Callable[[Rule], bool] | None = None,
        targets: set[str] | None = None,
    ) -> list[Issue]:
        """Run every active rule over ``collection``; returns the issues (unsorted).

        ``targets`` (report paths, see ``_touched``) limits path and object rules to those
        files and objects, and session rules to their sessions, and only issues at those
        paths are returned: checking given files needs their sessions as context, but not
        every rule run on every sibling.

        Sessions are independent units (their files, objects and the session itself), so with
        ``jobs > 1`` they are checked in forked worker processes; files outside sessions and
        repository rules run here. Crashed rules are counted in ``self.crashes``.
        """
        runner = _Runner(self, collection, only, targets)
        sessions = collection.sessions
        if jobs > 1 and len(sessions) > 1 and len(collection.datasets) >= PARALLEL_MIN_FILES and _can_fork():
            from .partition import max_workers

            global _FORKED
            workers = min(jobs, len(sessions), max_workers())  # every worker is forked at once: no idle ones
            chunks = [list(range(i, len(sessions), workers * 4)) for i in range(min(workers * 4, len(sessions)))]
            _FORKED = (runner, chunks)
            try:
                with forked_pool(workers) as pool:
                    with interrupts_deferred():  # not within the pool's locks
                        results = pool.map(_run_chunk, range(len(chunks)))  # submits every chunk now
                    for found, crashed, done, timings in results:
                        runner.issues += found
                        runner.crashes += crashed
                        if timings is not None:
                            timing.current().merge(timings)  # type: ignore[union-attr]
                        if progress is not None:
                            progress(done)
            finally:
                _FORKED = None
        else:
            with timing.phase(RULES_PHASE):
                for session in sessions:
                    runner.session(session)
                    if progress is not None:
                        progress(1)
        with timing.phase(RULES_PHASE, 0):
            outside = [d for d in collection.datasets if d.session is None and (targets is None or d.rel in targets)]
            runner.apply_path(outside)
            runner.apply("repository", [collection])
        self.crashes = runner.crashes
        if targets is not None:
            return [i for i in runner.issues if i.path in targets]
        return runner.issues

    def _issue(self, r: Rule, target: Any, found: Any, by_rel: dict[str, Dataset]) -> Issue:
        if isinstance(found, Finding):
            path, message, severity = found
        else:
            path, message, severity = _target_path(target), str(found), None
        where = by_rel.get(path, target)
        session, collection_name, revision = _location(where)
        if session is None and isinstance(target, Collection) and path != ".":
            session = _enclosing_session(target, path)  # e.g. a broken symlink inside a session
        return Issue(r.code, r.name, severity or self.decider.severity_of(r), path, message, session, collection_name, revision)


#: The phase of ``--timing`` that holds the rules, the content reads and the engine's own
#: work between them (its calls: the runs of the rules over a collection, or part of one).
RULES_PHASE = "rules and reads"

#: Distinct file names whose per-name rule outcomes one run remembers at most.
_NAME_MEMO_SIZE = 200_000

#: Below this many files a check stays in one process (forking costs more than it saves).
PARALLEL_MIN_FILES = 2000
_FORKED: Any = None


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


@abortable
def _run_chunk(index: int) -> tuple[list[Issue], int, int, Any]:
    """Worker side of a parallel run: check one chunk of sessions (state inherited by fork)."""
    runner, chunks = _FORKED
    timings = timing.worker_timings()  # the runner's timed rules note this chunk's time in it
    runner.issues, runner.crashes = [], 0
    with timing.phase(RULES_PHASE):
        for i in chunks[index]:
            runner.session(runner.sessions[i])
    return runner.issues, runner.crashes, len(chunks[index]), timings


class _Runner:
    """Applies the active rules of each scope to targets, turning findings and crashes into issues."""

    def __init__(self, engine: "Engine", collection: Collection, only: Callable[[Rule], bool] | None = None, targets: set[str] | None = None):
        from .facts import facts_reader

        self.read = facts_reader()
        self.engine = engine
        self.sessions = collection.sessions
        self.by_rel = {d.rel: d for d in collection.datasets}
        self.by_scope: dict[str, list[tuple[Rule, RuleContext]]] = {s: [] for s in ("path", "object", "session", "repository")}
        self.per_name: list[tuple[Rule, RuleContext]] = []
        for r in engine.active:
            if only is not None and not only(r):
                continue
            pair = (r, RuleContext(r, engine.options_for(r), collection, engine.config, self.read))
            (self.per_name if r.per_name else self.by_scope[r.scope]).append(pair)
        #: by (file name, outside any session): the per-name rules' outcome and the other path
        #: rules that apply to that name
        self.name_memo: dict[tuple[str, bool], tuple[tuple, list]] = {}
        self.issues: list[Issue] = []
        self.crashes = 0
        self.targets = targets
        if timing.current() is not None:
            self._time_rules()

    def _time_rules(self) -> None:
        """Note the time of every rule and content read in the timings being recorded when
        they run (:func:`alflint.timing.current`: a forked worker's change with each chunk,
        and the rules stay wrapped, so the per-name memo lasts as it does untimed)."""
        read = timing.timed_reader(self.read)

        def timed(pairs: list[tuple[Rule, RuleContext]]) -> list[tuple[Rule, RuleContext]]:
            out = []
            for r, ctx in pairs:
                ctx._facts = read
                out.append((_TimedRule(r, timing.timed_check(r.check, f"{r.code} {r.name}")), ctx))
            return out

        self.per_name = timed(self.per_name)
        self.by_scope = {scope: timed(pairs) for scope, pairs in self.by_scope.items()}

    def session(self, session: Session) -> None:
        datasets, objects = session.datasets, session.objects
        if self.targets is not None:
            datasets = [d for d in datasets if d.rel in self.targets]
            objects = [o for o in objects if _target_path(o) in self.targets]
            if not datasets and not objects and session.key not in self.targets:
                return  # none of its findings would be reported (index --update: most sessions)
        self.apply_path(datasets)
        self.apply("object", objects)
        self.apply("session", (session,))

    def apply_path(self, datasets: Iterable[Dataset]) -> None:
        """Run the path rules on each dataset.

        What depends on the file name alone is decided once per distinct name (names repeat
        in every session): the findings of per-name rules, replayed for every file of that
        name, and which other path rules apply (their ``applies`` test on the name).
        """
        memo, make, issues, by_rel = self.name_memo, self.engine._issue, self.issues, self.by_rel
        for dataset in datasets:
            rel_path = dataset.rel_path
            key = (rel_path[rel_path.rfind("/") + 1:], dataset.session is None)
            entry = memo.get(key)
            if entry is None:
                if len(memo) >= _NAME_MEMO_SIZE:  # a repository of unique names: bound memory
                    memo.clear()
                entry = memo[key] = (self._per_name_outcome(dataset), self._applicable(key[0], dataset))
            outcome, rules = entry
            for r, found, crash in outcome:
                if crash is not None:
                    self.crashes += 1
                    issues.append(_internal("ALF900", dataset.rel, crash))
                for item in found:
                    if isinstance(item, Finding):  # about the file itself, whatever path it names
                        item = Finding(dataset.rel, item.message, item.severity)
                    issues.append(make(r, dataset, item, by_rel))
            for r, ctx in rules:
                try:
                    for found in r.check(dataset, ctx) or ():
                        issues.append(make(r, dataset, found, by_rel))
                except CRASHES as exc:  # a broken rule must not abort the run
                    self.crashes += 1
                    issues.append(_internal("ALF900", dataset.rel, f"rule {r.code} ({r.name}) crashed: {type(exc).__name__}: {exc}"))

    def _applicable(self, name: str, dataset: Dataset) -> list[tuple[Rule, RuleContext]]:
        """The path rules (not per-name) whose ``applies`` test accepts this file name."""
        in_session = dataset.session is not None
        out = []
        for r, ctx in self.by_scope["path"]:
            if r.applies is not None:
                try:
                    if not r.applies(name, dataset.parts, in_session):
                        continue
                except CRASHES:  # the rule itself will crash and say why
                    pass
            out.append((r, ctx))
        return out

    def _per_name_outcome(self, dataset: Dataset) -> tuple:
        """``(rule, findings, crash message or None)`` of each per-name rule that said anything."""
        outcome = []
        for r, ctx in self.per_name:
            try:
                found = tuple(r.check(dataset, ctx) or ())
                crash = None
            except CRASHES as exc:  # a broken rule must not abort the run
                found, crash = (), f"rule {r.code} ({r.name}) crashed: {type(exc).__name__}: {exc}"
            if found or crash is not None:
                outcome.append((r, found, crash))
        return tuple(outcome)

    def apply(self, scope: str, targets: Iterable[Any]) -> None:
        active = self.by_scope[scope]
        if not active:
            return
        make = self.engine._issue
        for target in targets:
            for r, ctx in active:
                try:
                    for found in r.check(target, ctx) or ():
                        self.issues.append(make(r, target, found, self.by_rel))
                except CRASHES as exc:  # a broken rule must not abort the run
                    self.crashes += 1
                    self.issues.append(_internal("ALF900", _target_path(target), f"rule {r.code} ({r.name}) crashed: {type(exc).__name__}: {exc}"))


class _TimedRule:
    """A rule whose check is timed; everything else is the rule's own."""

    __slots__ = ("untimed", "check")

    def __init__(self, rule: Rule, check: Callable[..., Any]):
        self.untimed, self.check = rule, check

    def __getattr__(self, name: str) -> Any:
        return getattr(self.untimed, name)


def _enclosing_session(collection: Collection, path: str) -> str | None:
    """The key of the session folder that contains ``path`` (relative to the root), if any."""
    keys = {s.key for s in collection.sessions}
    parts = path.split("/")
    for end in range(len(parts), 0, -1):
        if "/".join(parts[:end]) in keys:
            return "/".join(parts[:end])
    return None


def _target_path(target: Any) -> str:
    if isinstance(target, Dataset):
        return target.rel
    if isinstance(target, AlfObject):
        first = target.datasets[0].rel if target.datasets else target.folder + "/x"
        folder = first.rpartition("/")[0]
        ns = f"_{target.namespace}_" if target.namespace else ""
        return f"{folder}/{ns}{target.name}.*" if folder else f"{ns}{target.name}.*"
    if isinstance(target, Session):
        return target.key
    return "."


def _location(target: Any) -> tuple[str | None, str | None, str | None]:
    if isinstance(target, Dataset):
        if target.session is None:
            return None, None, None
        return target.session.key, target.collection or "", target.revision or ""
    if isinstance(target, AlfObject):
        return target.session.key, target.collection, target.revision
    if isinstance(target, Session):
        return target.key, None, None
    return None, None, None


def _check_rule_sections(rules: dict[str, Rule], cfg: Config) -> None:
    """Every ``[rules.X]`` names a known rule and only its options, selected or not: a typo must not pass silently."""
    by_key = {**{r.name: r for r in rules.values()}, **rules}
    for key, options in cfg.rules.items():
        r = by_key.get(key)
        if r is None:
            raise ConfigError(f"{cfg.path}: unknown rule {key!r} in [rules] (a rule code or name; see `alflint rules`)")
        unknown = sorted(set(options) - set(r.options))
        if unknown:
            raise ConfigError(f"{cfg.path}: unknown option {unknown[0]!r} for rule {r.code} ({r.name}); options: {', '.join(sorted(r.options)) or 'none'}")


def _check_selectors(selectors: Iterable[str], rules: dict[str, Rule], cfg: Config) -> None:
    names = {r.name for r in rules.values()}
    for s in selectors:
        if s[:1].islower() and s not in names:
            raise ConfigError(f"{cfg.path or 'options'}: unknown rule name {s!r} in select/ignore (see `alflint rules`)")


def _check_selected_codes(chosen: list[str], rules: dict[str, Rule], where: Callable[[str], str]) -> None:
    """A selection that runs no rule, or a code (prefix) no rule has, is an error, not a
    check that passes because nothing ran (``--select XYZ999``, ``--select ,``), as in ruff.
    A rule pack's codes exist only once it is installed, so this also says one is missing.
    Ignoring an unknown code stays harmless. ``where(selector)`` names its origin."""
    if not chosen:
        raise ConfigError("--select: no rule selected, so nothing would be checked (see `alflint rules`)")
    for s in chosen:
        if s != "ALL" and not s[:1].islower() and not any(code.startswith(s) for code in rules):
            raise ConfigError(f"{where(s)}: {s!r} in select matches no rule code: a typo, or a rule pack "
                              "that is not installed (see `alflint rules`)")


def _exclusion(root: str, config: Config) -> Callable[[str, bool], bool] | None:
    """A matcher for ``exclude`` globs and ``.alflintignore`` lines (gitignore syntax), or None.

    Patterns are relative to the folder that declares them (the configuration's folder for
    ``exclude``, the ignore file's folder for its lines), as in ``.gitignore``: checking a
    file walks only its session folder, and must exclude what checking the repository does.
    """
    groups: dict[str, list[str]] = {}
    sources: dict[str, list[tuple[str, list[str]]]] = {}  # where each group's lines come from, for errors
    if config.exclude:
        groups.setdefault(_offset(root, config.directory), []).extend(config.exclude)
        sources.setdefault(_offset(root, config.directory), []).append((f"exclude in {config.path or 'options'}", list(config.exclude)))
    for folder in _ignore_file_folders(root, config):
        path = os.path.join(folder, IGNORE_FILE)
        try:
            with open(path, encoding="utf-8") as fh:
                lines = fh.read().splitlines()
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        groups.setdefault(_offset(root, folder), []).extend(lines)
        sources.setdefault(_offset(root, folder), []).append((path, lines))
    groups = {o: lines for o, lines in groups.items() if any(line.strip() and not line.startswith("#") for line in lines)}
    if not groups:
        return None
    import pathspec  # a maintained gitignore matcher; imported only when patterns exist

    matchers = []
    for offset, lines in groups.items():
        try:
            matchers.append((offset, pathspec.GitIgnoreSpec.from_lines(lines)))
        except ValueError:  # pathspec's GitIgnorePatternError: say which line of which file
            raise ConfigError(_bad_pattern(sources[offset])) from None
    if len(matchers) == 1 and not matchers[0][0]:
        matcher = matchers[0][1]
        return lambda rel, is_dir: matcher.match_file(rel + "/" if is_dir else rel)
    return lambda rel, is_dir: any(m.match_file(o + rel + "/" if is_dir else o + rel) for o, m in matchers)


def _bad_pattern(sources: list[tuple[str, list[str]]]) -> str:
    """The message for the first line of ``(source, lines)`` that is no gitignore pattern."""
    import pathspec

    for source, lines in sources:
        for number, line in enumerate(lines, 1):
            try:
                pathspec.GitIgnoreSpec.from_lines([line])
            except ValueError as exc:
                where = f"{source}, line {number}" if source.endswith(IGNORE_FILE) else source
                return f"{where}: {line!r} is not a gitignore pattern ({exc})"
    return "an exclude pattern is not a gitignore pattern"  # pragma: no cover - only a whole group failed


def _offset(root: str, base: str | None) -> str:
    """``root`` relative to ``base`` as a prefix (``'a/b/'``), or '' when root is not below base."""
    if not base:
        return ""
    base = os.path.abspath(base)
    if root == base or not root.startswith(base.rstrip(os.sep) + os.sep):
        return ""
    return os.path.relpath(root, base).replace(os.sep, "/") + "/"


def _ignore_file_folders(root: str, config: Config) -> list[str]:
    """Folders whose ``.alflintignore`` applies to a walk of ``root``: root and its parents up to
    the configuration's folder (or, without one above root, the top of the git work tree)."""
    inside = config.directory is not None and (os.path.abspath(config.directory) == root or bool(_offset(root, config.directory)))
    top = os.path.abspath(config.directory) if inside else None  # type: ignore[arg-type]
    folders, here = [], root
    while True:
        folders.append(here)
        if top is not None and here == top:
            break
        if top is None and os.path.exists(os.path.join(here, ".git")):
            break
        parent = os.path.dirname(here)
        if parent == here:
            folders = [root] if top is None else folders  # no repository above: the root only
            break
        here = parent
    if config.directory and config.directory not in folders:
        folders.append(config.directory)
    return [f for f in folders if os.path.isfile(os.path.join(f, IGNORE_FILE))]


def _per_path_filter(config: Config, root: str | None = None) -> Callable[[Issue], bool] | None:
    if not config.per_path_ignores:
        return None
    import pathspec

    entries = [(pathspec.GitIgnoreSpec.from_lines([glob]), codes) for glob, codes in config.per_path_ignores.items()]
    matches = Decider.matches  # as select and --ignore match
    # globs are relative to the configuration's folder; issue paths to the report's root
    offset = _offset(root, config.directory) if root else ""

    def keep(issue: Issue) -> bool:
        path = (offset.rstrip("/") or ".") if issue.path == "." else offset + issue.path
        for matcher, codes in entries:
            if matcher.match_file(path) and matches(issue.code, issue.name, codes):
                return False
        return True

    return keep


def check(
    paths: str | os.PathLike | Sequence[str | os.PathLike] = ".",
    *,
    config: str | os.PathLike | Config | None = None,
    select: Sequence[str] | None = None,
    extend_select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    severity: dict[str, str] | None = None,
    content: bool | None = None,
    jobs: int = 1,
    cache: bool = False,
    timing: bool = False,
) -> Report:
    """Check files or folders and return a :class:`Report`.

    Folders are walked whole. A file is checked in the context of its whole session (object
    and session rules need its siblings), but only issues about the objects and sessions the
    given files belong to are kept. Options override the discovered configuration. With
    ``timing``, ``report.timing`` says where the time went (see :mod:`alflint.timing`).
    """
    abs_paths = _absolute(paths)
    engine = Engine.create(abs_paths[0], config=config, select=select, extend_select=extend_select, ignore=ignore, severity=severity, content=content)
    engine.timing = timing
    return engine.check(abs_paths, jobs=jobs, cache=cache)


def check_files(root: str | os.PathLike, files: Sequence[str], *, config: str | os.PathLike | None = None) -> Report:
    """Run the object and content rules on exactly ``files`` (POSIX paths relative to ``root``).

    This is "validate, then load": only the given files are read, grouped into their objects,
    and only rules about objects or file contents run, with the path rules declared
    ``on_load`` (an empty file); names were checked when indexing.
    """
    started = time.perf_counter()
    root = os.path.abspath(os.fspath(root))
    engine = _cached_engine(root, None if config is None else os.path.abspath(os.fspath(config)))
    entries = []
    for rel in files:
        st = os.stat(os.path.join(root, rel))
        entries.append(FileEntry(rel, st.st_size, st.st_mtime_ns))
    dirs = sorted({e.rel.rpartition("/")[0] for e in entries})
    collection = collect(Walk(root=root, files=entries, dirs=dirs))
    report = Report(root=root)
    report.issues = engine.run(collection, only=lambda r: r.scope == "object" or r.reads_content or r.on_load)
    report.internal_errors = engine.crashes  # a broken third-party pack must not block loading
    report.files_checked = len(collection.datasets)
    report.sessions = [s.key for s in collection.sessions]
    report.sessions_checked = len(report.sessions)
    report.sort()
    report.duration = time.perf_counter() - started
    return report


@functools.lru_cache(maxsize=8)
def _cached_engine(root: str, config: str | None) -> "Engine":
    return Engine.create(root, config=config)


def _absolute(paths: str | os.PathLike | Sequence[str | os.PathLike]) -> list[str]:
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    abs_paths = [os.path.abspath(os.fspath(p)) for p in paths] or [os.path.abspath(".")]
    for p in abs_paths:
        if not os.path.lexists(p):
            raise FileNotFoundError(f"no such file or folder: {p}")
    return abs_paths


def _check(engine: "Engine", paths: str | os.PathLike | Sequence[str | os.PathLike], collections: list | None = None, **options: Any) -> Report:
    """:func:`_check_paths`, recording where the time went when the engine is asked to."""
    with timing.recording(engine.timing) as timings:
        report = _check_paths(engine, paths, collections, **options)
    if timings is not None:
        report.timing = timings.result(report.duration)
    return report


@rare_collections()
def _check_paths(engine: "Engine", paths: str | os.PathLike | Sequence[str | os.PathLike], collections: list | None = None, *, jobs: int = 1, progress: bool = False,
                 records: list | None = None, cache: bool = False, meanwhile: Callable[[], Any] | None = None, previous: PreviousFiles | None = None,
                 folder_times: dict | None = None) -> Report:
    started = time.perf_counter()
    abs_paths = _absolute(paths)
    report = Report(root=_report_root(abs_paths))
    report.issues.extend(engine.setup_issues)
    report.internal_errors += len(engine.setup_issues)
    keep_path = _per_path_filter(engine.config, report.root)
    for folder, only in _plan(abs_paths):
        exclude = _exclusion(folder, engine.config)
        if only is not None and _session_folder(os.path.join(folder, "_")) != folder:
            exclude = _this_folder_only(exclude)
        prefix = os.path.relpath(folder, report.root).replace(os.sep, "/")
        prefix = "" if prefix == "." else prefix + "/"
        if only is None and collections is None:
            from .partition import split_run
            from .progress import progress_bar

            found = split_run(engine, folder, exclude, jobs=jobs, progress=progress_bar if progress else None, records=records is not None, cache=cache, meanwhile=meanwhile,
                              previous=previous, folder_times=folder_times is not None and not prefix)
            if not isinstance(found, Collection):
                report.internal_errors += found.crashes
                for issue in found.issues:
                    if prefix and issue.path != ".":
                        issue = _rebase(issue, prefix)
                    if keep_path is None or keep_path(issue):
                        report.issues.append(issue)
                report.files_checked += found.files
                report.sessions.extend(prefix + k for k in found.sessions)
                if records is not None:
                    records.extend(found.records)
                if folder_times is not None and not prefix:
                    folder_times.update(found.folder_times)
                continue
            collection = found
        else:
            with timing.phase("walk"):
                tree = walk(folder, exclude)
            with timing.phase("collect"):
                collection = collect(tree)
        if collections is not None:
            collections.append(collection)
        if records is not None:
            from .partition import records_of

            with timing.phase("rows"):
                records.extend(records_of(collection))
        bar = None
        if progress:
            from .progress import progress_bar

            bar = progress_bar(len(collection.sessions))
        if previous is not None:
            only = previous.changed(collection)
        touched = None if only is None else _touched(collection, only)
        try:
            issues = engine.run(collection, jobs=jobs, progress=bar, targets=touched)
        finally:
            if bar is not None:
                bar.close()
        report.internal_errors += engine.crashes
        places = _enclosing_sessions(collection, report.root)
        for issue in issues:
            if issue.session in places:
                issue = _place(issue, places[issue.session], prefix)
            elif prefix and issue.path != ".":
                issue = _rebase(issue, prefix)
            if keep_path is None or keep_path(issue):
                report.issues.append(issue)
        report.files_checked += len(collection.datasets) if previous is None else len(only)
        report.sessions.extend(places.get(s.key) or (s.key if os.path.isabs(s.key) else prefix + s.key) for s in collection.sessions)
    report.sessions = sorted(set(report.sessions))
    report.sessions_checked = len(report.sessions)
    report.sort()
    report.duration = time.perf_counter() - started
    return report


def _enclosing_sessions(collection: Collection, report_root: str) -> dict[str, str]:
    """Sessions that are the walked folder itself: their key is the ALF session path, not a
    path below the walk root, so it must not be prefixed. Maps key -> path relative to the
    report root ('.' when the report root is the session folder).

    This happens whenever a file is checked: its session folder is walked (see ``_plan``).
    """
    inside = collection.root.rstrip(os.sep) + os.sep
    root = report_root.rstrip(os.sep)
    places = {}
    for s in collection.sessions:
        if not s.abs_path.startswith(inside) and (s.abs_path == root or s.abs_path.startswith(root + os.sep)):
            places[s.key] = os.path.relpath(s.abs_path, root).replace(os.sep, "/")
    return places


def _place(issue: Issue, session: str, prefix: str) -> Issue:
    """An issue of an enclosing session: the session (and a session-level path) become ``session``."""
    from dataclasses import replace

    if issue.path == issue.session:
        path = session
    elif prefix and issue.path != ".":
        path = prefix + issue.path
    else:
        path = issue.path
    return replace(issue, path=path, session=session)


def _rebase(issue: Issue, prefix: str) -> Issue:
    from dataclasses import replace

    session = issue.session
    if session is not None and not os.path.isabs(session):
        session = prefix + session
    return replace(issue, path=prefix + issue.path, session=session)


def _report_root(abs_paths: list[str]) -> str:
    # a file is walked with its session folder (see _plan): paths are relative to that, never '../'
    folders = [p if os.path.isdir(p) else (_session_folder(p) or os.path.dirname(p)) for p in abs_paths]
    return os.path.commonpath(folders)


def _plan(abs_paths: list[str]) -> list[tuple[str, set[str] | None]]:
    """Folders to walk, each with the files to report on (None: report everything)."""
    plan: dict[str, set[str] | None] = {}
    for p in abs_paths:
        if os.path.isdir(p):
            plan[p] = None
            continue
        folder = _session_folder(p) or os.path.dirname(p)
        if folder in plan and plan[folder] is None:
            continue
        plan.setdefault(folder, set()).add(p)  # type: ignore[union-attr]
    # a folder already walked whole covers files below it
    whole = [f for f, only in plan.items() if only is None]
    return [(f, only) for f, only in plan.items() if only is None or not any(f == w or f.startswith(w + os.sep) for w in whole)]


def _this_folder_only(exclude: Callable[[str, bool], bool] | None) -> Callable[[str, bool], bool]:
    """Walk one folder without its subfolders: the context of given files outside sessions.

    Such files have no object or session whose siblings matter, so walking the tree below
    their folder (a repository root, when pre-commit passes ``README.md``) only costs time.
    """
    if exclude is None:
        return lambda rel, is_dir: is_dir
    return lambda rel, is_dir: is_dir or exclude(rel, is_dir)


def _session_folder(file_path: str) -> str | None:
    from .collect import _find_session

    parts = file_path.split(os.sep)[:-1]
    at = _find_session(parts, 1)
    return os.sep.join(parts[: at + 2]) if at is not None else None


def _touched(collection: Collection, files: set[str]) -> set[str]:
    """Report paths (relative to the collection root) of the given files, their folders, objects and sessions."""
    root = collection.root.rstrip("/") + "/"
    rels = {f[len(root):] for f in files if f.startswith(root)}
    touched = set(rels)
    for rel in rels:  # folder rules (ALF2xx) report at the folders holding the files
        folder = rel.rpartition("/")[0]
        while folder:
            touched.add(folder)
            folder = folder.rpartition("/")[0]
    # an object with another namespace in the same folder shares load_object's keys (ALF301)
    names = {(o.session.abs_path, o.collection, o.revision, o.name) for o in collection.objects if any(d.rel in rels for d in o.datasets)}
    for obj in collection.objects:
        if (obj.session.abs_path, obj.collection, obj.revision, obj.name) in names:
            touched.add(_target_path(obj))
            touched.update(d.rel for d in obj.datasets)
    for session in collection.sessions:
        if any(d.rel in rels for d in session.datasets):
            touched.add(session.key)
    return touched
