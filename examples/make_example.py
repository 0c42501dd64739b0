"""Write the example ALF repository of examples/README.md (small, real, valid ALF).

Usage::

    python examples/make_example.py            # (re)writes examples/repo
    python examples/make_example.py OUT_DIR    # writes the same tree under OUT_DIR

The output is deterministic: running the script again gives byte-identical files, so the
committed tree can be checked against it (tests/test_examples.py does).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

#: The session of ONE's "Listing Alyx Filenames" example: two probes, one revision.
PROBES_SESSION = "subject/2021-06-01/001"
#: A lab session with behaviour: trials and wheel.
LAB_SESSION = "cortexlab/Subjects/KS005/2019-04-01/001"


def dataset_arrays() -> dict[str, object]:
    """Relative path below the root -> array (or JSON-able object for .json files)."""
    files: dict[str, object] = {}

    # (a) probes, spikes and clusters; the values tell the revisions apart
    s = PROBES_SESSION
    files[f"{s}/probes.description.json"] = [{"label": "probe00"}, {"label": "probe01"}]
    files[f"{s}/alf/probe00/spikes.times.npy"] = np.array([0.0, 0.1, 0.2, 0.3, 0.4])
    files[f"{s}/alf/probe00/spikes.clusters.npy"] = np.array([0, 1, 2, 0, 1], dtype=np.int64)
    files[f"{s}/alf/probe00/clusters.depths.npy"] = np.array([100.0, 200.0, 300.0])
    files[f"{s}/alf/probe01/spikes.times.npy"] = np.array([10.0, 10.1, 10.2, 10.3, 10.4])
    files[f"{s}/alf/probe01/spikes.clusters.npy"] = np.array([2, 1, 0, 1, 2], dtype=np.int64)
    files[f"{s}/alf/probe01/clusters.depths.npy"] = np.array([1100.0, 1200.0, 1300.0])
    files[f"{s}/alf/probe01/#2021-07-05#/spikes.times.npy"] = np.array([110.0, 110.1, 110.2, 110.3, 110.4, 110.5])
    files[f"{s}/alf/probe01/#2021-07-05#/spikes.clusters.npy"] = np.array([0, 1, 2, 2, 1, 0], dtype=np.int64)

    # (b) a lab session: 5 trials and a wheel trace with 2 movements
    s = f"{LAB_SESSION}/alf"
    starts = np.array([0.5, 3.0, 5.5, 8.0, 10.5])
    files[f"{s}/_ibl_trials.intervals.npy"] = np.column_stack([starts, starts + 2.0])
    files[f"{s}/_ibl_trials.goCue_times.npy"] = starts + 0.4
    files[f"{s}/_ibl_trials.choice.npy"] = np.array([-1.0, 1.0, 1.0, 0.0, -1.0])
    files[f"{s}/_ibl_trials.feedbackType.npy"] = np.array([1.0, -1.0, 1.0, -1.0, 1.0])
    timestamps = np.round(np.arange(0.0, 12.0, 0.5), 3)
    files[f"{s}/_ibl_wheel.timestamps.npy"] = timestamps
    files[f"{s}/_ibl_wheel.position.npy"] = np.round(np.sin(timestamps / 2.0), 6)
    files[f"{s}/_ibl_wheelMoves.intervals.npy"] = np.array([[1.0, 2.5], [6.0, 7.5]])
    files[f"{s}/_ibl_wheelMoves.peakAmplitude.npy"] = np.array([0.42, -0.37])
    return files


def write(root: Path) -> list[Path]:
    """Write the example tree under ``root``; returns the files written."""
    written = []
    for rel, value in dataset_arrays().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith(".json"):
            path.write_text(json.dumps(value) + "\n", encoding="utf-8")
        else:
            np.save(path, value, allow_pickle=False)
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else HERE / "repo"
    for path in write(root):
        print(path.relative_to(root).as_posix())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
