"""ONE cache tables written by alflint, checked against the real one-api on real files.

Every test writes a small ALF tree in ``tmp_path`` (real ``.npy`` files), builds the tables with
``alflint.tables`` and opens them with ``one.api.One(mode='local')``: what ONE lists and loads
must be exactly what is on disk, without a single warning.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import os
import subprocess
import sys
import uuid
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

one_api = pytest.importorskip("one.api")
from one.alf.cache import make_parquet_db  # noqa: E402

from alflint import tables  # noqa: E402
from alflint.ids import session_dataset_ids, uuid3_text  # noqa: E402
from alflint.tables import (  # noqa: E402
    ALFLINT_NAMESPACE,
    DatasetRow,
    SessionRow,
    build_tables,
    dataset_id,
    md5_files,
    read_tables,
    session_eid,
    write_tables,
)

# --------------------------------------------------------------------------------------------
# A small, realistic tree: labs and no lab, collections, revisions, namespaces, timescales.
# --------------------------------------------------------------------------------------------

LAB_SESSION = "mylab/Subjects/KS005/2021-06-01/001"
LAB_SESSION_2 = "mylab/Subjects/KS005/2021-06-02/001"
NOLAB_SESSION = "KS006/2021-06-02/002"
EMPTY_SESSION = "KS006/2021-06-03/001"

TREE: dict[str, list[str]] = {
    LAB_SESSION: [
        "alf/spikes.times.npy",
        "alf/spikes.clusters.npy",
        "alf/#2021-07-01#/spikes.times.npy",
        "alf/#2021-07-01#/spikes.clusters.npy",
        "alf/#2021-08-01#/spikes.times.npy",
        "alf/#2021-08-01#/spikes.clusters.npy",
        "alf/probe00/_ibl_trials.intervals.npy",
        "alf/probe00/_ibl_trials.goCue_times.npy",
        "raw_video_data/_iblrig_leftCamera.times.npy",
        "raw_video_data/_iblrig_leftCamera.times_ephysClock.npy",
        "wheel.position.npy",
        "wheel.timestamps.npy",
    ],
    LAB_SESSION_2: [  # the same rel_paths as in LAB_SESSION: ids must still differ
        "alf/spikes.times.npy",
        "alf/spikes.clusters.npy",
    ],
    NOLAB_SESSION: [
        "alf/_phy_clusters.depths.npy",
        "alf/_phy_clusters.amps.npy",
        "alf/trials.choice.npy",
        "alf/#2022-01-01#/trials.choice.npy",
        "alf/#2022-01-01a#/trials.choice.npy",
        "alf/probe01/#2021-12-01#/spikes.amps.npy",
        "alf/probe01/#2021-12-01#/spikes.depths.npy",
    ],
    EMPTY_SESSION: [],
}


def _array(rel: str, folder_key: tuple) -> np.ndarray:
    """Distinct content per file; the same first dimension within an object folder."""
    n = 3 + hashlib.md5("|".join(folder_key).encode()).digest()[0] % 5
    seed = int.from_bytes(hashlib.md5(rel.encode()).digest()[:4], "little")
    data = np.random.default_rng(seed).random((n, 2) if "intervals" in rel else n)
    return data


def make_tree(root: Path, tree: dict[str, list[str]] = TREE) -> dict[str, dict[str, np.ndarray]]:
    """Write ``tree`` under ``root``; returns {session: {rel_path: array}}."""
    written: dict[str, dict[str, np.ndarray]] = {}
    for session, rel_paths in tree.items():
        folder = root / session
        folder.mkdir(parents=True, exist_ok=True)
        written[session] = {}
        for rel in rel_paths:
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            obj = path.name.split(".")[0]
            array = _array(session + "/" + rel, (session, str(Path(rel).parent), obj))
            np.save(path, array)
            written[session][rel] = array
    return written


def session_row(path: str) -> SessionRow:
    parts = path.split("/")
    lab = parts[0] if len(parts) == 5 else None
    subject, date, number = parts[-3:]
    return SessionRow(path, lab, subject, date, number)


def scan_rows(root: Path, sessions=tuple(TREE), hashes: bool = False, mtime: bool = False):
    """Rows for build_tables from what is on disk (a minimal walker for the tests)."""
    ses_rows = [session_row(s) for s in sessions]
    ds_rows = []
    for s in sessions:
        base = root / s
        for dirpath, _, files in os.walk(base):
            for name in files:
                full = Path(dirpath, name)
                st = full.stat()
                rel = full.relative_to(base).as_posix()
                ds_rows.append(DatasetRow(s, rel, st.st_size, None, st.st_mtime_ns if mtime else None))
    if hashes:
        digests = md5_files([root / r.session / r.rel_path for r in ds_rows])
        ds_rows = [r._replace(hash=h) for r, h in zip(ds_rows, digests)]
    return ses_rows, ds_rows


def disk_rel_paths(root: Path, session: str) -> list[str]:
    base = root / session
    return sorted(p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file())


def split(rel: str) -> tuple[str, str, str]:
    """(collection, revision, filename) of a rel_path."""
    folders, _, name = rel.rpartition("/")
    parts = folders.split("/") if folders else []
    revision = ""
    if parts and parts[-1].startswith("#"):
        revision = parts.pop()[1:-1]
    return "/".join(parts), revision, name


#: Warnings ONE's own code raises under pandas 3.1 whatever the tables (``One.search`` calls
#: ``astype(bool, copy=False)``); they say nothing about our tables.
ONE_PANDAS_DEPRECATIONS = ("The copy keyword is deprecated",)


@contextmanager
def _one_logs():
    """Collect every log record of WARNING or above, whatever other tests did to the loggers.

    ONE's loggers (``one``, ``one.*``) are set to pass everything to the root for the duration
    (another test module may have silenced them), and ``logging.disable`` is lifted.
    """
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    names = [n for n in list(logging.root.manager.loggerDict) if n == "one" or n.startswith("one.")]
    saved = [(logging.getLogger(n), logging.getLogger(n).level, logging.getLogger(n).propagate, logging.getLogger(n).disabled) for n in names]
    for logger, *_ in saved:
        logger.setLevel(logging.NOTSET)
        logger.propagate = True
        logger.disabled = False
    root_logger = logging.getLogger()
    root_level, disabled = root_logger.level, logging.root.manager.disable
    root_logger.setLevel(logging.DEBUG)
    logging.disable(logging.NOTSET)
    handler = Keep(level=logging.WARNING)
    root_logger.addHandler(handler)
    try:
        yield records
    finally:
        root_logger.removeHandler(handler)
        root_logger.setLevel(root_level)
        logging.disable(disabled)
        for logger, level, propagate, was_disabled in saved:
            logger.setLevel(level)
            logger.propagate = propagate
            logger.disabled = was_disabled


@contextmanager
def no_warnings(allow: tuple[str, ...] = ()):
    """Fail on any warning or any log record of level WARNING or above."""
    with _one_logs() as records, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    messages = [f"{w.category.__name__}: {w.message}" for w in caught
                if not any(str(w.message).startswith(a) and "/one/" in w.filename for a in allow)]
    messages += [f"log {r.name} {r.levelname}: {r.getMessage()}" for r in records]
    assert messages == []


@contextmanager
def recording():
    """Collect warnings and WARNING+ log messages (for the checks that ONE does misbehave)."""
    out: list[str] = []
    with _one_logs() as records, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield out
    out.extend(r.getMessage() for r in records)
    out.extend(str(w.message) for w in caught)


def open_one(root: Path):
    with no_warnings():
        return one_api.One(cache_dir=root, mode="local")


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "root"
    written = make_tree(root)
    return root, written


def write(root: Path, **kwargs) -> tuple[Path, Path]:
    hashes = kwargs.pop("hashes", False)
    mtime = kwargs.pop("store_mtime", False)
    ses, ds = scan_rows(root, hashes=hashes, mtime=mtime)
    s, d = build_tables(ses, ds, origin=str(root), store_mtime=mtime, **kwargs)
    return write_tables(root, s, d)


# --------------------------------------------------------------------------------------------
# ONE sees exactly what is on disk
# --------------------------------------------------------------------------------------------


def expected_objects(rels: dict[str, np.ndarray]):
    """{(collection, namespace, object): {revision: {key: array}}} from the files written."""
    out: dict[tuple, dict[str, dict[str, np.ndarray]]] = {}
    for rel, array in rels.items():
        collection, revision, name = split(rel)
        head, attr, _ = name.split(".")
        namespace = None
        if head.startswith("_"):
            _, namespace, head = head.split("_", 2)
        out.setdefault((collection, namespace, head), {}).setdefault(revision, {})[attr] = array
    return out


@pytest.mark.parametrize("hashes", [False, True], ids=["no-hash", "md5"])
def test_one_lists_and_loads_what_is_on_disk(tree, hashes):
    root, written = tree
    write(root, hashes=hashes)
    one = open_one(root)
    assert len(one._cache["sessions"]) == len(TREE)
    for session, rels in written.items():
        row = session_row(session)
        with no_warnings():
            eid = one.to_eid(session)
            assert str(eid) == session_eid(row)
            assert one.eid2path(eid) == root / session
            on_disk = disk_rel_paths(root, session)
            assert sorted(rels) == on_disk
            listed = one.list_datasets(eid)
            if on_disk:
                assert listed == on_disk
                assert set(one.list_collections(eid)) == {split(r)[0] for r in on_disk}
                assert set(one.list_revisions(eid)) == {split(r)[1] for r in on_disk}
            else:
                assert len(listed) == 0
            for (collection, namespace, obj), by_revision in expected_objects(rels).items():
                newest = max(by_revision)
                kwargs = {"namespace": namespace} if namespace else {}
                loaded = one.load_object(eid, obj, collection=collection or None, **kwargs)
                assert sorted(loaded.keys()) == sorted(by_revision[newest])
                for key, array in by_revision[newest].items():
                    np.testing.assert_array_equal(loaded[key], array)
            for rel in rels if not hashes else ():  # (ONE's md5 of each file is slow: 0.1 s)
                collection, revision, name = split(rel)
                data = one.load_dataset(eid, name, collection=collection or None, revision=revision or None)
                if not revision:  # no revision asked: the newest revision of the dataset
                    newest = max(split(r)[1] for r in rels if split(r)[0] == collection and split(r)[2] == name)
                    rel = "/".join(filter(None, [collection, f"#{newest}#" if newest else "", name]))
                np.testing.assert_array_equal(data, rels[rel])


def test_revisions_default_newest_and_last_before(tree):
    root, written = tree
    write(root)
    one = open_one(root)
    eid = one.to_eid(LAB_SESSION)
    rels = written[LAB_SESSION]
    cases = {
        None: "#2021-08-01#/",
        "2021-08-01": "#2021-08-01#/",
        "2021-07-01": "#2021-07-01#/",
        "2021-07-15": "#2021-07-01#/",  # last before
        "2021-06-30": "",  # older than every revision: the unrevisioned files
    }
    for revision, folder in cases.items():
        with no_warnings():
            spikes = one.load_object(eid, "spikes", collection="alf", revision=revision)
        np.testing.assert_array_equal(spikes["times"], rels[f"alf/{folder}spikes.times.npy"])
        np.testing.assert_array_equal(spikes["clusters"], rels[f"alf/{folder}spikes.clusters.npy"])
    # Only revision folders under one collection: the newest of '2022-01-01' and '2022-01-01a'
    eid2 = one.to_eid(NOLAB_SESSION)
    with no_warnings():
        choice = one.load_dataset(eid2, "trials.choice.npy", collection="alf")
    np.testing.assert_array_equal(choice, written[NOLAB_SESSION]["alf/#2022-01-01a#/trials.choice.npy"])
    with no_warnings():
        defaults = one.list_datasets(eid, default_revisions_only=True)
    assert "alf/#2021-08-01#/spikes.times.npy" in defaults
    assert "alf/spikes.times.npy" not in defaults
    assert "alf/#2021-07-01#/spikes.times.npy" not in defaults
    assert "wheel.position.npy" in defaults  # unrevisioned datasets are their own default


def test_one_own_tables_do_warn_on_the_same_tree(tree):
    """Control: the checks above can fail. ONE's own tables warn on the same loads."""
    root, _ = tree
    (root / EMPTY_SESSION).rmdir()  # make_parquet_db cannot index a session without datasets
    make_parquet_db(root)
    one = one_api.One(cache_dir=root, mode="local")
    eid = one.to_eid(LAB_SESSION)
    with recording() as messages:
        one.load_object(eid, "spikes", collection="alf")
    assert any("No default revision" in m for m in messages)
    assert any("md5 mismatch" in m for m in messages)


