"""The pure-Python parquet footer reader against pyarrow, on real files written by pandas and
pyarrow: same facts, the fast path really taken for the safe subset, the fallback for the
rest, and never an exception of its own on corrupt footers."""

from __future__ import annotations

import datetime
import json
import os
import struct
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alflint.content import ContentError
from alflint.content._parquet_footer import read_schema
from alflint.content.parquet import _pyarrow_facts, footer_facts, parquet_facts


@pytest.fixture(autouse=True)
def pure_reader_first(monkeypatch):
    """Every footer of these tests goes to the pure reader first: after PURE_SECONDS of them a
    process lets pyarrow decode the rest, which would compare pyarrow with itself."""
    from alflint.content import parquet

    monkeypatch.setattr(parquet, "PURE_SECONDS", float("inf"))


def both(path):
    """The pure reader's facts (``parquet_facts`` when it steps aside) and pyarrow's."""
    size = os.stat(path).st_size
    return footer_facts(path, size) or parquet_facts(path), _pyarrow_facts(path, size)


def assert_fast_and_equal(path):
    assert read_schema(path) is not None, "the pure reader should have answered"
    fast, slow = both(path)
    assert fast == slow
    return fast


def assert_fallback_and_equal(path):
    assert read_schema(path) is None, "the pure reader should have left this to pyarrow"
    fast, slow = both(path)
    assert fast == slow
    return fast


# --------------------------------------------------------------------------------------------
# pandas-written files (the safe subset)

N = 5
_INTS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]

PANDAS_FRAMES = {
    **{f"ints_{t}": lambda t=t: pd.DataFrame({"a": np.arange(N, dtype=t)}) for t in _INTS},
    "nullable_ints": lambda: pd.DataFrame({f"c{t}": pd.array([1, None, 3, 4, 5], dtype=t.capitalize().replace("Ui", "UI"))
                                           for t in _INTS}),
    "float16": lambda: pd.DataFrame({"h": np.arange(N, dtype="float16")}),
    "float32": lambda: pd.DataFrame({"f": np.arange(N, dtype="float32")}),
    "float64": lambda: pd.DataFrame({"d": np.arange(N, dtype="float64")}),
    "bool": lambda: pd.DataFrame({"b": [True, False, True, False, True]}),
    "nullable_bool": lambda: pd.DataFrame({"b": pd.array([True, None, False, True, None], dtype="boolean")}),
    "strings": lambda: pd.DataFrame({"s": list("abcde")}),
    "strings_with_none": lambda: pd.DataFrame({"s": ["a", None, "c", "d", None]}),
    "string_dtype": lambda: pd.DataFrame({"s": pd.array(list("abcde"), dtype="string")}),
    "categorical": lambda: pd.DataFrame({"c": pd.Categorical(list("abcab"))}),
    "categorical_ordered": lambda: pd.DataFrame({"c": pd.Categorical(list("abcab"), ordered=True)}),
    "categorical_wide": lambda: pd.DataFrame({"c": pd.Categorical([f"v{i}" for i in range(300)])}),
    "categorical_int": lambda: pd.DataFrame({"c": pd.Categorical([1, 2, 3, 1, 2])}),
    "dt_naive_ns": lambda: pd.DataFrame({"t": pd.date_range("2020-01-01", periods=N, freq="s")}),
    "dt_naive_us": lambda: pd.DataFrame({"t": pd.date_range("2020-01-01", periods=N, freq="s").astype("datetime64[us]")}),
    "dt_naive_ms": lambda: pd.DataFrame({"t": pd.date_range("2020-01-01", periods=N, freq="s").astype("datetime64[ms]")}),
    "dt_naive_s": lambda: pd.DataFrame({"t": pd.date_range("2020-01-01", periods=N, freq="s").astype("datetime64[s]")}),
    "dt_utc": lambda: pd.DataFrame({"t": pd.date_range("2020-01-01", periods=N, freq="s", tz="UTC")}),
    "dt_paris": lambda: pd.DataFrame({"t": pd.date_range("2020-01-01", periods=N, freq="s", tz="Europe/Paris")}),
    "dt_paris_ms": lambda: pd.DataFrame({"t": pd.date_range("2020-01-01", periods=N, freq="s", tz="Europe/Paris").astype("datetime64[ms, Europe/Paris]")}),
    "dt_offset": lambda: pd.DataFrame({"t": pd.date_range("2020-01-01", periods=N, freq="s", tz=datetime.timezone(datetime.timedelta(hours=2)))}),
    "dt_with_nat": lambda: pd.DataFrame({"t": pd.to_datetime(["2020-01-01", None, "2021-01-01", None, "2022-01-01"])}),
    "timedelta_ns": lambda: pd.DataFrame({"d": pd.to_timedelta(np.arange(N), unit="s")}),
    "timedelta_s": lambda: pd.DataFrame({"d": pd.to_timedelta(np.arange(N), unit="s").astype("timedelta64[s]")}),
    "bytes": lambda: pd.DataFrame({"b": [b"a", b"bc", b"", b"d", b"e"]}),
    "all_none": lambda: pd.DataFrame({"n": [None] * N}),
    "dates": lambda: pd.DataFrame({"d": [datetime.date(2020, 1, i + 1) for i in range(N)]}),
    "empty": lambda: pd.DataFrame({"a": np.array([], dtype="int64"), "s": np.array([], dtype=object)}),
    "no_columns": lambda: pd.DataFrame(index=range(3)),
    "mixed": lambda: pd.DataFrame({"i": np.arange(N), "f": np.linspace(0, 1, N), "s": list("vwxyz"),
                                   "b": [True] * N, "t": pd.date_range("2000", periods=N)}),
    "wide": lambda: pd.DataFrame({f"col{i}": np.arange(N, dtype=["int8", "float32", "int64"][i % 3]) for i in range(300)}),
    "unicode_names": lambda: pd.DataFrame({"éà ü": [1, 2], "列": [1.0, 2.0], "": ["x", "y"]}),
    "named_index": lambda: pd.DataFrame({"x": [1.0, 2.0]}, index=pd.Index(["r1", "r2"], name="id")),
    "unnamed_index": lambda: pd.DataFrame({"x": [1.0, 2.0]}, index=pd.Index(["r1", "r2"])),
    "int_index": lambda: pd.DataFrame({"x": [1.0, 2.0]}, index=pd.Index([10, 20])),
    "multi_index": lambda: pd.DataFrame({"x": [1.0, 2.0]}, index=pd.MultiIndex.from_tuples([("a", 1), ("b", 2)], names=["k", None])),
    "datetime_index": lambda: pd.DataFrame({"x": [1.0, 2.0]}, index=pd.date_range("2020", periods=2, name="when")),
    "range_index_step": lambda: pd.DataFrame({"x": [1.0, 2.0, 3.0]}, index=pd.RangeIndex(0, 6, 2, name="r")),
    "large_rows": lambda: pd.DataFrame({"a": np.zeros(300_000, dtype="int8")}),
}


