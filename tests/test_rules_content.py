"""ALF501-ALF504: file contents, on tiny real files written by numpy, pyarrow, pandas.

Each case is a tiny tree in and the expected codes out; correct files stay silent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import alflint
from alflint.config import Config
from trees import write

S = "subj/2021-01-01/001"





def check(root: Path, select, **config) -> list[tuple[str, str]]:
    report = alflint.check(root, select=select, config=Config(**config))
    assert report.internal_errors == 0, report.issues
    return sorted((i.code, i.path) for i in report.issues)


def issues(root: Path, select, **config):
    report = alflint.check(root, select=select, config=Config(**config))
    assert report.internal_errors == 0, report.issues
    return report.issues


def npy_bytes(array) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=True)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# ALF501 malformed-content
# --------------------------------------------------------------------------------------------

GOOD = {
    f"{S}/alf/spikes.times.npy": np.arange(10.0),
    f"{S}/alf/spikes.clusters.npy": np.zeros(10, dtype=np.uint32),
    f"{S}/alf/trials.table.pqt": pd.DataFrame({"choice": [1, -1], "goCue_times": [0.5, 1.5]}),
    f"{S}/alf/clusters.metrics.csv": pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}),
    f"{S}/alf/clusters.labels.tsv": pd.DataFrame({"label": ["good", "mua"]}),
    f"{S}/alf/wheel.velocity.ssv": pd.DataFrame({"v": [0.1, 0.2]}),
    f"{S}/probes.description.json": [{"label": "probe00"}],
    f"{S}/raw_behavior_data/_iblrig_taskData.raw.jsonable": '{"trial": 1}\n{"trial": 2}\n',
    f"{S}/raw_video_data/_iblrig_leftCamera.raw.mp4": b"\x00not inspected",
    f"{S}/raw/imaging.frames.bin": np.arange(12, dtype="<i2").tobytes(),
    f"{S}/raw/imaging.frames.metadata.json": {"dtype": "<i2", "columns": ["a", "b", "c"]},
}


def test_well_formed_files_of_every_format_are_silent(tmp_path):
    write(tmp_path, GOOD)
    assert check(tmp_path, ["ALF5"]) == []


@pytest.mark.parametrize(
    "name, content, phrase",
    [
        ("alf/spikes.times.npy", npy_bytes(np.arange(10.0))[:-8], "truncated"),
        ("alf/spikes.times.npy", npy_bytes(np.arange(10.0)) + b"\0" * 8, "trailing data"),
        ("alf/spikes.times.npy", b"\x93NUMPY\x01\x00\xff\x00{'descr'", "truncated"),
        ("alf/spikes.times.npy", b"this is not numpy at all", "not an .npy file"),
        ("alf/trials.table.pqt", b"choice,goCue_times\n1,0.5\n", "not a readable parquet file"),
        ("alf/clusters.metrics.csv", "a,b\n1,2\n3\n", "line 3 has 1 column"),
        ("alf/clusters.labels.tsv", "a\tb\n1\t2\t3\n", "line 2 has 3 columns"),
        ("alf/wheel.velocity.ssv", "a b\n1 2\n3 4 5\n", "line 3 has 3 columns"),
        ("probes.description.json", '{"label": "probe00",}', "invalid JSON"),
        ("raw/_iblrig_taskData.raw.jsonable", '{"trial": 1}\n{"trial": \n', "line 2 is not JSON"),
    ],
    ids=["npy-truncated", "npy-padded", "npy-header-cut", "npy-not-npy", "pqt-is-csv", "csv-short-row",
         "tsv-long-row", "ssv-long-row", "json-syntax", "jsonable-bad-line"],
)
def test_corrupt_files_are_errors_naming_the_problem(tmp_path, name, content, phrase):
    write(tmp_path, {f"{S}/{name}": content})
    found = issues(tmp_path, ["ALF501"])
    assert [(i.code, i.path, i.severity) for i in found] == [("ALF501", f"{S}/{name}", "error")]
    assert phrase in found[0].message


def test_bin_not_a_whole_number_of_rows_is_an_error(tmp_path):
    write(tmp_path, {
        f"{S}/raw/imaging.frames.bin": np.arange(13, dtype="<i2").tobytes(),
        f"{S}/raw/imaging.frames.metadata.json": {"dtype": "<i2", "columns": ["a", "b", "c"]},
    })
    found = issues(tmp_path, ["ALF5"])
    assert [(i.code, i.path) for i in found] == [("ALF501", f"{S}/raw/imaging.frames.bin")]
    assert "not a whole number of rows" in found[0].message


def test_bin_metadata_failing_the_schema_is_an_error(tmp_path):
    write(tmp_path, {
        f"{S}/raw/imaging.frames.bin": np.arange(12, dtype="<i2").tobytes(),
        f"{S}/raw/imaging.frames.metadata.json": {"dtype": "<i2"},
    })
    found = issues(tmp_path, ["ALF5"])
    assert [(i.code, i.path) for i in found] == [("ALF501", f"{S}/raw/imaging.frames.bin")]
    assert "'columns' is a required property" in found[0].message


def test_no_content_skips_content_rules(tmp_path):
    write(tmp_path, {f"{S}/alf/spikes.times.npy": b"garbage"})
    report = alflint.check(tmp_path, select=["ALF5"], config=Config(), content=False)
    assert report.issues == []
    assert [i.code for i in alflint.check(tmp_path, select=["ALF5"], config=Config()).issues] == ["ALF501"]


def test_files_outside_sessions_and_invalid_names_are_left_to_name_rules(tmp_path):
    write(tmp_path, {"spikes.times.npy": b"garbage", f"{S}/alf/notes.json": "{", f"{S}/alf/spikes times.x.npy": b"x"})
    assert check(tmp_path, ["ALF5"]) == []


# --------------------------------------------------------------------------------------------
# ALF502-ALF504
# --------------------------------------------------------------------------------------------

def test_object_dtype_npy_is_a_warning(tmp_path):
    write(tmp_path, {f"{S}/alf/clusters.labels.npy": np.array(["good", 3, None], dtype=object),
                     f"{S}/alf/clusters.names.npy": np.array(["good", "mua"])})
    found = issues(tmp_path, ["ALF5"])
    assert [(i.code, i.path, i.severity) for i in found] == [("ALF502", f"{S}/alf/clusters.labels.npy", "warning")]
    assert "pickle" in found[0].message


def test_bin_without_metadata_is_a_warning_unless_spikeglx_meta_describes_it(tmp_path):
    write(tmp_path, {
        f"{S}/raw_video_data/_iblrig_leftCamera.GPIO.bin": b"\0" * 16,
        f"{S}/raw_ephys_data/probe00/_spikeglx_ephysData_g0_t0.imec0.ap.bin": b"\0" * 16,
        f"{S}/raw_ephys_data/probe00/_spikeglx_ephysData_g0_t0.imec0.ap.meta": "nSavedChans=385\n",
    })
    found = issues(tmp_path, ["ALF5"])
    assert [(i.code, i.path, i.severity) for i in found] == [
        ("ALF503", f"{S}/raw_video_data/_iblrig_leftCamera.GPIO.bin", "warning")]
    assert "_iblrig_leftCamera.GPIO*.metadata*.json" in found[0].message


def test_zero_dimensional_array_is_a_warning(tmp_path):
    write(tmp_path, {f"{S}/alf/probe.depth.npy": np.array(3.2), f"{S}/alf/probe.width.npy": np.array([3.2])})
    found = issues(tmp_path, ["ALF5"])
    assert [(i.code, i.path) for i in found] == [("ALF504", f"{S}/alf/probe.depth.npy")]
    assert "IndexError" in found[0].message


def test_every_content_rule_is_documented():
    from alflint.engine import Engine

    rules = Engine.create(".", config=Config()).rules
    for code in [c for c in rules if c.startswith(("ALF5", "ALF6")) or "302" <= c[3:] <= "399"]:
        doc = rules[code].doc
        for heading in ("**What it checks", "**Why it matters", "**Bad:**", "**Good:**"):
            assert heading in doc, f"{code} lacks {heading}"


# --------------------------------------------------------------------------------------------
# the fast .npy path of alflint.facts agrees with the content reader
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "array",
    [np.arange(10.0), np.zeros((4, 3), dtype="<i4"), np.zeros((0, 2)), np.array(3.5), np.array(["ab", "c"]),
     np.asfortranarray(np.zeros((3, 2), dtype=">u2")), np.zeros((2, 3, 4), dtype=np.float32),
     np.array([True, False]), np.array(["2021-01-01"], dtype="datetime64[D]")],
    ids=["f8", "i4-2d", "empty-2d", "0d", "unicode", "fortran-big-endian", "3d", "bool", "datetime"],
)
def test_fast_npy_facts_equal_the_content_reader(tmp_path, array):
    from alflint.content import read_facts
    from alflint.facts import fast_npy_facts

    path = tmp_path / "a.b.npy"
    np.save(path, array)
    fast = fast_npy_facts(str(path), path.stat().st_size)
    assert fast is not None
    assert fast == read_facts(path, "npy")


@pytest.mark.parametrize(
    "mutate",
    [lambda b: b[:-1], lambda b: b + b"\0", lambda b: b[:6] + b"\x02\x00" + b[8:], lambda b: b[:20]],
    ids=["truncated", "padded", "version-2-bytes", "cut-in-header"],
)
def test_fast_npy_facts_leave_every_irregular_file_to_the_content_reader(tmp_path, mutate):
    from alflint.facts import fast_npy_facts

    path = tmp_path / "a.b.npy"
    path.write_bytes(mutate(npy_bytes(np.arange(10.0))))
    assert fast_npy_facts(str(path), path.stat().st_size) is None
    assert fast_npy_facts(str(path), path.stat().st_size + 8) is None
    object_path = tmp_path / "c.d.npy"
    object_path.write_bytes(npy_bytes(np.array([1, "a"], dtype=object)))
    assert fast_npy_facts(str(object_path), object_path.stat().st_size) is None


def test_a_header_seen_before_vouches_only_for_files_of_the_very_same_header_bytes_and_size(tmp_path):
    """The fast path remembers facts by the header bytes its length field spans, and the
    size: a file whose length field is off, or whose data is cut, is never taken for the
    valid file read before it."""
    from alflint.facts import fast_npy_facts

    good = npy_bytes(np.arange(10.0))
    valid = tmp_path / "a.b.npy"
    valid.write_bytes(good)
    assert fast_npy_facts(str(valid), len(good)) is not None  # remembered now
    length = int.from_bytes(good[8:10], "little")
    for i, bad in enumerate([good[:8] + (length - 16).to_bytes(2, "little") + good[10:],  # length field short
                             good[:8] + (length + 16).to_bytes(2, "little") + good[10:],  # and long
                             good[:-8]]):  # one value cut off
        path = tmp_path / f"bad{i}.b.npy"
        path.write_bytes(bad)
        assert fast_npy_facts(str(path), len(bad)) is None, i
    assert fast_npy_facts(str(valid), len(good)) is not None


@pytest.mark.parametrize(
    "ext, text",
    [
        ("csv", "a,b\n1,2\n3,4\n"),
        ("csv", "\ufeffa,b\r\n1,2\r\n\r\n3,4"),
        ("tsv", "label\ngood\nmua\n"),
        ("htsv", "a\tb\n1\t2\n"),
        ("ssv", "x y z\n1 2 3\n\n4 5 6\n"),
        ("ssv", "x y\n \n"),
        ("csv", "a,b\n"),
        ("csv", "a,b,c\n1,2,3\n,,\n"),
    ],
)
def test_fast_delimited_facts_equal_the_content_reader(tmp_path, ext, text):
    from alflint.content import read_facts
    from alflint.facts import fast_delimited_facts

    path = tmp_path / f"a.b.{ext}"
    path.write_bytes(text.encode())
    fast = fast_delimited_facts(str(path), path.stat().st_size, ext)
    assert fast is not None
    assert fast == read_facts(path, ext)


@pytest.mark.parametrize(
    "text",
    ['a,b\n"1,2",3\n', "a,b\n1,2,3\n", "a,b\n1\n", "a,b\r1,2\r", "a,b\n1,\x002\n", "\n\n"],
    ids=["quotes", "long-row", "short-row", "lone-cr", "nul", "blank"],
)
def test_fast_delimited_facts_leave_irregular_tables_to_the_content_reader(tmp_path, text):
    from alflint.facts import fast_delimited_facts

    path = tmp_path / "a.b.csv"
    path.write_bytes(text.encode())
    assert fast_delimited_facts(str(path), path.stat().st_size, "csv") is None
    (tmp_path / "c.d.csv").write_bytes(b"a,b\n\xff\xfe,1\n")
    assert fast_delimited_facts(str(tmp_path / "c.d.csv"), 10, "csv") is None


@pytest.mark.parametrize("text", ['{"a": 1}', "[1, 2, 3]", '"just a string"', "3", '{"é": [1]}'])
def test_fast_json_facts_equal_the_content_reader(tmp_path, text):
    from alflint.content import read_facts
    from alflint.facts import fast_json_facts

    path = tmp_path / "a.b.json"
    path.write_bytes(text.encode())
    assert fast_json_facts(str(path), path.stat().st_size) == read_facts(path, "json")


@pytest.mark.parametrize("walked_size", [7, 9])  # the file is 8 bytes: it grew, or shrank, since the walk
def test_fast_text_facts_leave_a_file_whose_size_changed_to_the_content_reader(tmp_path, walked_size):
    from alflint.facts import fast_json_facts, fast_jsonable_facts

    path = tmp_path / "a.b.json"
    path.write_bytes(b"[1, 2]\n\n")
    assert fast_json_facts(str(path), 8).rows == 2
    assert fast_json_facts(str(path), walked_size) is None
    assert fast_jsonable_facts(str(path), walked_size) is None


@pytest.mark.parametrize("data", [b'{"a": 1,}', b"\xff[]", b"[" * 100000 + b"]" * 100000, b"{", b"\xef\xbb\xbf[]"])
def test_fast_json_facts_leave_malformed_documents_to_the_content_reader(tmp_path, data):
    from alflint.facts import fast_json_facts

    path = tmp_path / "a.b.json"
    path.write_bytes(data)
    assert fast_json_facts(str(path), path.stat().st_size) is None


@pytest.mark.parametrize("data", [
    b'{"a": 1}\n{"b": [1, 2]}\n', b"1\n2\n3", b'  "x" \t\n[1]\n', b"NaN\n",
    b"", b"1\n\n2\n", b"1\n2\n\n", b"1, 2\n", b"[1\n2]\n", b"[[1\n2]]\n3],[4\n", b"1\r\n2\r\n",
    b"\xef\xbb\xbf1\n", b"\xff\n", b"{\n", b"1 2\n", b"   \n", b'"a\\u00e9"\n', b"[" * 5000 + b"]" * 5000 + b"\n",
])
def test_fast_jsonable_facts_agree_with_the_content_reader(tmp_path, data):
    """The fast path either returns exactly the reader's facts or steps aside; it never
    accepts a file the reader rejects (lines that only parse when joined, blank lines...)."""
    from alflint.content import ContentError, read_facts
    from alflint.facts import fast_jsonable_facts

    path = tmp_path / "a.b.jsonable"
    path.write_bytes(data)
    fast = fast_jsonable_facts(str(path), len(data))
    try:
        expected = read_facts(path, "jsonable")
    except ContentError:
        assert fast is None
    else:
        assert fast is None or fast == expected


def test_fast_jsonable_facts_take_the_common_case(tmp_path):
    from alflint.facts import fast_jsonable_facts

    path = tmp_path / "a.b.jsonable"
    path.write_bytes(b'{"trial": 0, "x": [1.5, null]}\n' * 40)
    facts = fast_jsonable_facts(str(path), path.stat().st_size)
    assert facts is not None and facts.rows == 40 and facts.format == "jsonable"