def test_default_revision_column(tree):
    root, _ = tree
    s, d = build_tables(*scan_rows(root))
    frame = d.to_pandas()
    defaults = dict(zip(zip(frame.index.get_level_values(0), frame["rel_path"]), frame["default_revision"]))
    eid = session_eid(session_row(LAB_SESSION))
    assert defaults[(eid, "alf/#2021-08-01#/spikes.times.npy")]
    assert not defaults[(eid, "alf/#2021-07-01#/spikes.times.npy")]
    assert not defaults[(eid, "alf/spikes.times.npy")]
    assert defaults[(eid, "wheel.position.npy")]
    eid3 = session_eid(session_row(NOLAB_SESSION))
    assert defaults[(eid3, "alf/#2022-01-01a#/trials.choice.npy")]
    assert not defaults[(eid3, "alf/#2022-01-01#/trials.choice.npy")]
    # one default per dataset: per (eid, rel_path without revision) exactly one True
    stems = frame["rel_path"].str.replace(r"#[^/]*#/", "", regex=True)
    per_group = frame.groupby([frame.index.get_level_values(0), stems])["default_revision"].sum()
    assert (per_group == 1).all()


# --------------------------------------------------------------------------------------------
# Schema: exactly ONE's
# --------------------------------------------------------------------------------------------