@pytest.mark.parametrize("name", sorted(PANDAS_FRAMES))
@pytest.mark.parametrize("index", [None, False])
def test_pandas_files_fast_and_equal(tmp_path, name, index):
    path = tmp_path / f"{name}.pqt"
    PANDAS_FRAMES[name]().to_parquet(path, index=index)
    facts = assert_fast_and_equal(path)
    assert facts.rows == pq.read_metadata(path).num_rows


def test_pandas_named_index_is_not_a_column(tmp_path):
    path = tmp_path / "i.pqt"
    PANDAS_FRAMES["named_index"]().to_parquet(path)
    facts = assert_fast_and_equal(path)
    assert facts.columns == ("x",)


@pytest.mark.parametrize("version", ["1.0", "2.4", "2.6"])
@pytest.mark.parametrize("compression", ["snappy", "none", "zstd"])
def test_writer_versions_and_compression(tmp_path, version, compression):
    path = tmp_path / "v.pqt"
    PANDAS_FRAMES["mixed"]().assign(u=np.arange(N, dtype="uint32"),
                                    d=pd.to_timedelta(np.arange(N), unit="s"),
                                    ).to_parquet(path, version=version, compression=compression)
    fast, slow = both(path)  # version 1.0 stores uint32 as int64: either path, same answer
    assert fast == slow


def test_multiple_row_groups(tmp_path):
    path = tmp_path / "rg.pqt"
    pq.write_table(pa.table({"a": np.arange(10_000), "s": [str(i) for i in range(10_000)]}), path,
                   row_group_size=1000)
    assert pq.read_metadata(path).num_row_groups == 10
    assert assert_fast_and_equal(path).rows == 10_000


def test_multiple_row_groups_with_shapes_learned(tmp_path, monkeypatch):
    """Row groups whose column chunks are checked by learned shapes, one list at a time: the
    same facts as pyarrow, and a row group cut short is still refused."""
    footer = forget_footers(monkeypatch, 0)
    path = tmp_path / "rg.pqt"
    pq.write_table(pa.table({"a": np.arange(10_000), "s": [f"v{i:05d}" for i in range(10_000)]}), path,
                   row_group_size=1000)
    first = read_schema(path)
    assert first.num_rows == 10_000 and read_schema(path).names == first.names
    assert any(footer._RUNS.values())
    walked = footer._walked
    assert assert_fast_and_equal(path).rows == 10_000
    assert footer._walked == walked  # read by the patterns alone
    data = path.read_bytes()
    start = len(data) - 8 - struct.unpack("<I", data[-8:-4])[0]
    refused = 0
    for at in range(start, len(data) - 8):  # every list of two structs claims three
        if data[at:at + 2] == b"\x19\x2c":
            broken = tmp_path / f"broken{at}.pqt"
            broken.write_bytes(data[:at + 1] + b"\x3c" + data[at + 2:])
            pure = read_schema(broken)
            try:
                expected = _pyarrow_facts(broken, len(data))
            except ContentError:
                assert pure is None, at
                refused += 1
            else:
                assert pure is None or parquet_facts(broken) == expected, at
    assert refused >= 10


@pytest.mark.parametrize("rows, columns", [(200_000, 2), (3, 1500), (50_000, 400)])
def test_big_files_and_big_footers(tmp_path, rows, columns):
    """Files beyond the first read, footers beyond it too."""
    path = tmp_path / "big.pqt"
    rng = np.random.default_rng(0)
    pd.DataFrame({f"c{i}": rng.random(rows) for i in range(columns)}).to_parquet(path)
    size = os.stat(path).st_size
    length = struct.unpack("<I", path.read_bytes()[-8:-4])[0]
    assert size > 64 * 1024 or length > 64 * 1024
    assert assert_fast_and_equal(path).shape == (rows, columns)


def test_statistics_off_and_dictionary_off(tmp_path):
    path = tmp_path / "o.pqt"
    pq.write_table(pa.table({"a": np.arange(10), "s": list("abcdefghij")}), path,
                   write_statistics=False, use_dictionary=False)
    assert_fast_and_equal(path)


def test_user_key_value_metadata(tmp_path):
    path = tmp_path / "m.pqt"
    table = pa.table({"a": [1, 2]}).replace_schema_metadata({"who": "me", "pandas_x": "{}"})
    pq.write_table(table, path)
    assert_fast_and_equal(path)


