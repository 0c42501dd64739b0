"""Packed session rows (alflint.sessionrows): what the workers of an index send the parent.

A packed session unpacks to the rows it was made from, in id order, with the ids ONE's
tables carry; its default_revision flags pick the newest revision of each dataset; and the
tables joined from packed sessions are the tables build_tables makes from the same rows.
"""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from alflint.ids import dataset_id, eid_of
from alflint.sessionrows import default_flags, unpack
from alflint.sessionrows import pack as pack_columns

pa = pytest.importorskip("pyarrow")
tables = pytest.importorskip("alflint.tables")

EID = eid_of("lab/Subjects/subj/2021-06-01/001")
FILES = [
    ("alf/spikes.times.npy", 800, 1_700_000_000_000_000_001, True),
    ("alf/#2021-07-05#/spikes.times.npy", 808, 1_700_000_000_000_000_002, True),
    ("alf/#2021-08-01#/spikes.times.npy", 816, 1_700_000_000_000_000_003, True),
    ("alf/trials.intervals.npy", 2**40, 3, True),
    ("ünï/cödé.x.npy", 0, 4, True),
    ("notes.txt", 12, 5, False),
]


def pack(eid, files):
    return pack_columns(eid, *map(list, zip(*files))) if files else pack_columns(eid, [], [], [], [])


def test_a_packed_session_unpacks_to_its_rows_in_id_order():
    packed = pack(EID, FILES)
    rows = unpack(packed)
    assert packed[0] == len(FILES)
    assert [r.id for r in rows] == sorted(dataset_id(EID, f[0]) for f in FILES)
    assert sorted((r.rel_path, r.size, r.mtime_ns, r.is_alf) for r in rows) == sorted(FILES)
    assert all(r.id == str(uuid.uuid3(uuid.UUID(EID), r.rel_path)) for r in rows)
    assert packed[6] is not None  # one row is not ALF: the flags are kept
    assert pack(EID, FILES[:5])[6] is None  # all ALF: no flags to send


def test_an_empty_session_packs_and_unpacks():
    assert unpack(pack(EID, [])) == []


def test_default_flags_mark_the_newest_revision_of_each_dataset():
    paths = ["alf/a.b.npy", "alf/#2021-07-05#/a.b.npy", "alf/#2021-08-01#/a.b.npy",
             "alf/c.d.npy", "alf/#2020-01-01#/e.f.npy", "raw/a.b.npy"]
    assert default_flags(paths) == [False, False, True, True, True, True]
    assert default_flags(["x.y.npy"]) == [True]


def test_a_hash_sign_that_is_no_revision_folder_changes_no_flag():
    # '#' in a file name, or a folder that only starts with '#', is not a revision
    paths = ["alf/#x/a.b.npy", "alf/a#1.b.npy", "alf/#2021-07-05#/a#1.b.npy", "alf/#2021-07-05#/c.d.npy", "alf/c.d.npy"]
    assert default_flags(paths) == [True, False, True, True, False]


def test_tables_from_packed_sessions_equal_those_from_rows():
    sessions = [tables.SessionRow("lab/Subjects/subj/2021-06-01/001", "lab", "subj", "2021-06-01", "001"),
                tables.SessionRow("subj/2021-06-02/1", None, "subj", "2021-06-02", "1")]
    other = [("alf/spikes.times.npy", 1, 2, True), ("alf/#2021-07-05#/spikes.times.npy", 3, 4, True)]
    eids = [tables.session_eid(s) for s in sessions]
    alf_files = [f for f in FILES if f[3]]
    packs = sorted([(eids[0], pack(eids[0], alf_files)), (eids[1], pack(eids[1], other))])
    rows = [tables.DatasetRow(sessions[0].path, f[0], f[1], None, f[2]) for f in alf_files]
    rows += [tables.DatasetRow(sessions[1].path, f[0], f[1], None, f[2]) for f in other]
    for store_mtime in (False, True):
        fast = tables.build_indexed_tables(sessions, packs, origin="/x", store_mtime=store_mtime)
        slow = tables.build_tables(sessions, rows, origin="/x", store_mtime=store_mtime)
        for a, b in zip(fast, slow):
            assert a.schema == b.schema
            assert a.to_pydict() == b.to_pydict()
    defaults = dict(zip(fast[1].column("rel_path").to_pylist(), fast[1].column("default_revision").to_pylist()))
    assert defaults["alf/#2021-08-01#/spikes.times.npy"] and not defaults["alf/spikes.times.npy"]


def test_packed_sessions_out_of_order_or_unknown_are_refused():
    session = tables.SessionRow("subj/2021-06-02/001", None, "subj", "2021-06-02", "001")
    eid = tables.session_eid(session)
    with pytest.raises(ValueError, match="not in the sessions"):
        tables.build_indexed_tables([session], [(EID, pack(EID, FILES))])
    with pytest.raises(ValueError, match="out of eid order or given twice"):
        tables.build_indexed_tables([session], [(eid, pack(eid, FILES)), (eid, pack(eid, FILES))])


def test_boolean_columns_are_packed_bitmaps_without_pyarrow_compute():
    """Booleans are packed here (a cast would import pyarrow.compute, 0.12 s per index):
    values across byte boundaries must come out as given, and compute must stay unloaded."""
    code = """
import sys
import pyarrow as pa
from alflint import tables
flags = [True, False, False, True, True, True, False, True, False, True, True, False, True]
array = tables._bools(flags)
assert array.type == pa.bool_() and array.to_pylist() == flags, array
session = tables.SessionRow("subj/2021-06-02/001", None, "subj", "2021-06-02", "001")
rows = [tables.DatasetRow(session.path, f"alf/#2021-0{m}-01#/a.b.npy", 1, None, 2) for m in range(1, 10)]
sessions, datasets = tables.build_tables([session], rows)
found = dict(zip(datasets.column("rel_path").to_pylist(), datasets.column("default_revision").to_pylist()))
assert found == {r.rel_path: r.rel_path.startswith("alf/#2021-09") for r in rows}, found
assert "pyarrow.compute" not in sys.modules, "building tables imported pyarrow.compute"
"""
    subprocess.run([sys.executable, "-c", code], check=True)