def test_schema_matches_make_parquet_db(tree, tmp_path):
    root, _ = tree
    (root / EMPTY_SESSION).rmdir()
    one_dir = tmp_path / "one_tables"
    one_dir.mkdir()
    make_parquet_db(root, out_dir=one_dir)
    ours = write(root)
    for name, path in zip(("sessions", "datasets"), ours):
        theirs = pq.read_schema(one_dir / f"{name}.pqt")
        mine = pq.read_schema(path)
        for field in theirs:
            if name == "datasets" and field.name == "hash":
                assert mine.field("hash").type == pa.null()  # deliberate: nulls, not ''
            else:
                assert mine.field(field.name) == field, field.name
        extra = set(mine.names) - set(theirs.names)
        assert extra == ({"default_revision"} if name == "datasets" else set())
        if name == "datasets":
            assert mine.field("default_revision").type == pa.bool_()
        assert mine.names[-2:] == theirs.names[-2:]  # index columns last, as pandas writes them
        their_pandas = json.loads(theirs.metadata[b"pandas"])
        my_pandas = json.loads(mine.metadata[b"pandas"])
        assert my_pandas["index_columns"] == their_pandas["index_columns"]
        assert my_pandas["column_indexes"] == their_pandas["column_indexes"]
        mine_cols = {c["name"]: c for c in my_pandas["columns"]}
        for col in their_pandas["columns"]:
            if col["name"] != "hash":
                assert mine_cols[col["name"]] == col
        meta = json.loads(mine.metadata[b"one_metadata"])
        assert set(meta) == {"date_created", "origin"}
        assert meta["origin"] == str(root)
        datetime.datetime.strptime(meta["date_created"], "%Y-%m-%d %H:%M")
        # the parquet physical types too
        their_pq = pq.ParquetFile(one_dir / f"{name}.pqt").schema
        my_pq = pq.ParquetFile(path).schema
        for i, col in enumerate(their_pq):
            if col.name == "hash":
                continue
            mine_col = my_pq.column(my_pq.names.index(col.name))
            assert (mine_col.physical_type, str(mine_col.logical_type)) == (col.physical_type, str(col.logical_type))


