"""Snapshot testing for rendered output: compare text to ``tests/snapshots/<name>``.

    from snapshot import assert_snapshot
    assert_snapshot(output, "report.text.txt", replacements={str(tmp_path): "<TMP>"})

Output is normalised before comparing so snapshots hold on any machine and any release:
``replacements`` first (longest key first, e.g. temporary directories), then the alflint
version, then durations (``(0.04 s)``, ``"duration_seconds": 0.04``, ``time="0.040"``).
Run with ``ALFLINT_UPDATE_SNAPSHOTS=1`` to (re)write the snapshot files instead of comparing;
review the diff with git before committing them.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Mapping

SNAPSHOT_DIR = Path(__file__).parent / "snapshots"
UPDATE_ENV = "ALFLINT_UPDATE_SNAPSHOTS"

_DURATIONS = [
    (re.compile(r"\(\d+(?:\.\d+)? s\)"), "(<DURATION> s)"),
    (re.compile(r'("duration_seconds": )-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?'), r"\g<1>0.0"),
    (re.compile(r'(\btime=")\d+(?:\.\d+)?(")'), r"\g<1>0.000\g<2>"),
]


def normalise(text: str, replacements: Mapping[str, str] | None = None, *, durations: bool = True) -> str:
    """``text`` with machine- and release-specific parts replaced by placeholders."""
    from alflint._version import __version__

    text = text.replace("\r\n", "\n")
    for old in sorted(replacements or {}, key=len, reverse=True):
        text = text.replace(old, replacements[old])
    text = re.sub(rf"(?<![\w.]){re.escape(__version__)}(?![\w.])", "<VERSION>", text)
    if durations:
        for pattern, placeholder in _DURATIONS:
            text = pattern.sub(placeholder, text)
    return text


def assert_snapshot(
    text: str,
    name: str,
    *,
    replacements: Mapping[str, str] | None = None,
    durations: bool = True,
    directory: Path | None = None,
) -> None:
    """Fail with a unified diff unless normalised ``text`` equals the snapshot ``name``."""
    path = (directory or SNAPSHOT_DIR) / name
    actual = normalise(text, replacements, durations=durations)
    if os.environ.get(UPDATE_ENV) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="")
        return
    if not path.exists():
        raise AssertionError(f"no snapshot {path}; run the tests with {UPDATE_ENV}=1 to create it")
    with open(path, encoding="utf-8", newline="") as f:
        expected = f.read().replace("\r\n", "\n")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"snapshot {name}",
                tofile="actual",
            )
        )
        raise AssertionError(f"output differs from snapshot {name} ({UPDATE_ENV}=1 rewrites it):\n{diff}")