_PANDAS_META = '{"index_columns": ["id"]}'


@pytest.mark.parametrize("schema_meta, kv_extra, store_schema", [
    (None, {"pandas": _PANDAS_META}, True),  # only in the key-value list: ignored by pyarrow
    ({"pandas": _PANDAS_META}, None, True),
    ({"other": "x"}, {"pandas": _PANDAS_META}, True),
    ({"pandas": _PANDAS_META}, {"pandas": '{"index_columns": []}'}, True),  # duplicate key
    ({"pandas": _PANDAS_META}, {"x": "y"}, True),
    (None, {"pandas": _PANDAS_META}, False),  # without ARROW:schema the list is used
    ({"pandas": _PANDAS_META}, {"x": "y"}, False),
    ({"pandas": "not json"}, None, True),
    ({"pandas": '{"index_columns": [{"kind": "range"}, "id", 3]}'}, None, True),
])
def test_pandas_metadata_source(tmp_path, schema_meta, kv_extra, store_schema):
    """With ARROW:schema, pyarrow's schema metadata is the stored schema's, not the footer's
    key-value list; without it, the key-value list."""
    path = tmp_path / "k.pqt"
    table = pa.table({"a": [1], "id": ["x"]}).replace_schema_metadata(schema_meta)
    with pq.ParquetWriter(path, table.schema, store_schema=store_schema) as writer:
        writer.write_table(table)
        if kv_extra:
            writer.add_key_value_metadata(kv_extra)
    fast, slow = both(path)
    assert fast == slow


# --------------------------------------------------------------------------------------------
# pyarrow-written files, with and without ARROW:schema

ARROW_COLUMNS = {
    "bool": pa.array([True, None], pa.bool_()),
    **{t: pa.array([1, None], getattr(pa, t)()) for t in _INTS},
    "halffloat": pa.array([np.float16(1), None], pa.float16()),
    "float": pa.array([1.0, None], pa.float32()),
    "double": pa.array([1.0, None], pa.float64()),
    "string": pa.array(["a", None], pa.string()),
    "large_string": pa.array(["a", None], pa.large_string()),
    "binary": pa.array([b"a", None], pa.binary()),
    "large_binary": pa.array([b"a", None], pa.large_binary()),
    "date32": pa.array([1, None], pa.date32()),
    "null": pa.array([None, None], pa.null()),
    **{f"ts_{u}": pa.array([1, None], pa.timestamp(u)) for u in ("s", "ms", "us", "ns")},
    **{f"ts_{u}_utc": pa.array([1, None], pa.timestamp(u, tz="UTC")) for u in ("s", "ms", "us", "ns")},
    **{f"ts_{u}_ny": pa.array([1, None], pa.timestamp(u, tz="America/New_York")) for u in ("s", "ms", "us", "ns")},
    "ts_offset": pa.array([1, None], pa.timestamp("us", tz="-03:30")),
    **{f"dur_{u}": pa.array([1, None], pa.duration(u)) for u in ("s", "ms", "us", "ns")},
    **{f"dict_{i}": pa.DictionaryArray.from_arrays(pa.array([0, None], getattr(pa, i)()), pa.array(["x"]))
       for i in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32")},
    "dict_ordered": pa.DictionaryArray.from_arrays(pa.array([0, 1], pa.int8()), pa.array(["x", "y"]), ordered=True),
    "dict_binary": pa.array([b"a", b"b"]).dictionary_encode(),
    "dict_large_string": pa.array(["a", "b"], pa.large_string()).dictionary_encode(),
    "dict_int": pa.array([1, 2]).dictionary_encode(),
    "dict_double": pa.array([1.0, 2.0]).dictionary_encode(),
}

# not in the safe subset: pyarrow answers (the pure reader must say None)
FALLBACK_COLUMNS = {
    "list": pa.array([[1, 2], None], pa.list_(pa.int64())),
    "large_list": pa.array([[1, 2], None], pa.large_list(pa.int64())),
    "fixed_list": pa.array([[1, 2], None], pa.list_(pa.int64(), 2)),
    "struct": pa.array([{"x": 1, "y": "a"}, None]),
    "map": pa.array([[("k", 1)], None], pa.map_(pa.string(), pa.int64())),
    "decimal": pa.array([1, None], pa.decimal128(10, 2)),
    "decimal256": pa.array([1, None], pa.decimal256(40, 2)),
    "time32": pa.array([1, None], pa.time32("ms")),
    "time64": pa.array([1, None], pa.time64("us")),
    "date64": pa.array([86400000, None], pa.date64()),
    "fixed_binary": pa.array([b"ab", None], pa.binary(2)),
    "string_view": pa.array(["a", None], pa.string_view()),
    "dict_of_dates": pa.array([datetime.date(2020, 1, 1), None]).dictionary_encode(),
    "uuid": pa.array([b"0123456789abcdef", None], pa.uuid()) if hasattr(pa, "uuid") else None,
}
FALLBACK_COLUMNS = {k: v for k, v in FALLBACK_COLUMNS.items() if v is not None}


@pytest.mark.parametrize("name", sorted(ARROW_COLUMNS))
@pytest.mark.parametrize("store_schema", [True, False])
def test_pyarrow_columns_fast_and_equal(tmp_path, name, store_schema):
    path = tmp_path / f"{name}.pqt"
    pq.write_table(pa.table({name: ARROW_COLUMNS[name]}), path, store_schema=store_schema)
    assert_fast_and_equal(path)


def test_all_arrow_columns_together(tmp_path):
    path = tmp_path / "all.pqt"
    pq.write_table(pa.table(ARROW_COLUMNS), path)
    facts = assert_fast_and_equal(path)
    assert "timestamp[ns, tz=America/New_York]" in facts.column_types
    assert "dictionary<values=string, indices=int8, ordered=1>" in facts.column_types


@pytest.mark.parametrize("name", sorted(FALLBACK_COLUMNS))
@pytest.mark.parametrize("store_schema", [True, False])
def test_fallback_columns(tmp_path, name, store_schema):
    path = tmp_path / f"{name}.pqt"
    pq.write_table(pa.table({"a": [1, 2], name: FALLBACK_COLUMNS[name]}), path,
                   store_schema=store_schema)
    if name in ("date64", "dict_of_dates", "string_view") and not store_schema:
        assert_fast_and_equal(path)  # plain date32/string columns once the Arrow schema is gone
    else:
        assert_fallback_and_equal(path)


def test_pandas_nested_falls_back(tmp_path):
    path = tmp_path / "n.pqt"
    pd.DataFrame({"l": [[1, 2], [3]], "d": [{"x": 1}, {"x": 2}]}).to_parquet(path)
    assert_fallback_and_equal(path)


def test_int96_falls_back(tmp_path):
    path = tmp_path / "i96.pqt"
    pq.write_table(pa.table({"t": pa.array([1, 2], pa.timestamp("ns"))}), path,
                   use_deprecated_int96_timestamps=True)
    assert_fallback_and_equal(path)


# --------------------------------------------------------------------------------------------
# random combinations of the safe subset

_SAFE = sorted(ARROW_COLUMNS)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.sampled_from(_SAFE), min_size=1, max_size=12),
       store_schema=st.booleans(), pandas=st.booleans(),
       version=st.sampled_from(["2.6"]))
