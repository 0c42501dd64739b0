"""A progress bar on standard error for long runs, only where a person is watching.

It appears after about a second, only when standard error is a terminal, never inside
pre-commit (``PRE_COMMIT=1``) or CI (``CI`` set), and never in pipes or log files. tqdm does
the drawing: a maintained bar beats a hand-written one, and it is imported only when shown.
"""

from __future__ import annotations

import os
import sys
from typing import Callable

__all__ = ["progress_bar", "wanted"]


def wanted(stream=None) -> bool:
    stream = stream if stream is not None else sys.stderr
    if os.environ.get("PRE_COMMIT") == "1" or os.environ.get("CI"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _Bar:
    def __init__(self, total: int, desc: str):
        from tqdm import tqdm

        self._bar = tqdm(total=total, desc=desc, unit="session", delay=1.0, leave=False, file=sys.stderr)

    def __call__(self, n: int) -> None:
        self._bar.update(n)

    def close(self) -> None:
        self._bar.close()


def progress_bar(total: int, desc: str = "checking") -> "Callable[[int], None] | None":
    """A callable advancing a bar by n, or None when no bar should be shown."""
    if total < 2 or not wanted():
        return None
    return _Bar(total, desc)
