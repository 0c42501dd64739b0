"""Lazily read file facts, at most once per file per run.

Rules ask ``ctx.facts(dataset)``; the first call reads the file's header or footer through
:mod:`alflint.content` and caches the outcome on the dataset, so several rules (length
consistency, relations, monotonic times) share one read.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

__all__ = ["Facts", "facts_reader"]


class Facts(NamedTuple):
    """What reading a dataset's content told us: facts (or None if not inspected) or an error."""

    facts: Any  #: alflint.content.ContentFacts, or None for formats that are not inspected
    error: str | None  #: why the content is malformed or unreadable, or None


def facts_reader() -> Callable[[Any], Facts]:
    """A function ``dataset -> Facts`` caching on ``dataset.facts``."""

    def read(dataset: Any) -> Facts:
        cached = dataset.facts.get("content")
        if cached is None:
            from . import content

            try:
                cached = Facts(content.read_facts(dataset.abs_path, dataset.extension), None)
            except content.ContentError as exc:
                cached = Facts(None, str(exc))
            except OSError as exc:
                cached = Facts(None, f"cannot read file: {exc.strerror or exc}")
            dataset.facts["content"] = cached
        return cached

    return read
