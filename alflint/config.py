"""Configuration: find it, validate it, and decide which rules run at which severity.

Configuration lives in ``[tool.alflint]`` of a ``pyproject.toml`` or in a standalone
``alflint.toml`` (top-level keys), found from the checked path upward; the nearest file wins
and ``--config`` overrides discovery. Files are validated against ``schemas/config.schema.json``
with jsonschema; a bad key or value becomes one :class:`ConfigError` line naming the key, the
file and what is allowed. Validation results are remembered per file content in the user's
cache folder, because importing jsonschema costs more than a pre-commit run should.

Selection follows flake8/ruff: ``select``, ``extend-select`` and ``ignore`` hold codes, code
prefixes or rule names; when both a selection and an ignore match, the longer one wins.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ._cachedir import cache_folder
from .exceptions import ConfigError

__all__ = ["Config", "find_config_file", "load_config", "Decider", "IGNORE_FILE"]


def _toml():
    """The TOML parser, imported only when a file may hold configuration (it costs a few
    milliseconds of every pre-commit run that has none)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib

IGNORE_FILE = ".alflintignore"
_SCHEMA_PATH = Path(__file__).with_name("schemas") / "config.schema.json"
_LIST_KEYS = ("select", "extend-select", "ignore", "exclude", "plugins", "packs")


@dataclass
class Config:
    """The effective configuration of one run."""

    path: str | None = None  #: the file it came from (None: defaults)
    select: list[str] = field(default_factory=lambda: ["ALL"])
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)
    per_path_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    plugins: list[str] = field(default_factory=list)
    packs: list[str] = field(default_factory=list)
    content: bool = True
    required_datasets: list[dict[str, Any]] = field(default_factory=list)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def directory(self) -> str | None:
        """The folder of the configuration file: plugin paths and globs are relative to it."""
        return os.path.dirname(self.path) if self.path else None


def find_config_file(start: str | os.PathLike) -> str | None:
    """The nearest ``alflint.toml`` or ``pyproject.toml`` with ``[tool.alflint]``, upward from ``start``."""
    here = Path(os.path.abspath(os.fspath(start)))
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        standalone = folder / "alflint.toml"
        if standalone.is_file():
            return str(standalone)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                text = pyproject.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if "alflint" not in text:
                continue  # no [tool.alflint] table can be there: not worth parsing
            tomllib = _toml()
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError:
                continue  # someone else's broken pyproject is not our configuration
            if "alflint" in data.get("tool", {}):
                return str(pyproject)
    return None


def _read(path: str) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: configuration is not UTF-8 text") from None
    tomllib = _toml()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if os.path.basename(path) == "pyproject.toml":
        data = data.get("tool", {}).get("alflint", {})
    _validate(data, path, text)
    return data


def _validate(data: dict[str, Any], path: str, text: str) -> None:
    import hashlib  # here, not at the top: OpenSSL's start-up costs 3 ms of every hook run

    schema_text = _SCHEMA_PATH.read_text(encoding="utf-8")
    stamp = _stamp_path(hashlib.sha256((schema_text + "\0" + path + "\0" + text).encode()).hexdigest())
    if stamp is not None and stamp.exists():
        return
    import jsonschema  # heavy: only when this file content was not validated before

    validator = jsonschema.Draft202012Validator(json.loads(schema_text))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        raise ConfigError(_explain(errors[0], path, json.loads(schema_text)))
    if stamp is not None:
        try:
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.touch(mode=0o600)  # private, as every file of the cache
        except OSError:
            pass


def _stamp_path(digest: str) -> Path | None:
    folder = cache_folder("validated-config")
    return Path(folder) / digest if folder is not None else None


def _explain(error: Any, path: str, schema: dict[str, Any]) -> str:
    """One line: the file, the key, what is wrong and what is allowed."""
    where = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "additionalProperties" and not error.absolute_path:
        extra = sorted(set(error.instance) - set(schema["properties"]))
        allowed = ", ".join(sorted(schema["properties"]))
        return f"{path}: unknown key {extra[0]!r} in alflint configuration (allowed: {allowed})"
    if error.validator == "additionalProperties":
        return f"{path}: key {where!r}: {error.message}"
    if error.validator == "enum":
        allowed = ", ".join(repr(v) for v in error.validator_value)
        return f"{path}: key {where!r}: {error.instance!r} is not allowed (allowed: {allowed})"
    if error.validator == "pattern":
        return f"{path}: key {where!r}: {error.instance!r} is not a rule code, code prefix or rule name"
    if error.validator == "type":
        return f"{path}: key {where!r}: expected {error.validator_value}, got {type(error.instance).__name__} {error.instance!r}"
    return f"{path}: key {where or '(top level)'!r}: {error.message}"


def load_config(path: str | os.PathLike | None = None, start: str | os.PathLike = ".") -> Config:
    """Load ``path``, or the configuration discovered upward from ``start``, or the defaults."""
    if path is not None:
        path = os.path.abspath(os.fspath(path))
        if not os.path.isfile(path):
            raise ConfigError(f"{path}: configuration file not found")
    else:
        path = find_config_file(start)
    if path is None:
        return Config()
    data = _read(path)
    config = Config(path=path)
    for key in _LIST_KEYS:
        if key in data:
            setattr(config, key.replace("-", "_"), list(data[key]))
    config.severity = dict(data.get("severity", {}))
    config.per_path_ignores = {k: list(v) for k, v in data.get("per-path-ignores", {}).items()}
    config.content = bool(data.get("content", True))
    config.required_datasets = list(data.get("required-datasets", []))
    config.rules = {k: dict(v) for k, v in data.get("rules", {}).items()}
    return config


class Decider:
    """Decides, per rule, whether it runs and at which severity (memoised per code).

    A selector is a code (``ALF104``), a code prefix (``ALF1``, ``LAB``), a rule name, or
    ``ALL`` (every rule, the default: installed rule packs run without further setup). When a
    selection and an ignore both match, the longer one wins. Opt-in rules run only when
    selected explicitly: by code, by name, or by a prefix that includes a digit (``ALF3``).
    """

    def __init__(self, select: Iterable[str], ignore: Iterable[str], severity: dict[str, str] | None = None):
        self.select = list(select)
        self.ignore = list(ignore)
        self.severity = dict(severity or {})
        self._memo: dict[str, bool] = {}

    @staticmethod
    def matches(code: str, name: str, selectors: Iterable[str]) -> bool:
        """Whether any selector names this rule: its code, a prefix of it, its name, or ``ALL``."""
        return Decider._longest(code, name, selectors)[0] >= 0

    @staticmethod
    def _longest(code: str, name: str, selectors: Iterable[str]) -> tuple[int, bool]:
        """Length of the longest matching selector (-1: none) and whether it is explicit."""
        best, explicit = -1, False
        for s in selectors:
            if s == name:
                return 99, True
            if s == "ALL":
                if best < 0:
                    best = 0
            elif code.startswith(s) and len(s) > best:
                best, explicit = len(s), any(ch.isdigit() for ch in s)
        return best, explicit

    def enabled(self, rule: Any) -> bool:
        found = self._memo.get(rule.code)
        if found is None:
            selected, explicit = self._longest(rule.code, rule.name, self.select)
            ignored, _ = self._longest(rule.code, rule.name, self.ignore)
            found = selected > ignored and (rule.enabled_by_default or explicit)
            self._memo[rule.code] = found
        return found

    def severity_of(self, rule: Any) -> str:
        return self.severity.get(rule.code) or self.severity.get(rule.name) or rule.severity