def test_random_safe_combinations(tmp_path, names, store_schema, pandas, version):
    columns = {f"{i}_{n}": ARROW_COLUMNS[n] for i, n in enumerate(names)}
    table = pa.table(columns)
    path = tmp_path / "h.pqt"
    if pandas:
        frame = table.to_pandas()
        frame.index = pd.Index([f"r{i}" for i in range(len(frame))], name="rid")
        frame.to_parquet(path, version=version)
        fast, slow = both(path)
        assert fast == slow  # pandas round trips may leave the safe subset (dates, ...)
    else:
        pq.write_table(table, path, store_schema=store_schema, version=version)
        assert_fast_and_equal(path)


# --------------------------------------------------------------------------------------------
# corrupt footers: the pure reader says None, parquet_facts words the error as before

def _good(tmp_path):
    path = tmp_path / "good.pqt"
    pd.DataFrame({"a": range(100), "s": [str(i) for i in range(100)]}).to_parquet(path)
    return path.read_bytes()


def _corruptions(data: bytes):
    length = struct.unpack("<I", data[-8:-4])[0]
    footer_start = len(data) - 8 - length
    yield "truncated_tail", data[:-1]
    yield "truncated_half", data[: len(data) // 2]
    yield "tiny", data[:7]
    yield "magic_only", b"PAR1"
    yield "wrong_tail_magic", data[:-4] + b"PAR2"
    yield "wrong_head_magic", b"XXXX" + data[4:]
    yield "length_beyond_file", data[:-8] + struct.pack("<I", len(data) + 10) + b"PAR1"
    yield "length_zero", data[:-8] + struct.pack("<I", 0) + b"PAR1"
    yield "length_huge", data[:-8] + struct.pack("<I", 0xFFFFFFF0) + b"PAR1"
    yield "garbage_thrift", data[:footer_start] + bytes((i * 37 + 11) % 256 for i in range(length)) + data[-8:]
    yield "zero_thrift", data[:footer_start] + bytes(length) + data[-8:]
    yield "ff_thrift", data[:footer_start] + b"\xff" * length + data[-8:]
    yield "footer_cut", data[:footer_start] + data[footer_start:-8][: length // 2] + struct.pack("<I", length // 2) + b"PAR1"
    for i in range(0, length, max(1, length // 40)):
        flipped = bytearray(data)
        flipped[footer_start + i] ^= 0xFF
        yield f"flip_{i}", bytes(flipped)


def test_corrupt_footers(tmp_path):
    data = _good(tmp_path)
    checked = 0
    for name, blob in _corruptions(data):
        path = tmp_path / f"{name}.pqt"
        path.write_bytes(blob)
        pure = read_schema(path)  # must never raise
        try:
            expected = _pyarrow_facts(path, len(blob))
        except ContentError as exc:
            assert pure is None, name
            with pytest.raises(ContentError) as info:
                parquet_facts(path)
            assert str(info.value) == str(exc), name
            assert str(info.value).startswith(path.as_posix()) or "not a readable parquet file" in str(info.value)
            checked += 1
        except Exception:  # noqa: BLE001 - pyarrow chokes another way: the pure reader must too
            assert pure is None, name
        else:
            if pure is not None:
                assert parquet_facts(path) == expected, name
    assert checked >= 10


_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def forget_footers(monkeypatch, learn_after):
    """A reader with nothing learned yet (schemas, Arrow fields, struct shapes), which learns
    shapes after ``learn_after`` walked structs; with ``learn_after=0`` it also compiles the
    pattern of whole lists the first time one is matched by its shapes."""
    from alflint.content import _parquet_footer as footer

    for memo in ("_SHAPES", "_SHAPE_SOURCES", "_SCHEMAS", "_FIELDS_SEEN", "_ARROW_SEEN", "_SETTLED",
                 "_RUNS", "_RUN_SPENT", "_COMPILE_COST"):
        monkeypatch.setattr(footer, memo, {})
    monkeypatch.setattr(footer, "_SCHEMA_LENGTHS", [])
    monkeypatch.setattr(footer, "LEARN_AFTER", learn_after)
    if learn_after == 0:
        monkeypatch.setattr(footer, "RUN_SAVING", 1.0)
    monkeypatch.setattr(footer, "_compiled", 0)
    monkeypatch.setattr(footer, "_walked", 0)
    return footer


def test_the_settled_types_memo_is_bounded_across_table_kinds(tmp_path, monkeypatch):
    """Tables of one kind but another length carry another stored ARROW:schema (pandas'
    RangeIndex ``stop``), so the types settled per (schema list, stored schema) pair grow
    with kinds times lengths: the memo keeps at most its bound in all, not per kind, and
    what it answers after clearing stays right."""
    footer = forget_footers(monkeypatch, learn_after=4096)
    monkeypatch.setattr(footer, "_MEMO_ENTRIES", 8)
    for kind in ("a", "b", "c"):
        for rows in range(1, 7):
            path = tmp_path / f"{kind}{rows}.pqt"
            pd.DataFrame({f"{kind}_x": np.arange(rows), f"{kind}_y": np.ones(rows)}).to_parquet(path)
            assert_fast_and_equal(path)
            assert len(footer._SETTLED) <= 8
    assert footer._SETTLED  # it was used


@pytest.mark.parametrize("learned", [False, True], ids=["cold", "learned"])
@pytest.mark.parametrize("where", ["anywhere", "arrow_schema"])
def test_random_mutations_agree_with_pyarrow(tmp_path, monkeypatch, where, learned):
    """Mutated footers (bytes anywhere, or valid base64 characters inside ARROW:schema): the
    pure reader never raises, and whenever it answers pyarrow reads the very same facts;
    also once it has learned the good file's schema, fields and column-chunk shapes."""
    rng = np.random.default_rng(0 if where == "anywhere" else 1)
    path = tmp_path / "g.pqt"
    pd.DataFrame({"a": np.arange(10, dtype="int16"), "s": list("abcdefghij"),
                  "c": pd.Categorical(list("ababababab")),
                  "t": pd.date_range("2020", periods=10, tz="Europe/Paris"),
                  "d": pd.to_timedelta(np.arange(10), unit="s")},
                 index=pd.Index([f"r{i}" for i in range(10)], name="id")).to_parquet(path)
    footer = forget_footers(monkeypatch, 0 if learned else 10**9)
    for _ in range(3):
        assert read_schema(path) is not None
    walked = footer._walked
    assert read_schema(path) is not None
    assert (footer._walked == walked) is learned  # learned: no column chunk walked again
    data = path.read_bytes()
    length = struct.unpack("<I", data[-8:-4])[0]
    start = len(data) - 8 - length
    b64 = data.index(b"/////", start)  # base64 of the IPC continuation marker
    answered = 0
    for k in range(400):
        blob = bytearray(data)
        for _ in range(int(rng.integers(1, 4))):
            if where == "anywhere":
                blob[start + int(rng.integers(0, length))] = int(rng.integers(0, 256))
            else:
                i = b64 + int(rng.integers(0, 600))
                if blob[i] in _B64:
                    blob[i] = _B64[int(rng.integers(0, 64))]
        mutated = tmp_path / f"r{k}.pqt"
        mutated.write_bytes(bytes(blob))
        pure = read_schema(mutated)
        if pure is not None:  # it read something: pyarrow must read the same
            answered += 1
            assert parquet_facts(mutated) == _pyarrow_facts(mutated, len(blob)), k
    assert answered > 10
    if learned:  # whole lists of column chunks were matched by one pattern, too
        assert any(footer._RUNS.values())


def test_missing_file_is_none(tmp_path):
    assert read_schema(tmp_path / "nope.pqt") is None


# --------------------------------------------------------------------------------------------
# the point of it all: no pyarrow, no numpy

def test_no_pyarrow_no_numpy_import(tmp_path):
    path = tmp_path / "p.pqt"
    pd.DataFrame({"x": np.arange(3.0), "c": pd.Categorical(list("aba")),
                  "t": pd.date_range("2020", periods=3, tz="UTC")},
                 index=pd.Index(["a", "b", "c"], name="id")).to_parquet(path)
    code = ("from alflint.content.parquet import parquet_facts; "
            f"f = parquet_facts({str(path)!r}); "
            "import sys; assert 'pyarrow' not in sys.modules and 'numpy' not in sys.modules, "
            "sorted(m for m in sys.modules if m.split('.')[0] in ('pyarrow', 'numpy', 'pandas')); "
            "assert f.columns == ('x', 'c', 't'), f")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_repository_of_plain_tables_never_imports_pyarrow(tmp_path):
    """Footers the pure reader is sure of are decoded once each and pyarrow stays out."""
    paths = []
    for i in range(4):
        paths.append(tmp_path / f"t{i}.pqt")
        pd.DataFrame({"x": np.arange(1 + i % 2)}).to_parquet(paths[-1])  # two distinct footers
    code = (
        "import sys; from alflint.content import parquet as p; "
        f"facts = [p.parquet_facts(f) for f in {[str(x) for x in paths]!r}]; "
        "print([f.rows for f in facts], facts[0] is facts[2], facts[1] is facts[3], len(p._SEEN), "
        "'pyarrow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.strip()
    assert out == "[1, 2, 1, 2] True True 2 False"


def test_after_many_distinct_footers_pyarrow_decodes_the_rest_with_the_same_facts(tmp_path):
    """A whole repository of distinct tables: footers are decoded in pure Python until that
    took PURE_SECONDS, the rest by pyarrow (faster once imported); the facts are the same
    either way, and a footer pyarrow rejects is still an error worded by pyarrow."""
    paths = []
    for i in range(5):
        paths.append(str(tmp_path / f"t{i}.pqt"))
        pd.DataFrame({"x": np.arange(1 + i), "s": ["a"] * (1 + i)}).to_parquet(paths[-1])  # distinct footers
    bad = tmp_path / "bad.pqt"
    data = (tmp_path / "t4.pqt").read_bytes()
    bad.write_bytes(data[:-12] + b"\xff" * 4 + data[-8:])  # the footer's last bytes broken
    code = f"""
import sys
from alflint.content import ContentError, parquet as p
facts, imported = [], []
for i, path in enumerate({paths!r}):
    if i == 3:
        p.PURE_SECONDS = p._pure_spent  # as if the first three had taken all the time allowed
        p.PYARROW_SECONDS = 0.0  # ... and pyarrow were the faster decoder
    facts.append(p.parquet_facts(path))
    imported.append('pyarrow' in sys.modules)
assert facts == [p._pyarrow_facts(path, f.size) for path, f in zip({paths!r}, facts)], facts
try:
    p.parquet_facts({str(bad)!r})
    print("no error")
except ContentError as exc:
    print(imported, p._pure_decoded, "not a readable parquet file" in str(exc))
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.strip()
    assert out == "[False, False, False, True, True] 3 True"


def test_a_footer_seen_before_still_needs_the_same_size(tmp_path):
    """The memo is keyed by footer bytes and file size: the same footer after more data is
    not a memo hit, and a file whose footer is gone is still an error."""
    good = tmp_path / "good.pqt"
    pd.DataFrame({"x": np.arange(5)}).to_parquet(good)
    first = parquet_facts(good)
    assert parquet_facts(good) is first
    data = good.read_bytes()
    padded = tmp_path / "padded.pqt"
    padded.write_bytes(data[:4] + b"\0" * 100 + data[4:])  # same footer bytes, 100 bytes more
    other = parquet_facts(padded)
    assert other is not first and (other.size, other.rows) == (len(data) + 100, 5)
    bad = tmp_path / "bad.pqt"
    bad.write_bytes(data[:4] + data[-8:])  # the footer's length field, the footer itself gone
    with pytest.raises(ContentError):
        parquet_facts(bad)


@pytest.mark.parametrize("meta, expected", [
    ({"index_columns": [{"kind": "range", "name": None, "start": 0, "stop": 5, "step": 1}], "columns": []}, set()),
    ({"index_columns": ["id"], "columns": [{"name": "x"}]}, {"id"}),
    ({"index_columns": ["a]b", 'q"]', "c"], "columns": []}, {"a]b", 'q"]', "c"}),
    ({"index_columns": [["nested"], "b"], "columns": []}, {"b"}),
    ({"columns": [], "index_columns": ["late"]}, {"late"}),
    ({"index_columns": ["first"], "columns": [], "index_columns ": 1}, {"first"}),
    ({"index_columns": "not a list"}, set()),
    ([], set()),
])
def test_index_columns_from_the_head_of_the_pandas_metadata_or_the_whole(meta, expected):
    """Only the leading index_columns list is parsed when it can be cut out cleanly; every
    other document is read whole, with the same answer."""
    from alflint.content.parquet import _index_columns_raw

    raw = json.dumps(meta).encode()
    assert _index_columns_raw(raw) == expected
    if isinstance(meta, dict):  # a key given twice: the last counts, as in json.loads
        assert _index_columns_raw(raw[:-1] + b', "index_columns": ["second"]}') == {"second"}


def test_the_metadata_reader_equals_pyarrows_public_one(tmp_path):
    """_pyarrow_facts reads metadata through the reader ParquetFile wraps (half the cost):
    the same metadata and schema as pq.read_metadata, also on pandas-written files."""
    from alflint.content.parquet import _read_metadata

    for name in ("mixed", "categorical", "dt_paris", "named_index", "wide"):
        path = tmp_path / f"{name}.pqt"
        PANDAS_FRAMES[name]().to_parquet(path)
        mine, theirs = _read_metadata(path, pq), pq.read_metadata(path)
        assert mine.num_rows == theirs.num_rows
        assert mine.schema.to_arrow_schema().equals(theirs.schema.to_arrow_schema(), check_metadata=True)
    with pytest.raises((pa.ArrowException, OSError)):
        _read_metadata(tmp_path / "missing.pqt", pq)


def test_past_the_allowance_pyarrow_reads_each_file_once(tmp_path, monkeypatch):
    """Once a process has spent its allowance, footer_facts steps aside and pyarrow reads
    each file once: a good table gives its facts, a broken one its error, without the file
    being read again to word it."""
    from alflint.content import parquet, read_facts

    good, bad = tmp_path / "good.pqt", tmp_path / "bad.pqt"
    pd.DataFrame({"x": np.arange(4)}).to_parquet(good)
    data = good.read_bytes()
    bad.write_bytes(data[:-12] + b"\xff" * 4 + data[-8:])
    reads = []
    real = parquet._read_metadata
    monkeypatch.setattr(parquet, "_read_metadata", lambda path, pq: reads.append(path) or real(path, pq))
    monkeypatch.setattr(parquet, "PURE_SECONDS", 0.0)
    monkeypatch.setattr(parquet, "PYARROW_SECONDS", 0.0)
    assert footer_facts(good, good.stat().st_size) is None
    assert read_facts(good, "pqt").rows == 4
    with pytest.raises(ContentError, match="not a readable parquet file"):
        read_facts(bad, "pqt")
    assert [os.path.basename(p) for p in reads] == ["good.pqt", "bad.pqt"]


@pytest.mark.parametrize("pyarrow_seconds, imported", [(1.0, False), (0.0, True)])
def test_past_the_allowance_the_faster_decoder_goes_on(tmp_path, pyarrow_seconds, imported):
    """Past its allowance the pure reader goes on while its recent footers cost it less than
    pyarrow would take (tables of a few kinds, learned), and hands over otherwise."""
    paths = []
    for i in range(40):
        paths.append(str(tmp_path / f"t{i}.pqt"))
        pd.DataFrame({"x": np.arange(1 + i), "s": ["a"] * (1 + i)}).to_parquet(paths[-1])
    code = f"""
import sys
from alflint.content import parquet as p
p.PURE_SECONDS, p.PYARROW_SECONDS = 0.0, {pyarrow_seconds!r}
rows = [p.parquet_facts(path).rows for path in {paths!r}]
print(rows == list(range(1, 41)), 'pyarrow' in sys.modules, p._pure_decoded)
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    assert out[:2] == ["True", str(imported)]
    assert int(out[2]) == (40 if not imported else 0)


def test_learned_shapes_schemas_and_fields_give_the_same_facts(tmp_path, monkeypatch):
    """Tables of each kind read three times with everything learnable learned: the same facts
    as the first, cold reading and as pyarrow; shapes learned for the common kinds."""
    footer = forget_footers(monkeypatch, 0)
    for name in sorted(PANDAS_FRAMES):
        path = tmp_path / f"{name}.pqt"
        PANDAS_FRAMES[name]().to_parquet(path)
        readings = [read_schema(path) for _ in range(3)]
        assert len({repr(r) for r in readings}) == 1, name
        if readings[0] is not None:
            assert parquet_facts(path) == _pyarrow_facts(path, path.stat().st_size), name
    for name in ("mixed", "wide", "categorical", "dt_paris"):
        walked = footer._walked
        read_schema(tmp_path / f"{name}.pqt")
        assert footer._walked == walked, name


def test_tables_of_equal_length_share_their_decoded_arrow_schema(tmp_path, monkeypatch):
    """pandas stores the RangeIndex ``stop`` in ARROW:schema: tables of one kind and length
    share the whole stored value, and the second is not decoded again; another length is.
    Every reading gives pyarrow's facts."""
    footer = forget_footers(monkeypatch, 0)
    frame = pd.DataFrame({"a": np.arange(60, dtype="float64"), "b": ["x"] * 60, "t": pd.date_range("2020", periods=60, tz="Europe/Paris")})
    paths = []
    for i, rows in enumerate((40, 40, 41)):
        path = tmp_path / f"t{i}.pqt"
        frame.iloc[:rows].assign(a=np.arange(rows) * (i + 1.0)).to_parquet(path)  # other values and statistics
        paths.append(path)
    decoded = []
    monkeypatch.setattr(footer, "_arrow_fields", lambda raw, original=footer._arrow_fields: decoded.append(raw) or original(raw))
    for path in paths:
        schema = read_schema(path)
        assert schema is not None and schema.names == ["a", "b", "t"]
        assert parquet_facts(path) == _pyarrow_facts(path, path.stat().st_size)
    assert len(decoded) == 2 and len(footer._ARROW_SEEN) == 2  # 40 rows once, 41 rows once
    arrow = pq.read_metadata(paths[1]).schema.to_arrow_schema()
    assert read_schema(paths[1]).types == [str(t) for t in arrow.types]
    assert read_schema(paths[1]).types[2].endswith("tz=Europe/Paris]")  # from the stored schema alone


def test_tables_of_one_kind_keep_their_own_rows_size_and_index_columns(tmp_path):
    """What the columns of a kind of table come to is worked out once, yet every file keeps
    its own row count and size, and the same names and types with other pandas metadata
    (``b`` a column here, the index there) are another kind."""
    frame = pd.DataFrame({"a": np.arange(9, dtype="int64"), "b": np.array([3, 1, 4, 1, 5, 9, 2, 6, 5], dtype="int64")})
    written = []
    for i, rows in enumerate((3, 7, 7, 9)):
        path = tmp_path / f"plain{i}.pqt"
        frame.iloc[:rows].to_parquet(path, index=False)
        written.append((path, rows, ("a", "b")))
    indexed = tmp_path / "indexed.pqt"
    frame.set_index("b").iloc[:4].to_parquet(indexed)
    written.append((indexed, 4, ("a",)))
    for path, rows, columns in written * 2:
        fast, slow = both(path)
        assert fast == slow
        assert (fast.rows, fast.size, fast.columns) == (rows, path.stat().st_size, columns)


def test_a_shape_pattern_matches_its_shape_with_other_values_only():
    import re

    from alflint.content._compact_shapes import shape_source

    # {1: i32 5, 2: list<i32> [0, 3, 8], 3: binary "abc", 4: {1: true}}, then bytes after it
    struct_ = b"\x15\x0a" + b"\x19\x35\x00\x06\x10" + b"\x18\x03abc" + b"\x1c\x11\x00" + b"\x00"
    source, end = shape_source(b"xx" + struct_ + b"tail", 2)
    assert end == 2 + len(struct_)
    pattern = re.compile(source, re.DOTALL)
    assert pattern.match(struct_).end() == len(struct_)
    same_shape = (b"\x15\xff\xff\xff\xff\x0f" + b"\x19\x35\x7f\x80\x01\x00"
                  + b"\x18\x0a0123456789" + b"\x1c\x12\x00" + b"\x00")
    assert pattern.match(same_shape).end() == len(same_shape)
    other_shapes = {
        "i32 beyond 32 bits": b"\x15\xff\xff\xff\xff\x10" + struct_[2:],
        "another field id": b"\x25\x0a" + struct_[2:],
        "another wire type": b"\x16\x0a" + struct_[2:],
        "a list one longer": b"\x15\x0a\x19\x45\x00\x06\x10\x00" + struct_[7:],
        "a binary of 200 bytes": b"\x15\x0a\x19\x35\x00\x06\x10\x18\xc8\x01" + b"a" * 200 + struct_[13:],
        "cut short": struct_[:-1],
    }
    for why, blob in other_shapes.items():
        assert pattern.match(blob) is None, why
    long_binary = b"\x18\x80\x01" + b"a" * 128 + b"\x00"
    assert shape_source(long_binary, 0) is None  # no pattern: walked field by field always


def test_a_process_compiles_at_most_its_budget_of_patterns(tmp_path, monkeypatch):
    """Tables of many shapes (or footers made to churn them) cost at most COMPILE_BUDGET
    compilations; past it they are walked field by field, with the same facts."""
    footer = forget_footers(monkeypatch, 0)
    monkeypatch.setattr(footer, "COMPILE_BUDGET", 3)
    readings = {}
    for name in ("mixed", "wide", "categorical", "dt_paris", "bytes", "nullable_ints"):
        path = tmp_path / f"{name}.pqt"
        PANDAS_FRAMES[name]().to_parquet(path)
        readings[name] = [repr(read_schema(path)) for _ in range(3)]
    assert footer._compiled == 3
    walked = footer._walked
    for name, (first, _, _) in readings.items():
        assert repr(read_schema(tmp_path / f"{name}.pqt")) == first, name
    assert footer._walked > walked  # shapes it could not learn: walked again


def test_a_whole_list_pattern_is_bought_once_matching_one_by_one_has_cost_its_price(tmp_path, monkeypatch):
    """Lists of column chunks matched shape by shape count what that costs (RUN_SAVING a
    struct more than one pattern for the list); the list's pattern is compiled once that sum
    reaches what its shapes cost to compile, and is made of the shapes such lists used only."""
    footer = forget_footers(monkeypatch, 0)
    monkeypatch.setattr(footer, "RUN_SAVING", 0.0)  # nothing saved: never worth buying
    wide, other = tmp_path / "wide.pqt", tmp_path / "other.pqt"
    pd.DataFrame({f"c{i}": np.arange(5, dtype="float64") for i in range(12)}).to_parquet(wide)
    PANDAS_FRAMES["mixed"]().to_parquet(other)
    for _ in range(3):
        read_schema(wide), read_schema(other)
    assert not any(footer._RUNS.values())  # shapes learned, no list pattern bought
    key = next(k for k in footer._RUN_SPENT if k[0] == id(footer._COLUMN_CHUNK) and k[1] == 12)
    used = key[2]
    price = sum(footer._COMPILE_COST[p] for p in used)
    assert price > 0
    monkeypatch.setattr(footer, "RUN_SAVING", price / 12 / 3 * 1.001)  # a third of it a list
    walked = footer._walked
    for _ in range(2):
        read_schema(wide)
        assert not footer._RUNS.get(key[:2])
    facts = read_schema(wide)
    (run,) = footer._RUNS[key[:2]]
    assert run.pattern == b"(?:%s){12}" % b"|".join(p.pattern for p in used)
    learned = footer._SHAPES[id(footer._COLUMN_CHUNK)]
    assert len(used) < len(learned)  # the other table's shapes are not in it
    assert footer._walked == walked
    assert repr(read_schema(wide)) == repr(facts)
    assert assert_fast_and_equal(wide).columns == tuple(f"c{i}" for i in range(12))


def test_a_few_files_compile_no_pattern(tmp_path, monkeypatch):
    """What a pre-commit hook reads (ten wide tables of one kind) is walked field by field:
    compiling shapes pays only past LEARN_AFTER walked structs."""
    from alflint.content._parquet_footer import LEARN_AFTER

    footer = forget_footers(monkeypatch, LEARN_AFTER)
    frame = pd.DataFrame({f"c{i}": np.arange(50, dtype="float64") for i in range(33)})
    for i in range(10):
        path = tmp_path / f"t{i}.pqt"
        frame.iloc[: 40 + i].to_parquet(path)
        assert read_schema(path).num_rows == 40 + i
    assert footer._compiled == 0 and footer._walked >= 330


def test_the_memos_keep_no_huge_keys(tmp_path, monkeypatch):
    """A table of thousands of columns is read right, and neither its schema list nor its
    Arrow fields are kept (keys over 64 KB): a repository of such tables stays in bounds."""
    footer = forget_footers(monkeypatch, 0)
    path = tmp_path / "huge.pqt"
    pd.DataFrame({f"a_rather_long_column_name_{i:05d}": np.arange(2, dtype="int8") for i in range(3000)}).to_parquet(path)
    for _ in range(2):
        schema = read_schema(path)
        assert schema is not None and len(schema.names) == 3000
    assert not footer._SCHEMAS and not footer._FIELDS_SEEN and not footer._ARROW_SEEN
    small = tmp_path / "small.pqt"
    PANDAS_FRAMES["mixed"]().to_parquet(small)
    read_schema(small)
    assert len(footer._SCHEMAS) == len(footer._FIELDS_SEEN) == len(footer._ARROW_SEEN) == 1
