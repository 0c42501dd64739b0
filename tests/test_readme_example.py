"""The README's "validate, then load" example, on the bundled example repository.

These are the documented answers of ONE's "Listing Alyx Filenames" notebook; opening the
repository without cache tables scans it in memory and writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import alflint

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "repo"


def test_listing_alyx_filenames_example():
    before = sorted(p.name for p in EXAMPLE.iterdir())
    repo = alflint.open(EXAMPLE)
    eid = repo.to_eid("subject/2021-06-01/001")
    assert repo.list_datasets(eid, collection="") == ["probes.description.json"]
    assert repo.list_datasets(eid, collection="alf/probe01") == [
        "alf/probe01/#2021-07-05#/spikes.clusters.npy",
        "alf/probe01/#2021-07-05#/spikes.times.npy",
        "alf/probe01/clusters.depths.npy",
        "alf/probe01/spikes.clusters.npy",
        "alf/probe01/spikes.times.npy",
    ]
    assert repo.list_revisions(eid) == ["", "2021-07-05"]
    assert repo.list_collections(eid) == ["", "alf/probe00", "alf/probe01"]
    spikes = repo.load_object(eid, "spikes", collection="alf/probe00")
    np.testing.assert_allclose(spikes.times, [0.0, 0.1, 0.2, 0.3, 0.4])
    np.testing.assert_array_equal(spikes["clusters"], [0, 1, 2, 0, 1])
    older = repo.load_object(eid, "spikes", collection="alf/probe01", revision="2021-07-01")
    np.testing.assert_allclose(older.times, [10.0, 10.1, 10.2, 10.3, 10.4])
    newest = repo.load_object(eid, "spikes", collection="alf/probe01")
    np.testing.assert_allclose(newest.times, [110.0, 110.1, 110.2, 110.3, 110.4, 110.5])
    np.testing.assert_allclose(repo.load_dataset(eid, "spikes.times.npy", collection="alf/probe00"), [0.0, 0.1, 0.2, 0.3, 0.4])
    assert sorted(p.name for p in EXAMPLE.iterdir()) == before  # nothing written
