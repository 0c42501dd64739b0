"""Every output format, end to end through the CLI, on the example repository with defects.

The example repository is copied, a few realistic defects are injected (bad names, an
attribute of the wrong length, an unpadded session, an uppercase extension, OS junk), and each
format's output is compared with its snapshot (temporary paths normalised). Regenerate with
ALFLINT_UPDATE_SNAPSHOTS=1 and review the diff.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from snapshot import assert_snapshot  # noqa: E402

from alflint.cli import main  # noqa: E402
from alflint.reporters import FORMATS  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "repo"


@pytest.fixture
def broken_repo(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE, repo)
    probe00 = repo / "subject" / "2021-06-01" / "001" / "alf" / "probe00"
    np.save(probe00 / "spikes.amps.npy", np.ones(4))  # 4 rows where spikes has 5
    (probe00 / "spikes-depths.npy").write_bytes((probe00 / "spikes.times.npy").read_bytes())  # not ALF
    (probe00 / "spikes.raw data.npy").write_bytes((probe00 / "spikes.times.npy").read_bytes())  # space
    (probe00 / ".DS_Store").write_bytes(b"junk")
    trials = repo / "cortexlab" / "Subjects" / "KS005" / "2019-04-01" / "001" / "alf"
    shutil.copy(trials / "_ibl_trials.choice.npy", trials / "_ibl_trials.contrastLeft.NPY")
    unpadded = repo / "subject" / "2021-06-02" / "1" / "alf"
    unpadded.mkdir(parents=True)
    np.save(unpadded / "spikes.times.npy", np.arange(3.0))
    monkeypatch.chdir(tmp_path)  # report paths relative to the working directory: 'repo/...'
    monkeypatch.setenv("NO_COLOR", "1")
    return repo


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_on_the_broken_example(broken_repo, capsys, fmt):
    status = main(["check", "repo", "--format", fmt, "--jobs", "1"])
    assert status == 1
    out = capsys.readouterr().out
    assert_snapshot(out, f"cli-example.{fmt}.txt", replacements={str(broken_repo.parent): "<TMP>"})


def test_json_round_trips_through_load(broken_repo, capsys, tmp_path):
    saved = tmp_path / "report.json"
    main(["check", "repo", "--format", "json", "--output-file", str(saved), "--jobs", "1"])
    for fmt in FORMATS:
        capsys.readouterr()
        main(["check", "--load", str(saved), "--format", fmt])
        reloaded = capsys.readouterr().out
        main(["check", "repo", "--format", fmt, "--jobs", "1"])
        direct = capsys.readouterr().out
        if fmt == "json":
            reloaded, direct = json.loads(reloaded), json.loads(direct)
            reloaded["summary"].pop("duration_seconds")
            direct["summary"].pop("duration_seconds")
        else:
            from snapshot import normalise

            reloaded, direct = normalise(reloaded), normalise(direct)
        assert reloaded == direct, fmt


def test_the_clean_example_passes(capsys):
    assert main(["check", str(EXAMPLE), "--strict"]) == 0
    assert "All checks passed" in capsys.readouterr().out
