"""Write tiny ALF trees of real files for rule tests: ``{relative path: content}`` in, files out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd


def write(root: Path, files: dict) -> Path:
    """Arrays become .npy, frames .pqt/.csv/.tsv/.ssv (by suffix), dicts and lists JSON,
    bytes and str are written as they are. Returns ``root``."""
    for rel, value in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(value, bytes):
            path.write_bytes(value)
        elif isinstance(value, np.ndarray):
            np.save(path, value, allow_pickle=True)
        elif isinstance(value, pd.DataFrame):
            if path.suffix == ".pqt":
                value.to_parquet(path)
            else:
                value.to_csv(path, sep={".csv": ",", ".tsv": "\t", ".ssv": " "}[path.suffix], index=False)
        elif isinstance(value, (dict, list)):
            path.write_text(json.dumps(value))
        else:
            path.write_text(value)
    return root