def test_pandas_restores_index_and_dtypes(tree):
    root, _ = tree
    ses_path, ds_path = write(root)
    ses = pd.read_parquet(ses_path)
    ds = pd.read_parquet(ds_path)
    assert ses.index.names == ["id"]
    assert ds.index.names == ["eid", "id"]
    assert list(ses.columns) == ["lab", "subject", "date", "number", "task_protocol", "projects"]
    assert list(ds.columns) == ["rel_path", "file_size", "hash", "exists", "qc", "default_revision"]
    assert ses["number"].dtype == np.uint16
    assert isinstance(ses["date"].iloc[0], datetime.date)
    assert (ses["task_protocol"] == "").all() and (ses["projects"] == "").all()
    assert str(ds["file_size"].dtype) == "UInt64"
    assert ds["qc"].dtype == pd.CategoricalDtype(["NOT_SET", "PASS", "WARNING", "FAIL", "CRITICAL"], ordered=True)
    assert (ds["qc"] == "NOT_SET").all()
    assert ds["exists"].dtype == bool and ds["exists"].all()
    assert ds["default_revision"].dtype == bool
    assert all(h is None for h in ds["hash"])  # None, not '' and not NaN: ONE skips its md5 check
    assert ds["rel_path"].notna().all()
    assert all(isinstance(v, str) for v in ds.index.get_level_values(1))
    lab_row = ses.loc[session_eid(session_row(LAB_SESSION))]
    assert (lab_row["lab"], lab_row["subject"], lab_row["date"], lab_row["number"]) == (
        "mylab", "KS005", datetime.date(2021, 6, 1), 1)
    assert ses.loc[session_eid(session_row(NOLAB_SESSION)), "lab"] == ""


def test_rows_sorted_by_index_so_one_does_not_sort(tree):
    root, _ = tree
    s, d = build_tables(*scan_rows(root))
    ids = s.column("id").to_pylist()
    assert ids == sorted(ids)
    keys = list(zip(d.column("eid").to_pylist(), d.column("id").to_pylist()))
    assert keys == sorted(keys)
    # the order ONE checks: as UUID objects (the same order as the strings)
    write_tables(root, s, d, origin="")
    assert pd.read_parquet(root / "sessions.pqt").index.map(uuid.UUID).is_monotonic_increasing
    frame = pd.read_parquet(root / "datasets.pqt")
    as_uuid = pd.MultiIndex.from_arrays([frame.index.get_level_values(i).map(uuid.UUID) for i in (0, 1)])
    assert as_uuid.is_monotonic_increasing


# --------------------------------------------------------------------------------------------
# ids
# --------------------------------------------------------------------------------------------


def test_ids_are_documented_uuid3(tree):
    root, _ = tree
    s, d = build_tables(*scan_rows(root))
    for sid, lab, subject, day, number in zip(*(s.column(c).to_pylist() for c in ("id", "lab", "subject", "date", "number"))):
        canonical = f"{lab}/Subjects/" if lab else ""
        canonical += f"{subject}/{day.isoformat()}/{number:03d}"
        assert sid == str(uuid.uuid3(ALFLINT_NAMESPACE, canonical))
        assert uuid.UUID(sid).version == 3
    for eid, did, rel in zip(*(d.column(c).to_pylist() for c in ("eid", "id", "rel_path"))):
        assert did == str(uuid.uuid3(uuid.UUID(eid), rel)) == dataset_id(eid, rel)
    assert ALFLINT_NAMESPACE == uuid.uuid5(uuid.NAMESPACE_URL, "https://alflint/ids")


def test_tables_are_zstd_compressed_and_one_opens_them(tree):
    """Both tables are written with zstd (smaller and quicker to read and write than snappy
    here), every column of them, and the real ONE lists what is on disk from them."""
    root, written = tree
    for path in write(root):
        meta = pq.read_metadata(path)
        codecs = {meta.row_group(g).column(c).compression for g in range(meta.num_row_groups) for c in range(meta.num_columns)}
        assert codecs == {"ZSTD"}, (path.name, codecs)
    one = open_one(root)
    for session in written:
        with no_warnings():
            listed, on_disk = one.list_datasets(one.to_eid(session)), disk_rel_paths(root, session)
        assert len(listed) == len(on_disk) and (not on_disk or listed == on_disk)


def test_rebuild_is_byte_identical(tree, tmp_path, monkeypatch):
    root, _ = tree
    outputs = []
    for i, stamp in enumerate(["2026-01-01 10:00", "2026-01-01 10:00", "2026-01-02 11:11"]):
        monkeypatch.setattr(tables, "_now", lambda stamp=stamp: stamp)
        out = tmp_path / f"out{i}"
        out.mkdir()
        ses, ds = scan_rows(root)
        if i:
            ses.reverse()  # input order must not matter
            ds.reverse()
        outputs.append(write_tables(out, ses, ds, origin=str(root)))
    same, again, later = ([p.read_bytes() for p in paths] for paths in outputs)
    assert same == again  # byte for byte
    assert same != later  # only the date differs:
    for first, second in zip(outputs[0], outputs[2]):
        a, b = pq.read_table(first), pq.read_table(second)
        assert a.equals(b)
        meta_a, meta_b = dict(a.schema.metadata), dict(b.schema.metadata)
        one_a, one_b = (json.loads(m.pop(b"one_metadata")) for m in (meta_a, meta_b))
        assert meta_a == meta_b
        assert (one_a.pop("date_created"), one_b.pop("date_created")) == ("2026-01-01 10:00", "2026-01-02 11:11")
        assert one_a == one_b


