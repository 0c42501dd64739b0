"""alflint.content: header/footer readers on tiny real files written by numpy, pyarrow, pandas."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from alflint.content import (
    ContentError,
    ContentFacts,
    find_metadata,
    is_float,
    is_integer,
    is_numeric,
    metadata_candidates,
    read_facts,
    read_metadata,
)


def save(path, array, version=None):
    with open(path, "wb") as f:
        np.lib.format.write_array(f, np.asanyarray(array), version=version, allow_pickle=True)
    return path


def error_of(path, ext) -> ContentError:
    with pytest.raises(ContentError) as info:
        read_facts(path, ext)
    return info.value


# --------------------------------------------------------------------------------------------
# .npy
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
@pytest.mark.parametrize(
    "array, dtype, kind",
    [
        (np.arange(10, dtype="<f8"), "<f8", "f"),
        (np.arange(12, dtype="<i4").reshape(4, 3), "<i4", "i"),
        (np.arange(5, dtype="<u2"), "<u2", "u"),
        (np.arange(5, dtype=">i8"), ">i8", "i"),
        (np.array([True, False, True]), "|b1", "b"),
        (np.array(["a", "bcdefghijk"]), "<U10", "U"),
        (np.array([b"abc", b"de"]), "|S3", "S"),
        (np.array(["2021-01-01T00:00:00"], dtype="datetime64[ns]"), "<M8[ns]", "M"),
        (np.array([1, 2], dtype="timedelta64[s]"), "<m8[s]", "m"),
        (np.arange(4, dtype=np.complex128), "<c16", "c"),
        (np.zeros((0, 3), dtype=np.float32), "<f4", "f"),
        (np.zeros((2, 3, 4), dtype=np.float16), "<f2", "f"),
        (np.zeros(3, dtype="V7"), "|V7", "V"),
    ],
)
def test_npy_valid(tmp_path, array, dtype, kind, version):
    path = save(tmp_path / "a.npy", array, version)
    facts = read_facts(path, "npy")
    assert facts == ContentFacts(
        format="npy", size=os.path.getsize(path), rows=array.shape[0], shape=array.shape,
        dtype=dtype, kind=kind, data_offset=facts.data_offset,
    )
    assert facts.data_offset + array.nbytes == facts.size
    assert np.load(path).shape == facts.shape  # numpy agrees the file is sound


def test_npy_structured_dtype_falls_back_to_numpy(tmp_path):
    array = np.zeros(4, dtype=[("a", "<f8"), ("b", "<i4", (2,))])
    facts = read_facts(save(tmp_path / "s.npy", array), "npy")
    assert facts.rows == 4 and facts.kind == "V" and not facts.object_dtype
    assert "'a'" in facts.dtype and "'b'" in facts.dtype


def test_npy_fortran_order(tmp_path):
    array = np.asfortranarray(np.arange(6.0).reshape(3, 2))
    facts = read_facts(save(tmp_path / "f.npy", array), "npy")
    assert facts.fortran_order is True and facts.shape == (3, 2) and facts.rows == 3


def test_npy_zero_d_has_one_row_and_empty_shape(tmp_path):
    facts = read_facts(save(tmp_path / "z.npy", np.array(5.0)), "npy")
    assert facts.shape == () and facts.rows == 1 and facts.ndim == 0


def test_npy_object_dtype_is_flagged_not_size_checked(tmp_path):
    path = save(tmp_path / "o.npy", np.array([{"a": 1}, None, "x"], dtype=object))
    facts = read_facts(path, "npy")
    assert facts.object_dtype and facts.kind == "O" and facts.rows == 3
    # the pickled payload has no fixed size: a file whose size differs from 3 * itemsize is fine
    assert facts.size != facts.data_offset + 3 * 8


def test_npy_structured_with_object_field_is_object(tmp_path):
    array = np.array([(1, "x")], dtype=[("a", "<i8"), ("b", "O")])
    facts = read_facts(save(tmp_path / "so.npy", array), "npy")
    assert facts.object_dtype is True


def test_npy_object_without_payload_is_truncated(tmp_path):
    path = save(tmp_path / "o.npy", np.array([1, "a"], dtype=object))
    header_end = read_facts(path, "npy").data_offset
    path.write_bytes(path.read_bytes()[:header_end])
    assert "pickled payload" in str(error_of(path, "npy"))


def test_npy_truncated_data(tmp_path):
    path = save(tmp_path / "t.npy", np.arange(10, dtype="<f8"))
    data = path.read_bytes()
    path.write_bytes(data[:-5])
    err = error_of(path, "npy")
    assert str(err) == f"truncated: {len(data)} bytes expected, {len(data) - 5} found"
    assert err.path == os.fspath(path)


def test_npy_padded_data(tmp_path):
    path = save(tmp_path / "p.npy", np.arange(10, dtype="<i2"))
    n = path.stat().st_size
    with open(path, "ab") as f:
        f.write(b"\0" * 3)
    assert str(error_of(path, "npy")) == f"{n + 3} bytes found, {n} expected (trailing data)"


def test_npy_truncated_header(tmp_path):
    path = save(tmp_path / "h.npy", np.arange(3))
    path.write_bytes(path.read_bytes()[:40])
    assert "truncated: the .npy header declares 128 bytes, 40 found" == str(error_of(path, "npy"))
    path.write_bytes(b"\x93NUM")
    assert str(error_of(path, "npy")).startswith("truncated")


def test_not_npy(tmp_path):
    path = tmp_path / "x.npy"
    path.write_bytes(b"PK\x03\x04 this is a zip, not an array" * 4)
    assert "not an .npy file" in str(error_of(path, "npy"))
    path.write_bytes(pickle.dumps([1, 2, 3]))  # closed before reading: a pickle, not an empty file
    assert "not an .npy file" in str(error_of(path, "npy"))


def test_npy_unknown_version(tmp_path):
    path = save(tmp_path / "v.npy", np.arange(3))
    data = bytearray(path.read_bytes())
    data[6] = 4
    path.write_bytes(bytes(data))
    assert "unsupported .npy format version 4.0" in str(error_of(path, "npy"))


def _rewrite_header(path, text: str):
    """Replace the header dict of a version-1.0 file, keeping the data."""
    data = path.read_bytes()
    offset = 10 + int.from_bytes(data[8:10], "little")
    body = data[offset:]
    header = text.encode("latin-1")
    pad = (-(10 + len(header) + 1)) % 64
    header = header + b" " * pad + b"\n"
    path.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + body)


@pytest.mark.parametrize(
    "header, fragment",
    [
        ("{'descr': '<f8', 'shape': (3,), }", "lacks 'fortran_order'"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'x': 1}", "unexpected keys 'x'"),
        ("{'descr': '<f8', 'fortran_order': 0, 'shape': (3,), }", "fortran_order 0"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': [3], }", "not a tuple of integers"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (-3,), }", "negative dimension"),
        ("{'descr': '<q9', 'fortran_order': False, 'shape': (3,), }", "not a numpy dtype"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), ", "not a Python dict literal"),
        ("[1, 2, 3]", "is a list, not a dict"),
        ("{'descr': __import__('os'), 'fortran_order': False, 'shape': (3,)}", "not a Python dict literal"),
    ],
)
def test_npy_malformed_header(tmp_path, header, fragment):
    path = save(tmp_path / "m.npy", np.arange(3.0))
    _rewrite_header(path, header)
    assert fragment in str(error_of(path, "npy"))


def test_npy_python2_long_suffix_is_accepted(tmp_path):
    path = save(tmp_path / "l.npy", np.arange(6.0).reshape(3, 2))
    _rewrite_header(path, "{'descr': '<f8', 'fortran_order': False, 'shape': (3L, 2L), }")
    assert read_facts(path, "npy").shape == (3, 2)


def test_npy_header_with_unusual_spacing_uses_ast(tmp_path):
    path = save(tmp_path / "s.npy", np.arange(6, dtype="<i8").reshape(2, 3))
    _rewrite_header(path, "{'shape':(2,3),'fortran_order':False,'descr':'<i8'}")
    facts = read_facts(path, "npy")
    assert facts.shape == (2, 3) and facts.dtype == "<i8"
    assert np.load(path).shape == (2, 3)


def test_extension_with_dot_and_case_sensitivity(tmp_path):
    path = save(tmp_path / "a.npy", np.arange(3))
    assert read_facts(path, ".npy").rows == 3
    assert read_facts(path, "NPY") is None  # ONE dispatches case-sensitively: loads as a path


# --------------------------------------------------------------------------------------------
# Formats not inspected, empty and missing files
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ext", ["mp4", "avi", "cbin", "ch", "meta", "txt", "tar", "npz", "yaml", "mat"])
def test_uninspected_formats_return_none(tmp_path, ext):
    path = tmp_path / f"x.{ext}"
    path.write_bytes(b"\x00garbage\xff")
    assert read_facts(path, ext) is None


@pytest.mark.parametrize("ext", ["npy", "json", "jsonable", "pqt", "csv", "tsv", "htsv", "ssv", "bin"])
def test_empty_file_is_not_inspected(tmp_path, ext):
    path = tmp_path / f"x.{ext}"
    path.write_bytes(b"")
    facts = read_facts(path, ext)
    assert facts.size == 0 and facts.rows is None and facts.shape is None
    assert facts.format == ("tsv" if ext == "htsv" else ext)


def test_missing_file_is_a_content_error(tmp_path):
    err = error_of(tmp_path / "gone.npy", "npy")
    assert "cannot read the file" in str(err) and "No such file" in str(err)


def test_directory_is_a_content_error(tmp_path):
    (tmp_path / "d.json").mkdir()
    assert "cannot read" in str(error_of(tmp_path / "d.json", "json"))


# --------------------------------------------------------------------------------------------
# .json, .jsonable
# --------------------------------------------------------------------------------------------

def test_json_list_rows_and_object_no_rows(tmp_path):
    p = tmp_path / "a.json"
    p.write_text(json.dumps([1, 2, {"a": 3}]))
    assert read_facts(p, "json").rows == 3
    p.write_text(json.dumps({"a": [1, 2]}))
    facts = read_facts(p, "json")
    assert facts.rows is None and facts.format == "json" and facts.size == p.stat().st_size


def test_json_malformed_reports_line_and_column(tmp_path):
    p = tmp_path / "b.json"
    p.write_text('{\n  "a": 1,\n  "b": [1, 2,\n}\n')
    err = error_of(p, "json")
    assert str(err).startswith("invalid JSON at line 4 column 1")
    assert err.line == 4


def test_json_not_utf8(tmp_path):
    p = tmp_path / "c.json"
    p.write_bytes(b'{\n"a": "\xff"}')
    err = error_of(p, "json")
    assert str(err).startswith("not UTF-8 text") and "byte 8 (line 2)" in str(err) and err.line == 2


def test_json_byte_order_mark_is_refused_as_by_one(tmp_path):
    p = tmp_path / "bom.json"
    p.write_bytes(b"\xef\xbb\xbf" + b'{"a": 1}')
    with pytest.raises(json.JSONDecodeError):  # what ONE's loader does with the text
        json.loads(p.read_text(encoding="utf-8"))
    assert "BOM" in str(error_of(p, "json"))


def test_json_nan_is_accepted_as_by_one(tmp_path):
    p = tmp_path / "nan.json"
    p.write_text('[NaN, Infinity, 1]')
    assert read_facts(p, "json").rows == 3


def test_json_deep_nesting_is_a_content_error(tmp_path):
    p = tmp_path / "d.json"
    p.write_text("[" * 100000 + "]" * 100000)
    assert "nested too deeply" in str(error_of(p, "json"))


def test_jsonable_rows_are_lines(tmp_path):
    p = tmp_path / "a.jsonable"
    p.write_text("\n".join(json.dumps({"trial": i, "x": [i] * 3}) for i in range(5)) + "\n")
    assert read_facts(p, "jsonable").rows == 5
    p.write_text('{"a": 1}\n[1]')  # no final newline
    assert read_facts(p, "jsonable").rows == 2


def test_jsonable_first_bad_line(tmp_path):
    p = tmp_path / "b.jsonable"
    p.write_text('{"a": 1}\n{"a": 2}\n{"a": \n{"a": 4}\n{bad}\n')
    err = error_of(p, "jsonable")
    assert str(err).startswith("line 3 is not JSON") and err.line == 3


def test_jsonable_lines_split_like_text_mode(tmp_path):
    p = tmp_path / "r.jsonable"
    p.write_bytes(b'{"a": 1}\r\n{"a": 2}\r\n')
    assert read_facts(p, "jsonable").rows == 2
    p.write_bytes(b'{"a":\r 1}\n')  # a lone CR ends a line for ONE's reader too
    assert error_of(p, "jsonable").line == 1


def test_jsonable_byte_order_mark_and_bad_encoding(tmp_path):
    p = tmp_path / "b.jsonable"
    p.write_bytes(b"\xef\xbb\xbf" + b'{"a": 1}\n')
    assert "BOM" in str(error_of(p, "jsonable"))
    lines = [b'{"i": %d, "pad": "%s"}' % (i, b"x" * 50) for i in range(2000)]
    lines[1500] = b'{"s": "\xe9"}'
    p.write_bytes(b"\n".join(lines) + b"\n")
    err = error_of(p, "jsonable")
    assert err.line == 1501 and "not UTF-8" in str(err)


def test_jsonable_blank_line_is_an_error(tmp_path):
    p = tmp_path / "c.jsonable"
    p.write_text('{"a": 1}\n\n{"a": 2}\n')
    assert str(error_of(p, "jsonable")).startswith("line 2 is blank")
    p.write_text('{"a": 1}\n\n')  # a blank last line also breaks ONE's line-by-line loader
    assert error_of(p, "jsonable").line == 2


# --------------------------------------------------------------------------------------------
# .pqt
# --------------------------------------------------------------------------------------------

def test_parquet_rows_columns_types(tmp_path):
    p = tmp_path / "t.pqt"
    df = pd.DataFrame({"a": np.arange(7, dtype="int64"), "b": np.linspace(0, 1, 7), "c": list("abcdefg")})
    df.to_parquet(p)
    facts = read_facts(p, "pqt")
    assert facts.rows == 7 and facts.shape == (7, 3)
    assert facts.columns == ("a", "b", "c")
    assert facts.column_types == ("int64", "double", facts.column_types[2])
    assert facts.kind is None and facts.dtype is None  # mixed columns


def test_parquet_pandas_index_is_not_a_column(tmp_path):
    p = tmp_path / "i.pqt"
    pd.DataFrame({"x": [1.0, 2.0]}, index=pd.Index(["r1", "r2"], name="id")).to_parquet(p)
    facts = read_facts(p, "pqt")
    assert facts.columns == ("x",) and facts.kind == "f" and facts.dtype == "double"
    assert "id" in pq.read_schema(p).names  # the index is in the file schema, yet not a column


def test_parquet_single_type_kind(tmp_path):
    p = tmp_path / "u.pqt"
    pq.write_table(pa.table({"a": pa.array([1, 2], pa.uint32()), "b": pa.array([3, 4], pa.uint32())}), p)
    facts = read_facts(p, "pqt")
    assert facts.kind == "u" and facts.dtype == "uint32" and is_integer(facts)


def test_not_parquet(tmp_path):
    p = tmp_path / "n.pqt"
    p.write_text("a,b\n1,2\n")
    assert str(error_of(p, "pqt")).startswith("not a readable parquet file")


def test_truncated_parquet(tmp_path):
    p = tmp_path / "t.pqt"
    pd.DataFrame({"a": range(100)}).to_parquet(p)
    p.write_bytes(p.read_bytes()[:-20])
    assert str(error_of(p, "pqt")).startswith("not a readable parquet file")


# --------------------------------------------------------------------------------------------
# .csv, .tsv, .htsv, .ssv
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ext, sep", [("csv", ","), ("tsv", "\t"), ("htsv", "\t"), ("ssv", " ")])
def test_delimited_good(tmp_path, ext, sep):
    p = tmp_path / f"t.{ext}"
    pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y z" if sep != " " else "yz", "w"], "c": [0.5, 1.5, 2]}).to_csv(
        p, sep=sep, index=False)
    facts = read_facts(p, ext)
    assert facts.rows == 3 and facts.columns == ("a", "b", "c") and facts.shape == (3, 3)
    assert facts.format == ("tsv" if ext == "htsv" else ext)
    assert len(pd.read_csv(p, sep=sep)) == facts.rows  # pandas (ONE's loader) agrees


@pytest.mark.parametrize("ext, sep, name", [("csv", ",", "comma"), ("tsv", "\t", "tab"), ("ssv", " ", "space")])
def test_delimited_ragged(tmp_path, ext, sep, name):
    p = tmp_path / f"r.{ext}"
    rows = [["a", "b", "c", "d"]] + [["1", "2", "3", "4"]] * 5 + [["1", "2", "3"]] + [["1", "2"]]
    p.write_text("\n".join(sep.join(r) for r in rows) + "\n")
    err = error_of(p, ext)
    assert str(err) == f"line 7 has 3 columns, the header has 4 ({name}-separated)"
    assert err.line == 7


def test_csv_too_many_columns_and_quotes(tmp_path):
    p = tmp_path / "q.csv"
    p.write_text('a,b\n"1,5","multi\nline"\n3,4,5\n')
    err = error_of(p, "csv")
    assert str(err).startswith("line 4 has 3 columns, the header has 2")


def test_csv_blank_lines_skipped_header_only(tmp_path):
    p = tmp_path / "b.csv"
    p.write_text("a,b\n\n1,2\n\n3,4\n")
    assert read_facts(p, "csv").rows == 2
    p.write_text("a,b\n")
    facts = read_facts(p, "csv")
    assert facts.rows == 0 and facts.columns == ("a", "b")


def test_csv_bom_and_crlf(tmp_path):
    p = tmp_path / "c.csv"
    p.write_bytes("\ufeffa,b\r\n1,2\r\n".encode("utf-8"))
    facts = read_facts(p, "csv")
    assert facts.columns == ("a", "b") and facts.rows == 1


def test_csv_not_utf8(tmp_path):
    p = tmp_path / "l.csv"
    p.write_bytes(b"a,b\n" + b"1,2\n" * 5000 + b"1,\xe9\n")
    err = error_of(p, "csv")
    assert "not UTF-8" in str(err) and err.line == 5002


# --------------------------------------------------------------------------------------------
# .bin and metadata
# --------------------------------------------------------------------------------------------

def write_meta(folder, name, meta):
    p = folder / name
    p.write_text(json.dumps(meta))
    return p


def test_bin_with_metadata(tmp_path):
    data = np.arange(30, dtype="<i2").reshape(10, 3)
    p = tmp_path / "_ns_obj.attr.bin"
    data.tofile(p)
    meta = write_meta(tmp_path, "_ns_obj.attr.metadata.json", {"dtype": "int16", "columns": ["x", "y", "z"]})
    facts = read_facts(p, "bin")
    assert facts.rows == 10 and facts.shape == (10, 3) and facts.columns == ("x", "y", "z")
    assert facts.kind == "i" and facts.dtype == "int16" and not facts.missing_metadata
    assert facts.metadata_path == os.fspath(meta)


def test_bin_without_metadata_is_flagged_not_raised(tmp_path):
    p = tmp_path / "obj.attr.bin"
    p.write_bytes(b"\0" * 12)
    facts = read_facts(p, "bin")
    assert facts.missing_metadata and facts.rows is None and facts.size == 12
    assert find_metadata(p) is None


def test_bin_size_not_a_multiple_of_rows(tmp_path):
    p = tmp_path / "obj.attr.bin"
    p.write_bytes(b"\0" * 50)
    write_meta(tmp_path, "obj.attr.metadata.json", {"dtype": "<f8", "columns": ["a", "b"]})
    msg = str(error_of(p, "bin"))
    assert msg.startswith("50 bytes is not a whole number of rows: a row is 2 columns of <f8 = 16 bytes")
    assert "3 rows and 2 bytes left over" in msg


@pytest.mark.parametrize(
    "meta, fragment",
    [
        ({"columns": ["a"]}, "'dtype' is a required property"),
        ({"dtype": "<f8"}, "'columns' is a required property"),
        ({"dtype": "<f8", "columns": []}, "$.columns"),
        ({"dtype": "<f8", "columns": ["a", "a"]}, "non-unique"),
        ({"dtype": 8, "columns": ["a"]}, "$.dtype"),
        ({"dtype": "<f8", "columns": "a"}, "$.columns"),
        ({"dtype": "<q7", "columns": ["a"]}, "not a numpy dtype"),
        ({"dtype": "object", "columns": ["a"]}, "cannot be stored in a flat binary"),
        ([1, 2], "is not of type 'object'"),
    ],
)
def test_bin_bad_metadata(tmp_path, meta, fragment):
    p = tmp_path / "obj.attr.bin"
    p.write_bytes(b"\0" * 16)
    write_meta(tmp_path, "obj.attr.metadata.json", meta)
    msg = str(error_of(p, "bin"))
    assert msg.startswith("metadata obj.attr.metadata.json: ") and fragment in msg
    with pytest.raises(ContentError):
        read_metadata(tmp_path / "obj.attr.metadata.json")


def test_bin_metadata_not_json(tmp_path):
    p = tmp_path / "obj.attr.bin"
    p.write_bytes(b"\0" * 16)
    (tmp_path / "obj.attr.metadata.json").write_text("{'dtype': '<f8'}")
    err = error_of(p, "bin")
    assert "invalid JSON at line 1 column 2" in str(err)
    assert err.path.endswith("obj.attr.metadata.json")


def test_metadata_glob_and_preference(tmp_path):
    p = tmp_path / "obj.attr.part2.bin"
    p.write_bytes(b"")
    for name in ["obj.attr.part1.metadata.json", "obj.attr.part2.metadata.json", "obj.attrX.metadata.json",
                 "obj.other.metadata.json", "obj.attr.metadata.txt", "other.attr.metadata.json"]:
        write_meta(tmp_path, name, {"dtype": "<f8", "columns": ["a"]})
    cands = [os.path.basename(c) for c in metadata_candidates(p)]
    # ONE's glob obj.attr*.metadata*.json; the one named after the whole file first
    assert cands == ["obj.attr.part2.metadata.json", "obj.attr.part1.metadata.json", "obj.attrX.metadata.json"]
    assert os.path.basename(find_metadata(p)) == "obj.attr.part2.metadata.json"


def test_metadata_file_does_not_find_itself(tmp_path):
    meta = write_meta(tmp_path, "obj.attr.metadata.json", {"dtype": "<f8", "columns": ["a"]})
    assert find_metadata(meta) is None


def test_metadata_extra_keys_allowed(tmp_path):
    meta = write_meta(tmp_path, "obj.attr.metadata.json",
                      {"dtype": "float32", "columns": ["a", "b"], "unit": "mV", "row": "sample", "x": 1})
    assert read_metadata(meta)["unit"] == "mV"


# --------------------------------------------------------------------------------------------
# kind helpers
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "kind, numeric, integer, floating",
    [("f", True, False, True), ("i", True, True, False), ("u", True, True, False), ("c", True, False, False),
     ("b", False, False, False), ("O", False, False, False), ("U", False, False, False), (None, False, False, False)],
)
def test_kind_helpers(kind, numeric, integer, floating):
    facts = ContentFacts(format="npy", size=1, kind=kind)
    assert (is_numeric(facts), is_integer(facts), is_float(facts)) == (numeric, integer, floating)
    assert not is_numeric(None)


def test_content_error_pickles():
    err = pickle.loads(pickle.dumps(ContentError("truncated", "/x.npy", 3)))
    assert (str(err), err.path, err.line) == ("truncated", "/x.npy", 3)


# --------------------------------------------------------------------------------------------
# Import budget
# --------------------------------------------------------------------------------------------

def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_import_does_not_load_heavy_modules():
    r = _run("import alflint.content, sys; heavy = {'numpy', 'pandas', 'pyarrow', 'jsonschema'} & set(sys.modules);"
             " assert not heavy, heavy")
    assert r.returncode == 0, r.stderr


def test_reading_npy_and_text_headers_does_not_import_numpy(tmp_path):
    save(tmp_path / "a.npy", np.arange(6, dtype="<f4").reshape(2, 3))
    save(tmp_path / "b.npy", np.array(["xy"]), version=(3, 0))
    save(tmp_path / "c.npy", np.array([1, None], dtype=object))
    (tmp_path / "d.csv").write_text("a,b\n1,2\n")
    (tmp_path / "e.json").write_text("[1]")
    code = (
        "import sys, alflint.content as c\n"
        f"d = {os.fspath(tmp_path)!r}\n"
        "assert c.read_facts(d + '/a.npy', 'npy').shape == (2, 3)\n"
        "assert c.read_facts(d + '/b.npy', 'npy').dtype == '<U2'\n"
        "assert c.read_facts(d + '/c.npy', 'npy').object_dtype\n"
        "assert c.read_facts(d + '/d.csv', 'csv').rows == 1\n"
        "assert c.read_facts(d + '/e.json', 'json').rows == 1\n"
        "assert 'numpy' not in sys.modules and 'pandas' not in sys.modules\n"
    )
    r = _run(code)
    assert r.returncode == 0, r.stderr


# --------------------------------------------------------------------------------------------
# The .npy header fast path agrees with the literal parser
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(), (0,), (1,), (7,), (3, 0), (2, 3), (4, 5, 6), (10**12,)])
@pytest.mark.parametrize("descr", ["<f8", "|b1", "<U12", "<M8[us]", "|O", ">i2"])
@pytest.mark.parametrize("fortran", [False, True])
def test_header_fast_path_matches_literal_eval(descr, fortran, shape):
    import ast

    from alflint.content import npy

    text = repr({"descr": descr, "fortran_order": fortran, "shape": shape})
    text = text[:-1] + ", }" + " " * 20 + "\n"  # numpy's layout: trailing ", }", padding, newline
    assert npy._COMMON.fullmatch(text), text
    expected = ast.literal_eval(text)
    assert npy._parse_dict(text, (1, 0), None) == (expected["descr"], expected["fortran_order"], expected["shape"])


def test_numpy_written_headers_take_the_fast_path(tmp_path):
    from alflint.content import npy

    for i, array in enumerate([np.zeros(3), np.zeros((2, 2), dtype="<U3"), np.array(1), np.zeros((0, 2, 3))]):
        raw = save(tmp_path / f"{i}.npy", array).read_bytes()
        hlen = int.from_bytes(raw[8:10], "little")
        assert npy._COMMON.fullmatch(raw[10:10 + hlen].decode("latin-1"))


def test_csv_unterminated_quote_is_an_error_like_pandas(tmp_path):
    p = tmp_path / "q.csv"
    p.write_text('a,b\n1,2\n3,"4\n5,6\n')
    with pytest.raises(pd.errors.ParserError):
        pd.read_csv(p)
    err = error_of(p, "csv")
    assert str(err) == "line 3 opens a quoted field that is never closed (the file ends inside it)"
    assert err.line == 3


def test_csv_stray_quote_inside_field_is_read_literally_like_pandas(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text('a,b\n"x"y,2\n3,4\n')
    assert len(pd.read_csv(p)) == 2
    assert read_facts(p, "csv").rows == 2


def test_csv_huge_field_is_fine_and_limit_restored(tmp_path):
    import csv

    p = tmp_path / "h.csv"
    p.write_text("a,b\n1," + "x" * 300_000 + "\n")
    before = csv.field_size_limit()
    assert read_facts(p, "csv").rows == 1
    assert csv.field_size_limit() == before


@pytest.mark.parametrize("ext", ["npy", "json", "csv", "pqt", "jsonable", "bin"])
def test_fifo_and_directory_are_refused_without_blocking(tmp_path, ext):
    fifo = tmp_path / f"f.{ext}"
    os.mkfifo(fifo)
    assert "not a regular file" in str(error_of(fifo, ext))
    folder = tmp_path / f"d.{ext}"
    folder.mkdir()
    assert "cannot read the file" in str(error_of(folder, ext))


def test_fast_paths_do_not_block_on_a_fifo(tmp_path):
    """A dataset replaced by a FIFO after the walk (which saw a file of that size): the fast
    readers of the check answer None, and the general reader then words the error, instead
    of waiting for a writer that never comes."""
    fifo = tmp_path / "f.npy"
    os.mkfifo(fifo)
    code = (
        "from alflint import facts\n"
        "from alflint.content import _parquet_footer as footer\n"
        f"p = {str(fifo)!r}\n"
        "print(facts.fast_npy_facts(p, 200), facts.fast_json_facts(p, 20), facts.fast_delimited_facts(p, 20, 'csv'),\n"
        "      facts.fast_jsonable_facts(p, 20), footer.read_footer(p, 200), footer.read_footer(p))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["None"] * 6
