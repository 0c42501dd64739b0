"""alflint.io: one-file loaders (ONE's dispatch, safe pickling) and object assembly."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alflint import io as alfio
from alflint.exceptions import ALFInvalid, ALFMultipleObjectsFound, ALFObjectNotFound, ALFWarning


def test_npy_flattens_column_vectors_and_keeps_0d(tmp_path):
    np.save(tmp_path / "a.b.npy", np.arange(4).reshape(4, 1))
    np.save(tmp_path / "a.c.npy", np.arange(6).reshape(3, 2))
    np.save(tmp_path / "a.d.npy", np.array(5.0))
    assert alfio.load_file(tmp_path / "a.b.npy").shape == (4,)
    assert alfio.load_file(tmp_path / "a.c.npy").shape == (3, 2)
    assert alfio.load_file(tmp_path / "a.d.npy").shape == ()


def test_object_arrays_need_allow_pickle(tmp_path):
    np.save(tmp_path / "a.b.npy", np.array([{"x": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(ALFInvalid, match="allow_pickle=True"):
        alfio.load_file(tmp_path / "a.b.npy")
    assert alfio.load_file(tmp_path / "a.b.npy", allow_pickle=True)[0] == {"x": 1}


def test_npz_single_and_multi(tmp_path):
    np.savez(tmp_path / "a.b.npz", np.arange(3))
    np.savez(tmp_path / "a.c.npz", x=np.arange(2), y=np.ones(2))
    np.testing.assert_array_equal(alfio.load_file(tmp_path / "a.b.npz"), np.arange(3))
    multi = alfio.load_file(tmp_path / "a.c.npz")
    assert isinstance(multi, dict) and sorted(multi) == ["x", "y"]


def test_json_jsonable_yaml(tmp_path):
    (tmp_path / "a.b.json").write_text('{"k": [1, 2]}')
    (tmp_path / "a.c.json").write_text("{not json")
    (tmp_path / "a.d.jsonable").write_text('{"i": 1}\n{"i": 2}\n\n')
    (tmp_path / "a.e.yaml").write_text("k: 3\n")
    assert alfio.load_file(tmp_path / "a.b.json") == {"k": [1, 2]}
    with pytest.raises(ALFInvalid, match="not valid JSON"):  # ONE: None and an ERROR log
        alfio.load_file(tmp_path / "a.c.json")
    assert alfio.load_file(tmp_path / "a.d.jsonable") == [{"i": 1}, {"i": 2}]
    assert alfio.load_file(tmp_path / "a.e.yaml") == {"k": 3}


def test_tables_squeezed(tmp_path):
    (tmp_path / "a.one.csv").write_text("x\n1\n2\n")
    (tmp_path / "a.two.csv").write_text("x,y\n1,2\n3,4\n")
    (tmp_path / "a.t.tsv").write_text("x\ty\n1\t2\n")
    (tmp_path / "a.h.htsv").write_text("x\n7\n")
    (tmp_path / "a.s.ssv").write_text("x y\n1 2\n")
    pd.DataFrame({"x": [1, 2]}).to_parquet(tmp_path / "a.p.pqt")
    assert isinstance(alfio.load_file(tmp_path / "a.one.csv"), pd.Series)
    assert list(alfio.load_file(tmp_path / "a.two.csv").columns) == ["x", "y"]
    assert list(alfio.load_file(tmp_path / "a.t.tsv").columns) == ["x", "y"]
    assert list(alfio.load_file(tmp_path / "a.h.htsv")) == [7]
    assert list(alfio.load_file(tmp_path / "a.s.ssv").columns) == ["x", "y"]
    assert alfio.load_file(tmp_path / "a.p.pqt")["x"].tolist() == [1, 2]


def test_empty_unknown_missing(tmp_path):
    (tmp_path / "a.b.npy").touch()
    (tmp_path / "a.b.bin").write_bytes(b"\0\1")
    with open(tmp_path / "a.up.NPY", "wb") as fh:
        np.save(fh, np.arange(2))
    assert alfio.load_file(tmp_path / "a.b.npy") is None
    assert alfio.load_file(tmp_path / "a.b.bin") == tmp_path / "a.b.bin"
    assert alfio.load_file(tmp_path / "a.up.NPY") == tmp_path / "a.up.NPY"  # exact, lower-case suffix
    assert alfio.load_file(None) is None and alfio.load_file("") is None
    with pytest.raises(FileNotFoundError):
        alfio.load_file(tmp_path / "missing.x.npy")


def test_check_dimensions_rules():
    check = alfio.check_dimensions
    assert check({"a": np.zeros(5), "b": np.zeros((5, 3)), "c": np.zeros(1)})
    assert not check({"a": np.zeros(5), "b": np.zeros(4)})
    assert not check({"a": np.zeros(0), "b": np.zeros(5)})
    assert check({"a": np.zeros(5), "scalar": np.array(3.0)})  # ONE: IndexError
    assert check({"a": np.zeros(5), "timestamps": np.zeros((3, 2))})  # (k, 2) sync points, any k
    assert not check({"a": np.zeros(5), "timestamps": np.zeros(4)})  # a vector counts
    assert not check({"a": np.zeros(5), "times": np.zeros((2, 2))})  # only timestamps are exempt
    assert check({"a": np.zeros(5), "meta": {"x": 1}, "lst": [1, 2]})
    assert check({})


def test_ts2vec():
    np.testing.assert_allclose(alfio.ts2vec(np.array([[0, 10], [4, 14]]), 5), [10, 11, 12, 13, 14])
    np.testing.assert_allclose(alfio.ts2vec(np.array([[0, 0], [2, 2], [4, 6]]), 5), [0, 1, 2, 4, 6])
    np.testing.assert_allclose(alfio.ts2vec(np.arange(3).reshape(3, 1), 3), [0, 1, 2])
    with pytest.raises(ValueError):
        alfio.ts2vec(np.zeros((3, 3)), 3)


def _obj(tmp_path: Path, files: dict[str, object]) -> list[Path]:
    out = []
    for name, value in files.items():
        path = tmp_path / name
        if isinstance(value, (dict, list)):
            path.write_text(json.dumps(value))
        elif isinstance(value, pd.DataFrame):
            value.to_parquet(path)
        else:
            np.save(path, value)
        out.append(path)
    return out


def test_keys_timescale_extra_namespace(tmp_path):
    files = _obj(tmp_path, {
        "_ibl_trials.intervals.npy": np.zeros((4, 2)),
        "_ibl_trials.intervals_bpod.npy": np.ones((4, 2)),
        "_ibl_trials.goCue_times.npy": np.zeros(4),
        "_ibl_trials.y_ts.part1.part2.npy": np.zeros(4),
    })
    bunch = alfio.load_object(files)
    assert sorted(bunch) == ["goCue_times", "intervals", "intervals_bpod", "y_ts.part1.part2"]
    assert bunch.intervals_bpod[0, 0] == 1  # attribute access
    assert sorted(alfio.load_object(files, short_keys=True)) == ["goCue_times", "intervals", "intervals_bpod", "y_ts"]
    with pytest.raises(AttributeError):
        bunch.nothing


def test_duplicate_keys_name_both_files(tmp_path):
    files = _obj(tmp_path, {"_ibl_obj.attr.npy": np.zeros(2), "obj.attr.npy": np.zeros(2)})
    with pytest.raises(ALFMultipleObjectsFound, match=r"_ibl_obj\.attr\.npy and obj\.attr\.npy"):
        alfio.load_object(files)
    parts = _obj(tmp_path, {"o.a.p1.npy": np.zeros(2), "o.a.p2.npy": np.zeros(2)})
    assert sorted(alfio.load_object(parts)) == ["a.p1", "a.p2"]
    with pytest.raises(ALFMultipleObjectsFound):
        alfio.load_object(parts, short_keys=True)


def test_metadata_columns_split_last_axis(tmp_path):
    files = _obj(tmp_path, {
        "obj.attr.npy": np.arange(6).reshape(3, 2),
        "obj.attr.metadata.json": {"columns": ["left", "right"], "units": "s"},
        "obj.other.npy": np.zeros(3),
    })
    bunch = alfio.load_object(files)
    assert sorted(bunch) == ["attrmetadata", "left", "other", "right"]
    np.testing.assert_array_equal(bunch.right, [1, 3, 5])
    assert bunch.attrmetadata == {"units": "s"}
    # short keys no longer collide with the side file (ONE: AssertionError)
    assert sorted(alfio.load_object(files, short_keys=True)) == sorted(bunch)
    # the side file is found on disk even when only the data file is given
    assert sorted(alfio.load_object(files[:1])) == ["attrmetadata", "left", "right"]
    bad = _obj(tmp_path, {"bad.attr.npy": np.zeros((3, 3)), "bad.attr.metadata.json": {"columns": ["a"]}})
    with pytest.raises(ALFInvalid, match="3 columns"):
        alfio.load_object(bad)


def test_table_expansion(tmp_path):
    table = pd.DataFrame({"stimOn_times": [0.1, 0.2], "intervals_0": [0.0, 1.0], "intervals_1": [0.5, 1.5], "choice": [1, -1]})
    files = _obj(tmp_path, {"trials.table.pqt": table, "trials.choice.npy": np.array([9, 9]), "trials.extra.npy": np.zeros(2)})
    bunch = alfio.load_object(files)
    assert sorted(bunch) == ["choice", "extra", "intervals", "stimOn_times"]
    assert bunch.intervals.shape == (2, 2) and bunch.intervals[1, 1] == 1.5
    assert list(bunch.choice) == [1, -1]  # the table column overrides the attribute file
    clocked = _obj(tmp_path / "", {"wheel.table_bpod.pqt": pd.DataFrame({"pos": [1.0, 2.0], "iv_0": [0, 1], "iv_1": [1, 2]})})
    assert sorted(alfio.load_object(clocked)) == ["iv_bpod", "pos_bpod"]


def test_timestamps_interpolated_and_vectors_kept(tmp_path):
    sync = _obj(tmp_path, {"wheel.position.npy": np.arange(5.0), "wheel.timestamps.npy": np.array([[0, 10.0], [4, 14.0]])})
    np.testing.assert_allclose(alfio.load_object(sync).timestamps, [10, 11, 12, 13, 14])
    three = _obj(tmp_path, {"w2.position.npy": np.arange(5.0), "w2.timestamps.npy": np.array([[0, 0.0], [2, 2.0], [4, 6.0]])})
    np.testing.assert_allclose(alfio.load_object(three).timestamps, [0, 1, 2, 4, 6])  # ONE: inconsistent
    vec = _obj(tmp_path, {"w3.position.npy": np.arange(3.0), "w3.timestamps.npy": np.array([5.0, 6.0, 7.0])})
    np.testing.assert_allclose(alfio.load_object(vec).timestamps, [5, 6, 7])


def test_inconsistent_lengths_warn_and_scalars_do_not_crash(tmp_path):
    files = _obj(tmp_path, {"obj.a.npy": np.zeros(5), "obj.b.npy": np.zeros(4)})
    with pytest.warns(ALFWarning, match="inconsistent dimensions"):
        bunch = alfio.load_object(files)
    assert bunch.check_dimensions == 1
    scal = _obj(tmp_path, {"s.a.npy": np.zeros(5), "s.rate.npy": np.array(30.0), "s.timestamps.npy": np.array([[0, 0.0], [4, 4.0]])})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bunch = alfio.load_object(scal)
    assert bunch.rate.shape == () and len(bunch.timestamps) == 5


def test_load_object_from_folder_with_filters(tmp_path):
    _obj(tmp_path, {
        "spikes.times.npy": np.zeros(3), "spikes.clusters.npy": np.zeros(3), "_ibl_spikes.amps.npy": np.zeros(3),
        "spikes.times_ephysClock.npy": np.zeros(3), "clusters.depths.npy": np.zeros(2),
    })
    assert sorted(alfio.load_object(tmp_path, "spikes")) == ["amps", "clusters", "times", "times_ephysClock"]
    assert sorted(alfio.load_object(tmp_path, "spikes", namespace="ibl")) == ["amps"]
    assert sorted(alfio.load_object(tmp_path, "spikes", namespace=None, timescale=None)) == ["clusters", "times"]
    assert sorted(alfio.load_object(tmp_path, "spikes", attribute="t*")) == ["times", "times_ephysClock"]
    assert sorted(alfio.load_object(tmp_path / "spikes.times.npy")) == ["amps", "clusters", "times", "times_ephysClock"]
    with pytest.raises(ALFObjectNotFound):
        alfio.load_object(tmp_path, "nothing")
    with pytest.raises(ValueError):
        alfio.load_object(tmp_path)
    with pytest.raises(TypeError):
        alfio.load_object(tmp_path, "spikes", colour="red")
    with pytest.raises(ALFMultipleObjectsFound):
        alfio.load_object([tmp_path / "spikes.times.npy", tmp_path / "clusters.depths.npy"])


def test_to_df(tmp_path):
    bunch = alfio.AlfBunch(a=np.arange(3), iv=np.zeros((3, 2)), col=np.arange(3).reshape(3, 1))
    df = bunch.to_df()
    assert list(df.columns) == ["a", "iv_0", "iv_1", "col"]
    with pytest.raises(ValueError):
        alfio.AlfBunch(a=np.arange(3), b=np.arange(2)).to_df()