def test_rebuild_gives_same_ids_in_one(tree):
    root, _ = tree
    write(root)
    first = open_one(root)._cache["datasets"].index.tolist()
    write(root)
    second = open_one(root)._cache["datasets"].index.tolist()
    assert first == second


def test_dataset_ids_unique_across_sessions(tree):
    root, written = tree
    write(root)
    one = open_one(root)
    ids = one._cache["datasets"].index.get_level_values(1)
    assert ids.is_unique
    shared = "alf/spikes.times.npy"
    frame = one._cache["datasets"]
    rows = frame[frame["rel_path"] == shared]
    assert len(rows) == 2  # in LAB_SESSION and LAB_SESSION_2
    for (eid, did), _ in rows.iterrows():
        session = next(s for s in TREE if session_eid(session_row(s)) == str(eid))
        with no_warnings():
            data = one.load_dataset_from_id(did)  # ONE raises on duplicate ids
        np.testing.assert_array_equal(data, written[session][shared])


# --------------------------------------------------------------------------------------------
# Hashes
# --------------------------------------------------------------------------------------------


def test_md5_hashes_are_checked_and_pass(tree):
    root, written = tree
    write(root, hashes=True)
    ds = pd.read_parquet(root / "datasets.pqt")
    for (eid, _), rel in ds["rel_path"].items():
        session = next(s for s in TREE if session_eid(session_row(s)) == eid)
        assert ds.loc[(eid, _), "hash"] == hashlib.md5((root / session / rel).read_bytes()).hexdigest()
    one = open_one(root)
    eid = one.to_eid(LAB_SESSION)
    with no_warnings():
        one.load_object(eid, "spikes", collection="alf")
    # Control: ONE does check our hashes. Corrupt a file (same size): ONE reports it.
    target = root / LAB_SESSION / "alf/#2021-08-01#/spikes.times.npy"
    raw = bytearray(target.read_bytes())
    raw[-1] ^= 0xFF
    target.write_bytes(bytes(raw))
    with recording() as messages:
        one.load_object(eid, "spikes", collection="alf")
    assert any("md5 mismatch" in m for m in messages)


def test_hash_column_is_parquet_null_without_hashes(tree):
    root, _ = tree
    _, ds_path = write(root)
    pq_schema = pq.ParquetFile(ds_path).schema
    hash_col = pq_schema.column(pq_schema.names.index("hash"))
    assert str(hash_col.logical_type) == "Null"
    assert pq.read_table(ds_path).column("hash").null_count == pq.read_metadata(ds_path).num_rows


def test_partial_hashes_rejected(tree):
    root, _ = tree
    ses, ds = scan_rows(root)
    ds[0] = ds[0]._replace(hash="d41d8cd98f00b204e9800998ecf8427e")
    with pytest.raises(ValueError, match="hash all datasets or none"):
        build_tables(ses, ds)
    ds[0] = ds[0]._replace(hash="")
    with pytest.raises(ValueError, match="not a lower-case md5"):
        build_tables(ses, ds)


def test_log_capture_survives_silenced_one_loggers():
    """The capture cannot be fooled by a test elsewhere that silenced ONE's loggers."""
    one_logger = logging.getLogger("one")
    before = one_logger.level
    one_logger.setLevel(logging.CRITICAL)
    try:
        with recording() as messages:
            logging.getLogger("one.api").warning("local md5 mismatch on dataset: x")
        assert messages == ["local md5 mismatch on dataset: x"]
        with pytest.raises(AssertionError):
            with no_warnings():
                logging.getLogger("one.api").warning("something")
        assert one_logger.level == logging.CRITICAL  # restored
    finally:
        one_logger.setLevel(before)


def test_md5_files(tmp_path):
    contents = [b"", b"x", os.urandom(3 * (1 << 20) + 17), os.urandom(1 << 20)]
    paths = []
    for i, content in enumerate(contents):
        path = tmp_path / f"f{i}.bin"
        path.write_bytes(content)
        paths.append(path)
    expected = [hashlib.md5(c).hexdigest() for c in contents]
    assert md5_files(paths) == expected
    assert md5_files(paths, jobs=1) == expected
    assert md5_files([str(p) for p in reversed(paths)], jobs=3) == expected[::-1]
    assert md5_files([]) == []
    with pytest.raises(FileNotFoundError):
        md5_files([*paths, tmp_path / "missing"], jobs=2)


# --------------------------------------------------------------------------------------------
# Sessions: lab=, empty sessions, dates, duplicates
# --------------------------------------------------------------------------------------------


def test_lab_sets_missing_labs(tmp_path):
    root = tmp_path / "root"
    tree = {"KS006/2021-06-02/002": ["alf/trials.choice.npy"], "KS007/2021-06-02/001": ["alf/trials.choice.npy"]}
    make_tree(root, tree)
    ses, ds = scan_rows(root, sessions=tuple(tree))
    s, d = build_tables(ses, ds, lab="mylab")
    assert s.column("lab").to_pylist() == ["mylab", "mylab"]
    # ids do not depend on lab=: they are those of the on-disk paths
    plain, _ = build_tables(ses, ds)
    assert s.column("id").to_pylist() == plain.column("id").to_pylist()
    write_tables(root, s, d, origin=str(root))
    one = open_one(root)
    with no_warnings(allow=ONE_PANDAS_DEPRECATIONS):
        found = one.search(lab="mylab")
    assert sorted(map(str, found)) == sorted(session_eid(r) for r in ses)
    eid = one.to_eid("KS006/2021-06-02/002")
    # ONE rebuilds the session path from the lab: the data are expected under mylab/Subjects
    assert one.eid2path(eid) == root / "mylab/Subjects/KS006/2021-06-02/002"


