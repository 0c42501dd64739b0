"""The ``alflint`` command line: check, index, rules, explain, describe.

Exit status: 0 when no error was found, 1 when errors were found (or warnings with
``--strict``), 2 on usage errors, bad configuration or internal errors (a crashed rule, a
plugin that failed to load). Errors of use print one clear line, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from ._version import __version__

__all__ = ["main"]

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 141  # what a shell shows for a program that SIGPIPE ended (128 + 13)

_CHECK_EXAMPLES = """\
examples:
  alflint check                         check the current folder
  alflint check data/ --format github   annotate a pull request
  alflint check . --select ALF1 --ignore ALF104
  alflint check subject/2021-06-01/001/alf/spikes.times.npy
  alflint check . --format json --output-file report.json
  alflint check --load report.json --format sarif
  alflint check . --index               check, then write ONE's cache tables
"""


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="alflint",
        description="Validate ALF data repositories, write ONE cache tables, explain the ALF grammar.",
        epilog="Run `alflint COMMAND -h` for the options and examples of each command.",
    )
    parser.add_argument("--version", action="version", version=f"alflint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = sub.add_parser("check", help="check files or folders against the ALF specification", epilog=_CHECK_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument("paths", nargs="*", default=None, metavar="PATH", help="files or folders to check (default: .)")
    _add_selection(check)
    check.add_argument("--format", default="text", help="output format: text (default), concise, json, sarif, github, junit")
    check.add_argument("--output-file", "-o", metavar="FILE", help="write the report to FILE instead of standard output")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when errors were found")
    check.add_argument("--strict", action="store_true", help="warnings also fail (exit 1)")
    check.add_argument("--statistics", action="store_true", help="show the number of issues per code")
    check.add_argument("--quiet", "-q", action="store_true", help="print only the issues, no summary (text) / nothing when clean")
    check.add_argument("--no-content", action="store_true", help="path rules only: do not read file contents")
    check.add_argument("--jobs", "-j", type=int, default=None, metavar="N", help="parallel processes over sessions (default: all cores; 1 inside pre-commit; at most 4 per core)")
    check.add_argument("--load", metavar="REPORT", help="re-render a saved JSON report instead of checking")
    check.add_argument("--index", action="store_true", help="on success, write ONE's cache tables (as `alflint index`)")
    check.add_argument("--no-cache", dest="cache", action="store_false",
                       help="check every session folder again, even those unchanged since the last run "
                            "(results are cached in $XDG_CACHE_HOME/alflint)")
    check.add_argument("--timing", action="store_true", help="print where the time went (phases, rules, content reads) to standard error")
    check.add_argument("--hash", action="store_true", help=argparse.SUPPRESS)
    check.add_argument("--force", action="store_true", help=argparse.SUPPRESS)
    check.add_argument("--lab", help=argparse.SUPPRESS)
    check.add_argument("--out", help=argparse.SUPPRESS)

    index = sub.add_parser(
        "index",
        help="check a repository, then write ONE's cache tables (sessions.pqt, datasets.pqt)",
        epilog="examples:\n  alflint index data/\n  alflint index data/ --out tables/ --hash\n  alflint index data/ --force   # write the valid datasets, list what was left out\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    index.add_argument("root", metavar="ROOT", help="repository root")
    index.add_argument("--out", metavar="DIR", help="folder for the tables (default: ROOT)")
    index.add_argument("--hash", action="store_true", help="compute md5 hashes of every file")
    index.add_argument("--force", action="store_true", help="write tables of the valid datasets even when errors were found")
    index.add_argument("--lab", metavar="NAME", help="lab of sessions without a lab folder (ONE then looks for them in "
                       "ROOT/NAME/Subjects/..., so this suits trees ONE sees under that layout)")
    index.add_argument("--update", action="store_true", help="re-check only what changed since the cached results (without any, everything, filling the cache; "
                       "a tree too small to split: files whose size or mtime changed since the previous tables); "
                       "leave tables that would not change untouched")
    index.add_argument("--no-content", action="store_true", help="path rules only: do not read file contents before indexing")
    index.add_argument("--no-cache", dest="cache", action="store_false", help="with --update: compare files with the previous tables, not with cached results")
    index.add_argument("--jobs", "-j", type=int, default=None, metavar="N", help="parallel processes over sessions (default: all cores; 1 inside pre-commit; at most 4 per core)")
    _add_selection(index)
    index.add_argument("--format", default="text", help="report format when errors are found")
    index.add_argument("--timing", action="store_true", help="print where the time went (phases, rules, content reads, tables) to standard error")
    index.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")

    rules = sub.add_parser("rules", help="list every rule (code, name, severity, scope, summary)",
                           epilog="examples:\n  alflint rules\n  alflint rules --format json\n",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rules.add_argument("--config", metavar="FILE", help="configuration file (for plugins it names)")

    explain = sub.add_parser("explain", help="print the documentation of a rule",
                             epilog="examples:\n  alflint explain ALF101\n  alflint explain invalid-filename\n",
                             formatter_class=argparse.RawDescriptionHelpFormatter)
    explain.add_argument("code", metavar="CODE", help="rule code or name")
    explain.add_argument("--config", metavar="FILE", help="configuration file (for plugins it names)")

    describe = sub.add_parser("describe", help="print the ALF path grammar, or one part of it",
                              epilog="examples:\n  alflint describe\n  alflint describe revision\n",
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    describe.add_argument("part", nargs="?", metavar="PART", help="a part of the pattern (lab, subject, date, ..., extension)")
    return parser


def _add_selection(p: argparse.ArgumentParser) -> None:
    p.add_argument("--select", type=_codes, metavar="CODES", help="comma-separated codes, prefixes or rule names to run (replaces the configuration's)")
    p.add_argument("--extend-select", type=_codes, metavar="CODES", help="codes to run in addition")
    p.add_argument("--ignore", type=_codes, metavar="CODES", help="codes not to run")
    p.add_argument("--config", metavar="FILE", help="configuration file (default: nearest alflint.toml or pyproject.toml with [tool.alflint])")


def command() -> int:
    """The ``alflint`` command: the console script and ``python -m alflint``.

    :func:`main` in a process of its own, which the command may tune as a user's program
    that calls :func:`main` would not want: alflint does no linear algebra, but importing
    numpy (under pyarrow, as an index writes its tables while the workers check) starts an
    OpenBLAS thread per core, 70 ms of CPU on two cores taken from the workers, so the
    process asks for one thread (unless the user chose otherwise); and it ends without the
    interpreter's teardown (:func:`_exit_without_teardown`).
    """
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    status = main()
    _exit_without_teardown(status)
    return status  # another thread still runs: the interpreter's own exit waits for it


def _exit_without_teardown(status: int) -> None:
    """End the command's process now, skipping the interpreter's teardown.

    Freeing every module and object (numpy's and pyarrow's after an index) took about 0.1 s
    of an index of 200,000 files and 9 of the pre-commit hook's 83 ms, for nothing a finished
    command needs. What an exit must do still happens: the functions registered with
    :mod:`atexit` run (a coverage measurement, logging handlers), then standard output and
    error are flushed. Returns (and the interpreter exits as usual) while a thread that is no
    daemon runs, which the interpreter waits for, or without CPython's ``atexit._run_exitfuncs``.
    """
    import atexit
    import threading

    run_exit_functions = getattr(atexit, "_run_exitfuncs", None)
    here = threading.current_thread()
    if run_exit_functions is None or any(t is not here and not t.daemon for t in threading.enumerate()):
        return
    run_exit_functions()  # they run once: the interpreter forgets them
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):  # a stream closed, gone or None: the usual exit copes
        return
    os._exit(status)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    from .exceptions import ConfigError

    try:
        return _COMMANDS[args.command](args)
    except ConfigError as exc:
        sys.stderr.write(f"alflint: error: {exc}\n")
        return EXIT_USAGE
    except BrokenPipeError:  # the reader went away (`alflint rules | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # a path that cannot be read or written: one line, not a traceback
        sys.stderr.write(f"alflint: error: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("alflint: interrupted\n")
        return 130


def _rule_catalogue(config: str | None):
    from .engine import Engine

    engine = Engine.create(".", config=config)
    return engine


def _cmd_describe(args: argparse.Namespace) -> int:
    from . import spec

    try:
        spec.describe(args.part)
    except ValueError as exc:
        sys.stderr.write(f"alflint: error: {exc}\n")
        return EXIT_USAGE
    return EXIT_OK


def _cmd_rules(args: argparse.Namespace) -> int:
    from .engine import INTERNAL_CODES

    engine = _rule_catalogue(args.config)
    rows = [
        {"code": r.code, "name": r.name, "severity": r.severity, "scope": r.scope, "summary": r.summary, "enabled": r.enabled_by_default, "content": r.reads_content, "origin": r.origin}
        for r in engine.rules.values()
    ]
    if args.format == "json":
        import json

        print(json.dumps(rows, indent=2))
        return EXIT_OK
    width = max([len(r["name"]) for r in rows] + [len(name) for name, _ in INTERNAL_CODES.values()])
    for r in rows:
        flags = "" if r["enabled"] else "  (opt-in)"
        print(f"{r['code']}  {r['name']:<{width}}  {r['severity']:<7}  {r['scope']:<10}  {r['summary']}{flags}")
    for code, (name, summary) in INTERNAL_CODES.items():
        print(f"{code}  {name:<{width}}  {'error':<7}  {'internal':<10}  {summary}")
    return EXIT_OK


def _cmd_explain(args: argparse.Namespace) -> int:
    from .engine import INTERNAL_CODES

    engine = _rule_catalogue(args.config)
    wanted = args.code.strip()
    for r in engine.rules.values():
        if wanted.upper() == r.code or wanted == r.name:
            print(f"{r.code} {r.name} [{r.severity}] (scope: {r.scope}{', opt-in' if not r.enabled_by_default else ''})\n")
            print(r.doc)
            if r.options:
                print("\nOptions ([tool.alflint.rules." + r.code + "]):")
                for key, schema in r.options.items():
                    print(f"  {key} (default {schema.get('default')!r}): {schema.get('description', '')}")
            return EXIT_OK
    if wanted.upper() in INTERNAL_CODES:
        name, summary = INTERNAL_CODES[wanted.upper()]
        print(f"{wanted.upper()} {name} [error] (internal)\n\n{summary}")
        return EXIT_OK
    sys.stderr.write(f"alflint: error: unknown rule {wanted!r} (see `alflint rules`)\n")
    return EXIT_USAGE


def _in_pre_commit() -> bool:
    return os.environ.get("PRE_COMMIT") == "1"


def _jobs(requested: int | None) -> int:
    """--jobs: default all cores, but 1 inside pre-commit (it runs hooks in parallel itself)."""
    if requested is not None:
        return max(1, requested)
    return 1 if _in_pre_commit() else (os.cpu_count() or 1)


def _plugin_reporters(engine) -> dict:
    """Output formats contributed by plugins through the ``alflint_reporters`` hook."""
    found: dict = {}
    if engine is not None and engine.plugins is not None:
        for contributed in engine.plugins.hook.alflint_reporters():
            found.update(contributed or {})
    return found


def _formats(engine) -> list[str]:
    from .reporters import FORMATS

    return list(FORMATS) + sorted(set(_plugin_reporters(engine)) - set(FORMATS))


def _render(report, args, engine) -> str:
    from .reporters import FORMATS, render, use_color

    catalogue = engine.rules if engine is not None else None
    color = not getattr(args, "output_file", None) and args.format == "text" and use_color(sys.stdout)
    statistics = getattr(args, "statistics", False)
    if args.format in FORMATS:
        return render(report, args.format, rules=catalogue, color=color, statistics=statistics)
    plugin_render = _plugin_reporters(engine)[args.format]
    return plugin_render(report, rules=catalogue, color=color, statistics=statistics, cwd=os.getcwd())


class _UsageError(Exception):
    pass


def _exit_status(report, strict: bool) -> int:
    if report.internal_errors:
        return EXIT_USAGE
    if report.errors or (strict and report.warnings):
        return EXIT_ERRORS
    return EXIT_OK


def _emit(text: str, output_file: str | None) -> bool:
    """Print the report, or write it to ``output_file``; False (after one line on standard
    error) when the file could not be written."""
    if not output_file:
        if text:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return True
    try:
        from .reportfile import write_report

        write_report(output_file, text)
    except OSError as exc:
        sys.stderr.write(f"alflint: error: cannot write report {output_file}: {exc.strerror or exc}\n")
        return False
    return True


def _cmd_check(args: argparse.Namespace) -> int:
    from .engine import Engine

    paths = args.paths or ["."]
    records = None
    for p in paths:
        if not os.path.lexists(p):
            sys.stderr.write(f"alflint: error: no such file or folder: {p}\n")
            return EXIT_USAGE
    engine = Engine.create(paths[0], config=args.config, select=args.select, extend_select=args.extend_select, ignore=args.ignore, content=False if args.no_content else None)
    if args.format not in _formats(engine):
        sys.stderr.write(f"alflint: error: unknown format {args.format!r} (choose from {', '.join(_formats(engine))})\n")
        return EXIT_USAGE
    if args.index and args.load:
        sys.stderr.write("alflint: error: --index writes the tables of a check; a report loaded with --load has no rows to index\n")
        return EXIT_USAGE
    if args.timing and args.load:
        sys.stderr.write("alflint: error: --timing times a check; a report loaded with --load was not timed\n")
        return EXIT_USAGE
    engine.timing = args.timing
    if args.load:
        from .reporters import ReportLoadError, load_report

        try:
            report = load_report(args.load)
        except (OSError, ReportLoadError, ValueError) as exc:
            sys.stderr.write(f"alflint: error: cannot load report {args.load}: {exc}\n")
            return EXIT_USAGE
    elif args.index and len(paths) == 1 and os.path.isdir(paths[0]):
        # one walk and one check serve the report and the tables
        from .indexer import preload_tables

        report, records = engine.check_records(paths[0], jobs=_jobs(args.jobs), progress=not args.quiet, cache=args.cache,
                                              meanwhile=preload_tables)
    else:
        report = engine.check(paths, jobs=_jobs(args.jobs), progress=not args.quiet, cache=args.cache)
    if args.quiet and args.format == "text":
        args.format = "concise"  # --quiet: the issues only, one per line, no summary
    text = _render(report, args, engine)
    if not _emit(text, args.output_file):
        return EXIT_USAGE
    status = EXIT_OK if args.exit_zero and not report.internal_errors else _exit_status(report, args.strict)
    indexing = args.index and status == EXIT_OK  # --index with --load was refused above
    if args.timing and report.timing is not None and not (indexing and records is not None):
        from .timing import render  # else the index prints the check's timings with its own

        sys.stderr.write(render(report.timing))
    if indexing:
        return _index(paths[0], args, (report, records) if records is not None else None)
    return status


def _cmd_index(args: argparse.Namespace) -> int:
    from .reporters import FORMATS

    if args.format not in FORMATS:  # checked before the work: the report is rendered only if errors are found
        sys.stderr.write(f"alflint: error: unknown format {args.format!r} (choose from {', '.join(FORMATS)})\n")
        return EXIT_USAGE
    return _index(args.root, args)


def _index(root: str, args: argparse.Namespace, checked: tuple | None = None) -> int:
    try:
        from .indexer import index_command
    except ImportError:  # pragma: no cover - a build without pyarrow
        sys.stderr.write("alflint: error: indexing is not available in this build\n")
        return EXIT_USAGE
    args.jobs = _jobs(getattr(args, "jobs", None))
    return index_command(root, args, checked)


_COMMANDS = {
    "check": _cmd_check,
    "index": _cmd_index,
    "rules": _cmd_rules,
    "explain": _cmd_explain,
    "describe": _cmd_describe,
}


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
