"""Rule cases as data, and the helpers that turn a case into a real tree on disk.

Each ``*.yaml`` file here is a list of cases. A case is a tiny repository and what alflint
must say about it::

    - id: ALF104-bad-capital            # unique; the pytest id
      select: [ALF104]                  # rules to run (codes, prefixes or names)
      files: [subj/2021-01-01/001/alf/Spikes.times.npy]   # small valid content per extension
      empty: [...]                      # 0-byte files
      text: {path: "content"}           # files with exactly this text
      symlinks: {link: target}          # target relative to the link's folder
      fifos: [...]                      # named pipes (special files)
      dirs: [...]                       # empty folders
      config: |                         # alflint.toml written at the root (default: empty)
        [rules.ALF102]
        allow = ["*.txt"]
      expect: [ALF104]                  # the codes of all issues, with repeats, any order
      paths: [...]                      # optional: the issue paths (relative to the root)
      severities: [...]                 # optional: the issue severities
      messages: [...]                   # optional: phrases each found in some message
      check: lab/Subjects               # optional: check this folder below the root instead
      needs: case-sensitive             # optional: skipped where the file system cannot hold the case

Every rule has at least one case that fires and one that stays silent.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
CASE_KEYS = {"id", "select", "files", "empty", "text", "symlinks", "fifos", "dirs", "config",
             "expect", "paths", "severities", "messages", "needs", "check"}


def load_cases() -> list[dict[str, Any]]:
    """All cases of all case files, checked for unknown keys and duplicate ids."""
    cases: list[dict[str, Any]] = []
    for path in sorted(HERE.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            unknown = set(case) - CASE_KEYS
            assert not unknown, f"{path.name}: case {case.get('id')!r} has unknown keys {sorted(unknown)}"
            assert {"id", "select", "expect"} <= set(case), f"{path.name}: case {case.get('id')!r} needs id, select, expect"
            cases.append(case)
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    return cases


def content_for(name: str) -> bytes:
    """Small, valid, non-empty content for a file name, chosen by its extension."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext == "npy":
        import numpy as np

        buffer = io.BytesIO()
        np.save(buffer, np.arange(3, dtype=np.float64))
        return buffer.getvalue()
    if ext == "json":
        return b'{"a": 1}\n'
    if ext in ("csv", "tsv", "ssv", "htsv"):
        return b"a\n1\n2\n"
    if ext in ("yaml", "yml"):
        return b"a: 1\n"
    return b"data\n"


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def build_tree(root: Path, case: dict[str, Any]) -> Path:
    """Create the case's files below ``root`` (and its ``alflint.toml``); returns ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "alflint.toml").write_text(case.get("config", ""), encoding="utf-8")
    for rel in case.get("files", []):
        write(root / rel, content_for(rel))
    for rel in case.get("empty", []):
        write(root / rel, b"")
    for rel, text in (case.get("text") or {}).items():
        write(root / rel, text.encode("utf-8"))
    for rel, target in (case.get("symlinks") or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, root / rel)
    for rel in case.get("fifos", []):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(root / rel)
    for rel in case.get("dirs", []):
        (root / rel).mkdir(parents=True, exist_ok=True)
    return root


def build_files(root: Path, files: dict[str, bytes | str | None]) -> Path:
    """Write ``{rel_path: content}`` below ``root``; ``None`` means small valid content."""
    for rel, data in files.items():
        if data is None:
            data = content_for(rel)
        write(root / rel, data.encode("utf-8") if isinstance(data, str) else data)
    return root