def test_lab_keeps_equal_labs_and_rejects_conflicts(tmp_path):
    root = tmp_path / "root"
    make_tree(root, {LAB_SESSION: ["alf/trials.choice.npy"], NOLAB_SESSION: ["alf/trials.choice.npy"]})
    ses, ds = scan_rows(root, sessions=(LAB_SESSION, NOLAB_SESSION))
    s, _ = build_tables(ses, ds, lab="mylab")
    assert s.column("lab").to_pylist() == ["mylab", "mylab"]
    with pytest.raises(ValueError) as err:
        build_tables(ses, ds, lab="otherlab")
    message = str(err.value)
    assert LAB_SESSION in message and "'mylab'" in message and "'otherlab'" in message


def test_session_without_datasets_is_a_row_and_one_opens_it(tree):
    root, _ = tree
    write(root)
    one = open_one(root)
    eid = session_eid(session_row(EMPTY_SESSION))
    assert uuid.UUID(eid) in one._cache["sessions"].index
    with no_warnings(allow=ONE_PANDAS_DEPRECATIONS):
        assert one.to_eid(EMPTY_SESSION) == uuid.UUID(eid)
        assert len(one.list_datasets(eid)) == 0
        assert uuid.UUID(eid) in one.search(subject="KS006", date="2021-06-03")


@pytest.mark.parametrize("date", ["2021-02-30", "2021-13-01", "2021-6-01", "20210601", "2021-06-01 "])
def test_bad_dates_raise_value_error(date):
    row = SessionRow(f"subj/{date}/001", None, "subj", date, "001")
    with pytest.raises(ValueError, match="subj/") as err:
        build_tables([row], [])
    assert "date" in str(err.value)


@pytest.mark.parametrize("number", ["0001", "", "1a", "١"])
def test_bad_numbers_raise_value_error(number):
    with pytest.raises(ValueError, match="session number"):
        build_tables([SessionRow(f"subj/2021-06-01/{number}", None, "subj", "2021-06-01", number)], [])


def test_same_session_twice_rejected():
    rows = [SessionRow("s/2021-06-01/1", None, "s", "2021-06-01", "1"),
            SessionRow("s/2021-06-01/001", None, "s", "2021-06-01", "001")]
    with pytest.raises(ValueError, match="same session"):
        build_tables(rows, [])
    with pytest.raises(ValueError, match="listed twice"):
        build_tables(rows[:1] * 2, [])


def test_unpadded_session_number_gets_padded_canonical_id():
    row = SessionRow("s/2021-06-01/1", None, "s", "2021-06-01", "1")
    s, _ = build_tables([row], [])
    assert s.column("id").to_pylist() == [str(uuid.uuid3(ALFLINT_NAMESPACE, "s/2021-06-01/001"))]
    assert s.column("number").to_pylist() == [1]


# --------------------------------------------------------------------------------------------
# Datasets: no null rel_paths, no duplicates, no orphans
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rel_path", [
    None, "", "/abs/x.y.npy", "alf//x.y.npy", "../x.y.npy", "alf\\x.y.npy", "alf/./x.y.npy", "alf/../x.y.npy",
    "alf/", ".", "alf/x.y.npy\n", 5,
])
def test_bad_rel_paths_raise(rel_path):
    ses = [SessionRow("s/2021-06-01/001", None, "s", "2021-06-01", "001")]
    with pytest.raises(ValueError, match="rel_path|POSIX|folder"):
        build_tables(ses, [DatasetRow("s/2021-06-01/001", rel_path, 1)])


def test_duplicate_and_orphan_datasets_raise():
    ses = [SessionRow("s/2021-06-01/001", None, "s", "2021-06-01", "001")]
    row = DatasetRow("s/2021-06-01/001", "alf/x.y.npy", 1)
    with pytest.raises(ValueError, match="listed twice"):
        build_tables(ses, [row, row])
    with pytest.raises(ValueError, match="not in the sessions"):
        build_tables(ses, [row._replace(session="t/2021-06-01/001")])
    with pytest.raises(ValueError, match="file size"):
        build_tables(ses, [row._replace(file_size=-1)])


def test_hidden_names_are_not_mistaken_for_dot_folders():
    ses = [SessionRow("s/2021-06-01/001", None, "s", "2021-06-01", "001")]
    rels = [".hidden.x.npy", "alf/.x.y.npy", "alf/..x.y.npy"]  # odd, but relative paths
    _, d = build_tables(ses, [DatasetRow("s/2021-06-01/001", r, 1) for r in rels])
    assert sorted(d.column("rel_path").to_pylist()) == sorted(rels)


def test_no_null_rel_paths_in_output(tree):
    root, _ = tree
    _, d = build_tables(*scan_rows(root))
    assert d.column("rel_path").null_count == 0
    assert d.column("id").null_count == 0 and d.column("eid").null_count == 0


# --------------------------------------------------------------------------------------------
# Empty input, writing, reading back
# --------------------------------------------------------------------------------------------


