"""Benchmark of the list/load API on a 1,000,000-dataset table, beside one-api on the same data.

    python benchmarks/bench_api.py [--sessions 20000] [--per-session 50] [--no-one]

Builds ONE-schema tables in memory (20,000 sessions x 50 datasets), writes real small files
for one session, and times:

* ``Repository(...)`` construction (per-eid grouping) and ``One(cache_dir)`` on the same tables
  written as parquet;
* ``list_datasets(eid)`` on distinct sessions (first call per session) and repeated, and with
  a collection filter;
* ``load_object(eid, 'spikes', collection='alf/probe00')`` (3 small .npy files), ours with
  validation (first call, then repeated) and ONE's with and without ``check_hash``.

Targets: list_datasets(eid) <= 0.1 ms, load_object <= 5 ms.
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from alflint import repository

COLLECTIONS = ["", "alf", "alf/probe00", "alf/probe01", "raw_video_data", "raw_behavior_data"]


def dataset_names(n: int) -> list[str]:
    """n distinct rel paths in a session: spikes (3 attributes) in alf/probe00 first."""
    names = ["alf/probe00/spikes.times.npy", "alf/probe00/spikes.clusters.npy", "alf/probe00/spikes.amps.npy",
             "alf/probe00/#2021-07-05#/spikes.amps.npy"]
    i = 0
    while len(names) < n:
        coll = COLLECTIONS[i % len(COLLECTIONS)]
        name = f"_ibl_obj{i // 7}.attr{i % 7}.npy"
        names.append(f"{coll}/{name}" if coll else name)
        i += 1
    return names[:n]


def build_tables(n_sessions: int, per_session: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    eids = [str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(n_sessions)]
    subjects = [f"SUBJ-{i // 40:04d}" for i in range(n_sessions)]
    base = datetime.date(2021, 1, 1)
    dates = [base + datetime.timedelta(days=i % 40) for i in range(n_sessions)]
    sessions = pd.DataFrame({
        "lab": [f"lab{i % 5}" for i in range(n_sessions)], "subject": subjects, "date": dates,
        "number": np.ones(n_sessions, dtype="uint16"), "task_protocol": "", "projects": "",
    }, index=pd.Index(eids, name="id"))
    names = dataset_names(per_session)
    n = n_sessions * per_session
    blob = rng.bytes(16 * n)
    ids = [str(uuid.UUID(bytes=blob[i:i + 16], version=4)) for i in range(0, 16 * n, 16)]
    datasets = pd.DataFrame({
        "rel_path": np.tile(np.array(names, dtype=object), n_sessions),
        "file_size": pd.array(np.full(n, 168), dtype="UInt64"),
        "hash": "",
        "exists": True,
        "qc": pd.Categorical(["NOT_SET"] * n, dtype=repository.QC_TYPE),
    }, index=pd.MultiIndex.from_arrays([np.repeat(np.array(eids, dtype=object), per_session), ids], names=["eid", "id"]))
    return sessions, datasets


def write_session_files(root: Path, sessions: pd.DataFrame, datasets: pd.DataFrame) -> str:
    """Real files for the spikes object of the first session; fixes their sizes in the table."""
    eid = sessions.index[0]
    rec = sessions.iloc[0]
    folder = root / rec["lab"] / "Subjects" / rec["subject"] / rec["date"].isoformat() / "001"
    for rel, values in (("alf/probe00/spikes.times.npy", np.arange(100) / 30), ("alf/probe00/spikes.clusters.npy", np.arange(100) % 7),
                        ("alf/probe00/spikes.amps.npy", np.ones(100)), ("alf/probe00/#2021-07-05#/spikes.amps.npy", np.ones(100) * 2)):
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, values)
        mask = (datasets.index.get_level_values(0) == eid) & (datasets["rel_path"] == rel).to_numpy()
        datasets.loc[mask, "file_size"] = path.stat().st_size
    return eid


def write_parquet(root: Path, sessions: pd.DataFrame, datasets: pd.DataFrame) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    meta = json.dumps({"date_created": datetime.datetime.now().isoformat(sep=" ", timespec="minutes"), "origin": str(root)}).encode()
    for name, frame in (("sessions", sessions), ("datasets", datasets)):
        table = pa.Table.from_pandas(frame)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"one_metadata": meta})
        pq.write_table(table, root / f"{name}.pqt")


def per_call(fn, calls) -> tuple[float, float]:
    """(median, mean) milliseconds per call over the given argument list."""
    warnings.filterwarnings("ignore", "object .* loads from several revisions")
    times = []
    for args in calls:
        t = time.perf_counter()
        fn(*args)
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times), statistics.fmean(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20_000)
    parser.add_argument("--per-session", type=int, default=50)
    parser.add_argument("--no-one", action="store_true", help="skip one-api")
    args = parser.parse_args(argv)

    t = time.perf_counter()
    sessions, datasets = build_tables(args.sessions, args.per_session)
    print(f"tables: {len(sessions):,} sessions, {len(datasets):,} datasets (built in {time.perf_counter() - t:.1f} s)")
    root = Path(tempfile.mkdtemp(prefix="alflint-bench-"))
    eid0 = write_session_files(root, sessions, datasets)

    t = time.perf_counter()
    repo = repository.Repository(root, sessions, datasets)
    print(f"ours: Repository() {time.perf_counter() - t:.2f} s")
    rng = np.random.default_rng(1)
    sample = [str(e) for e in rng.choice(sessions.index.to_numpy(), min(2000, len(sessions)), replace=False)]
    rows = []
    first = per_call(repo.list_datasets, [(e,) for e in sample])
    again = per_call(repo.list_datasets, [(e,) for e in sample])
    coll = per_call(lambda e: repo.list_datasets(e, collection="alf/probe00"), [(e,) for e in sample])
    rows += [("list_datasets(eid), first call per session", first), ("list_datasets(eid), repeated", again),
             ("list_datasets(eid, collection='alf/probe00')", coll)]
    assert repo.list_datasets(eid0)[:3] == sorted(dataset_names(args.per_session))[:3]
    load_first = per_call(lambda: repo.load_object(eid0, "spikes", collection="alf/probe00"), [()])
    load = per_call(lambda: repo.load_object(eid0, "spikes", collection="alf/probe00"), [()] * 200)
    load_nv = per_call(lambda: repo.load_object(eid0, "spikes", collection="alf/probe00", validate=False), [()] * 200)
    rows += [("load_object (validate, first)", load_first), ("load_object (validate, repeated)", load),
             ("load_object (validate=False)", load_nv)]
    assert repo.load_object(eid0, "spikes", collection="alf/probe00").amps[0] == 2

    one_rows = {}
    if not args.no_one:
        try:
            from one.api import One
        except ImportError:
            print("one-api not installed: skipping ONE")
        else:
            import logging

            logging.getLogger("one").setLevel(logging.CRITICAL)
            t = time.perf_counter()
            write_parquet(root, sessions, datasets)
            print(f"parquet written in {time.perf_counter() - t:.1f} s")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t = time.perf_counter()
                one = One(cache_dir=root, mode="local")
                print(f"ONE: One(cache_dir) {time.perf_counter() - t:.2f} s")
                uu = [uuid.UUID(e) for e in sample[:300]]
                one_rows["list_datasets(eid), first call per session"] = per_call(one.list_datasets, [(e,) for e in uu])
                one_rows["list_datasets(eid), repeated"] = per_call(one.list_datasets, [(e,) for e in uu])
                one_rows["list_datasets(eid, collection='alf/probe00')"] = per_call(lambda e: one.list_datasets(e, collection="alf/probe00"), [(e,) for e in uu])
                u0 = uuid.UUID(eid0)
                one_rows["load_object (validate, repeated)"] = per_call(lambda: one.load_object(u0, "spikes", collection="alf/probe00", check_hash=False), [()] * 20)
                one_rows["load_object (ONE default check_hash=True)"] = per_call(lambda: one.load_object(u0, "spikes", collection="alf/probe00"), [()] * 3)
    print()
    print(f"{'call':50s} {'ours median/mean ms':>22s} {'one-api median/mean ms':>24s}")
    ours_rows = dict(rows)
    for label in [*ours_rows, *(k for k in one_rows if k not in ours_rows)]:
        mine = ours_rows.get(label)
        ours = f"{mine[0]:.4f} / {mine[1]:.4f}" if mine else "-"
        one_v = one_rows.get(label)
        theirs = f"{one_v[0]:.3f} / {one_v[1]:.3f}" if one_v else "-"
        print(f"{label:50s} {ours:>22s} {theirs:>24s}")
    print("\n(ONE's load_object rows use check_hash=False except where noted; ours never hashes unless asked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
