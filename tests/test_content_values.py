"""alflint.content value readers: int_range and order checks, chunked."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from alflint.content import values as values_module
from alflint.content import (
    ContentError,
    check_order,
    first_decrease,
    int_range,
    is_monotonic_increasing,
)


@pytest.fixture(autouse=True, params=["struct", "numpy"])
def engine(request, monkeypatch):
    """Run every test twice: small arrays decoded by struct, and everything through numpy."""
    monkeypatch.setattr(values_module, "SMALL_ELEMENTS", 10**12 if request.param == "struct" else -1)
    return request.param


def save(path, array):
    np.save(path, array)
    return path


# --------------------------------------------------------------------------------------------
# int_range
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["<i8", "<i4", "<u2", ">i4", "|u1", "|i1"])
def test_int_range_integers(tmp_path, dtype):
    a = np.array([5, 3, 9, 0, 7, 2], dtype=dtype)
    r = int_range(save(tmp_path / "a.npy", a), chunk=4)
    assert r == (0, 9, True)
    assert type(r.minimum) is int


def test_int_range_floats_ignore_nan(tmp_path):
    a = np.array([np.nan, 2.5, -1.0, np.nan, 4.0])
    assert int_range(save(tmp_path / "f.npy", a), chunk=2) == (-1.0, 4.0, False)


def test_int_range_all_nan_and_empty(tmp_path):
    assert int_range(save(tmp_path / "n.npy", np.full(5, np.nan))) == (None, None, False)
    assert int_range(save(tmp_path / "e.npy", np.zeros(0, dtype=np.int64))) == (None, None, True)


def test_int_range_2d_and_fortran_all_elements(tmp_path):
    a = np.arange(12, dtype=np.int32).reshape(4, 3) - 4
    assert int_range(save(tmp_path / "c.npy", a), chunk=5) == (-4, 7, True)
    assert int_range(save(tmp_path / "f.npy", np.asfortranarray(a)), chunk=5) == (-4, 7, True)


def test_int_range_bool_reads_as_int(tmp_path):
    assert int_range(save(tmp_path / "b.npy", np.array([True, True]))) == (1, 1, False)


@pytest.mark.parametrize("array", [np.array(["a", "b"]), np.array([1, None], dtype=object),
                                   np.array([1 + 2j])])
def test_int_range_not_numbers(tmp_path, array):
    with pytest.raises(ContentError):
        int_range(save(tmp_path / "x.npy", array))


def test_int_range_malformed_file_is_content_error(tmp_path):
    p = save(tmp_path / "t.npy", np.arange(10))
    p.write_bytes(p.read_bytes()[:-8])
    with pytest.raises(ContentError, match="truncated"):
        int_range(p)


def test_int_range_bin(tmp_path):
    np.array([[1, 200], [3, -4]], dtype="<i2").tofile(tmp_path / "obj.attr.bin")
    (tmp_path / "obj.attr.metadata.json").write_text(json.dumps({"dtype": "<i2", "columns": ["a", "b"]}))
    assert int_range(tmp_path / "obj.attr.bin") == (-4, 200, True)
    (tmp_path / "obj.attr.metadata.json").unlink()
    with pytest.raises(ContentError, match="without metadata"):
        int_range(tmp_path / "obj.attr.bin")


def test_int_range_parquet_from_statistics_and_data(tmp_path):
    p = tmp_path / "t.pqt"
    pq.write_table(pa.table({"i": pa.array([4, -2, 9, None, 3], pa.int64())}), p, row_group_size=2)
    assert int_range(p) == (-2, 9, True)
    p2 = tmp_path / "nostats.pqt"
    pq.write_table(pa.table({"i": pa.array([4, -2, 9], pa.int32())}), p2, write_statistics=False)
    assert int_range(p2) == (-2, 9, True)
    p3 = tmp_path / "f.pqt"
    pd.DataFrame({"x": [1.5, np.nan, -3.0], "y": [1, 2, 3]}).to_parquet(p3)
    assert int_range(p3, column="x") == (-3.0, 1.5, False)
    with pytest.raises(ContentError, match="2 columns"):
        int_range(p3)
    with pytest.raises(ContentError, match="no column"):
        int_range(p3, column="z")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hnp.arrays(dtype=st.sampled_from([np.int8, np.int64, np.uint32, np.float32, np.float64]),
                  shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=9)),
       st.integers(1, 7))
def test_int_range_matches_numpy(tmp_path_factory, array, chunk):
    p = save(tmp_path_factory.mktemp("h") / "a.npy", array)
    r = int_range(p, chunk=chunk)
    if array.dtype.kind == "f":
        finite = array[~np.isnan(array)]
        expected = (finite.min().item(), finite.max().item()) if finite.size else (None, None)
    else:
        expected = (array.min().item(), array.max().item()) if array.size else (None, None)
    assert (r.minimum, r.maximum) == expected
    assert r.is_integer_dtype == (array.dtype.kind in "iu")


# --------------------------------------------------------------------------------------------
# order
# --------------------------------------------------------------------------------------------

def test_increasing_with_ties(tmp_path):
    p = save(tmp_path / "t.npy", np.array([0.0, 1.0, 1.0, 2.0, 5.0]))
    assert is_monotonic_increasing(p, chunk=2)
    assert check_order(p) == (None, None, 5)


def test_first_decrease_within_and_across_chunks(tmp_path):
    a = np.arange(20, dtype=np.int64)
    a[13] = 5
    p = save(tmp_path / "d.npy", a)
    for chunk in (1, 3, 4, 13, 14, 100):
        assert first_decrease(p, chunk=chunk) == 13, chunk


def test_nan_is_skipped_and_reported(tmp_path):
    p = save(tmp_path / "n.npy", np.array([1.0, np.nan, 2.0, 3.0]))
    assert check_order(p, chunk=2) == (None, 1, 4)
    p = save(tmp_path / "m.npy", np.array([2.0, np.nan, np.nan, 1.0]))
    for chunk in (1, 2, 3, 10):
        assert check_order(p, chunk=chunk) == (3, 1, 4)


def test_intervals_first_column_c_and_fortran(tmp_path):
    iv = np.array([[0.0, 1.0], [2.0, 3.0], [1.5, 4.0], [5.0, 6.0]])
    for arr in (iv, np.asfortranarray(iv)):
        p = save(tmp_path / "iv.npy", arr)
        for chunk in (1, 2, 3, 8):
            assert first_decrease(p, chunk=chunk) == 2
            assert first_decrease(p, column=1, chunk=chunk) is None
    sorted_iv = np.array([[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]], dtype=np.int64)
    for arr in (sorted_iv, np.asfortranarray(sorted_iv)):
        p = save(tmp_path / "ok.npy", arr)
        for column in (0, 1, -1):
            for chunk in (1, 2, 3, 4, 100):
                assert check_order(p, column=column, chunk=chunk) == (None, None, 5)


def test_column_vector_and_errors(tmp_path):
    p = save(tmp_path / "c.npy", np.array([[3], [2], [1]], dtype=np.int16))
    assert first_decrease(p) == 1
    with pytest.raises(ContentError, match="out of range"):
        first_decrease(save(tmp_path / "k.npy", np.zeros((3, 2))), column=2)
    with pytest.raises(ContentError, match="1-d or 2-d"):
        first_decrease(save(tmp_path / "d3.npy", np.zeros((2, 2, 2))))
    with pytest.raises(ContentError, match="cannot be ordered"):
        first_decrease(save(tmp_path / "s.npy", np.array(["b", "a"])))


def test_datetimes_with_nat(tmp_path):
    a = np.array(["2021-01-01", "NaT", "2021-01-03", "2021-01-02"], dtype="datetime64[D]")
    assert check_order(save(tmp_path / "t.npy", a), chunk=2) == (3, 1, 4)


def test_empty_and_zero_d(tmp_path):
    assert check_order(save(tmp_path / "e.npy", np.zeros(0))) == (None, None, 0)
    assert check_order(save(tmp_path / "z.npy", np.array(3.0))) == (None, None, 1)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hnp.arrays(dtype=st.sampled_from([np.int32, np.float64]), shape=st.integers(0, 40),
                  elements=st.integers(-5, 5)),
       st.integers(1, 9), st.booleans())
def test_first_decrease_matches_reference(tmp_path_factory, array, chunk, with_nan):
    if with_nan and array.dtype.kind == "f" and array.size > 2:
        array[::3] = np.nan
    p = save(tmp_path_factory.mktemp("o") / "a.npy", array)
    # reference: compare each non-NaN value with the running previous non-NaN value
    expected, prev = None, None
    for i, v in enumerate(array.tolist()):
        if v != v:
            continue
        if prev is not None and v < prev:
            expected = i
            break
        prev = v
    assert first_decrease(p, chunk=chunk) == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hnp.arrays(dtype=st.sampled_from([np.int16, np.float32]), shape=hnp.array_shapes(min_dims=2, max_dims=2, max_side=12),
                  elements=st.integers(-3, 3)),
       st.integers(1, 9), st.booleans(), st.data())
def test_column_order_matches_reference(tmp_path_factory, array, chunk, fortran, data):
    column = data.draw(st.integers(0, array.shape[1] - 1))
    if fortran:
        array = np.asfortranarray(array)
    p = save(tmp_path_factory.mktemp("c") / "a.npy", array)
    values = array[:, column]
    down = np.flatnonzero(np.maximum.accumulate(values)[:-1] > values[1:]) if values.size > 1 else []
    expected = int(down[0]) + 1 if len(down) else None
    assert first_decrease(p, column=column, chunk=chunk) == expected


def test_default_threshold_small_files_skip_numpy_large_use_it(tmp_path, engine):
    if engine == "numpy":
        pytest.skip("runs in a subprocess with the default threshold: once is enough")
    small = save(tmp_path / "s.npy", np.arange(1000, dtype=np.int64))
    big = save(tmp_path / "b.npy", np.arange(70000, dtype=np.int64)[::-1].copy())
    code = (
        "import sys\n"
        "from alflint.content import int_range, check_order\n"
        f"assert int_range({os.fspath(small)!r}) == (0, 999, True)\n"
        f"assert check_order({os.fspath(small)!r}).first_decrease is None\n"
        "assert 'numpy' not in sys.modules\n"
        f"assert check_order({os.fspath(big)!r}).first_decrease == 1\n"
        "assert 'numpy' in sys.modules\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


def test_bin_big_endian_and_named_dtype(tmp_path):
    np.array([[3, 1], [2, 5], [4, 0]], dtype=">i4").tofile(tmp_path / "obj.attr.bin")
    (tmp_path / "obj.attr.metadata.json").write_text(json.dumps({"dtype": ">i4", "columns": ["a", "b"]}))
    assert int_range(tmp_path / "obj.attr.bin") == (0, 5, True)
    assert first_decrease(tmp_path / "obj.attr.bin") == 1
    assert first_decrease(tmp_path / "obj.attr.bin", column=1) == 2
    np.array([0.5, 0.25], dtype=np.float32).tofile(tmp_path / "obj.f.bin")
    (tmp_path / "obj.f.metadata.json").write_text(json.dumps({"dtype": "float32", "columns": ["x"]}))
    assert int_range(tmp_path / "obj.f.bin") == (0.25, 0.5, False)
    assert first_decrease(tmp_path / "obj.f.bin") == 1
