"""read_facts on arbitrary and corrupted bytes: facts or ContentError, never another exception."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from alflint.content import READERS, ContentError, ContentFacts, read_facts

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def outcome(path, ext):
    try:
        facts = read_facts(path, ext)
    except ContentError as err:
        assert str(err) and "Traceback" not in str(err)
        return err
    assert isinstance(facts, ContentFacts)
    return facts


def npy_bytes(array, version=None) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, version=version, allow_pickle=True)
    return buf.getvalue()


VALID_NPY = [
    npy_bytes(np.arange(6.0).reshape(3, 2)),
    npy_bytes(np.array(["ab", "c"]), (3, 0)),
    npy_bytes(np.zeros(3, dtype=[("a", "<f8"), ("b", "<i2")]), (2, 0)),
]


@pytest.mark.parametrize("ext", sorted(READERS))
@FUZZ
@given(data=st.binary(max_size=300))
@example(data=b"\x93NUMPY")
@example(data=b"\x93NUMPY\x01\x00\xff\xff")
@example(data=b"\x93NUMPY\x03\x00\x10\x00\x00\x00\xff\xfe{}        \n")
@example(data=b"\xef\xbb\xbf")
@example(data=b"PAR1")
@example(data=b"PAR1\x00\x00\x00\x00PAR1")
def test_any_bytes(tmp_path, ext, data):
    path = tmp_path / f"obj.attr.{ext}"
    path.write_bytes(data)
    outcome(path, ext)


@FUZZ
@given(which=st.sampled_from(range(len(VALID_NPY))), pos=st.integers(0, 127), value=st.integers(0, 255),
       cut=st.integers(0, 40))
def test_corrupted_npy_header(tmp_path, which, pos, value, cut):
    data = bytearray(VALID_NPY[which])
    data[pos] = value
    path = tmp_path / "a.npy"
    path.write_bytes(bytes(data[: len(data) - cut]))
    result = outcome(path, "npy")
    if isinstance(result, ContentFacts):
        # whatever header survived, the size check held: numpy must load the file as described
        loaded = np.load(path, allow_pickle=True)
        assert loaded.shape == result.shape


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)


@FUZZ
@given(meta=st.one_of(
    json_values,
    st.fixed_dictionaries({"dtype": st.sampled_from(["<f8", "int16", "float", "i3", "O", "S0", "<U2", "M8[s]", "x"]),
                           "columns": st.lists(st.text(max_size=3), max_size=3)}),
), size=st.integers(0, 64))
def test_bin_metadata_any_json(tmp_path, meta, size):
    (tmp_path / "obj.attr.bin").write_bytes(b"\x01" * size)
    (tmp_path / "obj.attr.metadata.json").write_text(json.dumps(meta))
    result = outcome(tmp_path / "obj.attr.bin", "bin")
    if isinstance(result, ContentFacts) and size:
        assert result.rows is not None and result.rows * len(result.columns) * np.dtype(meta["dtype"]).itemsize == size