def test_empty_tables_open_in_one(tmp_path):
    s, d = build_tables([], [])
    assert s.num_rows == 0 and d.num_rows == 0
    write_tables(tmp_path, s, d, origin=str(tmp_path))
    one = open_one(tmp_path)
    with no_warnings(allow=ONE_PANDAS_DEPRECATIONS):
        assert len(one.list_datasets()) == 0
        assert len(one.list_datasets(details=True)) == 0
        assert len(one.search()) == 0
    assert list(one._cache["datasets"].index.names) == ["eid", "id"]
    assert list(one._cache["sessions"].index.names) == ["id"]


def test_one_own_empty_tables_crash_list_datasets(tmp_path):
    """Control for the test above: ONE's empty tables lose the qc categories."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make_parquet_db(tmp_path)
        one = one_api.One(cache_dir=tmp_path, mode="local")
    with pytest.raises(TypeError):
        one.list_datasets()


def test_sessions_without_any_dataset(tmp_path):
    ses = [SessionRow("s/2021-06-01/001", None, "s", "2021-06-01", "001")]
    (tmp_path / "s/2021-06-01/001").mkdir(parents=True)
    write_tables(tmp_path, ses, [], origin=str(tmp_path))
    one = open_one(tmp_path)
    with no_warnings():
        eid = one.to_eid("s/2021-06-01/001")
        assert str(eid) == session_eid(ses[0])
        assert len(one.list_datasets(eid)) == 0
        assert len(one.list_datasets()) == 0


def test_write_is_atomic_on_failure(tree, monkeypatch):
    root, _ = tree
    write(root)
    before = {p.name: p.read_bytes() for p in root.iterdir() if p.is_file()}
    calls = []
    real = pq.write_table

    def failing(table, where, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(table, where, **kwargs)

    monkeypatch.setattr(tables.pq, "write_table", failing)
    ses, ds = scan_rows(root)
    with pytest.raises(OSError, match="disk full"):
        write_tables(root, ses, ds, origin="new")
    after = {p.name: p.read_bytes() for p in root.iterdir() if p.is_file()}
    assert after == before  # old tables intact, no temporary file left


def test_tables_get_the_permissions_of_a_new_file_or_keep_those_they_replace(tree):
    """A lab shares its tables: not the 0600 of a temporary file, but what open() gives a
    new file under the umask, and a mode someone set on the old tables survives a rewrite."""
    root, _ = tree
    ses, ds = scan_rows(root)
    old_mask = os.umask(0o027)
    try:
        paths = write_tables(root, ses, ds, origin="")
        assert [oct(p.stat().st_mode & 0o777) for p in paths] == [oct(0o640)] * 2
        paths[1].chmod(0o664)
        write_tables(root, ses, ds, origin="")
        assert [oct(p.stat().st_mode & 0o777) for p in paths] == [oct(0o640), oct(0o664)]
    finally:
        os.umask(old_mask)


def test_write_requires_existing_dir(tmp_path):
    with pytest.raises(NotADirectoryError):
        write_tables(tmp_path / "nope", [], [], origin="")


def test_write_accepts_rows_and_sets_origin(tree):
    root, _ = tree
    ses, ds = scan_rows(root)
    paths = write_tables(root, ses, ds, origin="/data/root")
    assert [p.name for p in paths] == ["sessions.pqt", "datasets.pqt"]
    for p in paths:
        assert json.loads(pq.read_schema(p).metadata[b"one_metadata"])["origin"] == "/data/root"
    s, d = build_tables(ses, ds, origin="a")
    write_tables(root, s, d, origin="b")
    assert json.loads(pq.read_schema(root / "datasets.pqt").metadata[b"one_metadata"])["origin"] == "b"
    assert sorted(p.name for p in root.iterdir() if p.is_file()) == ["datasets.pqt", "sessions.pqt"]


def test_read_tables_round_trip(tree):
    root, _ = tree
    write(root, hashes=True, store_mtime=True)
    prev = read_tables(root)
    ses, ds = scan_rows(root, hashes=True, mtime=True)
    assert prev.metadata["origin"] == str(root)
    assert prev.written_ns == (root / "datasets.pqt").stat().st_mtime_ns
    assert set(prev.sessions) == {session_eid(r) for r in ses}
    assert prev.sessions[session_eid(session_row(NOLAB_SESSION))] == session_row(NOLAB_SESSION)
    by_id = {dataset_id(session_eid(session_row(r.session)), r.rel_path): r for r in ds}
    assert set(prev.datasets) == set(by_id)
    for did, row in by_id.items():
        old = prev.datasets[did]
        assert (old.session, old.rel_path, old.file_size, old.hash, old.mtime_ns) == row
        assert prev.eids[did] == session_eid(session_row(row.session))
    # ONE ignores the extra mtime column
    one = open_one(root)
    with no_warnings():
        one.load_object(one.to_eid(LAB_SESSION), "spikes", collection="alf")


def test_previous_file_states_hold_what_update_compares(tree):
    """Size, mtime and hash of every file whose mtime is clearly older than the tables, by
    (eid, rel_path), as read_tables has them; a row written within the settling time is left
    out (its file is checked again); tables without mtimes, or one table alone, give none."""
    root, _ = tree
    write(root, hashes=True, store_mtime=True)
    prev = read_tables(root)
    states = tables.previous_file_states(root, settle_ns=0)
    assert states == {(prev.eids[i], r.rel_path): (r.file_size, r.mtime_ns, r.hash) for i, r in prev.datasets.items()}
    assert all(s.hash for s in states.values())
    newest = max(s.mtime_ns for s in states.values())
    written = (root / "datasets.pqt").stat().st_mtime_ns
    settled = tables.previous_file_states(root, settle_ns=written - newest)  # the newest file is not clearly older
    assert set(states) - set(settled) == {k for k, s in states.items() if s.mtime_ns == newest}
    write(root, hashes=False, store_mtime=False)
    assert tables.previous_file_states(root) == {}
    (root / "sessions.pqt").unlink()
    with pytest.raises(FileNotFoundError):
        tables.previous_file_states(root)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "no eid column"])
def test_unreadable_previous_tables_mean_no_previous_rows_or_files(tree, damage):
    """--update on tables it cannot read checks everything instead of stopping."""
    from alflint.indexer import _previous_files, _previous_rows, _sessions_in_tables

    root, _ = tree
    write(root, hashes=False, store_mtime=True)
    target = root / "datasets.pqt"
    later = target.stat().st_mtime_ns + 10**10
    os.utime(target, ns=(later, later))  # the files are clearly older than the tables: trusted
    assert _previous_rows(str(root)) and _sessions_in_tables(str(root)) == len(TREE)
    assert len(_previous_files(str(root))) == len(_previous_rows(str(root)))
    if damage == "garbage":
        target.write_bytes(b"not parquet at all")
        (root / "sessions.pqt").write_bytes(b"PAR1")
    elif damage == "truncated":
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    else:
        pq.write_table(pq.read_table(target).drop_columns(["eid"]), target)
    assert _previous_rows(str(root)) == {}
    assert _previous_files(str(root)) is None
    if damage == "garbage":
        assert _sessions_in_tables(str(root)) == 0


def test_read_tables_of_one_own_tables(tree):
    root, _ = tree
    (root / EMPTY_SESSION).rmdir()
    make_parquet_db(root)
    prev = read_tables(root)
    assert len(prev.sessions) == len(TREE) - 1
    assert all(row.hash is None for row in prev.datasets.values())  # '' reads as "no hash"
    assert {r.rel_path for r in prev.datasets.values()} >= set(TREE[LAB_SESSION])


def test_tables_module_not_imported_by_alflint():
    import subprocess
    import sys

    code = "import sys, alflint; assert 'alflint.tables' not in sys.modules and 'pyarrow' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)



def test_fast_uuid3_equals_uuid_module():
    names = ["", "a", "alf/spikes.times.npy", "ünï/cödé.x.npy", "x" * 300] + [f"n{i}/{i * 7919}" for i in range(2000)]
    for namespace in (ALFLINT_NAMESPACE, uuid.UUID(session_eid("s/2021-06-01/001"))):
        for name in names:
            assert uuid3_text(namespace.bytes, name) == str(uuid.uuid3(namespace, name))
        assert session_dataset_ids(str(namespace), names) == [str(uuid.uuid3(namespace, n)) for n in names]


def test_ids_need_neither_pyarrow_nor_tables():
    """Workers compute ids while they collect: the ids module is standard library only."""
    code = ("import sys, alflint.ids as i; i.session_dataset_ids(i.eid_of('s/2021-06-01/001'), ['a.b.npy']); "
            "assert not {'pyarrow', 'alflint.tables', 'numpy'} & set(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_writing_tables_imports_pandas_only_to_learn_its_metadata_once(tmp_path):
    """pandas' own metadata for ONE's frames is remembered in the user's cache: later writes
    (and every array) are built without importing pandas (0.4 s of a small index)."""
    import subprocess
    import sys

    out = tmp_path / "out"
    out.mkdir()
    code = (
        "import sys; from alflint import tables; "
        "tables.write_tables(sys.argv[1], [tables.SessionRow('s/2020-01-01/001', None, 's', '2020-01-01', '001')], "
        "[tables.DatasetRow('s/2020-01-01/001', 'alf/a.b.npy', 10, None, None)]); print('pandas' in sys.modules)"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    runs = [subprocess.run([sys.executable, "-c", code, str(out)], env=env, capture_output=True, text=True, check=True).stdout.strip() for _ in range(2)]
    assert runs == ["True", "False"]
    remembered = list((tmp_path / "xdg" / "alflint" / "pandas-metadata").glob("*.json"))
    assert {p.read_bytes() for p in remembered} == {tables._prototype_metadata(t, False, False) for t in ("sessions", "datasets")}
    frame = pd.read_parquet(out / "datasets.pqt")
    assert frame.index.names == ["eid", "id"] and frame["qc"].dtype.ordered


@pytest.mark.parametrize("values", [
    ["alf/spikes.times.npy"],
    ["a", "", "b", ""],
    ["alf/spikes.times.npy", "raw_video_data/_iblrig_leftCamera.raw.mp4", "x" * 300],
    ["données/ß.npy", "日本/データ.npy", "a\udcff.npy", "plain.npy"],  # UTF-8, and a name that is not
])
def test_nul_separated_strings_equal_the_split_values(values):
    """The datasets' rel_path column is built from the workers' NUL-joined paths without a
    Python string per path: the same array as from the values one by one."""
    built = tables._nul_separated("\0".join(values), len(values))
    assert built.equals(tables._strings(values))
    if not any("\udc80" <= c <= "\udcff" for v in values for c in v):  # pyarrow decodes valid UTF-8 only
        assert built.to_pylist() == values
    assert built.buffers()[2].to_pybytes() == "".join(values).encode("utf-8", "surrogatepass")
    with pytest.raises(ValueError, match="values expected"):
        tables._nul_separated("\0".join(values), len(values) + 1)
